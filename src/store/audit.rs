//! The audit log: who did what, in which district, when, from where. Written in the same
//! transaction as the change it records, where there is one; otherwise (a read of a record, a
//! failed login) through the [`AuditQueue`], which writes what waits together.

use super::batch::Batches;
use super::{Backend, Result, Store, StoreError, Tx, WriteTurn};
use crate::domain::{AccountId, DistrictId};
use sqlx::{Any, Executor, Row};

#[derive(Debug, Default)]
pub struct AuditEntry<'a> {
    pub district: Option<DistrictId>,
    /// `operator` for the command line, `account` for a logged-in person, `anonymous`.
    pub actor: &'a str,
    pub account: Option<AccountId>,
    /// A dotted verb such as `district.setting_changed` or `login.failed`.
    pub action: &'static str,
    pub target: Option<&'a str>,
    pub detail: Option<String>,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// One entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub actor: String,
    pub account: Option<AccountId>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
}

impl Tx {
    pub async fn audit(&mut self, entry: AuditEntry<'_>, now: i64) -> Result<()> {
        let backend = self.backend;
        insert_rows(self.conn(), backend, &[Row9::of(entry, now)?]).await
    }
}

impl Store {
    /// Records an event that changes nothing else (a read of a record, a failed login), and
    /// answers once it is committed.
    pub async fn audit(&self, entry: AuditEntry<'_>, now: i64) -> Result<()> {
        let row = Row9::of(entry, now)?;
        match &self.shared {
            super::Shared::Gathered(gathered) => gathered.audit(row).await,
            super::Shared::Audit(queue) => queue.write(row).await,
        }
    }

    /// A district's entries, newest first.
    pub async fn audit_entries(
        &self,
        district: DistrictId,
        limit: u32,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(super::sql::built(format!(
            "SELECT at, actor, account_id, action, target, detail, address, user_agent \
             FROM audit_log WHERE district_id = $1 ORDER BY at DESC, id DESC {}",
            super::sql::limit(limit)
        )))
        .bind(district.0)
        .fetch_all(self.pool()?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    account: row.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    detail: row.try_get("detail")?,
                    address: row.try_get("address")?,
                    user_agent: row.try_get("user_agent")?,
                })
            })
            .collect()
    }
}

/// An entry as its columns, owned, to wait in the queue.
pub(super) struct Row9 {
    district: i64,
    at: i64,
    actor: String,
    account: Option<i64>,
    action: &'static str,
    target: Option<String>,
    detail: Option<String>,
    address: Option<String>,
    user_agent: Option<String>,
}

impl Row9 {
    fn of(entry: AuditEntry<'_>, now: i64) -> Result<Self> {
        let Some(district) = entry.district else {
            return Err(StoreError::Corrupt(format!(
                "audit entry {} without a district",
                entry.action
            )));
        };
        Ok(Self {
            district: district.0,
            at: now,
            actor: entry.actor.to_owned(),
            account: entry.account.map(|a| a.0),
            action: entry.action,
            target: entry.target.map(str::to_owned),
            detail: entry.detail,
            address: entry.address.map(str::to_owned),
            user_agent: entry
                .user_agent
                .map(|ua| ua.chars().take(300).collect::<String>()),
        })
    }
}

impl serde::Serialize for Row9 {
    /// As a JSON array in the table's column order, which [`insert_rows`] takes apart.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        (
            self.district,
            self.at,
            &self.actor,
            self.account,
            self.action,
            &self.target,
            &self.detail,
            &self.address,
            &self.user_agent,
        )
            .serialize(serializer)
    }
}

/// Writes `rows` in one statement. The rows travel as one JSON array bound to one
/// placeholder: the statement is the same for any number of rows, so it is prepared once per
/// connection, and no value is copied to be bound.
async fn insert_rows<'e, E>(executor: E, backend: Backend, rows: &[Row9]) -> Result<()>
where
    E: Executor<'e, Database = Any>,
{
    let sql = match backend {
        Backend::Sqlite => {
            concat!(
                "INSERT INTO audit_log \
                   (district_id, at, actor, account_id, action, target, detail, address, \
                   user_agent) ",
                "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, \
                   value ->> 5, value ->> 6, value ->> 7, value ->> 8 \
                 FROM json_each($1) ORDER BY key"
            )
        }
        Backend::Postgres => POSTGRES_INSERT,
    };
    sqlx::query(sql)
        .bind(as_json(rows)?)
        .execute(executor)
        .await?;
    Ok(())
}

/// [`insert_rows`] on PostgreSQL, its rows in `$1`.
pub(super) const POSTGRES_INSERT: &str = "INSERT INTO audit_log \
       (district_id, at, actor, account_id, action, target, detail, address, user_agent) \
     SELECT (e ->> 0)::BIGINT, (e ->> 1)::BIGINT, e ->> 2, (e ->> 3)::BIGINT, e ->> 4, \
       e ->> 5, e ->> 6, e ->> 7, e ->> 8 \
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r (e, n) ORDER BY n";

/// Entries as [`insert_rows`] binds them.
pub(super) fn as_json(rows: &[Row9]) -> Result<String> {
    serde_json::to_string(rows)
        .map_err(|e| StoreError::Corrupt(format!("audit entries as JSON: {e}")))
}

/// The most entries written in one statement.
const BATCH: usize = 256;

/// SQLite: audit entries written outside a transaction of their own, in
/// [`batch`](super::batch)es: one statement, one commit for whatever gathered while the last
/// was written. SQLite has one writer at a time, and every commit its own pass through the
/// write-ahead log. Each caller hears of its own entry's commit, so a read is never answered
/// before it is on record. (PostgreSQL's go with the session reads, [`super::gathered`].)
#[derive(Clone)]
pub(super) struct AuditQueue(Batches<Row9, ()>);

impl AuditQueue {
    /// Starts the writer on the current runtime; it stops when the last queue is dropped.
    pub(super) fn start(pool: super::pooler::Db, turn: WriteTurn) -> Self {
        Self(Batches::start(BATCH, move |rows| {
            write_batch(pool.clone(), Backend::Sqlite, turn.clone(), rows)
        }))
    }

    async fn write(&self, row: Row9) -> Result<()> {
        self.0.ask(row).await
    }
}

/// Writes `rows` in one statement; if the database refuses it, each alone.
pub(super) async fn write_batch(
    pool: super::pooler::Db,
    backend: Backend,
    turn: WriteTurn,
    rows: Vec<Row9>,
) -> Vec<Result<()>> {
    let written = match turn.take().await {
        Ok(_turn) => insert_rows(&pool, backend, &rows).await,
        Err(err) => Err(err),
    };
    match written {
        Ok(()) => rows.iter().map(|_| Ok(())).collect(),
        // One entry the database refuses (text it cannot hold) must not fail the others: each
        // is tried alone and hears its own answer. A database that is away is away for all.
        Err(err) if rows.len() > 1 && !matches!(err, StoreError::Unavailable(_)) => {
            let mut answers = Vec::with_capacity(rows.len());
            for row in &rows {
                answers.push(match turn.take().await {
                    Ok(_turn) => insert_rows(&pool, backend, std::slice::from_ref(row)).await,
                    Err(err) => Err(err),
                });
            }
            answers
        }
        Err(err) => super::batch::failed_each(&err, rows.len()),
    }
}
