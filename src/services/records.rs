//! A student's record as families read it: the students an account may see, and the tools
//! Today, Calendar, Assignments, Grades, Attendance and Schedule. Every read is authorized
//! here, on the server, checked against the district's tool switches, and written to the audit
//! log (FERPA, 34 CFR 99.32); the Access Log shows those reads to the family.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{Authenticated, Client};
use super::cache::{self, FamilyKey, ViewKey};
use super::snapshots;
use super::tools::{self, Menu};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{
    Account, Counted, District, Flags, Lang, Mark, Portal, Tool, percentage, rounded,
};
use crate::i18n::{when, words};
use crate::store::{
    AcademicSession, AttendanceRecord, AuditEntry, ClassRecord, Dates, MarkRecord, Marks, Records,
    StudentRecord,
};

/// A student in the picker, with the tools on for them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StudentSummary {
    pub id: i64,
    #[schema(example = "Ava Alvarez")]
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub grade: Option<String>,
    pub school: Option<String>,
    pub menu: Menu,
}

impl StudentSummary {
    fn of(student: &StudentRecord, menu: Menu) -> Self {
        Self {
            id: student.id,
            name: full_name(&student.given_name, &student.family_name),
            given_name: student.given_name.clone(),
            family_name: student.family_name.clone(),
            grade: student.grade.clone(),
            school: student.school_name.clone(),
            menu,
        }
    }
}

pub(super) fn full_name(given: &str, family: &str) -> String {
    format!("{given} {family}")
}

fn portal_of(who: &Authenticated) -> Option<Portal> {
    Portal::of(who.account.kind)
}

/// The students this account may see, each with its menu. Staff and students of nobody get an
/// empty list.
pub async fn students(app: &App, who: &Authenticated) -> Result<Vec<StudentSummary>> {
    let Some(portal) = portal_of(who) else {
        return Ok(Vec::new());
    };
    let today = tools::today(app, &who.district);
    let rules = tools::rules(app, &who.district).await?;
    let students = visible(app, who, today, None).await?;
    Ok(students
        .iter()
        .map(|s| StudentSummary::of(s, Menu::build(&rules, portal, s.school_id, today)))
        .collect())
}

/// The account's menu: the district-wide one for its portal (a school's switches show in each
/// student's own menu).
pub async fn menu(app: &App, who: &Authenticated) -> Result<Menu> {
    let Some(portal) = portal_of(who) else {
        return Ok(Menu::default());
    };
    let today = tools::today(app, &who.district);
    let rules = tools::rules(app, &who.district).await?;
    Ok(Menu::build(&rules, portal, None, today))
}

/// The students this account may see today (all, or only the one asked for), checked against
/// the list kept for its district's revision.
async fn visible(
    app: &App,
    who: &Authenticated,
    today: Date,
    only: Option<i64>,
) -> Result<Vec<StudentRecord>> {
    let all = family(app, &who.district, &who.account, today).await?;
    Ok(all
        .iter()
        .filter(|s| only.is_none_or(|id| s.id == id))
        .cloned()
        .collect())
}

/// The students `account` may see today, as kept for its district's revision.
async fn family(
    app: &App,
    district: &District,
    account: &Account,
    today: Date,
) -> Result<Arc<Vec<StudentRecord>>> {
    let key = FamilyKey {
        district: district.id,
        revision: district.revision,
        kind: account.kind,
        person: account.person_id,
        date: today,
    };
    cache::kept(&app.caches.students, key, async {
        app.store
            .visible_students(
                district.id,
                account.kind,
                account.person_id,
                &today.to_string(),
            )
            .await
            .map_err(Error::from)
    })
    .await
}

/// Reads the students a family account may see today into the kept list, as a login does
/// beside writing its session: the first page after it shows them, and every first read of a
/// child checks against them. A read that fails is left to that first page to do again.
pub(super) async fn read_family(app: &App, district: &District, account: &Account) {
    if Portal::of(account.kind).is_none() {
        return;
    }
    let today = tools::today(app, district);
    if let Err(err) = family(app, district, account, today).await {
        tracing::debug!(%err, "a family's students were not read at login");
    }
}

/// A student opened for one tool: authorized, the tool on, the read audited.
pub struct Opened {
    pub student: StudentSummary,
    pub record: StudentRecord,
    pub today: Date,
    /// Where the record is read from.
    pub reads: Records,
    /// The district's school years, terms and grading periods.
    pub sessions: std::sync::Arc<Vec<AcademicSession>>,
}

/// Opens `student` for `tool`, or answers `NotFound` (exactly as for a student who does not
/// exist) when this account may not see them, and `ToolDisabled` when the tool is off for them.
/// The read is written to the audit log before the answer.
pub async fn open(
    app: &App,
    who: &Authenticated,
    student: i64,
    tool: Tool,
    client: &Client,
) -> Result<Opened> {
    let (opened, ()) = open_reading(app, who, student, tool, client, |_| async { Ok(()) }).await?;
    Ok(opened)
}

/// Opens `student` for `tool` as [`open`] does, and does `read` of the opened record beside
/// the writing of its audit entry: begun only once the reader is authorized, answered only
/// once the entry is written (an entry that cannot be written fails the read), so every read
/// is still recorded before or with its answer, and a first read waits for one round trip
/// where it waited for two.
pub async fn open_reading<T, Read>(
    app: &App,
    who: &Authenticated,
    student: i64,
    tool: Tool,
    client: &Client,
    read: impl FnOnce(Arc<Opened>) -> Read,
) -> Result<(Opened, T)>
where
    Read: Future<Output = Result<T>>,
{
    let portal = portal_of(who).ok_or(Error::NotFound)?;
    let today = tools::today(app, &who.district);
    if student <= 0 {
        return Err(Error::NotFound);
    }
    // Where the record is read from is settled before the read is audited: a replica need
    // not have this request's own entry to serve it.
    let reads = app.store.records().await?;
    let (found, sessions) = tokio::try_join!(
        visible(app, who, today, Some(student)),
        sessions(app, &who.district, &reads)
    )?;
    let record = found.into_iter().next().ok_or(Error::NotFound)?;
    let rules = tools::rules(app, &who.district).await?;
    tools::require(&rules, tool, portal, record.school_id, today)?;
    let menu = Menu::build(&rules, portal, record.school_id, today);
    let opened = Arc::new(Opened {
        student: StudentSummary::of(&record, menu),
        record,
        today,
        reads,
        sessions,
    });
    let entry = AuditEntry {
        district: Some(who.district.id),
        actor: "account",
        account: Some(who.account.id),
        action: "record.read",
        target: Some(&opened.record.sourced_id),
        detail: Some(tool.as_str().to_owned()),
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
    };
    let (written, done) = tokio::join!(
        app.store.audit(entry, app.clock.unix()),
        read(opened.clone())
    );
    written?;
    let done = done?;
    // The read's future, the only other holder, is done and dropped.
    let opened = Arc::into_inner(opened)
        .ok_or_else(|| Error::internal("an opened record still held after its read"))?;
    Ok((opened, done))
}

/// The district's school years, terms and grading periods, kept per revision.
async fn sessions(
    app: &App,
    district: &crate::domain::District,
    reads: &Records,
) -> Result<std::sync::Arc<Vec<AcademicSession>>> {
    cache::kept(
        &app.caches.sessions,
        (district.id, district.revision),
        async {
            reads
                .academic_sessions(district.id)
                .await
                .map_err(Error::from)
        },
    )
    .await
}

/// A class, as other views refer to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClassRef {
    pub id: i64,
    pub title: String,
}

/// A school year, term or grading period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionRef {
    pub id: i64,
    pub title: String,
    /// `schoolYear`, `term`, `semester` or `gradingPeriod`.
    pub kind: String,
    pub start: String,
    pub end: String,
}

impl From<&AcademicSession> for SessionRef {
    fn from(s: &AcademicSession) -> Self {
        Self {
            id: s.id,
            title: s.title.clone(),
            kind: s.kind.clone(),
            start: s.start.clone(),
            end: s.end.clone(),
        }
    }
}

/// An assignment with the student's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub class: ClassRef,
    pub title: String,
    pub description: Option<String>,
    pub category: Option<String>,
    /// `YYYY-MM-DD`.
    pub assigned: Option<String>,
    pub due: Option<String>,
    pub score: Option<f64>,
    pub max: Option<f64>,
    /// The score as a percentage of the points possible.
    pub percent: Option<f64>,
    /// OneRoster's scoreStatus, such as `fully graded` or `exempt`.
    pub status: Option<String>,
    pub comment: Option<String>,
    pub scored_on: Option<String>,
    pub missing: bool,
    pub late: bool,
    pub excused: bool,
}

pub(super) fn parse_day(text: Option<&str>) -> Option<Date> {
    text.and_then(|t| t.get(..10)).and_then(|t| t.parse().ok())
}

fn as_mark(m: &MarkRecord) -> Mark<'_> {
    Mark {
        status: m.status.as_deref(),
        score: m.score,
        max: m.max,
        due: parse_day(m.due_date.as_deref()),
        late: m.late,
        missing: m.missing,
    }
}

fn assignment(m: &MarkRecord, classes: &[ClassRecord], today: Date) -> Assignment {
    let Flags {
        missing,
        late,
        excused,
    } = as_mark(m).flags(today);
    Assignment {
        id: m.line_item_id,
        class: class_ref(classes, m.class_id),
        title: m.title.clone(),
        description: m.description.clone(),
        category: m.category.clone(),
        assigned: m.assign_date.clone(),
        due: m.due_date.clone(),
        score: m.score,
        max: m.max,
        percent: match (m.score, m.max) {
            (Some(score), Some(max)) if max > 0.0 => Some(rounded(100.0 * score / max)),
            _ => None,
        },
        status: m.status.clone(),
        comment: m.comment.clone(),
        scored_on: m.score_date.clone(),
        missing,
        late,
        excused,
    }
}

fn class_ref(classes: &[ClassRecord], id: i64) -> ClassRef {
    ClassRef {
        id,
        title: classes
            .iter()
            .find(|c| c.id == id)
            .map_or_else(String::new, |c| c.title.clone()),
    }
}

/// A class on a schedule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduledClass {
    pub id: i64,
    pub title: String,
    pub course: String,
    pub code: Option<String>,
    /// The periods the class meets, as the school names them.
    pub periods: Option<String>,
    pub room: Option<String>,
    pub teachers: Vec<String>,
    /// The teachers' ids, in the order of `teachers`: what a conversation with one takes.
    pub teacher_ids: Vec<i64>,
    pub school: String,
}

fn scheduled(class: &ClassRecord) -> ScheduledClass {
    ScheduledClass {
        id: class.id,
        title: class.title.clone(),
        course: class.course.clone(),
        code: class.code.clone(),
        periods: class.periods.clone(),
        room: class.location.clone(),
        teachers: teacher_names(class),
        teacher_ids: class.teachers.iter().map(|(id, _, _)| *id).collect(),
        school: class.school.clone(),
    }
}

fn teacher_names(class: &ClassRecord) -> Vec<String> {
    class
        .teachers
        .iter()
        .map(|(_, given, family)| full_name(given, family))
        .collect()
}

/// An attendance mark.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceMark {
    pub date: String,
    /// `present`, `absent` or `tardy`.
    pub status: String,
    pub excused: bool,
    /// The class; `None` for the whole day.
    pub class: Option<ClassRef>,
    /// An absence the family reported and the office approved, shown until the district's
    /// own record of the day arrives in an import.
    pub reported_by_family: bool,
}

fn attendance_mark(a: &AttendanceRecord, classes: &[ClassRecord]) -> AttendanceMark {
    AttendanceMark {
        date: a.date.clone(),
        status: a.status.clone(),
        excused: a.excused,
        class: a.class_id.map(|id| class_ref(classes, id)),
        reported_by_family: false,
    }
}

/// The approved absence requests of the student from `from` on, for the days the district's
/// own marks (`recorded`) do not cover yet: excused, reported by the family.
async fn family_marks(
    app: &App,
    who: &Authenticated,
    student: i64,
    from: &str,
    recorded: &[AttendanceMark],
) -> Result<Vec<AttendanceMark>> {
    let rules = tools::rules(app, &who.district).await?;
    let dates: Vec<&str> = recorded.iter().map(|m| m.date.as_str()).collect();
    let days =
        super::absences::family_days(app, &who.district, &rules, student, from, &dates).await?;
    Ok(days
        .into_iter()
        .map(|d| AttendanceMark {
            date: d.date,
            status: d.status.to_owned(),
            excused: true,
            class: None,
            reported_by_family: true,
        })
        .collect())
}

/// The terms (and semesters) of the district, and whether a date falls in one.
fn terms(sessions: &[AcademicSession]) -> Vec<&AcademicSession> {
    sessions
        .iter()
        .filter(|s| s.kind == "term" || s.kind == "semester")
        .collect()
}

fn within(session: &AcademicSession, date: &str) -> bool {
    session.start.as_str() <= date && date <= session.end.as_str()
}

// ---------------------------------------------------------------------------------------------
// Today

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodayView {
    pub student: StudentSummary,
    pub date: String,
    /// Why there is no school today, when there is none.
    pub no_school: Option<String>,
    /// Today's classes, by period.
    pub schedule: Vec<ScheduledClass>,
    /// Assignments due from today through the next seven days.
    pub due_soon: Vec<Assignment>,
    /// Scores from the last fourteen days, newest first.
    pub recent_scores: Vec<Assignment>,
    pub attendance: Vec<AttendanceMark>,
}

/// Today, with its words in English (the API's).
pub async fn today(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<TodayView> {
    today_in(app, who, student, client, Lang::En).await
}

/// Today, with its words (a weekend's reason for no school) in `lang`.
pub async fn today_in(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
    lang: Lang,
) -> Result<TodayView> {
    let (opened, kept) = open_reading(
        app,
        who,
        student,
        Tool::Today,
        client,
        |opened| async move {
            let key = view_key(who, &opened, lang);
            cache::kept(
                &app.caches.today,
                key,
                make_today(&who.district, app, &opened, lang),
            )
            .await
        },
    )
    .await?;
    let family = family_marks(app, who, opened.record.id, &kept.date, &kept.attendance).await?;
    let mut view = TodayView {
        student: opened.student,
        ..TodayView::clone(&kept)
    };
    view.attendance
        .extend(family.into_iter().filter(|m| m.date == view.date));
    Ok(view)
}

async fn make_today(
    district: &crate::domain::District,
    app: &App,
    opened: &Opened,
    lang: Lang,
) -> Result<TodayView> {
    let day = opened.today;
    let date = day.to_string();
    let reads = &opened.reads;
    let snapshot = snapshots::of(app, reads, district, &opened.record, day).await?;
    let dated = match snapshot.dated(day) {
        Some(dated) => dated,
        None => snapshots::dated_from_store(reads, district.id, &opened.record, day).await?,
    };
    let classes = &snapshot.classes;
    let no_school = dated.no_school.or_else(|| {
        matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            .then(|| words(lang, "today-weekend", &[]))
    });
    let schedule = if no_school.is_some() {
        Vec::new()
    } else {
        classes
            .iter()
            .filter(|c| meets_on(c, &opened.sessions, &date))
            .map(scheduled)
            .collect()
    };
    let due_soon = dated
        .due
        .iter()
        .map(|m| assignment(m, classes, day))
        .collect();
    let mut recent_scores: Vec<Assignment> = dated
        .recent
        .iter()
        .filter(|m| m.score.is_some())
        .map(|m| assignment(m, classes, day))
        .collect();
    recent_scores.sort_by(|a, b| b.scored_on.cmp(&a.scored_on));
    let attendance = dated
        .attendance
        .iter()
        .map(|a| attendance_mark(a, classes))
        .collect();
    Ok(TodayView {
        student: opened.student.clone(),
        date,
        no_school,
        schedule,
        due_soon,
        recent_scores,
        attendance,
    })
}

/// Whether a class meets on a date: within one of its terms, or always when it has none.
fn meets_on(class: &ClassRecord, sessions: &[AcademicSession], date: &str) -> bool {
    class.terms.is_empty()
        || class
            .terms
            .iter()
            .any(|term| sessions.iter().any(|s| s.id == *term && within(s, date)))
}

// ---------------------------------------------------------------------------------------------
// Calendar

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    pub student: StudentSummary,
    /// `YYYY-MM`.
    pub month: String,
    pub previous: String,
    pub next: String,
    pub today: String,
    pub days: Vec<CalendarDay>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarDay {
    pub date: String,
    /// 1 (Monday) to 7 (Sunday).
    pub weekday: i8,
    pub no_school: Option<String>,
    pub due: Vec<Assignment>,
    pub attendance: Vec<AttendanceMark>,
}

/// Parses `YYYY-MM` into the first day of that month.
pub fn parse_month(raw: &str) -> Result<Date> {
    let bad = || {
        Error::Invalid(crate::domain::Invalid::new(format!(
            "month is written YYYY-MM, not {raw:?}"
        )))
    };
    let (year, month) = raw.trim().split_once('-').ok_or_else(bad)?;
    if year.len() != 4 || month.len() != 2 {
        return Err(bad());
    }
    let year: i16 = year.parse().map_err(|_| bad())?;
    let month: i8 = month.parse().map_err(|_| bad())?;
    if !(1900..=2200).contains(&year) {
        return Err(bad());
    }
    Date::new(year, month, 1).map_err(|_| bad())
}

fn month_text(first: Date) -> String {
    first.strftime("%Y-%m").to_string()
}

pub async fn calendar(
    app: &App,
    who: &Authenticated,
    student: i64,
    month: Option<&str>,
    client: &Client,
) -> Result<CalendarView> {
    let first = match month.map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => Some(parse_month(text)?),
        None => None,
    };
    let opened = open(app, who, student, Tool::Calendar, client).await?;
    let (district, id) = (who.district.id, opened.record.id);
    let first = first.unwrap_or_else(|| opened.today.first_of_month());
    let last = first.last_of_month();
    let span = Dates {
        from: Some(first.to_string()),
        before: Some(last.saturating_add(1.day()).to_string()),
    };
    let reads = &opened.reads;
    let classes = reads.classes_of(district, id).await?;
    let marks = reads
        .marks_of(district, id, &Marks::Due(span.clone()))
        .await?;
    let attendance: Vec<AttendanceMark> = reads
        .attendance_of(district, id, &span)
        .await?
        .iter()
        .map(|a| attendance_mark(a, &classes))
        .collect();
    let family = family_marks(app, who, id, &first.to_string(), &attendance).await?;
    let off = reads
        .no_school_days(district, opened.record.school_id, &span)
        .await?;
    let mut days = Vec::new();
    let mut day = first;
    while day <= last {
        let date = day.to_string();
        days.push(CalendarDay {
            weekday: day.weekday().to_monday_one_offset(),
            no_school: off
                .iter()
                .find(|d| d.date == date)
                .map(|d| d.description.clone()),
            due: marks
                .iter()
                .filter(|m| m.due_date.as_deref().and_then(|d| d.get(..10)) == Some(&date))
                .map(|m| assignment(m, &classes, opened.today))
                .collect(),
            attendance: attendance
                .iter()
                .chain(&family)
                .filter(|a| a.date == date && a.status != "present")
                .cloned()
                .collect(),
            date,
        });
        day = day.saturating_add(1.day());
    }
    Ok(CalendarView {
        student: opened.student,
        month: month_text(first),
        previous: month_text(first.saturating_sub(1.month())),
        next: month_text(first.saturating_add(1.month())),
        today: opened.today.to_string(),
        days,
    })
}

// ---------------------------------------------------------------------------------------------
// Assignments

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentsView {
    pub student: StudentSummary,
    pub classes: Vec<ClassAssignments>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClassAssignments {
    pub class: ClassRef,
    /// By due date.
    pub assignments: Vec<Assignment>,
}

pub async fn assignments(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<AssignmentsView> {
    let opened = open(app, who, student, Tool::Assignments, client).await?;
    let (district, id) = (who.district.id, opened.record.id);
    let reads = &opened.reads;
    let classes = reads.classes_of(district, id).await?;
    let marks = reads.marks_of(district, id, &Marks::All).await?;
    let classes_view = classes
        .iter()
        .map(|c| ClassAssignments {
            class: ClassRef {
                id: c.id,
                title: c.title.clone(),
            },
            assignments: marks
                .iter()
                .filter(|m| m.class_id == c.id)
                .map(|m| assignment(m, &classes, opened.today))
                .collect(),
        })
        .collect();
    Ok(AssignmentsView {
        student: opened.student,
        classes: classes_view,
    })
}

// ---------------------------------------------------------------------------------------------
// Grades

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GradesView {
    pub student: StudentSummary,
    /// The district's letter scale, as `A:90,B:80,C:70,D:60,F:0`.
    pub scale: String,
    /// Shared with the kept view: a warm read copies none of it.
    #[schema(value_type = Vec<ClassGrades>)]
    pub classes: Arc<Vec<ClassGrades>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClassGrades {
    pub class: ClassRef,
    pub teachers: Vec<String>,
    /// The teachers' ids, in the order of `teachers`: what a conversation with one takes.
    pub teacher_ids: Vec<i64>,
    pub periods: Vec<PeriodGrade>,
}

/// A class's grade for one grading period (or term): in progress from the scores, and the
/// grade the school posted, where it did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodGrade {
    /// `None` for assignments outside any grading period.
    pub period: Option<SessionRef>,
    /// The in-progress percentage, one decimal.
    pub percent: Option<f64>,
    pub letter: Option<String>,
    /// Weighted by category, or by points.
    #[schema(example = "category")]
    pub weighting: Option<&'static str>,
    /// How many scores count.
    pub counted: u32,
    pub missing: u32,
    pub posted: Option<PostedGrade>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostedGrade {
    pub grade: String,
    pub percent: Option<f64>,
    pub comment: Option<String>,
}

pub async fn grades(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<GradesView> {
    let (opened, kept) = open_reading(
        app,
        who,
        student,
        Tool::Grades,
        client,
        |opened| async move {
            let key = view_key(who, &opened, Lang::En);
            cache::kept(
                &app.caches.grades,
                key,
                make_grades(app, &who.district, &opened),
            )
            .await
        },
    )
    .await?;
    Ok(GradesView {
        student: opened.student,
        scale: kept.scale.clone(),
        classes: Arc::clone(&kept.classes),
    })
}

/// Which kept view a read of `opened` may use.
fn view_key(who: &Authenticated, opened: &Opened, lang: Lang) -> ViewKey {
    ViewKey {
        district: who.district.id,
        revision: who.district.revision,
        student: opened.record.id,
        date: opened.today,
        lang,
    }
}

async fn make_grades(
    app: &App,
    district: &crate::domain::District,
    opened: &Opened,
) -> Result<GradesView> {
    let today = opened.today;
    let scale = &district.settings.grading_scale;
    let snapshot = snapshots::of(app, &opened.reads, district, &opened.record, today).await?;
    let classes = &snapshot.classes;
    let sessions = &opened.sessions;
    let marks = snapshot.scored();
    let posted = &snapshot.posted;
    let session = |id: Option<i64>| id.and_then(|id| sessions.iter().find(|s| s.id == id));
    let mut view = Vec::new();
    for class in classes {
        // Grading periods in date order: those with assignments and those with posted grades.
        let mut periods: BTreeMap<(&str, i64), Option<i64>> = BTreeMap::new();
        let key = |id: Option<i64>| {
            let start = session(id).map_or("9999", |s| s.start.as_str());
            (start, id.unwrap_or(i64::MAX))
        };
        for m in marks.iter().filter(|m| m.class_id == class.id) {
            periods.insert(key(m.period), m.period);
        }
        for p in posted.iter().filter(|p| p.class_id == class.id) {
            periods.insert(key(Some(p.session_id)), Some(p.session_id));
        }
        let rows = periods
            .into_values()
            .map(|period| {
                let in_period: Vec<&Graded> = marks
                    .iter()
                    .filter(|m| m.class_id == class.id && m.period == period)
                    .collect();
                let InProgress {
                    percent,
                    weighted,
                    counted,
                } = in_progress(&in_period, today);
                PeriodGrade {
                    period: session(period).map(SessionRef::from),
                    percent: percent.map(rounded),
                    letter: percent.map(|p| scale.letter(p).to_owned()),
                    weighting: percent.map(|_| if weighted { "category" } else { "points" }),
                    counted,
                    missing: in_period
                        .iter()
                        .filter(|m| m.mark.flags(today).missing)
                        .count() as u32,
                    posted: posted
                        .iter()
                        .find(|p| p.class_id == class.id && Some(p.session_id) == period)
                        .map(|p| PostedGrade {
                            grade: p.grade.clone(),
                            percent: p.percent,
                            comment: p.comment.clone(),
                        }),
                }
            })
            .collect();
        view.push(ClassGrades {
            class: ClassRef {
                id: class.id,
                title: class.title.clone(),
            },
            teachers: teacher_names(class),
            teacher_ids: class.teachers.iter().map(|(id, _, _)| *id).collect(),
            periods: rows,
        });
    }
    Ok(GradesView {
        student: opened.student.clone(),
        scale: scale.to_string(),
        classes: Arc::new(view),
    })
}

/// A grading period's grade so far, from the scores that count.
struct InProgress {
    percent: Option<f64>,
    /// Weighted by category (every counted score has a weighted category), else by points.
    weighted: bool,
    counted: u32,
}

/// A scored mark as a grade reads it, its due date parsed once (made from a snapshot's marks
/// without copying their text).
pub(super) struct Graded<'a> {
    pub class_id: i64,
    pub period: Option<i64>,
    pub category: Option<i64>,
    pub weight: Option<f64>,
    pub mark: Mark<'a>,
}

impl<'a> Graded<'a> {
    fn of(m: &'a MarkRecord) -> Self {
        Self {
            class_id: m.class_id,
            period: m.grading_period_id,
            category: m.category_id,
            weight: m.weight,
            mark: as_mark(m),
        }
    }
}

fn in_progress(marks: &[&Graded], today: Date) -> InProgress {
    let counted: Vec<Counted> = marks
        .iter()
        .filter_map(|m| {
            m.mark.counted(today).map(|(earned, possible)| Counted {
                category: m.category,
                weight: m.weight,
                earned,
                possible,
            })
        })
        .collect();
    InProgress {
        percent: percentage(&counted),
        weighted: !counted.is_empty()
            && counted
                .iter()
                .all(|c| c.category.is_some() && c.weight.is_some_and(|w| w > 0.0)),
        counted: counted.len() as u32,
    }
}

/// Each class's in-progress percentage in its current grading period (the latest one that
/// has begun; scores outside every period count only where a class has no period at all), as
/// the Grades tool shows it. For notifications: no account reads the record here, so nothing
/// is audited.
pub async fn current_grades(
    app: &App,
    district: &crate::domain::District,
    student: i64,
) -> Result<Vec<(ClassRef, f64)>> {
    let today = tools::today(app, district);
    let reads = app.store.records().await?;
    let classes = reads.classes_of(district.id, student).await?;
    let sessions = sessions(app, district, &reads).await?;
    let marks = reads.marks_of(district.id, student, &Marks::Scored).await?;
    let begun = today.to_string();
    let start_of = |period: Option<i64>| {
        period
            .and_then(|id| sessions.iter().find(|s| s.id == id))
            .map(|s| s.start.as_str())
    };
    let mut grades = Vec::new();
    for class in &classes {
        let of_class: Vec<&MarkRecord> = marks.iter().filter(|m| m.class_id == class.id).collect();
        // The latest period that has begun; `None` (no period) only when there is no other.
        let current = of_class
            .iter()
            .map(|m| m.grading_period_id)
            .filter(|p| start_of(*p).is_none_or(|start| start <= begun.as_str()))
            .max_by_key(|p| (start_of(*p).is_some(), start_of(*p).map(str::to_owned)));
        let Some(current) = current else { continue };
        let in_period: Vec<Graded> = of_class
            .into_iter()
            .filter(|m| m.grading_period_id == current)
            .map(Graded::of)
            .collect();
        let in_period: Vec<&Graded> = in_period.iter().collect();
        if let Some(percent) = in_progress(&in_period, today).percent {
            grades.push((
                ClassRef {
                    id: class.id,
                    title: class.title.clone(),
                },
                rounded(percent),
            ));
        }
    }
    Ok(grades)
}

// ---------------------------------------------------------------------------------------------
// Attendance

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceView {
    pub student: StudentSummary,
    pub terms: Vec<TermAttendance>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermAttendance {
    /// `None` for marks outside every term.
    pub term: Option<SessionRef>,
    pub absences: u32,
    pub tardies: u32,
    pub excused: u32,
    pub unexcused: u32,
    /// Absences and tardies, by date.
    pub marks: Vec<AttendanceMark>,
}

pub async fn attendance(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<AttendanceView> {
    let opened = open(app, who, student, Tool::Attendance, client).await?;
    let (district, id) = (who.district.id, opened.record.id);
    let reads = &opened.reads;
    let classes = reads.classes_of(district, id).await?;
    let terms = terms(&opened.sessions);
    let all = reads.attendance_of(district, id, &Dates::default()).await?;
    let recorded: Vec<AttendanceMark> = all.iter().map(|a| attendance_mark(a, &classes)).collect();
    let mut marks: Vec<AttendanceMark> = recorded
        .iter()
        .filter(|a| a.status != "present")
        .cloned()
        .collect();
    marks.extend(family_marks(app, who, id, "", &recorded).await?);
    marks.sort_by(|a, b| a.date.cmp(&b.date));
    let mut groups: Vec<TermAttendance> = Vec::new();
    for term in &terms {
        group_of(&mut groups, Some(term));
    }
    for mark in &marks {
        let term = terms.iter().copied().find(|t| within(t, &mark.date));
        let i = group_of(&mut groups, term);
        let group = &mut groups[i];
        match mark.status.as_str() {
            "absent" => group.absences += 1,
            _ => group.tardies += 1,
        }
        if mark.excused {
            group.excused += 1;
        } else {
            group.unexcused += 1;
        }
        group.marks.push(mark.clone());
    }
    Ok(AttendanceView {
        student: opened.student,
        terms: groups,
    })
}

/// The group of a term's marks, added when it is the first.
fn group_of(groups: &mut Vec<TermAttendance>, term: Option<&AcademicSession>) -> usize {
    let id = term.map(|t| t.id);
    if let Some(i) = groups
        .iter()
        .position(|g| g.term.as_ref().map(|t| t.id) == id)
    {
        return i;
    }
    groups.push(TermAttendance {
        term: term.map(SessionRef::from),
        absences: 0,
        tardies: 0,
        excused: 0,
        unexcused: 0,
        marks: Vec::new(),
    });
    groups.len() - 1
}

// ---------------------------------------------------------------------------------------------
// Schedule

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleView {
    pub student: StudentSummary,
    pub terms: Vec<TermSchedule>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermSchedule {
    /// `None` for classes without a term.
    pub term: Option<SessionRef>,
    /// By period.
    pub classes: Vec<ScheduledClass>,
}

pub async fn schedule(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<ScheduleView> {
    let opened = open(app, who, student, Tool::Schedule, client).await?;
    let (district, id) = (who.district.id, opened.record.id);
    let reads = &opened.reads;
    let classes = reads.classes_of(district, id).await?;
    let mut view: Vec<TermSchedule> = Vec::new();
    for session in opened.sessions.iter() {
        let in_term: Vec<ScheduledClass> = classes
            .iter()
            .filter(|c| c.terms.contains(&session.id))
            .map(scheduled)
            .collect();
        if !in_term.is_empty() {
            view.push(TermSchedule {
                term: Some(SessionRef::from(session)),
                classes: in_term,
            });
        }
    }
    let termless: Vec<ScheduledClass> = classes
        .iter()
        .filter(|c| c.terms.is_empty())
        .map(scheduled)
        .collect();
    if !termless.is_empty() {
        view.push(TermSchedule {
            term: None,
            classes: termless,
        });
    }
    Ok(ScheduleView {
        student: opened.student,
        terms: view,
    })
}

// ---------------------------------------------------------------------------------------------
// Access Log

/// A read of a student's record, as the family sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessEntry {
    /// Unix seconds.
    pub at: i64,
    /// The district's local time, for display.
    pub when: String,
    pub student: String,
    /// Who read it: a name and role, or "District operator".
    pub reader: String,
    /// The tool or page that was read.
    pub what: String,
}

/// Entries shown per student.
const ACCESS_LOG_LIMIT: u32 = 100;

/// Who read the records of the students this account may see, newest first, in English (the
/// API's words).
pub async fn access_log(app: &App, who: &Authenticated) -> Result<Vec<AccessEntry>> {
    access_log_in(app, who, Lang::En).await
}

/// The Access Log with its words (times, readers, tools) in `lang`.
pub async fn access_log_in(app: &App, who: &Authenticated, lang: Lang) -> Result<Vec<AccessEntry>> {
    let today = tools::today(app, &who.district);
    let students = visible(app, who, today, None).await?;
    let timezone = who.district.settings.timezone.as_str();
    // The account's own person too: staff who opened a parent's page in the console.
    let mut read_of: Vec<(String, String)> = students
        .iter()
        .map(|s| {
            (
                s.sourced_id.clone(),
                full_name(&s.given_name, &s.family_name),
            )
        })
        .collect();
    if let Some(me) = app
        .store
        .person(who.district.id, who.account.person_id)
        .await?
        && !read_of.iter().any(|(id, _)| *id == me.sourced_id)
    {
        read_of.push((me.sourced_id.clone(), me.name()));
    }
    let reads = app.store.records().await?;
    let mut entries = Vec::new();
    for (sourced_id, name) in &read_of {
        for read in reads
            .reads_of(who.district.id, sourced_id, ACCESS_LOG_LIMIT)
            .await?
        {
            let reader = match (&read.given_name, &read.family_name, read.kind.as_deref()) {
                (Some(given), Some(family), Some(kind)) => words(
                    lang,
                    "accesslog-reader",
                    &[
                        ("name", full_name(given, family).into()),
                        ("role", kind.to_owned().into()),
                    ],
                ),
                _ if read.actor == "operator" => words(lang, "accesslog-operator", &[]),
                _ => words(lang, "accesslog-staff", &[]),
            };
            entries.push(AccessEntry {
                at: read.at,
                when: jiff::Timestamp::from_second(read.at)
                    .ok()
                    .and_then(|t| t.in_tz(timezone).ok())
                    .map(|t| when::date_time(lang, &t))
                    .unwrap_or_default(),
                student: name.clone(),
                reader,
                what: match read.detail.as_deref() {
                    Some(super::admin::CONSOLE_READ) => words(lang, "accesslog-console", &[]),
                    detail => detail.and_then(|d| Tool::parse(d).ok()).map_or_else(
                        || words(lang, "accesslog-record", &[]),
                        |t| words(lang, t.label_id(), &[]),
                    ),
                },
            });
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(entries)
}
