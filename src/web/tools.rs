//! The staff console's **Portal Tools** page: which tools families see, switches per portal and
//! school, and windows of dates when a tool is off.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::admin::{actor, staff};
use super::pages::{self, ToolRow};
use crate::app::App;
use crate::domain::{Portal, Tool, ToolState};
use crate::server::error::{PageError, status_of};
use crate::services::Error;
use crate::services::auth::Authenticated;
use crate::services::tools::{self, Overview};

async fn page(
    app: &App,
    who: &Authenticated,
    done: Option<String>,
    error: Option<String>,
) -> Result<String, Error> {
    let overview = tools::overview(app, &who.district).await?;
    Ok(pages::render(&pages::AdminTools {
        menu: pages::AccountMenu::default(),
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        today: overview.today.to_string(),
        rows: rows(&overview),
        switches: overview
            .rules
            .settings
            .iter()
            .map(|s| {
                format!(
                    "{} {} on the {} portal, {}{}",
                    s.tool.label(),
                    if s.enabled { "on" } else { "off" },
                    s.portal.as_str(),
                    overview.school_name(s.school),
                    s.reason
                        .as_ref()
                        .map(|r| format!(": “{}”", r.as_str()))
                        .unwrap_or_default()
                )
            })
            .collect(),
        windows: overview
            .rules
            .windows
            .iter()
            .map(|w| {
                (
                    w.id,
                    format!(
                        "{} off from {} to {} on {}, {}: “{}”",
                        w.tool.label(),
                        w.start,
                        w.end,
                        w.portal.map_or("both portals".to_owned(), |p| format!(
                            "the {} portal",
                            p.as_str()
                        )),
                        overview.school_name(w.school),
                        w.reason.as_str()
                    ),
                )
            })
            .collect(),
        tools: Tool::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        schools: overview
            .schools
            .iter()
            .map(|s| (s.sourced_id.clone(), s.name.clone()))
            .collect(),
        done,
        error,
    }))
}

fn rows(overview: &Overview) -> Vec<ToolRow> {
    let state = |tool, portal| match overview.rules.state(tool, portal, None, overview.today) {
        ToolState::On => "On".to_owned(),
        ToolState::Off { reason } => format!("Off: {reason}"),
    };
    Tool::ALL
        .iter()
        .map(|t| ToolRow {
            label: t.label(),
            parent: state(*t, Portal::Parent),
            student: state(*t, Portal::Student),
        })
        .collect()
}

fn answer(result: Result<String, Error>, status: StatusCode) -> Response {
    match result {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// `GET /d/{slug}/admin/tools`.
pub async fn show(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    match staff(&app, &headers, &slug).await {
        Ok(who) => answer(page(&app, &who, None, None).await, StatusCode::OK),
        Err(response) => response,
    }
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    tool: String,
    portal: String,
    school: Option<String>,
    state: String,
    reason: Option<String>,
}

/// `POST /d/{slug}/admin/tools/switch`.
pub async fn switch(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<SwitchForm>, FormRejection>,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let outcome = match form {
        Ok(Form(form)) => {
            let enabled = match form.state.as_str() {
                "on" => Ok(true),
                "off" => Ok(false),
                _ => Err(Error::Invalid(crate::domain::Invalid::new(
                    "Choose On or Off.",
                ))),
            };
            match enabled {
                Ok(enabled) => tools::switch(
                    &app,
                    &who.district,
                    &tools::SwitchRequest {
                        tool: &form.tool,
                        portal: &form.portal,
                        school: form.school.as_deref(),
                        enabled,
                        reason: form.reason.as_deref(),
                    },
                    actor(&who),
                )
                .await
                .map(|()| "The switch was saved.".to_owned()),
                Err(err) => Err(err),
            }
        }
        Err(rejection) => Err(bad_form(&rejection)),
    };
    respond(&app, &who, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct WindowForm {
    tool: String,
    portal: String,
    school: Option<String>,
    from: String,
    to: String,
    reason: String,
}

/// `POST /d/{slug}/admin/tools/windows`.
pub async fn add_window(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<WindowForm>, FormRejection>,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let outcome = match form {
        Ok(Form(form)) => tools::add_window(
            &app,
            &who.district,
            &tools::WindowRequest {
                tool: &form.tool,
                portal: &form.portal,
                school: form.school.as_deref(),
                from: &form.from,
                to: &form.to,
                reason: &form.reason,
            },
            actor(&who),
        )
        .await
        .map(|id| format!("Window {id} was added.")),
        Err(rejection) => Err(bad_form(&rejection)),
    };
    respond(&app, &who, outcome).await
}

/// `POST /d/{slug}/admin/tools/windows/{id}/remove`.
pub async fn remove_window(
    State(app): State<App>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let outcome = match id.parse::<i64>() {
        Ok(id) => tools::remove_window(&app, &who.district, id, actor(&who))
            .await
            .map(|()| format!("Window {id} was removed.")),
        Err(_) => Err(Error::NotFound),
    };
    respond(&app, &who, outcome).await
}

fn bad_form(rejection: &FormRejection) -> Error {
    Error::Invalid(crate::domain::Invalid::new(format!(
        "The form could not be read: {}",
        rejection.body_text()
    )))
}

async fn respond(app: &App, who: &Authenticated, outcome: Result<String, Error>) -> Response {
    match outcome {
        Ok(done) => answer(page(app, who, Some(done), None).await, StatusCode::OK),
        Err(err @ (Error::Invalid(_) | Error::NotFound)) => answer(
            page(app, who, None, Some(err.public_message())).await,
            if matches!(err, Error::NotFound) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
        ),
        Err(err) => {
            let status = status_of(&err);
            if status.is_server_error() {
                PageError(err).into_response()
            } else {
                answer(
                    page(app, who, None, Some(err.public_message())).await,
                    status,
                )
            }
        }
    }
}
