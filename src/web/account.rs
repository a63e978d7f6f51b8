//! The logged-in pages every account has: home, Change Password, Settings (where it is logged
//! in), and Log Out.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use fluent_bundle::FluentArgs;
use serde::Deserialize;

use super::guard::{Ready, SignedIn};
use super::pages;
use crate::app::App;
use crate::i18n;
use crate::server::error::PageError;
use crate::server::session::{ClientInfo, cleared_cookie};
use crate::services::Error;
use crate::services::auth::{self, Authenticated};
use crate::store::SessionKind;

pub async fn home(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
) -> Response {
    let students = match crate::services::records::students(&app, &who).await {
        Ok(students) => students,
        Err(err) => return PageError(err).into_response(),
    };
    let classes = if who.account.kind == crate::domain::AccountKind::Teacher {
        match crate::services::teachers::classes(&app, &who, &client).await {
            Ok(classes) => classes,
            Err(err) => return PageError(err).into_response(),
        }
    } else {
        Vec::new()
    };
    Html(pages::render(&pages::Home {
        menu: super::portal::account_menu(&app, &who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        kind: who.account.kind,
        name: &who.account.display_name,
        username: who.account.username.as_str(),
        family: who.account.kind.is_family(),
        students,
        classes,
    }))
    .into_response()
}

async fn password_page(
    app: &App,
    who: &Authenticated,
    done: bool,
    current_error: Option<String>,
    new_error: Option<String>,
) -> String {
    pages::render(&pages::Password {
        menu: super::portal::account_menu(app, who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        must_change: who.account.must_change_password && !done,
        done,
        min_length: who.district.settings.password_min_length,
        current_error,
        new_error,
    })
}

pub async fn password(State(app): State<App>, SignedIn(who): SignedIn) -> Response {
    Html(password_page(&app, &who, false, None, None).await).into_response()
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

pub async fn change_password(
    State(app): State<App>,
    SignedIn(who): SignedIn,
    ClientInfo(client): ClientInfo,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        let page =
            password_page(&app, &who, false, Some(i18n::t("password-fill-both")), None).await;
        return (axum::http::StatusCode::BAD_REQUEST, Html(page)).into_response();
    };
    match auth::change_password(&app, &who, &form.current, &form.new, &client).await {
        Ok(()) => Html(password_page(&app, &who, true, None, None).await).into_response(),
        Err(Error::InvalidCredentials) => {
            let page = password_page(
                &app,
                &who,
                false,
                Some(i18n::t("password-not-current")),
                None,
            )
            .await;
            (axum::http::StatusCode::UNAUTHORIZED, Html(page)).into_response()
        }
        Err(err @ Error::Locked { .. }) => {
            let page = password_page(
                &app,
                &who,
                false,
                Some(crate::server::error::page_message(&err)),
                None,
            )
            .await;
            (axum::http::StatusCode::TOO_MANY_REQUESTS, Html(page)).into_response()
        }
        Err(err @ Error::WeakPassword(_)) => {
            let words = crate::server::error::page_message(&err);
            let page = password_page(&app, &who, false, None, Some(words)).await;
            (axum::http::StatusCode::BAD_REQUEST, Html(page)).into_response()
        }
        Err(other) => PageError(other).into_response(),
    }
}

pub async fn settings(State(app): State<App>, Ready(who): Ready) -> Response {
    let records = match auth::sessions(&app, &who).await {
        Ok(records) => records,
        Err(err) => return PageError(err).into_response(),
    };
    let subscriptions = match crate::services::push::subscriptions(&app, &who).await {
        Ok(subscriptions) => subscriptions,
        Err(err) => return PageError(err).into_response(),
    };
    let tz = jiff::tz::TimeZone::get(who.district.settings.timezone.as_str())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let when = |at: i64| {
        jiff::Timestamp::from_second(at)
            .map(|t| i18n::when::day_time(i18n::current(), &t.to_zoned_datetime(tz.clone())))
            .unwrap_or_default()
    };
    let sessions = records
        .into_iter()
        .map(|r| pages::SessionLine {
            id: r.id,
            label: device_label(r.kind, &r.device_name, &r.platform, &r.user_agent),
            current: r.id == who.session.id,
            last_seen: when(r.last_seen_at),
            address: r.address,
        })
        .collect();
    let pushes = subscriptions
        .into_iter()
        .map(|s| pages::PushLine {
            id: s.id,
            label: device_label(s.kind, &s.device_name, &s.platform, &s.user_agent),
            current: s.session == who.session.id,
            since: when(s.created_at),
            last_sent: s.last_sent_at.map(when),
        })
        .collect();
    let passkeys = match app.passkeys {
        Some(_) => match crate::services::passkeys::list(&app, &who).await {
            Ok(list) => Some(
                list.into_iter()
                    .map(|k| pages::PasskeyLine {
                        id: k.id,
                        name: k.name,
                        added: when(k.created_at),
                        last_used: k.last_used_at.map(when),
                    })
                    .collect(),
            ),
            Err(err) => return PageError(err).into_response(),
        },
        None => None,
    };
    Html(pages::render(&pages::Settings {
        menu: super::portal::account_menu(&app, &who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        second_factor: who.account.second_factor,
        passkeys,
        sessions,
        pushes,
    }))
    .into_response()
}

/// How Settings names the device of a session: the app's name for it (or its platform), or
/// the browser's user agent.
fn device_label(
    kind: SessionKind,
    device_name: &Option<String>,
    platform: &Option<String>,
    user_agent: &Option<String>,
) -> String {
    match kind {
        SessionKind::App => match (device_name, platform) {
            (Some(device), _) | (None, Some(device)) => named("settings-app-on", "device", device),
            _ => i18n::t("settings-app"),
        },
        SessionKind::Web => match user_agent {
            Some(ua) => named(
                "settings-browser-agent",
                "agent",
                &ua.chars().take(80).collect::<String>(),
            ),
            None => i18n::t("settings-browser"),
        },
    }
}

/// A message with one argument taken as text as it is (a device's name that happens to be a
/// number stays as typed).
fn named(id: &str, name: &'static str, value: &str) -> String {
    let mut args = FluentArgs::new();
    args.set(name, value.to_owned());
    i18n::message(i18n::current(), id, Some(&args))
}

pub async fn revoke(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return PageError(Error::NotFound).into_response();
    };
    match auth::revoke(&app, &who, id, &client).await {
        Ok(()) => Redirect::to(&format!("/d/{}/settings", who.district.slug)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// Ends one of the account's push subscriptions from Settings.
pub async fn end_push(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
) -> Response {
    let Some(id) = crate::domain::record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    match crate::services::push::unsubscribe(&app, &who, id, &client).await {
        Ok(()) => Redirect::to(&format!("/d/{}/settings", who.district.slug)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// Removes one of the account's passkeys from Settings.
pub async fn remove_passkey(
    State(app): State<App>,
    Ready(who): Ready,
    Path((_, id)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
) -> Response {
    let Some(id) = crate::domain::record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    match crate::services::passkeys::remove(&app, &who, id, &client).await {
        Ok(()) => Redirect::to(&format!("/d/{}/settings", who.district.slug)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// Ends the session; a browser that signed in with the district's provider goes on to the
/// provider, to end its session there too, and comes back to the login page.
pub async fn logout(
    State(app): State<App>,
    SignedIn(who): SignedIn,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
) -> Response {
    if let Err(err) = auth::logout(&app, &who, &client).await {
        return PageError(err).into_response();
    }
    let slug = who.district.slug.as_str();
    let portal = who.account.kind.as_str();
    // The provider's sign-out is a page away: a form may only lead to this origin.
    let to = match crate::server::session::signed_in_with_provider(&headers) {
        true => format!("/d/{slug}/sso/signed-out?portal={portal}"),
        false => format!("/d/{slug}/{portal}"),
    };
    (
        AppendHeaders([
            (header::SET_COOKIE, cleared_cookie(&app.config)),
            (
                header::SET_COOKIE,
                crate::server::session::cleared_provider_session(&app.config, slug),
            ),
        ]),
        Redirect::to(&to),
    )
        .into_response()
}
