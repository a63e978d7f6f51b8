//! Portal reads under load, beside the same server's `/healthz` ceiling.
//!
//! Generates a district with the built `homeroom demo generate` (50,000 students unless
//! HOMEROOM_BENCH_STUDENTS says otherwise), imports it into a fresh SQLite database, gives 64
//! of its parents accounts, starts the release `homeroom serve`, and logs each parent in. Then,
//! with 64 concurrent clients (HOMEROOM_BENCH_CLIENTS), for HOMEROOM_BENCH_SECONDS each:
//! 1. `/healthz` as fast as it answers: the server's ceiling on this machine;
//! 2. `/api/v1/me`: the cheapest logged-in request (the session, its district and account);
//! 3. first reads: each client reads Grades, then Today, of each of its children once, all
//!    clients at once, before the server has kept any of them: p50/p99 per tool;
//! 4. Grades and Today, half and half, for a random child of each parent: p50/p99 per tool;
//! 5. Grades alone: its throughput, as a share of the ceiling.
//!
//! `cargo bench --bench portal`.

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
    // reqwest leaves the choice of TLS provider to the program; plain HTTP never uses it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let students = env_number("HOMEROOM_BENCH_STUDENTS", 50_000);
    let seconds = env_number("HOMEROOM_BENCH_SECONDS", 15);
    let clients = env_number("HOMEROOM_BENCH_CLIENTS", 64) as usize;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let set = dir.path().join("set");
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let started = Instant::now();
    homeroom(&[
        "demo",
        "generate",
        "--students",
        &students.to_string(),
        "--out",
        set.to_str().expect("a UTF-8 path"),
    ]);
    homeroom(&[
        "--database-url",
        &db,
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
        &db,
        "import",
        "oneroster",
        "--district",
        "bench",
        set.to_str().expect("a UTF-8 path"),
    ]);
    println!(
        "{students} students generated and imported in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let parents = runtime.block_on(make_parents(&db, clients));
    let (mut server, base) = serve(&db, dir.path());
    let results = runtime.block_on(async {
        let sessions = log_in(&base, &parents).await;
        let duration = Duration::from_secs(seconds);
        let healthz = load(&base, &sessions, duration, Mix::Healthz).await;
        let me = load(&base, &sessions, duration, Mix::Me).await;
        let first = first_reads(&base, &sessions).await;
        let mixed = load(&base, &sessions, duration, Mix::GradesAndToday).await;
        let grades = load(&base, &sessions, duration, Mix::Grades).await;
        (healthz, me, first, mixed, grades)
    });
    let _ = server.kill();
    let _ = server.wait();
    let (healthz, me, first, mixed, grades) = results;
    let rate = |samples: &[(Kind, f64)], kind: Option<Kind>| {
        samples
            .iter()
            .filter(|(k, _)| kind.is_none_or(|want| *k == want))
            .count() as f64
            / seconds as f64
    };
    let latencies = |samples: &[(Kind, f64)], kind: Kind| -> Vec<f64> {
        samples
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, ms)| *ms)
            .collect()
    };
    let ceiling = rate(&healthz, None);
    let h = latencies(&healthz, Kind::Healthz);
    println!(
        "/healthz ceiling: {ceiling:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms ({clients} clients)",
        percentile(&h, 0.50),
        percentile(&h, 0.99)
    );
    let m = latencies(&me, Kind::Me);
    let me_rate = rate(&me, None);
    println!(
        "/api/v1/me: {me_rate:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms; {:.0} % of the ceiling",
        percentile(&m, 0.50),
        percentile(&m, 0.99),
        100.0 * me_rate / ceiling
    );
    for kind in [Kind::Grades, Kind::Today] {
        let l = latencies(&first, kind);
        println!(
            "first reads: {:<6} {} reads, p50 {:.1} ms, p99 {:.1} ms",
            kind.name(),
            l.len(),
            percentile(&l, 0.50),
            percentile(&l, 0.99)
        );
    }
    for kind in [Kind::Grades, Kind::Today] {
        let l = latencies(&mixed, kind);
        println!(
            "mixed: {:<6} {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms",
            kind.name(),
            rate(&mixed, Some(kind)),
            percentile(&l, 0.50),
            percentile(&l, 0.99)
        );
    }
    let g = latencies(&grades, Kind::Grades);
    let grades_rate = rate(&grades, Some(Kind::Grades));
    println!(
        "grades alone: {grades_rate:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms; {:.0} % of the /healthz ceiling",
        percentile(&g, 0.50),
        percentile(&g, 0.99),
        100.0 * grades_rate / ceiling
    );
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
        .stderr(Stdio::null())
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

/// A logged-in parent: the token and the children they may see.
struct Session {
    token: String,
    children: Vec<i64>,
}

async fn log_in(base: &str, usernames: &[String]) -> Vec<Session> {
    let client = reqwest::Client::new();
    let mut sessions = Vec::new();
    for username in usernames {
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
        let token = answer["token"].as_str().expect("a token").to_owned();
        let students: serde_json::Value = client
            .get(format!("{base}/api/v1/students"))
            .bearer_auth(&token)
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
        sessions.push(Session { token, children });
    }
    sessions
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Healthz,
    Me,
    Grades,
    Today,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Healthz => "healthz",
            Kind::Me => "me",
            Kind::Grades => "grades",
            Kind::Today => "today",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Mix {
    Healthz,
    Me,
    GradesAndToday,
    Grades,
}

/// One client per session, each sending its next request when the last is answered, for
/// `duration`. Answers (kind, milliseconds) for each request that succeeded.
async fn load(base: &str, sessions: &[Session], duration: Duration, mix: Mix) -> Vec<(Kind, f64)> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(sessions.len())
        .build()
        .expect("a client");
    let deadline = Instant::now() + duration;
    let base: Arc<str> = base.into();
    let mut tasks = Vec::new();
    for (n, session) in sessions.iter().enumerate() {
        let (client, base) = (client.clone(), base.clone());
        let token = session.token.clone();
        let children = session.children.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut turn = n as u64;
            while Instant::now() < deadline {
                turn = turn
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let child = children[(turn >> 33) as usize % children.len()];
                let kind = match mix {
                    Mix::Healthz => Kind::Healthz,
                    Mix::Me => Kind::Me,
                    Mix::Grades => Kind::Grades,
                    Mix::GradesAndToday if (turn >> 40) & 1 == 0 => Kind::Grades,
                    Mix::GradesAndToday => Kind::Today,
                };
                let request = match kind {
                    Kind::Healthz => client.get(format!("{base}/healthz")),
                    Kind::Me => client.get(format!("{base}/api/v1/me")).bearer_auth(&token),
                    Kind::Grades => client
                        .get(format!("{base}/api/v1/students/{child}/grades"))
                        .bearer_auth(&token),
                    Kind::Today => client
                        .get(format!("{base}/api/v1/students/{child}/today"))
                        .bearer_auth(&token),
                };
                let sent = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if ok && Instant::now() < deadline {
                    samples.push((kind, sent.elapsed().as_secs_f64() * 1000.0));
                }
            }
            samples
        }));
    }
    gather(tasks).await
}

/// Every client reads Grades and then Today of each of its children once, all clients at once:
/// what a read costs before the server keeps anything of it. Answers (kind, milliseconds).
async fn first_reads(base: &str, sessions: &[Session]) -> Vec<(Kind, f64)> {
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for session in sessions {
        let (client, base) = (client.clone(), base.to_owned());
        let token = session.token.clone();
        let children = session.children.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for child in children {
                for kind in [Kind::Grades, Kind::Today] {
                    let url = format!("{base}/api/v1/students/{child}/{}", kind.name());
                    let sent = Instant::now();
                    let response = client
                        .get(url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("the server answers");
                    assert!(response.status().is_success(), "{}", response.status());
                    response.bytes().await.expect("a body");
                    samples.push((kind, sent.elapsed().as_secs_f64() * 1000.0));
                }
            }
            samples
        }));
    }
    gather(tasks).await
}

/// Every client's samples, once all have finished.
async fn gather(tasks: Vec<tokio::task::JoinHandle<Vec<(Kind, f64)>>>) -> Vec<(Kind, f64)> {
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
