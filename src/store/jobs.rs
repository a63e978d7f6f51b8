//! The durable job queue. Jobs are written through a [`Tx`], with the change that causes
//! them; workers claim them in batches (PostgreSQL skips rows another worker holds; SQLite has
//! one writer at a time), and finish or fail them.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Result, Store, Tx};
use crate::domain::{AfterFailure, DistrictId, LEASE_SECONDS, after_failure};

pub struct NewJob<'a> {
    pub district: DistrictId,
    /// What the worker does, such as `mail.password_reset`.
    pub kind: &'a str,
    /// JSON, holding ids and never secrets.
    pub payload: String,
    /// A job whose key the district already has is not added again.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: i64,
    pub district: DistrictId,
    pub kind: String,
    pub payload: String,
    pub idempotency_key: String,
    /// `pending`, `running`, `done` or `dead`.
    pub state: String,
    pub attempts: u32,
    pub run_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, district_id, kind, payload, idempotency_key, state, attempts, run_at, last_error, created_at";

impl Tx {
    /// Adds a job to run now; false when the district already has one with this key.
    pub async fn enqueue(&mut self, job: &NewJob<'_>, now: i64) -> Result<bool> {
        self.enqueue_at(job, now, now).await
    }

    /// Adds a job to run from `run_at`; false when the district already has one with this key.
    pub async fn enqueue_at(&mut self, job: &NewJob<'_>, run_at: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (district_id, kind, payload, idempotency_key, state, attempts, \
               run_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $6) \
             ON CONFLICT (district_id, idempotency_key) DO NOTHING",
        )
        .bind(job.district.0)
        .bind(job.kind.to_owned())
        .bind(job.payload.clone())
        .bind(job.idempotency_key.clone())
        .bind(run_at)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a job done in the transaction that does its work, so that a worker that dies
    /// after the commit, before it records the outcome, leaves the job done and not claimed
    /// for another worker to do again.
    pub async fn finish_job(&mut self, id: i64, now: i64) -> Result<()> {
        finished(id, now).execute(self.conn()).await?;
        Ok(())
    }
}

fn finished(id: i64, now: i64) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "UPDATE jobs SET state = 'done', locked_until = NULL, last_error = NULL, \
           updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
}

impl Store {
    /// Claims up to `limit` jobs that are due, and jobs whose worker's lease ran out; each try
    /// is counted as it is claimed, so a job that kills its worker still ends dead.
    pub async fn claim_jobs(&self, now: i64, limit: u32) -> Result<Vec<JobRecord>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2, \
               updated_at = $1 \
             WHERE id IN (SELECT id FROM jobs \
               WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until < $1) \
               ORDER BY run_at, id {limit}{lock}) \
             RETURNING {COLUMNS}",
            limit = super::sql::limit(limit)
        );
        let _turn = self.write_turn().await?;
        let rows = sqlx::query(super::sql::built(sql))
            .bind(now)
            .bind(now + LEASE_SECONDS)
            .fetch_all(self.pool()?)
            .await?;
        let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Holds the claimed jobs among `ids` that are still running until `until`: their worker is
    /// alive and at work.
    pub async fn renew_leases(&self, ids: &[i64], until: i64) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let placeholders: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "UPDATE jobs SET locked_until = $1 WHERE state = 'running' AND id IN ({})",
            placeholders.join(", ")
        );
        let _turn = self.write_turn().await?;
        let mut query = sqlx::query(super::sql::built(sql)).bind(until);
        for id in ids {
            query = query.bind(*id);
        }
        query.execute(self.pool()?).await?;
        Ok(())
    }

    pub async fn finish_job(&self, id: i64, now: i64) -> Result<()> {
        let _turn = self.write_turn().await?;
        finished(id, now).execute(self.pool()?).await?;
        Ok(())
    }

    /// Records a failed try: the job waits and runs again, or is dead (see
    /// [`after_failure`]). Answers whether it is dead.
    pub async fn fail_job(&self, job: &JobRecord, error: &str, now: i64) -> Result<bool> {
        let error: String = error.chars().take(1000).collect();
        let (state, run_at) = match after_failure(job.attempts) {
            AfterFailure::RetryIn(seconds) => ("pending", now + seconds),
            AfterFailure::Dead => ("dead", job.run_at),
        };
        let _turn = self.write_turn().await?;
        sqlx::query(
            "UPDATE jobs SET state = $2, run_at = $3, locked_until = NULL, last_error = $4, \
               updated_at = $5 WHERE id = $1",
        )
        .bind(job.id)
        .bind(state)
        .bind(run_at)
        .bind(error)
        .bind(now)
        .execute(self.pool()?)
        .await?;
        Ok(state == "dead")
    }

    /// A district's jobs in one state, oldest first.
    pub async fn jobs_in_state(
        &self,
        district: DistrictId,
        state: &str,
        limit: u32,
    ) -> Result<Vec<JobRecord>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT {COLUMNS} FROM jobs WHERE district_id = $1 AND state = $2 \
             ORDER BY run_at, id {}",
            super::sql::limit(limit)
        )))
        .bind(district.0)
        .bind(state.to_owned())
        .fetch_all(self.pool()?)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Every job with this kind and key's district, for tests and the console.
    pub async fn job_by_key(
        &self,
        district: DistrictId,
        idempotency_key: &str,
    ) -> Result<Option<JobRecord>> {
        let row = sqlx::query(super::sql::built(format!(
            "SELECT {COLUMNS} FROM jobs WHERE district_id = $1 AND idempotency_key = $2"
        )))
        .bind(district.0)
        .bind(idempotency_key.to_owned())
        .fetch_optional(self.pool()?)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }
}

fn job_from_row(row: &AnyRow) -> Result<JobRecord> {
    Ok(JobRecord {
        id: row.try_get("id")?,
        district: DistrictId(row.try_get("district_id")?),
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        idempotency_key: row.try_get("idempotency_key")?,
        state: row.try_get("state")?,
        attempts: super::count(row, "attempts")?,
        run_at: row.try_get("run_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
    })
}
