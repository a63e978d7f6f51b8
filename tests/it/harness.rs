//! The test harness: a fresh database per test, the real router on a real socket, a
//! cookie-aware client, and the built binary for command-line tests.

use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};

use homeroom::app::App;
use homeroom::clock::Clock;
use homeroom::config::ConfigInput;
use homeroom::domain::{AccountKind, District, DistrictSlug, SourcedId};
use homeroom::services::auth::{self, NewAccountFor};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The PostgreSQL server to test against, if any.
pub fn postgres_base_url() -> Option<String> {
    std::env::var("HOMEROOM_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A database for one test.
pub struct TestDb {
    pub url: String,
    /// The directory of the SQLite file, removed when the test ends.
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// SQLite unless HOMEROOM_TEST_DATABASE_URL names a PostgreSQL database.
    pub async fn fresh() -> Self {
        // What the app installs when it starts, for tests that only run the binary.
        sqlx::any::install_default_drivers();
        let _ = rustls::crypto::ring::default_provider().install_default();
        match postgres_base_url() {
            Some(base) => Self::postgres(&base).await,
            None => Self::sqlite(),
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("homeroom.db").display());
        Self {
            url,
            _dir: Some(dir),
        }
    }

    /// A database someone else made and owns (a private cluster, say).
    pub fn at(url: String) -> Self {
        Self { url, _dir: None }
    }

    /// A new schema in the given database; connections to `url` use it alone.
    pub async fn postgres(base: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "t_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        Self {
            url: format!("{base}{separator}options=-c%20search_path%3D{schema}"),
            _dir: None,
        }
    }
}

/// The configuration tests start from: the test database and nothing else.
pub fn config_for(db_url: &str) -> ConfigInput {
    ConfigInput {
        database_url: Some(db_url.to_owned()),
        bind: Some("127.0.0.1:0".to_owned()),
        database_max_connections: Some(4),
        log: Some("warn".to_owned()),
        // Mail of a test without an SMTP server goes beside the system's temporary files, not
        // into the working copy.
        outbox_dir: Some(
            std::env::temp_dir()
                .join("homeroom-test-outbox")
                .display()
                .to_string(),
        ),
        ..Default::default()
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub app: App,
    pub db: TestDb,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(TestDb::fresh().await, |c| c).await
}

/// Starts the app on a fresh socket; `adjust` changes the configuration first.
pub async fn spawn_app_with(
    db: TestDb,
    adjust: impl FnOnce(ConfigInput) -> ConfigInput,
) -> TestApp {
    let config = adjust(config_for(&db.url)).resolve().unwrap();
    let app = App::start(config, Clock::default()).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(homeroom::server::serve(app.clone(), listener, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base,
        client,
        app,
        db,
        stop: Some(stop),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// Runs the built binary against this app's database.
    pub async fn cli(&self, args: &[&str]) -> Output {
        run_cli(&self.db.url, args).await
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// Runs `homeroom --database-url URL ARGS…` in an empty directory with no HOMEROOM_*
/// variables but the ones given.
pub async fn run_cli(db_url: &str, args: &[&str]) -> Output {
    let mut full = vec!["--database-url", db_url];
    full.extend_from_slice(args);
    run_binary(&full, &[]).await
}

pub async fn run_binary(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = homeroom_command(dir.path());
    command.args(args).envs(env.iter().copied());
    command.output().await.unwrap()
}

pub fn homeroom_command(dir: &std::path::Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_homeroom"));
    command.current_dir(dir).kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with("HOMEROOM_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that a command failed with exactly one line on stderr containing `expected`.
pub fn assert_fails_with(output: &Output, expected: &str) {
    let err = stderr(output);
    assert!(!output.status.success(), "succeeded; stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err:?}");
    assert!(err.contains(expected), "{err:?} lacks {expected:?}");
}

/// Runs one SQL statement on a test database, as a test's own fixture (time passing, say).
pub async fn run_sql(db_url: &str, sql: &'static str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(db_url).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// The operator acting on `district`, as the command line does.
pub fn operator(district: &homeroom::domain::District) -> homeroom::services::access::Staff {
    homeroom::services::access::Staff::operator(district.clone())
}

/// `homeroom serve` as a process of its own, as an operator runs it: killed as a machine
/// would kill it, its standard error kept in a file (what it logged, a panic).
pub struct Served {
    pub child: tokio::process::Child,
    pub base: String,
}

impl Served {
    /// Starts the built server on `db_url` in `dir`, with `env` besides; its standard error is
    /// appended to `dir/serve.log`. Answers once it listens.
    pub async fn start(db_url: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Self {
        use tokio::io::AsyncBufReadExt;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("serve.log"))
            .unwrap();
        let mut child = homeroom_command(dir)
            .args(["--database-url", db_url, "serve", "--bind", "127.0.0.1:0"])
            .env("HOMEROOM_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            loop {
                let line = lines
                    .next_line()
                    .await
                    .unwrap()
                    .expect("the server stopped before it listened");
                if let Some(rest) = line.strip_prefix("Homeroom is listening on ") {
                    let url = rest.split_whitespace().next().unwrap();
                    return url.trim_end_matches('/').to_owned();
                }
            }
        })
        .await
        .expect("the server listens within a minute");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: nothing of the process runs after it, no destructor, no flush.
    pub async fn kill(mut self) {
        use std::os::unix::process::ExitStatusExt;
        self.child.start_kill().unwrap();
        let status = self.child.wait().await.unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "the server had stopped before the kill"
        );
    }

    /// What the servers started in `dir` wrote on standard error.
    pub fn log(dir: &std::path::Path) -> String {
        std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
    }
}

// Districts, accounts and logins as most tests make them.

pub const PASSWORD: &str = "correct horse battery";

pub async fn district(app: &TestApp, slug: &str) -> District {
    app.app
        .store
        .district_by_slug(&DistrictSlug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
}

pub async fn account(app: &TestApp, slug: &str, person: &str, kind: AccountKind, username: &str) {
    let district = district(app, slug).await;
    auth::create_account(
        &app.app,
        &district,
        NewAccountFor {
            person: &SourcedId::parse(person).unwrap(),
            kind,
            username,
            password: PASSWORD,
            must_change_password: false,
        },
        "operator",
        "account.created",
    )
    .await
    .unwrap();
}

/// Logs in by API: the token.
pub async fn login(
    app: &TestApp,
    slug: &str,
    portal: &str,
    username: &str,
    password: &str,
) -> String {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/districts/{slug}/login")))
        .json(&json!({"portal": portal, "username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{slug} {username}");
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}
