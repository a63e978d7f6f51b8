//! Sign in with the district's identity provider: OpenID Connect's authorization code flow with
//! PKCE (S256), `state` and `nonce`, for the staff, teacher and student portals.
//!
//! The provider is found by discovery from its issuer, and its keys (JWKS) are kept and
//! fetched again when a token names a key not among them. An ID token counts only when its
//! signature checks with one of those keys (RS256 or ES256), it is from the issuer, for this
//! district's client, not expired, and carries the nonce of this very sign-in; the claim that
//! names the person comes from it or, where the provider keeps it there, from UserInfo (whose
//! `sub` must be the token's). The claim must name exactly one active person of the portal's
//! role; nobody is made from a claim alone. A first sign-in of a person without an account
//! makes their account (with a random password nobody knows) and says so in the audit log.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::auth::{self, Client, Device, LoggedIn, Start};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{
    AccountKind, District, Invalid, Issuer, SsoClaim, SsoMatch, Username, sso_portal,
};
use crate::i18n;
use crate::secrets;
use crate::store::{AuditEntry, NewAccount, SessionKind, SsoAttempt, SsoProviderRecord};

/// How long a sign-in may take at the provider.
const ATTEMPT_SECONDS: i64 = 10 * 60;
/// How long a provider has to answer each call.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// Clock difference tolerated on `exp` and `iat`.
const LEEWAY_SECONDS: i64 = 60;
/// How long a discovery document and keys are kept before they are asked for again.
const KEEP_SECONDS: i64 = 3600;

/// A provider as the operator sets it (`homeroom district sso set`).
#[derive(Debug, Clone)]
pub struct ProviderSetting<'a> {
    pub portal: &'a str,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub claim: &'a str,
    pub match_by: &'a str,
    pub label: &'a str,
}

/// The provider's OpenID configuration (the parts this client uses).
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    /// Where a relying party sends the browser to end the provider's session too
    /// (OpenID Connect RP-Initiated Logout 1.0); Google has none.
    end_session_endpoint: Option<String>,
}

#[derive(Clone)]
struct Known {
    discovery: Discovery,
    keys: JwkSet,
    fetched_at: i64,
}

/// Discovery documents and keys by issuer, for this process.
static KNOWN: LazyLock<Mutex<HashMap<String, Known>>> = LazyLock::new(Default::default);

fn http() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(PROVIDER_TIMEOUT)
        .connect_timeout(PROVIDER_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Homeroom")
        .build()
        .map_err(|e| Error::internal(format!("an HTTP client: {e}")))
}

/// A refusal, in the page's language, that says what to do.
fn refused(id: &str) -> Error {
    Error::Forbidden(i18n::t(id))
}

fn unreachable(label: &str, cause: impl std::fmt::Display) -> Error {
    tracing::warn!(%cause, provider = label, "the identity provider did not answer");
    Error::Forbidden(i18n::t1("sso-provider-down", "provider", label.to_owned()))
}

async fn fetch_json<T: for<'de> Deserialize<'de>>(url: &str, label: &str) -> Result<T> {
    let response = http()?
        .get(url)
        .send()
        .await
        .map_err(|e| unreachable(label, e))?;
    if !response.status().is_success() {
        return Err(unreachable(label, format!("{url}: {}", response.status())));
    }
    response.json().await.map_err(|e| unreachable(label, e))
}

/// The issuer's configuration and keys, from this process's memory or asked for again.
async fn known(app: &App, issuer: &Issuer, label: &str, fresh_keys: bool) -> Result<Known> {
    let now = app.clock.unix();
    let kept = KNOWN
        .lock()
        .ok()
        .and_then(|k| k.get(issuer.as_str()).cloned());
    if let Some(kept) = kept
        .as_ref()
        .filter(|k| !fresh_keys && k.fetched_at + KEEP_SECONDS > now)
    {
        return Ok(kept.clone());
    }
    let discovery: Discovery = match kept {
        Some(kept) if kept.fetched_at + KEEP_SECONDS > now => kept.discovery,
        _ => fetch_json(&issuer.discovery_url(), label).await?,
    };
    if discovery.issuer.trim_end_matches('/') != issuer.as_str() {
        return Err(unreachable(
            label,
            format!("the discovery document names issuer {:?}", discovery.issuer),
        ));
    }
    let keys: JwkSet = fetch_json(&discovery.jwks_uri, label).await?;
    let known = Known {
        discovery,
        keys,
        fetched_at: now,
    };
    if let Ok(mut all) = KNOWN.lock() {
        all.insert(issuer.as_str().to_owned(), known.clone());
    }
    Ok(known)
}

fn sealing_context(district: &District, portal: AccountKind) -> String {
    format!("sso:{}:{}", district.id.0, portal.as_str())
}

fn client_secret(app: &App, district: &District, provider: &SsoProviderRecord) -> Result<String> {
    super::sealing::read(
        app,
        &provider.client_secret,
        &sealing_context(district, provider.portal),
        "a client secret",
    )
}

/// Sets a portal's provider after checking that its issuer answers discovery.
pub async fn configure(
    app: &App,
    district: &District,
    setting: &ProviderSetting<'_>,
) -> Result<()> {
    let portal = sso_portal(setting.portal)?;
    let issuer = Issuer::parse(setting.issuer)?;
    let text = |field: &'static str, raw: &str| -> Result<String> {
        let value = raw.trim();
        if value.is_empty() || value.len() > 500 || value.chars().any(char::is_control) {
            return Err(
                Invalid::new(format!("{field} is 1 to 500 characters of text"))
                    .on(field)
                    .into(),
            );
        }
        Ok(value.to_owned())
    };
    let client_id = text("client-id", setting.client_id)?;
    let secret = text("client-secret", setting.client_secret)?;
    let label = text("name", setting.label)?;
    let claim = SsoClaim::parse(setting.claim)?;
    let match_by = SsoMatch::parse(setting.match_by)?;
    known(app, &issuer, &label, true).await?;
    let sealed = super::sealing::keep(app, &secret, &sealing_context(district, portal))?;
    let record = SsoProviderRecord {
        portal,
        issuer: issuer.as_str().to_owned(),
        client_id,
        client_secret: sealed,
        claim,
        match_by,
        label,
    };
    let now = app.clock.unix();
    app.store
        .set_sso_provider(district.id, &record, now)
        .await?;
    app.store
        .audit(
            AuditEntry {
                district: Some(district.id),
                actor: super::districts::OPERATOR,
                action: "sso.configured",
                target: Some(portal.as_str()),
                detail: Some(format!("{} ({})", record.issuer, record.label)),
                ..Default::default()
            },
            now,
        )
        .await?;
    Ok(())
}

/// Removes a portal's provider; answers whether there was one.
pub async fn remove(app: &App, district: &District, portal: &str) -> Result<bool> {
    let portal = sso_portal(portal)?;
    let removed = app.store.remove_sso_provider(district.id, portal).await?;
    if removed {
        app.store
            .audit(
                AuditEntry {
                    district: Some(district.id),
                    actor: super::districts::OPERATOR,
                    action: "sso.removed",
                    target: Some(portal.as_str()),
                    ..Default::default()
                },
                app.clock.unix(),
            )
            .await?;
    }
    Ok(removed)
}

/// The district's providers (secrets left out).
pub async fn providers(app: &App, district: &District) -> Result<Vec<SsoProviderRecord>> {
    Ok(app
        .store
        .sso_providers(district.id)
        .await?
        .into_iter()
        .map(|mut p| {
            p.client_secret = String::new();
            p
        })
        .collect())
}

/// The name of a portal's provider, for the login page's button; none when it has none.
pub async fn label(app: &App, district: &District, portal: AccountKind) -> Option<String> {
    if sso_portal(portal.as_str()).is_err() {
        return None;
    }
    app.store
        .sso_provider(district.id, portal)
        .await
        .ok()
        .flatten()
        .map(|p| p.label)
}

/// Where this district's redirect URI is.
pub fn redirect_uri(app: &App, district: &District) -> String {
    format!(
        "{}/d/{}/sso/callback",
        app.config.public_url.as_str().trim_end_matches('/'),
        district.slug
    )
}

/// Where the provider sends the browser back after it signed out: the portal's login page
/// (to register with the provider as a post-logout redirect URI).
pub fn post_logout_uri(app: &App, district: &District, portal: AccountKind) -> String {
    format!(
        "{}/d/{}/{}",
        app.config.public_url.as_str().trim_end_matches('/'),
        district.slug,
        portal.as_str()
    )
}

/// Where to send a browser that signed in with the district's provider and has just logged
/// out of the portal, to end its session at the provider as well (OpenID Connect
/// RP-Initiated Logout 1.0), with the provider's name: `None` when the provider offers no
/// such endpoint, or cannot be reached just now (the portal's own logout is done either way).
pub async fn logout_url(
    app: &App,
    district: &District,
    portal: AccountKind,
) -> Option<(String, String)> {
    let provider = app.store.sso_provider(district.id, portal).await.ok()??;
    let issuer = Issuer::parse(&provider.issuer).ok()?;
    let known = known(app, &issuer, &provider.label, false).await.ok()?;
    let endpoint = known.discovery.end_session_endpoint?;
    // Held to what an issuer is held to: https, or http on a loopback address.
    Issuer::parse(&endpoint).ok()?;
    let mut url = url::Url::parse(&endpoint).ok()?;
    url.query_pairs_mut()
        .append_pair("client_id", &provider.client_id)
        .append_pair(
            "post_logout_redirect_uri",
            &post_logout_uri(app, district, portal),
        );
    Some((url.into(), provider.label))
}

/// The scheme of the mobile app's redirect: a sign-in from the app ends there, with a
/// one-time code the app exchanges for a token (RFC 8252's pattern, with PKCE of its own).
pub const APP_SCHEME: &str = "homeroom";
/// How long the app's one-time code lives.
const APP_CODE_SECONDS: i64 = 120;

/// A sign-in the mobile app started in the system browser: where its code goes, and the app's
/// PKCE challenge (S256) that the exchange must answer.
#[derive(Debug, Clone, Copy)]
pub struct AppSignIn<'a> {
    pub redirect: &'a str,
    pub challenge: &'a str,
}

impl AppSignIn<'_> {
    fn checked(&self) -> Result<(String, String)> {
        let redirect = url::Url::parse(self.redirect)
            .ok()
            .filter(|u| u.scheme() == APP_SCHEME && u.fragment().is_none())
            .ok_or_else(|| {
                Invalid::new(format!("the app's redirect is a {APP_SCHEME}: address"))
                    .on("app_redirect")
            })?;
        let challenge = self.challenge.trim();
        if challenge.len() != 43
            || !challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(
                Invalid::new("the app's challenge is a base64url SHA-256 (43 characters)")
                    .on("app_challenge")
                    .into(),
            );
        }
        Ok((redirect.into(), challenge.to_owned()))
    }
}

/// How a finished sign-in goes on: a web session, or back to the app with a one-time code.
pub enum Finished {
    Web(LoggedIn),
    App { redirect: String },
}

fn s256(verifier: &str) -> String {
    Base64UrlUnpadded::encode_string(&Sha256::digest(verifier.as_bytes()))
}

/// A sign-in started: where to send the browser, and the state the browser is to keep.
pub struct Begun {
    pub url: String,
    pub state: String,
}

/// Starts a sign-in: keeps its state, nonce and PKCE verifier, and answers where to send the
/// browser.
pub async fn begin(
    app: &App,
    district: &District,
    portal: &str,
    from_app: Option<AppSignIn<'_>>,
) -> Result<Begun> {
    let portal = sso_portal(portal).map_err(|_| Error::NotFound)?;
    let from_app = from_app.map(|a| a.checked()).transpose()?;
    let provider = app
        .store
        .sso_provider(district.id, portal)
        .await?
        .ok_or(Error::NotFound)?;
    let issuer = Issuer::parse(&provider.issuer)?;
    let known = known(app, &issuer, &provider.label, false).await?;
    let state = secrets::token()?;
    let attempt = SsoAttempt {
        portal,
        nonce: secrets::token()?,
        verifier: secrets::token()?,
        app: from_app,
    };
    let challenge = s256(&attempt.verifier);
    let now = app.clock.unix();
    app.store
        .insert_sso_attempt(
            district.id,
            &secrets::hash_token(&state),
            &attempt,
            now + ATTEMPT_SECONDS,
            now,
        )
        .await?;
    let mut url = url::Url::parse(&known.discovery.authorization_endpoint)
        .map_err(|e| unreachable(&provider.label, e))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", &redirect_uri(app, district))
        .append_pair("scope", "openid email profile")
        .append_pair("state", &state)
        .append_pair("nonce", &attempt.nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    Ok(Begun {
        url: url.into(),
        state,
    })
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
    access_token: Option<String>,
}

/// Exchanges the code at the token endpoint (the client authenticated with HTTP Basic).
async fn exchange(
    app: &App,
    district: &District,
    provider: &SsoProviderRecord,
    known: &Known,
    code: &str,
    verifier: &str,
) -> Result<TokenAnswer> {
    let secret = client_secret(app, district, provider)?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &redirect_uri(app, district)),
        ("code_verifier", verifier),
    ];
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let response = http()?
        .post(&known.discovery.token_endpoint)
        .basic_auth(encode(&provider.client_id), Some(encode(&secret)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| unreachable(&provider.label, e))?;
    if response.status().is_client_error() {
        // A code used before, expired, or not this client's: the provider says so.
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        tracing::info!(%status, answer = %text.chars().take(200).collect::<String>(), "the provider refused the code");
        return Err(refused("sso-code-refused"));
    }
    if !response.status().is_success() {
        return Err(unreachable(&provider.label, response.status()));
    }
    response
        .json()
        .await
        .map_err(|e| unreachable(&provider.label, e))
}

/// The ID token's claims, once its signature, issuer, audience, expiry and nonce hold.
async fn verified_claims(
    app: &App,
    issuer: &Issuer,
    provider: &SsoProviderRecord,
    id_token: &str,
    nonce: &str,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let bad = |why: &str| {
        tracing::info!(why, "an ID token was refused");
        refused("sso-token-refused")
    };
    let header = jsonwebtoken::decode_header(id_token).map_err(|_| bad("unreadable header"))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err(bad("an algorithm other than RS256 or ES256"));
    }
    let mut known = known(app, issuer, &provider.label, false).await?;
    let find = |keys: &JwkSet| match &header.kid {
        Some(kid) => keys.find(kid).cloned(),
        None if keys.keys.len() == 1 => keys.keys.first().cloned(),
        None => None,
    };
    let jwk = match find(&known.keys) {
        Some(jwk) => jwk,
        None => {
            // A key the provider rotated in since the keys were fetched.
            known = self::known(app, issuer, &provider.label, true).await?;
            find(&known.keys).ok_or_else(|| bad("a key the provider does not publish"))?
        }
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| bad("an unusable key"))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer.as_str(), &format!("{}/", issuer.as_str())]);
    validation.set_audience(&[provider.client_id.as_str()]);
    // Expiry is checked below against the server's clock, as everything else here is.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
    let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
        id_token,
        &key,
        &validation,
    )
    .map_err(|e| bad(&e.to_string()))?;
    let claims = data.claims;
    let now = app.clock.unix();
    let number = |name: &str| claims.get(name).and_then(serde_json::Value::as_i64);
    if number("exp").is_none_or(|exp| exp + LEEWAY_SECONDS <= now) {
        return Err(bad("expired"));
    }
    if number("iat").is_some_and(|iat| iat > now + LEEWAY_SECONDS) {
        return Err(bad("issued in the future"));
    }
    if claims.get("nonce").and_then(|n| n.as_str()) != Some(nonce) {
        return Err(bad("not this sign-in's nonce"));
    }
    // With several audiences, the token must be meant for this client (OpenID Connect Core 3.1.3.7).
    if let Some(azp) = claims.get("azp").and_then(|a| a.as_str())
        && azp != provider.client_id
    {
        return Err(bad("another client's token"));
    }
    Ok(claims)
}

/// The claim's value from the ID token or, where the provider keeps it there, from UserInfo.
async fn claim_value(
    known: &Known,
    provider: &SsoProviderRecord,
    claims: &serde_json::Map<String, serde_json::Value>,
    access_token: Option<&str>,
) -> Result<String> {
    let name = provider.claim.as_str();
    if let Some(value) = claims.get(name).and_then(|v| v.as_str()) {
        return Ok(value.to_owned());
    }
    let (Some(endpoint), Some(token)) = (&known.discovery.userinfo_endpoint, access_token) else {
        return Err(refused("sso-no-claim"));
    };
    let response = http()?
        .get(endpoint)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| unreachable(&provider.label, e))?;
    if !response.status().is_success() {
        return Err(unreachable(&provider.label, response.status()));
    }
    let info: serde_json::Map<String, serde_json::Value> = response
        .json()
        .await
        .map_err(|e| unreachable(&provider.label, e))?;
    // UserInfo's sub must be the ID token's (OpenID Connect Core 5.3.2).
    if info.get("sub") != claims.get("sub") {
        return Err(refused("sso-token-refused"));
    }
    info.get(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .ok_or_else(|| refused("sso-no-claim"))
}

/// Ends a sign-in the provider sent back: checks everything, finds the one person, and opens a
/// web session (or, for the app, hands it a one-time code).
pub async fn finish(
    app: &App,
    district: &District,
    state: &str,
    code: &str,
    device: &Device,
    client: &Client,
) -> Result<Finished> {
    let now = app.clock.unix();
    let attempt = app
        .store
        .take_sso_attempt(district.id, &secrets::hash_token(state), now)
        .await?
        .ok_or_else(|| refused("sso-state-unknown"))?;
    let provider = app
        .store
        .sso_provider(district.id, attempt.portal)
        .await?
        .ok_or_else(|| refused("sso-state-unknown"))?;
    let issuer = Issuer::parse(&provider.issuer)?;
    let known = known(app, &issuer, &provider.label, false).await?;
    let tokens = exchange(app, district, &provider, &known, code, &attempt.verifier).await?;
    let claims = verified_claims(app, &issuer, &provider, &tokens.id_token, &attempt.nonce).await?;
    let value = claim_value(&known, &provider, &claims, tokens.access_token.as_deref()).await?;
    let audit = |action: &'static str, detail: String| AuditEntry {
        district: Some(district.id),
        actor: "anonymous",
        action,
        target: Some(attempt.portal.as_str()),
        detail: Some(detail),
        address: Some(&client.address),
        user_agent: client.user_agent.as_deref(),
        ..Default::default()
    };
    let people = app
        .store
        .sso_people(district.id, attempt.portal, provider.match_by, &value)
        .await?;
    let [person] = people[..] else {
        let what = if people.is_empty() {
            "nobody"
        } else {
            "several people"
        };
        app.store
            .audit(
                audit(
                    "sso.unmatched",
                    format!("{} {value:?}: {what}", provider.claim.as_str()),
                ),
                now,
            )
            .await?;
        return Err(refused(if people.is_empty() {
            "sso-nobody"
        } else {
            "sso-several"
        }));
    };
    let account = match app.store.account_of_person(district.id, person).await? {
        Some(account) => account,
        None => make_account(app, district, attempt.portal, person, &value).await?,
    };
    if account.kind != attempt.portal || !account.active {
        app.store
            .audit(
                audit(
                    "sso.refused",
                    format!(
                        "account {} is {}",
                        account.username,
                        if account.active {
                            "of another portal"
                        } else {
                            "disabled"
                        }
                    ),
                ),
                now,
            )
            .await?;
        return Err(refused("sso-account-unavailable"));
    }
    if let Some((redirect, challenge)) = &attempt.app {
        let code = secrets::token()?;
        app.store
            .insert_sso_app_code(
                district.id,
                &secrets::hash_token(&code),
                account.id,
                challenge,
                now + APP_CODE_SECONDS,
            )
            .await?;
        let mut back = url::Url::parse(redirect).map_err(|e| Error::internal(e.to_string()))?;
        back.query_pairs_mut().append_pair("code", &code);
        return Ok(Finished::App {
            redirect: back.into(),
        });
    }
    auth::start_session_how(
        app,
        district,
        &account,
        SessionKind::Web,
        device,
        client,
        Start::Sso,
    )
    .await
    .map(Finished::Web)
}

/// The app's exchange of its one-time code (with the verifier of the challenge it started
/// with) for an API token. A code is good once, for two minutes.
pub async fn exchange_app_code(
    app: &App,
    district: &District,
    code: &str,
    verifier: &str,
    device: &Device,
    client: &Client,
) -> Result<LoggedIn> {
    let now = app.clock.unix();
    let (account, challenge) = app
        .store
        .take_sso_app_code(district.id, &secrets::hash_token(code), now)
        .await?
        .ok_or(Error::InvalidCode)?;
    if s256(verifier) != challenge {
        return Err(Error::InvalidCode);
    }
    let (account, _) = app
        .store
        .account(district.id, account)
        .await?
        .ok_or(Error::InvalidCode)?;
    if !account.active {
        return Err(Error::InvalidCode);
    }
    auth::start_session_how(
        app,
        district,
        &account,
        SessionKind::App,
        device,
        client,
        Start::Sso,
    )
    .await
}

/// The account of a person signing in for the first time: their claim as the username where it
/// makes one that is free, a random one otherwise; a random password nobody knows.
async fn make_account(
    app: &App,
    district: &District,
    portal: AccountKind,
    person: i64,
    claim: &str,
) -> Result<crate::domain::Account> {
    let password = secrets::token()?;
    let hash = app.passwords.hash(&password).await?;
    let now = app.clock.unix();
    let chosen = Username::parse(claim).ok();
    for username in chosen
        .into_iter()
        .chain(std::iter::from_fn(|| {
            secrets::code(b"abcdefghjkmnpqrstuvwxyz23456789", 10)
                .ok()
                .and_then(|c| Username::parse(&format!("sso-{c}")).ok())
        }))
        .take(4)
    {
        let mut tx = app.store.begin().await?;
        let new = NewAccount {
            district: district.id,
            person_id: person,
            kind: portal,
            username: &username,
            password_hash: &hash,
            must_change_password: false,
        };
        match auth::insert_account(&mut tx, &new, now).await {
            Ok(id) => {
                tx.audit(
                    AuditEntry {
                        district: Some(district.id),
                        actor: "anonymous",
                        action: "sso.account_created",
                        target: Some(username.as_str()),
                        ..Default::default()
                    },
                    now,
                )
                .await?;
                tx.commit().await?;
                let (account, _) = app
                    .store
                    .account(district.id, id)
                    .await?
                    .ok_or_else(|| Error::internal("the new account is missing"))?;
                return Ok(account);
            }
            Err(Error::UsernameTaken) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(Error::internal("no free username for a new account"))
}
