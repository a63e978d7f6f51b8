//! The language of each request: the one the visitor chose with the switch (a cookie, which a
//! login also sets from the account), else the first of the browser's `Accept-Language` that
//! the portal speaks, else English. Pages and their errors are rendered in it.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};

use crate::config::Config;
use crate::domain::Lang;

const COOKIE: &str = "homeroom_lang";

/// The language chosen with the switch, if any.
fn chosen(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .and_then(|c| Lang::parse(c.value()))
}

/// The browser's language, from `Accept-Language`.
fn browser(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::negotiate)
        .unwrap_or_default()
}

/// `Set-Cookie` that remembers a chosen language in this browser for a year.
pub fn cookie(config: &Config, lang: Lang) -> String {
    Cookie::build((COOKIE, lang.code()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.public_url.scheme() == "https")
        .max_age(cookie::time::Duration::days(365))
        .build()
        .to_string()
}

/// Renders the request in its language and says which (`Content-Language`).
pub async fn layer(request: Request, next: Next) -> Response {
    let chosen = chosen(request.headers());
    let lang = chosen.unwrap_or_else(|| browser(request.headers()));
    let mut response = crate::i18n::scope(lang, chosen.is_some(), next.run(request)).await;
    let headers = response.headers_mut();
    let page = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if page {
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
        headers.append(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
    }
    response
}
