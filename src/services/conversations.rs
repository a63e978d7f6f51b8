//! Conversations: a parent (or, where the district allows it, a student) and a teacher write to
//! each other about one student; a teacher may also write to every family of a class, which
//! makes one conversation per family so that families never see each other.
//!
//! Who may see a conversation is worked out on every request: the teacher whose it is (while
//! the import keeps them: an inactive teacher's account is inactive), the guardians whose
//! portal shows the student today, or the student of a student conversation. To anyone else it
//! does not exist. The district's staff read every conversation in the console, and each such
//! read is in the audit log. Nothing is deleted: an author may retract a message within
//! [`RETRACT_SECONDS`], which leaves "retracted" for the participants and the text for the
//! district.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Staff;
use super::auth::{Authenticated, Client, account_entry};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{
    AccountId, AccountKind, District, FAMILY_MESSAGES_PER_HOUR, Invalid, Lang, MessageBody,
    OfficeHours, RETRACT_SECONDS, TEACHER_MESSAGES_PER_HOUR,
};
use crate::i18n;
use crate::store::CONVERSATIONS_LISTED as LIST_LIMIT;
use crate::store::{
    AuditEntry, ConversationAudience, ConversationRecord, NewConversation, NewJob, NewNotification,
    OfficeHoursRecord, Reader, WrittenMessage,
};

/// The job that tells the other side of a conversation about a new message.
pub const MESSAGE_JOB: &str = "notify.conversation";
/// Messages a page of a conversation holds.
pub const PAGE: u32 = 100;

/// What someone writes to start (or continue) a conversation.
#[derive(Debug, Clone, Copy)]
pub enum Recipients {
    /// A parent or student to a teacher of the student's class.
    Teacher { student: i64, teacher: i64 },
    /// A teacher to one student's guardians.
    Family { student: i64 },
    /// A teacher to every family of a class: one conversation each.
    Class { class: i64 },
}

/// A conversation in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationSummary {
    pub id: i64,
    /// The class it began with, when a teacher wrote to a class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Who it is with, as this reader sees it: the teacher, or the student's family.
    pub with: String,
    pub student: StudentRef,
    /// Messages from others not read yet.
    pub unread: i64,
    /// Unix seconds of the latest message.
    pub last_at: i64,
    /// The latest message's time, in words.
    pub when: String,
    /// Whether the teacher has paused the family's replies.
    pub blocked: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StudentRef {
    pub id: i64,
    pub name: String,
}

/// A conversation with a page of its messages, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationView {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    pub messages: Vec<MessageView>,
    /// Pass as `after` for the next page; none when this is the last.
    pub next_after: Option<i64>,
    /// Whether this reader may write now.
    pub can_write: bool,
    /// The teacher's office hours, in words, when set.
    pub office_hours: Option<String>,
    /// For a family outside the teacher's office hours: when to expect an answer, in words.
    pub expect_answer: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub author: String,
    /// Written by this reader.
    pub mine: bool,
    /// None once retracted (the district still sees it).
    pub body: Option<String>,
    pub retracted: bool,
    /// Unix seconds.
    pub at: i64,
    pub when: String,
    /// For this reader's own messages: who of the other side has read it.
    pub read_by: Vec<String>,
    /// Whether this reader may still retract it.
    pub can_retract: bool,
}

/// What sending answered: the conversations written to, and when an answer can be expected
/// if the teacher is outside office hours.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sent {
    pub conversations: Vec<ConversationSummary>,
    /// In words, when a family wrote outside the teacher's office hours.
    pub expect_answer: Option<String>,
}

/// What the account is to a conversation it may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Teacher,
    Family,
}

fn side_of(who: &Authenticated) -> Result<Side> {
    match who.account.kind {
        AccountKind::Teacher => Ok(Side::Teacher),
        AccountKind::Parent | AccountKind::Student => Ok(Side::Family),
        AccountKind::Staff => Err(Error::NotFound),
    }
}

fn today(app: &App, district: &District) -> String {
    super::tools::today(app, district).to_string()
}

fn reader(who: &Authenticated) -> Reader {
    Reader::Account {
        kind: who.account.kind,
        account: who.account.id,
        person: who.account.person_id,
    }
}

fn when(district: &District, at: i64) -> String {
    Timestamp::from_second(at)
        .and_then(|t| t.in_tz(district.settings.timezone.as_str()))
        .map(|t| i18n::when::date_time(i18n::current(), &t))
        .unwrap_or_default()
}

fn summary(
    who: Option<&Authenticated>,
    district: &District,
    c: &ConversationRecord,
) -> ConversationSummary {
    let family = || i18n::t1("conversation-family-of", "name", c.student_name.clone());
    let with = match who.map(|w| w.account.kind) {
        Some(AccountKind::Teacher) => match c.audience {
            ConversationAudience::Family => family(),
            ConversationAudience::Student => c.student_name.clone(),
        },
        Some(AccountKind::Parent | AccountKind::Student) => c.teacher_name.clone(),
        // The district sees both sides.
        _ => format!("{} · {}", c.teacher_name, family()),
    };
    ConversationSummary {
        id: c.id,
        subject: c.subject.clone(),
        with,
        student: StudentRef {
            id: c.student_id,
            name: c.student_name.clone(),
        },
        unread: c.unread,
        last_at: c.last_at,
        when: when(district, c.last_at),
        blocked: c.blocked_at.is_some(),
    }
}

/// The conversation, if this account may see it; `NotFound` otherwise, exactly as if it did
/// not exist.
async fn visible(app: &App, who: &Authenticated, id: i64) -> Result<ConversationRecord> {
    let district = &who.district;
    let conversation = app
        .store
        .conversation(district.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let person = who.account.person_id;
    let may = match who.account.kind {
        AccountKind::Teacher => conversation.teacher_id == person,
        AccountKind::Student => {
            conversation.audience == ConversationAudience::Student
                && conversation.student_id == person
        }
        AccountKind::Parent => {
            conversation.audience == ConversationAudience::Family
                && may_see_student(app, who, conversation.student_id).await?
        }
        AccountKind::Staff => false,
    };
    if !may {
        return Err(Error::NotFound);
    }
    Ok(conversation)
}

async fn may_see_student(app: &App, who: &Authenticated, student: i64) -> Result<bool> {
    let today = today(app, &who.district);
    Ok(app
        .store
        .visible_students(
            who.district.id,
            who.account.kind,
            who.account.person_id,
            &today,
        )
        .await?
        .iter()
        .any(|s| s.id == student))
}

/// Whether the family's side may write: students only where the district allows it, and
/// nobody while the teacher has paused the conversation.
fn family_may_write(who: &Authenticated, conversation: Option<&ConversationRecord>) -> Result<()> {
    if who.account.kind == AccountKind::Student && !who.district.settings.student_messaging {
        return Err(Error::Forbidden(i18n::t("conversation-students-off")));
    }
    if conversation.is_some_and(|c| c.blocked_at.is_some()) {
        return Err(Error::Forbidden(i18n::t("conversation-blocked")));
    }
    Ok(())
}

/// Refuses a message past the account's hourly allowance.
async fn within_rate(app: &App, who: &Authenticated, adding: u64) -> Result<()> {
    let limit = match who.account.kind {
        AccountKind::Teacher => TEACHER_MESSAGES_PER_HOUR,
        _ => FAMILY_MESSAGES_PER_HOUR,
    };
    let now = app.clock.unix();
    let written = app
        .store
        .messages_written_since(who.district.id, who.account.id, now - 3600)
        .await?;
    if written + adding > limit {
        return Err(Error::TooMany(Invalid::worded(
            format!("at most {limit} messages an hour; please wait before writing more"),
            "conversation-too-many",
            vec![("max", limit.to_string())],
        )));
    }
    Ok(())
}

/// The active account of the conversation's teacher; a teacher who left (or never activated)
/// cannot be written to.
async fn teacher_account(
    app: &App,
    district: &District,
    teacher: i64,
) -> Result<(AccountId, Lang)> {
    app.store
        .active_account_of(district.id, teacher, AccountKind::Teacher)
        .await?
        .ok_or_else(|| {
            Error::Conflict(Invalid::worded(
                "this teacher cannot receive messages in Homeroom",
                "conversation-teacher-unavailable",
                vec![],
            ))
        })
}

/// What someone writes: the text, and whether a teacher marks it urgent (pushed even in quiet
/// hours, where the district allows it).
#[derive(Debug, Clone, Copy)]
pub struct Writing<'a> {
    pub body: &'a str,
    pub urgent: bool,
}

impl Writing<'_> {
    /// The text as a message, and whether it is urgent: only a teacher marks one so, and only
    /// where the district allows it.
    fn checked(&self, who: &Authenticated) -> Result<(MessageBody, bool)> {
        let body = MessageBody::parse(self.body)?;
        if self.urgent
            && (who.account.kind != AccountKind::Teacher || !who.district.settings.urgent_messages)
        {
            return Err(Error::Forbidden(i18n::t("conversation-urgent-off")));
        }
        Ok((body, self.urgent))
    }
}

/// Starts a conversation, or adds to the one already there: a parent or student to a teacher of
/// the student's class; a teacher to a student's family or to every family of a class.
pub async fn start(
    app: &App,
    who: &Authenticated,
    to: Recipients,
    writing: Writing<'_>,
    client: &Client,
) -> Result<Sent> {
    let (body, urgent) = writing.checked(who)?;
    let district = &who.district;
    let person = who.account.person_id;
    // (teacher, student, audience, subject) of each conversation to write to.
    let mut targets: Vec<(i64, i64, ConversationAudience, Option<String>)> = Vec::new();
    match (side_of(who)?, to) {
        (Side::Family, Recipients::Teacher { student, teacher }) => {
            let audience = if who.account.kind == AccountKind::Student {
                if student != person {
                    return Err(Error::NotFound);
                }
                ConversationAudience::Student
            } else {
                if !may_see_student(app, who, student).await? {
                    return Err(Error::NotFound);
                }
                ConversationAudience::Family
            };
            if !app.store.teaches(district.id, teacher, student).await? {
                return Err(Error::NotFound);
            }
            let existing = match app
                .store
                .conversation_between(district.id, teacher, student, audience)
                .await?
            {
                Some(id) => app.store.conversation(district.id, id).await?,
                None => None,
            };
            family_may_write(who, existing.as_ref())?;
            teacher_account(app, district, teacher).await?;
            targets.push((teacher, student, audience, None));
        }
        (Side::Teacher, Recipients::Family { student }) => {
            if !app.store.teaches(district.id, person, student).await? {
                return Err(Error::NotFound);
            }
            targets.push((person, student, ConversationAudience::Family, None));
        }
        (Side::Teacher, Recipients::Class { class }) => {
            let today = today(app, district);
            let taught = app
                .store
                .taught_classes(district.id, person, &today)
                .await?;
            let class = taught
                .into_iter()
                .find(|c| c.id == class)
                .ok_or(Error::NotFound)?;
            let students = app.store.taught_students(district.id, person).await?;
            for entry in students.iter().filter(|s| s.class_id == class.id) {
                targets.push((
                    person,
                    entry.student_id,
                    ConversationAudience::Family,
                    Some(class.title.clone()),
                ));
            }
        }
        // A teacher writing as a family, or a family to a class: not theirs to do.
        _ => return Err(Error::NotFound),
    }
    within_rate(app, who, targets.len() as u64).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let mut ids = Vec::with_capacity(targets.len());
    for (teacher, student, audience, subject) in &targets {
        let new = NewConversation {
            teacher: *teacher,
            student: *student,
            audience: *audience,
            subject: subject.as_deref(),
            started_by: who.account.id,
        };
        let id = tx.conversation_for(district.id, &new, now).await?;
        let message = tx
            .insert_conversation_message(
                district.id,
                id,
                who.account.id,
                body.as_str(),
                urgent,
                now,
            )
            .await?;
        enqueue_notice(&mut tx, district, message, urgent, now).await?;
        ids.push(id);
    }
    let detail = format!("{} conversations", ids.len());
    tx.audit(
        account_entry(who, "conversation.written", Some(detail), client),
        now,
    )
    .await?;
    tx.commit().await?;
    let mut conversations = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = app.store.conversation(district.id, id).await? {
            conversations.push(summary(Some(who), district, &c));
        }
    }
    let expect_answer = match targets.first() {
        Some((teacher, ..)) if who.account.kind.is_family() => {
            expect_answer(app, district, *teacher).await?
        }
        _ => None,
    };
    Ok(Sent {
        conversations,
        expect_answer,
    })
}

async fn enqueue_notice(
    tx: &mut crate::store::Tx,
    district: &District,
    message: i64,
    urgent: bool,
    now: i64,
) -> Result<()> {
    tx.enqueue(
        &NewJob {
            district: district.id,
            kind: MESSAGE_JOB,
            payload: serde_json::json!({ "message": message, "urgent": urgent }).to_string(),
            idempotency_key: format!("conversation-message:{message}"),
        },
        now,
    )
    .await?;
    Ok(())
}

/// When a family writing now can expect an answer: the teacher's next office hours, in words,
/// when they are set and now is outside them.
async fn expect_answer(app: &App, district: &District, teacher: i64) -> Result<Option<String>> {
    let Some((account, _)) = app
        .store
        .active_account_of(district.id, teacher, AccountKind::Teacher)
        .await?
    else {
        return Ok(None);
    };
    let Some(hours) = office_hours_of(app, district, account).await? else {
        return Ok(None);
    };
    let Ok(now) = app.clock.now().in_tz(district.settings.timezone.as_str()) else {
        return Ok(None);
    };
    let local = now.datetime();
    if hours.contains(local) {
        return Ok(None);
    }
    Ok(hours.next_opening(local).and_then(|opening| {
        opening
            .to_zoned_datetime(now.time_zone().clone())
            .ok()
            .map(|z| i18n::when::day_time(i18n::current(), &z))
    }))
}

async fn office_hours_of(
    app: &App,
    district: &District,
    account: AccountId,
) -> Result<Option<OfficeHours>> {
    let Some(record) = app.store.office_hours(district.id, account).await? else {
        return Ok(None);
    };
    Ok(OfficeHours::parse(&record.weekdays, &record.start, &record.end).ok())
}

/// Office hours in words: "Mon, Tue, Wed, Thu, Fri, 08:00–15:30".
fn hours_words(hours: &OfficeHours) -> String {
    let days: Vec<String> = hours
        .day_numbers()
        .iter()
        .map(|d| i18n::t1("weekday-short", "day", i64::from(*d)))
        .collect();
    format!("{}, {}–{}", days.join(", "), hours.start, hours.end)
}

/// The teachers of a student's classes, (id, name), for a family that may see the student: who
/// a new message may go to.
pub async fn teachers_of(
    app: &App,
    who: &Authenticated,
    student: i64,
) -> Result<Vec<(i64, String)>> {
    let allowed = match who.account.kind {
        AccountKind::Student => who.account.person_id == student,
        AccountKind::Parent => may_see_student(app, who, student).await?,
        _ => false,
    };
    if !allowed {
        return Err(Error::NotFound);
    }
    let mut teachers: Vec<(i64, String)> = Vec::new();
    let reads = app.store.records().await?;
    for class in reads.classes_of(who.district.id, student).await? {
        for (id, given, family) in class.teachers {
            if !teachers.iter().any(|(t, _)| *t == id) {
                teachers.push((id, super::records::full_name(&given, &family)));
            }
        }
    }
    Ok(teachers)
}

/// The conversations this account may see, latest first.
pub async fn list(app: &App, who: &Authenticated) -> Result<Vec<ConversationSummary>> {
    side_of(who)?;
    let district = &who.district;
    let today = today(app, district);
    let records = app
        .store
        .conversations(district.id, reader(who), &today, LIST_LIMIT)
        .await?;
    Ok(records
        .iter()
        .map(|c| summary(Some(who), district, c))
        .collect())
}

/// Conversations with something unread, for the menu's count.
pub async fn unread(app: &App, who: &Authenticated) -> Result<i64> {
    if side_of(who).is_err() {
        return Ok(0);
    }
    if let Some(n) = who.conversations_unread {
        return Ok(n);
    }
    let district = &who.district;
    Ok(app
        .store
        .unread_conversations(district.id, reader(who), &today(app, district), LIST_LIMIT)
        .await?)
}

fn message_view(
    who: Option<&Authenticated>,
    district: &District,
    m: &WrittenMessage,
    others_read: &[(AccountId, String, i64)],
    now: i64,
) -> MessageView {
    let mine = who.is_some_and(|w| w.account.id == m.author);
    let retracted = m.retracted_at.is_some();
    MessageView {
        id: m.id,
        author: m.author_name.clone(),
        mine,
        // The district (no `who`) reads what was retracted too.
        body: (!retracted || who.is_none()).then(|| m.body.clone()),
        retracted,
        at: m.created_at,
        when: when(district, m.created_at),
        read_by: if mine {
            others_read
                .iter()
                .filter(|(account, _, through)| *account != m.author && *through >= m.id)
                .map(|(_, name, _)| name.clone())
                .collect()
        } else {
            Vec::new()
        },
        can_retract: mine && !retracted && m.created_at + RETRACT_SECONDS > now,
    }
}

async fn view(
    app: &App,
    who: Option<&Authenticated>,
    district: &District,
    conversation: &ConversationRecord,
    after: i64,
) -> Result<ConversationView> {
    let messages = app
        .store
        .messages(district.id, conversation.id, after, PAGE + 1)
        .await?;
    let more = messages.len() > PAGE as usize;
    let messages = &messages[..messages.len().min(PAGE as usize)];
    let marks: Vec<(AccountId, String, i64)> = app
        .store
        .read_marks(district.id, conversation.id)
        .await?
        .into_iter()
        .map(|m| (m.account, m.name, m.read_through))
        .collect();
    let now = app.clock.unix();
    let teacher = app
        .store
        .active_account_of(district.id, conversation.teacher_id, AccountKind::Teacher)
        .await?;
    let hours = match teacher {
        Some((account, _)) => office_hours_of(app, district, account).await?,
        None => None,
    };
    let can_write = match who {
        Some(w) if w.account.kind == AccountKind::Teacher => true,
        Some(w) => teacher.is_some() && family_may_write(w, Some(conversation)).is_ok(),
        None => false,
    };
    let expect_answer = match who {
        Some(w) if w.account.kind.is_family() => {
            expect_answer(app, district, conversation.teacher_id).await?
        }
        _ => None,
    };
    Ok(ConversationView {
        expect_answer,
        summary: summary(who, district, conversation),
        messages: messages
            .iter()
            .map(|m| message_view(who, district, m, &marks, now))
            .collect(),
        next_after: more.then(|| messages.last().map(|m| m.id)).flatten(),
        can_write,
        office_hours: hours.as_ref().map(hours_words),
    })
}

/// A conversation and a page of its messages (after message `after`), oldest first.
pub async fn show(
    app: &App,
    who: &Authenticated,
    id: i64,
    after: Option<i64>,
) -> Result<ConversationView> {
    let conversation = visible(app, who, id).await?;
    view(
        app,
        Some(who),
        &who.district,
        &conversation,
        after.unwrap_or(0),
    )
    .await
}

/// Records that the account has read the conversation to its latest message.
pub async fn mark_read(app: &App, who: &Authenticated, id: i64) -> Result<()> {
    let conversation = visible(app, who, id).await?;
    let district = who.district.id;
    let Some(latest) = app.store.latest_message(district, conversation.id).await? else {
        return Ok(());
    };
    let mut tx = app.store.begin().await?;
    tx.read_through(district, conversation.id, who.account.id, latest)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a message to a conversation this account may see and write in.
pub async fn reply(
    app: &App,
    who: &Authenticated,
    id: i64,
    writing: Writing<'_>,
    client: &Client,
) -> Result<Sent> {
    let conversation = visible(app, who, id).await?;
    let (body, urgent) = writing.checked(who)?;
    let district = &who.district;
    if side_of(who)? == Side::Family {
        family_may_write(who, Some(&conversation))?;
        teacher_account(app, district, conversation.teacher_id).await?;
    }
    within_rate(app, who, 1).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let message = tx
        .insert_conversation_message(
            district.id,
            conversation.id,
            who.account.id,
            body.as_str(),
            urgent,
            now,
        )
        .await?;
    enqueue_notice(&mut tx, district, message, urgent, now).await?;
    tx.audit(
        account_entry(
            who,
            "conversation.written",
            Some(format!("conversation {id}")),
            client,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    let updated = app
        .store
        .conversation(district.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let expect_answer = if who.account.kind.is_family() {
        expect_answer(app, district, conversation.teacher_id).await?
    } else {
        None
    };
    Ok(Sent {
        conversations: vec![summary(Some(who), district, &updated)],
        expect_answer,
    })
}

/// Retracts the account's own message, within [`RETRACT_SECONDS`] of writing it.
pub async fn retract(
    app: &App,
    who: &Authenticated,
    id: i64,
    message: i64,
    client: &Client,
) -> Result<()> {
    let conversation = visible(app, who, id).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let done = tx
        .retract_message(
            who.district.id,
            conversation.id,
            message,
            who.account.id,
            now - RETRACT_SECONDS,
            now,
        )
        .await?;
    if !done {
        return Err(Error::Conflict(Invalid::worded(
            "only your own message, within 5 minutes of writing it, can be retracted",
            "conversation-retract-late",
            vec![],
        )));
    }
    tx.audit(
        account_entry(
            who,
            "conversation.retracted",
            Some(format!("conversation {id}, message {message}")),
            client,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The teacher pauses (or resumes) the family's side of a conversation. The district sees it.
pub async fn set_blocked(
    app: &App,
    who: &Authenticated,
    id: i64,
    blocked: bool,
    client: &Client,
) -> Result<()> {
    let conversation = visible(app, who, id).await?;
    if who.account.kind != AccountKind::Teacher {
        return Err(Error::NotFound);
    }
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_conversation_block(
        who.district.id,
        conversation.id,
        blocked.then_some(who.account.id),
        now,
    )
    .await?;
    let action = if blocked {
        "conversation.blocked"
    } else {
        "conversation.unblocked"
    };
    tx.audit(
        account_entry(who, action, Some(format!("conversation {id}")), client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A teacher's office hours, as the settings form shows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct OfficeHoursForm {
    /// Weekdays, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
}

pub async fn office_hours(app: &App, who: &Authenticated) -> Result<Option<OfficeHoursForm>> {
    super::teachers::teacher(who)?;
    Ok(office_hours_of(app, &who.district, who.account.id)
        .await?
        .map(|hours| OfficeHoursForm {
            days: hours.day_numbers(),
            start: hours.start.to_string(),
            end: hours.end.to_string(),
        }))
}

/// Sets the teacher's office hours (`None` clears them).
pub async fn set_office_hours(
    app: &App,
    who: &Authenticated,
    form: Option<&OfficeHoursForm>,
    client: &Client,
) -> Result<()> {
    super::teachers::teacher(who)?;
    let hours = form
        .map(|f| OfficeHours::parse(&f.days, &f.start, &f.end))
        .transpose()?;
    let record = hours.as_ref().map(|h| OfficeHoursRecord {
        weekdays: h.day_numbers(),
        start: h.start.to_string(),
        end: h.end.to_string(),
    });
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    tx.set_office_hours(who.district.id, who.account.id, record.as_ref(), now)
        .await?;
    let detail = hours.as_ref().map(hours_words);
    tx.audit(
        account_entry(who, "office_hours.changed", detail, client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The district's view

/// Every conversation of the district, latest first (staff).
pub async fn district_list(app: &App, staff: &Staff) -> Result<Vec<ConversationSummary>> {
    let district = staff.district();
    let today = today(app, district);
    let records = app
        .store
        .conversations(district.id, Reader::District, &today, LIST_LIMIT)
        .await?;
    Ok(records.iter().map(|c| summary(None, district, c)).collect())
}

/// One conversation as the district sees it, retracted text included. Audited.
pub async fn district_show(
    app: &App,
    staff: &Staff,
    id: i64,
    after: Option<i64>,
) -> Result<ConversationView> {
    let district = staff.district();
    let conversation = app
        .store
        .conversation(district.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let actor = staff.actor();
    let mut tx = app.store.begin().await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: "conversation.read_by_staff",
            target: Some(&conversation.student_name),
            detail: Some(format!(
                "conversation {id}: {} and the family of {}",
                conversation.teacher_name, conversation.student_name
            )),
            ..Default::default()
        },
        app.clock.unix(),
    )
    .await?;
    tx.commit().await?;
    view(app, None, district, &conversation, after.unwrap_or(0)).await
}

// ---------------------------------------------------------------------------------------------
// Notifications

#[derive(Deserialize)]
struct MessageJob {
    message: i64,
    #[serde(default)]
    urgent: bool,
}

fn message_job(payload: &str) -> Result<MessageJob> {
    serde_json::from_str(payload).map_err(|e| Error::internal(format!("job payload: {e}")))
}

/// When a new message's pushes go: at once if it is urgent or outside quiet hours, else when
/// quiet hours end in the district.
pub fn push_at(app: &App, district: &District, payload: &str) -> Result<i64> {
    let now = app.clock.unix();
    if message_job(payload)?.urgent {
        return Ok(now);
    }
    Ok(super::notifications::quiet_hours_end(app.clock.now(), district).unwrap_or(now))
}

/// The notifications a new message makes: one for each account on the other side, in its own
/// language. Pushes among them wait out quiet hours (see `notifications::fan_out`).
pub async fn message_notes(
    app: &App,
    district: &District,
    payload: &str,
) -> Result<Vec<NewNotification<'static>>> {
    let MessageJob { message, .. } = message_job(payload)?;
    let Some((conversation, record)) = app.store.conversation_message(district.id, message).await?
    else {
        return Ok(Vec::new());
    };
    if record.retracted_at.is_some() {
        return Ok(Vec::new());
    }
    let Some(conversation) = app.store.conversation(district.id, conversation).await? else {
        return Ok(Vec::new());
    };
    let from_teacher = record.author_kind == AccountKind::Teacher.as_str();
    let recipients: Vec<(AccountId, Lang)> = if from_teacher {
        match conversation.audience {
            ConversationAudience::Family => {
                app.store
                    .guardians_of(district.id, conversation.student_id)
                    .await?
            }
            ConversationAudience::Student => app
                .store
                .active_account_of(district.id, conversation.student_id, AccountKind::Student)
                .await?
                .into_iter()
                .collect(),
        }
    } else {
        app.store
            .active_account_of(district.id, conversation.teacher_id, AccountKind::Teacher)
            .await?
            .into_iter()
            .collect()
    };
    let preview: String = record.body.chars().take(200).collect();
    Ok(recipients
        .into_iter()
        .filter(|(account, _)| *account != record.author)
        .map(|(account, lang)| {
            let title = i18n::sync_scope(lang, || {
                i18n::ta(
                    "notice-conversation-title",
                    &[
                        ("name", record.author_name.clone()),
                        ("student", conversation.student_name.clone()),
                    ],
                )
            });
            NewNotification {
                account,
                event: "message",
                title,
                body: preview.clone(),
                digest: false,
            }
        })
        .collect())
}
