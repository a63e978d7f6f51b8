//! **Forgot your password?** and **Forgot your username?** pages, and choosing a new password
//! from a reset link. Where the district has not turned them on, they do not exist.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::pages;
use crate::app::App;
use crate::domain::District;
use crate::i18n;
use crate::server::error::page_message;
use crate::server::error::{PageError, status_of};
use crate::server::session::ClientInfo;
use crate::services::captcha::Challenge;
use crate::services::recovery;
use crate::services::{self, Error};

struct View<'a> {
    form: &'static str,
    done: Option<String>,
    error: Option<&'a Error>,
    token: &'a str,
}

fn render(district: &District, view: View<'_>) -> String {
    let captcha: Option<Challenge> = match view.error {
        Some(Error::CaptchaRequired(c) | Error::CaptchaInvalid(c)) => Some((**c).clone()),
        _ => None,
    };
    pages::render(&pages::Recovery {
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        form: view.form,
        title: match view.form {
            "password" => i18n::t("access-forgot-password"),
            "username" => i18n::t("access-forgot-username"),
            _ => i18n::t("recovery-choose-new"),
        },
        done: view.done,
        error: view.error.map(page_message),
        captcha,
        token: view.token,
        min_length: district.settings.password_min_length,
    })
}

/// The district, if it has the feature on; otherwise the page does not exist.
async fn district_with(
    app: &App,
    slug: &str,
    on: fn(&District) -> bool,
) -> Result<District, PageError> {
    let district = services::districts::open(app, slug).await?;
    if !on(&district) {
        return Err(PageError(Error::FeatureDisabled));
    }
    Ok(district)
}

fn password_on(d: &District) -> bool {
    d.settings.forgot_password
}

fn username_on(d: &District) -> bool {
    d.settings.forgot_username
}

fn answer(district: &District, form: &'static str, outcome: Result<String, Error>) -> Response {
    match outcome {
        Ok(done) => Html(render(
            district,
            View {
                form,
                done: Some(done),
                error: None,
                token: "",
            },
        ))
        .into_response(),
        Err(err) if status_of(&err).is_server_error() => PageError(err).into_response(),
        Err(err) => (
            status_of(&err),
            Html(render(
                district,
                View {
                    form,
                    done: None,
                    error: Some(&err),
                    token: "",
                },
            )),
        )
            .into_response(),
    }
}

fn blank(district: &District, form: &'static str, token: &str) -> Response {
    Html(render(
        district,
        View {
            form,
            done: None,
            error: None,
            token,
        },
    ))
    .into_response()
}

pub async fn forgot_password_page(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let district = district_with(&app, &slug, password_on).await?;
    Ok(blank(&district, "password", ""))
}

#[derive(Debug, Deserialize)]
pub struct ForgotPasswordForm {
    username: String,
    captcha_id: Option<String>,
    captcha_answer: Option<String>,
}

pub async fn forgot_password(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    form: Result<Form<ForgotPasswordForm>, FormRejection>,
) -> Result<Response, PageError> {
    let district = district_with(&app, &slug, password_on).await?;
    let outcome = match form {
        Ok(Form(form)) => {
            let captcha = captcha(&form.captcha_id, &form.captcha_answer);
            recovery::forgot_password(&app, &district, &form.username, captcha, &client)
                .await
                .map(|()| i18n::t("recovery-password-sent"))
        }
        Err(_) => Err(missing(i18n::t("recovery-enter-username"))),
    };
    Ok(answer(&district, "password", outcome))
}

pub async fn forgot_username_page(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let district = district_with(&app, &slug, username_on).await?;
    Ok(blank(&district, "username", ""))
}

#[derive(Debug, Deserialize)]
pub struct ForgotUsernameForm {
    email: String,
    captcha_id: Option<String>,
    captcha_answer: Option<String>,
}

pub async fn forgot_username(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    form: Result<Form<ForgotUsernameForm>, FormRejection>,
) -> Result<Response, PageError> {
    let district = district_with(&app, &slug, username_on).await?;
    let outcome = match form {
        Ok(Form(form)) => {
            let captcha = captcha(&form.captcha_id, &form.captcha_answer);
            recovery::forgot_username(&app, &district, &form.email, captcha, &client)
                .await
                .map(|()| i18n::t("recovery-usernames-sent"))
        }
        Err(_) => Err(missing(i18n::t("recovery-enter-email"))),
    };
    Ok(answer(&district, "username", outcome))
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn reset_page(
    State(app): State<App>,
    Path(slug): Path<String>,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let district = district_with(&app, &slug, password_on).await?;
    let token = query.ok().and_then(|Query(q)| q.token).unwrap_or_default();
    let token: String = token
        .chars()
        .filter(|c| !c.is_control())
        .take(128)
        .collect();
    Ok(blank(&district, "reset", &token))
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    token: String,
    password: String,
}

pub async fn reset(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    form: Result<Form<ResetForm>, FormRejection>,
) -> Result<Response, PageError> {
    let district = district_with(&app, &slug, password_on).await?;
    let Ok(Form(form)) = form else {
        return Ok(answer(
            &district,
            "reset",
            Err(missing(i18n::t("recovery-enter-password"))),
        ));
    };
    let outcome = recovery::reset_password(&app, &district, &form.token, &form.password, &client)
        .await
        .map(|()| i18n::t("recovery-changed"));
    // A weak password keeps the form (and its token) on the page; a bad link does not.
    if let Err(err @ Error::WeakPassword(_)) = &outcome {
        let token: String = form
            .token
            .chars()
            .filter(|c| !c.is_control())
            .take(128)
            .collect();
        let page = render(
            &district,
            View {
                form: "reset",
                done: None,
                error: Some(err),
                token: &token,
            },
        );
        return Ok((StatusCode::BAD_REQUEST, Html(page)).into_response());
    }
    Ok(answer(&district, "reset", outcome))
}

fn captcha<'a>(id: &'a Option<String>, answer: &'a Option<String>) -> Option<(&'a str, &'a str)> {
    match (id, answer) {
        (Some(id), Some(answer)) => Some((id.as_str(), answer.as_str())),
        _ => None,
    }
}

fn missing(what: String) -> Error {
    Error::Invalid(crate::domain::Invalid::new(what))
}
