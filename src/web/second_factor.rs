//! Two-step verification in the browser: `/d/{slug}/settings/second-factor`. Staff whose
//! district requires it are sent here after their password, and can open nothing else until
//! an app is set up.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64ct::Encoding;
use serde::Deserialize;

use super::guard::SignedIn;
use super::pages::{self, SecondFactorPage, SecondFactorSetup};
use crate::app::App;
use crate::server::error::{PageError, page_message, status_of};
use crate::server::session::ClientInfo;
use crate::services::auth::Authenticated;
use crate::services::{Error, second_factor};

/// The page as `who` sees it now; `error` from the last try.
async fn page(app: &App, who: &Authenticated, error: Option<&Error>) -> Result<String, Error> {
    let setup = if who.account.second_factor {
        None
    } else {
        let enrollment = second_factor::waiting_or_new(app, who).await?;
        Some(SecondFactorSetup {
            qr: qr_data_url(&enrollment.uri)?,
            secret: enrollment.secret,
        })
    };
    Ok(render(app, who, setup, None, error).await)
}

async fn render(
    app: &App,
    who: &Authenticated,
    setup: Option<SecondFactorSetup>,
    recovery_codes: Option<Vec<String>>,
    error: Option<&Error>,
) -> String {
    pages::render(&SecondFactorPage {
        menu: super::portal::account_menu(app, who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        must_enroll: second_factor::must_enroll(&who.district, &who.account),
        enrolled: who.account.second_factor && recovery_codes.is_none(),
        setup,
        recovery_codes,
        error: error.map(page_message),
    })
}

/// The address as a QR code: an SVG picture in a `data:` URL (the page's policy allows images
/// from `data:`, and nothing is fetched).
fn qr_data_url(uri: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| Error::internal(format!("a QR code for the secret: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64ct::Base64::encode_string(svg.as_bytes())
    ))
}

/// Password first: an account that must change it does that before anything else.
fn settled(who: &Authenticated) -> Option<Response> {
    who.account
        .must_change_password
        .then(|| Redirect::to(&format!("/d/{}/password", who.district.slug)).into_response())
}

/// `GET`: the app to set up (the secret that waits, or a new one), or the way to remove it.
pub async fn show(State(app): State<App>, SignedIn(who): SignedIn) -> Response {
    if let Some(away) = settled(&who) {
        return away;
    }
    match page(&app, &who, None).await {
        Ok(page) => Html(page).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST`: the app's first code turns it on; the recovery codes are shown once.
pub async fn confirm(
    State(app): State<App>,
    SignedIn(who): SignedIn,
    ClientInfo(client): ClientInfo,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    if let Some(away) = settled(&who) {
        return away;
    }
    let code = form.map(|Form(f)| f.code).unwrap_or_default();
    match second_factor::confirm(&app, &who, &code, &client).await {
        Ok(codes) => Html(render(&app, &who, None, Some(codes), None).await).into_response(),
        // A wrong code: the same secret stays, and the page shows it again.
        Err(err @ Error::Invalid(_)) => match page(&app, &who, Some(&err)).await {
            Ok(page) => (status_of(&err), Html(page)).into_response(),
            Err(other) => PageError(other).into_response(),
        },
        Err(other) => PageError(other).into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    password: String,
    code: String,
}

/// `POST …/remove`: with the password and a code, the app is removed.
pub async fn remove(
    State(app): State<App>,
    SignedIn(who): SignedIn,
    ClientInfo(client): ClientInfo,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Response {
    if let Some(away) = settled(&who) {
        return away;
    }
    let Ok(Form(form)) = form else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    match second_factor::remove(&app, &who, &form.password, &form.code, &client).await {
        Ok(()) => Redirect::to(&format!("/d/{}/settings", who.district.slug)).into_response(),
        Err(
            err @ (Error::InvalidCredentials
            | Error::InvalidSecondFactor
            | Error::Locked { .. }
            | Error::Conflict(_)),
        ) => {
            let page = render(&app, &who, None, None, Some(&err)).await;
            (status_of(&err), Html(page)).into_response()
        }
        Err(other) => PageError(other).into_response(),
    }
}
