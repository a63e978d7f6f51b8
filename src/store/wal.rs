//! SQLite's write-ahead log, copied back into the database file off the request path.
//!
//! By default SQLite checkpoints inside whichever commit takes the log past 1,000 pages. In
//! the portal that commit is nearly always the audit writer's, and every read waiting for its
//! audit entry would wait for the checkpoint's copying and syncing too. So pool connections
//! never checkpoint on commit (`wal_autocheckpoint = 0`, set where they are opened), and this
//! task checkpoints on a timer instead. PASSIVE waits for no reader or writer: it copies what
//! it can and leaves the rest for the next tick.

use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::mpsc;

/// Often enough that the log stays a few megabytes under the portal's write rate.
const EVERY: Duration = Duration::from_secs(1);

/// Held by every clone of the store: the checkpoints stop when the last is dropped or the
/// pool is closed.
#[derive(Clone)]
pub(super) struct Checkpoints {
    _held: mpsc::Sender<()>,
}

/// Starts the checkpoints on the current runtime.
pub(super) fn start(pool: AnyPool) -> Checkpoints {
    let (held, mut dropped) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = dropped.recv() => return,
            }
            if pool.is_closed() {
                return;
            }
            if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                // A busy or missing database is the health check's to report; the next tick
                // tries again.
                tracing::debug!(%err, "write-ahead log checkpoint skipped");
            }
        }
    });
    Checkpoints { _held: held }
}
