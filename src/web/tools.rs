//! The staff console's **Portal Tools** page: which tools families see, switches per portal and
//! school, and windows of dates when a tool is off.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::guard::StaffPage;
use super::pages::{self, ToolRow};
use crate::app::App;
use crate::domain::{Portal, Tool, ToolState};
use crate::i18n;
use crate::server::error::{PageError, status_of};
use crate::services::Error;
use crate::services::access::Staff;
use crate::services::tools::{self, Overview};

async fn page(
    app: &App,
    staff: &Staff,
    done: Option<String>,
    error: Option<String>,
) -> Result<String, Error> {
    let overview = tools::overview(app, staff).await?;
    Ok(pages::render(&pages::AdminTools {
        menu: pages::AccountMenu::default(),
        slug: staff.district().slug.as_str(),
        district_name: staff.district().name.as_str(),
        today: overview.today.to_string(),
        rows: rows(&overview),
        switches: overview
            .rules
            .settings
            .iter()
            .map(|s| {
                let line = i18n::ta(
                    if s.enabled {
                        "tools-switch-on-line"
                    } else {
                        "tools-switch-off-line"
                    },
                    &[
                        ("tool", s.tool.name()),
                        ("portal", s.portal.as_str().to_owned()),
                        ("where", place(&overview, s.school)),
                    ],
                );
                match &s.reason {
                    Some(reason) => format!("{line}: “{}”", reason.as_str()),
                    None => line,
                }
            })
            .collect(),
        windows: overview
            .rules
            .windows
            .iter()
            .map(|w| {
                (
                    w.id,
                    i18n::ta(
                        match w.portal {
                            Some(_) => "tools-window-line",
                            None => "tools-window-line-both",
                        },
                        &[
                            ("tool", w.tool.name()),
                            ("from", w.start.to_string()),
                            ("to", w.end.to_string()),
                            (
                                "portal",
                                w.portal.map(|p| p.as_str()).unwrap_or_default().to_owned(),
                            ),
                            ("where", place(&overview, w.school)),
                            ("reason", w.reason.as_str().to_owned()),
                        ],
                    ),
                )
            })
            .collect(),
        tools: Tool::ALL.iter().map(|t| (t.as_str(), t.name())).collect(),
        schools: overview
            .schools
            .iter()
            .map(|s| (s.sourced_id.clone(), s.name.clone()))
            .collect(),
        done,
        error,
    }))
}

/// A school's name, or the whole district, in words.
fn place(overview: &Overview, school: Option<i64>) -> String {
    match school {
        None => i18n::t("tools-whole-district"),
        Some(_) => overview.school_name(school),
    }
}

fn rows(overview: &Overview) -> Vec<ToolRow> {
    let state = |tool, portal| match overview.rules.state(tool, portal, None, overview.today) {
        ToolState::On => i18n::t("tools-on"),
        ToolState::Off { reason } => i18n::t1(
            "tools-off-because",
            "reason",
            tools::off_reason_words(&reason),
        ),
    };
    Tool::ALL
        .iter()
        .map(|t| ToolRow {
            label: t.name(),
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
pub async fn show(State(app): State<App>, StaffPage(staff): StaffPage) -> Response {
    answer(page(&app, &staff, None, None).await, StatusCode::OK)
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
    StaffPage(staff): StaffPage,
    form: Result<Form<SwitchForm>, FormRejection>,
) -> Response {
    let outcome = match form {
        Ok(Form(form)) => {
            let enabled = match form.state.as_str() {
                "on" => Ok(true),
                "off" => Ok(false),
                _ => Err(Error::Invalid(crate::domain::Invalid::new(i18n::t(
                    "tools-choose-on-off",
                )))),
            };
            match enabled {
                Ok(enabled) => tools::switch(
                    &app,
                    &staff,
                    &tools::SwitchRequest {
                        tool: &form.tool,
                        portal: &form.portal,
                        school: form.school.as_deref(),
                        enabled,
                        reason: form.reason.as_deref(),
                    },
                )
                .await
                .map(|()| i18n::t("tools-switch-saved")),
                Err(err) => Err(err),
            }
        }
        Err(rejection) => Err(bad_form(&rejection)),
    };
    respond(&app, &staff, outcome).await
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
    StaffPage(staff): StaffPage,
    form: Result<Form<WindowForm>, FormRejection>,
) -> Response {
    let outcome = match form {
        Ok(Form(form)) => tools::add_window(
            &app,
            &staff,
            &tools::WindowRequest {
                tool: &form.tool,
                portal: &form.portal,
                school: form.school.as_deref(),
                from: &form.from,
                to: &form.to,
                reason: &form.reason,
            },
        )
        .await
        .map(|id| i18n::t1("tools-window-added", "id", id)),
        Err(rejection) => Err(bad_form(&rejection)),
    };
    respond(&app, &staff, outcome).await
}

/// `POST /d/{slug}/admin/tools/windows/{id}/remove`.
pub async fn remove_window(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let outcome = match id.parse::<i64>() {
        Ok(id) => tools::remove_window(&app, &staff, id)
            .await
            .map(|()| i18n::t1("tools-window-removed", "id", id)),
        Err(_) => Err(Error::NotFound),
    };
    respond(&app, &staff, outcome).await
}

fn bad_form(rejection: &FormRejection) -> Error {
    Error::Invalid(crate::domain::Invalid::new(i18n::t1(
        "console-form-unreadable",
        "why",
        rejection.body_text(),
    )))
}

async fn respond(app: &App, staff: &Staff, outcome: Result<String, Error>) -> Response {
    match outcome {
        Ok(done) => answer(page(app, staff, Some(done), None).await, StatusCode::OK),
        Err(err @ (Error::Invalid(_) | Error::NotFound)) => answer(
            page(app, staff, None, Some(err.public_message())).await,
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
                    page(app, staff, None, Some(err.public_message())).await,
                    status,
                )
            }
        }
    }
}
