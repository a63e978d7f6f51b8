//! The one interface every push gateway answers. Web Push (RFC 8030, payloads encrypted per
//! RFC 8291, the server identified per RFC 8292) is built in. Mobile platforms' gateways, FCM
//! and APNs, are not part of this build: a deployment that has one adds it as another
//! `Gateway` for the devices of its platform (README, "Notifications").

use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::SecretKey;
use reqwest::header::{HeaderMap, HeaderValue};

use super::crypto;
use super::outbound::{Answer, Outbound};
use crate::services::{Error, Result};
use crate::store::SubscriptionRecord;

/// How long a push service keeps a message for an offline device.
const TTL_SECONDS: i64 = 24 * 60 * 60;

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The gateway no longer knows the target: forget it.
    Gone,
    /// The target may not be sent to from here (see `outbound`), for this reason: forget it.
    Refused(String),
    /// Worth trying again later, for this reason.
    Retry(String),
}

/// A push gateway: delivers a notification's payload (JSON) to one of its targets.
pub trait Gateway {
    type Target;

    fn deliver(
        &self,
        target: &Self::Target,
        payload: &[u8],
    ) -> impl std::future::Future<Output = Result<Delivery>> + Send;
}

/// Web Push, to a browser's or installed app's subscription.
#[derive(Clone)]
pub struct WebPush {
    pub outbound: Outbound,
    pub vapid: Arc<SecretKey>,
    /// Who runs this server, for the push service (`mailto:`).
    pub contact: String,
    pub now: i64,
}

impl Gateway for WebPush {
    type Target = SubscriptionRecord;

    async fn deliver(&self, target: &SubscriptionRecord, payload: &[u8]) -> Result<Delivery> {
        let (Ok(p256dh), Ok(auth), Ok(endpoint)) = (
            Base64UrlUnpadded::decode_vec(&target.p256dh),
            Base64UrlUnpadded::decode_vec(&target.auth),
            url::Url::parse(&target.endpoint),
        ) else {
            return Ok(Delivery::Gone);
        };
        if let Err(refusal) = self.outbound.check(&endpoint) {
            return Ok(Delivery::Refused(refusal.to_string()));
        }
        let sender = ephemeral_key()?;
        let salt = crate::secrets::random_bytes::<16>()?;
        let body = crypto::encrypt(payload, &p256dh, &auth, &sender, &salt)
            .map_err(|e| Error::internal(e.to_string()))?;
        let authorization = crypto::vapid_authorization(
            &self.vapid,
            &endpoint.origin().ascii_serialization(),
            &self.contact,
            self.now + 12 * 60 * 60,
        );
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("ttl", TTL_SECONDS.to_string()),
            ("content-encoding", "aes128gcm".to_owned()),
            ("content-type", "application/octet-stream".to_owned()),
            ("urgency", "normal".to_owned()),
            ("authorization", authorization),
        ] {
            let value = HeaderValue::from_str(&value)
                .map_err(|_| Error::internal(format!("the {name} header")))?;
            headers.insert(name, value);
        }
        Ok(match self.outbound.post(&endpoint, headers, body).await {
            Answer::Status(200..=299) => Delivery::Delivered,
            Answer::Status(404 | 410) => Delivery::Gone,
            Answer::Status(status) => {
                Delivery::Retry(format!("the push service answered {status}"))
            }
            Answer::Refused(refusal) => Delivery::Refused(refusal.to_string()),
            Answer::Unreachable(why) => {
                Delivery::Retry(format!("the push service could not be reached: {why}"))
            }
        })
    }
}

fn ephemeral_key() -> Result<SecretKey> {
    for _ in 0..8 {
        if let Ok(key) = SecretKey::from_slice(&crate::secrets::random_bytes::<32>()?) {
            return Ok(key);
        }
    }
    Err(Error::internal("no P-256 key could be made"))
}
