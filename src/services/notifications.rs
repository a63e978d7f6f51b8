//! Notifications in the portal's inbox: school messages staff write, and what an import brought
//! (one notification per family per import, not one per row). The event writes a job in its
//! own transaction; the worker fans it out to the student and every guardian with portal
//! access, unless the district turned notifications off.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::Actor;
use super::auth::Authenticated;
use super::recovery::JobOutcome;
use super::{Error, Result};
use crate::app::App;
use askama::Template;

use crate::domain::{District, Event, Invalid, SourcedId};
use crate::store::{Audience, AuditEntry, Channel, JobRecord, NewJob, NewNotification};

pub const MESSAGE_JOB: &str = "notify.message";
pub const IMPORT_JOB: &str = "notify.import";
/// A notification mailed to an account that asked for it.
pub const MAIL_JOB: &str = "mail.notification";

/// How long the inbox keeps a notification.
pub const KEEP_SECONDS: i64 = 90 * 24 * 60 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct MessageJob {
    message: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct ImportJob {
    at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct MailJob {
    notification: i64,
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
pub async fn send_message(
    app: &App,
    district: &District,
    request: &MessageRequest<'_>,
    actor: Actor<'_>,
) -> Result<i64> {
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

/// The job an import writes, in its own transaction, to tell families what it brought.
pub fn import_job(district: &District, at: i64) -> NewJob<'static> {
    NewJob {
        district: district.id,
        kind: IMPORT_JOB,
        payload: format!("{{\"at\":{at}}}"),
        idempotency_key: format!("import:{at}"),
    }
}

/// Runs a notification job: writes the inbox entries (and the mail jobs of those who asked),
/// or mails one notification.
pub async fn run(app: &App, job: &JobRecord) -> JobOutcome {
    if job.kind == MAIL_JOB {
        return match mail(app, job).await {
            Ok(Some(mail)) => match app.mailer.send(&mail).await {
                Ok(()) => JobOutcome::Done,
                Err(super::mail::MailError::Invalid(why)) => JobOutcome::Give(why),
                Err(err) => JobOutcome::Retry(err.to_string()),
            },
            Ok(None) => JobOutcome::Done,
            Err(Error::Unavailable(err)) => JobOutcome::Retry(err.to_string()),
            Err(err) => JobOutcome::Give(err.to_string()),
        };
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
                })
                .collect()
        }
        IMPORT_JOB => {
            let ImportJob { at } = serde_json::from_str(&job.payload).map_err(parse)?;
            let news = app.store.import_news(district.id, at).await?;
            let mut notes: Vec<NewNotification<'_>> = Vec::new();
            for (account, name, scores, marks) in news {
                let line = match (scores, marks) {
                    (0, m) => format!("{name}: {m} attendance {}", plural(m, "mark", "marks")),
                    (s, 0) => format!("{name}: {s} new {}", plural(s, "score", "scores")),
                    (s, m) => format!(
                        "{name}: {s} new {} and {m} attendance {}",
                        plural(s, "score", "scores"),
                        plural(m, "mark", "marks")
                    ),
                };
                match notes.last_mut() {
                    Some(last) if last.account == account => {
                        last.body.push('\n');
                        last.body.push_str(&line);
                    }
                    _ => notes.push(NewNotification {
                        account,
                        event: if scores > 0 { "score" } else { "attendance" },
                        title: "New from school".to_owned(),
                        body: line,
                    }),
                }
            }
            notes
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
    // Who asked for which kinds by email, and pushed to their browsers and apps.
    let mut mailed = Vec::new();
    let mut pushed = Vec::new();
    for note in &notes {
        let wants = app
            .store
            .channel_events(district.id, note.account, Channel::Email)
            .await?;
        mailed.push(wants.iter().any(|e| e == note.event));
        let wants = app
            .store
            .channel_events(district.id, note.account, Channel::Push)
            .await?;
        pushed.push(wants.iter().any(|e| e == note.event));
    }
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let ids = tx.insert_notifications(district.id, &notes, now).await?;
    for (id, push) in ids.iter().zip(pushed) {
        if push {
            tx.enqueue(
                &NewJob {
                    district: district.id,
                    kind: super::push::PUSH_JOB,
                    payload: super::push::job_payload(*id),
                    idempotency_key: format!("push:{id}"),
                },
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
    tx.commit().await?;
    Ok(())
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

async fn mail(app: &App, job: &JobRecord) -> Result<Option<super::mail::Mail>> {
    let MailJob { notification } = serde_json::from_str(&job.payload)
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let Some(district) = app.store.district_by_id(job.district).await? else {
        return Ok(None);
    };
    let Some((account, note)) = app.store.notification(district.id, notification).await? else {
        return Ok(None);
    };
    let Some(to) = app.store.recipient(district.id, account).await? else {
        return Ok(None);
    };
    let (Some(email), true) = (to.email.clone(), to.active) else {
        return Ok(None);
    };
    let base = app.config.public_url.as_str().trim_end_matches('/');
    let link = format!("{base}/d/{}/notifications", district.slug);
    let name = district.name.as_str();
    let render =
        |t: &dyn askama::DynTemplate| t.dyn_render().map_err(|e| Error::internal(e.to_string()));
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
    /// Kinds the district sends (read only).
    #[serde(default)]
    pub district_sends: Vec<String>,
}

pub async fn preferences(app: &App, who: &Authenticated) -> Result<Preferences> {
    let (district, account) = (who.district.id, who.account.id);
    Ok(Preferences {
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

/// Sets which kinds of notification the account wants by email and by push (every other
/// kind: the inbox only). `None` leaves that channel as it is.
pub async fn set_preferences(
    app: &App,
    who: &Authenticated,
    email: Option<&[String]>,
    push: Option<&[String]>,
) -> Result<Preferences> {
    let parse = |list: Option<&[String]>| {
        list.map(|l| {
            l.iter()
                .map(|e| Event::parse(e))
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .transpose()
    };
    let (email, push) = (parse(email)?, parse(push)?);
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    for event in Event::ALL {
        if let Some(email) = &email {
            tx.set_channel_preference(
                who.district.id,
                who.account.id,
                event.as_str(),
                Channel::Email,
                email.contains(&event),
                now,
            )
            .await?;
        }
        if let Some(push) = &push {
            tx.set_channel_preference(
                who.district.id,
                who.account.id,
                event.as_str(),
                Channel::Push,
                push.contains(&event),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    preferences(app, who).await
}

fn plural(n: i64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// A notification as the inbox shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `score`, `grade`, `attendance` or `message`.
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
    let since = app.clock.unix() - KEEP_SECONDS;
    let n = app
        .store
        .unread_count(who.district.id, who.account.id, since)
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}
