//! Web Push: subscriptions, the server's VAPID key, and delivery of notifications to the
//! browsers and installed apps that asked for them.

pub mod crypto;
mod gateway;
mod outbound;

pub use gateway::{Delivery, Gateway, WebPush};
pub use outbound::{Outbound, PUSH_TIMEOUT, Refusal};

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::SecretKey;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{Authenticated, Client, account_entry};
use super::{Error, Result};
use crate::app::App;
use crate::domain::{Invalid, JobOutcome, MAX_PUSH_SUBSCRIPTIONS};
use crate::store::{JobRecord, ListedSubscription, NewSubscription};

/// A notification pushed to an account's browsers and apps.
pub const PUSH_JOB: &str = "push.notification";

/// The deployment's VAPID key: made at first start, kept in the database.
pub async fn vapid_key(store: &crate::store::Store, now: i64) -> Result<SecretKey> {
    let text = store
        .server_key(
            "vapid_private_key",
            || loop {
                // A random 32-byte string is a valid P-256 scalar but for a vanishing few.
                if let Ok(bytes) = crate::secrets::random_bytes::<32>()
                    && SecretKey::from_slice(&bytes).is_ok()
                {
                    return Base64UrlUnpadded::encode_string(&bytes);
                }
            },
            now,
        )
        .await?;
    let bytes = Base64UrlUnpadded::decode_vec(&text)
        .map_err(|_| Error::internal("the stored VAPID key is not base64url"))?;
    SecretKey::from_slice(&bytes).map_err(|_| Error::internal("the stored VAPID key is not P-256"))
}

/// The public key browsers subscribe with (`applicationServerKey`), base64url.
pub fn public_key(app: &App) -> String {
    Base64UrlUnpadded::encode_string(&crypto::public_bytes(&app.vapid.public_key()))
}

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Subscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// Stores a subscription for the session that makes it (it ends with the session) after
/// checking it can be used: an https endpoint whose host is a name or a public address (see
/// `outbound`; the hosts of `push_allow_hosts` aside), a P-256 key and a 16-byte secret. An
/// account holds at most [`MAX_PUSH_SUBSCRIPTIONS`]; subscribing is in the audit log.
pub async fn subscribe(
    app: &App,
    who: &Authenticated,
    s: &Subscription,
    client: &Client,
) -> Result<()> {
    let url = url::Url::parse(s.endpoint.trim())
        .map_err(|_| Invalid::new("the endpoint is not an address"))?;
    if s.endpoint.len() > 2000 {
        return Err(Invalid::new("the endpoint is too long").into());
    }
    app.push.check(&url).map_err(Invalid::from)?;
    let p256dh = Base64UrlUnpadded::decode_vec(s.keys.p256dh.trim_end_matches('='))
        .ok()
        .filter(|k| p256::PublicKey::from_sec1_bytes(k).is_ok())
        .ok_or_else(|| Invalid::new("keys.p256dh is not a P-256 public key"))?;
    let auth = Base64UrlUnpadded::decode_vec(s.keys.auth.trim_end_matches('='))
        .ok()
        .filter(|a| a.len() == 16)
        .ok_or_else(|| Invalid::new("keys.auth is not a 16-byte secret"))?;
    let now = app.clock.unix();
    let idle = i64::from(who.district.settings.session_idle_minutes) * 60;
    let mut tx = app.store.begin().await?;
    // Subscriptions of sessions that ended by time end here, and count no more.
    tx.delete_expired_sessions(who.district.id, who.account.id, now, idle)
        .await?;
    let held = tx
        .put_subscription(
            &NewSubscription {
                district: who.district.id,
                account: who.account.id,
                session: who.session.id,
                endpoint: url.as_str(),
                p256dh: &Base64UrlUnpadded::encode_string(&p256dh),
                auth: &Base64UrlUnpadded::encode_string(&auth),
            },
            now,
        )
        .await?;
    if held > MAX_PUSH_SUBSCRIPTIONS {
        return Err(Error::TooMany(Invalid::worded(
            format!(
                "This account already gets push notifications on {MAX_PUSH_SUBSCRIPTIONS} \
                 browsers and apps. Turn one off in Settings first."
            ),
            "push-too-many",
            vec![("count", MAX_PUSH_SUBSCRIPTIONS.to_string())],
        )));
    }
    tx.audit(
        account_entry(
            who,
            "push.subscribed",
            Some(format!(
                "{} for session {}",
                url.host_str().unwrap_or("?"),
                who.session.id
            )),
            client,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The account's push subscriptions (those of its live sessions), oldest first.
pub async fn subscriptions(app: &App, who: &Authenticated) -> Result<Vec<ListedSubscription>> {
    let idle = i64::from(who.district.settings.session_idle_minutes) * 60;
    Ok(app
        .store
        .subscriptions_listed(who.district.id, who.account.id, app.clock.unix(), idle)
        .await?)
}

/// Ends one of the account's push subscriptions; someone else's is `NotFound`.
pub async fn unsubscribe(app: &App, who: &Authenticated, id: i64, client: &Client) -> Result<()> {
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    if !tx
        .delete_subscription_of(who.district.id, who.account.id, id)
        .await?
    {
        return Err(Error::NotFound);
    }
    tx.audit(
        account_entry(who, "push.unsubscribed", Some(id.to_string()), client),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct PushJob {
    notification: i64,
}

pub fn job_payload(notification: i64) -> String {
    format!("{{\"notification\":{notification}}}")
}

/// Pushes one notification to every subscription of its account's live sessions, to all at
/// once. Subscriptions the push service no longer knows (404, 410), and those that may not be
/// sent to (see `outbound`), are removed; other failures are tried again.
pub async fn run(app: &App, job: &JobRecord) -> JobOutcome {
    match deliver(app, job).await {
        Ok(None) => JobOutcome::Done,
        Ok(Some(why)) => JobOutcome::Retry(why),
        Err(Error::Unavailable(err)) => JobOutcome::Retry(err.to_string()),
        Err(err) => JobOutcome::Give(err.to_string()),
    }
}

/// `Ok(Some(reason))` when some push should be tried again.
async fn deliver(app: &App, job: &JobRecord) -> Result<Option<String>> {
    let PushJob { notification } = serde_json::from_str(&job.payload)
        .map_err(|e| Error::internal(format!("job payload: {e}")))?;
    let Some(district) = app.store.district_by_id(job.district).await? else {
        return Ok(None);
    };
    let Some((account, note)) = app.store.notification(district.id, notification).await? else {
        return Ok(None);
    };
    let payload = serde_json::json!({
        "title": note.title,
        "body": note.body,
        "url": format!("/d/{}/notifications", district.slug),
    })
    .to_string();
    let now = app.clock.unix();
    let web = std::sync::Arc::new(WebPush {
        outbound: app.push.clone(),
        vapid: app.vapid.clone(),
        contact: format!("mailto:{}", app.config.mail_from),
        now,
    });
    for device in app.store.devices_of(district.id, account).await? {
        // No FCM or APNs gateway is in this build: the device stays registered for a
        // deployment that adds one (see `gateway`).
        tracing::debug!(platform = %device.platform, "no gateway for this device's platform");
    }
    let idle = i64::from(district.settings.session_idle_minutes) * 60;
    let mut pushes = tokio::task::JoinSet::new();
    for subscription in app
        .store
        .live_subscriptions(district.id, account, now, idle)
        .await?
    {
        let (web, payload) = (web.clone(), payload.clone());
        pushes.spawn(async move {
            let delivery = web.deliver(&subscription, payload.as_bytes()).await;
            (subscription.id, delivery)
        });
    }
    let mut retry = None;
    while let Some(done) = pushes.join_next().await {
        let (id, delivery) = done.map_err(|e| Error::internal(format!("a push task: {e}")))?;
        match delivery? {
            Delivery::Delivered => app.store.subscription_sent(district.id, id, now).await?,
            Delivery::Gone => app.store.delete_subscription(district.id, id).await?,
            Delivery::Refused(why) => {
                tracing::warn!(district = %district.slug, subscription = id, %why, "push refused: the subscription is removed");
                app.store.delete_subscription(district.id, id).await?;
            }
            Delivery::Retry(why) => retry = Some(why),
        }
    }
    Ok(retry)
}

/// A mobile app's registration, as it sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceRegistration {
    /// The app's id for the device: not blank, at most 100 bytes, no control characters
    /// (white space around it aside). The one it logged in with when absent.
    #[schema(
        pattern = "^[\\t\\n\\r ]*[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*[\\t\\n\\r ]*$"
    )]
    pub device_id: Option<String>,
    #[schema(schema_with = platforms)]
    pub platform: String,
    /// The platform's push token (APNs device token, FCM registration token): not blank, at
    /// most 4096 bytes, no control characters (white space around it aside).
    #[schema(
        pattern = "^[\\t\\n\\r ]*[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*[\\t\\n\\r ]*$"
    )]
    pub token: String,
}

/// `platform`'s schema: `ios` or `android`.
fn platforms() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["ios", "android"]))
        .description(Some("The device's platform."))
        .build()
}

/// Registers a mobile device's push token for this account. Delivery to it goes through the
/// platform's gateway (FCM, APNs) where the deployment has one; see the README.
pub async fn register_device(app: &App, who: &Authenticated, r: &DeviceRegistration) -> Result<()> {
    let platform = match r.platform.trim().to_ascii_lowercase().as_str() {
        "ios" => "ios",
        "android" => "android",
        other => {
            return Err(Invalid::new(format!("platform is ios or android, not {other:?}")).into());
        }
    };
    let device_id = r
        .device_id
        .clone()
        .or_else(|| who.session.device_id.clone())
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .ok_or_else(|| Invalid::new("give the device_id (or log in with one)"))?;
    let token = r.token.trim();
    for (what, value, max) in [
        ("device_id", device_id.as_str(), 100),
        ("token", token, 4096),
    ] {
        if value.is_empty() || value.len() > max || value.chars().any(char::is_control) {
            return Err(Invalid::new(format!("{what} is not valid")).into());
        }
    }
    app.store
        .put_device(
            who.district.id,
            who.account.id,
            who.session.id,
            &crate::store::DeviceRecord {
                device_id,
                platform: platform.to_owned(),
                token: token.to_owned(),
            },
            app.clock.unix(),
        )
        .await?;
    Ok(())
}

/// After a switch between linked accounts on a device, the device gets the new account's
/// notifications too, for as long as the new session (`to_session`) lasts: the first switch
/// registers it, and turns push on for every kind the district sends when the account had not
/// chosen any.
pub async fn follow_switch(
    app: &App,
    device_id: &str,
    from: (crate::domain::DistrictId, crate::domain::AccountId),
    to: (crate::domain::DistrictId, crate::domain::AccountId),
    to_session: i64,
) -> Result<bool> {
    let theirs = app.store.devices_of(from.0, from.1).await?;
    let Some(device) = theirs.into_iter().find(|d| d.device_id == device_id) else {
        return Ok(false);
    };
    let (district, account) = to;
    let known = app
        .store
        .devices_of(district, account)
        .await?
        .iter()
        .any(|d| d.device_id == device_id);
    app.store
        .put_device(district, account, to_session, &device, app.clock.unix())
        .await?;
    if known {
        return Ok(false);
    }
    if app
        .store
        .channel_events(district, account, crate::store::Channel::Push)
        .await?
        .is_empty()
    {
        let now = app.clock.unix();
        let mut tx = app.store.begin().await?;
        for event in crate::domain::Event::ALL {
            tx.set_channel_preference(
                district,
                account,
                event.as_str(),
                crate::store::Channel::Push,
                true,
                now,
            )
            .await?;
        }
        tx.commit().await?;
    }
    Ok(true)
}
