//! Where the push sender may connect. A push endpoint is an address a browser (or whoever
//! holds a session) handed the portal, so it is checked as untrusted: https only, and every
//! address its host resolves to must be public; the connection goes to exactly the addresses
//! that were checked (the resolver below is the connector's only source of addresses), so a
//! name that resolves differently a moment later gains nothing. No redirect is followed, the
//! whole request is bounded in time and at most a few KiB of the answer is read. The hosts of
//! `push_allow_hosts` (a private gateway, tests) are the one way around the checks.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::config::AllowedHost;
use crate::domain::{Invalid, is_public};

/// The longest one push may take, from resolving its host to the end of its answer.
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest the connection (TCP and TLS) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What is read of a push service's answer, at most: its status is all that counts.
const ANSWER_BYTES: usize = 4096;

/// The push sender's HTTP clients and what they may reach.
#[derive(Clone)]
pub struct Outbound {
    /// For endpoints on the Internet: https, public addresses only.
    public: reqwest::Client,
    /// For the hosts `push_allow_hosts` names: no address check, http too.
    allowed: reqwest::Client,
    allow: Arc<[AllowedHost]>,
}

/// Why an endpoint is not sent to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the endpoint must be an https:// address")]
    NotHttps,
    #[error("the endpoint's address {0} is not a public Internet address")]
    NotPublic(IpAddr),
}

impl From<Refusal> for Invalid {
    fn from(refusal: Refusal) -> Self {
        Invalid::new(refusal.to_string())
    }
}

/// What a push service made of a request.
#[derive(Debug)]
pub enum Answer {
    Status(u16),
    /// The endpoint may not be reached from here.
    Refused(Refusal),
    /// It could not be reached, or did not answer in time.
    Unreachable(String),
}

impl Outbound {
    pub fn new(allow: &[AllowedHost]) -> Result<Self, String> {
        let builder = || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(PUSH_TIMEOUT)
                .connect_timeout(CONNECT_TIMEOUT)
                .no_proxy()
                .user_agent("Homeroom")
        };
        let public = builder()
            .https_only(true)
            .dns_resolver(PublicOnly)
            .build()
            .map_err(|e| e.to_string())?;
        let allowed = builder().build().map_err(|e| e.to_string())?;
        Ok(Self {
            public,
            allowed,
            allow: allow.into(),
        })
    }

    /// Whether an endpoint may be sent to as far as its address itself tells: an allowed
    /// host, or https to a name or a public address. A name is checked again at each push,
    /// against what it resolves to then.
    pub fn check(&self, endpoint: &url::Url) -> Result<(), Refusal> {
        self.client_for(endpoint).map(|_| ())
    }

    fn client_for(&self, endpoint: &url::Url) -> Result<&reqwest::Client, Refusal> {
        if self.allow.iter().any(|host| host.admits(endpoint)) {
            return Ok(&self.allowed);
        }
        if endpoint.scheme() != "https" {
            return Err(Refusal::NotHttps);
        }
        let literal = match endpoint.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(Refusal::NotHttps),
        };
        match literal {
            Some(ip) if !is_public(ip) => Err(Refusal::NotPublic(ip)),
            _ => Ok(&self.public),
        }
    }

    /// POSTs a push, and reads at most a few KiB of the answer.
    pub async fn post(
        &self,
        endpoint: &url::Url,
        headers: reqwest::header::HeaderMap,
        body: Vec<u8>,
    ) -> Answer {
        let client = match self.client_for(endpoint) {
            Ok(client) => client,
            Err(refusal) => return Answer::Refused(refusal),
        };
        let sent = client
            .post(endpoint.as_str())
            .headers(headers)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => {
                return match refusal_in(&err) {
                    Some(refusal) => Answer::Refused(refusal),
                    None => Answer::Unreachable(describe(&err)),
                };
            }
        };
        let status = response.status().as_u16();
        // The answer matters only for its status; reading a little of its body lets the
        // connection be used again. Whatever is past the limit, or late, is left unread.
        let mut read = 0;
        while read < ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        Answer::Status(status)
    }
}

/// The resolver of the public client: every address a name resolves to must be public, or
/// none is used.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = found.iter().find(|a| !is_public(a.ip())) {
                return Err(Box::new(Refusal::NotPublic(bad.ip())) as _);
            }
            if found.is_empty() {
                return Err(format!("{host} has no address").into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The resolver's refusal, from the chain of errors the client wraps it in.
fn refusal_in(err: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if let Some(refusal) = err.downcast_ref::<Refusal>() {
            return Some(refusal.clone());
        }
        cause = err.source();
    }
    None
}

/// An error with its causes, on one line.
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        text.push_str(": ");
        text.push_str(&err.to_string());
        cause = err.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(outbound: &Outbound, endpoint: &str) -> Option<Refusal> {
        outbound
            .check(&url::Url::parse(endpoint).expect("a test address"))
            .err()
    }

    #[test]
    fn only_https_names_and_public_addresses_pass_unless_allowed() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let outbound = Outbound::new(&[]).expect("a client");
        assert_eq!(
            refusal(&outbound, "https://fcm.googleapis.com/fcm/send/x"),
            None
        );
        assert_eq!(refusal(&outbound, "https://8.8.8.8/x"), None);
        assert_eq!(
            refusal(&outbound, "http://fcm.googleapis.com/x"),
            Some(Refusal::NotHttps)
        );
        for endpoint in [
            "https://127.0.0.1/x",
            "https://127.1/x",
            "https://0x7f000001/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://10.0.0.1/x",
            "https://0.0.0.0/x",
        ] {
            assert!(
                matches!(refusal(&outbound, endpoint), Some(Refusal::NotPublic(_))),
                "{endpoint}"
            );
        }
        let allowed = Outbound::new(&[
            AllowedHost::parse("127.0.0.1:8080").expect("an entry"),
            AllowedHost::parse("gateway.internal").expect("an entry"),
        ])
        .expect("a client");
        assert_eq!(refusal(&allowed, "http://127.0.0.1:8080/x"), None);
        assert_eq!(refusal(&allowed, "http://gateway.internal:81/x"), None);
        assert!(refusal(&allowed, "https://127.0.0.1:8081/x").is_some());
    }
}
