//! The database circuit: once PostgreSQL is known to be away, every store call answers
//! `Unavailable` at once instead of waiting the pool's five seconds for a connection that will
//! not come (a page made two such waits; under load every request did). A probe of its own,
//! one connection beside the pool, asks the database once a second: two failures in a row
//! open the circuit, and the first answer closes it again. Overload does not open it: the probe
//! never queues behind the pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::Connection;
use tokio::sync::mpsc;

/// How often the probe asks.
const EVERY: Duration = Duration::from_secs(1);

/// How long one probe may take before it counts as a failure.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Failed probes in a row that open the circuit.
const OPEN_AFTER: u32 = 2;

/// Whether the database is known to be away. Held by every clone of the store: the probe stops
/// when the last is dropped.
#[derive(Clone)]
pub(super) struct Circuit {
    open: Arc<AtomicBool>,
    _held: Option<mpsc::Sender<()>>,
}

impl Circuit {
    /// A circuit that never opens (SQLite: the database is a file beside the process).
    pub(super) fn closed() -> Self {
        Self {
            open: Arc::default(),
            _held: None,
        }
    }

    /// Starts the probe of the database at `url` on the current runtime; `name` says which in
    /// the log ("the database", "the read replica").
    pub(super) fn probing(url: String, name: &'static str) -> Self {
        let open = Arc::new(AtomicBool::new(false));
        let (held, mut dropped) = mpsc::channel::<()>(1);
        let state = open.clone();
        tokio::spawn(async move {
            let mut connection: Option<sqlx::AnyConnection> = None;
            let mut failures = 0u32;
            let mut ticks = tokio::time::interval(EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = dropped.recv() => return,
                }
                let answered =
                    tokio::time::timeout(PROBE_TIMEOUT, probe(&url, &mut connection)).await;
                if matches!(answered, Ok(Ok(()))) {
                    failures = 0;
                    if state.swap(false, Ordering::SeqCst) {
                        tracing::warn!("{name} answers again: circuit closed");
                    }
                    continue;
                }
                // A connection that failed once is not trusted again.
                connection = None;
                failures += 1;
                if failures >= OPEN_AFTER && !state.swap(true, Ordering::SeqCst) {
                    tracing::error!("{name} does not answer: circuit open");
                }
            }
        });
        Self {
            open,
            _held: Some(held),
        }
    }

    pub(super) fn is_open(&self) -> bool {
        self.open.load(Ordering::SeqCst)
    }
}

async fn probe(url: &str, connection: &mut Option<sqlx::AnyConnection>) -> Result<(), sqlx::Error> {
    if connection.is_none() {
        *connection = Some(sqlx::AnyConnection::connect(url).await?);
    }
    match connection {
        Some(conn) => conn.ping().await,
        None => Ok(()),
    }
}
