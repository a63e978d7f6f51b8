//! The audit log: who did what, in which district, when, from where. Written in the same
//! transaction as the change it records, where there is one.

use sqlx::{Any, Executor, Row};

use super::{Result, Store, Tx};
use crate::domain::{AccountId, DistrictId};

#[derive(Debug, Default)]
pub struct AuditEntry<'a> {
    pub district: Option<DistrictId>,
    /// `operator` for the command line, `account` for a logged-in person, `anonymous`.
    pub actor: &'a str,
    pub account: Option<AccountId>,
    /// A dotted verb such as `district.setting_changed` or `login.failed`.
    pub action: &'static str,
    pub target: Option<&'a str>,
    pub detail: Option<String>,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub actor: String,
    pub account: Option<AccountId>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

impl Tx {
    pub async fn audit(&mut self, entry: AuditEntry<'_>, now: i64) -> Result<()> {
        insert(&mut *self.inner, entry, now).await
    }
}

impl Store {
    /// Records an event that changes nothing else (a failed login, a logout).
    pub async fn audit(&self, entry: AuditEntry<'_>, now: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        insert(&self.pool, entry, now).await
    }

    /// A district's entries, newest first.
    pub async fn audit_entries(
        &self,
        district: DistrictId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT at, actor, account_id, action, target, detail, address, user_agent \
             FROM audit_log WHERE district_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(district.0)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    account: row.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    detail: row.try_get("detail")?,
                    address: row.try_get("address")?,
                    user_agent: row.try_get("user_agent")?,
                })
            })
            .collect()
    }
}

async fn insert<'e, E>(executor: E, entry: AuditEntry<'_>, now: i64) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    let Some(district) = entry.district else {
        return Err(super::StoreError::Corrupt(format!(
            "audit entry {} without a district",
            entry.action
        )));
    };
    sqlx::query(
        "INSERT INTO audit_log (district_id, at, actor, account_id, action, target, detail, \
           address, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(district.0)
    .bind(now)
    .bind(entry.actor.to_owned())
    .bind(entry.account.map(|a| a.0))
    .bind(entry.action)
    .bind(entry.target.map(str::to_owned))
    .bind(entry.detail)
    .bind(entry.address.map(str::to_owned))
    .bind(
        entry
            .user_agent
            .map(|ua| ua.chars().take(300).collect::<String>()),
    )
    .execute(executor)
    .await?;
    Ok(())
}
