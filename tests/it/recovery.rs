//! Forgot your password? and Forgot your username?: mail through a real SMTP server on
//! loopback, links followed from the received message, the district switches, and the job
//! queue that sends.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::harness::{TestApp, TestDb, spawn_app_with};
use crate::smtp::Sink;
use homeroom::config::ConfigInput;
use homeroom::domain::DistrictSlug;
use homeroom::services::worker;

const MARIA: &str = "maple river lantern";

/// The demo districts with their mail going to `sink`, the demo import's news already sent.
pub(crate) async fn app(sink: &Sink) -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, |c| ConfigInput {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(sink.port),
        smtp_tls: Some("none".into()),
        mail_from: Some("portal@homeroom.test".into()),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    // The demo's import left its notification job: run it, so that tests count their own.
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    app
}

async fn switch(app: &TestApp, key: &str, value: &str) {
    homeroom::services::districts::set(&app.app, "cedar-valley", key, value)
        .await
        .unwrap();
}

/// Turns Forgot your password? on in Cedar Valley and asks for Maria's reset link: one job.
async fn ask_for_maria_reset(app: &TestApp) {
    switch(app, "forgot_password", "on").await;
    let (status, _) = post(
        app,
        "/api/v1/districts/cedar-valley/password/forgot",
        json!({"username": "maria.alvarez"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn login(app: &TestApp, password: &str) -> (StatusCode, Value) {
    post(
        app,
        "/api/v1/districts/cedar-valley/login",
        json!({"portal": "parent", "username": "maria.alvarez", "password": password}),
    )
    .await
}

/// The token of the reset link in a received message.
pub(crate) fn token_in(message: &crate::smtp::Received) -> String {
    let text = message.readable();
    let start = text.find("/password/reset?token=").expect("a reset link") + 22;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Cedar Valley's jobs in `state`, but for the snapshots its demo school year left.
async fn jobs(app: &TestApp, state: &str) -> Vec<homeroom::store::JobRecord> {
    let district = crate::harness::district(app, "cedar-valley").await;
    app.app
        .store
        .jobs_in_state(district.id, state, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|job| job.kind != homeroom::services::snapshots::SNAPSHOTS_JOB)
        .collect()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_from_the_mailed_link() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    switch(&app, "forgot_password", "on").await;
    let (status, before) = login(&app, MARIA).await;
    assert_eq!(status, StatusCode::OK);
    let old_token = before["token"].as_str().unwrap().to_owned();

    // Known and unknown usernames get the same answer; mail goes only through the queue.
    let forgot = "/api/v1/districts/cedar-valley/password/forgot";
    let (status, known) = post(&app, forgot, json!({"username": "Maria.Alvarez"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, unknown) = post(&app, forgot, json!({"username": "nobody.here"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(known, unknown);
    assert!(sink.received().await.is_empty(), "mail was sent inline");
    assert_eq!(jobs(&app, "pending").await.len(), 1);
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    let received = sink.received().await;
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.to, ["maria.alvarez@example.org"]);
    assert!(
        mail.header("From")
            .unwrap()
            .contains("Cedar Valley Public Schools"),
        "{:?}",
        mail.header("From")
    );
    assert!(mail.header("X-Homeroom-Idempotency-Key").is_some());
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
    let token = token_in(mail);
    assert!(token.len() >= 43, "{token}");
    // Only a hash of the token is stored, and no job holds it.
    let done = jobs(&app, "done").await;
    assert!(done.iter().all(|j| !j.payload.contains(&token)));

    // The link's page, then a weak password, then a good one.
    let page = app
        .get(&format!("/d/cedar-valley/password/reset?token={token}"))
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Choose a new password"));
    let reset = "/api/v1/districts/cedar-valley/password/reset";
    let (status, body) = post(&app, reset, json!({"token": token, "password": "password"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "weak_password");
    let (status, _) = post(
        &app,
        reset,
        json!({"token": token, "password": "juniper sailboat echo"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The old password and every old session are gone; the new password works.
    assert_eq!(login(&app, MARIA).await.0, StatusCode::UNAUTHORIZED);
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app, "juniper sailboat echo").await.0, StatusCode::OK);
    // The link works once.
    let (status, body) = post(
        &app,
        reset,
        json!({"token": token, "password": "another fine phrase"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_token");
    // "Your password was changed" follows.
    worker::run_due(&app.app).await.unwrap();
    let received = sink.received().await;
    assert_eq!(received.len(), 2);
    assert!(received[1].readable().contains("was changed"));
    app.stop().await;
}

#[tokio::test]
async fn a_reset_link_expires_after_thirty_minutes() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    worker::run_due(&app.app).await.unwrap();
    let token = token_in(&sink.received().await[0]);
    app.app.clock.advance(31 * 60);
    let (status, body) = post(
        &app,
        "/api/v1/districts/cedar-valley/password/reset",
        json!({"token": token, "password": "juniper sailboat echo"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_token");
    for bad in ["", "x", &"a".repeat(500), "tok\u{0}en"] {
        let (status, body) = post(
            &app,
            "/api/v1/districts/cedar-valley/password/reset",
            json!({"token": bad, "password": "juniper sailboat echo"}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_forgotten_username_is_mailed_to_the_address() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    switch(&app, "forgot_username", "on").await;
    let forgot = "/api/v1/districts/cedar-valley/username/forgot";
    let (status, known) = post(
        &app,
        forgot,
        json!({"email": " MARIA.Alvarez@example.org "}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, unknown) = post(&app, forgot, json!({"email": "nobody@example.org"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(known, unknown);
    let (status, body) = post(&app, forgot, json!({"email": "not an address"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    worker::run_due(&app.app).await.unwrap();
    let received = sink.received().await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["maria.alvarez@example.org"]);
    assert!(received[0].readable().contains("maria.alvarez"));
    // The page does the same.
    let page = app
        .client
        .post(app.url("/d/cedar-valley/username/forgot"))
        .form(&[("email", "maria.alvarez@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("on their way"));
    app.stop().await;
}

#[tokio::test]
async fn switched_off_there_are_no_links_and_no_routes() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    let (_, login_page) = app.get_text("/d/cedar-valley/parent").await;
    assert!(!login_page.contains("Forgot your password?"));
    assert!(!login_page.contains("Forgot your username?"));
    for (path, body) in [
        (
            "/api/v1/districts/cedar-valley/password/forgot",
            json!({"username": "maria.alvarez"}),
        ),
        (
            "/api/v1/districts/cedar-valley/username/forgot",
            json!({"email": "maria.alvarez@example.org"}),
        ),
        (
            "/api/v1/districts/cedar-valley/password/reset",
            json!({"token": "x", "password": "juniper sailboat echo"}),
        ),
    ] {
        let (status, answer) = post(&app, path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer["error"], "feature_disabled");
    }
    for page in [
        "/d/cedar-valley/password/forgot",
        "/d/cedar-valley/username/forgot",
        "/d/cedar-valley/password/reset",
    ] {
        assert_eq!(
            app.get(page).await.status(),
            StatusCode::NOT_FOUND,
            "{page}"
        );
    }
    switch(&app, "forgot_password", "on").await;
    switch(&app, "forgot_username", "on").await;
    let (_, login_page) = app.get_text("/d/cedar-valley/parent").await;
    assert!(login_page.contains("href=\"/d/cedar-valley/password/forgot\">Forgot your password?"));
    assert!(login_page.contains("href=\"/d/cedar-valley/username/forgot\">Forgot your username?"));
    assert!(sink.received().await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn repeated_requests_bring_the_captcha() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    switch(&app, "forgot_password", "on").await;
    let forgot = "/api/v1/districts/cedar-valley/password/forgot";
    for _ in 0..3 {
        let (status, _) = post(&app, forgot, json!({"username": "maria.alvarez"})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, body) = post(&app, forgot, json!({"username": "maria.alvarez"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "captcha_required");
    assert!(body["captcha"]["id"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn a_refused_mail_is_retried_later_and_dies_after_its_tries() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    sink.refuse_next(1);
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    let pending = jobs(&app, "pending").await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert!(pending[0].last_error.as_deref().unwrap().contains("451"));
    // Not due again yet; 30 s later it is, and it arrives.
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 0);
    app.app.clock.advance(31);
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    assert_eq!(sink.received().await.len(), 1);
    assert_eq!(jobs(&app, "done").await.len(), 1);

    // A mail that never goes through ends dead after its tries, for staff to see.
    post(
        &app,
        "/api/v1/districts/cedar-valley/password/forgot",
        json!({"username": "maria.alvarez"}),
    )
    .await;
    sink.refuse_next(100);
    for _ in 0..homeroom::domain::MAX_ATTEMPTS {
        worker::run_due(&app.app).await.unwrap();
        app.app.clock.advance(3601);
    }
    let dead = jobs(&app, "dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, homeroom::domain::MAX_ATTEMPTS);
    // Staff see it in the console.
    let staff = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    staff
        .post(app.url("/d/cedar-valley/staff"))
        .form(&[
            ("username", "cv-admin"),
            ("password", "granite owl compass"),
        ])
        .send()
        .await
        .unwrap();
    let console = staff
        .get(app.url("/d/cedar-valley/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        console.contains("0 waiting to be sent, 1 that could not be sent"),
        "{console}"
    );
    assert!(console.contains("Password reset link") && console.contains("451"));
    app.stop().await;
}

/// Another writer holds the database past its busy timeout (on SQLite; an import, say) while
/// a job is out: the worker waits to record what the job came to, instead of leaving it
/// `running` for its whole lease (five minutes) and sending it again after that.
#[tokio::test]
async fn a_job_done_while_the_database_is_held_is_recorded_once_it_is_free() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    let job = jobs(&app, "pending").await.remove(0);
    sink.greet_after(std::time::Duration::from_secs(1));
    let worker = tokio::spawn({
        let app = app.app.clone();
        async move { worker::run_due(&app).await }
    });
    // Wait until the mail is on its way (built, its link armed; the server greets after a
    // second), then hold the database for longer than a writer waits for it.
    while sink.sessions() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    sqlx::any::install_default_drivers();
    let mut holder = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    let hold = match app.app.store.backend() {
        homeroom::store::Backend::Sqlite => "BEGIN IMMEDIATE",
        homeroom::store::Backend::Postgres => "BEGIN; LOCK TABLE jobs IN EXCLUSIVE MODE",
    };
    sqlx::raw_sql(hold).execute(&mut holder).await.unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(8)).await;
        sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
        holder.close().await.unwrap();
    });
    assert_eq!(worker.await.unwrap().unwrap(), 1);
    release.await.unwrap();
    assert!(jobs(&app, "running").await.is_empty());
    let done = jobs(&app, "done").await;
    assert!(done.iter().any(|d| d.id == job.id), "{done:?}");
    assert_eq!(sink.received().await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn without_smtp_mail_lands_in_the_outbox_folder() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().join("outbox");
    let app = spawn_app_with(TestDb::fresh().await, |c| ConfigInput {
        outbox_dir: Some(dir.to_str().unwrap().to_owned()),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    ask_for_maria_reset(&app).await;
    worker::run_due(&app.app).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("maria.alvarez@example.org"));
    assert!(
        text.replace("=\r\n", "")
            .replace("=3D", "=")
            .contains("/password/reset?token=")
    );
    app.stop().await;
}

#[tokio::test]
async fn several_workers_at_once_send_each_mail_once() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    let district = crate::harness::district(&app, "cedar-valley").await;
    let (account, _) = app
        .app
        .store
        .account_for_login(
            district.id,
            &homeroom::domain::Username::parse("maria.alvarez")
                .unwrap()
                .folded(),
        )
        .await
        .unwrap()
        .unwrap();
    let now = app.app.clock.unix();
    let mut tx = app.app.store.begin().await.unwrap();
    for n in 0..30 {
        let added = tx
            .enqueue(
                &homeroom::store::NewJob {
                    district: district.id,
                    kind: homeroom::services::recovery::CHANGED_MAIL,
                    payload: json!({"account": account.id.0}).to_string(),
                    idempotency_key: format!("test:{n}"),
                },
                now,
            )
            .await
            .unwrap();
        assert!(added);
    }
    // The same key again is not a second job.
    let again = tx
        .enqueue(
            &homeroom::store::NewJob {
                district: district.id,
                kind: homeroom::services::recovery::CHANGED_MAIL,
                payload: json!({"account": account.id.0}).to_string(),
                idempotency_key: "test:0".to_owned(),
            },
            now,
        )
        .await
        .unwrap();
    assert!(!again);
    tx.commit().await.unwrap();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let app = app.app.clone();
            tokio::spawn(async move {
                let mut ran = 0;
                loop {
                    let n = worker::run_due(&app).await.unwrap();
                    if n == 0 {
                        return ran;
                    }
                    ran += n;
                }
            })
        })
        .collect();
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    assert_eq!(total, 30);
    let mut keys: Vec<String> = sink
        .received()
        .await
        .iter()
        .map(|m| m.header("X-Homeroom-Idempotency-Key").unwrap())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 30);
    assert_eq!(sink.received().await.len(), 30);
    app.stop().await;
}

#[tokio::test]
async fn the_web_pages_walk_from_the_request_to_the_new_password() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    switch(&app, "forgot_password", "on").await;
    let (_, page) = app.get_text("/d/cedar-valley/password/forgot").await;
    assert!(page.contains("<label for=\"username\">Username</label>"));
    let answer = app
        .client
        .post(app.url("/d/cedar-valley/password/forgot"))
        .form(&[("username", "maria.alvarez")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("a link to choose a new password is on its way")
    );
    worker::run_due(&app.app).await.unwrap();
    let token = token_in(&sink.received().await[0]);
    let (status, page) = app
        .get_text(&format!("/d/cedar-valley/password/reset?token={token}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("value=\"{token}\"")));
    let weak = app
        .client
        .post(app.url("/d/cedar-valley/password/reset"))
        .form(&[("token", token.as_str()), ("password", "short")])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    let text = weak.text().await.unwrap();
    assert!(
        text.contains(&format!("value=\"{token}\"")),
        "the form keeps the token"
    );
    let done = app
        .client
        .post(app.url("/d/cedar-valley/password/reset"))
        .form(&[
            ("token", token.as_str()),
            ("password", "juniper sailboat echo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Your password was changed")
    );
    assert_eq!(login(&app, "juniper sailboat echo").await.0, StatusCode::OK);
    app.stop().await;
}

/// Starts the built server on `db` with mail going to `sink`; answers the process and its
/// address.
async fn start_server(
    db: &TestDb,
    dir: &std::path::Path,
    sink: &Sink,
) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let port = sink.port.to_string();
    let mut child = crate::harness::homeroom_command(dir)
        .args([
            "--database-url",
            &db.url,
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
        ])
        .envs([
            ("HOMEROOM_SMTP_HOST", "127.0.0.1"),
            ("HOMEROOM_SMTP_PORT", port.as_str()),
            ("HOMEROOM_SMTP_TLS", "none"),
            ("HOMEROOM_LOG", "warn"),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let base = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the server stopped early");
            if let Some(rest) = line.strip_prefix("Homeroom is listening on ") {
                return rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        }
    })
    .await
    .unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base)
}

#[tokio::test]
async fn queued_mail_survives_a_kill_9_of_the_server_and_arrives_after_the_restart() {
    use homeroom::store::{DatabaseUrl, Store};
    // This test's own HTTP client runs before any app of this process is built, and the app is
    // what installs the TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::start().await;
    sink.refuse_next(1_000);
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let (mut server, base) = start_server(&db, dir.path(), &sink).await;
    // The server's worker may hold SQLite's one writer a while (the demo's news fans out at
    // start); the command then says the database is busy, and an operator runs it again.
    let mut tries = 0;
    let out = loop {
        let out = crate::harness::run_cli(
            &db.url,
            &["district", "set", "cedar-valley", "forgot_password", "on"],
        )
        .await;
        tries += 1;
        if out.status.success() || tries == 5 {
            break out;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    };
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    let answer = reqwest::Client::new()
        .post(format!(
            "{base}/api/v1/districts/cedar-valley/password/forgot"
        ))
        .json(&json!({"username": "maria.alvarez"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    // The worker tries, the server refuses, the job waits for its next try.
    let store = Store::connect(&DatabaseUrl::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    let district = store
        .district_by_slug(&DistrictSlug::parse("cedar-valley").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tried = false;
    for _ in 0..100 {
        let pending = store
            .jobs_in_state(district.id, "pending", 10)
            .await
            .unwrap();
        if pending.iter().any(|j| j.attempts >= 1) {
            tried = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(tried, "the worker never tried the job");
    server.kill().await.unwrap();
    server.wait().await.unwrap();
    // The job is still there after the kill. Time passes: it is due again.
    let pending = store
        .jobs_in_state(district.id, "pending", 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    let key = pending[0].idempotency_key.clone();
    crate::harness::run_sql(&db.url, "UPDATE jobs SET run_at = 0").await;
    sink.refuse_next(0);
    let (mut server, _) = start_server(&db, dir.path(), &sink).await;
    let mut arrived = false;
    for _ in 0..100 {
        if !sink.received().await.is_empty() {
            arrived = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(arrived, "the mail never arrived after the restart");
    let received = sink.received().await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0].header("X-Homeroom-Idempotency-Key").as_deref(),
        Some(key.as_str())
    );
    server.kill().await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn homeroom_worker_alone_sends_what_is_queued_and_stops_on_sigterm() {
    use tokio::io::AsyncBufReadExt;
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let port = sink.port.to_string();
    let mut worker = crate::harness::homeroom_command(dir.path())
        .args(["--database-url", &app.db.url, "worker"])
        .envs([
            ("HOMEROOM_SMTP_HOST", "127.0.0.1"),
            ("HOMEROOM_SMTP_PORT", port.as_str()),
            ("HOMEROOM_SMTP_TLS", "none"),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(worker.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    assert_eq!(first, "the job worker is running");
    let mut arrived = false;
    for _ in 0..100 {
        if !sink.received().await.is_empty() {
            arrived = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(arrived, "the worker sent nothing");
    let pid = worker.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), worker.wait())
        .await
        .expect("the worker stops on SIGTERM")
        .unwrap();
    assert!(status.success());
    app.stop().await;
}

/// A worker that claimed a job and died holds it one lease at most (seconds, not minutes): the
/// next worker sends it.
#[tokio::test]
async fn a_dead_workers_job_is_taken_up_after_a_lease_of_seconds() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    // A worker claims it and is killed before it sends.
    let now = app.app.clock.unix();
    assert_eq!(app.app.store.claim_jobs(now, 4).await.unwrap().len(), 1);
    assert_eq!(
        worker::run_due(&app.app).await.unwrap(),
        0,
        "held by its lease"
    );
    // Half a minute later, it is another worker's.
    app.app.clock.advance(31);
    assert_eq!(worker::run_due(&app.app).await.unwrap(), 1);
    assert_eq!(sink.received().await.len(), 1);
    app.stop().await;
}

/// A live worker keeps a job however long it takes: it renews the lease while the job runs, so
/// no other worker sends the same mail again meanwhile.
#[tokio::test]
async fn a_live_worker_keeps_a_slow_job_past_its_first_lease() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    let lease = homeroom::domain::LEASE_SECONDS;
    // The mail server answers after more than a third of a lease: one renewal falls inside.
    let renewal = std::time::Duration::from_secs((lease / 3).unsigned_abs());
    sink.greet_after(renewal + std::time::Duration::from_secs(2));
    let running = tokio::spawn({
        let app = app.app.clone();
        async move { worker::run_due(&app).await }
    });
    tokio::time::sleep(renewal + std::time::Duration::from_secs(1)).await;
    // Most of a lease later by the clock, another worker finds nothing to take.
    app.app.clock.advance(lease - 5);
    let now = app.app.clock.unix();
    assert!(app.app.store.claim_jobs(now, 4).await.unwrap().is_empty());
    assert_eq!(running.await.unwrap().unwrap(), 1);
    assert_eq!(sink.received().await.len(), 1);
    app.stop().await;
}

/// A reset mail sent twice (the worker died after the mail server took it) carries a new link;
/// the first copy's link works too, once for both.
#[tokio::test]
async fn both_links_of_a_reset_mail_sent_twice_work_once() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    ask_for_maria_reset(&app).await;
    let job = jobs(&app, "pending").await.remove(0);
    for _ in 0..2 {
        assert!(matches!(
            homeroom::services::recovery::run(&app.app, &job).await,
            homeroom::domain::JobOutcome::Done
        ));
    }
    let received = sink.received().await;
    let (first, second) = (token_in(&received[0]), token_in(&received[1]));
    assert_ne!(first, second);
    let reset = "/api/v1/districts/cedar-valley/password/reset";
    let (status, body) = post(
        &app,
        reset,
        json!({"token": first, "password": "a brand new lantern"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = post(
        &app,
        reset,
        json!({"token": second, "password": "another new lantern"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}
