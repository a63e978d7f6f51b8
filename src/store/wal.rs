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
//! where connections are opened) then cuts the file back.
//!
//! The RESTART waits [`READERS_WAIT`] at most, not the connections' busy timeout: a reader
//! that takes seconds (a job reading what an import changed, say) would otherwise hold back
//! every write for as long, and a login waiting to write would fail with `database is locked`.
//! It then copies what it can, as PASSIVE does, and tries again at the next tick. And it holds
//! writers back as briefly as it can: a PASSIVE checkpoint first copies the log beside the
//! writes, and the RESTART takes this process's turn to write ([`WriteTurn`]) before SQLite's
//! lock. The audit writer waits for that turn and goes on the moment it is free; finding
//! SQLite's lock taken instead, it slept in SQLite's steps of 1, 2, 5 and 10 ms (18 ms, twice a
//! second under load, measured).
//!
//! A log that has not changed since the last tick's checkpoint needs none: nothing was written,
//! and every portal read writes its audit entry. Once it has not changed for [`RELEASE_AFTER`],
//! nobody is reading either, and the pool's idle connections are closed: each keeps up to 4 MiB
//! of pages for reads that, once the night's import has changed the file, would have to fetch
//! them again anyway.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use sqlx::AnyPool;
use tokio::sync::mpsc;

use super::WriteTurn;

/// Often enough that the log stays a few megabytes under the portal's write rate, and that a
/// burst of writes meets its limit within a quarter of a second.
const EVERY: Duration = Duration::from_millis(250);

/// The log's size past which a checkpoint waits for readers so that the log starts over; also
/// the size its file is cut back to.
pub(super) const RESTART_AT: u64 = 16 * 1024 * 1024;

/// How long a RESTART checkpoint waits for readers (and holds back writers).
const READERS_WAIT: Duration = Duration::from_millis(100);

/// How long the log must stay as it is before the pool's idle connections are closed.
const RELEASE_AFTER: Duration = Duration::from_secs(30);

/// When the task looks at the log, and when a quiet one lets the connections go.
#[derive(Debug, Clone, Copy)]
struct Timing {
    every: Duration,
    release_after: Duration,
}

/// Held by every clone of the store: the checkpoints stop when the last is dropped or the
/// pool is closed.
#[derive(Clone)]
pub(super) struct Checkpoints {
    _held: mpsc::Sender<()>,
}

/// Starts the checkpoints on the current runtime; `database` is the file (none in memory),
/// `writes` the turn this process's writes take.
pub(super) fn start(pool: AnyPool, database: Option<PathBuf>, writes: WriteTurn) -> Checkpoints {
    start_with(
        pool,
        database,
        writes,
        Timing {
            every: EVERY,
            release_after: RELEASE_AFTER,
        },
    )
}

fn start_with(
    pool: AnyPool,
    database: Option<PathBuf>,
    writes: WriteTurn,
    timing: Timing,
) -> Checkpoints {
    let log = database.map(|file| {
        let mut log = file.into_os_string();
        log.push("-wal");
        PathBuf::from(log)
    });
    let (held, mut dropped) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(timing.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The log as the last checkpoint left it, and since when it has stayed so.
        let mut settled: Option<(LogState, Instant)> = None;
        let mut released = false;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = dropped.recv() => return,
            }
            if pool.is_closed() {
                return;
            }
            let state = match &log {
                Some(log) => match tokio::fs::metadata(log).await {
                    Ok(meta) => Some(LogState::of(&meta)),
                    // The last connection to close copied the log back and removed it.
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(_) => None,
                },
                None => None,
            };
            if let (Some(now), Some((then, since))) = (state, settled)
                && now == then
            {
                if !released && since.elapsed() >= timing.release_after {
                    close_idle(&pool).await;
                    released = true;
                }
                continue;
            }
            released = false;
            let long = state.is_some_and(|state| state.len > RESTART_AT);
            let done = if long {
                restart(&pool, &writes).await
            } else {
                passive(&pool).await
            };
            settled = match (&done, state) {
                (Ok(()), Some(state)) => Some((state, Instant::now())),
                _ => None,
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

/// What tells a log that was written to from one that was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LogState {
    len: u64,
    modified: Option<SystemTime>,
}

impl LogState {
    fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// Closes the connections nobody is using; the pool opens new ones when asked.
async fn close_idle(pool: &AnyPool) {
    for _ in 0..pool.num_idle() {
        match pool.try_acquire() {
            Some(conn) => {
                let _ = conn.close().await;
            }
            None => break,
        }
    }
    tracing::debug!("the database's idle connections were closed");
}

/// Copies what the readers of the moment allow, holding back no writer.
async fn passive(pool: &AnyPool) -> super::Result<()> {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(pool)
        .await?;
    Ok(())
}

/// A PASSIVE checkpoint, then a RESTART one in this process's turn to write that waits
/// [`READERS_WAIT`] for readers, on a connection whose busy timeout is shortened for it (and
/// closed rather than returned should it not be restored).
async fn restart(pool: &AnyPool, writes: &WriteTurn) -> super::Result<()> {
    passive(pool).await?;
    let mut conn = pool.acquire().await?;
    let wait = format!("PRAGMA busy_timeout = {}", READERS_WAIT.as_millis());
    sqlx::query(sqlx::AssertSqlSafe(wait))
        .execute(&mut *conn)
        .await?;
    let done = match writes.take().await {
        Ok(_turn) => sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(&mut *conn)
            .await
            .map_err(Into::into),
        Err(err) => Err(err),
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::any::AnyPoolOptions;

    const QUICK: Timing = Timing {
        every: Duration::from_millis(20),
        release_after: Duration::from_millis(300),
    };

    async fn write(pool: &AnyPool) {
        sqlx::query("INSERT INTO t (x) VALUES ('written')")
            .execute(pool)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_quiet_log_lets_the_idle_connections_go_and_a_written_one_keeps_them() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("quiet.db");
        let pool = AnyPoolOptions::new()
            .max_connections(3)
            .connect(&format!("sqlite://{}?mode=rwc", file.display()))
            .await
            .unwrap();
        sqlx::raw_sql("PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT);")
            .execute(&pool)
            .await
            .unwrap();
        let _checkpoints = start_with(
            pool.clone(),
            Some(file),
            WriteTurn::new(super::super::Backend::Sqlite),
            QUICK,
        );
        // Three connections at once, then written to for twice the quiet time: all stay.
        let held = [
            pool.acquire().await.unwrap(),
            pool.acquire().await.unwrap(),
            pool.acquire().await.unwrap(),
        ];
        drop(held);
        for _ in 0..30 {
            write(&pool).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(pool.size(), 3);
        // Nothing written: they are closed once the quiet time has passed, not before.
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(pool.size(), 3);
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(pool.size(), 0);
        // The last one copied the log back and removed it; the task opens none again.
        tokio::time::sleep(Duration::from_millis(450)).await;
        assert_eq!(pool.size(), 0);
        // The next write opens a connection again, and what was written is all there.
        write(&pool).await;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 31);
        assert!(pool.size() >= 1);
    }
}
