//! Who is asking: the client's address and user agent, and the account behind a session
//! cookie or a bearer token.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};

use crate::app::App;
use crate::config::Config;
use crate::server::error::ApiError;
use crate::services::Error;
use crate::services::auth::{self, Authenticated, Client};

/// The request's origin, as throttling and the audit log need it.
pub struct ClientInfo(pub Client);

impl FromRequestParts<App> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let address = client_address(peer, &parts.headers, &app.config)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().filter(|c| !c.is_control()).take(300).collect());
        Ok(Self(Client {
            address,
            user_agent,
        }))
    }
}

/// The connection's address; or, when it is a trusted proxy, the client's address from
/// `X-Forwarded-For`. Each proxy appends the address it heard from, so the entries are read
/// from the right: trusted proxies are passed over and the first other address is the client.
/// Everything to the left of that was written by the client and proves nothing. An entry that
/// does not parse ends the walk at the nearest trusted hop, so junk cannot pose as a proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    config: &Config,
) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| config.trusted_proxies.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !trusted(&peer) {
        return Some(peer);
    }
    let entries: Vec<Option<&str>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| match v.to_str() {
            Ok(text) => text.split(',').map(Some).collect::<Vec<_>>(),
            Err(_) => vec![None],
        })
        .collect();
    let mut nearest = peer;
    for entry in entries.into_iter().rev() {
        match entry.and_then(forwarded_address) {
            Some(ip) if trusted(&ip) => nearest = ip,
            Some(ip) => return Some(ip),
            None => break,
        }
    }
    Some(nearest)
}

/// One `X-Forwarded-For` entry: an address, with or without a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`, `[2001:db8::1]`).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| e.parse::<std::net::Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })?;
    Some(ip.to_canonical())
}

/// The session cookie's name: with `__Host-` behind TLS, which pins it to this host and path.
pub fn cookie_name(config: &Config) -> &'static str {
    if secure(config) {
        "__Host-homeroom_session"
    } else {
        "homeroom_session"
    }
}

fn secure(config: &Config) -> bool {
    config.public_url.scheme() == "https"
}

/// A cookie of ours on `path`: HttpOnly, SameSite=Lax, Secure behind https. Each caller sets
/// how long it lasts.
fn ours(
    config: &Config,
    name: &'static str,
    value: String,
    path: String,
) -> cookie::CookieBuilder<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(config))
}

/// The value of the cookie `name` the request carries, if any.
fn sent(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The cookie that ties a sign-in with the district's identity provider to the browser that
/// started it, so that nobody can finish their own sign-in in someone else's browser.
const SSO_COOKIE: &str = "homeroom_sso";

/// `Set-Cookie` holding a sign-in's portal and state (`portal.state`), for the district's
/// callback alone, ten minutes.
pub fn sso_cookie(config: &Config, slug: &str, portal: &str, state: &str) -> String {
    ours(
        config,
        SSO_COOKIE,
        format!("{portal}.{state}"),
        format!("/d/{slug}/sso"),
    )
    .max_age(cookie::time::Duration::minutes(10))
    .build()
    .to_string()
}

/// A browser that signed in with the district's provider: at logout it is sent to end the
/// provider's session too. A hint only: it grants nothing, and a stale one at worst shows the
/// provider's sign-out page.
const SIGNED_IN_WITH_PROVIDER: &str = "homeroom_sso_session";

/// `Set-Cookie` marking this browser as signed in with the district's provider.
pub fn provider_session_cookie(config: &Config, slug: &str) -> String {
    ours(
        config,
        SIGNED_IN_WITH_PROVIDER,
        "1".to_owned(),
        format!("/d/{slug}"),
    )
    .build()
    .to_string()
}

/// `Set-Cookie` taking the mark away.
pub fn cleared_provider_session(config: &Config, slug: &str) -> String {
    ours(
        config,
        SIGNED_IN_WITH_PROVIDER,
        String::new(),
        format!("/d/{slug}"),
    )
    .max_age(cookie::time::Duration::ZERO)
    .build()
    .to_string()
}

/// Whether this browser signed in with the district's provider.
pub fn signed_in_with_provider(headers: &HeaderMap) -> bool {
    sent(headers, SIGNED_IN_WITH_PROVIDER).as_deref() == Some("1")
}

/// The sign-in this browser started, if any: its portal and its state.
pub fn sso_state(headers: &HeaderMap) -> Option<(String, String)> {
    let value = sent(headers, SSO_COOKIE)?;
    let (portal, state) = value.split_once('.')?;
    Some((portal.to_owned(), state.to_owned()))
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(config: &Config, token: &str) -> String {
    ours(
        config,
        cookie_name(config),
        token.to_owned(),
        "/".to_owned(),
    )
    .build()
    .to_string()
}

/// The cookies a new browser session starts with: its secret, the account's language, so
/// that the portal speaks it from the first page on, and the browser's device cookie, kept
/// another year.
pub fn logged_in_cookies(
    config: &Config,
    logged_in: &crate::services::auth::LoggedIn,
    browser: &BrowserDevice,
) -> axum::response::AppendHeaders<[(header::HeaderName, String); 3]> {
    let lang = logged_in
        .account
        .language
        .unwrap_or_else(crate::i18n::current);
    axum::response::AppendHeaders([
        (header::SET_COOKIE, session_cookie(config, &logged_in.token)),
        (header::SET_COOKIE, super::language::cookie(config, lang)),
        (header::SET_COOKIE, browser.cookie(config)),
    ])
}

/// The browser's device cookie: a random id it keeps across sessions, so that a login from a
/// browser an account has not used before can be told to the account. One the browser did not
/// send (or sent malformed) is made new.
pub struct BrowserDevice(String);

impl BrowserDevice {
    fn name(config: &Config) -> &'static str {
        if secure(config) {
            "__Host-homeroom_device"
        } else {
            "homeroom_device"
        }
    }

    fn of(headers: &HeaderMap, config: &Config) -> Result<Self, Error> {
        let sent = sent(headers, Self::name(config)).filter(|id| {
            (32..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        match sent {
            Some(id) => Ok(Self(id)),
            None => Ok(Self(crate::secrets::token()?)),
        }
    }

    /// The device a login from this browser comes from.
    pub fn device(&self) -> auth::Device {
        auth::Device {
            browser: Some(self.0.clone()),
            ..auth::Device::default()
        }
    }

    /// `Set-Cookie` for it: HttpOnly, kept 400 days (the most browsers allow).
    pub fn cookie(&self, config: &Config) -> String {
        ours(config, Self::name(config), self.0.clone(), "/".to_owned())
            .max_age(cookie::time::Duration::days(400))
            .build()
            .to_string()
    }
}

impl FromRequestParts<App> for BrowserDevice {
    type Rejection = crate::server::error::PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Self::of(&parts.headers, &app.config).map_err(crate::server::error::PageError)
    }
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie(config: &Config) -> String {
    ours(config, cookie_name(config), String::new(), "/".to_owned())
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The session secret the request carries: `Authorization: Bearer …` or the session cookie.
pub fn presented_token(headers: &HeaderMap, config: &Config) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned());
    bearer
        .or_else(|| sent(headers, cookie_name(config)))
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

/// A logged-in account, whether or not it must still change its password.
pub struct Session(pub Authenticated);

/// A logged-in account that may use the portal: one that must change its password is refused
/// with `password_change_required` until it has, and staff who must set up a second factor
/// with `second_factor_enrollment_required`.
pub struct Ready(pub Authenticated);

/// The account behind the request's session secret, if any.
pub async fn authenticate(headers: &HeaderMap, app: &App) -> Result<Authenticated, Error> {
    let token = presented_token(headers, &app.config).ok_or(Error::Unauthorized)?;
    auth::authenticate(app, &token).await
}

/// [`authenticate`] for a page: the menu's unread count comes with the session.
pub async fn authenticate_page(headers: &HeaderMap, app: &App) -> Result<Authenticated, Error> {
    let token = presented_token(headers, &app.config).ok_or(Error::Unauthorized)?;
    auth::authenticate_page(app, &token).await
}

/// A request that reads a student's record, for whom [`Ready`] lets in: the session is found
/// beside the read rather than before it (`services::auth::beside_session`), and nothing of
/// the read is answered unless it is the same.
pub struct Reading(Option<String>);

impl FromRequestParts<App> for Reading {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(Self(presented_token(&parts.headers, &app.config)))
    }
}

impl Reading {
    /// `work` done for whom [`Ready`] lets in; or refused exactly as [`Ready`] refuses.
    pub async fn read<T, Work: Future<Output = T>>(
        self,
        app: &App,
        work: impl Fn(Authenticated) -> Work,
    ) -> Result<T, ApiError> {
        let token = self.0.ok_or(Error::Unauthorized)?;
        let admit = |who: &Authenticated| unready(who).map_or(Ok(()), Err);
        let (_, done) = auth::beside_session(app, &token, auth::Lookup::Api, admit, work).await??;
        Ok(done)
    }
}

/// Why an account may not use the portal yet, if it may not.
fn unready(who: &Authenticated) -> Option<Error> {
    if who.account.must_change_password {
        return Some(Error::PasswordChangeRequired);
    }
    if crate::services::second_factor::must_enroll(&who.district, &who.account) {
        return Some(Error::SecondFactorEnrollmentRequired);
    }
    None
}

impl FromRequestParts<App> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(Self(authenticate(&parts.headers, app).await?))
    }
}

impl FromRequestParts<App> for Ready {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Session(who) = Session::from_request_parts(parts, app).await?;
        match unready(&who) {
            Some(refused) => Err(refused.into()),
            None => Ok(Self(who)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigInput;

    fn config(proxies: &[&str]) -> Config {
        ConfigInput {
            trusted_proxies: Some(proxies.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
        .resolve()
        .unwrap()
    }

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let peer: IpAddr = "10.0.0.5".parse().unwrap();
        let spoofed = headers("1.2.3.4");
        assert_eq!(
            client_address(Some(peer), &spoofed, &config(&[])),
            Some(peer)
        );
        let through = headers("203.0.113.7, 10.0.0.9");
        assert_eq!(
            client_address(Some(peer), &through, &config(&["10.0.0.0/8"])),
            Some("203.0.113.7".parse().unwrap())
        );
        // A client cannot hide behind a fake entry to the left of the real one.
        let forged = headers("198.51.100.1, 203.0.113.7");
        assert_eq!(
            client_address(Some(peer), &forged, &config(&["10.0.0.0/8"])),
            Some("203.0.113.7".parse().unwrap())
        );
        let garbage = headers("not-an-ip");
        assert_eq!(
            client_address(Some(peer), &garbage, &config(&["10.0.0.5"])),
            Some(peer)
        );
    }

    fn through_proxies(xff: &str) -> Option<IpAddr> {
        let peer: IpAddr = "10.0.0.5".parse().unwrap();
        client_address(Some(peer), &headers(xff), &config(&["10.0.0.0/8"]))
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn junk_to_the_left_of_the_client_changes_nothing() {
        // The client wrote "junk"; the proxy appended the address it really came from.
        assert_eq!(through_proxies("junk, 203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(
            through_proxies("unknown, 198.51.100.1, 203.0.113.7, 10.0.0.9"),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn an_unparsable_entry_stops_at_the_nearest_trusted_hop() {
        // Nothing right of the junk is untrusted: the request is the last proxy's own.
        assert_eq!(through_proxies("203.0.113.7, junk"), ip("10.0.0.5"));
        assert_eq!(
            through_proxies("203.0.113.7, junk, 10.0.0.9"),
            ip("10.0.0.9")
        );
        assert_eq!(through_proxies("203.0.113.7, , 10.0.0.9"), ip("10.0.0.9"));
    }

    #[test]
    fn entries_may_carry_ports() {
        assert_eq!(through_proxies("203.0.113.7:5678"), ip("203.0.113.7"));
        assert_eq!(
            through_proxies("[2001:db8::7]:443, 10.0.0.9:80"),
            ip("2001:db8::7")
        );
        assert_eq!(through_proxies("[2001:db8::7]"), ip("2001:db8::7"));
        assert_eq!(through_proxies("::ffff:203.0.113.7"), ip("203.0.113.7"));
    }

    #[test]
    fn several_header_lines_read_as_one_list() {
        let peer: IpAddr = "10.0.0.5".parse().unwrap();
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "junk".parse().unwrap());
        h.append("x-forwarded-for", "203.0.113.7, 10.0.0.9".parse().unwrap());
        assert_eq!(
            client_address(Some(peer), &h, &config(&["10.0.0.0/8"])),
            ip("203.0.113.7")
        );
    }
}
