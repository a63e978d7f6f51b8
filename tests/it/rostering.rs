//! Rostering over REST, against the OneRoster 1.2 server in `sis.rs`: a first run reads
//! everything and imports what a CSV import of the same district imports; later runs ask only
//! for what changed; a run that cannot read every page (a 500, a page that never comes, a
//! token that stops working) imports nothing and tells the district's staff once, and a later
//! run succeeds; the worker runs a district's sync on its schedule, once across nodes.

use std::time::Duration;

use serde_json::json;

use crate::harness::{PASSWORD, TestApp, TestDb, operator, spawn_app_with};
use crate::sis::{Fault, Sis};
use homeroom::domain::District;
use homeroom::services::rostering::{self, Connection, Ran, Trigger};
use homeroom::services::{auth, districts, generator, import};

const ID: &str = "homeroom-sync";
const SECRET: &str = "s3cret: with spaces & symbols";
/// The operator's key, which seals the client secret where it is kept.
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A generated district served by the SIS, and the app (with a short wait for each answer).
async fn setup() -> (TestApp, Sis, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let today = jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date();
    generator::generate(
        dir.path(),
        &generator::Options {
            students: 40,
            seed: 11,
            year: generator::school_year_of(today),
        },
    )
    .unwrap();
    let sis = Sis::start(dir.path(), ID, SECRET);
    let app = spawn_app_with(TestDb::fresh().await, |mut c| {
        c.sis_timeout_seconds = Some(2);
        c.secret_key = Some(KEY.into());
        c
    })
    .await;
    (app, sis, dir)
}

async fn add_district(app: &TestApp, slug: &str) -> District {
    districts::add(&app.app, slug, "Maple Sync Schools", "OR")
        .await
        .unwrap();
    districts::set(&app.app, slug, "staff_second_factor", "optional")
        .await
        .unwrap();
    crate::harness::district(app, slug).await
}

async fn connect(
    app: &TestApp,
    district: &District,
    sis: &Sis,
    secret: &str,
) -> Result<(), String> {
    rostering::connect(
        &app.app,
        &operator(district),
        Connection {
            base_url: &sis.base_url(),
            token_url: &sis.token_url(),
            client_id: ID,
            client_secret: secret,
        },
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

async fn sync(app: &TestApp, district: &District) -> Ran {
    rostering::sync(&app.app, &operator(district), Trigger::Asked, false)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    n
}

/// What a district holds, table by table: what the sync must make exactly as the CSV import.
async fn holdings(app: &TestApp, district: &District) -> Vec<(&'static str, i64)> {
    let mut all = Vec::new();
    for (name, sql) in [
        (
            "schools",
            "SELECT COUNT(*) FROM schools WHERE district_id = {}",
        ),
        (
            "people",
            "SELECT COUNT(*) FROM people WHERE district_id = {} AND active = TRUE",
        ),
        (
            "relationships",
            "SELECT COUNT(*) FROM relationships WHERE district_id = {}",
        ),
        (
            "classes",
            "SELECT COUNT(*) FROM classes WHERE district_id = {}",
        ),
        (
            "enrollments",
            "SELECT COUNT(*) FROM enrollments WHERE district_id = {} AND active = TRUE",
        ),
        (
            "line items",
            "SELECT COUNT(*) FROM line_items WHERE district_id = {}",
        ),
        (
            "results",
            "SELECT COUNT(*) FROM results WHERE district_id = {}",
        ),
        (
            "scored",
            "SELECT COUNT(*) FROM results WHERE district_id = {} AND score IS NOT NULL",
        ),
    ] {
        all.push((
            name,
            count(app, &sql.replace("{}", &district.id.0.to_string())).await,
        ));
    }
    all
}

fn imported(ran: Ran) -> (String, u64, import::Report) {
    match ran {
        Ran::Imported {
            mode,
            records,
            report,
            ..
        } => (mode.to_owned(), records, report),
        other => panic!("the sync did not import: {other:?}"),
    }
}

fn failed(ran: Ran) -> (String, Vec<String>) {
    match ran {
        Ran::Failed {
            reason, problems, ..
        } => (reason, problems),
        other => panic!("the sync did not fail: {other:?}"),
    }
}

fn data_requests(sis: &Sis) -> Vec<crate::sis::Logged> {
    sis.requests()
        .into_iter()
        .filter(|r| r.path.contains("/v1p2/"))
        .collect()
}

#[tokio::test]
async fn a_first_sync_imports_what_the_csv_import_does_and_later_ones_only_what_changed() {
    let (app, sis, dir) = setup().await;
    // The same district, imported from its CSV files, for comparison.
    let by_csv = add_district(&app, "by-csv").await;
    import::oneroster(&app.app, &operator(&by_csv), dir.path(), None)
        .await
        .unwrap();
    let district = add_district(&app, "by-sis").await;
    connect(&app, &district, &sis, SECRET).await.unwrap();

    let (mode, records, report) = imported(sync(&app, &district).await);
    assert_eq!(mode, "bulk");
    let served: usize = [
        "orgs",
        "academicSessions",
        "courses",
        "classes",
        "users",
        "enrollments",
        "categories",
        "lineItems",
        "results",
    ]
    .iter()
    .map(|c| sis.count(c))
    .sum();
    assert_eq!(records, served as u64, "every record read once");
    assert!(report.kinds["people"].created > 40, "{report}");
    assert_eq!(
        holdings(&app, &district).await,
        holdings(&app, &by_csv).await
    );

    // Every collection was read in pages of 1,000, sorted, until X-Total-Count was reached.
    let requests = data_requests(&sis);
    assert!(requests.iter().all(|r| r.status == 200), "{requests:?}");
    let results: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/gradebook/v1p2/results"))
        .collect();
    let pages = sis.count("results").div_ceil(1000);
    assert!(pages >= 2, "the district's results fill more than a page");
    assert_eq!(results.len(), pages, "{results:?}");
    assert!(results[1].query.contains("offset=1000"), "{:?}", results[1]);
    assert!(requests.iter().all(|r| r.query.contains("limit=1000")));
    assert!(requests.iter().all(|r| !r.query.contains("filter")));
    assert_eq!(
        sis.tokens_issued(),
        1,
        "the token that checked the connection is kept for the run"
    );

    // The SIS changes: a name, a withdrawn enrollment, a new score.
    let student = sis
        .get("enrollments", &first_student_enrollment(&dir))
        .unwrap();
    let enrollment = student["sourcedId"].as_str().unwrap().to_owned();
    let pupil = student["user"]["sourcedId"].as_str().unwrap().to_owned();
    sis.modify("users", &pupil, |u| {
        u.insert("givenName".into(), json!("Renamed"));
    });
    sis.delete("enrollments", &enrollment);
    sis.clear_log();

    let (mode, records, report) = imported(sync(&app, &district).await);
    assert_eq!(mode, "delta");
    assert_eq!(records, 2, "only the changed records were read");
    assert_eq!(report.kinds["people"].updated, 1, "{report}");
    let requests = data_requests(&sis);
    assert_eq!(
        requests.len(),
        9,
        "one page of each collection: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.query.contains("filter=dateLastModified%3E%27")),
        "{requests:?}"
    );
    let renamed = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM people WHERE district_id = {} AND sourced_id = '{pupil}' \
             AND given_name = 'Renamed'",
            district.id.0
        ),
    )
    .await;
    assert_eq!(renamed, 1);
    let enrolled = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM enrollments WHERE district_id = {} AND sourced_id = '{enrollment}' \
             AND active = TRUE",
            district.id.0
        ),
    )
    .await;
    assert_eq!(enrolled, 0, "the enrollment the SIS deleted has ended");

    // Nothing new: the overlap reads the last changes again, and they change nothing.
    let (mode, _, report) = imported(sync(&app, &district).await);
    assert_eq!(mode, "delta");
    assert!(
        report
            .kinds
            .values()
            .all(|c| c.created + c.updated + c.deactivated == 0),
        "{report}"
    );
    let runs = rostering::runs(&app.app, &operator(&district), 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 3);
    assert!(
        runs.iter()
            .all(|r| r.outcome == "imported" && r.started_by == "operator")
    );
    assert_eq!(runs[2].mode, "bulk");
    assert_eq!(runs[0].since, Some(runs[1].started_at));
}

/// A student's enrollment, from the files the SIS was made from.
fn first_student_enrollment(dir: &tempfile::TempDir) -> String {
    let mut reader = csv::Reader::from_path(dir.path().join("enrollments.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let role = headers.iter().position(|h| h == "role").unwrap();
    reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[role] == "student")
        .map(|r| r[0].to_owned())
        .unwrap()
}

#[tokio::test]
async fn a_sync_that_cannot_read_every_page_imports_nothing_tells_staff_once_and_a_later_one_succeeds()
 {
    let (app, sis, _dir) = setup().await;
    let district = add_district(&app, "faults").await;
    auth::add_staff(&app.app, "faults", "ada.admin", PASSWORD)
        .await
        .unwrap();
    connect(&app, &district, &sis, SECRET).await.unwrap();
    let empty = holdings(&app, &district).await;
    let told = format!(
        "SELECT COUNT(*) FROM notifications WHERE district_id = {} AND event = 'security'",
        district.id.0
    );

    // A 500 in the middle of the results.
    sis.fault(Fault::ServerErrorAt(12));
    let (reason, _) = failed(sync(&app, &district).await);
    assert!(reason.contains("the SIS answered 500"), "{reason}");
    assert_eq!(
        holdings(&app, &district).await,
        empty,
        "nothing was written"
    );
    assert_eq!(count(&app, &told).await, 1, "the administrator is told");

    // A page that never comes, in time.
    sis.fault(Fault::HangAt(3, Duration::from_secs(5)));
    let (reason, _) = failed(sync(&app, &district).await);
    assert!(reason.contains("did not answer in time"), "{reason}");
    assert_eq!(holdings(&app, &district).await, empty);
    assert_eq!(
        count(&app, &told).await,
        1,
        "told once while the failures go on"
    );

    // A token that ends before the SIS said it would is renewed once, and the run goes on.
    sis.fault(Fault::ExpireTokensAfter(5));
    let before = sis.tokens_issued();
    let (mode, _, _) = imported(sync(&app, &district).await);
    assert_eq!(mode, "bulk", "the first good run reads everything");
    assert_eq!(
        sis.tokens_issued(),
        before + 1,
        "the kept token, then one more"
    );
    let synced = holdings(&app, &district).await;
    assert_ne!(synced, empty);

    // After a good run, the next failure is news again: the client's access is revoked in
    // the middle of the run.
    sis.fault(Fault::RevokeAfter(4));
    let (reason, _) = failed(sync(&app, &district).await);
    assert!(reason.contains("refused"), "{reason}");
    assert_eq!(
        holdings(&app, &district).await,
        synced,
        "nothing was written"
    );
    assert_eq!(count(&app, &told).await, 2);

    sis.fault(Fault::None);
    let (mode, _, _) = imported(sync(&app, &district).await);
    assert_eq!(mode, "delta", "changes since the last good run");

    let runs = rostering::runs(&app.app, &operator(&district), 10)
        .await
        .unwrap();
    let outcomes: Vec<&str> = runs.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["imported", "failed", "imported", "failed", "failed"]
    );
}

#[tokio::test]
async fn what_the_sis_sends_wrong_is_named_by_its_record_and_nothing_is_imported() {
    let (app, sis, dir) = setup().await;
    let district = add_district(&app, "bad-data").await;
    connect(&app, &district, &sis, SECRET).await.unwrap();
    let enrollment = first_student_enrollment(&dir);
    sis.modify("enrollments", &enrollment, |e| {
        e.insert(
            "user".into(),
            json!({"sourcedId": "nobody-here", "type": "user"}),
        );
    });
    sis.insert(
        "courses",
        json!({"sourcedId": "odd-course", "title": {"en": "Shapes"}}),
    );
    let (reason, _) = failed(sync(&app, &district).await);
    assert!(
        reason.contains("courses \"odd-course\": title is not in the form OneRoster gives it"),
        "{reason}"
    );
    sis.delete("courses", "odd-course");
    let (reason, problems) = failed(
        rostering::sync(&app.app, &operator(&district), Trigger::Asked, true)
            .await
            .unwrap(),
    );
    assert!(reason.contains("nothing was imported"), "{reason}");
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("enrollments \"{enrollment}\":"))
                && p.contains("nobody-here")),
        "{problems:?}"
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM people WHERE district_id = {}",
                district.id.0
            )
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_connection_is_checked_before_it_is_kept_and_its_secret_is_sealed() {
    let (app, sis, _dir) = setup().await;
    let district = add_district(&app, "connect").await;
    let err = rostering::sync(&app.app, &operator(&district), Trigger::Asked, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no SIS connection"), "{err}");
    let err = connect(&app, &district, &sis, "wrong").await.unwrap_err();
    assert!(err.contains("refused the client id and secret"), "{err}");
    let err = rostering::connect(
        &app.app,
        &operator(&district),
        Connection {
            base_url: "http://sis.example/ims/oneroster",
            token_url: &sis.token_url(),
            client_id: ID,
            client_secret: SECRET,
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("https"), "{err}");
    assert!(
        rostering::connection(&app.app, &district)
            .await
            .unwrap()
            .is_none(),
        "nothing refused is kept"
    );
    connect(&app, &district, &sis, SECRET).await.unwrap();
    let shown = rostering::connection(&app.app, &district)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown.base_url, sis.base_url());
    assert_eq!(shown.client_id, ID);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (kept,): (String,) = sqlx::query_as("SELECT client_secret FROM sis_connections")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    assert!(
        homeroom::secrets::is_sealed(&kept) && !kept.contains("s3cret"),
        "{kept}"
    );
}

/// `homeroom sync oneroster`, with the secret on standard input, then again with the kept
/// connection; `homeroom sync show`; and `district set S sync_interval`.
#[tokio::test]
async fn the_operator_connects_and_syncs_from_the_command_line() {
    use tokio::io::AsyncWriteExt;
    let (app, sis, _dir) = setup().await;
    add_district(&app, "cli").await;
    let run = |args: Vec<String>, stdin: Option<&'static str>| {
        let url = app.db.url.clone();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let mut command = crate::harness::homeroom_command(dir.path());
            command
                .args(["--database-url", &url])
                .args(&args)
                .env("HOMEROOM_SECRET_KEY", KEY)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = command.spawn().unwrap();
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                input.write_all(text.as_bytes()).await.unwrap();
            }
            drop(input);
            child.wait_with_output().await.unwrap()
        }
    };
    let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let connect = |secret: &'static str| {
        let mut args = words("sync oneroster --district cli --client-id");
        args.push(ID.to_owned());
        args.extend(["--base-url".into(), sis.base_url()]);
        args.extend(["--token-url".into(), sis.token_url()]);
        args.push("--client-secret-stdin".into());
        run(args, Some(secret))
    };
    crate::harness::assert_fails_with(
        &connect("not the secret\n").await,
        "refused the client id and secret",
    );
    let out = connect("s3cret: with spaces & symbols\n").await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    let printed = crate::harness::stdout(&out);
    assert!(printed.contains("connected to"), "{printed}");
    assert!(printed.contains("(bulk); imported: "), "{printed}");

    let out = run(words("sync oneroster --district cli"), None).await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    assert!(crate::harness::stdout(&out).contains("(delta)"));

    // A connection is given whole (clap says what is missing).
    let out = run(
        words("sync oneroster --district cli --base-url https://sis.example"),
        None,
    )
    .await;
    assert!(!out.status.success());
    assert!(crate::harness::stderr(&out).contains("--token-url"));
    let out = run(words("district set cli sync_interval 2h"), None).await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    crate::harness::assert_fails_with(
        &run(words("district set cli sync_interval 1s"), None).await,
        "sync_interval is off or a time from 5m to 7d",
    );
    let out = run(words("sync show --district cli"), None).await;
    let shown = crate::harness::stdout(&out);
    assert!(
        shown.contains(&sis.base_url()) && shown.contains("every 2h"),
        "{shown}"
    );
    assert_eq!(shown.matches("imported").count(), 2, "{shown}");
    assert!(!shown.contains("s3cret"));
}

#[tokio::test]
async fn the_worker_syncs_a_district_on_its_schedule_once_across_nodes() {
    let (app, sis, _dir) = setup().await;
    let district = add_district(&app, "scheduled").await;
    connect(&app, &district, &sis, SECRET).await.unwrap();
    assert_eq!(
        rostering::queue_due(&app.app).await.unwrap(),
        0,
        "no schedule yet"
    );
    districts::set(&app.app, "scheduled", "sync_interval", "1h")
        .await
        .unwrap();
    // Two nodes look at once: one run is queued.
    assert_eq!(rostering::queue_due(&app.app).await.unwrap(), 1);
    assert_eq!(rostering::queue_due(&app.app).await.unwrap(), 0);
    // Another node's run holds the district: this one stays out.
    let now = app.app.clock.unix();
    assert!(
        app.app
            .store
            .hold_sis_connection(district.id, now, now + 60)
            .await
            .unwrap()
    );
    let district = crate::harness::district(&app, "scheduled").await;
    assert!(matches!(
        rostering::sync(&app.app, &operator(&district), Trigger::Asked, false)
            .await
            .unwrap(),
        Ran::Busy
    ));
    app.app
        .store
        .release_sis_connection(district.id)
        .await
        .unwrap();

    homeroom::services::worker::run_due(&app.app).await.unwrap();
    homeroom::services::worker::settled(&app.app).await;
    let runs = rostering::runs(&app.app, &operator(&district), 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0].outcome.as_str(), runs[0].started_by.as_str()),
        ("imported", "schedule")
    );
    assert_eq!(
        rostering::queue_due(&app.app).await.unwrap(),
        0,
        "not due again yet"
    );
    app.app.clock.advance(3601);
    assert_eq!(
        rostering::queue_due(&app.app).await.unwrap(),
        1,
        "an hour later"
    );
}

#[tokio::test]
async fn staff_see_the_runs_in_the_console_and_ask_for_one() {
    let (app, sis, _dir) = setup().await;
    let district = add_district(&app, "console").await;
    auth::add_staff(&app.app, "console", "ada.admin", PASSWORD)
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .post(app.url("/d/console/staff"))
        .form(&[("username", "ada.admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_redirection(), "{}", login.status());
    let page = console_page(&client, &app).await;
    assert!(page.contains("No SIS is connected"), "{page}");

    connect(&app, &district, &sis, SECRET).await.unwrap();
    sis.fault(Fault::ServerErrorAt(2));
    failed(sync(&app, &district).await);
    sis.fault(Fault::None);
    let page = console_page(&client, &app).await;
    assert!(page.contains(&sis.base_url()), "{page}");
    assert!(page.contains("Failed: nothing imported"), "{page}");
    assert!(page.contains("the SIS answered 500"), "{page}");

    let asked = client
        .post(app.url("/d/console/admin/sync"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    assert!(
        asked
            .text()
            .await
            .unwrap()
            .contains("A sync will start within a minute")
    );
    // A second click queues nothing more.
    let again = client
        .post(app.url("/d/console/admin/sync"))
        .form(&[("", "")])
        .send()
        .await
        .unwrap();
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("A sync is already waiting to start")
    );
    homeroom::services::worker::run_due(&app.app).await.unwrap();
    homeroom::services::worker::settled(&app.app).await;
    let page = console_page(&client, &app).await;
    assert!(page.contains("Imported"), "{page}");
    assert!(page.contains("ada.admin"), "who asked is shown: {page}");
}

async fn console_page(client: &reqwest::Client, app: &TestApp) -> String {
    let response = client
        .get(app.url("/d/console/admin/sync"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}
