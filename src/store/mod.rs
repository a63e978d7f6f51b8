//! The only place with SQL. One portable query set runs on SQLite and PostgreSQL through
//! sqlx's `Any` driver: `$n` placeholders (SQLite reads them as positions too), `RETURNING`,
//! `ON CONFLICT`, integers for times. Each backend has its own migration tree, embedded in the
//! binary; a test checks that both end at the same tables and columns.
//!
//! Reads go through [`Store`]; writes go through a [`Tx`], so that a change and its audit entry
//! commit together or not at all.

mod absences;
mod accounts;
mod audit;
mod batch;
mod circuit;
mod conversations;
mod copy;
mod districts;
mod gathered;
mod import_runs;
mod jobs;
mod keys;
mod known_devices;
mod links;
mod notifications;
mod passkeys;
mod people;
mod pooler;
mod push;
mod records;
mod recovery;
mod replica;
mod rostering;
mod rosters;
mod second_factor;
mod sessions;
mod snapshots;
mod sql;
mod sso;
mod staff_reads;
mod staging;
mod throttle;
mod tools;
mod url;
mod wal;

use std::path::PathBuf;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, Row};

pub use absences::{AbsenceRecord, ApprovedDay, NewAbsence, QueueFilter};
pub use accounts::NewAccount;
pub use audit::{AuditEntry, AuditRecord};
pub use conversations::{
    ConversationAudience, ConversationRecord, LIST_LIMIT as CONVERSATIONS_LISTED, NewConversation,
    OfficeHoursRecord, ReadMark, Reader, RosterEntry, TaughtClass, WrittenMessage,
};
pub use copy::Cleanup as StagingCleanup;
pub use districts::{DistrictCounts, DistrictFilter, NewDistrict};
pub use jobs::{JobRecord, NewJob};
pub use keys::{KeyRecord, KeyScope, PersonRecord};
pub use known_devices::DeviceSeen;
pub use links::{CodeOwner, LinkedAccount};
pub use notifications::{
    Audience, Channel, GradeWatch, ImportNews, Imported, MessageRecord, NewNotification,
    NotificationRecord, NotificationSettings,
};
pub use passkeys::{Ceremony, PasskeyListed, PasskeyRecord};
pub use people::{NewPerson, NewRelationship, NewSchool, RelationshipView};
pub use pooler::Pooler;
pub use push::{DeviceRecord, ListedSubscription, NewSubscription, SubscriptionRecord};
pub use records::{
    AcademicSession, AttendanceRecord, ClassRecord, Dates, MarkRecord, Marks, NoSchoolDay,
    ReadRecord, Records, StudentRecord, TermGradeRecord,
};
pub use recovery::{Recipient, ResetRecord};
pub use rostering::{RunEnd, SisConnectionRecord, SyncRunRecord, SyncSchedule};
pub use rosters::{
    CategoryFields, ClassFields, CourseFields, PersonFields, PersonState, RelationshipFields,
    RelationshipState, RosterTable, SchoolFields, SchoolState, SessionFields,
};
pub use second_factor::TotpRecord;
pub use sessions::{NewSession, SessionKind, SessionRecord, Unread};
pub use sso::{SsoAttempt, SsoProviderRecord};
pub use staging::{Merged, Staged, Value};
pub use throttle::{
    AttemptId, FailureScope, IN_FLIGHT_SECONDS, InFlight, NewChallenge, StoredChallenge,
};
pub use tools::SchoolRecord;
pub use url::{Backend, DatabaseUrl};

use crate::domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `constraint` names what was duplicated.
    #[error("already exists: {constraint}")]
    Conflict { constraint: String },
    /// The database cannot be reached or is too busy to answer now.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// The database refused a value as text it cannot hold (PostgreSQL's SQLSTATE 22021, such
    /// as a NUL character): bad input, never a fault of the store.
    #[error("the database cannot store this text: {0}")]
    InvalidInput(String),
    /// A stored value no longer parses as its domain type.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// Behind a transaction pooler, work that needs a session of its own has nowhere to go.
    #[error(
        "database_pooler = \"transaction\": migrations and imports need a session of their own, \
         which a transaction pooler cannot give; set migration_database_url \
         (HOMEROOM_MIGRATION_DATABASE_URL) to a direct connection to PostgreSQL"
    )]
    NeedsSession,
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// How long a SQLite statement waits for the database's write lock (its busy timeout), and a
/// write for this process's turn, before the database counts as unavailable.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &err {
            E::Database(db) if db.is_unique_violation() => StoreError::Conflict {
                constraint: db
                    .constraint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| db.message().to_owned()),
            },
            E::Database(db) if unavailable(db.as_ref()) => StoreError::Unavailable(err),
            E::Database(db) if invalid_text(db.as_ref()) => {
                StoreError::InvalidInput(db.message().to_owned())
            }
            E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
                StoreError::Unavailable(err)
            }
            _ => StoreError::Database(err),
        }
    }
}

/// Whether a database error means "not now" rather than "never". SQLite: SQLITE_BUSY,
/// SQLITE_LOCKED, SQLITE_FULL and SQLITE_CANTOPEN, with any extended code
/// (SQLITE_BUSY_SNAPSHOT is 517, whose low byte is 5). PostgreSQL: see
/// [`postgres_unavailable`].
fn unavailable(db: &dyn sqlx::error::DatabaseError) -> bool {
    let Some(code) = db.code() else {
        return false;
    };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return code.parse::<i64>().is_ok_and(sqlite_unavailable);
    }
    postgres_unavailable(&code)
}

/// PostgreSQL's "not now": class 08 (connection exception), 57P (operator intervention, e.g.
/// a shutdown), 53 (insufficient resources, e.g. too many connections or a full disk), a
/// statement cancelled (57014, as a statement timeout does), a lock not to be had (55P03, a
/// lock timeout), and a transaction rolled back for another's sake (40001 serialization
/// failure, 40P01 deadlock). A busy server answers with these; a job that meets one is tried
/// again, not given up.
fn postgres_unavailable(code: &str) -> bool {
    ["08", "57P", "53"]
        .iter()
        .any(|class| code.starts_with(class))
        || matches!(code, "57014" | "55P03" | "40001" | "40P01")
}

/// PostgreSQL's "character not in repertoire" (a NUL in text) and "untranslatable character".
fn invalid_text(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
        && db
            .code()
            .is_some_and(|code| matches!(code.as_ref(), "22021" | "22P05"))
}

/// SQLite's primary result code is the low byte of the extended one. A full disk
/// (SQLITE_FULL, 13) refuses writes until an operator frees space, and reads go on: not now,
/// as PostgreSQL's disk_full (53100) is; never the portal's fault (500).
fn sqlite_unavailable(code: i64) -> bool {
    matches!(code & 0xff, 5 | 6 | 13 | 14)
}

impl StoreError {
    /// Whether the database's disk is full (SQLite's SQLITE_FULL, PostgreSQL's disk_full): the
    /// operator's to fix, by freeing space, so the log names it.
    pub fn disk_full(&self) -> bool {
        let (StoreError::Unavailable(sqlx::Error::Database(db))
        | StoreError::Database(sqlx::Error::Database(db))) = self
        else {
            return false;
        };
        let Some(code) = db.code() else {
            return false;
        };
        if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            return code.parse::<i64>().is_ok_and(|code| code & 0xff == 13);
        }
        code == "53100"
    }
}

impl From<Invalid> for StoreError {
    fn from(err: Invalid) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database's side of the operator's metrics.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// (state, jobs in it).
    pub jobs: Vec<(String, i64)>,
    pub import_runs: i64,
    pub pool_connections: i64,
    pub pool_idle: i64,
}

#[derive(Clone)]
pub struct Store {
    pool: pooler::Db,
    backend: Backend,
    /// The SQLite file, watched by [`Store::ping`].
    sqlite_file: Option<PathBuf>,
    /// PostgreSQL: where an import's `COPY` and migrations connect (see [`Target`]); none on
    /// SQLite, or behind a transaction pooler with no direct connection configured.
    session_url: Option<String>,
    writes: WriteTurn,
    /// Where the audit entries of reads go: SQLite's queue, which writes what waits together;
    /// on PostgreSQL, one statement with the session reads that wait beside them.
    shared: Shared,
    /// SQLite only: the write-ahead log's checkpoints, stopped with the last clone.
    _checkpoints: Option<wal::Checkpoints>,
    /// PostgreSQL only: open while the database is known to be away.
    circuit: circuit::Circuit,
    /// PostgreSQL only: a streaming replica for record reads (see `replica`), with its own
    /// circuit, open while it is away.
    replica: Option<pooler::Db>,
    replica_circuit: circuit::Circuit,
}

/// What the requests of one moment share a statement for ([`Store::shared`]).
#[derive(Clone)]
enum Shared {
    Audit(audit::AuditQueue),
    Gathered(gathered::Gathered),
}

impl Shared {
    /// PostgreSQL's, where session reads are gathered too.
    fn gathered(&self) -> Option<&gathered::Gathered> {
        match self {
            Self::Gathered(gathered) => Some(gathered),
            Self::Audit(_) => None,
        }
    }
}

/// SQLite has one writer at a time, and a connection that finds the lock taken sleeps (the
/// busy timeout polls, in steps of up to 100 ms). The frequent small writes of this process
/// (audit entries, session activity) take turns here instead, and never sleep; so does the
/// checkpoint that holds writers back while the log starts over (`wal`).
#[derive(Clone)]
struct WriteTurn(Option<std::sync::Arc<tokio::sync::Mutex<()>>>);

impl WriteTurn {
    fn new(backend: Backend) -> Self {
        Self((backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(()))))
    }

    /// Waits for this process's turn to write on SQLite (no wait on PostgreSQL). A wait as
    /// long as the busy timeout means something holds the database: unavailable, as SQLite
    /// would say.
    async fn take(&self) -> Result<Option<tokio::sync::MutexGuard<'_, ()>>> {
        let Some(writes) = &self.0 else {
            return Ok(None);
        };
        match tokio::time::timeout(BUSY_TIMEOUT, writes.lock()).await {
            Ok(guard) => Ok(Some(guard)),
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }
}

/// How to reach the database: the configuration's part for the store.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    /// What stands between Homeroom and PostgreSQL at `url`.
    pub pooler: Pooler,
    /// PostgreSQL: a direct connection for the work that needs a session of its own
    /// (migrations, an import's staging), when `url` leads through a transaction pooler.
    pub session_url: Option<DatabaseUrl>,
    /// PostgreSQL: a streaming replica for record reads.
    pub read_url: Option<DatabaseUrl>,
}

impl Target {
    /// A database reached directly.
    pub fn direct(url: DatabaseUrl, max_connections: u32) -> Self {
        Self {
            url,
            max_connections,
            pooler: Pooler::None,
            session_url: None,
            read_url: None,
        }
    }

    /// Where work that needs a session goes; none when only a transaction pooler is known.
    fn session_url(&self) -> Option<String> {
        match (&self.session_url, self.pooler) {
            (Some(url), _) => Some(url.connect_url()),
            (None, Pooler::None) => Some(self.url.connect_url()),
            (None, Pooler::Transaction) => None,
        }
    }
}

/// How long a pooled connection may sit unused before it is pinged before its next statement.
/// Short: a database that restarts leaves every pooled connection dead, and only one used
/// within this last second can meet its statement failing; under load none is ever pinged.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Whether a pooled connection may be handed out: one that sat idle must answer a ping first.
async fn ping_if_idle(
    conn: &mut sqlx::AnyConnection,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> std::result::Result<bool, sqlx::Error> {
    if meta.idle_for >= PING_AFTER_IDLE {
        sqlx::Connection::ping(conn).await?;
    }
    Ok(true)
}

impl Store {
    /// Opens a pool on a database reached directly.
    pub async fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<Self> {
        Self::open(&Target::direct(url.clone(), max_connections)).await
    }

    /// Opens a pool. Per-backend connection set-up lives here and nowhere else.
    pub async fn open(target: &Target) -> Result<Self> {
        let url = &target.url;
        sqlx::any::install_default_drivers();
        let options = AnyPoolOptions::new()
            .max_connections(target.max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // sqlx would ping every connection it hands out: a round trip before each
            // statement, the session's and the audit entry's on every page. A connection in
            // steady use needs none (one the database dropped fails its statement, and the
            // pool closes it when it comes back); one that sat idle may have been cut off by
            // a firewall, a pooler or a restart, and is pinged first.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                // SQLite ends a transaction by itself on some errors (a full disk, an I/O
                // error); sqlx's rollback then finds none to end and goes on counting it open,
                // and the connection refuses every later BEGIN. A connection comes back to the
                // pool with its rollback done, so one still counting a transaction is such a
                // one: closed, and another taken.
                Box::pin(async move {
                    let out_of_step = sqlx::Connection::is_in_transaction(conn);
                    if out_of_step {
                        tracing::warn!(
                            "a database connection that counted a transaction the database had \
                             ended was closed"
                        );
                        return Ok(false);
                    }
                    ping_if_idle(conn, meta).await
                })
            });
        let options = match url.backend() {
            Backend::Sqlite => options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the one writer; the busy timeout makes a
                    // writer wait its turn instead of failing; foreign keys are off by default.
                    // A page cache of 4 MiB, twice SQLite's default: a student's record
                    // spans pages all over the results indexes, and a page the cache lacks is
                    // one read from the system's file cache. 16 MiB made no first read faster,
                    // and the C library kept what a closed connection had filled (17 MiB of an
                    // idle server's 46, docs/BENCHMARKS.md). No memory-mapped reads: every
                    // time the file grows, each connection maps it anew, and the unmapping
                    // flushes every core's address cache (under load, 3 % of the portal's
                    // time); and while an import writes, its pages are in the write-ahead log
                    // anyway (mapped reads made its largest merge 2.4 times slower). No
                    // checkpoint on commit, and a log cut back when it starts over: see `wal`.
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {}; \
                         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                         PRAGMA cache_size = -4096; PRAGMA wal_autocheckpoint = 0; \
                         PRAGMA journal_size_limit = {};",
                        BUSY_TIMEOUT.as_millis(),
                        wal::RESTART_AT
                    )))
                    .execute(conn)
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        if url.backend() == Backend::Sqlite {
            // Create the file on first run, once; the pool itself never creates it.
            let created =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&url.create_url()).await?;
            sqlx::Connection::close(created).await?;
        }
        let pool = options.connect(&url.connect_url()).await?;
        let writes = WriteTurn::new(url.backend());
        let db = pooler::Db::new(pool.clone(), target.pooler);
        let checkpoints = (url.backend() == Backend::Sqlite)
            .then(|| wal::start(pool.clone(), url.sqlite_file(), writes.clone()));
        let replica = target.read_url.as_ref().map(|read| {
            // Made lazily: a replica away at start must not stop the portal.
            let pool = AnyPoolOptions::new()
                .max_connections(target.max_connections)
                .acquire_timeout(Duration::from_secs(2))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
                .connect_lazy(&read.connect_url());
            pool.map(|pool| {
                (
                    pooler::Db::new(pool, target.pooler),
                    circuit::Circuit::probing(read.connect_url(), "the read replica"),
                )
            })
        });
        let replica = replica.transpose()?;
        Ok(Self {
            _checkpoints: checkpoints,
            circuit: match url.backend() {
                Backend::Postgres => circuit::Circuit::probing(url.connect_url(), "the database"),
                Backend::Sqlite => circuit::Circuit::closed(),
            },
            replica: replica.as_ref().map(|(db, _)| db.clone()),
            replica_circuit: replica.map_or_else(circuit::Circuit::closed, |(_, circuit)| circuit),
            shared: match url.backend() {
                Backend::Sqlite => {
                    Shared::Audit(audit::AuditQueue::start(db.clone(), writes.clone()))
                }
                Backend::Postgres => Shared::Gathered(gathered::Gathered::start(db.clone())),
            },
            pool: db,
            backend: url.backend(),
            sqlite_file: url.sqlite_file(),
            session_url: match url.backend() {
                Backend::Postgres => target.session_url(),
                Backend::Sqlite => None,
            },
            writes,
        })
    }

    /// PostgreSQL: where work that needs a session of its own connects.
    fn session_url(&self) -> Result<&str> {
        self.session_url.as_deref().ok_or(StoreError::NeedsSession)
    }

    /// Brings the schema up to date; safe to run at every start.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                // sqlx takes no lock on SQLite: processes starting at once take turns on a
                // lock file beside the database, so that each migration runs once.
                let _turn = self.migration_lock().await?;
                sqlx::migrate!("migrations/sqlite")
                    .run(self.pool()?.pool())
                    .await?
            }
            Backend::Postgres => {
                // sqlx holds an advisory lock for the session while it migrates, so that
                // nodes starting at once take turns: a session a transaction pooler cannot
                // give, so behind one this connects directly.
                // Waiting for that lock is taking turns, not a slow statement: not logged as one
                // (a command's standard error is one line).
                use sqlx::ConnectOptions;
                let options = self
                    .session_url()?
                    .parse::<sqlx::any::AnyConnectOptions>()?
                    .log_slow_statements(tracing::log::LevelFilter::Off, Duration::ZERO);
                let session = sqlx::any::AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await?;
                let migrated = sqlx::migrate!("migrations/postgres").run(&session).await;
                session.close().await;
                migrated?
            }
        }
        let filled = self.fill_search_names().await?;
        if filled > 0 {
            tracing::info!(filled, "folded names written for staff search");
        }
        Ok(())
    }

    /// An exclusive lock on `<database>.migrate-lock`, held until the file is dropped; none for a
    /// database in memory.
    async fn migration_lock(&self) -> Result<Option<std::fs::File>> {
        let Some(database) = &self.sqlite_file else {
            return Ok(None);
        };
        let mut path = database.clone().into_os_string();
        path.push(".migrate-lock");
        let unavailable = |err: std::io::Error| StoreError::Unavailable(sqlx::Error::Io(err));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(unavailable)?;
        tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| unavailable(std::io::Error::other(e)))?
            .map(Some)
            .map_err(unavailable)
    }

    /// SQLite: copies the write-ahead log into the database and empties it. PostgreSQL: nothing.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(self.pool()?)
                .await?;
        }
        Ok(())
    }

    async fn write_turn(&self) -> Result<Option<tokio::sync::MutexGuard<'_, ()>>> {
        self.writes.take().await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers when the database does. A SQLite file that was deleted or moved away while open
    /// still answers through the open handles, but everything written from then on would be
    /// lost at the next start: that counts as unavailable too.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()?).await?;
        if let Some(file) = &self.sqlite_file
            && !tokio::fs::try_exists(file).await.unwrap_or(false)
        {
            return Err(StoreError::Unavailable(sqlx::Error::Io(
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("the database file {} is gone", file.display()),
                ),
            )));
        }
        Ok(())
    }

    /// The pool, unless the database is known to be away: then `Unavailable` at once.
    fn pool(&self) -> Result<&pooler::Db> {
        if self.circuit.is_open() {
            return Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut));
        }
        Ok(&self.pool)
    }

    /// A transaction on the pool. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), waiting the busy timeout for it: a transaction that read first and wrote
    /// later would otherwise fail at once when another process wrote in between.
    async fn transaction(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool()?.pool().begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool()?.pool().begin().await?,
        })
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            inner: self.transaction().await?,
            backend: self.backend,
            pooler: self.pool.pooler(),
            copy: None,
            import_run: None,
        })
    }

    /// A transaction for an import, which stages its large files. On PostgreSQL it comes
    /// with a connection of its own that stages them by `COPY` into a schema of the import's
    /// own, put first on the transaction's search path (see `copy`); the caller drops that
    /// schema when the transaction has ended ([`Tx::staging_cleanup`]).
    pub async fn begin_import(&self) -> Result<Tx> {
        /// The import's settings last as long as its transaction.
        const TRUE_LOCAL: bool = true;
        if self.backend == Backend::Sqlite {
            return self.begin().await;
        }
        let copy = copy::CopyStage::open(self.session_url()?).await?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "SELECT set_config('search_path', \
               concat_ws(', ', $1, NULLIF(current_setting('search_path'), '')), TRUE) AS path",
        )
        .bind(copy.schema().to_owned())
        .fetch_one(tx.conn())
        .await?;
        sqlx::query(copy::IMPORT_SESSION)
            .bind(copy::application_name())
            .bind(TRUE_LOCAL)
            .fetch_one(tx.conn())
            .await?;
        tx.copy = Some(copy);
        Ok(tx)
    }

    /// What the operator's metrics read from the database and the pool when scraped.
    pub async fn gauges(&self) -> Result<Gauges> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(self.pool()?)
            .await?;
        let jobs = rows
            .iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get::<i64, _>("n")?)))
            .collect::<Result<Vec<_>>>()?;
        let (import_runs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM import_runs")
            .fetch_one(self.pool()?)
            .await?;
        Ok(Gauges {
            jobs,
            import_runs,
            pool_connections: i64::from(self.pool.pool().size()),
            pool_idle: i64::try_from(self.pool.pool().num_idle()).unwrap_or(i64::MAX),
        })
    }

    pub async fn close(&self) {
        self.pool.pool().close().await;
    }

    /// Table name → column names, as the database itself reports them.
    pub async fn schema(&self) -> Result<Vec<(String, Vec<(String, bool)>)>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name, p.\"notnull\" AS not_null \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                 ORDER BY m.name, p.name"
            }
            Backend::Postgres => {
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                 CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
                 ORDER BY table_name, column_name"
            }
        };
        let rows = sqlx::query(sql).fetch_all(self.pool()?).await?;
        let mut tables: Vec<(String, Vec<(String, bool)>)> = Vec::new();
        for row in rows {
            let table: String = row.try_get("table_name")?;
            let column: String = row.try_get("column_name")?;
            let not_null = flag(&row, "not_null")?;
            match tables.last_mut() {
                Some((name, columns)) if *name == table => columns.push((column, not_null)),
                _ => tables.push((table, vec![(column, not_null)])),
            }
        }
        Ok(tables)
    }
}

/// A transaction: everything written through it lands together at [`Tx::commit`], or not at all
/// when it is dropped.
pub struct Tx {
    /// Statements run on [`Tx::conn`], never on this directly: behind a transaction pooler
    /// they must go unnamed (see `pooler`).
    inner: sqlx::Transaction<'static, Any>,
    backend: Backend,
    pooler: Pooler,
    /// An import's staging by `COPY`, on PostgreSQL.
    copy: Option<copy::CopyStage>,
    /// The import run this transaction writes as, once it has one (see [`Tx::import_run`]).
    import_run: Option<i64>,
}

impl Tx {
    /// The transaction's connection, to run statements on.
    fn conn(&mut self) -> pooler::Conn<'_> {
        pooler::Conn::new(&mut self.inner, self.pooler)
    }

    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }

    /// An import's staging schema on PostgreSQL, to drop once this transaction has ended.
    pub fn staging_cleanup(&self) -> Option<StagingCleanup> {
        self.copy.as_ref().map(copy::CopyStage::cleanup)
    }
}

/// Reads a flag: PostgreSQL stores booleans, SQLite stores 0 or 1.
fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

/// Reads a small non-negative count or setting.
fn count(row: &AnyRow, column: &str) -> Result<u32> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} = {value}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn extended_sqlite_codes_count_as_busy() {
        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN and their extended codes:
        // BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT, LOCKED_SHAREDCACHE, LOCKED_VTAB,
        // CANTOPEN_ISDIR.
        for code in [5, 6, 14, 261, 517, 773, 262, 518, 526] {
            assert!(super::sqlite_unavailable(code), "{code}");
        }
        // SQLITE_CONSTRAINT_UNIQUE, SQLITE_ERROR, SQLITE_READONLY_DBMOVED.
        for code in [2067, 1, 1032] {
            assert!(!super::sqlite_unavailable(code), "{code}");
        }
    }

    #[test]
    fn postgresql_codes_of_a_busy_server_count_as_unavailable() {
        // Connection lost, shutting down, too many connections, statement timeout, lock
        // timeout, serialization failure, deadlock.
        for code in [
            "08006", "57P01", "53300", "57014", "55P03", "40001", "40P01",
        ] {
            assert!(super::postgres_unavailable(code), "{code}");
        }
        // Unique violation, undefined table, syntax error, character not in repertoire.
        for code in ["23505", "42P01", "42601", "22021"] {
            assert!(!super::postgres_unavailable(code), "{code}");
        }
    }

    /// A disk that fills: SQLite says SQLITE_FULL when its file cannot grow. Here a page limit
    /// (`max_page_count`) stands in for the disk; SQLite reports the two alike.
    #[tokio::test]
    async fn a_full_sqlite_disk_is_unavailable_and_named_as_such() {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE t (x TEXT); PRAGMA max_page_count = 8;")
            .execute(&mut conn)
            .await
            .unwrap();
        let mut written = 0;
        let err = loop {
            let insert = sqlx::query("INSERT INTO t (x) VALUES ($1)")
                .bind("x".repeat(2000))
                .execute(&mut conn)
                .await;
            match insert {
                Ok(_) => written += 1,
                Err(err) => break err,
            }
            assert!(written < 100, "the page limit never filled");
        };
        let err = super::StoreError::from(err);
        assert!(matches!(err, super::StoreError::Unavailable(_)), "{err:?}");
        assert!(err.disk_full(), "{err}");
        assert!(super::sqlite_unavailable(13));
        // Other unavailability is not a full disk.
        let busy = super::StoreError::Unavailable(sqlx::Error::PoolTimedOut);
        assert!(!busy.disk_full());
    }

    /// A transaction that SQLite ended by itself on a full disk leaves no connection behind
    /// that refuses the next: here a page limit on the pool's one connection stands in for the
    /// disk, and the connection that replaces it has none.
    #[tokio::test]
    async fn after_a_full_disk_the_next_transaction_begins() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("full.db").display());
        let store = super::Store::connect(&super::DatabaseUrl::parse(&url).unwrap(), 1)
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE t (x TEXT); PRAGMA max_page_count = 16;")
            .execute(store.pool().unwrap())
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        let err = loop {
            let insert = sqlx::query("INSERT INTO t (x) VALUES ($1)")
                .bind("x".repeat(2000))
                .execute(&mut *tx.inner)
                .await;
            if let Err(err) = insert {
                break super::StoreError::from(err);
            }
        };
        assert!(err.disk_full(), "{err}");
        drop(tx);
        let tx = store.begin().await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    }

    /// The `Any` driver hands SQLite's own error through, so its codes are read as SQLite's.
    #[tokio::test]
    async fn sqlite_errors_are_told_apart_through_the_any_driver() {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        let err = sqlx::query("SELECT * FROM missing")
            .execute(&mut conn)
            .await
            .unwrap_err();
        let sqlx::Error::Database(db) = &err else {
            panic!("not a database error: {err}");
        };
        assert!(db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some());
        assert!(!super::unavailable(db.as_ref()));
    }
}
