//! Record reads from a streaming replica of PostgreSQL (`database_read_url`), so that the
//! morning's reads of grades and attendance need not all meet the primary.
//!
//! A replica trails the primary. A family that has just changed something (read a record,
//! which the Access Log then lists; a setting) must see it on its next page, whatever node
//! answers: so a request's record reads go to the replica only when it has replayed all the
//! primary had written when they began, and to the primary otherwise. That costs one small
//! question to each (no table is read); a request that finds the replica behind waits up to
//! 20 ms for it, and one that finds it away is answered from the primary at once.

use std::time::{Duration, Instant};

use sqlx::Row;

use super::pooler::Db;
use super::records::Records;
use super::{Result, Store};

/// The primary's position in its write-ahead log now: as far as it has flushed, which every
/// committed transaction has reached.
const PRIMARY_POSITION: &str = "SELECT pg_current_wal_flush_lsn()::text AS lsn";

/// How long a request waits for the replica to replay that far (on a network, a replica
/// under way trails by a millisecond or two) before the primary answers instead, and how
/// often it asks meanwhile.
const CATCH_UP: Duration = Duration::from_millis(20);
const ASK_EVERY: Duration = Duration::from_millis(2);

/// Whether the replica has replayed up to a position (never, on a server that is not one).
const REPLAYED: &str =
    "SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn), FALSE) AS replayed";

impl Store {
    /// Where this request's record reads go: the replica when it is caught up, else the
    /// primary (always, without a replica).
    pub async fn records(&self) -> Result<Records> {
        let primary = self.pool()?;
        let Some(replica) = self
            .replica
            .as_ref()
            .filter(|_| !self.replica_circuit.is_open())
        else {
            return Ok(self.primary_records(primary));
        };
        let position: String = sqlx::query(PRIMARY_POSITION)
            .fetch_one(primary)
            .await?
            .try_get("lsn")?;
        let asked = Instant::now();
        loop {
            match caught_up(replica, &position).await {
                Ok(true) => {
                    return Ok(Records {
                        db: replica.clone(),
                        backend: self.backend,
                        gathered: None,
                    });
                }
                Ok(false) if asked.elapsed() < CATCH_UP => tokio::time::sleep(ASK_EVERY).await,
                Ok(false) => break,
                Err(err) => {
                    tracing::warn!(%err, "the read replica cannot be asked; reading from the primary");
                    break;
                }
            }
        }
        Ok(self.primary_records(primary))
    }

    fn primary_records(&self, primary: &Db) -> Records {
        Records {
            db: primary.clone(),
            backend: self.backend,
            gathered: self.shared.gathered().cloned(),
        }
    }
}

async fn caught_up(replica: &Db, position: &str) -> Result<bool> {
    let row = sqlx::query(REPLAYED)
        .bind(position.to_owned())
        .fetch_one(replica)
        .await?;
    super::flag(&row, "replayed")
}
