//! New User: the activation key, then a username and a password.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::pages;
use crate::app::App;
use crate::domain::District;
use crate::i18n;
use crate::server::error::page_message;
use crate::server::error::{PageError, status_of};
use crate::server::session::{BrowserDevice, ClientInfo, logged_in_cookies};
use crate::services::activation::{self, Activation};
use crate::services::{self, Error};
use crate::store::SessionKind;

/// What a step shows besides the form.
#[derive(Default)]
struct Step<'a> {
    error: Option<String>,
    key: &'a str,
    captcha: Option<services::captcha::Challenge>,
    /// Step two: the username and the password, for the key in `key`.
    account_step: bool,
    /// Whose key it is, when known.
    person: Option<String>,
    username: &'a str,
    username_error: Option<String>,
    password_error: Option<String>,
}

fn render(district: &District, step: Step<'_>) -> String {
    let key: String = step.key.chars().take(40).collect();
    let username: String = step.username.chars().take(64).collect();
    pages::render(&pages::Activate {
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        error: step.error,
        key: &key,
        captcha: step.captcha,
        account_step: step.account_step,
        person: step.person,
        username: &username,
        username_error: step.username_error,
        password_error: step.password_error,
        min_length: district.settings.password_min_length,
    })
}

pub async fn page(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Html<String>, PageError> {
    let district = services::districts::open(&app, &slug).await?;
    Ok(Html(render(&district, Step::default())))
}

#[derive(Debug, Deserialize)]
pub struct KeyForm {
    key: String,
    captcha_id: Option<String>,
    captcha_answer: Option<String>,
}

/// Step one: the key. A live key leads to step two, which names whose key it is.
pub async fn check_key(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    form: Result<Form<KeyForm>, FormRejection>,
) -> Result<Response, PageError> {
    let district = services::districts::open(&app, &slug).await?;
    let Ok(Form(form)) = form else {
        let step = Step {
            error: Some(i18n::t("activate-enter-key")),
            ..Step::default()
        };
        return Ok((StatusCode::BAD_REQUEST, Html(render(&district, step))).into_response());
    };
    let captcha = form
        .captcha_id
        .as_deref()
        .zip(form.captcha_answer.as_deref());
    match activation::check(&app, &district, &form.key, captcha, &client).await {
        Ok(person) => {
            // Step two is where the account is made, so it carries the CAPTCHA when the
            // address must solve one.
            let captcha =
                services::auth::captcha_for_next_try(&app, &district, None, &client).await?;
            let step = Step {
                key: &form.key,
                account_step: true,
                person: Some(person.name()),
                captcha,
                ..Step::default()
            };
            Ok(Html(render(&district, step)).into_response())
        }
        Err(err) => key_error(&app, &district, err, &form.key, &client).await,
    }
}

/// Back to step one with what was wrong with the key, and a CAPTCHA when the address needs one.
async fn key_error(
    app: &App,
    district: &District,
    err: Error,
    key: &str,
    client: &services::auth::Client,
) -> Result<Response, PageError> {
    let captcha = match &err {
        Error::CaptchaRequired(c) | Error::CaptchaInvalid(c) => Some((**c).clone()),
        Error::InvalidKey | Error::ExpiredKey => {
            services::auth::captcha_for_next_try(app, district, None, client).await?
        }
        _ => return Err(err.into()),
    };
    let step = Step {
        error: Some(page_message(&err)),
        key,
        captcha,
        ..Step::default()
    };
    Ok((status_of(&err), Html(render(district, step))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AccountForm {
    key: String,
    username: String,
    password: String,
    captcha_id: Option<String>,
    captcha_answer: Option<String>,
}

/// Step two: the account is made and logged in, or the page says what to change. Whatever was
/// wrong is shown on this step, except a key that is not (or no longer) valid, which sends the
/// person back to step one.
pub async fn create_account(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    browser: BrowserDevice,
    form: Result<Form<AccountForm>, FormRejection>,
) -> Result<Response, PageError> {
    let district = services::districts::open(&app, &slug).await?;
    let Ok(Form(form)) = form else {
        let step = Step {
            error: Some(i18n::t("activate-enter-key")),
            ..Step::default()
        };
        return Ok((StatusCode::BAD_REQUEST, Html(render(&district, step))).into_response());
    };
    let request = Activation {
        key: &form.key,
        username: &form.username,
        password: &form.password,
        captcha: form
            .captcha_id
            .as_deref()
            .zip(form.captcha_answer.as_deref()),
        kind: SessionKind::Web,
        device: browser.device(),
    };
    let refusal = match activation::activate_or_refuse(&app, &district, request, &client).await {
        Ok(logged_in) => {
            return Ok((
                logged_in_cookies(&app.config, &logged_in, &browser),
                Redirect::to(&format!("/d/{}/home", district.slug)),
            )
                .into_response());
        }
        Err(refusal) => refusal,
    };
    let err = refusal.error;
    let mut step = Step {
        key: &form.key,
        account_step: true,
        person: refusal.person.map(|p| p.name()),
        username: form.username.trim(),
        ..Step::default()
    };
    match &err {
        Error::CaptchaRequired(c) | Error::CaptchaInvalid(c) => {
            step.error = Some(page_message(&err));
            step.captcha = Some((**c).clone());
        }
        Error::WeakPassword(_) => step.password_error = Some(page_message(&err)),
        Error::UsernameTaken | Error::Invalid(_) => {
            step.username_error = Some(page_message(&err));
        }
        _ => return key_error(&app, &district, err, &form.key, &client).await,
    }
    if step.captcha.is_none() {
        // The next try must solve one if this address has failed too often meanwhile.
        step.captcha = services::auth::captcha_for_next_try(&app, &district, None, &client).await?;
    }
    Ok((status_of(&err), Html(render(&district, step))).into_response())
}
