//! Web Push: the deployment's keys, and each account's push subscriptions.

use sqlx::Row;

use super::{Result, Store};
use crate::domain::{AccountId, DistrictId};

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
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM server_keys WHERE name = $1")
            .bind(name.to_owned())
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// Stores a subscription for the account; an endpoint seen before moves to it.
    pub async fn put_subscription(
        &self,
        district: DistrictId,
        account: AccountId,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        now: i64,
    ) -> Result<()> {
        let _turn = self.write_turn().await?;
        let mut tx = self.transaction().await?;
        sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1")
            .bind(endpoint.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO push_subscriptions (district_id, account_id, endpoint, p256dh, auth, \
               created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(endpoint.to_owned())
        .bind(p256dh.to_owned())
        .bind(auth.to_owned())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn subscriptions_of(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Vec<SubscriptionRecord>> {
        let rows = sqlx::query(
            "SELECT id, endpoint, p256dh, auth FROM push_subscriptions \
             WHERE district_id = $1 AND account_id = $2 ORDER BY id",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_all(&self.pool)
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

    pub async fn delete_subscription(&self, id: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
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
    /// Registers (or refreshes) a device's push token for the account.
    pub async fn put_device(
        &self,
        district: DistrictId,
        account: AccountId,
        device: &DeviceRecord,
        now: i64,
    ) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query(
            "INSERT INTO devices (district_id, account_id, device_id, platform, token, created_at, \
               updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (district_id, account_id, device_id) DO UPDATE SET \
               platform = excluded.platform, token = excluded.token, updated_at = excluded.updated_at",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(device.device_id.clone())
        .bind(device.platform.clone())
        .bind(device.token.clone())
        .bind(now)
        .execute(&self.pool)
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
        .fetch_all(&self.pool)
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
