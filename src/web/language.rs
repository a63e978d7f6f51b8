//! The language switch at the foot of every page: it remembers the choice in the browser and,
//! for a logged-in account, on the account (its pages everywhere and its mail follow it), then
//! goes back to the page it was pressed on.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::App;
use crate::domain::Lang;
use crate::server::language::cookie;
use crate::server::session::authenticate;

#[derive(Debug, Deserialize)]
pub struct Choice {
    lang: String,
}

pub async fn switch(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<Choice>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = back_to(&headers);
    let Some(lang) = form.ok().and_then(|Form(c)| Lang::parse(&c.lang)) else {
        return Redirect::to(&back).into_response();
    };
    if let Ok(who) = authenticate(&headers, &app).await
        && let Err(err) = remember(&app, &who, lang).await
    {
        // The browser still remembers it; the account learns it at the next switch.
        tracing::warn!(%err, "the account's language could not be saved");
    }
    (
        [(header::SET_COOKIE, cookie(&app.config, lang))],
        Redirect::to(&back),
    )
        .into_response()
}

async fn remember(
    app: &App,
    who: &crate::services::auth::Authenticated,
    lang: Lang,
) -> Result<(), crate::store::StoreError> {
    let mut tx = app.store.begin().await?;
    tx.set_account_language(who.district.id, who.account.id, lang)
        .await?;
    tx.commit().await
}

/// The page the switch was pressed on: the path of the `Referer`, never another site.
fn back_to(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned())
}
