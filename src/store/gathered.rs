//! PostgreSQL: what the requests of one moment ask of the database, as one statement. A read of
//! a record asks for its session and writes its audit entry, and each statement costs a round
//! trip, a wakeup of a server process and (for a write) a commit, which cost more than the
//! work itself. Session reads and audit entries that wait together go as one statement, the
//! entries' insert in a `WITH` beside the sessions' select ([`super::batch`]); a first read
//! asks for its student's snapshot too, and the snapshots asked for together are read by a
//! second statement beside it. Not on SQLite, where a statement is a call in this process,
//! readers run side by side, and the entries take their turn to write ([`super::audit`]'s
//! queue).

use std::sync::LazyLock;

use super::audit::{self, Row9};
use super::batch::{self, Batches};
use super::pooler::Db;
use super::sessions::{self, Asked, Found};
use super::snapshots;
use super::{Backend, Result, StoreError, WriteTurn};
use crate::domain::DistrictId;

/// What one request asks.
pub(super) enum Ask {
    Audit(Row9),
    Session(Asked),
    /// A student's snapshot, from the primary.
    Snapshot(DistrictId, i64),
}

/// Its answer.
pub(super) enum Answer {
    Written,
    Found(Option<Box<Found>>),
    Snapshot(Option<Vec<u8>>),
}

/// The most requests answered by one statement.
const MOST: usize = 256;

#[derive(Clone)]
pub(super) struct Gathered(Batches<Ask, Answer>);

impl Gathered {
    pub(super) fn start(pool: Db) -> Self {
        Self(Batches::start(MOST, move |asked| run(pool.clone(), asked)))
    }

    /// Writes an audit entry; answers once it is committed.
    pub(super) async fn audit(&self, row: Row9) -> Result<()> {
        match self.0.ask(Ask::Audit(row)).await? {
            Answer::Written => Ok(()),
            _ => Err(mixed()),
        }
    }

    /// The session behind a secret, as [`sessions::gathered`] reads it.
    pub(super) async fn session(&self, asked: Asked) -> Result<Option<Found>> {
        match self.0.ask(Ask::Session(asked)).await? {
            Answer::Found(found) => Ok(found.map(|found| *found)),
            _ => Err(mixed()),
        }
    }

    /// A student's snapshot, as [`snapshots::read_gathered`] reads it.
    pub(super) async fn snapshot(
        &self,
        district: DistrictId,
        student: i64,
    ) -> Result<Option<Vec<u8>>> {
        match self.0.ask(Ask::Snapshot(district, student)).await? {
            Answer::Snapshot(body) => Ok(body),
            _ => Err(mixed()),
        }
    }
}

fn mixed() -> StoreError {
    StoreError::Corrupt("a gathered request answered as another kind".to_owned())
}

/// The entries' insert (`$1`) and the sessions' select (`$2`) as one statement, one for each
/// of [`sessions::Counted`]: PostgreSQL runs an insert in a `WITH` to its end whether or not
/// the select reads it.
static BOTH: LazyLock<Vec<String>> = LazyLock::new(|| {
    sessions::every_gathered("$2")
        .into_iter()
        .map(|select| format!("WITH written AS ({}) {select}", audit::POSTGRES_INSERT))
        .collect()
});

async fn run(pool: Db, asked: Vec<Ask>) -> Vec<Result<Answer>> {
    let n = asked.len();
    let (mut rows, mut row_places, mut reads, mut read_places) = (vec![], vec![], vec![], vec![]);
    let (mut wanted, mut wanted_places) = (vec![], vec![]);
    for (place, ask) in asked.into_iter().enumerate() {
        match ask {
            Ask::Audit(row) => {
                rows.push(row);
                row_places.push(place);
            }
            Ask::Session(read) => {
                reads.push(read);
                read_places.push(place);
            }
            Ask::Snapshot(district, student) => {
                wanted.push((district, student));
                wanted_places.push(place);
            }
        }
    }
    let ((written, found), snapshots) = tokio::join!(
        audit_and_sessions(&pool, rows, &reads),
        snapshots::read_gathered(&pool, &wanted)
    );
    let mut answers: Vec<Option<Result<Answer>>> = (0..n).map(|_| None).collect();
    for (place, done) in row_places.into_iter().zip(written) {
        answers[place] = Some(done.map(|()| Answer::Written));
    }
    for (place, done) in read_places.into_iter().zip(found) {
        answers[place] = Some(done.map(|found| Answer::Found(found.map(Box::new))));
    }
    for (place, done) in wanted_places.into_iter().zip(snapshots) {
        answers[place] = Some(done.map(Answer::Snapshot));
    }
    answers
        .into_iter()
        .map(|answer| answer.unwrap_or_else(|| Err(mixed())))
        .collect()
}

/// The entries written and the sessions read, as one statement when there are both.
async fn audit_and_sessions(
    pool: &Db,
    rows: Vec<Row9>,
    reads: &[Asked],
) -> (Vec<Result<()>>, Vec<Result<Option<Found>>>) {
    if rows.is_empty() && reads.is_empty() {
        return (Vec::new(), Vec::new());
    }
    if reads.is_empty() {
        return (write(pool, rows).await, Vec::new());
    }
    if rows.is_empty() {
        return (Vec::new(), sessions::read_gathered(pool, reads).await);
    }
    match both(pool, &rows, reads).await {
        Ok(found) => (
            rows.iter().map(|_| Ok(())).collect(),
            sessions::answers_from(&found, reads.len()),
        ),
        Err(err @ StoreError::Unavailable(_)) => (
            batch::failed_each(&err, rows.len()),
            batch::failed_each(&err, reads.len()),
        ),
        // An entry the database refuses (text it cannot hold) must not fail the others, nor
        // the sessions read beside it: each part again on its own, the entries one by one.
        Err(_) => (
            write(pool, rows).await,
            sessions::read_gathered(pool, reads).await,
        ),
    }
}

async fn write(pool: &Db, rows: Vec<Row9>) -> Vec<Result<()>> {
    audit::write_batch(
        pool.clone(),
        Backend::Postgres,
        WriteTurn::new(Backend::Postgres),
        rows,
    )
    .await
}

async fn both(pool: &Db, rows: &[Row9], reads: &[Asked]) -> Result<Vec<sqlx::any::AnyRow>> {
    let statement = sessions::one_of(&BOTH, sessions::Counted::of(reads));
    Ok(sqlx::query(statement)
        .bind(audit::as_json(rows)?)
        .bind(sessions::asked_json(reads)?)
        .fetch_all(pool)
        .await?)
}
