//! SQLite on a disk that fills up under the real server. The disk is a tmpfs of the test's own,
//! mounted for it (so the test runs where it may mount, as root does here; elsewhere it says
//! it was skipped): a real file system that answers ENOSPC, as a full disk does, filled to its
//! last page by a file beside the database. Writes then answer 503 `unavailable` (a page: the
//! unavailable page), never 500, and nothing panics; the file stays whole; what was answered
//! before is kept, across a SIGKILL too; and once the file is removed, writes work again.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Served, TestDb, postgres_base_url, spawn_app_with};

const MARIA: &str = "maple river lantern";

/// A tmpfs of `bytes`, mounted on a temporary folder and unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` where mounting is not allowed.
    fn mount(bytes: u64) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .ok()?;
        mounted.status.success().then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Takes every free byte but `left` with a file, to the last page; answers the file.
    fn fill(&self, left: u64) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        for size in [1 << 20, 4096, 1] {
            let block = vec![0u8; size];
            loop {
                match file.write(&block) {
                    Ok(n) if n > 0 => {}
                    Ok(_) => break,
                    Err(err) if err.kind() == std::io::ErrorKind::StorageFull => break,
                    Err(err) => panic!("filling the disk: {err}"),
                }
            }
        }
        let size = file.metadata().unwrap().len();
        file.set_len(size.saturating_sub(left)).unwrap();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let unmounted = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// SQLite's own check of the whole file.
async fn integrity(url: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let (answer,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    answer
}

/// A write's answer: done (2xx) or refused as unavailable (503), never anything else.
fn done_or_unavailable(what: &str, status: StatusCode, body: &Value) -> bool {
    if status == StatusCode::SERVICE_UNAVAILABLE {
        assert_eq!(body["error"], "unavailable", "{what}: {body}");
        return false;
    }
    assert!(status.is_success(), "{what}: {status} {body}");
    true
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn login(server: &Served) -> (StatusCode, Value) {
    send(
        reqwest::Client::new()
            .post(server.url("/api/v1/districts/cedar-valley/login"))
            .json(&json!({"portal": "parent", "username": "maria.alvarez", "password": MARIA})),
    )
    .await
}

async fn set_email(server: &Served, token: &str, events: &Value) -> (StatusCode, Value) {
    send(
        reqwest::Client::new()
            .put(server.url("/api/v1/me/notification-preferences"))
            .bearer_auth(token)
            .json(&json!({ "email": events })),
    )
    .await
}

/// Every token still works, and the email choice is the last one acknowledged.
async fn kept(server: &Served, tokens: &[String], email: &Value) {
    for token in tokens {
        let (status, body) = send(
            reqwest::Client::new()
                .get(server.url("/api/v1/me"))
                .bearer_auth(token),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "a session acknowledged: {body}");
    }
    let (status, preferences) = send(
        reqwest::Client::new()
            .get(server.url("/api/v1/me/notification-preferences"))
            .bearer_auth(&tokens[0]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let sorted = |events: &Value| {
        let mut events: Vec<String> = serde_json::from_value(events.clone()).unwrap();
        events.sort();
        events
    };
    assert_eq!(
        sorted(&preferences["email"]),
        sorted(email),
        "{preferences}"
    );
}

#[tokio::test]
async fn sqlite_on_a_full_disk_refuses_writes_with_503_keeps_what_it_answered_and_recovers() {
    if postgres_base_url().is_some() {
        eprintln!("skipped: SQLite's disk, tested with the SQLite tests");
        return;
    }
    let Some(disk) = SmallDisk::mount(64 << 20) else {
        eprintln!("skipped: no tmpfs can be mounted here");
        return;
    };
    let url = format!("sqlite://{}", disk.path().join("homeroom.db").display());
    // The demo's districts and families, loaded before the server starts.
    let app = spawn_app_with(TestDb::at(url.clone()), |c| c).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    for (key, value) in [
        ("forgot_password", "on"),
        ("captcha_after_failures", "100"),
        ("captcha_after_address_failures", "100000"),
    ] {
        homeroom::services::districts::set(&app.app, "cedar-valley", key, value)
            .await
            .unwrap();
    }
    app.stop().await;
    let logs = tempfile::tempdir().unwrap();
    let server = Served::start(&url, logs.path(), &[]).await;
    let (status, body) = login(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut tokens = vec![body["token"].as_str().unwrap().to_owned()];
    let mut email = json!(["message"]);
    let (status, body) = set_email(&server, &tokens[0], &email).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The disk fills, a quarter of a megabyte left. Each write answers at once: done while the
    // database's file and log have room, then refused.
    let filler = disk.fill(256 << 10);
    let client = reqwest::Client::new();
    let (mut done, mut refused) = (0, 0);
    for i in 0.. {
        assert!(i < 300, "300 writes on a full disk, {refused} refused");
        if refused == 6 {
            break;
        }
        let (what, (status, body)) = match i % 3 {
            0 => ("a login", login(&server).await),
            1 => {
                let events = json!([["score"], ["attendance"]][i % 2]);
                let answer = set_email(&server, &tokens[0], &events).await;
                if answer.0.is_success() {
                    email = events;
                }
                ("an email choice", answer)
            }
            _ => (
                "a reset request",
                send(
                    client
                        .post(server.url("/api/v1/districts/cedar-valley/password/forgot"))
                        .json(&json!({"username": "maria.alvarez"})),
                )
                .await,
            ),
        };
        if done_or_unavailable(what, status, &body) {
            done += 1;
            if let Some(token) = body["token"].as_str() {
                tokens.push(token.to_owned());
            }
        } else {
            refused += 1;
        }
    }
    assert!(done > 0, "the quarter megabyte took no write");
    // A page says so too; reads and the health check still answer.
    let page = client
        .post(server.url("/d/cedar-valley/password/forgot"))
        .form(&[("username", "maria.alvarez")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("The portal is temporarily unavailable"),
        "{html}"
    );
    kept(&server, &tokens, &email).await;
    let (status, _) = send(client.get(server.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK);

    // Killed on the full disk: the file is whole, and a server started on it serves what was
    // answered (its writes done while the log has room it can use again, else refused).
    server.kill().await;
    assert_eq!(integrity(&url).await, "ok");
    let server = Served::start(&url, logs.path(), &[]).await;
    kept(&server, &tokens, &email).await;
    let (status, body) = login(&server).await;
    if done_or_unavailable("a login after the restart", status, &body) {
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }

    // Space comes back: writes work again within seconds.
    std::fs::remove_file(filler).unwrap();
    let back = Instant::now();
    let token = loop {
        let (status, body) = login(&server).await;
        if done_or_unavailable("a login with space back", status, &body) {
            break body["token"].as_str().unwrap().to_owned();
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "still refused ten seconds after space came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokens.push(token);
    email = json!(["message", "attendance"]);
    let (status, body) = set_email(&server, &tokens[0], &email).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    kept(&server, &tokens, &email).await;
    server.kill().await;
    assert_eq!(integrity(&url).await, "ok");
    let log = Served::log(logs.path());
    assert!(!log.contains("panicked"), "{log}");
    assert!(
        log.contains("the database's disk is full"),
        "the log names the cause: {log}"
    );
    eprintln!("full disk: {done} writes done on the last quarter megabyte, then refused");
}
