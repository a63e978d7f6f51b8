//! Portal reads under load, beside the same server's `/healthz` ceiling.
//!
//! Generates a district with the built `homeroom demo generate --seed 7` (50,000 students
//! unless HOMEROOM_BENCH_STUDENTS says otherwise), imports it into a fresh SQLite database (and
//! into HOMEROOM_BENCH_POSTGRES_URL, a fresh PostgreSQL database, when it is set), gives 512 of
//! its parents accounts (HOMEROOM_BENCH_PARENTS), starts the release `homeroom serve`, and logs
//! each parent in through the API. Then, with 64 concurrent clients (HOMEROOM_BENCH_CLIENTS):
//! 1. `/healthz` as fast as it answers, for HOMEROOM_BENCH_SECONDS: the ceiling of this machine
//!    for the server and this client together;
//! 2. `/api/v1/me`: the cheapest logged-in request (the session, its district and account);
//! 3. first reads: Grades of every parent–child pair exactly once, then Today of every pair
//!    once, each client taking the next pair as soon as it is answered: the morning after an
//!    import, before the server keeps anything of these students;
//! 4. first reads of the Grades *page*: 512 more parents (HOMEROOM_BENCH_WEB_PARENTS) log in
//!    through the web form, and the HTML Grades page of each of their pairs is read once;
//! 5. Grades warm, for HOMEROOM_BENCH_SECONDS;
//! 6. the Grades page warm, with 16 web sessions (HOMEROOM_BENCH_WEB_CLIENTS), for
//!    HOMEROOM_BENCH_SECONDS;
//! 7. the same page, then `/healthz`, under `wrk` (2 threads, a connection per web session,
//!    a Lua script taking the pairs in turn) when it is installed (HOMEROOM_BENCH_WRK names
//!    another): the issue measures the page so, and this bench's own client spends more of the
//!    two cores per request than `wrk` does.
//!
//! Each phase prints requests/s, p50 and p99, and its share of the `/healthz` ceiling; each
//! first-read throughput is also given as a share of the warm one. The server's memory is
//! given a second after it started, once it has sat idle after the import's jobs, and at its
//! peak.
//!
//! With HOMEROOM_BENCH_SOAK_SECONDS set (600 for the ten minutes the targets name), Grades is
//! then read warm without a pause for that long, and each minute prints its requests/s and
//! p99, the SQLite write-ahead log's size and the audit log's length: throughput must hold and
//! neither file may grow into a cost.
//!
//! `cargo bench --bench portal` (HOMEROOM_BENCH_SQLITE=0 leaves SQLite out).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use homeroom::domain::{AccountKind, DistrictSlug, PersonRole, SourcedId};
use homeroom::services::auth::{self, NewAccountFor};
use homeroom::store::KeyScope;

const PASSWORD: &str = "bench parent passphrase";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    sqlx::any::install_default_drivers();
    // reqwest leaves the choice of TLS provider to the program; plain HTTP never uses it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = Options {
        students: env_number("HOMEROOM_BENCH_STUDENTS", 50_000),
        parents: env_number("HOMEROOM_BENCH_PARENTS", 512) as usize,
        web_parents: env_number("HOMEROOM_BENCH_WEB_PARENTS", 512) as usize,
        web_clients: env_number("HOMEROOM_BENCH_WEB_CLIENTS", 16) as usize,
        seconds: env_number("HOMEROOM_BENCH_SECONDS", 15),
        clients: env_number("HOMEROOM_BENCH_CLIENTS", 64) as usize,
        soak: env_number("HOMEROOM_BENCH_SOAK_SECONDS", 0),
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let set = dir.path().join("set");
    let started = Instant::now();
    homeroom(&[
        "demo",
        "generate",
        "--students",
        &options.students.to_string(),
        "--seed",
        "7",
        "--out",
        set.to_str().expect("a UTF-8 path"),
    ]);
    println!(
        "{} students generated in {:.0} s",
        options.students,
        started.elapsed().as_secs_f64()
    );
    let mut databases = Vec::new();
    if std::env::var("HOMEROOM_BENCH_SQLITE").as_deref() != Ok("0") {
        databases.push((
            "SQLite",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        ));
    }
    if let Ok(url) = std::env::var("HOMEROOM_BENCH_POSTGRES_URL") {
        databases.push(("PostgreSQL", url));
    }
    for (name, db) in databases {
        println!("\n== {name}");
        run(&options, &db, &set, dir.path());
    }
}

struct Options {
    students: u64,
    parents: usize,
    web_parents: usize,
    web_clients: usize,
    seconds: u64,
    soak: u64,
    clients: usize,
}

/// Imports the set into `db`, then measures every phase against one server.
fn run(options: &Options, db: &str, set: &Path, dir: &Path) {
    let started = Instant::now();
    homeroom(&[
        "--database-url",
        db,
        "district",
        "add",
        "--slug",
        "bench",
        "--name",
        "Bench Unified",
        "--state",
        "DE",
    ]);
    homeroom(&[
        "--database-url",
        db,
        "import",
        "oneroster",
        "--district",
        "bench",
        set.to_str().expect("a UTF-8 path"),
    ]);
    println!("imported in {:.0} s", started.elapsed().as_secs_f64());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut parents = runtime.block_on(make_parents(db, options.parents + options.web_parents));
    let web_parents = parents.split_off(options.parents.min(parents.len()));
    let (mut server, base) = serve(db, dir);
    // What the server holds once started, before anyone logs in.
    std::thread::sleep(Duration::from_secs(1));
    let idle = memory(server.id(), "VmRSS");
    // The morning comes after the night's jobs: the import's snapshots of every student someone
    // can read (here, the children of the accounts just made) are done before anyone reads.
    let waited = runtime.block_on(jobs_done(db));
    println!("the import's jobs were done {waited:.0} s after the server started");
    // Idle: nothing asked of the server for longer than SQLite's pool keeps an idle
    // connection (30 s after the last write, `store::wal`), as on the night before the morning.
    std::thread::sleep(Duration::from_secs(45));
    let quiet = memory(server.id(), "VmRSS");
    let (seconds, clients) = (options.seconds, options.clients);
    let results = runtime.block_on(async {
        let sessions = log_in(&base, &parents, Way::Api).await;
        let web_sessions = log_in(&base, &web_parents, Way::Web).await;
        settle(db).await;
        let pairs = pairs_of(&sessions);
        let web_pairs = pairs_of(&web_sessions);
        println!(
            "{} parents logged in through the API ({} parent-child pairs), {} through the web \
             form ({} pairs)",
            sessions.len(),
            pairs.len(),
            web_sessions.len(),
            web_pairs.len()
        );
        let sessions = &sessions[..clients.min(sessions.len())];
        let web_sessions = &web_sessions[..options.web_clients.min(web_sessions.len())];
        let duration = Duration::from_secs(seconds);
        let healthz = load(&base, sessions, duration, Kind::Healthz).await;
        let me = load(&base, sessions, duration, Kind::Me).await;
        let first_grades = each_once(&base, &pairs, clients, Kind::Grades).await;
        let first_today = each_once(&base, &pairs, clients, Kind::Today).await;
        let first_page = each_once(&base, &web_pairs, clients, Kind::GradesPage).await;
        let grades = load(&base, sessions, duration, Kind::Grades).await;
        let page = load(&base, web_sessions, duration, Kind::GradesPage).await;
        let wrk = under_wrk(dir, &base, web_sessions, seconds).await;
        let soak = soak(&base, sessions, db, options.soak).await;
        Phases {
            healthz,
            me,
            first_grades,
            first_today,
            first_page,
            grades,
            page,
            wrk,
            soak,
        }
    });
    let peak = memory(server.id(), "VmHWM");
    let _ = server.kill();
    let _ = server.wait();
    let Phases {
        healthz,
        me,
        first_grades,
        first_today,
        first_page,
        grades,
        page,
        wrk,
        soak,
    } = results;
    println!(
        "server memory: {idle:.0} MiB resident once started (its jobs running), {quiet:.0} MiB \
         once idle, {peak:.0} MiB at its peak"
    );
    let per_second = |samples: &[f64]| samples.len() as f64 / seconds as f64;
    let ceiling = per_second(&healthz);
    let line = |what: &str, samples: &[f64], rate: f64| {
        println!(
            "{what:<22} {rate:>8.0} requests/s  p50 {:>6.1} ms  p99 {:>6.1} ms  {:>5.1} % of /healthz",
            percentile(samples, 0.50),
            percentile(samples, 0.99),
            100.0 * rate / ceiling
        );
    };
    println!(
        "{clients} clients; /healthz is this machine's ceiling for server and client together"
    );
    line("/healthz", &healthz, ceiling);
    line("/api/v1/me", &me, per_second(&me));
    line("Grades, first reads", &first_grades.0, first_grades.1);
    line("Today, first reads", &first_today.0, first_today.1);
    line("Grades page, first", &first_page.0, first_page.1);
    let warm = per_second(&grades);
    line("Grades, warm", &grades, warm);
    let page_warm = per_second(&page);
    line(
        &format!("Grades page, warm ×{}", options.web_clients),
        &page,
        page_warm,
    );
    println!(
        "first-read throughput: Grades {:.0} % of warm, the Grades page {:.0} % of warm",
        100.0 * first_grades.1 / warm,
        100.0 * first_page.1 / page_warm
    );
    match wrk {
        Some(Wrk { healthz, page }) => {
            println!(
                "under wrk ({WRK_THREADS} threads, {} connections, the issue's measure of the page):",
                options.web_clients
            );
            for (what, figures) in [("/healthz", &healthz), ("Grades page, warm", &page)] {
                println!(
                    "  {what:<20} {:>8.0} requests/s  p50 {:>6.1} ms  p99 {:>6.1} ms  {:>5.1} % of \
                     /healthz{}",
                    figures.rate,
                    figures.p50,
                    figures.p99,
                    100.0 * figures.rate / healthz.rate,
                    if figures.failed > 0 {
                        format!(
                            "  ({} answers failed: the figure is not a page's)",
                            figures.failed
                        )
                    } else {
                        String::new()
                    }
                );
            }
        }
        None => println!("wrk not found (apt-get install wrk): the page under wrk is left out"),
    }
    if let (Some(first), Some(last)) = (soak.first(), soak.last()) {
        println!("steady load, Grades warm, minute by minute:");
        for (n, minute) in soak.iter().enumerate() {
            println!(
                "  minute {:>2}: {:>6.0} requests/s  p99 {:>5.1} ms  write-ahead log {:>6.1} MiB  \
                 audit log {:>9} entries",
                n + 1,
                minute.rate,
                minute.p99,
                minute.wal_mib,
                minute.audit_entries
            );
        }
        println!(
            "last minute's throughput: {:.0} % of the first's",
            100.0 * last.rate / first.rate
        );
    }
}

/// One minute of steady load.
struct Minute {
    rate: f64,
    p99: f64,
    /// The SQLite write-ahead log's size at the minute's end (0 on PostgreSQL).
    wal_mib: f64,
    /// The audit log's entries at the minute's end.
    audit_entries: i64,
}

/// Grades read warm for `seconds`, minute by minute.
async fn soak(base: &str, sessions: &[Session], db: &str, seconds: u64) -> Vec<Minute> {
    use sqlx::Connection;
    let mut minutes = Vec::new();
    let wal = db
        .strip_prefix("sqlite://")
        .map(|file| std::path::PathBuf::from(format!("{file}-wal")));
    for _ in 0..seconds.div_ceil(60) {
        let samples = load(base, sessions, Duration::from_secs(60), Kind::Grades).await;
        let wal_mib = wal
            .as_ref()
            .and_then(|wal| std::fs::metadata(wal).ok())
            .map_or(0.0, |m| m.len() as f64 / (1024.0 * 1024.0));
        let mut connection = sqlx::AnyConnection::connect(db)
            .await
            .expect("the bench database answers");
        let (audit_entries,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM audit_log")
            .fetch_one(&mut connection)
            .await
            .expect("the audit log's length");
        let _ = connection.close().await;
        minutes.push(Minute {
            rate: samples.len() as f64 / 60.0,
            p99: percentile(&samples, 0.99),
            wal_mib,
            audit_entries,
        });
    }
    minutes
}

/// Each phase's milliseconds per request (and, for first reads, the phase's requests/s).
struct Phases {
    healthz: Vec<f64>,
    me: Vec<f64>,
    first_grades: (Vec<f64>, f64),
    first_today: (Vec<f64>, f64),
    first_page: (Vec<f64>, f64),
    grades: Vec<f64>,
    page: Vec<f64>,
    wrk: Option<Wrk>,
    soak: Vec<Minute>,
}

/// Every parent–child pair of the sessions, with the session's credential.
fn pairs_of(sessions: &[Session]) -> Vec<(Credential, i64)> {
    sessions
        .iter()
        .flat_map(|s| s.children.iter().map(|c| (s.credential.clone(), *c)))
        .collect()
}

/// On PostgreSQL, gathers the planner's statistics of the tables the logins just filled, as
/// autovacuum does within a minute or two of such a change. Without them, a plan each pool
/// connection settled on while `accounts` and `sessions` were nearly empty (scanning them
/// whole) stays in use until their first ANALYZE, long after the bench has ended; in the
/// morning a portal meets, those tables have had their statistics for months.
async fn settle(db: &str) {
    use sqlx::Connection;
    if !db.starts_with("postgres") {
        return;
    }
    let mut connection = sqlx::PgConnection::connect(db)
        .await
        .expect("the bench database answers");
    sqlx::raw_sql("ANALYZE accounts, sessions, people, relationships")
        .execute(&mut connection)
        .await
        .expect("ANALYZE");
    let _ = connection.close().await;
}

/// Waits until the server's queue holds no pending or running job; answers the seconds waited.
/// Asks the database, which both backends answer alike (the server's `/metrics` listens only
/// where `HOMEROOM_METRICS_BIND` says).
async fn jobs_done(db: &str) -> f64 {
    use sqlx::Connection;
    let started = Instant::now();
    let mut connection = sqlx::AnyConnection::connect(db)
        .await
        .expect("the bench database answers");
    loop {
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')")
                .fetch_one(&mut connection)
                .await
                .expect("the jobs are counted");
        // A job left for later (none is, after an import) must not hold the bench forever.
        if waiting == 0 || started.elapsed() > Duration::from_secs(600) {
            let _ = connection.close().await;
            return started.elapsed().as_secs_f64();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A memory figure of a process from `/proc/<pid>/status` (such as `VmRSS`), in MiB.
fn memory(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(&format!("{field}:")).map(str::to_owned))
        })
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs the built binary and fails loudly if it fails.
fn homeroom(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_homeroom"))
        .args(args)
        .env("HOMEROOM_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("the homeroom binary runs");
    assert!(
        out.status.success(),
        "homeroom {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Accounts for `count` parents spread over the district (each has children to read).
async fn make_parents(db: &str, count: usize) -> Vec<String> {
    let config = homeroom::config::ConfigInput {
        database_url: Some(db.to_owned()),
        log: Some("warn".to_owned()),
        ..Default::default()
    }
    .resolve()
    .expect("a configuration");
    let app = homeroom::app::App::start(config, homeroom::clock::Clock::default())
        .await
        .expect("the app starts");
    let district = app
        .store
        .district_by_slug(&DistrictSlug::parse("bench").expect("a slug"))
        .await
        .expect("the database answers")
        .expect("the bench district");
    let guardians = app
        .store
        .people_for_keys(
            district.id,
            &KeyScope {
                role: Some(PersonRole::Guardian),
                ..Default::default()
            },
            app.clock.unix(),
        )
        .await
        .expect("the guardians");
    let step = (guardians.len() / count).max(1);
    let mut usernames = Vec::new();
    for (n, guardian) in guardians.iter().step_by(step).take(count).enumerate() {
        let username = format!("bench-parent-{n}");
        auth::create_account(
            &app,
            &district,
            NewAccountFor {
                person: &SourcedId::parse(&guardian.sourced_id).expect("a sourcedId"),
                kind: AccountKind::Parent,
                username: &username,
                password: PASSWORD,
                must_change_password: false,
            },
            "operator",
            "account.created",
        )
        .await
        .expect("an account");
        usernames.push(username);
    }
    app.store.close().await;
    usernames
}

fn serve(db: &str, dir: &Path) -> (std::process::Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_homeroom"))
        .args(["--database-url", db, "serve", "--bind", "127.0.0.1:0"])
        .env("HOMEROOM_LOG", "warn")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the homeroom binary starts");
    let stdout = server.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let base = lines
        .find_map(|line| {
            line.strip_prefix("Homeroom is listening on ")
                .and_then(|rest| rest.split_whitespace().next())
                .map(|url| url.trim_end_matches('/').to_owned())
        })
        .expect("the server prints its address");
    std::thread::spawn(move || lines.for_each(drop));
    (server, base)
}

/// A logged-in parent: how their requests show it, and the children they may see.
struct Session {
    credential: Credential,
    children: Vec<i64>,
}

/// An API token, or a browser's session cookie (`name=value`).
#[derive(Clone)]
enum Credential {
    Bearer(String),
    Cookie(String),
}

impl Credential {
    fn on(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Credential::Bearer(token) => request.bearer_auth(token),
            Credential::Cookie(cookie) => request.header(reqwest::header::COOKIE, cookie),
        }
    }
}

/// How a parent logs in: the API's login, or the district's login page as a browser does.
#[derive(Clone, Copy)]
enum Way {
    Api,
    Web,
}

async fn log_in(base: &str, usernames: &[String], way: Way) -> Vec<Session> {
    use futures_util::StreamExt;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    futures_util::stream::iter(usernames)
        .map(|username| log_in_one(&client, base, username, way))
        .buffered(4)
        .collect()
        .await
}

async fn log_in_one(client: &reqwest::Client, base: &str, username: &str, way: Way) -> Session {
    {
        let credential = match way {
            Way::Api => {
                let answer: serde_json::Value = client
                    .post(format!("{base}/api/v1/districts/bench/login"))
                    .json(&serde_json::json!({
                        "portal": "parent", "username": username, "password": PASSWORD
                    }))
                    .send()
                    .await
                    .expect("the login answers")
                    .json()
                    .await
                    .expect("a JSON answer");
                let token = answer["token"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{username} did not log in: {answer}"));
                Credential::Bearer(token.to_owned())
            }
            Way::Web => {
                let answer = client
                    .post(format!("{base}/d/bench/parent"))
                    .form(&[("username", username), ("password", PASSWORD)])
                    .send()
                    .await
                    .expect("the login page answers");
                let cookie = answer
                    .headers()
                    .get_all(reqwest::header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|v| v.starts_with("homeroom_session="))
                    .and_then(|v| v.split(';').next())
                    .unwrap_or_else(|| panic!("{username} did not log in: {}", answer.status()));
                Credential::Cookie(cookie.to_owned())
            }
        };
        let students: serde_json::Value = credential
            .on(client.get(format!("{base}/api/v1/students")))
            .send()
            .await
            .expect("the students answer")
            .json()
            .await
            .expect("a JSON answer");
        let children: Vec<i64> = students["students"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|s| s["id"].as_i64())
            .collect();
        assert!(!children.is_empty(), "{username} sees no child");
        Session {
            credential,
            children,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Healthz,
    Me,
    Grades,
    Today,
    GradesPage,
}

impl Kind {
    /// The request of this kind for `child`, by `credential`.
    fn request(
        self,
        client: &reqwest::Client,
        base: &str,
        credential: &Credential,
        child: i64,
    ) -> reqwest::RequestBuilder {
        let path = match self {
            Kind::Healthz => return client.get(format!("{base}/healthz")),
            Kind::Me => "/api/v1/me".to_owned(),
            Kind::Grades => format!("/api/v1/students/{child}/grades"),
            Kind::Today => format!("/api/v1/students/{child}/today"),
            Kind::GradesPage => format!("/d/bench/students/{child}/grades"),
        };
        credential.on(client.get(format!("{base}{path}")))
    }
}

/// One client per session, each sending its next request when the last is answered, for
/// `duration`. Answers the milliseconds of each request that succeeded.
async fn load(base: &str, sessions: &[Session], duration: Duration, kind: Kind) -> Vec<f64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(sessions.len())
        .build()
        .expect("a client");
    let deadline = Instant::now() + duration;
    let base: Arc<str> = base.into();
    let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (n, session) in sessions.iter().enumerate() {
        let (client, base, failed) = (client.clone(), base.clone(), failed.clone());
        let credential = session.credential.clone();
        let children = session.children.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut turn = n as u64;
            while Instant::now() < deadline {
                turn = turn
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let child = children[(turn >> 33) as usize % children.len()];
                let request = kind.request(&client, &base, &credential, child);
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if Instant::now() < deadline {
                    if ok {
                        samples.push(sent.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            samples
        }));
    }
    let samples = gather(tasks).await;
    let failed = failed.load(std::sync::atomic::Ordering::Relaxed);
    if failed > 0 {
        println!("{kind:?}: {failed} requests failed (left out of the figures)");
    }
    samples
}

/// Each parent–child pair read once with `kind`, by `clients` clients taking the next pair as
/// soon as they are answered: the morning after an import, when nothing is kept yet.
/// Answers each read's milliseconds and the phase's requests per second.
async fn each_once(
    base: &str,
    pairs: &[(Credential, i64)],
    clients: usize,
    kind: Kind,
) -> (Vec<f64>, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("a client");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pairs: Arc<[(Credential, i64)]> = pairs.into();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, base) = (client.clone(), base.to_owned());
        let (next, pairs) = (next.clone(), pairs.clone());
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((credential, child)) = pairs.get(n) else {
                    break;
                };
                let sent = Instant::now();
                let response = kind
                    .request(&client, &base, credential, *child)
                    .send()
                    .await
                    .expect("the server answers");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("a body");
                samples.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            samples
        }));
    }
    let samples = gather(tasks).await;
    let rate = samples.len() as f64 / started.elapsed().as_secs_f64();
    (samples, rate)
}

const WRK_THREADS: usize = 2;

/// The warm Grades page and `/healthz` under `wrk`, as the issue measures the page: a client
/// written in C, whose own cost per request is a fraction of this bench's (which shares the
/// machine's two cores with the server). None when `wrk` is not installed.
struct Wrk {
    healthz: WrkFigures,
    page: WrkFigures,
}

struct WrkFigures {
    rate: f64,
    p50: f64,
    p99: f64,
    /// Answers that were not 2xx or 3xx, and socket errors.
    failed: u64,
}

/// Runs `wrk` on the page of each session's children in turn (a Lua script reading the pairs
/// from a file), then on `/healthz`, each for `seconds`.
async fn under_wrk(dir: &Path, base: &str, sessions: &[Session], seconds: u64) -> Option<Wrk> {
    let pairs: String = pairs_of(sessions)
        .iter()
        .filter_map(|(credential, child)| match credential {
            Credential::Cookie(cookie) => Some(format!("{cookie} {child}\n")),
            Credential::Bearer(_) => None,
        })
        .collect();
    let (pairs_file, script) = (dir.join("wrk-pairs.txt"), dir.join("wrk-page.lua"));
    std::fs::write(&pairs_file, pairs).expect("the pairs are written");
    let lua = format!(
        r#"local pairs_ = {{}}
for line in io.lines("{}") do
  local cookie, child = line:match("(%S+) (%S+)")
  table.insert(pairs_, {{cookie, child}})
end
local i = 0
request = function()
  i = i + 1
  local p = pairs_[(i % #pairs_) + 1]
  return wrk.format("GET", "/d/bench/students/" .. p[2] .. "/grades", {{["Cookie"] = p[1]}})
end
"#,
        pairs_file.display()
    );
    std::fs::write(&script, lua).expect("the script is written");
    let connections = sessions.len();
    let (base, script) = (base.to_owned(), script.display().to_string());
    tokio::task::spawn_blocking(move || {
        let page = wrk(&["-s", &script, &base], connections, seconds)?;
        let healthz = wrk(&[&format!("{base}/healthz")], connections, seconds)?;
        Some(Wrk { healthz, page })
    })
    .await
    .expect("wrk's task")
}

/// One run of `wrk` with its latency distribution; None when it is not installed.
fn wrk(args: &[&str], connections: usize, seconds: u64) -> Option<WrkFigures> {
    let output = Command::new(std::env::var("HOMEROOM_BENCH_WRK").unwrap_or("wrk".into()))
        .args([
            "-t",
            &WRK_THREADS.to_string(),
            "-c",
            &connections.to_string(),
        ])
        .args(["-d", &format!("{seconds}s"), "--latency"])
        .args(args)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => panic!("wrk did not run: {err}"),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}");
    let field = |label: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(str::trim)
    };
    let millis = |label: &str| {
        let value = field(label).unwrap_or_else(|| panic!("wrk printed no {label}: {text}"));
        let number = |suffix: &str| value.strip_suffix(suffix)?.parse::<f64>().ok();
        number("us")
            .map(|us| us / 1000.0)
            .or_else(|| number("ms"))
            .or_else(|| number("s").map(|s| s * 1000.0))
            .unwrap_or_else(|| panic!("wrk's {label} is not a time: {value}"))
    };
    let count = |label: &str| {
        field(label).map_or(0, |v| {
            v.split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok())
                .sum()
        })
    };
    Some(WrkFigures {
        rate: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("wrk printed no rate: {text}")),
        p50: millis("50%"),
        p99: millis("99%"),
        failed: count("Non-2xx or 3xx responses:") + count("Socket errors:"),
    })
}

/// Every client's samples, once all have finished.
async fn gather(tasks: Vec<tokio::task::JoinHandle<Vec<f64>>>) -> Vec<f64> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("a client task"));
    }
    all
}

fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
