//! The audit log: who did what, in which district, when. Written in the same transaction as the
//! change it records.

use super::{Result, Tx};
use crate::domain::DistrictId;

pub struct AuditEntry<'a> {
    pub district: DistrictId,
    /// `operator` for the command line; later an account.
    pub actor: &'a str,
    /// A dotted verb such as `district.setting_changed`.
    pub action: &'static str,
    pub target: Option<&'a str>,
    pub detail: Option<String>,
}

impl Tx {
    pub async fn audit(&mut self, entry: AuditEntry<'_>, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (district_id, at, actor, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(entry.district.0)
        .bind(now)
        .bind(entry.actor.to_owned())
        .bind(entry.action)
        .bind(entry.target.map(str::to_owned))
        .bind(entry.detail)
        .execute(&mut *self.inner)
        .await?;
        Ok(())
    }
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
}

impl super::Store {
    /// A district's entries, newest first.
    pub async fn audit_entries(
        &self,
        district: DistrictId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM audit_log \
             WHERE district_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
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
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}
