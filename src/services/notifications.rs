//! Notifications in the portal's inbox: school messages staff write, and what an import brought
//! (one notification per family per import, not one per row, and one more where a grade fell
//! below the family's threshold). The event writes a job in its own transaction; the worker
//! fans it out to the student and every guardian with portal access, unless the district
//! turned notifications off, and mails them at once or in a daily digest, as each asked.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Staff;
use super::auth::Authenticated;
use super::{Error, Result};
use crate::app::App;
use crate::domain::JobOutcome;
use crate::i18n::{self, Lang, filters};
use askama::Template;
use fluent_bundle::FluentArgs;

use crate::domain::{
    AccountId, DIGEST_HOUR, District, DistrictId, Event, GradeThreshold, Invalid, SourcedId,
};
use crate::store::{
    Audience, AuditEntry, Channel, ImportNews, Imported, JobRecord, NewJob, NewNotification,
    NotificationRecord, NotificationSettings,
};

pub const MESSAGE_JOB: &str = "notify.message";
pub const IMPORT_JOB: &str = "notify.import";
/// A notification mailed to an account that asked for it.
pub const MAIL_JOB: &str = "mail.notification";
/// An account's daily digest of notifications.
pub const DIGEST_JOB: &str = "mail.digest";

/// How long the inbox keeps a notification.
pub const KEEP_SECONDS: i64 = 90 * 24 * 60 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct MessageJob {
    message: i64,
}

/// What an import job tells of: the import run's rows. Jobs queued before import runs were
/// counted name the second their import wrote in instead, and still run so.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum ImportJob {
    Run { run: i64 },
    At { at: i64 },
}

#[derive(Debug, Serialize, Deserialize)]
struct MailJob {
    notification: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct DigestJob {
    account: i64,
    notifications: Vec<i64>,
}

/// Who a message is for, as staff choose it.
pub struct MessageRequest<'a> {
    /// `district`, `school`, `grade` or `class`.
    pub audience: &'a str,
    /// The school's or class's sourcedId, or the grade level.
    pub reference: Option<&'a str>,
    pub title: &'a str,
    pub body: &'a str,
}

fn text(what: &str, raw: &str, max: usize) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Invalid::new(format!("{what} must not be empty")).into());
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid::new(format!("{what} must not contain control characters")).into());
    }
    if value.chars().count() > max {
        return Err(Invalid::new(format!("{what} is longer than {max} characters")).into());
    }
    Ok(value.replace("\r\n", "\n"))
}

async fn audience(
    app: &App,
    district: &District,
    request: &MessageRequest<'_>,
) -> Result<Audience> {
    let reference = request.reference.map(str::trim).filter(|r| !r.is_empty());
    let needed = || Invalid::new(format!("say which {}", request.audience));
    let unknown = |what: &str, r: &str| {
        Error::Invalid(Invalid::new(format!(
            "{} has no {what} {r:?}",
            district.name
        )))
    };
    match request.audience {
        "district" => Ok(Audience::District),
        "school" => {
            let r = reference.ok_or_else(needed)?;
            let school = app
                .store
                .school_by_sourced_id(district.id, &SourcedId::parse(r)?)
                .await?
                .ok_or_else(|| unknown("school", r))?;
            Ok(Audience::School(school.id))
        }
        "grade" => {
            let r = reference.ok_or_else(needed)?;
            if r.chars().count() > 20 || r.chars().any(char::is_control) {
                return Err(unknown("grade", r));
            }
            Ok(Audience::Grade(r.to_owned()))
        }
        "class" => {
            let r = reference.ok_or_else(needed)?;
            let id = app
                .store
                .class_id_by_sourced_id(district.id, &SourcedId::parse(r)?)
                .await?
                .ok_or_else(|| unknown("class", r))?;
            Ok(Audience::Class(id))
        }
        other => Err(Invalid::new(format!(
            "the audience is district, school, grade or class, not {other:?}"
        ))
        .into()),
    }
}

/// Staff write a school message; it reaches its families through the job queue. Audited.
pub async fn send_message(app: &App, staff: &Staff, request: &MessageRequest<'_>) -> Result<i64> {
    let (district, actor) = (staff.district(), staff.actor());
    let title = text("the title", request.title, 120)?;
    let body = text("the message", request.body, 4000)?;
    let audience = audience(app, district, request).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let id = tx
        .insert_message(district.id, actor.account, &audience, &title, &body, now)
        .await?;
    tx.enqueue(
        &NewJob {
            district: district.id,
            kind: MESSAGE_JOB,
            payload: serde_json::to_string(&MessageJob { message: id })
                .map_err(|e| Error::internal(e.to_string()))?,
            idempotency_key: format!("message:{id}"),
        },
        now,
    )
    .await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: "message.sent",
            target: Some(audience.kind()),
            detail: Some(title.clone()),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The job an import writes, in its own transaction, to tell families what its run brought:
/// one job a run, however close together two imports come.
pub fn import_job(district: &District, run: i64) -> NewJob<'static> {
    NewJob {
        district: district.id,
        kind: IMPORT_JOB,
        payload: format!("{{\"run\":{run}}}"),
        idempotency_key: format!("import-run:{run}"),
    }
}

/// Runs a notification job: writes the inbox entries (and the mail jobs of those who asked),
/// or mails one notification.
pub async fn run(app: &App, job: &JobRecord) -> JobOutcome {
    if job.kind == MAIL_JOB || job.kind == DIGEST_JOB {
        let mail = if job.kind == MAIL_JOB {
            mail(app, job).await
        } else {
            digest(app, job).await
        };
        return super::mail::send_built(app, mail).await;
    }
    match fan_out(app, job).await {
        Ok(()) => JobOutcome::Done,
        Err(Error::Unavailable(err)) => JobOutcome::Retry(err.to_string()),
        Err(err) => JobOutcome::Give(err.to_string()),
    }
}

async fn fan_out(app: &App, job: &JobRecord) -> Result<()> {
    let district = app
        .store
        .district_by_id(job.district)
        .await?
        .ok_or(Error::NotFound)?;
    if !district.settings.notifications {
        return Ok(());
    }
    let parse = |e: serde_json::Error| Error::internal(format!("job payload: {e}"));
    let mut alert_changes = Vec::new();
    let notes: Vec<NewNotification<'_>> = match job.kind.as_str() {
        MESSAGE_JOB => {
            let MessageJob { message } = serde_json::from_str(&job.payload).map_err(parse)?;
            let Some(message) = app.store.message(district.id, message).await? else {
                return Ok(());
            };
            app.store
                .message_readers(district.id, &message.audience)
                .await?
                .into_iter()
                .map(|account| NewNotification {
                    account,
                    event: "message",
                    title: message.title.clone(),
                    body: message.body.clone(),
                    digest: false,
                })
                .collect()
        }
        IMPORT_JOB => {
            let imported = match serde_json::from_str(&job.payload).map_err(parse)? {
                ImportJob::Run { run } => Imported::Run(run),
                ImportJob::At { at } => Imported::At(at),
            };
            let mut notes = import_news(app, &district, imported).await?;
            if district.settings.notification_events.contains(Event::Grade) {
                let (alerts, changes) = grade_crossings(app, &district, imported).await?;
                notes.extend(alerts);
                alert_changes = changes;
            }
            notes
        }
        super::absences::DECISION_JOB => {
            super::absences::decision_notes(app, &district, &job.payload).await?
        }
        super::conversations::MESSAGE_JOB => {
            super::conversations::message_notes(app, &district, &job.payload).await?
        }
        other => return Err(Error::internal(format!("unknown job kind {other:?}"))),
    };
    // The district's switch for this kind of notification.
    let notes: Vec<NewNotification<'_>> = notes
        .into_iter()
        .filter(|n| {
            Event::parse(n.event)
                .is_ok_and(|event| district.settings.notification_events.contains(event))
        })
        .collect();
    // Who asked for which kinds by email (at once, or in the daily digest), and pushed to
    // their browsers and apps.
    let mut notes = notes;
    let mut mailed = Vec::new();
    let mut pushed = Vec::new();
    for note in &mut notes {
        let wants = app
            .store
            .channel_events(district.id, note.account, Channel::Email)
            .await?;
        let mail = wants.iter().any(|e| e == note.event);
        note.digest = mail
            && app
                .store
                .notification_settings(district.id, note.account)
                .await?
                .email_digest;
        mailed.push(mail && !note.digest);
        let wants = app
            .store
            .channel_events(district.id, note.account, Channel::Push)
            .await?;
        pushed.push(wants.iter().any(|e| e == note.event));
    }
    let now = app.clock.unix();
    // A message in a conversation is pushed outside quiet hours only (unless a teacher marked
    // it urgent where the district allows it): one written at night reaches the phone at seven.
    let push_at = match job.kind.as_str() {
        super::conversations::MESSAGE_JOB => {
            super::conversations::push_at(app, &district, &job.payload)?
        }
        _ => now,
    };
    let mut tx = app.store.begin().await?;
    let ids = tx.insert_notifications(district.id, &notes, now).await?;
    for change in &alert_changes {
        tx.set_grade_alert(
            district.id,
            change.account,
            change.student,
            change.class,
            change.below,
            now,
        )
        .await?;
    }
    for (id, push) in ids.iter().zip(pushed) {
        if push {
            tx.enqueue_at(
                &NewJob {
                    district: district.id,
                    kind: super::push::PUSH_JOB,
                    payload: super::push::job_payload(*id),
                    idempotency_key: format!("push:{id}"),
                },
                push_at,
                now,
            )
            .await?;
        }
    }
    for (id, mail) in ids.iter().zip(mailed) {
        if mail {
            tx.enqueue(
                &NewJob {
                    district: district.id,
                    kind: MAIL_JOB,
                    payload: format!("{{\"notification\":{id}}}"),
                    idempotency_key: format!("notification:{id}"),
                },
                now,
            )
            .await?;
        }
    }
    // Done with what it wrote: a worker killed before it records the job would otherwise
    // leave it to run again after its lease, and every family would hear twice.
    tx.finish_job(job.id, now).await?;
    tx.commit().await?;
    Ok(())
}

/// One notification per family for what the import brought: new scores and absences or
/// tardies, a line a student.
async fn import_news(
    app: &App,
    district: &District,
    imported: Imported,
) -> Result<Vec<NewNotification<'static>>> {
    let news = app.store.import_news(district.id, imported).await?;
    let mut notes: Vec<NewNotification<'static>> = Vec::new();
    for news in news {
        let ImportNews {
            account,
            language,
            ref student_name,
            scores,
            marks,
        } = news;
        let (line, title) = i18n::sync_scope(language, || {
            let args = [
                ("name", student_name.clone()),
                ("scores", scores.to_string()),
                ("marks", marks.to_string()),
            ];
            (
                i18n::ta("notice-import-line", &args),
                i18n::t("notice-import-title"),
            )
        });
        match notes.last_mut() {
            Some(last) if last.account == account => {
                last.body.push('\n');
                last.body.push_str(&line);
            }
            _ => notes.push(NewNotification {
                account,
                event: if scores > 0 { "score" } else { "attendance" },
                title,
                body: line,
                digest: false,
            }),
        }
    }
    Ok(notes)
}

/// A grade alert to record (`below`) or to clear.
struct AlertChange {
    account: AccountId,
    student: i64,
    class: i64,
    below: bool,
}

/// Where the import took a class's in-progress grade below a family's threshold: one
/// notification per family, a line a class. A class already told stays quiet until its grade
/// is back up (which clears the alert) and falls again.
async fn grade_crossings(
    app: &App,
    district: &District,
    imported: Imported,
) -> Result<(Vec<NewNotification<'static>>, Vec<AlertChange>)> {
    let watches = app.store.grade_watches(district.id, imported).await?;
    let mut notes: Vec<NewNotification<'static>> = Vec::new();
    let mut changes = Vec::new();
    let mut grades: Option<(i64, Vec<(super::records::ClassRef, f64)>)> = None;
    for watch in watches {
        // Watches come a student at a time: each student's grades are worked out once.
        if grades
            .as_ref()
            .is_none_or(|(student, _)| *student != watch.student)
        {
            let of = super::records::current_grades(app, district, watch.student).await?;
            grades = Some((watch.student, of));
        }
        let Some((_, of)) = &grades else { continue };
        let told = app
            .store
            .grade_alerts(district.id, watch.account, watch.student)
            .await?;
        for (class, percent) in of {
            let below = watch.below.below(*percent);
            if below == told.contains(&class.id) {
                continue;
            }
            changes.push(AlertChange {
                account: watch.account,
                student: watch.student,
                class: class.id,
                below,
            });
            if !below {
                continue;
            }
            let (line, title) = i18n::sync_scope(watch.language, || {
                let line = i18n::ta(
                    "notice-grade-line",
                    &[
                        ("name", watch.student_name.clone()),
                        ("class", class.title.clone()),
                        ("percent", percent.to_string()),
                    ],
                );
                let below = watch.below.percent().to_string();
                (line, i18n::t1("notice-grade-title", "below", below))
            });
            match notes.iter_mut().find(|n| n.account == watch.account) {
                Some(note) => {
                    note.body.push('\n');
                    note.body.push_str(&line);
                }
                None => notes.push(NewNotification {
                    account: watch.account,
                    event: "grade",
                    title,
                    body: line,
                    digest: false,
                }),
            }
        }
    }
    Ok((notes, changes))
}

/// When quiet hours end in the district, as Unix seconds, if `now` falls within them.
pub fn quiet_hours_end(now: jiff::Timestamp, district: &District) -> Option<i64> {
    let tz = jiff::tz::TimeZone::get(district.settings.timezone.as_str()).ok()?;
    let local = now.to_zoned_datetime(tz.clone());
    let until = crate::domain::quiet_until(local.datetime())?;
    until
        .to_zoned_datetime(tz)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// The moment of the district's latest digest, as Unix seconds: today's `DIGEST_HOUR` in its
/// time zone when that has passed, else yesterday's.
fn digest_cut(now: jiff::Timestamp, district: &District) -> Result<i64> {
    let tz = jiff::tz::TimeZone::get(district.settings.timezone.as_str())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let local = now.to_zoned_datetime(tz.clone());
    let at = |date: jiff::civil::Date| {
        date.at(DIGEST_HOUR, 0, 0, 0)
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp().as_second())
            .map_err(|e| Error::internal(e.to_string()))
    };
    let today = at(local.date())?;
    if today <= now.as_second() {
        return Ok(today);
    }
    let yesterday = local
        .date()
        .yesterday()
        .map_err(|e| Error::internal(e.to_string()))?;
    at(yesterday)
}

/// Queues the daily digests that are due: for each account that chose a digest, what waits
/// for it from before its district's latest digest time (17:00 local), in one mail. Safe to
/// run from several workers at once; the worker runs it every minute. Answers how many
/// digests it queued.
pub async fn schedule_digests(app: &App) -> Result<usize> {
    let mut queued = 0;
    for district in app.store.digest_districts().await? {
        let Some(district) = app.store.district_by_id(district).await? else {
            continue;
        };
        let cut = digest_cut(app.clock.now(), &district)?;
        for account in app.store.digest_accounts(district.id, cut).await? {
            queued += usize::from(queue_digest(app, district.id, account, cut).await?);
        }
    }
    Ok(queued)
}

async fn queue_digest(
    app: &App,
    district: DistrictId,
    account: AccountId,
    cut: i64,
) -> Result<bool> {
    let mut tx = app.store.begin().await?;
    let ids = tx.take_digest(district, account, cut).await?;
    if ids.is_empty() {
        return Ok(false);
    }
    let payload = serde_json::to_string(&DigestJob {
        account: account.0,
        notifications: ids,
    })
    .map_err(|e| Error::internal(e.to_string()))?;
    tx.enqueue(
        &NewJob {
            district,
            kind: DIGEST_JOB,
            payload,
            idempotency_key: format!("digest:{}:{cut}", account.0),
        },
        app.clock.unix(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A notification in a digest.
struct DigestLine {
    title: String,
    body: String,
    when: String,
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct DigestText<'a> {
    heading: &'a str,
    notifications: &'a [DigestLine],
    link: &'a str,
    district: &'a str,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct DigestHtml<'a> {
    heading: &'a str,
    notifications: &'a [DigestLine],
    link: &'a str,
    district: &'a str,
}

async fn digest(app: &App, job: &JobRecord) -> Result<Option<super::mail::Mail>> {
    let DigestJob {
        account,
        notifications,
    } = serde_json::from_str(&job.payload)
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let account = AccountId(account);
    let Some(district) = app.store.district_by_id(job.district).await? else {
        return Ok(None);
    };
    let Some((email, lang)) = address_of(app, &district, account).await? else {
        return Ok(None);
    };
    // The mail is in the account's language, its dates too.
    let tz = jiff::tz::TimeZone::get(district.settings.timezone.as_str())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let mut lines = Vec::new();
    for id in notifications {
        // Gone after 90 days, or not this account's: left out.
        if let Some((
            owner,
            NotificationRecord {
                title,
                body,
                created_at,
                ..
            },
        )) = app.store.notification(district.id, id).await?
            && owner == account
        {
            let when = jiff::Timestamp::from_second(created_at)
                .map(|t| i18n::when::day_time(lang, &t.to_zoned_datetime(tz.clone())))
                .unwrap_or_default();
            lines.push(DigestLine { title, body, when });
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let mut args = FluentArgs::new();
    args.set("count", lines.len());
    args.set("district", district.name.as_str().to_owned());
    let heading = i18n::message(lang, "mail-digest-heading", Some(&args));
    let link = inbox_link(app, &district);
    let name = district.name.as_str();
    i18n::sync_scope(lang, || {
        Ok(Some(super::mail::Mail {
            from_name: name.to_owned(),
            to: email,
            subject: heading.clone(),
            text: render(&DigestText {
                heading: &heading,
                notifications: &lines,
                link: &link,
                district: name,
            })?,
            html: render(&DigestHtml {
                heading: &heading,
                notifications: &lines,
                link: &link,
                district: name,
            })?,
            idempotency_key: job.idempotency_key.clone(),
        }))
    })
}

/// The address mail for this account goes to, while it is active and has one, and the
/// language its mail is written in.
async fn address_of(
    app: &App,
    district: &District,
    account: AccountId,
) -> Result<Option<(String, Lang)>> {
    let to = app.store.recipient(district.id, account).await?;
    Ok(to
        .filter(|to| to.active)
        .and_then(|to| Some((to.email?, to.language))))
}

fn inbox_link(app: &App, district: &District) -> String {
    let base = app.config.public_url.as_str().trim_end_matches('/');
    format!("{base}/d/{}/notifications", district.slug)
}

fn render(template: &dyn askama::DynTemplate) -> Result<String> {
    template
        .dyn_render()
        .map_err(|e| Error::internal(e.to_string()))
}

#[derive(Template)]
#[template(path = "mail/notification.txt")]
struct NotificationText<'a> {
    title: &'a str,
    body: &'a str,
    link: &'a str,
    district: &'a str,
}

#[derive(Template)]
#[template(path = "mail/notification.html")]
struct NotificationHtml<'a> {
    title: &'a str,
    body: &'a str,
    link: &'a str,
    district: &'a str,
}

/// A mail's text and HTML around a title and a body of plain lines, with a link to follow.
pub(super) fn render_plain_mail(
    title: &str,
    body: &str,
    link: &str,
    district: &str,
) -> Result<(String, String)> {
    Ok((
        render(&NotificationText {
            title,
            body,
            link,
            district,
        })?,
        render(&NotificationHtml {
            title,
            body,
            link,
            district,
        })?,
    ))
}

async fn mail(app: &App, job: &JobRecord) -> Result<Option<super::mail::Mail>> {
    let MailJob { notification } = serde_json::from_str(&job.payload)
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let Some(district) = app.store.district_by_id(job.district).await? else {
        return Ok(None);
    };
    let Some((account, note)) = app.store.notification(district.id, notification).await? else {
        return Ok(None);
    };
    let Some((email, lang)) = address_of(app, &district, account).await? else {
        return Ok(None);
    };
    let link = inbox_link(app, &district);
    let name = district.name.as_str();
    // The notification's own words are as it was written; the mail around it is in the
    // account's language.
    i18n::sync_scope(lang, || {
        Ok(Some(super::mail::Mail {
            from_name: name.to_owned(),
            to: email,
            subject: note.title.clone(),
            text: render(&NotificationText {
                title: &note.title,
                body: &note.body,
                link: &link,
                district: name,
            })?,
            html: render(&NotificationHtml {
                title: &note.title,
                body: &note.body,
                link: &link,
                district: name,
            })?,
            idempotency_key: job.idempotency_key.clone(),
        }))
    })
}

/// An account's choices: which kinds of notification it also wants by email and by push, and
/// which kinds the district sends at all.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Preferences {
    /// Kinds mailed as well as shown in the inbox: `score`, `grade`, `attendance`, `message`.
    pub email: Vec<String>,
    /// Kinds pushed to the account's browsers and apps.
    #[serde(default)]
    pub push: Vec<String>,
    /// Mail in one daily digest (at 17:00 in the district's time zone) instead of one mail a
    /// notification.
    #[serde(default)]
    pub email_digest: bool,
    /// Tell the family when a class's in-progress grade falls below this percentage (1 to
    /// 100); `null`: never.
    #[serde(default)]
    pub grade_below: Option<u8>,
    /// Kinds the district sends (read only).
    #[serde(default)]
    pub district_sends: Vec<String>,
}

/// What an account changes of its preferences; `None` leaves that part as it is.
#[derive(Debug, Default)]
pub struct PreferencesChange<'a> {
    pub email: Option<&'a [String]>,
    pub push: Option<&'a [String]>,
    pub email_digest: Option<bool>,
    pub grade_below: Option<Option<GradeThreshold>>,
}

pub async fn preferences(app: &App, who: &Authenticated) -> Result<Preferences> {
    let (district, account) = (who.district.id, who.account.id);
    let settings = app.store.notification_settings(district, account).await?;
    Ok(Preferences {
        email_digest: settings.email_digest,
        grade_below: settings.grade_below.map(GradeThreshold::percent),
        email: app
            .store
            .channel_events(district, account, Channel::Email)
            .await?,
        push: app
            .store
            .channel_events(district, account, Channel::Push)
            .await?,
        district_sends: Event::ALL
            .iter()
            .filter(|e| {
                who.district.settings.notifications
                    && who.district.settings.notification_events.contains(**e)
            })
            .map(|e| e.as_str().to_owned())
            .collect(),
    })
}

/// Changes the account's preferences: which kinds of notification it wants by email and by
/// push (every other kind: the inbox only), the daily digest, and the grade threshold.
pub async fn set_preferences(
    app: &App,
    who: &Authenticated,
    change: PreferencesChange<'_>,
) -> Result<Preferences> {
    let parse = |list: Option<&[String]>| {
        list.map(|l| {
            l.iter()
                .map(|e| Event::parse(e))
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .transpose()
    };
    let (email, push) = (parse(change.email)?, parse(change.push)?);
    let (district, account) = (who.district.id, who.account.id);
    let before = app.store.notification_settings(district, account).await?;
    let settings = NotificationSettings {
        email_digest: change.email_digest.unwrap_or(before.email_digest),
        grade_below: change.grade_below.unwrap_or(before.grade_below),
    };
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    for (channel, chosen) in [(Channel::Email, &email), (Channel::Push, &push)] {
        let Some(chosen) = chosen else { continue };
        for event in Event::ALL {
            tx.set_channel_preference(
                district,
                account,
                event.as_str(),
                channel,
                chosen.contains(&event),
                now,
            )
            .await?;
        }
    }
    if settings != before {
        tx.set_notification_settings(district, account, settings, now)
            .await?;
    }
    tx.commit().await?;
    preferences(app, who).await
}

/// A notification as the inbox shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `score`, `grade`, `attendance`, `message`, or `security` (a change to who can reach the
    /// account: a link made or ended, a reset or an account made by staff).
    pub event: String,
    pub title: String,
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inbox {
    pub unread: usize,
    pub notifications: Vec<Notification>,
}

/// The account's **Notifications** of the last 90 days, newest first.
pub async fn inbox(app: &App, who: &Authenticated) -> Result<Inbox> {
    let records = app
        .store
        .inbox(
            who.district.id,
            who.account.id,
            app.clock.unix(),
            KEEP_SECONDS,
        )
        .await?;
    let notifications: Vec<Notification> = records
        .into_iter()
        .map(|r| Notification {
            id: r.id,
            event: r.event,
            title: r.title,
            body: r.body,
            created_at: r.created_at,
            read: r.read_at.is_some(),
        })
        .collect();
    Ok(Inbox {
        unread: notifications.iter().filter(|n| !n.read).count(),
        notifications,
    })
}

/// Marks one of the account's notifications read; any other id is not found.
pub async fn mark_read(app: &App, who: &Authenticated, id: i64) -> Result<()> {
    if app
        .store
        .mark_read(who.district.id, who.account.id, id, app.clock.unix())
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// How many of the account's notifications are unread.
pub async fn unread(app: &App, who: &Authenticated) -> Result<usize> {
    if let Some(n) = who.unread {
        return Ok(usize::try_from(n).unwrap_or(0));
    }
    let since = app.clock.unix() - KEEP_SECONDS;
    let n = app
        .store
        .unread_count(who.district.id, who.account.id, since)
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}
