//! SQLite's write-ahead log, copied back into the database file off the request path.
//!
//! By default SQLite checkpoints inside whichever commit takes the log past 1,000 pages. In
//! the portal that commit is nearly always the audit writer's, and every read waiting for its
//! audit entry would wait for the checkpoint's copying and syncing too. So pool connections
//! never checkpoint on commit (`wal_autocheckpoint = 0`, set where they are opened), and this
//! task checkpoints on a timer instead. PASSIVE waits for no reader or writer: it copies what
//! it can and leaves the rest for the next tick.
//!
//! PASSIVE alone never starts the log over while reads never stop: a write starts it over only
//! when every frame is copied back and no reader still uses one, and under steady load some
//! reader always does (the log grew past a gigabyte). So once the log passes [`RESTART_AT`],
//! a RESTART checkpoint waits for the readers of the moment (each a few milliseconds) while it
//! holds back writers, so that the next write starts the log over; `journal_size_limit` (set
//! where connections are opened) then cuts the file back. It waits [`READERS_WAIT`] at most,
//! not the connections' busy timeout: a reader that takes seconds (a job reading what an
//! import changed, say) would otherwise hold back every write for as long, and a login waiting
//! to write would fail with `database is locked`. It then copies what it can, as PASSIVE does,
//! and tries again at the next tick.

use std::path::PathBuf;
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::mpsc;

/// Often enough that the log stays a few megabytes under the portal's write rate, and that a
/// burst of writes meets its limit within a quarter of a second.
const EVERY: Duration = Duration::from_millis(250);

/// The log's size past which a checkpoint waits for readers so that the log starts over; also
/// the size its file is cut back to.
pub(super) const RESTART_AT: u64 = 16 * 1024 * 1024;

/// How long a RESTART checkpoint waits for readers (and holds back writers).
const READERS_WAIT: Duration = Duration::from_millis(100);

/// Held by every clone of the store: the checkpoints stop when the last is dropped or the
/// pool is closed.
#[derive(Clone)]
pub(super) struct Checkpoints {
    _held: mpsc::Sender<()>,
}

/// Starts the checkpoints on the current runtime; `database` is the file (none in memory).
pub(super) fn start(pool: AnyPool, database: Option<PathBuf>) -> Checkpoints {
    let log = database.map(|file| {
        let mut log = file.into_os_string();
        log.push("-wal");
        PathBuf::from(log)
    });
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
            let long = match &log {
                Some(log) => tokio::fs::metadata(log)
                    .await
                    .is_ok_and(|m| m.len() > RESTART_AT),
                None => false,
            };
            let done = if long {
                restart(&pool).await
            } else {
                sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                    .map(drop)
            };
            if let Err(err) = done {
                // A busy or missing database is the health check's to report; the next tick
                // tries again.
                tracing::debug!(%err, "write-ahead log checkpoint skipped");
            }
        }
    });
    Checkpoints { _held: held }
}

/// A RESTART checkpoint that waits [`READERS_WAIT`] for readers, on a connection whose busy
/// timeout is shortened for it (and closed rather than returned should it not be restored).
async fn restart(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let wait = format!("PRAGMA busy_timeout = {}", READERS_WAIT.as_millis());
    sqlx::query(sqlx::AssertSqlSafe(wait))
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("PRAGMA wal_checkpoint(RESTART)")
        .execute(&mut *conn)
        .await;
    let usual = format!("PRAGMA busy_timeout = {}", super::BUSY_TIMEOUT.as_millis());
    if sqlx::query(sqlx::AssertSqlSafe(usual))
        .execute(&mut *conn)
        .await
        .is_err()
    {
        conn.close_on_drop();
    }
    done.map(drop)
}
