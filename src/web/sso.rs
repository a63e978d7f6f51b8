//! "Sign in with …": the browser leaves for the district's identity provider and comes back to
//! the callback, which logs it in exactly as a password does, or says plainly why not.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::pages;
use crate::app::App;
use crate::domain::{District, sso_portal};
use crate::i18n::{self, filters};
use crate::server::error::{PageError, page_message};
use crate::server::session::{
    BrowserDevice, ClientInfo, provider_session_cookie, sso_cookie, sso_state,
};
use crate::services::{self, Error};

#[derive(Template)]
#[template(path = "sso_failed.html")]
struct Failed<'a> {
    district_name: &'a str,
    slug: &'a str,
    portal: &'a str,
    message: String,
}

fn failed(district: &District, portal: &str, message: String) -> Response {
    let page = pages::render(&Failed {
        district_name: district.name.as_str(),
        slug: district.slug.as_str(),
        portal,
        message,
    });
    (StatusCode::FORBIDDEN, Html(page)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    portal: String,
    /// From the mobile app: where its code goes, and its PKCE challenge.
    app_redirect: Option<String>,
    app_challenge: Option<String>,
}

pub async fn start(
    State(app): State<App>,
    Path(slug): Path<String>,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let district = services::districts::open(&app, &slug).await?;
    let Ok(Query(query)) = query else {
        return Err(Error::NotFound.into());
    };
    let from_app = match (&query.app_redirect, &query.app_challenge) {
        (Some(redirect), Some(challenge)) => Some(services::sso::AppSignIn {
            redirect,
            challenge,
        }),
        _ => None,
    };
    match services::sso::begin(&app, &district, &query.portal, from_app).await {
        Ok(begun) => Ok((
            [(
                header::SET_COOKIE,
                sso_cookie(
                    &app.config,
                    district.slug.as_str(),
                    &query.portal,
                    &begun.state,
                ),
            )],
            Redirect::to(&begun.url),
        )
            .into_response()),
        Err(err @ (Error::Forbidden(_) | Error::Invalid(_))) => {
            let portal = sso_portal(&query.portal).map_or("student", |kind| kind.as_str());
            Ok(failed(&district, portal, page_message(&err)))
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Template)]
#[template(path = "sso_signed_out.html")]
struct SignedOut<'a> {
    district_name: &'a str,
    slug: &'a str,
    portal: &'a str,
    label: String,
    url: String,
}

#[derive(Debug, Deserialize)]
pub struct SignedOutQuery {
    portal: String,
}

/// `GET /d/{slug}/sso/signed-out?portal=…`: after the portal's logout, on to the provider's
/// sign-out (a navigation of its own: the logout form may only lead to this origin), with a
/// link for a browser that does not follow the refresh. Without a provider that signs out,
/// the portal's login page.
pub async fn signed_out(
    State(app): State<App>,
    Path(slug): Path<String>,
    query: Result<Query<SignedOutQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let district = services::districts::open(&app, &slug).await?;
    let Ok(kind) = query
        .map_err(|_| ())
        .and_then(|Query(q)| sso_portal(&q.portal).map_err(|_| ()))
    else {
        return Err(Error::NotFound.into());
    };
    let login = format!("/d/{}/{}", district.slug, kind.as_str());
    let Some((url, label)) = services::sso::logout_url(&app, &district, kind).await else {
        return Ok(Redirect::to(&login).into_response());
    };
    Ok(Html(pages::render(&SignedOut {
        district_name: district.name.as_str(),
        slug: district.slug.as_str(),
        portal: kind.as_str(),
        label,
        url,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    browser: BrowserDevice,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let district = services::districts::open(&app, &slug).await?;
    let query = query.map(|Query(q)| q).ok();
    // The portal the sign-in started from, for the way back to its login page.
    let started = sso_state(&headers);
    let portal = started
        .as_ref()
        .and_then(|(portal, _)| sso_portal(portal).ok())
        .map_or("student", |kind| kind.as_str());
    let (Some(code), Some(state)) = (
        query.as_ref().and_then(|q| q.code.as_deref()),
        query.as_ref().and_then(|q| q.state.as_deref()),
    ) else {
        // The person said no at the provider, or the provider could not sign them in.
        let said = query.and_then(|q| q.error).unwrap_or_default();
        tracing::info!(error = %said.chars().take(100).collect::<String>(), "the provider sent back no code");
        return Ok(failed(&district, portal, i18n::t("sso-cancelled")));
    };
    // Only the browser that started this sign-in finishes it.
    if started.as_ref().map(|(_, s)| s.as_str()) != Some(state) {
        return Ok(failed(&district, portal, i18n::t("sso-state-unknown")));
    }
    let device = browser.device();
    match services::sso::finish(&app, &district, state, code, &device, &client).await {
        Ok(services::sso::Finished::Web(logged_in)) => {
            let mut response =
                super::login::signed_in(&app, &district, &headers, &browser, &logged_in).await?;
            if let Ok(marked) = header::HeaderValue::from_str(&provider_session_cookie(
                &app.config,
                district.slug.as_str(),
            )) {
                response.headers_mut().append(header::SET_COOKIE, marked);
            }
            Ok(response)
        }
        Ok(services::sso::Finished::App { redirect }) => {
            Ok(Redirect::to(&redirect).into_response())
        }
        Err(err @ Error::Forbidden(_)) => Ok(failed(&district, portal, page_message(&err))),
        Err(err) => Err(err.into()),
    }
}
