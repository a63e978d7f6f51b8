//! SIGKILL through the real binary, on both databases, and a disk that fills up.
//!
//! Here, in the middle of an import: the district holds the state before the import, whole,
//! never part of the new one; on PostgreSQL the killed import's statements stop within seconds
//! (its locks go with them); and the import run again completes and matches a clean one. In
//! [`mail`], in the middle of the job queue's mail; in [`accounts`], in the middle of
//! activations and password resets; in [`full_disk`], SQLite's disk fills under the portal.
//!
//! Where a test kills is drawn from a seed ([`Dice`]) that its failures name.

mod accounts;
mod full_disk;
mod mail;

use std::path::Path;
use std::time::{Duration, Instant};

use homeroom::domain::District;
use homeroom::services::{districts, generator};

use crate::harness::{TestApp, TestDb, homeroom_command, operator, spawn_app_with, stderr};

/// Where a crash test kills, drawn from a seed: `HOMEROOM_TEST_CRASH_SEED=N` repeats a run,
/// and without it each run draws its own. Every assertion of a test names its seed.
pub(crate) struct Dice {
    pub seed: u64,
    state: u64,
}

impl Dice {
    pub(crate) fn new(test: &str) -> Self {
        let seed = std::env::var("HOMEROOM_TEST_CRASH_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos();
                u64::from(nanos) ^ u64::from(std::process::id()) << 32
            });
        eprintln!("{test}: HOMEROOM_TEST_CRASH_SEED={seed}");
        let state = test
            .bytes()
            .fold(seed, |state, b| state.rotate_left(7) ^ u64::from(b));
        Self { seed, state }
    }

    /// A number in `low..=high` (splitmix64).
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        low + (z ^ (z >> 31)) % (high - low + 1)
    }
}

/// A district of `students` generated students, with their guardians (each with an email
/// address), classes and scores, imported; Forgot your password? on. Every request of these
/// tests comes from 127.0.0.1: the address's CAPTCHA threshold is put out of their way.
pub(crate) async fn generated_district(app: &TestApp, slug: &str, students: u32) -> District {
    let district = districts::add(&app.app, slug, slug, "NC").await.unwrap();
    let set = tempfile::tempdir().unwrap();
    let year = generator::school_year_of(
        jiff::tz::TimeZone::UTC
            .to_datetime(jiff::Timestamp::now())
            .date(),
    );
    let options = generator::Options {
        students,
        seed: 7,
        year,
    };
    generator::generate(set.path(), &options).unwrap();
    homeroom::services::import::oneroster(&app.app, &operator(&district), set.path(), None)
        .await
        .unwrap();
    for (key, value) in [
        ("forgot_password", "on"),
        ("captcha_after_address_failures", "100000"),
    ] {
        districts::set(&app.app, slug, key, value).await.unwrap();
    }
    districts::by_slug(&app.app, slug).await.unwrap()
}

/// Rows of a query on the test's database, as text.
pub(crate) async fn rows(url: &str, sql: String) -> Vec<Vec<String>> {
    use sqlx::Row;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    found
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<String, _>(i)
                        .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect()
}

/// The district's roster tables: every row counted, with its write stamps summed (any write
/// would show), and its active rows counted (what a clean run is compared by).
async fn fingerprint(app: &TestApp, slug: &str) -> Vec<(String, i64, i64, i64)> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let mut prints = Vec::new();
    for table in [
        "schools",
        "people",
        "relationships",
        "academic_sessions",
        "courses",
        "classes",
        "enrollments",
        "categories",
        "line_items",
        "results",
        "attendance",
        "term_grades",
        "no_school_days",
    ] {
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(t.updated_at), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN t.active THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM {table} t JOIN districts d ON d.id = t.district_id WHERE d.slug = '{slug}'"
        );
        let (rows, stamps, active): (i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        prints.push((table.to_owned(), rows, stamps, active));
    }
    sqlx::Connection::close(conn).await.unwrap();
    prints
}

/// What a clean run is compared by: the rows and the active rows of each table.
fn shape(prints: &[(String, i64, i64, i64)]) -> Vec<(String, i64, i64)> {
    prints
        .iter()
        .map(|(table, rows, _, active)| (table.clone(), *rows, *active))
        .collect()
}

async fn import(app: &TestApp, slug: &str, set: &Path) -> Duration {
    let started = Instant::now();
    let out = app
        .cli(&[
            "import",
            "oneroster",
            "--district",
            slug,
            set.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    started.elapsed()
}

/// Backends of the importing process `pid` still at work (PostgreSQL).
async fn import_backends(app: &TestApp, pid: u32) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'homeroom-import-{pid}'"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    n
}

/// Backends of the importing process `pid` running the merge of the scores (PostgreSQL).
async fn merging(app: &TestApp, pid: u32) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'homeroom-import-{pid}' \
         AND state = 'active' AND query LIKE '%INSERT INTO results%'"
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    n
}

#[tokio::test]
async fn an_import_killed_midway_leaves_the_old_state_whole_and_runs_again() {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    let postgres = app.app.store.backend() == homeroom::store::Backend::Postgres;
    // On PostgreSQL, enough students that the merge of the scores takes seconds.
    let students = if postgres { "2500" } else { "1500" };
    let sets = tempfile::tempdir().unwrap();
    let (old, new) = (sets.path().join("old"), sets.path().join("new"));
    for (dir, seed) in [(&old, "3"), (&new, "4")] {
        let out = app
            .cli(&[
                "demo",
                "generate",
                "--students",
                students,
                "--seed",
                seed,
                "--out",
                dir.to_str().unwrap(),
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    for slug in ["clean-run", "killed-run"] {
        let out = app
            .cli(&[
                "district", "add", "--slug", slug, "--name", slug, "--state", "NC",
            ])
            .await;
        assert!(out.status.success(), "{}", stderr(&out));
        import(&app, slug, &old).await;
    }
    // The clean run: how long the new set takes, and what it leaves.
    let took = import(&app, "clean-run", &new).await;
    let clean = shape(&fingerprint(&app, "clean-run").await);

    let before = fingerprint(&app, "killed-run").await;
    // Somewhere between 30 % and 90 % of the way, a different point on each run; the way is
    // taken as six tenths of the clean run's time, as one run of a loaded machine can go
    // that much faster than another.
    let percent = 30 + u64::from(std::process::id() % 61);
    let took = took * 6 / 10;
    let dir = tempfile::tempdir().unwrap();
    let mut child = homeroom_command(dir.path())
        .args([
            "--database-url",
            &app.db.url,
            "import",
            "oneroster",
            "--district",
        ])
        .args(["killed-run", new.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let started = Instant::now();
    if postgres {
        // Its sessions show under its name (else the check after the kill would prove nothing).
        while import_backends(&app, pid).await == 0 {
            assert!(
                started.elapsed() < took,
                "the import's sessions never showed"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    if postgres {
        // Killed in the middle of its longest statement, the merge of the scores: without a
        // check for its client the statement would run on to its end, locks held.
        while merging(&app, pid).await == 0 {
            assert!(
                started.elapsed() < took * 2,
                "the merge of the scores never began"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    } else {
        let point = took * u32::try_from(percent).unwrap() / 100;
        tokio::time::sleep(point.saturating_sub(started.elapsed())).await;
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(
        !status.success(),
        "the import ended before the kill at {percent} %"
    );

    if postgres {
        // Its statement is cancelled and its session gone within seconds, locks and all.
        let killed = Instant::now();
        while import_backends(&app, pid).await > 0 {
            assert!(
                killed.elapsed() < Duration::from_secs(3),
                "the killed import still runs in PostgreSQL after {:?}",
                killed.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(
        fingerprint(&app, "killed-run").await,
        before,
        "killed at {percent} %: the old state, whole"
    );
    // Run again, it completes, and leaves what the clean run left.
    import(&app, "killed-run", &new).await;
    assert_eq!(shape(&fingerprint(&app, "killed-run").await), clean);
    app.stop().await;
}
