//! Rostering over REST: `homeroom sync oneroster` and the worker's schedule read a district
//! from its SIS's OneRoster 1.2 API and import it.
//!
//! A run reads every collection ([`client`]), writes what it read as a OneRoster CSV set in a
//! private temporary folder ([`files`]) and imports that set like any other: the same checks,
//! all or nothing, the same report and the same news for families. The first run (or one asked
//! for in full) is a bulk set; later runs ask only for what changed since the last good run
//! began (`dateLastModified`, with a few minutes' overlap: importing a record twice changes
//! nothing), deletions included (`status` `tobedeleted`). A run that cannot read every page
//! fails whole, and nothing is written; the next run tries again.
//!
//! One run at a time per district, across every node: a run holds the district's connection
//! (renewed while it runs) and a second one finds it held and stays out.

mod client;
mod files;

use std::path::Path;

use super::Error;
use super::access::Staff;
use super::import::{self, ImportError, News, Problem, Report};
use super::security;
use crate::app::App;
use crate::domain::{Collection, District, DistrictId, Invalid, SisUrl};
use crate::store::{AuditEntry, JobRecord, NewJob, RunEnd, SisConnectionRecord, SyncRunRecord};
use client::Sis;
use files::{CollectionFile, Mode};

type Result<T, E = Error> = std::result::Result<T, E>;

/// The worker's job that runs a district's sync.
pub const SYNC_JOB: &str = "sync.oneroster";

/// How long a run holds its district before another may take it, unless renewed.
const HOLD_SECONDS: i64 = 15 * 60;

/// A delta asks for changes from this long before the last good run began: a record the SIS
/// wrote while that run was reading, or stamped by a clock a little behind, is not missed.
const OVERLAP_SECONDS: i64 = 5 * 60;

/// A connection as the operator gives it.
pub struct Connection<'a> {
    pub base_url: &'a str,
    pub token_url: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

/// A connection as shown (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionView {
    pub base_url: String,
    pub token_url: String,
    pub client_id: String,
}

/// Who started a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The worker, on the district's `sync_interval`.
    Schedule,
    /// The staff member (or the operator) who asked, now.
    Asked,
    /// The worker, for the staff member named, who asked in the console.
    Queued(String),
}

/// What a run came to.
#[derive(Debug)]
pub enum Ran {
    Imported {
        run: i64,
        mode: &'static str,
        records: u64,
        report: Report,
    },
    Failed {
        run: i64,
        mode: &'static str,
        records: u64,
        /// Why, in a sentence.
        reason: String,
        /// What the import found wrong in what the SIS sent, each naming its record.
        problems: Vec<String>,
    },
    /// Another run of this district holds it: this one did not start.
    Busy,
}

/// Sets the district's SIS connection, once its token endpoint gave a token for it.
pub async fn connect(app: &App, staff: &Staff, given: Connection<'_>) -> Result<ConnectionView> {
    let district = staff.district();
    let base = SisUrl::base(given.base_url)?;
    let token_url = SisUrl::token(given.token_url)?;
    let client_id = credential("client-id", given.client_id, 256)?;
    let secret = credential("client-secret", given.client_secret, 1024)?;
    let mut sis = Sis::new(
        base.clone(),
        token_url.clone(),
        client_id.clone(),
        secret.clone(),
        app.config.sis_timeout,
        app.config.import_limits.rows,
    )
    .map_err(Error::internal)?;
    // A wrong address or secret is told now, not at the first run.
    sis.token()
        .await
        .map_err(|why| Error::Invalid(Invalid::new(why).on("client-secret")))?;
    let sealed = super::sealing::keep(app, &secret, &sealing_context(district.id))?;
    let record = SisConnectionRecord {
        base_url: base.as_str().to_owned(),
        token_url: token_url.as_str().to_owned(),
        client_id,
        client_secret: sealed,
    };
    let now = app.clock.unix();
    app.store
        .set_sis_connection(district.id, &record, now)
        .await?;
    audit(app, staff, "sync.connected", Some(record.base_url.clone())).await?;
    Ok(view(record))
}

/// The district's connection, if it has one.
pub async fn connection(app: &App, district: &District) -> Result<Option<ConnectionView>> {
    Ok(app.store.sis_connection(district.id).await?.map(view))
}

/// The district's latest runs, newest first.
pub async fn runs(app: &App, staff: &Staff, limit: u32) -> Result<Vec<SyncRunRecord>> {
    Ok(app.store.sync_runs(staff.district().id, limit).await?)
}

/// Runs the district's sync now: bulk the first time or when `full`, else what changed.
pub async fn sync(app: &App, staff: &Staff, trigger: Trigger, full: bool) -> Result<Ran> {
    let district = staff.district();
    let Some(connection) = app.store.sis_connection(district.id).await? else {
        return Err(Invalid::new(format!(
            "{} has no SIS connection: give --base-url, --token-url, --client-id and \
             --client-secret-stdin once",
            district.slug
        ))
        .into());
    };
    let now = app.clock.unix();
    if !app
        .store
        .hold_sis_connection(district.id, now, now + HOLD_SECONDS)
        .await?
    {
        return Ok(Ran::Busy);
    }
    let _hold = Hold::start(app, district.id);
    let ran = run_held(app, staff, trigger, full, &connection).await;
    if let Err(err) = app.store.release_sis_connection(district.id).await {
        tracing::warn!(%err, district = %district.slug, "a sync's hold could not be released; it runs out by itself");
    }
    ran
}

async fn run_held(
    app: &App,
    staff: &Staff,
    trigger: Trigger,
    full: bool,
    connection: &SisConnectionRecord,
) -> Result<Ran> {
    let district = staff.district();
    let since = match full {
        true => None,
        false => app.store.last_good_sync(district.id).await?,
    };
    let mode = if since.is_some() {
        Mode::Delta
    } else {
        Mode::Bulk
    };
    let started_by = match &trigger {
        Trigger::Schedule => "schedule",
        Trigger::Asked => staff.actor().name,
        Trigger::Queued(by) => by.as_str(),
    };
    let run = app
        .store
        .start_sync_run(
            district.id,
            mode.as_str(),
            since,
            started_by,
            app.clock.unix(),
        )
        .await?;
    let mut records = 0;
    let outcome = fetch_and_import(app, staff, connection, mode, since, &mut records).await;
    let now = app.clock.unix();
    let records_i64 = i64::try_from(records).unwrap_or(i64::MAX);
    match outcome {
        Ok(report) => {
            let summary = report.to_string();
            let summary = if summary.is_empty() {
                "nothing changed".to_owned()
            } else {
                summary
            };
            app.store
                .finish_sync_run(
                    district.id,
                    run,
                    RunEnd {
                        imported: true,
                        records: records_i64,
                        summary: &summary,
                        problems: None,
                    },
                    now,
                )
                .await?;
            audit(app, staff, "sync.imported", Some(summary)).await?;
            Ok(Ran::Imported {
                run,
                mode: mode.as_str(),
                records,
                report,
            })
        }
        Err(failed) => {
            let (reason, problems) = match failed {
                Failed::Sis(reason) => (reason, Vec::new()),
                Failed::Rejected { problems, total } => (
                    format!("{total} problem(s) in what the SIS sent; nothing was imported"),
                    problems,
                ),
                Failed::Service(err) => (format!("the import could not finish: {err}"), Vec::new()),
            };
            let listed = (!problems.is_empty()).then(|| problems.join("\n"));
            app.store
                .finish_sync_run(
                    district.id,
                    run,
                    RunEnd {
                        imported: false,
                        records: records_i64,
                        summary: &reason,
                        problems: listed.as_deref(),
                    },
                    now,
                )
                .await?;
            audit(app, staff, "sync.failed", Some(reason.clone())).await?;
            tell_failure(app, district, &reason).await?;
            Ok(Ran::Failed {
                run,
                mode: mode.as_str(),
                records,
                reason,
                problems,
            })
        }
    }
}

/// Why a run imported nothing.
enum Failed {
    /// The SIS could not be read whole.
    Sis(String),
    /// What it sent has problems.
    Rejected { problems: Vec<String>, total: usize },
    /// The import itself could not finish (the database went away, say).
    Service(Error),
}

async fn fetch_and_import(
    app: &App,
    staff: &Staff,
    connection: &SisConnectionRecord,
    mode: Mode,
    since: Option<i64>,
    records: &mut u64,
) -> Result<Report, Failed> {
    let secret = client_secret(app, staff.district().id, connection).map_err(Failed::Service)?;
    let base = SisUrl::base(&connection.base_url).map_err(|e| Failed::Sis(e.to_string()))?;
    let token_url = SisUrl::token(&connection.token_url).map_err(|e| Failed::Sis(e.to_string()))?;
    let mut sis = Sis::new(
        base,
        token_url,
        connection.client_id.clone(),
        secret,
        app.config.sis_timeout,
        app.config.import_limits.rows,
    )
    .map_err(Failed::Sis)?;
    // Children's records: a folder only this process's user can read, gone when the run is.
    let dir = tempfile::Builder::new()
        .prefix("homeroom-sync-")
        .tempdir()
        .map_err(|e| Failed::Sis(format!("no temporary folder for the fetched records: {e}")))?;
    files::manifest(dir.path(), mode).map_err(Failed::Sis)?;
    let filter = since.map(|since| {
        let from = jiff::Timestamp::from_second(since - OVERLAP_SECONDS)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        format!("dateLastModified>'{}'", from.strftime("%Y-%m-%dT%H:%M:%SZ"))
    });
    for collection in Collection::ALL {
        let mut file = CollectionFile::create(dir.path(), collection, mode).map_err(Failed::Sis)?;
        *records += sis
            .each_page(collection, filter.as_deref(), |page| file.page(page))
            .await
            .map_err(Failed::Sis)?;
        file.finish().map_err(Failed::Sis)?;
    }
    let _turn = import::turn().await;
    match import::oneroster_with(app, staff, dir.path(), None, News::Tell).await {
        Ok(report) => Ok(report),
        Err(ImportError::Rejected { problems, total }) => Err(Failed::Rejected {
            problems: locate(dir.path(), &problems),
            total,
        }),
        Err(ImportError::Service(err)) => Err(Failed::Service(err)),
    }
}

/// The import's problems, each naming the SIS's record (by collection and sourcedId) rather
/// than a line of a file the administrator never saw.
fn locate(dir: &Path, problems: &[Problem]) -> Vec<String> {
    let mut ids: std::collections::HashMap<(&str, u64), String> = Default::default();
    let mut files: Vec<&'static str> = problems.iter().filter_map(|p| p.file).collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        let wanted: std::collections::HashSet<u64> = problems
            .iter()
            .filter(|p| p.file == Some(file) && p.line > 0)
            .map(|p| p.line)
            .collect();
        let Ok(mut reader) = csv::Reader::from_path(dir.join(file)) else {
            continue;
        };
        for record in reader.records().flatten() {
            let line = record.position().map_or(0, |p| p.line());
            if wanted.contains(&line) {
                ids.insert((file, line), record.get(0).unwrap_or("").to_owned());
            }
        }
    }
    problems
        .iter()
        .map(|problem| {
            let reason = Problem {
                file: None,
                ..problem.clone()
            }
            .to_string();
            let Some(file) = problem.file else {
                return reason;
            };
            let name = Collection::by_file(file).map_or(file, Collection::name);
            match ids.get(&(file, problem.line)) {
                Some(id) => format!("{name} {id:?}: {reason}"),
                None => format!("{name}: {reason}"),
            }
        })
        .collect()
}

/// Tells the district's staff that a run failed, by mail and in their inboxes: once, when a
/// run fails after one that did not, rather than at every run while the SIS stays down.
async fn tell_failure(app: &App, district: &District, reason: &str) -> Result<()> {
    let latest = app.store.sync_runs(district.id, 2).await?;
    if latest
        .get(1)
        .is_some_and(|before| before.outcome == "failed")
    {
        return Ok(());
    }
    let staff = app.store.staff_accounts(district.id).await?;
    let now = app.clock.unix();
    let mut tx = app.store.begin().await?;
    let notice = security::Notice::SyncFailed {
        other: reason.chars().take(500).collect(),
    };
    for account in &staff {
        security::tell(
            &mut tx,
            security::Recipient::of(district, account),
            &notice,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a queued run knows: who asked for it, if anyone did.
#[derive(serde::Serialize, serde::Deserialize)]
struct SyncJob {
    asked_by: Option<String>,
}

/// Queues a run of the staff's district for the worker, now: a run takes longer than a page
/// may wait. Answers whether one was queued (one is already waiting otherwise).
pub async fn queue_now(app: &App, staff: &Staff) -> Result<bool> {
    let district = staff.district();
    if app.store.sis_connection(district.id).await?.is_none() {
        return Err(Error::NotFound);
    }
    let now = app.clock.unix();
    let payload = serde_json::to_string(&SyncJob {
        asked_by: Some(staff.actor().name.to_owned()),
    })
    .map_err(|e| Error::internal(e.to_string()))?;
    let mut tx = app.store.begin().await?;
    // One asked-for run a minute, however often the button is pressed.
    let added = tx
        .enqueue(
            &NewJob {
                district: district.id,
                kind: SYNC_JOB,
                payload,
                idempotency_key: format!("sync:asked:{}", now.div_euclid(60)),
            },
            now,
        )
        .await?;
    tx.commit().await?;
    if added {
        audit(app, staff, "sync.requested", None).await?;
    }
    Ok(added)
}

/// Queues a run for every district whose `sync_interval` has passed since its last run began.
/// Every node may do this at once: a run's key names its interval, so each is queued once.
pub async fn queue_due(app: &App) -> Result<usize> {
    let now = app.clock.unix();
    let mut queued = 0;
    for due in app.store.sync_schedules().await? {
        if due.last_started.is_some_and(|last| last + due.every > now) {
            continue;
        }
        let mut tx = app.store.begin().await?;
        let added = tx
            .enqueue(
                &NewJob {
                    district: due.district,
                    kind: SYNC_JOB,
                    payload: "{}".to_owned(),
                    idempotency_key: format!("sync:{}", now.div_euclid(due.every)),
                },
                now,
            )
            .await?;
        tx.commit().await?;
        queued += usize::from(added);
    }
    Ok(queued)
}

/// The worker's run of a queued sync. What the run came to is in its record; the job is done
/// either way (the schedule tries again), unless the database could not be reached.
pub async fn run(app: &App, job: &JobRecord) -> crate::domain::JobOutcome {
    use crate::domain::JobOutcome;
    let district = match app.store.district_by_id(job.district).await {
        Ok(Some(district)) => district,
        Ok(None) => return JobOutcome::Give("the district is gone".to_owned()),
        Err(err) => return JobOutcome::Retry(err.to_string()),
    };
    let trigger = match serde_json::from_str::<SyncJob>(&job.payload) {
        Ok(SyncJob { asked_by: Some(by) }) => Trigger::Queued(by),
        _ => Trigger::Schedule,
    };
    match sync(app, &Staff::operator(district), trigger, false).await {
        Ok(_) => JobOutcome::Done,
        Err(Error::Invalid(why)) => JobOutcome::Give(why.to_string()),
        Err(err) => JobOutcome::Retry(err.to_string()),
    }
}

/// Keeps a run's hold on its district while the run lasts; stops when dropped.
struct Hold(tokio::task::JoinHandle<()>);

impl Hold {
    fn start(app: &App, district: DistrictId) -> Self {
        let app = app.clone();
        Self(tokio::spawn(async move {
            let every = std::time::Duration::from_secs((HOLD_SECONDS / 3).unsigned_abs());
            loop {
                tokio::time::sleep(every).await;
                let until = app.clock.unix() + HOLD_SECONDS;
                if let Err(err) = app.store.renew_sis_hold(district, until).await {
                    tracing::warn!(%err, "a running sync's hold could not be renewed");
                }
            }
        }))
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn view(record: SisConnectionRecord) -> ConnectionView {
    ConnectionView {
        base_url: record.base_url,
        token_url: record.token_url,
        client_id: record.client_id,
    }
}

fn credential(field: &'static str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.len() > max || text.chars().any(char::is_control) {
        return Err(Invalid::new(format!(
            "{field} is from 1 to {max} characters, without control characters"
        ))
        .on(field)
        .into());
    }
    Ok(text.to_owned())
}

fn sealing_context(district: DistrictId) -> String {
    format!("sis:{}", district.0)
}

fn client_secret(
    app: &App,
    district: DistrictId,
    connection: &SisConnectionRecord,
) -> Result<String> {
    super::sealing::read(
        app,
        &connection.client_secret,
        &sealing_context(district),
        "the SIS client secret",
    )
}

async fn audit(
    app: &App,
    staff: &Staff,
    action: &'static str,
    detail: Option<String>,
) -> Result<()> {
    let actor = staff.actor();
    app.store
        .audit(
            AuditEntry {
                district: Some(staff.district().id),
                actor: actor.name,
                account: actor.account,
                action,
                detail: detail.map(|d| d.chars().take(1000).collect()),
                ..Default::default()
            },
            app.clock.unix(),
        )
        .await?;
    Ok(())
}
