//! OneRoster import throughput and memory.
//!
//! Generates a district with the built `homeroom demo generate`, imports it whole into a fresh
//! SQLite database (and into PostgreSQL when `HOMEROOM_BENCH_POSTGRES_URL` names a database),
//! then imports a 1 % delta: every hundredth score changed and every hundredth person's email.
//! Prints the time, rows per second and the importing process's peak resident memory.
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

    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut databases = vec![("SQLite", sqlite)];
    if let Ok(url) = std::env::var("HOMEROOM_BENCH_POSTGRES_URL") {
        databases.push(("PostgreSQL", url));
    }
    for (name, url) in databases {
        // A district of its own each run, so that a PostgreSQL database can be reused.
        let slug = format!("bench-{}", std::process::id());
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
        let (took, peak) = import(&whole);
        println!(
            "{name}: whole import {:.1} s, {:.0} rows/s, peak RSS {} MiB",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64(),
            peak / 1024
        );
        let (took, peak) = import(&delta);
        println!(
            "{name}: 1 % delta {:.1} s, {:.0} rows/s, peak RSS {} MiB",
            took.as_secs_f64(),
            delta_rows as f64 / took.as_secs_f64(),
            peak / 1024
        );
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

/// Runs the binary, watching its peak resident memory; (elapsed, peak KiB).
fn measured(args: &[&str]) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeroom"))
        .args(args)
        .env("HOMEROOM_LOG", "warn")
        .stdout(Stdio::null())
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
    (took, peak)
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
