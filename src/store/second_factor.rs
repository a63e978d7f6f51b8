//! An account's second factor: its TOTP secret (confirmed, or waiting for its first code), the
//! last time step a code was used for, and its recovery codes (hashed).

use sqlx::Row;

use super::{Result, Store, Tx};
use crate::domain::{AccountId, DistrictId};

/// An account's TOTP state as stored: secrets in base 32.
#[derive(Debug, Clone, Default)]
pub struct TotpRecord {
    pub secret: Option<String>,
    pub pending: Option<String>,
    pub last_step: Option<i64>,
}

impl Store {
    pub async fn totp(&self, district: DistrictId, account: AccountId) -> Result<TotpRecord> {
        let row = sqlx::query(
            "SELECT totp_secret, totp_pending, totp_last_step FROM accounts \
             WHERE district_id = $1 AND id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_optional(self.pool()?)
        .await?;
        Ok(match row {
            Some(row) => TotpRecord {
                secret: row.try_get("totp_secret")?,
                pending: row.try_get("totp_pending")?,
                last_step: row.try_get("totp_last_step")?,
            },
            None => TotpRecord::default(),
        })
    }

    /// Keeps a new secret waiting for its first code (replacing one that waited).
    pub async fn set_totp_pending(
        &self,
        district: DistrictId,
        account: AccountId,
        secret: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET totp_pending = $1, updated_at = $2 \
             WHERE district_id = $3 AND id = $4",
        )
        .bind(secret.to_owned())
        .bind(now)
        .bind(district.0)
        .bind(account.0)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    /// Marks `step` used, if no step at or after it was: false means the code was used already
    /// (or a later one was), and is refused.
    pub async fn use_totp_step(
        &self,
        district: DistrictId,
        account: AccountId,
        step: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 \
             WHERE district_id = $2 AND id = $3 AND totp_secret IS NOT NULL \
               AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(district.0)
        .bind(account.0)
        .execute(self.pool()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Spends a recovery code: false if there is no such unused code.
    pub async fn use_recovery_code(
        &self,
        district: DistrictId,
        account: AccountId,
        code_hash: &str,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE district_id = $2 AND account_id = $3 AND code_hash = $4 AND used_at IS NULL",
        )
        .bind(now)
        .bind(district.0)
        .bind(account.0)
        .bind(code_hash.to_owned())
        .execute(self.pool()?)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Tx {
    /// Makes the waiting secret the account's, with `step` as its first used step, if the
    /// secret waiting is still `pending` (not replaced meanwhile): false otherwise.
    pub async fn confirm_totp(
        &mut self,
        district: DistrictId,
        account: AccountId,
        pending: &str,
        step: i64,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET totp_secret = totp_pending, totp_pending = NULL, \
               totp_last_step = $1, updated_at = $2 \
             WHERE district_id = $3 AND id = $4 AND totp_pending = $5 AND totp_secret IS NULL",
        )
        .bind(step)
        .bind(now)
        .bind(district.0)
        .bind(account.0)
        .bind(pending.to_owned())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replaces the account's recovery codes with these hashes.
    pub async fn replace_recovery_codes(
        &mut self,
        district: DistrictId,
        account: AccountId,
        hashes: &[String],
    ) -> Result<()> {
        sqlx::query("DELETE FROM recovery_codes WHERE district_id = $1 AND account_id = $2")
            .bind(district.0)
            .bind(account.0)
            .execute(self.conn())
            .await?;
        for hash in hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (district_id, account_id, code_hash) \
                 VALUES ($1, $2, $3)",
            )
            .bind(district.0)
            .bind(account.0)
            .bind(hash.clone())
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Takes the account's second factor away: its secret, one waiting, and its recovery
    /// codes. False if it had none.
    pub async fn remove_second_factor(
        &mut self,
        district: DistrictId,
        account: AccountId,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, \
               updated_at = $1 \
             WHERE district_id = $2 AND id = $3 AND totp_secret IS NOT NULL",
        )
        .bind(now)
        .bind(district.0)
        .bind(account.0)
        .execute(self.conn())
        .await?;
        self.replace_recovery_codes(district, account, &[]).await?;
        Ok(done.rows_affected() == 1)
    }
}
