//! Staff reads of students' records, per account and minute, for the hourly allowance.

use sqlx::Row;

use super::accounts::{account_columns, account_with_hash};
use super::{Result, Store};
use crate::domain::{Account, AccountId, DistrictId};

impl Store {
    /// Records read by the account from `since_minute` on, and the oldest minute among them.
    pub async fn staff_reads_since(
        &self,
        district: DistrictId,
        account: AccountId,
        since_minute: i64,
    ) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(reads), 0) AS BIGINT) AS total, MIN(minute) AS oldest \
             FROM staff_reads \
             WHERE district_id = $1 AND account_id = $2 AND minute >= $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(since_minute)
        .fetch_one(self.pool()?)
        .await?;
        Ok((row.try_get("total")?, row.try_get("oldest")?))
    }

    /// Counts `reads` more in `minute`, and forgets the account's minutes older than
    /// `forget_before`.
    pub async fn add_staff_reads(
        &self,
        district: DistrictId,
        account: AccountId,
        minute: i64,
        reads: i64,
        forget_before: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM staff_reads WHERE district_id = $1 AND account_id = $2 AND minute < $3",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(forget_before)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "INSERT INTO staff_reads (district_id, account_id, minute, reads) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (district_id, account_id, minute) \
             DO UPDATE SET reads = staff_reads.reads + excluded.reads",
        )
        .bind(district.0)
        .bind(account.0)
        .bind(minute)
        .bind(reads)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// The district's active staff accounts.
    pub async fn staff_accounts(&self, district: DistrictId) -> Result<Vec<Account>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " WHERE a.district_id = $1 AND a.kind = 'staff' AND a.active = $2 ORDER BY a.id"
        ))
        .bind(district.0)
        .bind(true)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| account_with_hash(row).map(|(account, _)| account))
            .collect()
    }

    /// Whether the account's reads were refused (and its district's staff told) since `since`.
    pub async fn reads_limited_since(
        &self,
        district: DistrictId,
        username: &str,
        since: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_log \
             WHERE district_id = $1 AND target = $2 AND at >= $3 AND action = 'staff.reads_limited'",
        )
        .bind(district.0)
        .bind(username.to_owned())
        .bind(since)
        .fetch_one(self.pool()?)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}
