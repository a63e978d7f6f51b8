//! SQLite's write-ahead log under reads that never stop: the checkpoints start it over once it
//! passes its limit, rather than letting it grow with every write (it passed a gigabyte).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use homeroom::store::AuditEntry;

use crate::harness::{TestDb, spawn_app_with};

/// What is written in all: several times the bound below.
const WRITTEN: usize = 160 * 1024 * 1024;
const ENTRY: usize = 8 * 1024;
/// Requests writing at once (each waits for its entry, as a request does).
const WRITERS: usize = 2;
/// The bound the issue sets for the log while readers never stop.
const BOUND: u64 = 64 * 1024 * 1024;

#[tokio::test]
async fn the_sqlite_log_stays_bounded_while_reads_never_stop() {
    let app = spawn_app_with(TestDb::sqlite(), |c| c).await;
    let log = PathBuf::from(format!(
        "{}-wal",
        app.db.url.trim_start_matches("sqlite://")
    ));
    let district = homeroom::services::districts::add(&app.app, "logged", "Logged", "NC")
        .await
        .unwrap()
        .id;
    let store = app.app.store.clone();

    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (store, done) = (store.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u64;
            while !done.load(Ordering::Relaxed) {
                store.audit_entries(district, 5).await.unwrap();
                reads += 1;
            }
            reads
        }));
    }
    let largest = {
        let (log, done) = (log.clone(), done.clone());
        tokio::spawn(async move {
            let mut largest = 0;
            while !done.load(Ordering::Relaxed) {
                largest = largest.max(std::fs::metadata(&log).map_or(0, |m| m.len()));
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            largest
        })
    };
    let detail = "x".repeat(ENTRY);
    let mut writers = tokio::task::JoinSet::new();
    for _ in 0..WRITERS {
        let (store, detail) = (store.clone(), detail.clone());
        writers.spawn(async move {
            for _ in 0..WRITTEN / ENTRY / WRITERS {
                let entry = AuditEntry {
                    district: Some(district),
                    actor: "operator",
                    account: None,
                    action: "test.wrote",
                    target: None,
                    detail: Some(detail.clone()),
                    address: None,
                    user_agent: None,
                };
                store.audit(entry, 0).await.unwrap();
            }
        });
    }
    while let Some(written) = writers.join_next().await {
        written.unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let largest = largest.await.unwrap();
    eprintln!("the log's largest: {} MiB", largest / 1024 / 1024);
    for reader in readers {
        assert!(reader.await.unwrap() > 0, "a reader never read");
    }
    assert!(
        largest < BOUND,
        "the log reached {} MiB while reads went on",
        largest / 1024 / 1024
    );
    app.stop().await;
}
