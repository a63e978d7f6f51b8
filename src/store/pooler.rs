//! Where statements run, and how, so that Homeroom works behind PgBouncer in transaction mode.
//!
//! Such a pooler gives each transaction whichever server connection is free. A named prepared
//! statement made on one server connection is missing on the next, or already taken there by
//! another client; and sqlx prepares a statement (Parse, Describe, Sync) before it binds and
//! runs it (Bind, Execute, Sync): two transactions, to the pooler, that may meet two servers.
//! So behind a transaction pooler ([`Pooler::Transaction`]) every statement is unnamed, and a
//! statement outside a transaction runs in a transaction of its own, which keeps both its steps
//! on one server. Everywhere else statements stay named and cached, as sqlx does by default.
//!
//! Store code runs statements on [`Db`] (for the pool) or [`Conn`] (in a transaction), which
//! apply this once; it never names the pooler itself.

use futures_util::{StreamExt, TryStreamExt};
use sqlx::any::{AnyQueryResult, AnyRow};
use sqlx::error::BoxDynError;
use sqlx::{Any, AnyConnection, AnyPool, Database, Either, Execute, Executor};

/// What stands between Homeroom and PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pooler {
    /// A direct connection, or a pooler in session mode.
    #[default]
    None,
    /// A pooler in transaction mode, such as PgBouncer's `pool_mode = transaction`.
    Transaction,
}

impl Pooler {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "" | "none" | "session" => Some(Self::None),
            "transaction" => Some(Self::Transaction),
            _ => None,
        }
    }
}

/// The pool, as statements outside a transaction see it.
#[derive(Debug, Clone)]
pub(super) struct Db {
    pool: AnyPool,
    pooler: Pooler,
}

impl Db {
    pub(super) fn new(pool: AnyPool, pooler: Pooler) -> Self {
        Self { pool, pooler }
    }

    pub(super) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub(super) fn pooler(&self) -> Pooler {
        self.pooler
    }
}

/// A transaction's connection, as its statements see it.
#[derive(Debug)]
pub(super) struct Conn<'c> {
    conn: &'c mut AnyConnection,
    pooler: Pooler,
}

impl<'c> Conn<'c> {
    pub(super) fn new(conn: &'c mut AnyConnection, pooler: Pooler) -> Self {
        Self { conn, pooler }
    }
}

/// A statement sent unnamed: prepared, run and forgotten, never cached.
struct Unnamed<E>(E);

impl<'q, E: Execute<'q, Any>> Execute<'q, Any> for Unnamed<E> {
    fn sql(self) -> sqlx::SqlStr {
        self.0.sql()
    }

    fn statement(&self) -> Option<&<Any as Database>::Statement> {
        self.0.statement()
    }

    fn take_arguments(&mut self) -> Result<Option<<Any as Database>::Arguments>, BoxDynError> {
        self.0.take_arguments()
    }

    fn persistent(&self) -> bool {
        false
    }
}

type Step = Either<AnyQueryResult, AnyRow>;

impl<'c> Executor<'c> for &'c Db {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_util::stream::BoxStream<'e, Result<Step, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if self.pooler == Pooler::None {
            return self.pool.fetch_many(query);
        }
        // The whole answer is read before the transaction ends: the store's reads are bounded.
        let pool = &self.pool;
        let steps = async move {
            let mut tx = pool.begin().await?;
            let steps: Vec<Step> = tx.fetch_many(Unnamed(query)).try_collect().await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(steps)
        };
        futures_util::stream::once(steps)
            .map_ok(|steps| futures_util::stream::iter(steps.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_util::future::BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if self.pooler == Pooler::None {
            return self.pool.fetch_optional(query);
        }
        let pool = &self.pool;
        Box::pin(async move {
            let mut tx = pool.begin().await?;
            let row = tx.fetch_optional(Unnamed(query)).await?;
            tx.commit().await?;
            Ok(row)
        })
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [<Any as Database>::TypeInfo],
    ) -> futures_util::future::BoxFuture<'e, Result<<Any as Database>::Statement, sqlx::Error>>
    where
        'c: 'e,
    {
        self.pool.prepare_with(sql, parameters)
    }

    fn describe<'e>(
        self,
        sql: sqlx::SqlStr,
    ) -> futures_util::future::BoxFuture<'e, Result<sqlx::Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.pool.describe(sql)
    }
}

impl<'c> Executor<'c> for Conn<'c> {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_util::stream::BoxStream<'e, Result<Step, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self.pooler {
            Pooler::None => self.conn.fetch_many(query),
            Pooler::Transaction => self.conn.fetch_many(Unnamed(query)),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> futures_util::future::BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self.pooler {
            Pooler::None => self.conn.fetch_optional(query),
            Pooler::Transaction => self.conn.fetch_optional(Unnamed(query)),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [<Any as Database>::TypeInfo],
    ) -> futures_util::future::BoxFuture<'e, Result<<Any as Database>::Statement, sqlx::Error>>
    where
        'c: 'e,
    {
        self.conn.prepare_with(sql, parameters)
    }

    fn describe<'e>(
        self,
        sql: sqlx::SqlStr,
    ) -> futures_util::future::BoxFuture<'e, Result<sqlx::Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.conn.describe(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::Pooler;

    #[test]
    fn the_pooler_setting_reads_its_three_words() {
        assert_eq!(Pooler::parse("transaction"), Some(Pooler::Transaction));
        assert_eq!(Pooler::parse(" session "), Some(Pooler::None));
        assert_eq!(Pooler::parse("none"), Some(Pooler::None));
        assert_eq!(Pooler::parse("statement"), None);
    }
}
