//! A staff upload is untrusted input: archives that inflate without end are refused within
//! seconds in little memory, from the command line and the console alike, and arbitrary
//! bytes, rows and zips never panic the importer, never write part of a set, and are always
//! refused with a `file:line` or a reason for a whole file or the whole set.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{TestApp, homeroom_command};

async fn demo() -> TestApp {
    let app = crate::harness::spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    app
}

/// Writes a zip of one entry: `head`, then `chunk` again and again up to `bytes` in all.
/// Python's zlib writes a gigabyte in seconds, where a debug build would take a minute.
fn bomb(path: &Path, name: &str, head: &str, chunk: &str, bytes: u64) {
    let script = r#"
import sys, zipfile
path, name, head, chunk, size = sys.argv[1:]
block = (chunk * (1048576 // len(chunk) + 1))[:1048576].encode()
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
    with z.open(name, "w", force_zip64=True) as f:
        f.write(head.encode())
        n = len(head)
        while n < int(size):
            f.write(block)
            n += len(block)
"#;
    let status = std::process::Command::new("python3")
        .args(["-c", script, path.to_str().unwrap(), name, head, chunk])
        .arg(bytes.to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Runs `homeroom import oneroster` on `path`; answers its stderr, how long it took and its
/// peak resident memory in bytes (VmHWM, read until it exits).
async fn import_measured(app: &TestApp, path: &Path) -> (String, Duration, u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = homeroom_command(dir.path());
    command
        .args(["--database-url", &app.db.url, "import", "oneroster"])
        .args(["--district", "cedar-valley", path.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let status = format!("/proc/{}/status", child.id().unwrap());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib * 1024);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let output = child.wait_with_output().await.unwrap();
    assert!(!output.status.success(), "a bomb was imported");
    (
        String::from_utf8_lossy(&output.stderr).into_owned(),
        started.elapsed(),
        peak,
    )
}

#[tokio::test]
async fn archives_that_inflate_without_end_are_refused_quickly_in_little_memory() {
    let app = demo().await;
    let dir = tempfile::tempdir().unwrap();
    let header = "sourcedId,orgSourcedIds,role,givenName,familyName\n";

    // One field of a gigabyte of one repeated byte, no line break anywhere.
    let field = dir.path().join("field.zip");
    bomb(&field, "users.csv", header, "a", 1 << 30);
    assert!(std::fs::metadata(&field).unwrap().len() < 5 << 20);
    let (err, took, peak) = import_measured(&app, &field).await;
    assert!(
        err.contains("users.csv:2: a field longer than 65536 bytes (import_max_field_bytes)"),
        "{err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(peak < 100 << 20, "peak RSS {} MiB", peak >> 20);

    // Good-looking rows repeated until the archive inflates to a gigabyte.
    let rows = dir.path().join("rows.zip");
    bomb(
        &rows,
        "users.csv",
        header,
        "u1,s1,student,Ada,Lovelace\n",
        1 << 30,
    );
    let (err, took, peak) = import_measured(&app, &rows).await;
    assert!(
        err.contains(
            "users.csv: inflates to more than 200 times its compressed size (import_max_ratio)"
        ),
        "{err}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(peak < 100 << 20, "peak RSS {} MiB", peak >> 20);

    // The same archive through the staff console: refused with the same reason, and the
    // server answers.
    crate::admin::web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let (status, page) = crate::admin::upload(&app, std::fs::read(&rows).unwrap()).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("inflates to more than 200 times its compressed size"),
        "{page}"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

/// A small, seeded generator (SplitMix64): the same cases on every run.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces that real files and hostile ones hold.
const PIECES: &[&str] = &[
    ",",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "\0",
    "é",
    "👪",
    "\u{202e}",
    " ",
    "tobedeleted",
    "2026-09-01 08:30:00",
    "09/01/2026",
    "st1",
    "g1",
    "s1",
    "k-math",
    "wizard",
    "teacher",
    "student",
    "-1e309",
    "NaN",
    "1e3",
    ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
];

/// One file of the set, changed a few times at random.
fn mutate(cases: &mut Cases, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=cases.below(4) {
        let at = cases.below(bytes.len() + 1);
        match cases.below(7) {
            0 => {
                let end = (at + cases.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let piece = cases.pick(PIECES).as_bytes().to_vec();
                bytes.splice(at..at, piece);
            }
            2 => bytes.insert(at, (cases.next() & 0xff) as u8),
            3 => bytes.truncate(at),
            4 => {
                // A line repeated, as a spreadsheet's fill-down does.
                let start = bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let end = bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| at + i + 1);
                let line = bytes[start..end].to_vec();
                bytes.splice(end..end, line);
            }
            5 => {
                let long = "x".repeat(cases.below(80_000));
                bytes.splice(at..at, long.into_bytes());
            }
            _ => {
                let noise: Vec<u8> = (0..cases.below(64))
                    .map(|_| (cases.next() & 0xff) as u8)
                    .collect();
                bytes.splice(at..at, noise);
            }
        }
    }
    bytes
}

/// Every row the import may write, counted and stamped: any write would show.
async fn fingerprint(app: &TestApp) -> Vec<(i64, i64)> {
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
        "audit_log",
    ] {
        let sql = format!("SELECT COUNT(*), CAST(COALESCE(SUM(id), 0) AS BIGINT) FROM {table}");
        let sql = if table == "results" {
            "SELECT COUNT(*), CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM results".to_owned()
        } else {
            sql
        };
        let print: (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        prints.push(print);
    }
    let (revision,): (i64,) =
        sqlx::query_as("SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) FROM districts")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    prints.push((revision, 0));
    sqlx::Connection::close(conn).await.unwrap();
    prints
}

/// Arbitrary bytes, rows and zips: the importer never panics or fails inside, never writes
/// part of a set, and every refusal names a file and line, a whole file, or the whole set.
#[tokio::test]
async fn arbitrary_files_are_imported_whole_or_refused_with_a_place() {
    let app = crate::import::app().await;
    let district = app
        .app
        .store
        .district_by_slug(&homeroom::domain::DistrictSlug::parse("riverbend").unwrap())
        .await
        .unwrap()
        .unwrap();
    let base = tempfile::tempdir().unwrap();
    crate::import::full_set(base.path(), crate::import::ENROLLMENTS);
    let files: Vec<(String, String)> = std::fs::read_dir(base.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    let mut cases = Cases(20);
    let (mut imported, mut refused) = (0, 0);
    for case in 0..60 {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a").join("b");
        std::fs::create_dir_all(&folder).unwrap();
        let mut written: Vec<(String, Vec<u8>)> = Vec::new();
        for (name, text) in &files {
            let bytes = match cases.below(4) {
                0 => mutate(&mut cases, text),
                1 if case % 5 == 0 => (0..cases.below(300))
                    .map(|_| (cases.next() & 0xff) as u8)
                    .collect(),
                _ => text.clone().into_bytes(),
            };
            written.push((name.clone(), bytes));
        }
        let path = if cases.below(2) == 0 {
            for (name, bytes) in &written {
                std::fs::write(folder.join(name), bytes).unwrap();
            }
            dir.path().to_owned()
        } else {
            let zip_path = dir.path().join("set.zip");
            let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            let options = zip::write::SimpleFileOptions::default();
            for (name, bytes) in &written {
                zip.start_file(format!("export/{name}"), options).unwrap();
                std::io::Write::write_all(&mut zip, bytes).unwrap();
            }
            zip.finish().unwrap();
            if cases.below(6) == 0 {
                // A damaged download: bytes lost from the middle.
                let mut bytes = std::fs::read(&zip_path).unwrap();
                let at = cases.below(bytes.len());
                bytes.truncate(at);
                std::fs::write(&zip_path, bytes).unwrap();
            }
            zip_path
        };
        let before = fingerprint(&app).await;
        match homeroom::services::import::oneroster(
            &app.app,
            &crate::harness::operator(&district),
            &path,
            None,
        )
        .await
        {
            Ok(_) => imported += 1,
            Err(homeroom::services::import::ImportError::Rejected { problems, total }) => {
                refused += 1;
                assert!(
                    total >= problems.len() && !problems.is_empty(),
                    "case {case}"
                );
                for problem in &problems {
                    let text = problem.to_string();
                    let placed = match problem.file {
                        Some(file) => {
                            written.iter().any(|(name, _)| name == file) || file == "manifest.csv"
                        }
                        None => [
                            "the archive",
                            "is neither a folder nor a readable .zip",
                            "holds no OneRoster files",
                            "OneRoster sets",
                        ]
                        .iter()
                        .any(|whole| text.contains(whole)),
                    };
                    assert!(placed && !problem.reason.is_empty(), "case {case}: {text}");
                }
                assert_eq!(
                    fingerprint(&app).await,
                    before,
                    "case {case} wrote part of a refused set"
                );
            }
            Err(homeroom::services::import::ImportError::Service(err)) => {
                panic!("case {case}: the importer failed inside: {err}")
            }
        }
    }
    assert!(
        imported > 5 && refused > 20,
        "{imported} imported, {refused} refused"
    );
    app.stop().await;
}

/// The records kept in memory while the large files are checked (people, classes and the like)
/// are held to a budget: past it, the set is refused, not the server's memory spent.
#[tokio::test]
async fn what_an_import_holds_in_memory_is_held_to_a_budget() {
    let app = crate::import::app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut users = String::from("sourcedId,orgSourcedIds,role,givenName,familyName\n");
    for i in 0..20_000 {
        users.push_str(&format!("u{i},s1,student,Given{i},Family{i}\n"));
    }
    crate::import::write_set(
        dir.path(),
        &[("orgs.csv", crate::import::ORGS), ("users.csv", &users)],
    );
    let path = dir.path().to_str().unwrap();
    let args = ["--database-url", &app.db.url, "import", "oneroster"];
    let args = [&args[..], &["--district", "riverbend", path]].concat();
    let small =
        crate::harness::run_binary(&args, &[("HOMEROOM_IMPORT_MAX_HELD_BYTES", "1048576")]).await;
    assert!(!small.status.success());
    assert!(
        crate::harness::stderr(&small).contains(
            "users.csv: the set's schools, people, classes and the like take more than 1 MiB to check (import_max_held_bytes)"
        ),
        "{}",
        crate::harness::stderr(&small)
    );
    assert!(crate::import::snapshot(&app).await.0.is_empty());
    let roomy = crate::harness::run_binary(&args, &[]).await;
    assert!(roomy.status.success(), "{}", crate::harness::stderr(&roomy));
    assert_eq!(crate::import::snapshot(&app).await.0.len(), 20_000);
    app.stop().await;
}

/// Line items the set does not hold wait to be looked up in the district, within the same
/// budget: a file naming more of them than it allows is refused, not held.
#[tokio::test]
async fn line_items_waiting_to_be_looked_up_are_held_to_the_budget() {
    let app = crate::import::app().await;
    let dir = tempfile::tempdir().unwrap();
    crate::import::full_set(dir.path(), crate::import::ENROLLMENTS);
    let mut results = String::from("sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus\n");
    for i in 0..20_000 {
        results.push_str(&format!("r{i},li-{i},st1,fully graded\n"));
    }
    crate::import::write_set(dir.path(), &[("results.csv", &results)]);
    let path = dir.path().to_str().unwrap();
    let args = ["--database-url", &app.db.url, "import", "oneroster"];
    let args = [&args[..], &["--district", "riverbend", path]].concat();
    let out =
        crate::harness::run_binary(&args, &[("HOMEROOM_IMPORT_MAX_HELD_BYTES", "1048576")]).await;
    assert!(!out.status.success());
    let err = crate::harness::stderr(&out);
    assert!(
        err.contains("results.csv: refers to more line items outside lineItems.csv than can be looked up in 1 MiB (import_max_held_bytes)"),
        "{err}"
    );
    assert!(crate::import::snapshot(&app).await.0.is_empty());
    app.stop().await;
}
