//! Conversations in the browser: the list, a thread with its reply form, a new message (to a
//! teacher from a child's Schedule or Grades, to a family or a class from the Teacher portal),
//! a teacher's office hours, and the console's reading of every conversation. Thin adapters
//! over `services::conversations`, which authorizes and audits every step.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Ready, StaffPage};
use super::pages::{self, AccountMenu};
use super::portal::account_menu;
use crate::app::App;
use crate::domain::{Segment, record_id, segments};
use crate::i18n::{self, filters};
use crate::server::error::{PageError, page_message, status_of};
use crate::server::session::ClientInfo;
use crate::services::Error;
use crate::services::auth::{Authenticated, Client};
use crate::services::conversations::{
    self, ConversationSummary, ConversationView, MessageView, OfficeHoursForm, Recipients,
};

/// A message as a thread shows it: its text cut into text and links.
pub struct MessageLine {
    pub id: i64,
    pub author: String,
    pub mine: bool,
    pub retracted: bool,
    pub segments: Vec<Segment>,
    pub when: String,
    pub read_by: String,
    pub can_retract: bool,
}

fn line(m: &MessageView) -> MessageLine {
    MessageLine {
        id: m.id,
        author: m.author.clone(),
        mine: m.mine,
        retracted: m.retracted,
        segments: m.body.as_deref().map(segments).unwrap_or_default(),
        when: m.when.clone(),
        read_by: m.read_by.join(", "),
        can_retract: m.can_retract,
    }
}

#[derive(Template)]
#[template(path = "conversations.html")]
pub struct ListPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub conversations: Vec<ConversationSummary>,
    /// The console's list (links lead to its own reading of a thread).
    pub console: bool,
}

#[derive(Template)]
#[template(path = "conversation.html")]
pub struct ThreadPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    pub view: ConversationView,
    pub messages: Vec<MessageLine>,
    pub teacher: bool,
    /// The console's reading: nothing to write, the retracted text shown.
    pub console: bool,
    pub sent: bool,
    pub body: String,
    pub error: Option<String>,
    /// A teacher in a district that lets them mark a message urgent.
    pub urgent_allowed: bool,
}

#[derive(Template)]
#[template(path = "conversation_new.html")]
pub struct NewPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    /// Who it goes to, in words.
    pub to: String,
    pub student: Option<i64>,
    pub teacher: Option<i64>,
    pub class: Option<i64>,
    pub body: String,
    pub error: Option<String>,
    pub urgent_allowed: bool,
}

#[derive(Template)]
#[template(path = "office_hours.html")]
pub struct OfficeHoursPage<'a> {
    pub menu: AccountMenu,
    pub slug: &'a str,
    pub district_name: &'a str,
    /// (number, name, chosen) for each weekday.
    pub days: Vec<(u8, String, bool)>,
    pub start: String,
    pub end: String,
    pub saved: bool,
    pub error: Option<String>,
}

fn urgent_allowed(who: &Authenticated) -> bool {
    who.account.kind == crate::domain::AccountKind::Teacher && who.district.settings.urgent_messages
}

fn id_of(raw: &str) -> Result<i64, Error> {
    record_id(raw).ok_or(Error::NotFound)
}

fn fail(err: Error) -> Response {
    PageError(err).into_response()
}

pub async fn list(State(app): State<App>, Ready(who): Ready) -> Response {
    match conversations::list(&app, &who).await {
        Ok(conversations) => Html(pages::render(&ListPage {
            menu: account_menu(&app, &who).await,
            slug: who.district.slug.as_str(),
            district_name: who.district.name.as_str(),
            conversations,
            console: false,
        }))
        .into_response(),
        Err(err) => fail(err),
    }
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    sent: Option<String>,
    after: Option<i64>,
}

async fn thread(
    app: &App,
    who: &Authenticated,
    id: i64,
    after: Option<i64>,
    sent: bool,
    body: String,
    error: Option<String>,
) -> Result<String, Error> {
    let view = conversations::show(app, who, id, after).await?;
    // Reading the thread reads it to its latest message.
    conversations::mark_read(app, who, id).await?;
    Ok(pages::render(&ThreadPage {
        menu: account_menu(app, who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        messages: view.messages.iter().map(line).collect(),
        view,
        teacher: who.account.kind == crate::domain::AccountKind::Teacher,
        console: false,
        sent,
        body,
        error,
        urgent_allowed: urgent_allowed(who),
    }))
}

pub async fn show(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Response {
    let Ok(id) = id_of(&id) else {
        return fail(Error::NotFound);
    };
    let query = query.map(|Query(q)| q).ok();
    let after = query.as_ref().and_then(|q| q.after).filter(|a| *a >= 0);
    let sent = query.is_some_and(|q| q.sent.is_some());
    match thread(&app, &who, id, after, sent, String::new(), None).await {
        Ok(page) => Html(page).into_response(),
        Err(err) => fail(err),
    }
}

#[derive(Debug, Deserialize)]
pub struct BodyForm {
    body: String,
    urgent: Option<String>,
}

pub async fn reply(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path((slug, id)): Path<(String, String)>,
    form: Result<Form<BodyForm>, FormRejection>,
) -> Response {
    let Ok(id) = id_of(&id) else {
        return fail(Error::NotFound);
    };
    let (body, urgent) = form
        .map(|Form(f)| (f.body, f.urgent.is_some()))
        .unwrap_or_default();
    let writing = conversations::Writing {
        body: &body,
        urgent,
    };
    match conversations::reply(&app, &who, id, writing, &client).await {
        Ok(_) => {
            Redirect::to(&format!("/d/{slug}/conversations/{id}?sent=1#latest")).into_response()
        }
        Err(
            err
            @ (Error::Invalid(_) | Error::Forbidden(_) | Error::Conflict(_) | Error::TooMany(_)),
        ) => {
            let status = status_of(&err);
            let message = page_message(&err);
            match thread(&app, &who, id, None, false, body, Some(message)).await {
                Ok(page) => (status, Html(page)).into_response(),
                Err(err) => fail(err),
            }
        }
        Err(err) => fail(err),
    }
}

pub async fn retract(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path((slug, id, message)): Path<(String, String, String)>,
) -> Response {
    let (Ok(id), Ok(message)) = (id_of(&id), id_of(&message)) else {
        return fail(Error::NotFound);
    };
    match conversations::retract(&app, &who, id, message, &client).await {
        Ok(()) => Redirect::to(&format!("/d/{slug}/conversations/{id}")).into_response(),
        Err(err @ Error::Conflict(_)) => {
            let status = status_of(&err);
            match thread(
                &app,
                &who,
                id,
                None,
                false,
                String::new(),
                Some(page_message(&err)),
            )
            .await
            {
                Ok(page) => (status, Html(page)).into_response(),
                Err(err) => fail(err),
            }
        }
        Err(err) => fail(err),
    }
}

#[derive(Debug, Deserialize)]
pub struct BlockForm {
    blocked: String,
}

pub async fn block(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path((slug, id)): Path<(String, String)>,
    form: Result<Form<BlockForm>, FormRejection>,
) -> Response {
    let Ok(id) = id_of(&id) else {
        return fail(Error::NotFound);
    };
    let blocked = form.is_ok_and(|Form(f)| f.blocked == "on");
    match conversations::set_blocked(&app, &who, id, blocked, &client).await {
        Ok(()) => Redirect::to(&format!("/d/{slug}/conversations/{id}")).into_response(),
        Err(err) => fail(err),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    student: Option<i64>,
    teacher: Option<i64>,
    class: Option<i64>,
}

impl NewQuery {
    fn recipients(&self) -> Result<Recipients, Error> {
        match (self.student, self.teacher, self.class) {
            (Some(student), Some(teacher), None) => Ok(Recipients::Teacher { student, teacher }),
            (Some(student), None, None) => Ok(Recipients::Family { student }),
            (None, None, Some(class)) => Ok(Recipients::Class { class }),
            _ => Err(Error::NotFound),
        }
    }
}

/// Who a new message goes to, in words, for the form's heading; `NotFound` when this account
/// may not write there.
async fn addressee(
    app: &App,
    who: &Authenticated,
    to: Recipients,
    client: &Client,
) -> Result<String, Error> {
    match to {
        Recipients::Teacher { student, teacher } => {
            let teachers = conversations::teachers_of(app, who, student).await?;
            let name = teachers
                .iter()
                .find(|(id, _)| *id == teacher)
                .map(|(_, name)| name.clone())
                .ok_or(Error::NotFound)?;
            Ok(i18n::t1("conversation-to-teacher", "name", name))
        }
        Recipients::Family { student } => {
            let classes = crate::services::teachers::classes(app, who, client).await?;
            let name = classes
                .iter()
                .flat_map(|c| c.students.iter())
                .find(|s| s.id == student)
                .map(|s| s.name.clone())
                .ok_or(Error::NotFound)?;
            Ok(i18n::t1("conversation-to-family", "name", name))
        }
        Recipients::Class { class } => {
            let classes = crate::services::teachers::classes(app, who, client).await?;
            let class = classes
                .iter()
                .find(|c| c.id == class)
                .ok_or(Error::NotFound)?;
            Ok(i18n::ta(
                "conversation-to-class",
                &[
                    ("class", class.title.clone()),
                    ("count", class.students.len().to_string()),
                ],
            ))
        }
    }
}

async fn new_page(
    app: &App,
    who: &Authenticated,
    client: &Client,
    query: &NewQuery,
    body: String,
    error: Option<String>,
) -> Result<String, Error> {
    let to = addressee(app, who, query.recipients()?, client).await?;
    Ok(pages::render(&NewPage {
        menu: account_menu(app, who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        to,
        student: query.student,
        teacher: query.teacher,
        class: query.class,
        body,
        error,
        urgent_allowed: urgent_allowed(who),
    }))
}

pub async fn new(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    query: Result<Query<NewQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    match new_page(&app, &who, &client, &query, String::new(), None).await {
        Ok(page) => Html(page).into_response(),
        Err(err) => fail(err),
    }
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    student: Option<String>,
    teacher: Option<String>,
    class: Option<String>,
    #[serde(default)]
    body: String,
    urgent: Option<String>,
}

pub async fn start(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(slug): Path<String>,
    form: Result<Form<StartForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return fail(Error::NotFound);
    };
    let number =
        |raw: &Option<String>| raw.as_deref().filter(|r| !r.is_empty()).and_then(record_id);
    let query = NewQuery {
        student: number(&form.student),
        teacher: number(&form.teacher),
        class: number(&form.class),
    };
    let to = match query.recipients() {
        Ok(to) => to,
        Err(err) => return fail(err),
    };
    let writing = conversations::Writing {
        body: &form.body,
        urgent: form.urgent.is_some(),
    };
    match conversations::start(&app, &who, to, writing, &client).await {
        Ok(sent) => match (to, sent.conversations.first()) {
            (Recipients::Class { .. }, _) | (_, None) => {
                Redirect::to(&format!("/d/{slug}/conversations")).into_response()
            }
            (_, Some(c)) => {
                Redirect::to(&format!("/d/{slug}/conversations/{}?sent=1#latest", c.id))
                    .into_response()
            }
        },
        Err(
            err
            @ (Error::Invalid(_) | Error::Forbidden(_) | Error::Conflict(_) | Error::TooMany(_)),
        ) => {
            let status = status_of(&err);
            match new_page(
                &app,
                &who,
                &client,
                &query,
                form.body,
                Some(page_message(&err)),
            )
            .await
            {
                Ok(page) => (status, Html(page)).into_response(),
                Err(err) => fail(err),
            }
        }
        Err(err) => fail(err),
    }
}

fn hours_page(
    menu: AccountMenu,
    who: &Authenticated,
    form: &OfficeHoursForm,
    saved: bool,
    error: Option<String>,
) -> String {
    pages::render(&OfficeHoursPage {
        menu,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        days: (1..=7u8)
            .map(|d| {
                (
                    d,
                    i18n::t1("weekday-long", "day", i64::from(d)),
                    form.days.contains(&d),
                )
            })
            .collect(),
        start: form.start.clone(),
        end: form.end.clone(),
        saved,
        error,
    })
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn office_hours(
    State(app): State<App>,
    Ready(who): Ready,
    query: Result<Query<SavedQuery>, QueryRejection>,
) -> Response {
    let saved = query.is_ok_and(|Query(q)| q.saved.is_some());
    match conversations::office_hours(&app, &who).await {
        Ok(hours) => {
            let form = hours.unwrap_or_else(|| OfficeHoursForm {
                days: vec![1, 2, 3, 4, 5],
                start: "08:00".into(),
                end: "15:30".into(),
            });
            let menu = account_menu(&app, &who).await;
            Html(hours_page(menu, &who, &form, saved, None)).into_response()
        }
        Err(err) => fail(err),
    }
}

pub async fn save_office_hours(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(slug): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let clear = value("clear") == "on";
    let hours = OfficeHoursForm {
        days: fields
            .iter()
            .filter(|(k, _)| k == "day")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
        start: value("start"),
        end: value("end"),
    };
    let result =
        conversations::set_office_hours(&app, &who, (!clear).then_some(&hours), &client).await;
    match result {
        Ok(()) => Redirect::to(&format!("/d/{slug}/settings/office-hours?saved=1")).into_response(),
        Err(err @ Error::Invalid(_)) => {
            let menu = account_menu(&app, &who).await;
            let page = hours_page(menu, &who, &hours, false, Some(page_message(&err)));
            (StatusCode::BAD_REQUEST, Html(page)).into_response()
        }
        Err(err) => fail(err),
    }
}

// ---------------------------------------------------------------------------------------------
// The console

pub async fn console_list(State(app): State<App>, StaffPage(staff): StaffPage) -> Response {
    match conversations::district_list(&app, &staff).await {
        Ok(conversations) => Html(pages::render(&ListPage {
            menu: AccountMenu::default(),
            slug: staff.district().slug.as_str(),
            district_name: staff.district().name.as_str(),
            conversations,
            console: true,
        }))
        .into_response(),
        Err(err) => fail(err),
    }
}

pub async fn console_show(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> Response {
    let Ok(id) = id_of(&id) else {
        return fail(Error::NotFound);
    };
    let after = query.ok().and_then(|Query(q)| q.after).filter(|a| *a >= 0);
    match conversations::district_show(&app, &staff, id, after).await {
        Ok(view) => Html(pages::render(&ThreadPage {
            menu: AccountMenu::default(),
            slug: staff.district().slug.as_str(),
            district_name: staff.district().name.as_str(),
            messages: view.messages.iter().map(line).collect(),
            view,
            teacher: false,
            console: true,
            sent: false,
            body: String::new(),
            error: None,
            urgent_allowed: false,
        }))
        .into_response(),
        Err(err) => fail(err),
    }
}
