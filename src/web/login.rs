//! The district's login pages: `/d/{slug}/parent`, `/d/{slug}/student`, `/d/{slug}/staff`.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::pages;
use crate::app::App;
use crate::domain::{AccountKind, District};
use crate::i18n;
use crate::server::error::{PageError, page_message, status_of};
use crate::server::session::{BrowserDevice, ClientInfo, logged_in_cookies, presented_token};
use crate::services::auth::{self, LoginRequest, SecondFactorGiven};
use crate::services::captcha::Challenge;
use crate::services::{self, Error};
use crate::store::SessionKind;

pub async fn page(
    State(app): State<App>,
    Path((slug, portal)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let portal = AccountKind::parse(&portal).map_err(|_| Error::NotFound)?;
    let district = services::districts::open(&app, &slug).await?;
    // The district's own sign-in, where it has one for this portal.
    let sso = services::sso::label(&app, &district, portal).await;
    Ok(Html(render(
        &app,
        &district,
        portal,
        None,
        "",
        None,
        sso.as_deref(),
    )))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    captcha_id: Option<String>,
    captcha_answer: Option<String>,
    /// A code from the authenticator app or a recovery code, once the login asked for one.
    second_factor: Option<String>,
}

pub async fn submit(
    State(app): State<App>,
    Path((slug, portal)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
    browser: BrowserDevice,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let portal = AccountKind::parse(&portal).map_err(|_| Error::NotFound)?;
    let district = services::districts::open(&app, &slug).await?;
    let Ok(Form(form)) = form else {
        let missing = Error::Invalid(crate::domain::Invalid::new(i18n::t("login-fill-in")));
        let page = render(&app, &district, portal, Some(&missing), "", None, None);
        return Ok((StatusCode::BAD_REQUEST, Html(page)).into_response());
    };
    let captcha = match (&form.captcha_id, &form.captcha_answer) {
        (Some(id), Some(answer)) => Some((id.as_str(), answer.as_str())),
        _ => None,
    };
    let request = LoginRequest {
        portal,
        username: &form.username,
        password: &form.password,
        captcha,
        second_factor: form
            .second_factor
            .as_deref()
            .filter(|code| !code.trim().is_empty())
            .map(SecondFactorGiven::Either),
        kind: SessionKind::Web,
        device: browser.device(),
    };
    match auth::login(&app, &district, request, &client).await {
        Ok(logged_in) => signed_in(&app, &district, &headers, &browser, &logged_in).await,
        Err(
            err @ (Error::InvalidCredentials
            | Error::Invalid(_)
            | Error::CaptchaRequired(_)
            | Error::CaptchaInvalid(_)
            | Error::Locked { .. }
            | Error::SecondFactorRequired
            | Error::InvalidSecondFactor
            | Error::WrongPortal(_)),
        ) => {
            let status = status_of(&err);
            let challenge = match &err {
                Error::CaptchaRequired(c) | Error::CaptchaInvalid(c) => Some((**c).clone()),
                // After a failure that crossed the threshold, show the CAPTCHA at once.
                Error::InvalidCredentials | Error::InvalidSecondFactor => {
                    auth::captcha_for_next_try(&app, &district, Some(&form.username), &client)
                        .await?
                }
                _ => None,
            };
            let page = render(
                &app,
                &district,
                portal,
                Some(&err),
                form.username.trim(),
                challenge,
                None,
            );
            Ok((status, Html(page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The browser is logged in: its cookies, and on to Home (or to the password page, for a
/// temporary password). A session the browser already held ends: one browser, one live session.
pub(super) async fn signed_in(
    app: &App,
    district: &District,
    headers: &HeaderMap,
    browser: &BrowserDevice,
    logged_in: &auth::LoggedIn,
) -> Result<Response, PageError> {
    if let Some(old) = presented_token(headers, &app.config) {
        auth::discard(app, &old).await?;
    }
    let next = if logged_in.account.must_change_password {
        format!("/d/{}/password", district.slug)
    } else {
        format!("/d/{}/home", district.slug)
    };
    Ok((
        logged_in_cookies(&app.config, logged_in, browser),
        Redirect::to(&next),
    )
        .into_response())
}

fn render(
    app: &App,
    district: &District,
    portal: AccountKind,
    error: Option<&Error>,
    username: &str,
    captcha: Option<Challenge>,
    sso: Option<&str>,
) -> String {
    let right_portal = match error {
        Some(Error::WrongPortal(kind)) => Some((
            format!("/d/{}/{}", district.slug, kind.as_str()),
            match kind {
                AccountKind::Parent => i18n::t("login-go-to-parent"),
                AccountKind::Student => i18n::t("login-go-to-student"),
                AccountKind::Staff => i18n::t("login-go-to-staff"),
                AccountKind::Teacher => i18n::t("login-go-to-teacher"),
            },
        )),
        _ => None,
    };
    let (other, other_title) = match portal {
        AccountKind::Parent => ("student", i18n::t("login-other-student")),
        _ => ("parent", i18n::t("login-other-parent")),
    };
    let portal_title = portal_title(portal);
    let username: String = username
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    pages::render(&pages::Login {
        forgot_password: district.settings.forgot_password,
        forgot_username: district.settings.forgot_username,
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        state_name: district.state.name(),
        portal: portal.as_str(),
        portal_title: &portal_title,
        other_portal: other,
        other_portal_title: &other_title,
        error: error.map(page_message),
        right_portal,
        username: &username,
        captcha,
        second_factor: matches!(
            error,
            Some(Error::SecondFactorRequired | Error::InvalidSecondFactor)
        ),
        passkeys: app.passkeys.is_some(),
        sso,
    })
}

#[derive(Debug, Deserialize)]
pub struct PasskeyForm {
    ceremony: String,
    /// The browser's `PublicKeyCredential`, as JSON.
    credential: String,
}

/// "Sign in with a passkey": the browser's answer, posted by `passkeys.js`. A success logs the
/// browser in exactly as a password does; a refusal shows the login page, which says so.
pub async fn passkey(
    State(app): State<App>,
    Path((slug, portal)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
    browser: BrowserDevice,
    headers: HeaderMap,
    form: Result<Form<PasskeyForm>, FormRejection>,
) -> Result<Response, PageError> {
    use crate::services::passkeys::{self, PasskeyLogin};
    let portal = AccountKind::parse(&portal).map_err(|_| Error::NotFound)?;
    let district = services::districts::open(&app, &slug).await?;
    let refused = |err: &Error| {
        let page = render(&app, &district, portal, Some(err), "", None, None);
        Ok((status_of(err), Html(page)).into_response())
    };
    let unreadable = Error::Invalid(crate::domain::Invalid::worded(
        "The passkey did not sign you in. Try again, or log in with your password.",
        "login-passkey-failed",
        vec![],
    ));
    let Ok(Form(form)) = form else {
        return refused(&unreadable);
    };
    let Ok(credential) = serde_json::from_str(&form.credential) else {
        return refused(&unreadable);
    };
    let login = PasskeyLogin {
        portal,
        ceremony: &form.ceremony,
        credential: &credential,
        kind: SessionKind::Web,
        device: browser.device(),
    };
    match passkeys::finish_login(&app, &district, login, &client).await {
        Ok(logged_in) => signed_in(&app, &district, &headers, &browser, &logged_in).await,
        Err(Error::InvalidCredentials) => {
            let page = render(&app, &district, portal, Some(&unreadable), "", None, None);
            Ok((StatusCode::UNAUTHORIZED, Html(page)).into_response())
        }
        Err(err @ (Error::Invalid(_) | Error::WrongPortal(_) | Error::FeatureDisabled)) => {
            refused(&err)
        }
        Err(other) => Err(other.into()),
    }
}

/// A portal's name, as its login page heads it.
fn portal_title(portal: AccountKind) -> String {
    match portal {
        AccountKind::Parent => i18n::t("access-portal-parent"),
        AccountKind::Student => i18n::t("access-portal-student"),
        AccountKind::Staff => i18n::t("access-portal-staff"),
        AccountKind::Teacher => i18n::t("access-portal-teacher"),
    }
}
