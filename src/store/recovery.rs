//! Forgot your password? and Forgot your username?: reset requests, their tokens, and the
//! accounts an email address belongs to.

use sqlx::Row;

use super::{Result, Store, Tx};
use crate::domain::{AccountId, DistrictId, Lang};

/// A reset request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetRecord {
    pub id: i64,
    pub district: DistrictId,
    pub account: AccountId,
    pub expires_at: Option<i64>,
    pub used_at: Option<i64>,
}

/// Where a mail for an account goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub account: AccountId,
    pub username: String,
    pub given_name: String,
    pub email: Option<String>,
    pub active: bool,
    /// The language the account reads its mail in: English until it has one.
    pub language: Lang,
}

const RESET_COLUMNS: &str = "id, district_id, account_id, expires_at, used_at";

fn reset_from_row(row: &sqlx::any::AnyRow) -> Result<ResetRecord> {
    Ok(ResetRecord {
        id: row.try_get("id")?,
        district: DistrictId(row.try_get("district_id")?),
        account: AccountId(row.try_get("account_id")?),
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    })
}

impl Tx {
    pub async fn insert_reset(
        &mut self,
        district: DistrictId,
        account: AccountId,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO password_resets (district_id, account_id, created_at) \
             VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Marks a request used; false when it was used already (by a request that won the race).
    pub async fn use_reset(&mut self, id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE password_resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every other request of the account: one link works at a time.
    pub async fn retire_resets(
        &mut self,
        district: DistrictId,
        account: AccountId,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE password_resets SET used_at = $3 \
             WHERE district_id = $1 AND account_id = $2 AND used_at IS NULL",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// The district's request behind a token's hash (its link's, or the one sent before it).
    pub async fn reset_by_token(
        &self,
        district: DistrictId,
        token_hash: &str,
    ) -> Result<Option<ResetRecord>> {
        let row = sqlx::query(super::sql::built(format!(
            "SELECT {RESET_COLUMNS} FROM password_resets \
             WHERE district_id = $1 AND (token_hash = $2 OR previous_token_hash = $2)"
        )))
        .bind(district.0)
        .bind(token_hash.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(reset_from_row).transpose()
    }

    pub async fn reset(&self, district: DistrictId, id: i64) -> Result<Option<ResetRecord>> {
        let row = sqlx::query(super::sql::built(format!(
            "SELECT {RESET_COLUMNS} FROM password_resets WHERE district_id = $1 AND id = $2"
        )))
        .bind(district.0)
        .bind(id)
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(reset_from_row).transpose()
    }

    /// Gives a request its token. A new one is the request's link from now on; the one before
    /// it keeps working too, for a mail sent twice.
    pub async fn arm_reset(&self, id: i64, token_hash: &str, expires_at: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        sqlx::query(
            "UPDATE password_resets SET previous_token_hash = token_hash, token_hash = $2, \
               expires_at = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(token_hash.to_owned())
        .bind(expires_at)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    pub async fn recipient(
        &self,
        district: DistrictId,
        account: AccountId,
    ) -> Result<Option<Recipient>> {
        let row = sqlx::query(
            "SELECT a.id, a.username, a.active, a.language, p.given_name, p.email FROM accounts a \
             JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id \
             WHERE a.district_id = $1 AND a.id = $2",
        )
        .bind(district.0)
        .bind(account.0)
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| recipient_from_row(&row)).transpose()
    }

    /// The active accounts whose person has this email address (compared without case).
    pub async fn accounts_with_email(
        &self,
        district: DistrictId,
        email: &str,
    ) -> Result<Vec<Recipient>> {
        let rows = sqlx::query(
            "SELECT a.id, a.username, a.active, a.language, p.given_name, p.email FROM accounts a \
             JOIN people p ON p.district_id = a.district_id AND p.id = a.person_id \
             WHERE a.district_id = $1 AND a.active = $3 AND p.email IS NOT NULL \
               AND LOWER(TRIM(p.email)) = $2 \
             ORDER BY a.username",
        )
        .bind(district.0)
        .bind(email.trim().to_lowercase())
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(recipient_from_row).collect()
    }
}

fn recipient_from_row(row: &sqlx::any::AnyRow) -> Result<Recipient> {
    Ok(Recipient {
        account: AccountId(row.try_get("id")?),
        username: row.try_get("username")?,
        given_name: row.try_get("given_name")?,
        email: row.try_get("email")?,
        active: super::flag(row, "active")?,
        language: row
            .try_get::<Option<String>, _>("language")?
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default(),
    })
}
