//! PostgreSQL: an import's staged rows go in by `COPY`, many times faster than multi-row
//! `INSERT`s with millions of bound values.
//!
//! sqlx's `Any` connection cannot speak `COPY`, so the import opens a PostgreSQL connection of
//! its own beside its transaction. Temporary tables belong to one connection, so the staging
//! tables are ordinary unlogged tables in a schema of the import's own, `import_stage_<pid>`
//! (the copying connection's server process id). Each file's rows are committed by that
//! connection when the file is done, and the import's transaction, which puts the schema first
//! on its search path, reads them from then on. The import drops the schema when its
//! transaction has ended ([`Cleanup`]); one left behind by an import that died with its
//! connection is dropped by the next import.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgCopyIn, PgPool, PgPoolCopyExt, PgPoolOptions, Postgres};

use tokio::sync::oneshot;

use super::sql::built;
use super::staging::{Staged, Value, stage_index};
use super::{Result, StoreError};

/// The staging side of one PostgreSQL import.
pub(super) struct CopyStage {
    pool: PgPool,
    schema: String,
    /// The file being copied now; finishing it commits its rows.
    open: Option<(Staged, PgCopyIn<PoolConnection<Postgres>>)>,
    /// Rows encoded for `COPY`, reused from batch to batch.
    buffer: Vec<u8>,
    /// Staging tables being indexed on this connection: whether each one's sourcedIds are
    /// unique, once it is done.
    sealing: HashMap<Staged, oneshot::Receiver<Result<bool>>>,
}

/// An import's sessions (the transaction's, and this staging connection's): named after the
/// importing process, and checked for a client that went away every second, so that a killed
/// import's statement is cancelled, and its locks let go, at once rather than when it ends.
pub(super) const IMPORT_SESSION: &str = "SELECT set_config('application_name', $1, $2) AS name, \
       set_config('client_connection_check_interval', '1000', $2) AS check_interval";

/// `homeroom-import-<pid>`: how an import's sessions show in `pg_stat_activity`.
pub(super) fn application_name() -> String {
    format!("homeroom-import-{}", std::process::id())
}

impl CopyStage {
    /// Opens the import's own connection and schema, first dropping what dead imports left.
    pub(super) async fn open(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        sqlx::query(IMPORT_SESSION)
            .bind(application_name())
            .bind(false)
            .fetch_one(&pool)
            .await?;
        let pid: i32 = sqlx::query("SELECT pg_backend_pid() AS pid")
            .fetch_one(&pool)
            .await?
            .try_get("pid")?;
        let left = sqlx::query(
            "SELECT nspname::text AS name FROM pg_namespace n \
             WHERE nspname LIKE 'import\\_stage\\_%' AND NOT EXISTS \
               (SELECT 1 FROM pg_stat_activity a \
                WHERE n.nspname = 'import_stage_' || a.pid::text AND a.pid <> pg_backend_pid())",
        )
        .fetch_all(&pool)
        .await?;
        for row in left {
            let name: String = row.try_get("name")?;
            // Our own pid's name can only be a dead connection's leftover too. Another import
            // starting at this moment may be dropping the same leftover: that is no reason
            // for this one to fail.
            if let Err(err) =
                sqlx::query(built(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")))
                    .execute(&pool)
                    .await
            {
                tracing::warn!(%err, schema = %name, "a dead import's staging schema is left for later");
            }
        }
        let schema = format!("import_stage_{pid}");
        sqlx::query(built(format!("CREATE SCHEMA {schema}")))
            .execute(&pool)
            .await?;
        Ok(Self {
            pool,
            schema,
            open: None,
            buffer: Vec::new(),
            sealing: HashMap::new(),
        })
    }

    /// The schema the import's transaction puts first on its search path.
    pub(super) fn schema(&self) -> &str {
        &self.schema
    }

    /// Creates an empty staging table, `columns` being its full column list.
    pub(super) async fn create(&mut self, staged: Staged, columns: &str) -> Result<()> {
        self.finish().await?;
        sqlx::query(built(format!(
            "CREATE UNLOGGED TABLE {}.{} ({columns})",
            self.schema,
            staged.stage_name()
        )))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sends rows of `staged`, each its columns in order; a row of another file finishes the
    /// file before it.
    pub(super) async fn send(&mut self, staged: Staged, rows: Vec<Vec<Value>>) -> Result<()> {
        if self.open.as_ref().is_some_and(|(open, _)| *open != staged) {
            self.finish().await?;
        }
        if self.open.is_none() {
            let statement = format!(
                "COPY {}.{} ({}) FROM STDIN",
                self.schema,
                staged.stage_name(),
                staged.column_names().join(", ")
            );
            let copy = self.pool.copy_in_raw(&statement).await?;
            self.open = Some((staged, copy));
        }
        self.buffer.clear();
        for row in &rows {
            encode(&mut self.buffer, row);
        }
        if let Some((_, copy)) = &mut self.open {
            copy.send(self.buffer.as_slice()).await?;
        }
        Ok(())
    }

    /// Commits the rows of the file being copied, if any.
    pub(super) async fn finish(&mut self) -> Result<()> {
        if let Some((_, copy)) = self.open.take() {
            copy.finish().await?;
        }
        Ok(())
    }

    /// Ends the file being copied without keeping its rows: the import was refused.
    pub(super) async fn abort(&mut self) {
        if let Some((_, copy)) = self.open.take()
            && let Err(err) = copy.abort("the import was refused").await
        {
            tracing::debug!(%err, "a refused import's copy ended");
        }
    }

    /// Indexes and analyzes the staging tables, in the order given, on this connection while
    /// the import's transaction goes on with what needs none of them (the server has a core
    /// for each); [`Self::sealed`] waits for one. The transaction sees each index once it is
    /// committed, from its next statement.
    pub(super) async fn seal_in_background(&mut self, tables: &[Staged]) -> Result<()> {
        self.finish().await?;
        let mut queue = Vec::with_capacity(tables.len());
        for &staged in tables {
            let (done, waiting) = oneshot::channel();
            self.sealing.insert(staged, waiting);
            queue.push((staged, done));
        }
        let (pool, schema) = (self.pool.clone(), self.schema.clone());
        tokio::spawn(async move {
            for (staged, done) in queue {
                // Nobody waiting any more means the import has failed; what is built is
                // dropped with the schema.
                let _ = done.send(seal(&pool, &schema, staged).await);
            }
        });
        Ok(())
    }

    /// Waits until `staged` is indexed: whether every sourcedId in it is staged once.
    pub(super) async fn sealed(&mut self, staged: Staged) -> Result<bool> {
        let waiting = self.sealing.remove(&staged).ok_or_else(|| {
            StoreError::Corrupt(format!("{} was never sealed", staged.stage_name()))
        })?;
        waiting
            .await
            .map_err(|_| StoreError::Corrupt(format!("sealing {} stopped", staged.stage_name())))?
    }

    /// Waits for any work on `staged` still under way, whatever its outcome: the table is
    /// about to be dropped.
    pub(super) async fn settle(&mut self, staged: Staged) {
        if let Some(waiting) = self.sealing.remove(&staged) {
            let _ = waiting.await;
        }
    }

    /// What drops the schema once the import is over.
    pub(super) fn cleanup(&self) -> Cleanup {
        Cleanup {
            pool: self.pool.clone(),
            schema: self.schema.clone(),
        }
    }
}

/// Drops an import's staging schema and everything staged in it.
pub struct Cleanup {
    pool: PgPool,
    schema: String,
}

impl Cleanup {
    /// Call once the import's transaction has ended, committed or not: until then it holds
    /// the staging tables, and this would wait for it.
    pub async fn run(self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        if let Err(err) = sqlx::query(built(sql)).execute(&self.pool).await {
            tracing::warn!(%err, schema = %self.schema, "an import's staging schema is left for the next import to drop");
        }
        self.pool.close().await;
    }
}

/// Indexes one staging table by sourcedId, uniquely when it can be, and gathers its
/// statistics: answers whether the index is unique.
async fn seal(pool: &PgPool, schema: &str, staged: Staged) -> Result<bool> {
    let stage = format!("{schema}.{}", staged.stage_name());
    let unique = match sqlx::query(stage_index(staged, &stage, true))
        .execute(pool)
        .await
    {
        Ok(_) => true,
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            sqlx::query(stage_index(staged, &stage, false))
                .execute(pool)
                .await?;
            false
        }
        Err(err) => return Err(err.into()),
    };
    // PostgreSQL gathers no statistics on a table this new by itself; without them it plans
    // the merge's joins badly.
    sqlx::query(built(format!("ANALYZE {stage}")))
        .execute(pool)
        .await?;
    Ok(unique)
}

/// One row in `COPY`'s text format: tab between values, `\N` for none, and backslash, tab,
/// newline and carriage return escaped. Every staged value passes through here (tens of
/// millions in a large district), so nothing is allocated and plain text is copied whole.
fn encode(buffer: &mut Vec<u8>, row: &[Value]) {
    use std::io::Write;
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            buffer.push(b'\t');
        }
        // Writing into a Vec cannot fail. A number is written as `real` would print it.
        let _ = match value {
            Value::Text(Some(text)) => {
                escape(buffer, text);
                Ok(())
            }
            Value::Text(None) | Value::Real(None) => buffer.write_all(b"\\N"),
            Value::Int(n) => write!(buffer, "{n}"),
            Value::Real(Some(n)) => write!(buffer, "{n}"),
            Value::Bool(b) => buffer.write_all(if *b { b"t" } else { b"f" }),
        };
    }
    buffer.push(b'\n');
}

fn escape(buffer: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut plain = 0;
    for (i, byte) in bytes.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        buffer.extend_from_slice(&bytes[plain..i]);
        buffer.extend_from_slice(escaped);
        plain = i + 1;
    }
    buffer.extend_from_slice(&bytes[plain..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_encoded_as_copy_text() {
        let mut buffer = Vec::new();
        encode(
            &mut buffer,
            &[
                Value::Int(7),
                Value::Text(Some("a\tb\\c\nd\re, \"é\"".to_owned())),
                Value::Text(None),
                Value::Real(Some(92.5)),
                Value::Real(None),
                Value::Bool(true),
                Value::Bool(false),
            ],
        );
        assert_eq!(
            String::from_utf8(buffer).unwrap(),
            "7\ta\\tb\\\\c\\nd\\re, \"é\"\t\\N\t92.5\t\\N\tt\tf\n"
        );
        // Numbers read as the multi-row `INSERT` binds them.
        for n in [92.5, 0.1 + 0.2, 1e21, -0.0] {
            let mut buffer = Vec::new();
            encode(&mut buffer, &[Value::Real(Some(n))]);
            assert_eq!(
                buffer,
                format!("{}\n", super::super::sql::real(n)).into_bytes()
            );
        }
    }
}
