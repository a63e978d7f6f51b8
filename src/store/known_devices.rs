//! The devices each account has logged in from, by the hash of their id, for new-device alerts.

use sqlx::Row;

use super::{Result, Tx};
use crate::domain::{AccountId, DistrictId};

/// What a login's device was to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSeen {
    /// Logged in from before.
    Known,
    /// New to an account that knew no device yet: its first.
    First,
    /// New to an account that knew others.
    New,
}

impl Tx {
    /// Remembers the device `hash` (when it has one) as the account's, forgets devices not seen
    /// since `forget_before`, and answers what the device was to it. A device without an id is
    /// never known. Of two logins at once from one new device, one finds it new.
    pub async fn remember_device(
        &mut self,
        district: DistrictId,
        account: AccountId,
        hash: Option<&str>,
        now: i64,
        forget_before: i64,
    ) -> Result<DeviceSeen> {
        sqlx::query(
            "DELETE FROM known_devices \
             WHERE district_id = $1 AND account_id = $2 AND last_seen < $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(forget_before)
        .execute(self.conn())
        .await?;
        let others: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM known_devices WHERE district_id = $1 AND account_id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_one(self.conn())
        .await?
        .try_get("n")?;
        let Some(hash) = hash else {
            return Ok(if others == 0 {
                DeviceSeen::First
            } else {
                DeviceSeen::New
            });
        };
        let seen = sqlx::query(
            "UPDATE known_devices SET last_seen = $1 \
             WHERE district_id = $2 AND account_id = $3 AND device_hash = $4",
        )
        .bind(now)
        .bind(district.0)
        .bind(account.0)
        .bind(hash.to_owned())
        .execute(self.conn())
        .await?;
        if seen.rows_affected() > 0 {
            return Ok(DeviceSeen::Known);
        }
        let added = sqlx::query(
            "INSERT INTO known_devices (district_id, account_id, device_hash, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (district_id, account_id, device_hash) DO NOTHING",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(hash.to_owned())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(match (added.rows_affected(), others) {
            (0, _) => DeviceSeen::Known,
            (_, 0) => DeviceSeen::First,
            _ => DeviceSeen::New,
        })
    }
}
