//! A OneRoster 1.2 REST client: a token by OAuth 2.0 client credentials (kept until it
//! expires), and each collection read page by page with `limit` and `offset`, following the
//! `Link` and `X-Total-Count` headers. Every failure is a sentence an administrator can act
//! on: the run it belongs to fails whole.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::domain::{Collection, SIS_SCOPES, SisUrl};

/// Records asked for at a time.
pub(super) const PAGE: u64 = 1_000;

/// The largest answer taken for one page.
const MAX_PAGE_BYTES: usize = 64 << 20;

/// A token is renewed this long before the SIS said it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(30);

/// Tokens this process holds, by token endpoint, client id and a hash of the secret: kept
/// until they expire, across runs (a district syncing every hour with hour-long tokens asks
/// for one per run, not one per page).
static TOKENS: LazyLock<Mutex<HashMap<String, (String, Instant)>>> =
    LazyLock::new(Default::default);

pub(super) struct Sis {
    http: reqwest::Client,
    base: SisUrl,
    token_url: SisUrl,
    client_id: String,
    client_secret: String,
    /// Where this client's token is kept in [`TOKENS`].
    token_key: String,
    /// At most this many records of one collection: what the import would take from a file.
    max_records: u64,
}

/// A token endpoint's refusal (RFC 6749, section 5.2).
#[derive(Deserialize)]
struct TokenRefusal {
    error: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    token_type: String,
    expires_in: Option<u64>,
}

/// Why a run could not read the SIS: said so that an administrator can act on it.
pub(super) type Failure = String;

impl Sis {
    pub(super) fn new(
        base: SisUrl,
        token_url: SisUrl,
        client_id: String,
        client_secret: String,
        timeout: Duration,
        max_records: u64,
    ) -> Result<Self, Failure> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would carry the bearer token wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Homeroom")
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        let token_key = format!(
            "{}\n{client_id}\n{}",
            token_url.as_str(),
            crate::secrets::sha256_hex(client_secret.as_bytes())
        );
        Ok(Self {
            http,
            base,
            token_url,
            client_id,
            client_secret,
            token_key,
            max_records,
        })
    }

    /// A bearer token: the one kept, while it lasts, or a new one.
    pub(super) async fn token(&mut self) -> Result<String, Failure> {
        let kept = TOKENS
            .lock()
            .ok()
            .and_then(|tokens| tokens.get(&self.token_key).cloned());
        if let Some((token, until)) = kept
            && Instant::now() < until
        {
            return Ok(token);
        }
        // RFC 6749, section 2.3.1: each is form-encoded before it goes into Basic.
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", SIS_SCOPES)
            .finish();
        let response = self
            .http
            .post(self.token_url.as_str())
            .basic_auth(encode(&self.client_id), Some(encode(&self.client_secret)))
            .header("Accept", "application/json")
            .body(form)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send()
            .await
            .map_err(|e| unreachable("the token endpoint", &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::BAD_REQUEST
        {
            // RFC 6749, section 5.2: the error says which part was refused.
            let said = read_limited(response, 64 << 10)
                .await
                .ok()
                .and_then(|body| serde_json::from_slice::<TokenRefusal>(&body).ok())
                .map(|refusal| refusal.error)
                .unwrap_or_default();
            return Err(match said.as_str() {
                "invalid_scope" => format!(
                    "the SIS's token endpoint refused the scopes ({status} invalid_scope): the \
                     client needs OneRoster 1.2's roster.readonly and gradebook.readonly"
                ),
                "invalid_client" | "unauthorized_client" | "" => format!(
                    "the SIS's token endpoint refused the client id and secret ({status}): check \
                     them with the SIS's administrator"
                ),
                other => format!(
                    "the SIS's token endpoint refused the request ({status} {:?})",
                    other.chars().take(60).collect::<String>()
                ),
            });
        }
        if !status.is_success() {
            return Err(format!("the SIS's token endpoint answered {status}"));
        }
        let body = read_limited(response, 64 << 10)
            .await
            .map_err(|e| format!("the SIS's token endpoint: {e}"))?;
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| format!("the SIS's token endpoint did not answer with a token: {e}"))?;
        if !answer.token_type.eq_ignore_ascii_case("bearer") || answer.access_token.is_empty() {
            return Err(format!(
                "the SIS's token endpoint gave a {:?} token, not a bearer token",
                answer.token_type
            ));
        }
        let lasts = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        let until = Instant::now() + lasts.saturating_sub(TOKEN_MARGIN.min(lasts / 10));
        if let Ok(mut tokens) = TOKENS.lock() {
            tokens.retain(|_, (_, until)| Instant::now() < *until);
            tokens.insert(self.token_key.clone(), (answer.access_token.clone(), until));
        }
        Ok(answer.access_token)
    }

    /// Drops the kept token: the SIS no longer takes it.
    fn forget_token(&self) {
        if let Ok(mut tokens) = TOKENS.lock() {
            tokens.remove(&self.token_key);
        }
    }

    /// Reads a collection, every record or (with `filter`) those it selects, handing each page
    /// to `page` in order; answers how many records there were.
    pub(super) async fn each_page(
        &mut self,
        collection: Collection,
        filter: Option<&str>,
        mut page: impl FnMut(Vec<serde_json::Value>) -> Result<(), Failure>,
    ) -> Result<u64, Failure> {
        let name = collection.name();
        let endpoint = format!(
            "{}/{}/v1p2/{name}",
            self.base.as_str(),
            collection.service()
        );
        let mut read = 0u64;
        let mut next: Option<url::Url> = None;
        loop {
            let url = match next.take() {
                Some(url) => url,
                None => {
                    let mut url = url::Url::parse(&endpoint)
                        .map_err(|e| format!("{name}: not an address: {e}"))?;
                    {
                        let mut query = url.query_pairs_mut();
                        query
                            .append_pair("limit", &PAGE.to_string())
                            .append_pair("offset", &read.to_string())
                            .append_pair("sort", "sourcedId")
                            .append_pair("orderBy", "asc");
                        if let Some(filter) = filter {
                            query.append_pair("filter", filter);
                        }
                    }
                    url
                }
            };
            let (records, total, link) = self.fetch(collection, &url, read).await?;
            let count = records.len() as u64;
            read += count;
            if read > self.max_records {
                return Err(format!(
                    "{name}: the SIS has more than {} records (import_max_rows)",
                    self.max_records
                ));
            }
            page(records)?;
            if count == 0 {
                break;
            }
            if let Some(link) = link {
                if link == url {
                    return Err(format!(
                        "{}: the SIS's next page is the page it just gave",
                        collection.name()
                    ));
                }
                next = Some(link);
                continue;
            }
            let more = match total {
                Some(total) => read < total,
                None => count >= PAGE,
            };
            if !more {
                break;
            }
        }
        Ok(read)
    }

    /// One page: its records, the total the SIS counts, and its next page's address.
    async fn fetch(
        &mut self,
        collection: Collection,
        url: &url::Url,
        offset: u64,
    ) -> Result<(Vec<serde_json::Value>, Option<u64>, Option<url::Url>), Failure> {
        let name = collection.name();
        let at = format!("{name} (from record {offset})");
        let mut renewed = false;
        let response = loop {
            let token = self.token().await?;
            let response = self
                .http
                .get(url.clone())
                .bearer_auth(&token)
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|e| format!("{at}: {}", unreachable("the SIS", &e)))?;
            // A token can end before the SIS said it would: one new one is asked for.
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && !renewed {
                self.forget_token();
                renewed = true;
                continue;
            }
            break response;
        };
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            self.forget_token();
            return Err(format!(
                "{at}: the SIS refused this connection's token ({status}): check that the \
                 client may read rosters and gradebooks"
            ));
        }
        if !status.is_success() {
            return Err(format!("{at}: the SIS answered {status}"));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let total = header("X-Total-Count").and_then(|t| t.trim().parse::<u64>().ok());
        let next = header("Link")
            .and_then(|links| next_link(&links))
            .and_then(|link| url.join(&link).ok())
            .filter(|link| self.base.same_origin(link));
        let body = read_limited(response, MAX_PAGE_BYTES)
            .await
            .map_err(|e| format!("{at}: {e}"))?;
        let mut answer: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| format!("{at}: the SIS's answer is not JSON: {e}"))?;
        let records = match answer.get_mut(name).map(serde_json::Value::take) {
            Some(serde_json::Value::Array(records)) => records,
            _ => {
                return Err(format!(
                    "{at}: the SIS's answer has no {name:?} list, as OneRoster 1.2 answers"
                ));
            }
        };
        Ok((records, total, next))
    }
}

/// Reads an answer's body, up to `limit` bytes.
async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > limit {
                    return Err(format!("the answer is larger than {} MiB", limit >> 20));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(unreachable("the SIS", &e)),
        }
    }
}

/// Why a request got no answer, in words.
fn unreachable(what: &str, err: &reqwest::Error) -> String {
    if err.is_timeout() {
        format!("{what} did not answer in time")
    } else if err.is_connect() {
        format!("{what} could not be reached")
    } else {
        format!("{what} did not answer: {err}")
    }
}

/// The `rel="next"` target of a `Link` header (RFC 8288).
fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        let params_end = rest[close..].find('<').map_or(rest.len(), |i| close + i);
        let params = &rest[close + 1..params_end];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            p.strip_prefix("rel=")
                .map(|v| {
                    v.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .unwrap_or(false)
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = &rest[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn the_next_link_is_found_among_others() {
        let header = "<https://sis.example/users?limit=2&offset=4>; rel=\"next\", \
                      <https://sis.example/users?limit=2&offset=8>; rel=\"last\"";
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://sis.example/users?limit=2&offset=4")
        );
        assert_eq!(
            next_link("<https://a/x?o=0>; rel=\"first\", <https://a/x?o=2>;rel=next").as_deref(),
            Some("https://a/x?o=2")
        );
        assert_eq!(next_link("<https://a/x>; rel=\"last\""), None);
        assert_eq!(next_link("garbage"), None);
    }
}
