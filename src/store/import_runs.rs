//! Import runs: each import that writes is one, with an id of its own. The results and
//! attendance it writes carry that id, and so does the job that tells families what it
//! brought.

use sqlx::Row;

use super::{Result, Tx};
use crate::domain::DistrictId;

impl Tx {
    /// The id of the import run this transaction writes as: made by the first call (with the
    /// import's time), the same id after that. It is gone with the transaction if that is
    /// rolled back.
    pub async fn import_run(&mut self, district: DistrictId, now: i64) -> Result<i64> {
        if let Some(run) = self.import_run {
            return Ok(run);
        }
        let row = sqlx::query(
            "INSERT INTO import_runs (district_id, started_at) VALUES ($1, $2) RETURNING id",
        )
        .bind(district.0)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        let run: i64 = row.try_get("id")?;
        self.import_run = Some(run);
        Ok(run)
    }
}
