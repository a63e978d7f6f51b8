//! The page templates and their one renderer.

use askama::Template;

use crate::domain::{AccountKind, District, PersonRole};
use crate::i18n::filters;
use crate::services::activation::IssuedKey;
use crate::services::captcha::Challenge;
use crate::services::records::{self, StudentSummary};
use crate::services::tools::MenuTool;

/// Renders a page. A template that fails to render (it cannot, short of a bug in a filter) is
/// logged and replaced by a plain sentence rather than a half page.
pub fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|err| {
        tracing::error!(%err, "template failed to render");
        "<!doctype html><title>Error</title><p>Something went wrong on our side.</p>".to_owned()
    })
}

/// What the account menu shows besides its fixed links.
#[derive(Debug, Default, Clone, Copy)]
pub struct AccountMenu {
    /// **Linked Districts**, where the district offers it.
    pub linking: bool,
    /// Unread notifications.
    pub unread: usize,
    /// An account that converses (not staff): Messages in the menu.
    pub converses: bool,
    /// Conversations with something unread.
    pub conversations_unread: i64,
    /// A teacher: office hours in the menu.
    pub teacher: bool,
    /// A family account that may write to a child's teachers (students where allowed).
    pub writes_to_teachers: bool,
}

#[derive(Template)]
#[template(path = "finder.html")]
pub struct Finder<'a> {
    pub q: &'a str,
    pub q_error: Option<String>,
    pub state_error: Option<String>,
    pub states: Vec<StateOption>,
    pub searched: bool,
    pub results: Vec<FinderResult>,
}

pub struct StateOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

pub struct FinderResult {
    pub slug: String,
    pub name: String,
    pub state_name: &'static str,
    pub maintenance: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login<'a> {
    /// The district turned these on: their links show.
    pub forgot_password: bool,
    pub forgot_username: bool,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub state_name: &'a str,
    pub portal: &'a str,
    pub portal_title: &'a str,
    pub other_portal: &'a str,
    pub other_portal_title: &'a str,
    /// What went wrong with the last try.
    pub error: Option<String>,
    /// With a wrong-portal error: where this account logs in, and the link's words.
    pub right_portal: Option<(String, String)>,
    /// The username typed, kept after a failed try.
    pub username: &'a str,
    pub captcha: Option<Challenge>,
    /// The account has two-step verification: the form asks for its code.
    pub second_factor: bool,
    /// Whether "Sign in with a passkey" is offered.
    pub passkeys: bool,
    /// The district's identity provider for this portal: "Sign in with …".
    pub sso: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "activate.html")]
pub struct Activate<'a> {
    pub slug: &'a str,
    pub district_name: &'a str,
    pub error: Option<String>,
    /// The key as typed, kept between the steps.
    pub key: &'a str,
    pub captcha: Option<Challenge>,
    /// Step two: the username and the password.
    pub account_step: bool,
    /// Whose key it is, when known.
    pub person: Option<String>,
    pub username: &'a str,
    pub username_error: Option<String>,
    pub password_error: Option<String>,
    pub min_length: u32,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct Admin<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub q: &'a str,
    pub searched: bool,
    pub results: Vec<AdminResult>,
    /// Mail waiting to go, and mail that could not be sent.
    pub pending: Vec<JobLine>,
    pub dead: Vec<JobLine>,
    /// Absence requests waiting for a decision.
    pub absences_waiting: i64,
}

/// A job of the mail queue, in words.
pub struct JobLine {
    pub what: &'static str,
    pub since: String,
    pub attempts: u32,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_import.html")]
pub struct AdminImport<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    /// Why the file could not be imported at all.
    pub error: Option<String>,
    /// The file's problems (the first ones) and how many in all.
    pub problems: Vec<String>,
    pub total: usize,
    /// After a good import: what changed, per kind.
    pub kinds: Vec<ImportedKind>,
    /// After a good import: rows it took but found odd (the first ones), and how many in all.
    pub warnings: Vec<String>,
    pub warning_total: usize,
}

pub struct ImportedKind {
    pub kind: &'static str,
    pub created: u32,
    pub updated: u32,
    pub deactivated: u32,
}

pub struct AdminResult {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub sourced_id: String,
    pub username: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_person.html")]
pub struct AdminPerson<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub sourced_id: &'a str,
    pub school: Option<&'a str>,
    pub username: Option<&'a str>,
    pub active: bool,
    /// A staff account: the operator's to reset, disable and enable.
    pub staff_account: bool,
    pub can_have_account: bool,
    /// The account has two-step verification that this staff member may remove.
    pub second_factor_removable: bool,
    pub family: &'a [crate::store::RelationshipView],
    pub error: Option<String>,
    pub secret: Option<Secret>,
}

/// A key or temporary password, shown once.
pub struct Secret {
    /// A message id: what the secret is.
    pub label: &'static str,
    pub value: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub kind: AccountKind,
    pub name: &'a str,
    pub username: &'a str,
    /// A parent or student account (staff have the console instead).
    pub family: bool,
    pub students: Vec<StudentSummary>,
    /// A teacher's classes this term, with their students.
    pub classes: Vec<crate::services::teachers::TeacherClass>,
}

impl Home<'_> {
    /// The portal's name in the page's language.
    pub fn portal_name(&self) -> String {
        crate::i18n::t(match self.kind {
            AccountKind::Parent => "home-portal-parent",
            AccountKind::Student => "home-portal-student",
            AccountKind::Staff => "home-portal-staff",
            AccountKind::Teacher => "home-portal-teacher",
        })
    }

    /// "You are logged in to the Parent Portal as", before the username.
    pub fn logged_in(&self) -> String {
        crate::i18n::ta(
            "home-logged-in",
            &[
                ("portal", self.portal_name()),
                ("kind", self.kind.as_str().to_owned()),
            ],
        )
    }
}

/// The top of every tool page: whose record, the other children, the tools.
pub struct StudentNav<'a> {
    pub slug: &'a str,
    pub district_name: &'a str,
    /// The tool's name, in the page's language.
    pub heading: String,
    pub current: &'static str,
    pub student_id: i64,
    pub student_name: String,
    pub tools: &'a [MenuTool],
    /// (id, name) of the other children this parent may see.
    pub siblings: Vec<(i64, String)>,
}

macro_rules! tool_page {
    ($name:ident, $path:literal, $view:ty) => {
        #[derive(Template)]
        #[template(path = $path)]
        pub struct $name<'a> {
            pub menu: AccountMenu,
            pub slug: &'a str,
            pub nav: StudentNav<'a>,
            pub view: &'a $view,
        }
    };
}

tool_page!(TodayPage, "tool_today.html", records::TodayView);
tool_page!(
    AssignmentsPage,
    "tool_assignments.html",
    records::AssignmentsView
);
tool_page!(GradesPage, "tool_grades.html", records::GradesView);
tool_page!(
    AttendancePage,
    "tool_attendance.html",
    records::AttendanceView
);
tool_page!(SchedulePage, "tool_schedule.html", records::ScheduleView);

#[derive(Template)]
#[template(path = "tool_calendar.html")]
pub struct CalendarPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub nav: StudentNav<'a>,
    pub view: &'a records::CalendarView,
    /// "October 2025".
    pub month_title: String,
}

#[derive(Template)]
#[template(path = "access_log.html")]
pub struct AccessLogPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub parent: bool,
    pub entries: Vec<records::AccessEntry>,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct Password<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub must_change: bool,
    pub done: bool,
    pub min_length: u32,
    pub current_error: Option<String>,
    pub new_error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings.html")]
pub struct Settings<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    /// Whether two-step verification is on.
    pub second_factor: bool,
    /// The account's passkeys; none where passkeys are not offered.
    pub passkeys: Option<Vec<PasskeyLine>>,
    pub sessions: Vec<SessionLine>,
    pub pushes: Vec<PushLine>,
}

/// A passkey, as Settings lists it.
pub struct PasskeyLine {
    pub id: i64,
    pub name: String,
    pub added: String,
    pub last_used: Option<String>,
}

/// A push subscription, as Settings lists it.
pub struct PushLine {
    pub id: i64,
    pub label: String,
    /// It belongs to this browser's own session.
    pub current: bool,
    pub since: String,
    pub last_sent: Option<String>,
}

pub struct SessionLine {
    pub id: i64,
    pub label: String,
    pub current: bool,
    pub last_seen: String,
    pub address: Option<String>,
}

#[derive(Template)]
#[template(path = "unavailable.html")]
pub struct Unavailable<'a> {
    pub district: &'a str,
    pub message: &'a str,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

#[derive(Template)]
#[template(path = "letters.html")]
struct Letters<'a> {
    district_name: &'a str,
    /// The style sheet itself, for a file opened from disk; `None` links `/static/letters.css`,
    /// as a page served under the content security policy must (it allows no inline style).
    inline_css: Option<&'static str>,
    letters: Vec<Letter>,
}

/// The letters' style sheet, served at `/static/letters.css`.
pub const LETTERS_CSS: &str = include_str!("../../static/letters.css");

/// Where printable letters are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LettersFor {
    /// A page of the portal: links the style sheet.
    Browser,
    /// A file written by the command line: carries the style sheet inside.
    File,
}

struct Letter {
    name: String,
    /// "Keep this letter private: …", naming the person.
    private: String,
    school: Option<String>,
    portal: &'static str,
    address: String,
    key: String,
    expires: String,
}

/// Printable activation letters, one a page, for keys just issued.
pub fn letters(
    public_url: &url::Url,
    district: &District,
    issued: &[IssuedKey],
    opened: LettersFor,
) -> String {
    let base = public_url.as_str().trim_end_matches('/');
    render(&Letters {
        district_name: district.name.as_str(),
        inline_css: (opened == LettersFor::File).then_some(LETTERS_CSS),
        letters: issued
            .iter()
            .map(|key| {
                let portal = if key.person.role == PersonRole::Guardian {
                    "parent"
                } else {
                    "student"
                };
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("name", key.person.name());
                Letter {
                    name: key.person.name(),
                    private: crate::i18n::message(
                        crate::i18n::current(),
                        "letters-private",
                        Some(&args),
                    ),
                    school: key.person.school.clone(),
                    portal,
                    address: format!("{base}/d/{}/{portal}", district.slug),
                    key: key.key.grouped(),
                    expires: district_date(district, key.expires_at),
                }
            })
            .collect(),
    })
}

/// A date in the district's time zone, as `2027-02-26`.
pub fn district_date(district: &District, at: i64) -> String {
    let tz = jiff::tz::TimeZone::get(district.settings.timezone.as_str())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_second(at)
        .map(|t| t.to_zoned_datetime(tz).date().to_string())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "admin_tools.html")]
pub struct AdminTools<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub today: String,
    pub rows: Vec<ToolRow>,
    /// Each switch, in words.
    pub switches: Vec<String>,
    /// (id, the window in words).
    pub windows: Vec<(i64, String)>,
    /// (name, label) of each tool, for the forms.
    /// (name in the API and CLI, name in the page's language).
    pub tools: Vec<(&'static str, String)>,
    /// (sourcedId, name) of each school.
    pub schools: Vec<(String, String)>,
    pub done: Option<String>,
    pub error: Option<String>,
}

/// A tool's state today in each portal, district-wide.
pub struct ToolRow {
    pub label: String,
    pub parent: String,
    pub student: String,
}

/// **Forgot your password?**, **Forgot your username?** and choosing a new password from a
/// reset link: one template, three forms.
#[derive(Template)]
#[template(path = "recovery.html")]
pub struct Recovery<'a> {
    pub slug: &'a str,
    pub district_name: &'a str,
    /// `password`, `username` or `reset`.
    pub form: &'static str,
    pub title: String,
    /// After a request: what to tell the person (the same whether or not the account exists).
    pub done: Option<String>,
    pub error: Option<String>,
    pub captcha: Option<Challenge>,
    /// The reset link's token, carried in the form.
    pub token: &'a str,
    pub min_length: u32,
}

/// **Linked Districts** and **Manage Districts**.
#[derive(Template)]
#[template(path = "links.html")]
pub struct Links<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub manage: bool,
    pub links: Vec<LinkLine>,
    /// A code just generated, grouped.
    pub code: Option<String>,
    pub done: Option<String>,
    pub error: Option<String>,
}

pub struct LinkLine {
    pub id: i64,
    pub district_name: String,
    pub name: String,
    pub username: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub unread: usize,
    pub notifications: Vec<NotificationLine>,
    /// (kind, label, mailed, pushed) of each kind the district sends.
    pub choices: Vec<(&'static str, String, bool, bool)>,
    pub email_digest: bool,
    /// Whether the district sends grade alerts, and the account's threshold.
    pub grade_alerts: bool,
    pub grade_below: Option<u8>,
}

pub struct NotificationLine {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub when: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "admin_messages.html")]
pub struct AdminMessages<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub done: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "connection_error.html")]
pub struct ConnectionError {}

/// Two-step verification: setting up an authenticator app, its recovery codes once, or
/// removing it.
#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    /// Staff whose district requires a second factor: nothing else opens until it is set up.
    pub must_enroll: bool,
    pub enrolled: bool,
    /// While setting up: the secret waiting for its first code.
    pub setup: Option<SecondFactorSetup>,
    /// Just turned on: the recovery codes, shown once.
    pub recovery_codes: Option<Vec<String>>,
    pub error: Option<String>,
}

pub struct SecondFactorSetup {
    /// Base 32, to type.
    pub secret: String,
    /// The `otpauth://` address as a QR code, a `data:` URL of an SVG picture.
    pub qr: String,
}

#[derive(Template)]
#[template(path = "tool_absences.html")]
pub struct AbsencesPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub nav: StudentNav<'a>,
    pub first_day: String,
    pub last_day: String,
    pub cutoff: String,
    pub from: String,
    pub to: String,
    pub time: String,
    pub comment: String,
    pub parts: Vec<super::absences::Choice>,
    pub reasons: Vec<super::absences::Choice>,
    /// What was wrong with the last try, for the summary at the top.
    pub error: Option<String>,
    pub from_error: Option<String>,
    pub to_error: Option<String>,
    pub part_error: Option<String>,
    pub time_error: Option<String>,
    pub reason_error: Option<String>,
    pub comment_error: Option<String>,
    /// A request just sent: its days, and the days off it skipped.
    pub sent: Option<(String, String)>,
    pub requests: Vec<super::absences::RequestLine>,
}

#[derive(Template)]
#[template(path = "admin_absences.html")]
pub struct AdminAbsences<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    /// Requests waiting for a decision, today's and later.
    pub waiting: i64,
    pub state: String,
    pub date: String,
    pub states: Vec<super::absences::Choice>,
    pub schools: Vec<super::absences::SchoolQueue>,
    pub done: Option<String>,
    pub error: Option<String>,
}
