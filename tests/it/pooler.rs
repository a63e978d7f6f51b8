//! Behind PgBouncer in transaction mode (Debian's 1.18, which keeps no prepared statements):
//! three `serve` processes share one database through a pooler with two server connections,
//! so that every node's statements meet whichever server is free. PostgreSQL only, with
//! HOMEROOM_TEST_DATABASE_URL; `.ci/run` installs PgBouncer.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::harness::{homeroom_command, postgres_base_url, stderr};
use crate::smtp::Sink;

const CAPTCHA: &str = "HMRMM";
const PASSWORD: &str = "maple river lantern";

/// A database of its own (PgBouncer passes no `search_path` option, so the harness's schema
/// per test cannot be used), dropped at the end, passed or not.
struct Database {
    admin: String,
    name: String,
    /// `postgres://user@host:port/name`, direct.
    direct: String,
    host: String,
    port: u16,
    user: String,
}

impl Database {
    async fn create(base: &str) -> Self {
        let parsed = url::Url::parse(base).unwrap();
        let name = format!(
            "homeroom_pooler_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let admin = base.split('?').next().unwrap().to_owned();
        run(&admin, &format!("CREATE DATABASE {name}")).await;
        let host = parsed.host_str().unwrap().to_owned();
        let port = parsed.port().unwrap_or(5432);
        let user = parsed.username().to_owned();
        Self {
            direct: format!("postgres://{user}@{host}:{port}/{name}"),
            admin,
            name,
            host,
            port,
            user,
        }
    }
}

/// Dropped at the end of the test, whether it passed or panicked: on a thread of its own with
/// a runtime of its own, since a test's runtime may be unwinding.
impl Drop for Database {
    fn drop(&mut self) {
        let (admin, sql) = (
            self.admin.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(run(&admin, &sql));
        })
        .join();
        if dropped.is_err() {
            eprintln!("the test database {} could not be dropped", self.name);
        }
    }
}

async fn run(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// PgBouncer in transaction mode in front of `db`, with `servers` server connections. It
/// refuses to run as root, so it runs as `postgres`; it stops with the test.
struct Bouncer {
    _child: Child,
    _dir: tempfile::TempDir,
    url: String,
}

impl Bouncer {
    async fn start(db: &Database, servers: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(path("users.txt"), format!("\"{}\" \"\"\n", db.user)).unwrap();
        std::fs::write(
            path("pgbouncer.ini"),
            format!(
                "[databases]\n{name} = host={host} port={pgport} dbname={name}\n\n\
                 [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 unix_socket_dir =\nauth_type = trust\nauth_file = {users}\n\
                 pool_mode = transaction\ndefault_pool_size = {servers}\n\
                 max_client_conn = 200\nignore_startup_parameters = extra_float_digits\n\
                 logfile = {log}\n",
                name = db.name,
                host = db.host,
                pgport = db.port,
                users = path("users.txt"),
                log = path("pgbouncer.log"),
            ),
        )
        .unwrap();
        std::process::Command::new("chown")
            .args(["-R", "postgres", &dir.path().display().to_string()])
            .status()
            .unwrap();
        let mut command = tokio::process::Command::new("setpriv");
        command
            .args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
            .args([pgbouncer(), path("pgbouncer.ini")])
            .kill_on_drop(true)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = command.spawn().expect("setpriv runs PgBouncer");
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "PgBouncer did not start: {}",
                std::fs::read_to_string(path("pgbouncer.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            url: format!("postgres://{}@127.0.0.1:{port}/{}", db.user, db.name),
            _child: child,
            _dir: dir,
        }
    }
}

fn pgbouncer() -> String {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("PgBouncer is installed (apt-get install pgbouncer; .ci/run does)")
        .to_owned()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The settings every node and command here runs with.
fn environment(bouncer: &Bouncer, db: &Database, sink: &Sink) -> Vec<(String, String)> {
    [
        ("HOMEROOM_DATABASE_URL", bouncer.url.clone()),
        ("HOMEROOM_DATABASE_POOLER", "transaction".into()),
        ("HOMEROOM_MIGRATION_DATABASE_URL", db.direct.clone()),
        ("HOMEROOM_DATABASE_MAX_CONNECTIONS", "8".into()),
        ("HOMEROOM_ENVIRONMENT", "test".into()),
        ("HOMEROOM_TEST_CAPTCHA_ANSWER", CAPTCHA.into()),
        ("HOMEROOM_SMTP_HOST", "127.0.0.1".into()),
        ("HOMEROOM_SMTP_PORT", sink.port.to_string()),
        ("HOMEROOM_SMTP_TLS", "none".into()),
        ("HOMEROOM_MAIL_FROM", "portal@homeroom.test".into()),
        ("HOMEROOM_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A `serve` process; its address once it listens.
struct Node {
    _child: Child,
    base: String,
    /// What it logged (warnings and errors), read when a check fails.
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Node {
    async fn start(env: &[(String, String)], demo: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stderr.log");
        let mut command = homeroom_command(dir.path());
        command
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(demo.then_some("--demo"))
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(120), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("Homeroom is listening on ") {
                    return Some(
                        rest.split_whitespace()
                            .next()?
                            .trim_end_matches('/')
                            .to_owned(),
                    );
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(base) = base else {
            panic!(
                "a node did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        // The rest of its output is not read: drain it so the node never blocks on a pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            _child: child,
            base,
            log,
            _dir: dir,
        }
    }

    fn logged(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn login(&self) -> (StatusCode, Value) {
        self.post(
            "/api/v1/districts/cedar-valley/login",
            json!({"portal": "parent", "username": "maria.alvarez", "password": PASSWORD}),
        )
        .await
    }
}

async fn homeroom(env: &[(String, String)], args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    homeroom_command(dir.path())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn three_nodes_work_through_pgbouncer_in_transaction_mode() {
    let Some(base) = postgres_base_url() else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let db = Database::create(&base).await;
    let bouncer = Bouncer::start(&db, 2).await;
    let sink = Sink::start().await;
    let env = environment(&bouncer, &db, &sink);

    // Without a direct connection, migrating says what to set, in one line.
    let without: Vec<_> = env
        .iter()
        .filter(|(k, _)| k != "HOMEROOM_MIGRATION_DATABASE_URL")
        .cloned()
        .collect();
    let out = homeroom(&without, &["migrate"]).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("HOMEROOM_MIGRATION_DATABASE_URL") && err.trim_end().lines().count() == 1,
        "{err}"
    );

    let a = Node::start(&env, true).await;
    let out = homeroom(
        &env,
        &["district", "set", "cedar-valley", "forgot_password", "on"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let b = Node::start(&env, false).await;
    let c = Node::start(&env, false).await;
    let nodes = [&a, &b, &c];

    // A session made on one node works on the others.
    let (status, body) = a.login().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (status, students) = b.get("/api/v1/students", &token).await;
    assert_eq!(status, StatusCode::OK, "{students}");
    let ids: Vec<i64> = students["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.is_empty());

    // Many reads at once on every node, through two server connections: every statement
    // meets whichever server is free, and every answer is whole.
    let mut reads = tokio::task::JoinSet::new();
    for i in 0..90 {
        let node = nodes[i % 3].base.clone();
        let path = match i % 3 {
            0 => format!("/api/v1/students/{}/grades", ids[i % ids.len()]),
            1 => format!("/api/v1/students/{}/today", ids[i % ids.len()]),
            _ => "/api/v1/me".to_owned(),
        };
        let token = token.clone();
        reads.spawn(async move {
            let response = reqwest::Client::new()
                .get(format!("{node}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (path, response.status())
        });
    }
    while let Some(done) = reads.join_next().await {
        let (path, status) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}");
    }

    // Six correct logins at once, two on each node: none meets a CAPTCHA.
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..6 {
        let node = nodes[i % 3].base.clone();
        logins.spawn(async move {
            let response = reqwest::Client::new()
                .post(format!("{node}/api/v1/districts/cedar-valley/login"))
                .json(&json!({"portal": "parent", "username": "maria.alvarez",
                               "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap())
        });
    }
    while let Some(done) = logins.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // Three wrong passwords, one on each node: the next try needs the CAPTCHA, anywhere.
    for node in nodes {
        let (_, body) = node
            .post(
                "/api/v1/districts/cedar-valley/login",
                json!({"portal": "parent", "username": "maria.alvarez", "password": "wrong"}),
            )
            .await;
        assert_eq!(body["error"], "invalid_credentials", "{body}");
    }
    let (_, body) = c.login().await;
    assert_eq!(body["error"], "captcha_required", "{body}");

    // Thirty requests for a reset, ten to each node, each with another node's CAPTCHA: the
    // three nodes' workers send each mail once.
    sink.messages.lock().await.clear();
    for i in 0..30 {
        let response =
            reqwest::get(nodes[(i + 1) % 3].url("/api/v1/districts/cedar-valley/captcha"))
                .await
                .unwrap();
        let challenge: Value = response.json().await.unwrap();
        let (status, body) = nodes[i % 3]
            .post(
                "/api/v1/districts/cedar-valley/password/forgot",
                json!({"username": "maria.alvarez",
                       "captcha": {"id": challenge["id"], "answer": CAPTCHA}}),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let started = Instant::now();
    while sink.received().await.len() < 30 {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{} of 30 mails after 90 s",
            sink.received().await.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Time for a second copy to show, were one sent.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut keys: Vec<String> = sink
        .received()
        .await
        .iter()
        .map(|m| m.header("X-Homeroom-Idempotency-Key").unwrap())
        .collect();
    let sent = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(
        (keys.len(), sent),
        (30, 30),
        "each mail once; the nodes logged:\n{}\n{}\n{}",
        a.logged(),
        b.logged(),
        c.logged()
    );

    // An import goes through the pooler too; its staging connects directly.
    let sets = tempfile::tempdir().unwrap();
    let set = sets.path().join("set");
    let out = homeroom(
        &env,
        &[
            "demo",
            "generate",
            "--students",
            "300",
            "--seed",
            "5",
            "--out",
            set.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = homeroom(
        &env,
        &[
            "district", "add", "--slug", "pooled", "--name", "Pooled", "--state", "NC",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = homeroom(
        &env,
        &[
            "import",
            "oneroster",
            "--district",
            "pooled",
            set.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));

    // No statement of any node went astray between server connections.
    for node in [&a, &b, &c] {
        let logged = node.logged();
        assert!(!logged.contains("prepared statement"), "{logged}");
    }
    drop((a, b, c, bouncer));
    drop(db);
}
