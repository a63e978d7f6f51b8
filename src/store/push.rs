//! Web Push: the deployment's keys, and each account's push subscriptions.

use sqlx::Row;

use super::{Result, SessionKind, Store, StoreError, Tx};
use crate::domain::{AccountId, DistrictId};

/// Joins a subscription (`p`) or device to its session, when the session is live: `$3` is
/// now, `$4` the last moment a browser session may have been used and still be live.
macro_rules! live_session_join {
    () => {
        "JOIN sessions s ON s.district_id = p.district_id AND s.id = p.session_id \
           AND s.expires_at > $3 AND (s.kind = 'app' OR s.last_seen_at > $4)"
    };
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRecord {
    pub id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl Store {
    /// The deployment key called `name`, made by `make` the first time it is asked for. Two
    /// nodes starting at once agree: the first write wins and both read it back.
    pub async fn server_key(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
        now: i64,
    ) -> Result<String> {
        let _turn = self.write_turn().await?;
        sqlx::query(
            "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.to_owned())
        .bind(make())
        .bind(now)
        .execute(self.pool()?)
        .await?;
        let row = sqlx::query("SELECT value FROM server_keys WHERE name = $1")
            .bind(name.to_owned())
            .fetch_one(self.pool()?)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// The subscriptions to push to: those of the account's live sessions (not past their
    /// end, and, for a browser's, used within `idle_seconds`).
    pub async fn live_subscriptions(
        &self,
        district: DistrictId,
        account: AccountId,
        now: i64,
        idle_seconds: i64,
    ) -> Result<Vec<SubscriptionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT p.id, p.endpoint, p.p256dh, p.auth FROM push_subscriptions p ",
            live_session_join!(),
            " WHERE p.district_id = $1 AND p.account_id = $2 ORDER BY p.id"
        ))
        .bind(district.0)
        .bind(account.0)
        .bind(now)
        .bind(now - idle_seconds)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SubscriptionRecord {
                    id: r.try_get("id")?,
                    endpoint: r.try_get("endpoint")?,
                    p256dh: r.try_get("p256dh")?,
                    auth: r.try_get("auth")?,
                })
            })
            .collect()
    }

    /// The account's subscriptions of live sessions, with the session each belongs to, oldest
    /// first.
    pub async fn subscriptions_listed(
        &self,
        district: DistrictId,
        account: AccountId,
        now: i64,
        idle_seconds: i64,
    ) -> Result<Vec<ListedSubscription>> {
        let rows = sqlx::query(concat!(
            "SELECT p.id, p.session_id, p.endpoint, p.created_at, p.last_sent_at, \
               s.kind AS session_kind, s.device_name, s.platform, s.user_agent \
             FROM push_subscriptions p ",
            live_session_join!(),
            " WHERE p.district_id = $1 AND p.account_id = $2 ORDER BY p.created_at, p.id"
        ))
        .bind(district.0)
        .bind(account.0)
        .bind(now)
        .bind(now - idle_seconds)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|r| {
                let kind = match r.try_get::<String, _>("session_kind")?.as_str() {
                    "app" => SessionKind::App,
                    "web" => SessionKind::Web,
                    other => return Err(StoreError::Corrupt(format!("session kind {other:?}"))),
                };
                Ok(ListedSubscription {
                    id: r.try_get("id")?,
                    session: r.try_get("session_id")?,
                    kind,
                    endpoint: r.try_get("endpoint")?,
                    created_at: r.try_get("created_at")?,
                    last_sent_at: r.try_get("last_sent_at")?,
                    device_name: r.try_get("device_name")?,
                    platform: r.try_get("platform")?,
                    user_agent: r.try_get("user_agent")?,
                })
            })
            .collect()
    }

    /// Forgets a subscription the push service no longer knows, or may not be sent to.
    pub async fn delete_subscription(&self, district: DistrictId, id: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query("DELETE FROM push_subscriptions WHERE district_id = $1 AND id = $2")
            .bind(district.0)
            .bind(id)
            .execute(self.pool()?)
            .await?;
        Ok(())
    }

    /// Records that a push reached the subscription's push service.
    pub async fn subscription_sent(&self, district: DistrictId, id: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query(
            "UPDATE push_subscriptions SET last_sent_at = $3 WHERE district_id = $1 AND id = $2",
        )
        .bind(district.0)
        .bind(id)
        .bind(now)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }
}

/// A subscription about to be stored: the session that makes it is the one it ends with.
pub struct NewSubscription<'a> {
    pub district: DistrictId,
    pub account: AccountId,
    pub session: i64,
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
}

/// A subscription as the account's own list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSubscription {
    pub id: i64,
    /// The session (or app token) it belongs to.
    pub session: i64,
    pub kind: SessionKind,
    pub endpoint: String,
    pub created_at: i64,
    pub last_sent_at: Option<i64>,
    /// What the session says of its device: the app's device name and platform, the
    /// browser's user agent.
    pub device_name: Option<String>,
    pub platform: Option<String>,
    pub user_agent: Option<String>,
}

impl Tx {
    /// Stores a subscription for its session (an endpoint the district has seen before moves
    /// to it) and answers how many the account holds now. The account's row is locked first,
    /// so that two subscriptions at once are counted one after the other.
    pub async fn put_subscription(&mut self, new: &NewSubscription<'_>, now: i64) -> Result<u64> {
        sqlx::query(
            "UPDATE accounts SET updated_at = updated_at WHERE district_id = $1 AND id = $2",
        )
        .bind(new.district.0)
        .bind(new.account.0)
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM push_subscriptions WHERE district_id = $1 AND endpoint = $2")
            .bind(new.district.0)
            .bind(new.endpoint.to_owned())
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO push_subscriptions (district_id, account_id, session_id, endpoint, \
               p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new.district.0)
        .bind(new.account.0)
        .bind(new.session)
        .bind(new.endpoint.to_owned())
        .bind(new.p256dh.to_owned())
        .bind(new.auth.to_owned())
        .bind(now)
        .execute(self.conn())
        .await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS held FROM push_subscriptions \
             WHERE district_id = $1 AND account_id = $2",
        )
        .bind(new.district.0)
        .bind(new.account.0)
        .fetch_one(self.conn())
        .await?;
        let held: i64 = row.try_get("held")?;
        Ok(u64::try_from(held).unwrap_or(0))
    }

    /// Ends one of the account's subscriptions; answers whether it was theirs.
    pub async fn delete_subscription_of(
        &mut self,
        district: DistrictId,
        account: AccountId,
        id: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM push_subscriptions WHERE district_id = $1 AND account_id = $2 AND id = $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every push subscription and device registration of the account, whatever session
    /// made them (a password change or reset, a disabled account). Answers how many ended.
    pub async fn end_push_subscriptions(
        &mut self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<u64> {
        let mut ended = 0;
        for sql in [
            "DELETE FROM push_subscriptions WHERE district_id = $1 AND account_id = $2",
            "DELETE FROM devices WHERE district_id = $1 AND account_id = $2",
        ] {
            ended += sqlx::query(sql)
                .bind(district.0)
                .bind(account.0)
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        Ok(ended)
    }
}

/// A mobile app's registration for push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub device_id: String,
    pub platform: String,
    pub token: String,
}

impl Store {
    /// Registers (or refreshes) a device's push token for the account, for as long as the
    /// session `session` lasts.
    pub async fn put_device(
        &self,
        district: DistrictId,
        account: AccountId,
        session: i64,
        device: &DeviceRecord,
        now: i64,
    ) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query(
            "INSERT INTO devices (district_id, account_id, session_id, device_id, platform, token, \
               created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (district_id, account_id, device_id) DO UPDATE SET \
               session_id = excluded.session_id, platform = excluded.platform, \
               token = excluded.token, updated_at = excluded.updated_at",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(session)
        .bind(device.device_id.clone())
        .bind(device.platform.clone())
        .bind(device.token.clone())
        .bind(now)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    pub async fn devices_of(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Vec<DeviceRecord>> {
        let rows = sqlx::query(
            "SELECT device_id, platform, token FROM devices \
             WHERE district_id = $1 AND account_id = $2 ORDER BY id",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeviceRecord {
                    device_id: r.try_get("device_id")?,
                    platform: r.try_get("platform")?,
                    token: r.try_get("token")?,
                })
            })
            .collect()
    }
}
