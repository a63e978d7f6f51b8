//! Rostering over REST: each district's connection to its SIS's OneRoster API, who holds it
//! while a sync runs, and the record of every run.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store};
use crate::domain::DistrictId;

/// A district's SIS connection, as kept (the secret still sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SisConnectionRecord {
    pub base_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
}

/// One run of the sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRunRecord {
    pub id: i64,
    /// `bulk` or `delta`.
    pub mode: String,
    pub since: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `running`, `imported` or `failed`.
    pub outcome: String,
    pub started_by: String,
    pub records: i64,
    pub summary: Option<String>,
    pub problems: Option<String>,
}

/// What a run came to, as its record keeps it.
#[derive(Debug, Clone, Copy)]
pub struct RunEnd<'a> {
    pub imported: bool,
    pub records: i64,
    /// The import's report, or why the run failed.
    pub summary: &'a str,
    /// The problems that stopped the import, one per line.
    pub problems: Option<&'a str>,
}

/// A district whose sync may be due: how often it syncs, and when its last run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSchedule {
    pub district: DistrictId,
    pub every: i64,
    pub last_started: Option<i64>,
}

fn run_from_row(row: &AnyRow) -> Result<SyncRunRecord> {
    Ok(SyncRunRecord {
        id: row.try_get("id")?,
        mode: row.try_get("mode")?,
        since: row.try_get("since")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        outcome: row.try_get("outcome")?,
        started_by: row.try_get("started_by")?,
        records: row.try_get("records")?,
        summary: row.try_get("summary")?,
        problems: row.try_get("problems")?,
    })
}

impl Store {
    /// Sets the district's SIS connection, replacing any (a run under way keeps its hold).
    pub async fn set_sis_connection(
        &self,
        district: DistrictId,
        connection: &SisConnectionRecord,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sis_connections (district_id, base_url, token_url, client_id, \
               client_secret, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (district_id) DO UPDATE SET base_url = excluded.base_url, \
               token_url = excluded.token_url, client_id = excluded.client_id, \
               client_secret = excluded.client_secret, updated_at = excluded.updated_at",
        )
        .bind(district.0)
        .bind(connection.base_url.clone())
        .bind(connection.token_url.clone())
        .bind(connection.client_id.clone())
        .bind(connection.client_secret.clone())
        .bind(now)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    pub async fn sis_connection(
        &self,
        district: DistrictId,
    ) -> Result<Option<SisConnectionRecord>> {
        let row = sqlx::query(
            "SELECT base_url, token_url, client_id, client_secret FROM sis_connections \
             WHERE district_id = $1",
        )
        .bind(district.0)
        .fetch_optional(self.pool()?)
        .await?;
        row.map(|row| {
            Ok(SisConnectionRecord {
                base_url: row.try_get("base_url")?,
                token_url: row.try_get("token_url")?,
                client_id: row.try_get("client_id")?,
                client_secret: row.try_get("client_secret")?,
            })
        })
        .transpose()
    }

    /// Takes the district's connection for a run until `until`, unless another run holds it;
    /// answers whether it was taken. A run left `running` by a node that stopped, whose hold
    /// ran out, is recorded as interrupted.
    pub async fn hold_sis_connection(
        &self,
        district: DistrictId,
        now: i64,
        until: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE sis_connections SET running_until = $3 \
             WHERE district_id = $1 AND (running_until IS NULL OR running_until <= $2)",
        )
        .bind(district.0)
        .bind(now)
        .bind(until)
        .execute(tx.conn())
        .await?
        .rows_affected()
            == 1;
        if taken {
            sqlx::query(
                "UPDATE sync_runs SET outcome = 'failed', finished_at = $2, \
                   summary = 'interrupted: the node running it stopped' \
                 WHERE district_id = $1 AND outcome = 'running'",
            )
            .bind(district.0)
            .bind(now)
            .execute(tx.conn())
            .await?;
        }
        tx.commit().await?;
        Ok(taken)
    }

    /// Keeps the district's connection held until `until`.
    pub async fn renew_sis_hold(&self, district: DistrictId, until: i64) -> Result<()> {
        sqlx::query(
            "UPDATE sis_connections SET running_until = $2 \
             WHERE district_id = $1 AND running_until IS NOT NULL",
        )
        .bind(district.0)
        .bind(until)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    pub async fn release_sis_connection(&self, district: DistrictId) -> Result<()> {
        sqlx::query("UPDATE sis_connections SET running_until = NULL WHERE district_id = $1")
            .bind(district.0)
            .execute(self.pool()?)
            .await?;
        Ok(())
    }

    /// Records a run as started; answers its id.
    pub async fn start_sync_run(
        &self,
        district: DistrictId,
        mode: &str,
        since: Option<i64>,
        started_by: &str,
        now: i64,
    ) -> Result<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO sync_runs (district_id, mode, since, started_at, outcome, started_by) \
             VALUES ($1, $2, $3, $4, 'running', $5) RETURNING id",
        )
        .bind(district.0)
        .bind(mode.to_owned())
        .bind(since)
        .bind(now)
        .bind(started_by.to_owned())
        .fetch_one(self.pool()?)
        .await?;
        Ok(id)
    }

    /// Records what a run came to.
    pub async fn finish_sync_run(
        &self,
        district: DistrictId,
        id: i64,
        end: RunEnd<'_>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE sync_runs SET outcome = $3, records = $4, summary = $5, problems = $6, \
               finished_at = $7 WHERE district_id = $1 AND id = $2",
        )
        .bind(district.0)
        .bind(id)
        .bind(if end.imported { "imported" } else { "failed" })
        .bind(end.records)
        .bind(end.summary.to_owned())
        .bind(end.problems.map(str::to_owned))
        .bind(now)
        .execute(self.pool()?)
        .await?;
        Ok(())
    }

    /// When the district's last imported run started: a delta fetches what changed since.
    pub async fn last_good_sync(&self, district: DistrictId) -> Result<Option<i64>> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(started_at) FROM sync_runs WHERE district_id = $1 AND outcome = 'imported'",
        )
        .bind(district.0)
        .fetch_one(self.pool()?)
        .await?;
        Ok(at)
    }

    /// The district's latest runs, newest first.
    pub async fn sync_runs(&self, district: DistrictId, limit: u32) -> Result<Vec<SyncRunRecord>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT id, mode, since, started_at, finished_at, outcome, started_by, records, \
               summary, problems FROM sync_runs WHERE district_id = $1 \
             ORDER BY started_at DESC, id DESC {}",
            super::sql::limit(limit)
        )))
        .bind(district.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// The districts that sync on a schedule and have a connection.
    pub async fn sync_schedules(&self) -> Result<Vec<SyncSchedule>> {
        let rows = sqlx::query(
            "SELECT d.id, d.sync_interval, \
               (SELECT MAX(r.started_at) FROM sync_runs r WHERE r.district_id = d.id) AS last \
             FROM districts d JOIN sis_connections c ON c.district_id = d.id \
             WHERE d.sync_interval > 0 ORDER BY d.id",
        )
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SyncSchedule {
                    district: DistrictId(row.try_get("id")?),
                    every: row.try_get("sync_interval")?,
                    last_started: row.try_get("last")?,
                })
            })
            .collect()
    }
}
