//! OneRoster import throughput and memory.
//!
//! Generates a district with the built `homeroom demo generate`, imports it whole into a fresh
//! SQLite database (and into PostgreSQL when `HOMEROOM_BENCH_POSTGRES_URL` names a database),
//! then imports a 1 % delta: every hundredth score changed and every hundredth person's email.
//! Prints the time, rows per second, the importing process's peak resident memory and the time
//! of each stage the import reports; three runs (HOMEROOM_BENCH_RUNS), then their medians beside
//! a baseline measured in the same run: as many rows written by the plainest bulk path of the
//! database (multi-row `INSERT` on SQLite, `COPY` on PostgreSQL) into one table.
//!
//! `cargo bench --bench import` (HOMEROOM_BENCH_STUDENTS changes the 50,000 students).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let students: u32 = std::env::var("HOMEROOM_BENCH_STUDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let whole = dir.path().join("whole");
    let started = Instant::now();
    let generated = homeroom(&[
        "demo",
        "generate",
        "--students",
        &students.to_string(),
        "--out",
        path(&whole),
    ]);
    let rows = rows_written(&generated);
    println!(
        "generated {students} students: {rows} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let delta = dir.path().join("delta");
    let delta_rows = write_delta(&whole, &delta);
    println!("1 % delta: {delta_rows} rows");

    let runs = std::env::var("HOMEROOM_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3usize);
    let mut databases = vec![("SQLite", None)];
    if let Ok(url) = std::env::var("HOMEROOM_BENCH_POSTGRES_URL") {
        databases.push(("PostgreSQL", Some(url)));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    for (name, postgres) in databases {
        let mut wholes = Vec::new();
        let mut deltas = Vec::new();
        for run in 1..=runs {
            // A fresh SQLite file each run; on PostgreSQL a district of its own each run.
            let url = postgres.clone().unwrap_or_else(|| {
                format!(
                    "sqlite://{}",
                    dir.path().join(format!("bench-{run}.db")).display()
                )
            });
            let slug = format!("bench-{}-{run}", std::process::id());
            homeroom(&["--database-url", &url, "migrate"]);
            homeroom(&[
                "--database-url",
                &url,
                "district",
                "add",
                "--slug",
                &slug,
                "--name",
                "Bench District",
                "--state",
                "NC",
            ]);
            let import = |set: &Path| {
                measured(&[
                    "--database-url",
                    &url,
                    "import",
                    "oneroster",
                    "--district",
                    &slug,
                    path(set),
                ])
            };
            for (what, set, count, runs) in [
                ("whole import", &whole, rows, &mut wholes),
                ("1 % delta", &delta, delta_rows, &mut deltas),
            ] {
                let (took, peak, stages) = import(set);
                println!(
                    "{name} run {run}: {what} {:.1} s, {:.0} rows/s, peak RSS {} MiB; {stages}",
                    took.as_secs_f64(),
                    count as f64 / took.as_secs_f64(),
                    peak / 1024
                );
                runs.push((took, peak));
            }
            if postgres.is_none() {
                let _ = std::fs::remove_file(dir.path().join(format!("bench-{run}.db")));
            }
        }
        let baseline = runtime.block_on(baseline(postgres.as_deref(), dir.path(), rows));
        let whole_median = median(&wholes);
        println!(
            "{name}: median of {runs}: whole import {:.1} s (peak RSS {} MiB), 1 % delta {:.1} s; \
             baseline ({}) {:.1} s for {rows} rows: the import takes {:.1}x the baseline",
            whole_median.as_secs_f64(),
            wholes.iter().map(|(_, p)| p / 1024).max().unwrap_or(0),
            median(&deltas).as_secs_f64(),
            if postgres.is_some() {
                "COPY into one table"
            } else {
                "multi-row INSERT into one table"
            },
            baseline.as_secs_f64(),
            whole_median.as_secs_f64() / baseline.as_secs_f64()
        );
    }
}

fn median(runs: &[(Duration, u64)]) -> Duration {
    let mut times: Vec<Duration> = runs.iter().map(|(t, _)| *t).collect();
    times.sort();
    times[times.len() / 2]
}

/// The plainest bulk path of the database for `rows` rows shaped like scores (a district, a
/// sourcedId, two ids, a score and a status): one transaction of multi-row `INSERT`s of 500 rows
/// on SQLite, one `COPY` on PostgreSQL, into a table without indexes.
async fn baseline(postgres: Option<&str>, dir: &Path, rows: u64) -> Duration {
    use sqlx::Connection;
    const CREATE: &str = "CREATE TABLE bench_baseline (district_id BIGINT NOT NULL, \
        sourced_id TEXT NOT NULL, line_item_id BIGINT NOT NULL, person_id BIGINT NOT NULL, \
        score DOUBLE PRECISION, score_status TEXT NOT NULL)";
    let row = |n: u64| {
        (
            1_i64,
            format!("r-li-crs-sch-{}-s{}", n / 25, n % 25),
            (n / 25) as i64,
            (n % 50_000) as i64,
            (n % 100) as f64,
            "fully graded",
        )
    };
    match postgres {
        Some(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.expect("PostgreSQL");
            sqlx::raw_sql("DROP TABLE IF EXISTS bench_baseline")
                .execute(&mut conn)
                .await
                .expect("a scratch table");
            sqlx::raw_sql(CREATE)
                .execute(&mut conn)
                .await
                .expect("a scratch table");
            let started = Instant::now();
            let mut copy = conn
                .copy_in_raw("COPY bench_baseline FROM STDIN")
                .await
                .expect("COPY");
            let mut buffer = String::with_capacity(1 << 20);
            for n in 0..rows {
                let (d, s, l, p, score, status) = row(n);
                buffer.push_str(&format!("{d}\t{s}\t{l}\t{p}\t{score}\t{status}\n"));
                if buffer.len() > (1 << 20) - 256 {
                    copy.send(buffer.as_bytes()).await.expect("COPY data");
                    buffer.clear();
                }
            }
            copy.send(buffer.as_bytes()).await.expect("COPY data");
            copy.finish().await.expect("COPY done");
            let took = started.elapsed();
            sqlx::raw_sql("DROP TABLE bench_baseline")
                .execute(&mut conn)
                .await
                .expect("the scratch table dropped");
            took
        }
        None => {
            let file = dir.join("baseline.db");
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&file)
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .expect("SQLite");
            sqlx::raw_sql(CREATE)
                .execute(&mut conn)
                .await
                .expect("a scratch table");
            let started = Instant::now();
            let mut tx = conn.begin().await.expect("a transaction");
            let placeholders = vec!["(?, ?, ?, ?, ?, ?)"; 500].join(", ");
            let full = format!("INSERT INTO bench_baseline VALUES {placeholders}");
            let mut n = 0;
            while n < rows {
                let count = (rows - n).min(500);
                let sql = if count == 500 {
                    full.clone()
                } else {
                    format!(
                        "INSERT INTO bench_baseline VALUES {}",
                        vec!["(?, ?, ?, ?, ?, ?)"; count as usize].join(", ")
                    )
                };
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for k in n..n + count {
                    let (d, s, l, p, score, status) = row(k);
                    query = query
                        .bind(d)
                        .bind(s)
                        .bind(l)
                        .bind(p)
                        .bind(score)
                        .bind(status);
                }
                query.execute(&mut *tx).await.expect("an insert");
                n += count;
            }
            tx.commit().await.expect("the commit");
            let took = started.elapsed();
            drop(conn);
            let _ = std::fs::remove_file(&file);
            took
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// Runs the binary to completion; its standard output.
fn homeroom(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_homeroom"))
        .args(args)
        .env("HOMEROOM_LOG", "warn")
        .output()
        .expect("the homeroom binary runs");
    assert!(
        out.status.success(),
        "homeroom {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the binary, watching its peak resident memory; (elapsed, peak KiB, the stages it
/// printed).
fn measured(args: &[&str]) -> (Duration, u64, String) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeroom"))
        .args(args)
        .env("HOMEROOM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the homeroom binary starts");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        // VmHWM is the peak so far; read often, the last reading is close to the end.
        if let Some(kib) = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        }) {
            peak = kib;
        }
        if child.try_wait().expect("waiting for the import").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = started.elapsed();
    let out = child.wait_with_output().expect("the import's output");
    assert!(
        out.status.success(),
        "homeroom {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stages = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("stages: ").map(str::to_owned))
        .unwrap_or_default();
    (took, peak, stages)
}

/// The rows `demo generate` reports (`  file.csv: N` lines), the manifest left out.
fn rows_written(printed: &str) -> u64 {
    printed
        .lines()
        .filter_map(|l| l.trim().split_once(".csv: "))
        .filter(|(file, _)| *file != "manifest")
        .filter_map(|(_, n)| n.trim().parse::<u64>().ok())
        .sum()
}

/// A delta set: every hundredth score and every hundredth person changed, dated now.
fn write_delta(whole: &Path, out: &Path) -> u64 {
    std::fs::create_dir_all(out).expect("the delta folder");
    std::fs::write(
        out.join("manifest.csv"),
        "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n\
         file.users,delta\nfile.results,delta\nfile.orgs,absent\nfile.academicSessions,absent\n\
         file.courses,absent\nfile.classes,absent\nfile.enrollments,absent\nfile.categories,absent\n\
         file.lineItems,absent\nfile.attendance,absent\n",
    )
    .expect("the delta manifest");
    let now = "2030-01-01T00:00:00Z";
    let users = every_hundredth(whole, out, "users.csv", |header, record| {
        set(header, record, "dateLastModified", now);
        let email = format!("changed.{}@example.org", get(header, record, "sourcedId"));
        set(header, record, "email", &email);
    });
    let results = every_hundredth(whole, out, "results.csv", |header, record| {
        set(header, record, "dateLastModified", now);
        let score: f64 = get(header, record, "score").parse().unwrap_or(0.0);
        set(
            header,
            record,
            "score",
            &format!("{}", (score + 1.0).min(100.0)),
        );
        set(header, record, "scoreStatus", "fully graded");
    });
    users + results
}

fn every_hundredth(
    whole: &Path,
    out: &Path,
    file: &str,
    change: impl Fn(&csv::StringRecord, &mut Vec<String>),
) -> u64 {
    let mut reader = csv::Reader::from_path(whole.join(file)).expect("a generated file");
    let header = reader.headers().expect("a header").clone();
    let mut writer = csv::Writer::from_path(out.join(file)).expect("a delta file");
    writer.write_record(&header).expect("writing the delta");
    let mut written = 0;
    for (i, record) in reader.records().enumerate() {
        if i % 100 != 0 {
            continue;
        }
        let mut fields: Vec<String> = record
            .expect("a generated record")
            .iter()
            .map(str::to_owned)
            .collect();
        change(&header, &mut fields);
        writer.write_record(&fields).expect("writing the delta");
        written += 1;
    }
    writer.flush().expect("writing the delta");
    written
}

fn column(header: &csv::StringRecord, name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("a {name} column"))
}

fn get<'r>(header: &csv::StringRecord, record: &'r [String], name: &str) -> &'r str {
    &record[column(header, name)]
}

fn set(header: &csv::StringRecord, record: &mut [String], name: &str, value: &str) {
    record[column(header, name)] = value.to_owned();
}
