//! The token endpoint: OAuth 2.0 client credentials (RFC 6749 §4.4), the client authenticating
//! with HTTP Basic (§2.3.1).

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use base64ct::{Base64, Encoding};
use serde_json::{Value, json};

use super::{Sis, Token, form_decode};

pub(super) const SCOPE_PREFIX: &str = "https://purl.imsglobal.org/spec/or/v1p2/scope/";
/// The OneRoster 1.2 scopes this server knows; a token asked for without scope gets the
/// read-only ones.
const SCOPES: &[&str] = &[
    "roster-core.readonly",
    "roster.readonly",
    "roster-demographics.readonly",
    "gradebook.readonly",
    "gradebook.createput",
    "gradebook.delete",
    "resource.readonly",
];
const DEFAULT_SCOPES: &[&str] = &[
    "roster-core.readonly",
    "roster.readonly",
    "roster-demographics.readonly",
    "gradebook.readonly",
    "resource.readonly",
];

/// An OAuth 2.0 error (RFC 6749 §5.2).
struct OAuthError(StatusCode, &'static str, &'static str);

/// `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4), the client
/// authenticating with HTTP Basic (§2.3.1).
pub(super) async fn token(State(sis): State<Sis>, headers: HeaderMap, body: Bytes) -> Response {
    let (status, body) = match sis.grant(&headers, &body) {
        Ok(granted) => (StatusCode::OK, granted),
        Err(OAuthError(status, error, description)) => (
            status,
            json!({"error": error, "error_description": description}),
        ),
    };
    let mut response = (status, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"oneroster\""),
        );
    }
    response
}

impl Sis {
    fn grant(&self, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
        let invalid_request = |why| OAuthError(StatusCode::BAD_REQUEST, "invalid_request", why);
        let invalid_client = || {
            OAuthError(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication failed",
            )
        };
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().unwrap_or_default().trim()
                    == "application/x-www-form-urlencoded"
            });
        let text = std::str::from_utf8(body)
            .ok()
            .filter(|_| is_form)
            .ok_or_else(|| invalid_request("the body must be application/x-www-form-urlencoded"))?;
        let params: Vec<(String, String)> = text
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (form_decode(k), form_decode(v))
            })
            .collect();
        for (i, (name, _)) in params.iter().enumerate() {
            if params[..i].iter().any(|(n, _)| n == name) {
                return Err(invalid_request("a parameter is repeated"));
            }
        }
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let basic = basic_credentials(headers);
        if basic.is_some() && param("client_secret").is_some() {
            return Err(invalid_request(
                "more than one client authentication method",
            ));
        }
        match basic {
            Some((id, secret))
                if id == self.inner.client_id && secret == self.inner.client_secret => {}
            _ => return Err(invalid_client()),
        }
        if self.state().refusing_tokens {
            return Err(invalid_client());
        }
        match param("grant_type") {
            None => return Err(invalid_request("grant_type is missing")),
            Some("client_credentials") => {}
            Some(_) => {
                return Err(OAuthError(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "only client_credentials is supported",
                ));
            }
        }
        let requested: Vec<&str> = param("scope")
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .collect();
        let known = |s: &str| {
            s.strip_prefix(SCOPE_PREFIX)
                .is_some_and(|name| SCOPES.contains(&name))
        };
        if requested.iter().any(|s| !known(s)) {
            return Err(OAuthError(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "an unknown scope was requested",
            ));
        }
        let scopes: Vec<String> = if requested.is_empty() {
            DEFAULT_SCOPES
                .iter()
                .map(|s| format!("{SCOPE_PREFIX}{s}"))
                .collect()
        } else {
            requested.iter().map(|s| (*s).to_owned()).collect()
        };
        let access_token = random_token();
        let mut state = self.state();
        let lifetime = state.lifetime;
        state.tokens_issued += 1;
        state.tokens.insert(
            access_token.clone(),
            Token {
                expires: Instant::now() + Duration::from_secs(lifetime),
                dies_after: None,
                scopes: scopes.clone(),
            },
        );
        Ok(json!({
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": scopes.join(" "),
        }))
    }
}

/// The client id and secret of an `Authorization: Basic` header, each form-urlencoded before
/// the base64 (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = encoded.trim();
    let mut buffer = vec![0u8; encoded.len()];
    let decoded = Base64::decode(encoded, &mut buffer).ok()?;
    let (id, secret) = std::str::from_utf8(decoded).ok()?.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

/// 128 unguessable-enough bits, hex: std's per-process random hash keys.
fn random_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (0..2u64)
        .map(|i| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(i);
            hasher.write_u128(nanos);
            format!("{:016x}", hasher.finish())
        })
        .collect()
}
