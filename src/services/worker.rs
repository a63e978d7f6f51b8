//! The job worker: claims the jobs that are due and runs them. It runs inside `serve` and
//! alone as `homeroom worker`; several at once are safe (PostgreSQL hands each job to one
//! claimant; SQLite has one writer at a time). Pushes run beside the worker's own turn (see
//! [`Detached`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::recovery;
use crate::app::App;
use crate::domain::JobOutcome;
use crate::domain::{LEASE_SECONDS, MAX_ATTEMPTS};
use crate::store::{JobRecord, StoreError};

/// Jobs claimed at a time: few, so that a worker that dies holds few back (for a lease).
const BATCH: u32 = 4;

/// Detached jobs (pushes) in flight at once, at most.
const DETACHED: u32 = 32;

/// How often an idle worker looks for work.
const IDLE: Duration = Duration::from_secs(1);

/// How often the worker looks for daily digests that are due.
const DIGESTS: Duration = Duration::from_secs(60);

/// How long the worker keeps trying to record what a job came to while the database cannot
/// take it (SQLite held past its busy timeout by an import, say): well within a lease, since
/// a job left `running` waits out its whole lease before it runs again.
const RECORDING: Duration = Duration::from_secs(60);

/// Runs until `stop` resolves: claims due jobs, runs them, sleeps while there are none.
pub async fn run(app: App, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut digests_checked: Option<std::time::Instant> = None;
    loop {
        if digests_checked.is_none_or(|at| at.elapsed() >= DIGESTS) {
            digests_checked = Some(std::time::Instant::now());
            if let Err(err) = super::notifications::schedule_digests(&app).await {
                tracing::warn!(%err, "the job worker could not queue the daily digests");
            }
            if let Err(err) = super::absences::queue_office_digests(&app).await {
                tracing::warn!(%err, "the job worker could not queue the offices' digests");
            }
            if let Err(err) = super::rostering::queue_due(&app).await {
                tracing::warn!(%err, "the job worker could not queue the districts' syncs");
            }
        }
        let ran = match run_due(&app).await {
            Ok(ran) => ran,
            Err(err) => {
                tracing::warn!(%err, "the job worker could not claim jobs");
                0
            }
        };
        if ran > 0 {
            continue;
        }
        tokio::select! {
            () = &mut stop => {
                settled(&app).await;
                return;
            }
            () = tokio::time::sleep(IDLE) => {}
        }
    }
}

/// One pass: claims a batch of due jobs and runs each; pushes are started beside the worker
/// and may still be running when it answers (see [`settled`]). Answers how many were claimed.
pub async fn run_due(app: &App) -> Result<usize, StoreError> {
    let jobs = app.store.claim_jobs(app.clock.unix(), BATCH).await?;
    let _heartbeat = Heartbeat::start(app, jobs.iter().map(|j| j.id).collect());
    for job in jobs.iter() {
        if job.kind == super::push::PUSH_JOB || job.kind == super::rostering::SYNC_JOB {
            app.detached.start(app, job.clone()).await;
            continue;
        }
        let outcome = perform(app, job).await;
        record(app, job, &outcome).await?;
    }
    Ok(jobs.len())
}

/// Renews the leases of a pass's jobs while the pass runs, every third of a lease: a live
/// worker keeps its jobs however long they take, and a dead one's are taken up by another
/// worker within a lease. Stops when dropped.
struct Heartbeat(Option<tokio::task::JoinHandle<()>>);

impl Heartbeat {
    fn start(app: &App, ids: Vec<i64>) -> Self {
        if ids.is_empty() {
            return Self(None);
        }
        let app = app.clone();
        Self(Some(tokio::spawn(async move {
            let every = Duration::from_secs((LEASE_SECONDS / 3).max(1).unsigned_abs());
            loop {
                tokio::time::sleep(every).await;
                let until = app.clock.unix() + LEASE_SECONDS;
                if let Err(err) = app.store.renew_leases(&ids, until).await {
                    tracing::warn!(%err, "the leases of running jobs could not be renewed");
                }
            }
        })))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// Jobs that run beside the worker's own turn. A push waits on a push service that anyone
/// with a session may name (up to `PUSH_TIMEOUT`, and a job pushes to each of the account's
/// subscriptions at once): run in turn, one slow or silent service would hold up every
/// district's pushes and mail behind it. A district's sync from its SIS takes minutes, and
/// holds its district itself (see `rostering`). The worker starts each in a slot of its own and goes
/// on; only when every slot is taken does it wait for one.
pub struct Detached {
    slots: Arc<Semaphore>,
}

impl Default for Detached {
    fn default() -> Self {
        Self {
            slots: Arc::new(Semaphore::new(DETACHED as usize)),
        }
    }
}

impl Detached {
    async fn start(&self, app: &App, job: JobRecord) {
        let slot = self.slots.clone().acquire_owned().await;
        let app = app.clone();
        tokio::spawn(async move {
            // Its lease is kept while it runs, however long: a sync takes minutes.
            let _heartbeat = Heartbeat::start(&app, vec![job.id]);
            let outcome = perform(&app, &job).await;
            if let Err(err) = record(&app, &job, &outcome).await {
                tracing::warn!(job = job.id, kind = %job.kind, %err, "the job's outcome could not be recorded");
            }
            drop(slot);
        });
    }
}

/// Waits until the detached jobs started so far have finished: for tests, and for the worker
/// as it stops.
pub async fn settled(app: &App) {
    let _every_slot = app.detached.slots.acquire_many(DETACHED).await;
}

/// Records what a job came to. While the database is unavailable the worker waits and tries
/// again (for up to [`RECORDING`]) rather than leave the job, and the rest of its batch,
/// `running` until their leases run out: a job that failed for the same busy database would
/// otherwise wait minutes for its next try, and one that was done would run twice.
async fn record(app: &App, job: &JobRecord, outcome: &JobOutcome) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    loop {
        match record_once(app, job, outcome).await {
            Err(StoreError::Unavailable(err)) if started.elapsed() < RECORDING => {
                tracing::warn!(job = job.id, kind = %job.kind, %err, "the job's outcome waits for the database");
                tokio::time::sleep(IDLE).await;
            }
            recorded => return recorded,
        }
    }
}

async fn record_once(app: &App, job: &JobRecord, outcome: &JobOutcome) -> Result<(), StoreError> {
    let now = app.clock.unix();
    match outcome {
        JobOutcome::Done => app.store.finish_job(job.id, now).await,
        JobOutcome::Retry(why) => {
            let dead = app.store.fail_job(job, why, now).await?;
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, dead, %why, "job failed");
            Ok(())
        }
        JobOutcome::Give(why) => {
            let hopeless = JobRecord {
                attempts: MAX_ATTEMPTS,
                ..job.clone()
            };
            app.store.fail_job(&hopeless, why, now).await?;
            tracing::warn!(job = job.id, kind = %job.kind, %why, "job cannot succeed: dead");
            Ok(())
        }
    }
}

async fn perform(app: &App, job: &JobRecord) -> JobOutcome {
    match job.kind.as_str() {
        recovery::RESET_MAIL | recovery::CHANGED_MAIL | recovery::USERNAMES_MAIL => {
            recovery::run(app, job).await
        }
        super::notifications::MESSAGE_JOB
        | super::notifications::IMPORT_JOB
        | super::notifications::MAIL_JOB
        | super::notifications::DIGEST_JOB
        | super::absences::DECISION_JOB
        | super::conversations::MESSAGE_JOB => super::notifications::run(app, job).await,
        super::absences::OFFICE_MAIL => super::absences::run(app, job).await,
        super::push::PUSH_JOB => super::push::run(app, job).await,
        super::security::NOTICE_MAIL => super::security::run(app, job).await,
        super::snapshots::SNAPSHOTS_JOB => super::snapshots::run(app, job).await,
        super::rostering::SYNC_JOB => super::rostering::run(app, job).await,
        other => JobOutcome::Give(format!("no worker runs jobs of kind {other:?}")),
    }
}
