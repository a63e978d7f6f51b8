//! Absence requests: a parent reports that a child will miss school, the attendance office
//! approves or declines in a queue, and the SIS gets the approved days back as a CSV. Every
//! step is authorized here, written to the audit log, and told to whoever it concerns: the
//! office in a digest per school, the family when the office decides.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Staff;
use super::auth::{Authenticated, Client};
use super::records::{self, StudentSummary};
use super::{Error, Result, tools};
use crate::app::App;
use crate::domain::{
    AbsenceAsk, AbsenceDecision, AbsencePart, AbsenceReason, AbsenceState, AbsenceWindow,
    AccountKind, ClockTime, District, Invalid, Lang, Tool, ToolRules, absence_text, parse_date,
};
use crate::i18n;
use crate::store::{AbsenceRecord, AuditEntry, Dates, NewAbsence, NewJob, QueueFilter};

/// The job that tells a family what the office decided.
pub const DECISION_JOB: &str = "notify.absence";
/// The office's digest of new requests at one school.
pub const OFFICE_MAIL: &str = "mail.absence_office";
/// New requests wait this long for others to join them in the office's digest.
const OFFICE_DIGEST_SECONDS: i64 = 10 * 60;

/// A request as families and the office see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AbsenceRequestView {
    pub id: i64,
    /// The student's id.
    pub student: i64,
    #[schema(example = "Ava Alvarez")]
    pub student_name: String,
    pub school: Option<String>,
    /// `submitted`, `approved`, `declined` or `withdrawn`.
    #[schema(example = "submitted")]
    pub state: String,
    #[schema(example = "2025-10-07")]
    pub from: String,
    #[schema(example = "2025-10-08")]
    pub to: String,
    /// The school days the request covers.
    pub days: Vec<String>,
    /// Days off within the range, which the request does not cover (in the answer to a new
    /// request).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedDay>,
    /// `whole_day`, `arrive_late` or `leave_early`.
    pub part: String,
    /// `HH:MM`, when arriving late or leaving early.
    pub time: Option<String>,
    /// `illness`, `appointment`, `family`, `religious` or `other`.
    pub reason: String,
    pub comment: Option<String>,
    /// The office's note with its decision.
    pub note: Option<String>,
    /// The guardian who asked.
    pub asked_by: String,
    /// Unix seconds.
    pub submitted_at: i64,
    /// Unix seconds, once decided or withdrawn.
    pub decided_at: Option<i64>,
    /// Who decided (for staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// A day off within a request's range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkippedDay {
    pub date: String,
    pub why: String,
}

impl AbsenceRequestView {
    fn of(record: AbsenceRecord, staff: bool) -> Self {
        Self {
            id: record.id,
            student: record.student_id,
            student_name: format!(
                "{} {}",
                record.student_given_name, record.student_family_name
            ),
            school: record.school_name,
            state: record.state,
            from: record.from,
            to: record.to,
            days: record.days,
            skipped: Vec::new(),
            part: record.part,
            time: record.time,
            reason: record.reason,
            comment: record.comment,
            note: record.note,
            asked_by: record.asked_by,
            submitted_at: record.created_at,
            decided_at: record.decided_at,
            decided_by: if staff { record.decided_by } else { None },
        }
    }

    pub fn is_submitted(&self) -> bool {
        self.state == AbsenceState::Submitted.as_str()
    }
}

/// A child's requests, and the days a new one may cover.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StudentAbsences {
    #[serde(skip)]
    pub student: Option<StudentSummary>,
    /// Newest first.
    pub requests: Vec<AbsenceRequestView>,
    /// The first day a new request may cover (today until the cut-off, then tomorrow).
    pub first_day: String,
    /// The last day a new request may cover.
    pub last_day: String,
    /// The time, in the district's zone, after which today can no longer be asked for.
    #[schema(example = "09:30")]
    pub cutoff: String,
}

/// What a parent asks for, as typed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AbsenceForm {
    #[schema(example = "2025-10-07")]
    pub from: String,
    #[schema(example = "2025-10-08")]
    pub to: String,
    #[schema(example = "whole_day")]
    pub part: String,
    #[serde(default)]
    pub time: Option<String>,
    #[schema(example = "illness")]
    pub reason: String,
    #[serde(default)]
    pub comment: Option<String>,
}

impl AbsenceForm {
    fn parse(&self) -> Result<AbsenceAsk> {
        let date = |field: &'static str, raw: &str| parse_date(field, raw).map_err(|e| e.on(field));
        let from = date("from", &self.from)?;
        // A blank last day is the first: a one-day request.
        let to = match self.to.trim() {
            "" => from,
            raw => date("to", raw)?,
        };
        Ok(AbsenceAsk {
            from,
            to,
            part: AbsencePart::parse(&self.part)?,
            time: self
                .time
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| ClockTime::parse("time", t))
                .transpose()?,
            reason: AbsenceReason::parse(&self.reason)?,
            comment: absence_text("comment", self.comment.as_deref())?,
        })
    }
}

/// The district's date and time now, and its rules for requests.
fn window(app: &App, district: &District) -> AbsenceWindow {
    let today = tools::today(app, district);
    let now = app
        .clock
        .now()
        .in_tz(district.settings.timezone.as_str())
        .map(|z| ClockTime::of(z.time()))
        .unwrap_or_else(|_| ClockTime::of(jiff::civil::Time::midnight()));
    AbsenceWindow {
        today,
        now,
        cutoff: district.settings.absence_cutoff,
        days_ahead: district.settings.absence_days_ahead,
    }
}

/// Opens the child for the tool: a parent who may see them, with the tool on for their
/// school. Anyone else meets a student who does not exist.
async fn open(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<records::Opened> {
    if who.account.kind != AccountKind::Parent {
        return Err(Error::NotFound);
    }
    records::open(app, who, student, Tool::AbsenceRequests, client).await
}

/// The child's requests, newest first; the two guardians of a child see each other's.
pub async fn list(
    app: &App,
    who: &Authenticated,
    student: i64,
    client: &Client,
) -> Result<StudentAbsences> {
    let opened = open(app, who, student, client).await?;
    let requests = app
        .store
        .absence_requests_of(who.district.id, opened.record.id)
        .await?;
    let window = window(app, &who.district);
    Ok(StudentAbsences {
        student: Some(opened.student),
        requests: requests
            .into_iter()
            .map(|r| AbsenceRequestView::of(r, false))
            .collect(),
        first_day: window.first_day().to_string(),
        last_day: window.last_day().to_string(),
        cutoff: window.cutoff.to_string(),
    })
}

fn already_asked(days: &[String]) -> Error {
    Error::Invalid(
        Invalid::worded(
            format!(
                "a request for {} is open already; withdraw it first to change it",
                days.join(", ")
            ),
            "absence-error-duplicate",
            vec![("days", days.join(", "))],
        )
        .on("from"),
    )
}

/// A parent asks for a child's absence. Answers the request as written, with the days off it
/// skipped. Audited; the office hears of it in its next digest.
pub async fn submit(
    app: &App,
    who: &Authenticated,
    student: i64,
    form: &AbsenceForm,
    client: &Client,
) -> Result<AbsenceRequestView> {
    let opened = open(app, who, student, client).await?;
    let ask = form.parse()?;
    let district = &who.district;
    let no_school: BTreeMap<Date, String> = opened
        .reads
        .no_school_days(
            district.id,
            opened.record.school_id,
            &Dates {
                from: Some(ask.from.to_string()),
                before: ask.to.tomorrow().ok().map(|d| d.to_string()),
            },
        )
        .await?
        .into_iter()
        .filter_map(|d| Some((d.date.parse().ok()?, d.description)))
        .collect();
    let planned = ask.plan(&window(app, district), &no_school)?;
    let days: Vec<String> = planned.days.iter().map(Date::to_string).collect();
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let held = tx
        .held_absence_days(district.id, opened.record.id, &days)
        .await?;
    if !held.is_empty() {
        return Err(already_asked(&held));
    }
    let new = NewAbsence {
        student: opened.record.id,
        account: who.account.id,
        from: ask.from.to_string(),
        to: ask.to.to_string(),
        days: &days,
        part: ask.part.as_str(),
        time: ask.time.map(|t| t.to_string()),
        reason: ask.reason.as_str(),
        comment: ask.comment.clone(),
    };
    let id = match tx.insert_absence(district.id, &new, now).await {
        Ok(id) => id,
        // Another request for these days was written between the check and the insert.
        Err(crate::store::StoreError::Conflict { .. }) => return Err(already_asked(&days)),
        Err(err) => return Err(err.into()),
    };
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: "account",
            account: Some(who.account.id),
            action: "absence.requested",
            target: Some(&opened.record.sourced_id),
            detail: Some(format!(
                "id={id} days={} part={} reason={}",
                days.join(","),
                ask.part,
                ask.reason
            )),
            address: Some(&client.address),
            user_agent: client.user_agent.as_deref(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let record = app
        .store
        .absence_request(district.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut view = AbsenceRequestView::of(record, false);
    view.skipped = planned
        .skipped
        .into_iter()
        .map(|(date, why)| SkippedDay {
            date: date.to_string(),
            why,
        })
        .collect();
    Ok(view)
}

fn no_longer_submitted(state: &str) -> Error {
    Error::Conflict(Invalid::worded(
        format!("this request is {state} already"),
        "absence-error-settled",
        vec![("state", state.to_owned())],
    ))
}

/// A parent withdraws a request that is still submitted. Audited.
pub async fn withdraw(
    app: &App,
    who: &Authenticated,
    student: i64,
    request: i64,
    client: &Client,
) -> Result<AbsenceRequestView> {
    let opened = open(app, who, student, client).await?;
    let district = &who.district;
    let found = app
        .store
        .absence_request(district.id, request)
        .await?
        .filter(|r| r.student_id == opened.record.id)
        .ok_or(Error::NotFound)?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let withdrawn = Settlement {
        state: AbsenceState::Withdrawn,
        note: None,
        by: None,
    };
    settle(app, &mut tx, district, found.id, &withdrawn, now).await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: "account",
            account: Some(who.account.id),
            action: "absence.withdrawn",
            target: Some(&opened.record.sourced_id),
            detail: Some(format!("id={}", found.id)),
            address: Some(&client.address),
            user_agent: client.user_agent.as_deref(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    fetch(app, district, found.id, false).await
}

/// Where a submitted request goes, with the office's note and who decided.
struct Settlement<'a> {
    state: AbsenceState,
    note: Option<String>,
    by: Option<&'a str>,
}

/// Settles a request that is still submitted, in `tx`; one that is not any more (a parent
/// withdrew it, or other staff decided it first) is a `Conflict` that says where it stands.
async fn settle(
    app: &App,
    tx: &mut crate::store::Tx,
    district: &District,
    id: i64,
    settlement: &Settlement<'_>,
    now: i64,
) -> Result<()> {
    let moved = tx
        .settle_absence(
            district.id,
            id,
            settlement.state.as_str(),
            settlement.note.clone(),
            settlement.by,
            now,
        )
        .await?;
    if moved {
        return Ok(());
    }
    let state = app
        .store
        .absence_request(district.id, id)
        .await?
        .map(|r| r.state)
        .unwrap_or_default();
    Err(no_longer_submitted(&state))
}

async fn fetch(app: &App, district: &District, id: i64, staff: bool) -> Result<AbsenceRequestView> {
    let record = app
        .store
        .absence_request(district.id, id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(AbsenceRequestView::of(record, staff))
}

/// What the office's queue shows.
#[derive(Debug, Clone, Default)]
pub struct QueueAsk<'a> {
    /// `submitted` (the default), `approved`, `declined`, `withdrawn` or `all`.
    pub state: Option<&'a str>,
    /// Requests that cover this day.
    pub date: Option<&'a str>,
}

/// The office's queue: today's and upcoming requests, by school, oldest first. Reading it is
/// audited (it names children and why they are away).
pub async fn queue(
    app: &App,
    staff: &Staff,
    ask: &QueueAsk<'_>,
) -> Result<Vec<AbsenceRequestView>> {
    let district = staff.district();
    let state = match ask.state.map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(AbsenceState::Submitted),
        Some("all") => None,
        Some(raw) => Some(AbsenceState::parse(raw)?),
    };
    let date = ask
        .date
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| parse_date("date", d).map_err(|e| e.on("date")))
        .transpose()?;
    let today = tools::today(app, district);
    let filter = QueueFilter {
        state: state.map(|s| s.as_str().to_owned()),
        date: date.map(|d| d.to_string()),
        ending_from: date.is_none().then(|| today.to_string()),
    };
    let found = app.store.absence_queue(district.id, &filter).await?;
    let actor = staff.actor();
    app.store
        .audit(
            AuditEntry {
                district: Some(district.id),
                actor: actor.name,
                account: actor.account,
                action: "absence.queue_read",
                detail: Some(format!(
                    "state={} date={} shown={}",
                    state.map_or("all", AbsenceState::as_str),
                    date.map(|d| d.to_string()).unwrap_or_default(),
                    found.len()
                )),
                ..Default::default()
            },
            app.clock.unix(),
        )
        .await?;
    Ok(found
        .into_iter()
        .map(|r| AbsenceRequestView::of(r, true))
        .collect())
}

/// How many requests wait for the office (the console's badge).
pub async fn waiting(app: &App, staff: &Staff) -> Result<i64> {
    let district = staff.district();
    let today = tools::today(app, district);
    Ok(app
        .store
        .absences_waiting(district.id, &today.to_string())
        .await?)
}

/// The office approves or declines a submitted request; of two at once, the first wins and the
/// second is told (`Conflict`). Audited; the family is told through the job queue.
pub async fn decide(
    app: &App,
    staff: &Staff,
    request: i64,
    decision: &str,
    note: Option<&str>,
) -> Result<AbsenceRequestView> {
    let district = staff.district();
    let decision = AbsenceDecision::parse(decision)?;
    let note = absence_text("note", note)?;
    let found = app
        .store
        .absence_request(district.id, request)
        .await?
        .ok_or(Error::NotFound)?;
    let actor = staff.actor();
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let decided = Settlement {
        state: decision.state(),
        note,
        by: Some(actor.name),
    };
    settle(app, &mut tx, district, found.id, &decided, now).await?;
    tx.audit(
        AuditEntry {
            district: Some(district.id),
            actor: actor.name,
            account: actor.account,
            action: match decision {
                AbsenceDecision::Approved => "absence.approved",
                AbsenceDecision::Declined => "absence.declined",
            },
            target: Some(&found.student_sourced_id),
            detail: Some(format!("id={}", found.id)),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx.enqueue(
        &NewJob {
            district: district.id,
            kind: DECISION_JOB,
            payload: format!("{{\"request\":{}}}", found.id),
            idempotency_key: format!("absence-decision:{}", found.id),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    fetch(app, district, found.id, true).await
}

/// Several decisions at once (the console's bulk approve or decline): each one on its own, so
/// that one already settled does not hold back the rest. Answers how many were decided and the
/// ids that were not.
pub async fn decide_many(
    app: &App,
    staff: &Staff,
    requests: &[i64],
    decision: &str,
    note: Option<&str>,
) -> Result<(usize, Vec<i64>)> {
    AbsenceDecision::parse(decision)?;
    absence_text("note", note)?;
    let mut done = 0;
    let mut refused = Vec::new();
    for id in requests {
        match decide(app, staff, *id, decision, note).await {
            Ok(_) => done += 1,
            Err(Error::Conflict(_) | Error::NotFound) => refused.push(*id),
            Err(err) => return Err(err),
        }
    }
    Ok((done, refused))
}

// ---------------------------------------------------------------------------------------------
// A child's attendance: the days the office approved, until the SIS's own record arrives

/// A day the family reported and the office approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyDay {
    pub date: String,
    /// `absent` or `tardy`, as attendance counts it.
    pub status: &'static str,
}

/// The days of the child's approved requests from `from` on, that the district's own records
/// do not cover yet (`recorded` holds the dates they do). Districts that never offered the
/// tool pay nothing.
pub async fn family_days(
    app: &App,
    district: &District,
    rules: &ToolRules,
    student: i64,
    from: &str,
    recorded: &[&str],
) -> Result<Vec<FamilyDay>> {
    if !rules
        .settings
        .iter()
        .any(|s| s.tool == Tool::AbsenceRequests)
    {
        return Ok(Vec::new());
    }
    let days = app
        .store
        .approved_absence_days(district.id, Some(student), from, None)
        .await?;
    Ok(days
        .into_iter()
        .filter(|d| !recorded.contains(&d.date.as_str()))
        .map(|d| FamilyDay {
            status: status_of(&d.part),
            date: d.date,
        })
        .collect())
}

/// How attendance counts a part of the day: arriving late is a tardy; a whole day or leaving
/// early is an absence.
fn status_of(part: &str) -> &'static str {
    if part == AbsencePart::ArriveLate.as_str() {
        "tardy"
    } else {
        "absent"
    }
}

// ---------------------------------------------------------------------------------------------
// Back to the SIS

/// The approved days decided since `since`, as Homeroom's attendance.csv has them, for the
/// district to load into its SIS. Audited.
pub async fn export(app: &App, staff: &Staff, since: &str) -> Result<(String, usize)> {
    let district = staff.district();
    let since = parse_date("since", since).map_err(|e| e.on("since"))?;
    let start = since
        .in_tz(district.settings.timezone.as_str())
        .map_err(|e| Error::internal(e.to_string()))?
        .timestamp()
        .as_second();
    let days = app
        .store
        .approved_absence_days(district.id, None, "", Some(start))
        .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::internal(e.to_string());
    out.write_record(super::generator::ATTENDANCE)
        .map_err(csv_error)?;
    for day in &days {
        let modified = day
            .decided_at
            .and_then(|at| jiff::Timestamp::from_second(at).ok())
            .map(|at| at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        out.write_record([
            format!("absence-request-{}-{}", day.request, day.date).as_str(),
            "active",
            modified.as_str(),
            day.student_sourced_id.as_str(),
            "",
            day.date.as_str(),
            status_of(&day.part),
            "true",
        ])
        .map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::internal(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| Error::internal(e.to_string()))?;
    let actor = staff.actor();
    app.store
        .audit(
            AuditEntry {
                district: Some(district.id),
                actor: actor.name,
                account: actor.account,
                action: "absence.exported",
                detail: Some(format!("since={since} days={}", days.len())),
                ..Default::default()
            },
            app.clock.unix(),
        )
        .await?;
    Ok((text, days.len()))
}

// ---------------------------------------------------------------------------------------------
// Telling the office and the family

#[derive(Debug, Serialize, Deserialize)]
struct DecisionJob {
    request: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct OfficeJob {
    school: Option<i64>,
    requests: Vec<i64>,
}

/// The words of a decision, in the reader's language.
pub fn decision_words(lang: Lang, record: &AbsenceRecord) -> (String, String) {
    i18n::sync_scope(lang, || {
        let days = days_words(&record.days);
        let args = [
            ("name", record.student_given_name.clone()),
            ("days", days),
            ("state", record.state.clone()),
        ];
        let title = i18n::ta("absence-notice-title", &args);
        let mut body = i18n::ta("absence-notice-body", &args);
        if let Some(note) = &record.note {
            body.push('\n');
            body.push_str(&i18n::ta("absence-notice-note", &[("note", note.clone())]));
        }
        (title, body)
    })
}

fn days_words(days: &[String]) -> String {
    match (days.first(), days.last()) {
        (Some(first), Some(last)) if first != last => format!("{first} – {last}"),
        (Some(first), _) => first.clone(),
        _ => String::new(),
    }
}

/// The family's notifications of a decision: one for each guardian who may see the child.
pub async fn decision_notes(
    app: &App,
    district: &District,
    payload: &str,
) -> Result<Vec<crate::store::NewNotification<'static>>> {
    let DecisionJob { request } =
        serde_json::from_str(payload).map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let Some(record) = app.store.absence_request(district.id, request).await? else {
        return Ok(Vec::new());
    };
    let guardians = app
        .store
        .guardians_of(district.id, record.student_id)
        .await?;
    Ok(guardians
        .into_iter()
        .map(|(account, lang)| {
            let (title, body) = decision_words(lang, &record);
            crate::store::NewNotification {
                account,
                event: "attendance",
                title,
                body,
                digest: false,
            }
        })
        .collect())
}

/// Queues the office's digests: for each district with an office address, the requests no
/// digest has named yet, once the oldest has waited ten minutes for others to join it, in one
/// mail per school. Safe to run from several workers at once (each request is taken once).
pub async fn queue_office_digests(app: &App) -> Result<usize> {
    let mut queued = 0;
    let now = app.clock.unix();
    for id in app.store.districts_with_unmailed_absences().await? {
        let Some(district) = app.store.district_by_id(id).await? else {
            continue;
        };
        let mut tx = app.store.begin().await?;
        if district.settings.absence_office_email.is_some()
            && !tx
                .unmailed_absences_waited(district.id, now - OFFICE_DIGEST_SECONDS)
                .await?
        {
            continue;
        }
        let taken = tx.take_unmailed_absences(district.id).await?;
        if district.settings.absence_office_email.is_some() {
            let mut by_school: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
            for (request, school) in taken {
                by_school.entry(school).or_default().push(request);
            }
            for (school, requests) in by_school {
                let key = format!(
                    "absence-office:{}:{}",
                    school.unwrap_or(0),
                    requests.first().copied().unwrap_or(0)
                );
                let payload = serde_json::to_string(&OfficeJob { school, requests })
                    .map_err(|e| Error::internal(e.to_string()))?;
                tx.enqueue(
                    &NewJob {
                        district: district.id,
                        kind: OFFICE_MAIL,
                        payload,
                        idempotency_key: key,
                    },
                    now,
                )
                .await?;
                queued += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(queued)
}

/// Builds the office's digest mail for one school.
pub async fn office_mail(
    app: &App,
    job: &crate::store::JobRecord,
) -> Result<Option<super::mail::Mail>> {
    let OfficeJob {
        school: _,
        requests,
    } = serde_json::from_str(&job.payload)
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let Some(district) = app.store.district_by_id(job.district).await? else {
        return Ok(None);
    };
    let Some(to) = district.settings.absence_office_email.clone() else {
        return Ok(None);
    };
    let mut lines = Vec::new();
    let mut school_name = None;
    // A request withdrawn or decided since it was taken needs nobody's attention.
    for id in requests {
        let found = app.store.absence_request(district.id, id).await?;
        if let Some(r) = found.filter(|r| r.state == AbsenceState::Submitted.as_str()) {
            school_name = school_name.or(r.school_name.clone());
            let time = r
                .time
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default();
            lines.push(format!(
                "- {} {} ({}): {}, {}{}, {}{}",
                r.student_given_name,
                r.student_family_name,
                r.student_sourced_id,
                days_words(&r.days),
                r.part,
                time,
                r.reason,
                r.comment
                    .as_deref()
                    .map(|c| format!(": \"{}\"", c.replace('\n', " ")))
                    .unwrap_or_default()
            ));
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let base = app.config.public_url.as_str().trim_end_matches('/');
    let link = format!("{base}/d/{}/admin/absences", district.slug);
    let school = school_name.unwrap_or_else(|| district.name.to_string());
    let title = i18n::sync_scope(Lang::En, || {
        i18n::ta(
            "absence-office-title",
            &[
                ("count", lines.len().to_string()),
                ("school", school.clone()),
            ],
        )
    });
    let body = lines.join("\n");
    let (text, html) =
        super::notifications::render_plain_mail(&title, &body, &link, district.name.as_str())?;
    Ok(Some(super::mail::Mail {
        from_name: district.name.to_string(),
        to: to.as_str().to_owned(),
        subject: title,
        text,
        html,
        idempotency_key: job.idempotency_key.clone(),
    }))
}

/// Runs the office's digest mail.
pub async fn run(app: &App, job: &crate::store::JobRecord) -> crate::domain::JobOutcome {
    super::mail::send_built(app, office_mail(app, job).await).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state: &str, days: &[&str], note: Option<&str>) -> AbsenceRecord {
        AbsenceRecord {
            id: 1,
            student_id: 2,
            student_sourced_id: "st1".into(),
            student_given_name: "Ava".into(),
            student_family_name: "Alvarez".into(),
            school_id: None,
            school_name: None,
            asked_by: "Maria Alvarez".into(),
            from: days[0].into(),
            to: days[days.len() - 1].into(),
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            part: "whole_day".into(),
            time: None,
            reason: "illness".into(),
            comment: None,
            state: state.into(),
            note: note.map(str::to_owned),
            decided_by: Some("staffer".into()),
            decided_at: Some(0),
            created_at: 0,
        }
    }

    #[test]
    fn a_decision_is_told_in_the_readers_language() {
        let approved = record("approved", &["2025-10-07"], Some("Feel better"));
        let (title, body) = decision_words(Lang::En, &approved);
        assert_eq!(title, "Ava's absence request was approved");
        assert_eq!(
            body,
            "Ava's absence on 2025-10-07 was approved: the school counts it as excused.\n\
             Note from the office: Feel better"
        );
        let declined = record("declined", &["2025-10-07", "2025-10-08"], None);
        let (title, body) = decision_words(Lang::Es, &declined);
        assert_eq!(title, "La solicitud de ausencia de Ava fue rechazada");
        assert!(body.starts_with("La ausencia de Ava el 2025-10-07 – 2025-10-08 fue rechazada."));
    }

    #[test]
    fn arriving_late_counts_as_a_tardy_and_the_rest_as_absences() {
        assert_eq!(status_of("arrive_late"), "tardy");
        assert_eq!(status_of("leave_early"), "absent");
        assert_eq!(status_of("whole_day"), "absent");
    }
}
