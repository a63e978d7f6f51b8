//! `homeroom import oneroster`: a district's OneRoster CSV set (1.1 or 1.2, bulk or delta).
//!
//! All or nothing: every file is read and checked first, and only a set without a single bad
//! row is written, in one transaction. Importing the same files twice changes nothing: a row
//! is written only when it differs from what is stored.
//!
//! It imports schools (`orgs.csv`), people (`users.csv`, with `roles.csv` for 1.2), the
//! guardian–student relationships from `agentSourcedIds`, the school calendar
//! (`academicSessions.csv`), `courses.csv`, `classes.csv`, `enrollments.csv`, `categories.csv`,
//! `lineItems.csv`, `results.csv` and Homeroom's own `attendance.csv`, `termGrades.csv` (grades
//! posted for a term or grading period) and `calendar.csv` (days without school).
//!
//! An import runs in three stages, each a module:
//! - [`read`]: bytes → typed records with their positions. Every file is read as a stream; the
//!   small ones (schools, people, the calendar, courses, classes, categories) are held in
//!   memory once read, the large ones (enrollments, line items, results, attendance) go row by
//!   row into staging tables (see `store::staging`). Reading and staging run at once, on two
//!   threads.
//! - [`check`]: every reference and rule, against what the set and the district hold, into one
//!   report ordered by file and line ([`problems`]).
//! - [`apply`]: only a set without a problem is written, by one applier that owns the
//!   transaction.

mod apply;
mod check;
mod problems;
mod read;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::app::App;
use crate::domain::District;
use crate::store::{Staged, Tx, Value};

use super::Error;
use super::access::Staff;
use super::admin::Actor;
pub use problems::Problem;

/// Why nothing was imported.
#[derive(Debug)]
pub enum ImportError {
    /// The files hold problems: the first ones (at most [`LISTED`]) and how many in all.
    Rejected {
        problems: Vec<Problem>,
        total: usize,
    },
    Service(Error),
}

impl From<Error> for ImportError {
    fn from(err: Error) -> Self {
        Self::Service(err)
    }
}

impl From<crate::store::StoreError> for ImportError {
    fn from(err: crate::store::StoreError) -> Self {
        Self::Service(err.into())
    }
}

/// How many problems are listed; the rest are counted.
pub const LISTED: usize = 50;

/// What an import changed, per kind of record, and what it found odd in rows it still took.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub kinds: BTreeMap<&'static str, Counts>,
    /// The first warnings (at most [`LISTED`]), in report order.
    pub warnings: Vec<Problem>,
    /// How many warnings in all.
    pub warning_total: usize,
    /// How long each stage took, in order.
    pub stages: Vec<(&'static str, std::time::Duration)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub created: u32,
    pub updated: u32,
    pub deactivated: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bulk,
    Delta,
}

/// Imports a OneRoster folder or .zip into the staff's district (the audit log names who
/// imported).
pub async fn oneroster(
    app: &App,
    staff: &Staff,
    path: &Path,
    progress: Option<Progress>,
) -> Result<Report, ImportError> {
    oneroster_with(app, staff, path, progress, News::Tell).await
}

/// Whether families hear of the scores and marks an import brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum News {
    Tell,
    /// Records that are not news to anyone: the demo's own school year.
    Keep,
}

/// [`oneroster`], with families told of new scores and marks or not.
pub async fn oneroster_with(
    app: &App,
    staff: &Staff,
    path: &Path,
    progress: Option<Progress>,
    news: News,
) -> Result<Report, ImportError> {
    let (district, actor) = (staff.district(), staff.actor());
    let tx = app.store.begin_import().await?;
    let cleanup = tx.staging_cleanup();
    let imported = stage_and_apply(app, district, path, progress, actor, tx, news).await;
    // The transaction has ended, committed or rolled back: what it staged can go.
    if let Some(cleanup) = cleanup {
        cleanup.run().await;
    }
    let mut report = imported?;
    // A large import leaves SQLite's write-ahead log as large as itself; folding it into the
    // database now keeps that cost here rather than on the next writer.
    let started = std::time::Instant::now();
    if let Err(err) = app.store.checkpoint().await {
        tracing::warn!(%err, "the write-ahead log could not be checkpointed after the import");
    }
    report.stages.push(("checkpoint", started.elapsed()));
    Ok(report)
}

/// Reads and stages the set in `tx`, then checks and writes it.
async fn stage_and_apply(
    app: &App,
    district: &District,
    path: &Path,
    progress: Option<Progress>,
    actor: Actor<'_>,
    mut tx: Tx,
    news: News,
) -> Result<Report, ImportError> {
    let path: PathBuf = path.to_owned();
    let reading = progress.clone();
    let started = std::time::Instant::now();
    for staged in Staged::ALL {
        tx.create_stage(staged).await?;
    }
    let catalog = check::Catalog::load(&mut tx, district).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "import knows the district's records");
    let limits = app.config.import_limits;
    // Reading and checking is blocking work: it stays off the async threads, and hands the
    // rows of the large files over to be staged while it goes on.
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Batch>(4);
    let reader = tokio::task::spawn_blocking(move || {
        read::read_set(&path, limits, catalog, reading, &sender)
    });
    while let Some((staged, rows)) = batches.recv().await {
        if let Err(err) = tx.stage(staged, rows).await {
            // The reader stops at its next batch, when it finds nobody listening.
            drop(batches);
            let _ = reader.await;
            return Err(err.into());
        }
    }
    let read = reader
        .await
        .map_err(|e| Error::internal(format!("reading the import failed: {e}")))?;
    let read::Read {
        set,
        catalog,
        mut problems,
    } = match read {
        Ok(read) => read,
        Err(err) => {
            tx.abandon_staging().await;
            return Err(err);
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), "import read and staged");
    if problems.total > 0 {
        // One report tells everything: the line items no row of the set made are looked up too.
        catalog
            .resolve_pending(&mut tx, district, &mut problems)
            .await?;
        tx.abandon_staging().await;
        return Err(problems.rejected());
    }
    if let Some(progress) = &progress {
        progress(Stage::Writing);
    }
    let read_and_checked = started.elapsed();
    let mut report = apply::apply(
        app,
        district,
        read::Read {
            set,
            catalog,
            problems,
        },
        tx,
        actor,
        news,
    )
    .await?;
    // Reading, checking and staging run at once; the first-read snapshots are made after the
    // commit, by the server's worker (see `services::snapshots`).
    report.stages = vec![
        ("read and check", read_and_checked),
        ("apply", started.elapsed() - read_and_checked),
    ];
    Ok(report)
}

/// One import at a time in this process: two at once would only wait on each other's writes.
static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The right to import now, held until dropped; `None` while another import runs.
pub fn one_at_a_time() -> Option<tokio::sync::MutexGuard<'static, ()>> {
    RUNNING.try_lock().ok()
}

/// The right to import, once the import running now (if any) has finished.
pub async fn turn() -> tokio::sync::MutexGuard<'static, ()> {
    RUNNING.lock().await
}

/// Rows of one large file on their way to its staging table.
type Batch = (Staged, Vec<Vec<Value>>);

/// Rows handed over at a time.
const BATCH: usize = 2_000;

/// Where an import is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading and checking a file: rows so far.
    Reading { file: &'static str, rows: u64 },
    /// Every file was good; the database is being written.
    Writing,
}

/// Told of the import's progress now and then (every 10,000 rows and at each file's end).
pub type Progress = std::sync::Arc<dyn Fn(Stage) + Send + Sync>;

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self
            .kinds
            .iter()
            .map(|(kind, c)| {
                format!(
                    "{kind}: {} created, {} updated, {} deactivated",
                    c.created, c.updated, c.deactivated
                )
            })
            .collect();
        if self.warning_total > 0 {
            parts.push(format!("{} warning(s)", self.warning_total));
        }
        f.write_str(&parts.join("; "))
    }
}
