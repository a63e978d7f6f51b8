//! Absence requests in the browser: the parent's **Absence Request** tool (the form and the
//! child's requests), and the staff console's queue. Thin adapters over
//! `services::absences`, which authorizes and audits every step.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Ready, StaffPage};
use super::pages::{self, StudentNav};
use super::portal::account_menu;
use crate::app::App;
use jiff::civil::{Date, Weekday};

use crate::domain::{AbsencePart, AbsenceReason, Tool, record_id};
use crate::i18n;
use crate::server::error::{PageError, page_message, status_of};
use crate::server::session::ClientInfo;
use crate::services::Error;
use crate::services::absences::{self, AbsenceForm, AbsenceRequestView, QueueAsk};
use crate::services::access::Staff;
use crate::services::auth::{Authenticated, Client};

/// What the form shows after a try: the values typed, and what was wrong (field, words) or what
/// was done.
#[derive(Default)]
pub struct Outcome {
    pub form: AbsenceForm,
    pub error: Option<(String, String)>,
    /// The request just sent (the page the form leads to after it, by its id).
    pub sent: Option<i64>,
}

/// A choice of a select or a radio group: value, words, chosen.
pub struct Choice {
    pub value: &'static str,
    pub words: String,
    pub chosen: bool,
}

/// A request as the family's page shows it.
pub struct RequestLine {
    pub id: i64,
    pub days: String,
    pub part: String,
    pub reason: String,
    pub state: &'static str,
    pub state_words: String,
    pub comment: Option<String>,
    pub note: Option<String>,
    pub asked_by: String,
    pub submitted: bool,
}

fn part_words(part: &str, time: Option<&str>) -> String {
    let time = time.unwrap_or_default().to_owned();
    match AbsencePart::parse(part) {
        Ok(AbsencePart::ArriveLate) => i18n::t1("absence-part-arrive-late-at", "time", time),
        Ok(AbsencePart::LeaveEarly) => i18n::t1("absence-part-leave-early-at", "time", time),
        _ => i18n::t("absence-part-whole-day"),
    }
}

fn reason_words(reason: &str) -> String {
    i18n::t(&format!("absence-reason-{reason}"))
}

fn state_words(state: &str) -> String {
    i18n::t(&format!("absence-state-{state}"))
}

fn days_words(days: &[String]) -> String {
    days.join(", ")
}

/// The weekdays within a request's range that it does not cover: its days without school.
fn days_off(r: &AbsenceRequestView) -> Vec<String> {
    let (Ok(from), Ok(to)) = (r.from.parse::<Date>(), r.to.parse::<Date>()) else {
        return Vec::new();
    };
    let mut off = Vec::new();
    let mut day = from;
    while day <= to {
        let text = day.to_string();
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !r.days.contains(&text)
        {
            off.push(text);
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    off
}

fn line(r: &AbsenceRequestView) -> RequestLine {
    RequestLine {
        id: r.id,
        days: days_words(&r.days),
        part: part_words(&r.part, r.time.as_deref()),
        reason: reason_words(&r.reason),
        state: match r.state.as_str() {
            "approved" => "approved",
            "declined" => "declined",
            "withdrawn" => "withdrawn",
            _ => "submitted",
        },
        state_words: state_words(&r.state),
        comment: r.comment.clone(),
        note: r.note.clone(),
        asked_by: r.asked_by.clone(),
        submitted: r.is_submitted(),
    }
}

fn parts(chosen: &str) -> Vec<Choice> {
    AbsencePart::ALL
        .iter()
        .map(|p| Choice {
            value: p.as_str(),
            words: i18n::t(&format!("absence-part-{}", p.as_str().replace('_', "-"))),
            chosen: p.as_str() == chosen || (chosen.is_empty() && *p == AbsencePart::WholeDay),
        })
        .collect()
}

fn reasons(chosen: &str) -> Vec<Choice> {
    AbsenceReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            words: reason_words(r.as_str()),
            chosen: r.as_str() == chosen,
        })
        .collect()
}

async fn render(
    app: &App,
    who: &Authenticated,
    id: i64,
    client: &Client,
    outcome: Outcome,
) -> Result<String, Error> {
    let (menu, view) = tokio::join!(account_menu(app, who), absences::list(app, who, id, client));
    let view = view?;
    let student = view.student.clone().ok_or(Error::NotFound)?;
    let siblings = super::portal::siblings(app, who, id).await?;
    let nav = StudentNav {
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        heading: Tool::AbsenceRequests.name(),
        current: Tool::AbsenceRequests.as_str(),
        student_id: student.id,
        student_name: student.name.clone(),
        tools: &student.menu.tools,
        siblings,
    };
    let sent = outcome
        .sent
        .and_then(|sent| view.requests.iter().find(|r| r.id == sent))
        .map(|r| (days_words(&r.days), days_words(&days_off(r))));
    let field_error = |field: &str| {
        outcome
            .error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, words)| words.clone())
    };
    let form = &outcome.form;
    Ok(pages::render(&pages::AbsencesPage {
        menu,
        slug: who.district.slug.as_str(),
        nav,
        first_day: view.first_day.clone(),
        last_day: view.last_day.clone(),
        cutoff: view.cutoff.clone(),
        from: form.from.clone(),
        to: form.to.clone(),
        time: form.time.clone().unwrap_or_default(),
        comment: form.comment.clone().unwrap_or_default(),
        parts: parts(&form.part),
        reasons: reasons(&form.reason),
        error: outcome.error.as_ref().map(|(_, words)| words.clone()),
        from_error: field_error("from"),
        to_error: field_error("to"),
        part_error: field_error("part"),
        time_error: field_error("time"),
        reason_error: field_error("reason"),
        comment_error: field_error("comment"),
        sent,
        requests: view.requests.iter().map(line).collect(),
    }))
}

/// `GET /d/{slug}/students/{id}/absence_requests`.
pub async fn show(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<SentQuery>, axum::extract::rejection::QueryRejection>,
    ClientInfo(client): ClientInfo,
) -> Response {
    let Some(id) = record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    let sent = query
        .ok()
        .and_then(|Query(q)| q.sent)
        .and_then(|s| record_id(&s));
    let outcome = Outcome {
        sent,
        ..Outcome::default()
    };
    answer(&app, &who, id, &client, outcome, StatusCode::OK).await
}

/// `?sent=ID`: the request the form just sent, to confirm.
#[derive(Debug, Deserialize)]
pub struct SentQuery {
    sent: Option<String>,
}

/// The tool's page as the portal's tool route shows it.
pub async fn render_page(
    app: &App,
    who: &Authenticated,
    id: i64,
    client: &Client,
) -> Result<String, Error> {
    render(app, who, id, client, Outcome::default()).await
}

/// `POST /d/{slug}/students/{id}/absence_requests`: the form.
pub async fn submit(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
    form: Result<Form<AbsenceForm>, FormRejection>,
) -> Response {
    let Some(id) = record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    let form = match form {
        Ok(Form(form)) => form,
        Err(_) => {
            let outcome = Outcome {
                error: Some(("from".to_owned(), i18n::t("absence-fill-form"))),
                ..Outcome::default()
            };
            return answer(&app, &who, id, &client, outcome, StatusCode::BAD_REQUEST).await;
        }
    };
    match absences::submit(&app, &who, id, &form, &client).await {
        // To the page that confirms it, so that reloading it sends nothing again.
        Ok(sent) => Redirect::to(&format!(
            "/d/{}/students/{id}/absence_requests?sent={}",
            who.district.slug, sent.id
        ))
        .into_response(),
        Err(Error::Invalid(said)) => {
            let field = said.field().unwrap_or("from").to_owned();
            let words = page_message(&Error::Invalid(said));
            let outcome = Outcome {
                form,
                error: Some((field, words)),
                sent: None,
            };
            answer(&app, &who, id, &client, outcome, StatusCode::BAD_REQUEST).await
        }
        Err(err) => PageError(err).into_response(),
    }
}

async fn answer(
    app: &App,
    who: &Authenticated,
    id: i64,
    client: &Client,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    match render(app, who, id, client, outcome).await {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// `POST /d/{slug}/students/{id}/absence_requests/{rid}/withdraw`.
pub async fn withdraw(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id, request)): Path<(String, String, String)>,
    ClientInfo(client): ClientInfo,
) -> Response {
    let (Some(id), Some(request)) = (record_id(&id), record_id(&request)) else {
        return PageError(Error::NotFound).into_response();
    };
    match absences::withdraw(&app, &who, id, request, &client).await {
        Ok(_) => Redirect::to(&format!(
            "/d/{}/students/{id}/absence_requests",
            who.district.slug
        ))
        .into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// The console's queue

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    state: Option<String>,
    date: Option<String>,
}

/// A request in the office's queue.
pub struct QueueLine {
    pub id: i64,
    pub student: String,
    pub days: String,
    pub part: String,
    pub reason: String,
    pub comment: Option<String>,
    pub asked_by: String,
    pub state_words: String,
    pub note: Option<String>,
    pub submitted: bool,
}

/// The queue's requests of one school.
pub struct SchoolQueue {
    pub school: String,
    pub requests: Vec<QueueLine>,
}

async fn queue_page(
    app: &App,
    staff: &Staff,
    ask: &QueueAsk<'_>,
    done: Option<String>,
    error: Option<String>,
) -> Result<String, Error> {
    let requests = absences::queue(app, staff, ask).await?;
    let waiting = absences::waiting(app, staff).await?;
    let mut schools: Vec<SchoolQueue> = Vec::new();
    for r in &requests {
        let school = r
            .school
            .clone()
            .unwrap_or_else(|| i18n::t("absence-no-school"));
        let line = QueueLine {
            id: r.id,
            student: r.student_name.clone(),
            days: days_words(&r.days),
            part: part_words(&r.part, r.time.as_deref()),
            reason: reason_words(&r.reason),
            comment: r.comment.clone(),
            asked_by: r.asked_by.clone(),
            state_words: state_words(&r.state),
            note: r.note.clone(),
            submitted: r.is_submitted(),
        };
        match schools.last_mut() {
            Some(last) if last.school == school => last.requests.push(line),
            _ => schools.push(SchoolQueue {
                school,
                requests: vec![line],
            }),
        }
    }
    let district = staff.district();
    Ok(pages::render(&pages::AdminAbsences {
        menu: pages::AccountMenu::default(),
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        waiting,
        state: ask.state.unwrap_or("submitted").to_owned(),
        date: ask.date.unwrap_or_default().to_owned(),
        states: ["submitted", "approved", "declined", "withdrawn", "all"]
            .into_iter()
            .map(|s| Choice {
                value: s,
                words: state_words(s),
                chosen: ask.state.unwrap_or("submitted") == s,
            })
            .collect(),
        schools,
        done,
        error,
    }))
}

/// `GET /d/{slug}/admin/absences`.
pub async fn queue(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.ok().map(|Query(q)| q);
    let ask = QueueAsk {
        state: query.as_ref().and_then(|q| q.state.as_deref()),
        date: query.as_ref().and_then(|q| q.date.as_deref()),
    };
    match queue_page(&app, &staff, &ask, None, None).await {
        Ok(html) => Html(html).into_response(),
        Err(err @ Error::Invalid(_)) => {
            let words = page_message(&err);
            match queue_page(&app, &staff, &QueueAsk::default(), None, Some(words)).await {
                Ok(html) => (StatusCode::BAD_REQUEST, Html(html)).into_response(),
                Err(err) => PageError(err).into_response(),
            }
        }
        Err(err) => PageError(err).into_response(),
    }
}

/// The decision form: the ticked requests (`request=1&request=2`, the bulk buttons) or the one
/// a request's own button names, the decision, and a note.
#[derive(Debug, Default)]
struct DecisionForm {
    decision: String,
    note: Option<String>,
    requests: Vec<String>,
}

impl DecisionForm {
    /// Reads the form's fields, a request id as often as it is ticked.
    fn read(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (key, value) in url::form_urlencoded::parse(body) {
            match key.as_ref() {
                "decision" => form.decision = value.into_owned(),
                "note" => form.note = Some(value.into_owned()),
                "request" => form.requests.push(value.into_owned()),
                _ => {}
            }
        }
        form
    }
}

/// `POST /d/{slug}/admin/absences/decide`.
pub async fn decide(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    body: axum::body::Bytes,
) -> Response {
    let form = DecisionForm::read(&body);
    let ids: Vec<i64> = form.requests.iter().filter_map(|r| record_id(r)).collect();
    if ids.is_empty() {
        return queue_answer(&app, &staff, None, Some(i18n::t("absence-pick-some"))).await;
    }
    match absences::decide_many(&app, &staff, &ids, &form.decision, form.note.as_deref()).await {
        Ok((done, refused)) => {
            let mut words = i18n::t1("absence-decided", "count", done as i64);
            if !refused.is_empty() {
                words.push(' ');
                words.push_str(&i18n::t1(
                    "absence-decided-before",
                    "count",
                    refused.len() as i64,
                ));
            }
            queue_answer(&app, &staff, Some(words), None).await
        }
        Err(err @ Error::Invalid(_)) => {
            queue_answer(&app, &staff, None, Some(page_message(&err))).await
        }
        Err(err) => PageError(err).into_response(),
    }
}

async fn queue_answer(
    app: &App,
    staff: &Staff,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match queue_page(app, staff, &QueueAsk::default(), done, error).await {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => (status_of(&err), PageError(err)).into_response(),
    }
}
