//! Three nodes on one database, as behind a load balancer: each its own process state (pool,
//! caches, worker), sharing sessions, login throttles, CAPTCHA challenges and the job queue.
//! On PostgreSQL with HOMEROOM_TEST_DATABASE_URL, on one SQLite file otherwise.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestDb, spawn_app_with};
use crate::smtp::Sink;
use homeroom::config::ConfigInput;
use homeroom::services::worker;

const CAPTCHA: &str = "HMRMM";
const PASSWORD: &str = "maple river lantern";

async fn node(db: TestDb, sink: &Sink) -> TestApp {
    let port = sink.port;
    spawn_app_with(db, move |c| ConfigInput {
        environment: Some("test".into()),
        test_captcha_answer: Some(CAPTCHA.into()),
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_tls: Some("none".into()),
        mail_from: Some("portal@homeroom.test".into()),
        ..c
    })
    .await
}

async fn post(node: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(node.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn login(node: &TestApp, password: &str, captcha: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"portal": "parent", "username": "maria.alvarez", "password": password});
    if let Some(id) = captcha {
        body["captcha"] = json!({"id": id, "answer": CAPTCHA});
    }
    post(node, "/api/v1/districts/cedar-valley/login", body).await
}

#[tokio::test]
async fn three_nodes_share_sessions_throttles_captchas_and_each_mail_once() {
    let sink = Sink::start().await;
    let first = TestDb::fresh().await;
    let url = first.url.clone();
    let a = node(first, &sink).await;
    homeroom::services::demo::load(&a.app).await.unwrap();
    homeroom::services::districts::set(&a.app, "cedar-valley", "forgot_password", "on")
        .await
        .unwrap();
    while worker::run_due(&a.app).await.unwrap() > 0 {}
    let b = node(TestDb::at(url.clone()), &sink).await;
    let c = node(TestDb::at(url), &sink).await;
    let nodes = [&a, &b, &c];

    // A session made on one node works on the others.
    let (status, body) = login(&a, PASSWORD, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    for node in [&b, &c] {
        let response = reqwest::Client::new()
            .get(node.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    // Three wrong passwords, one on each node: the fourth try, anywhere, needs the CAPTCHA.
    for node in nodes {
        let (_, body) = login(node, "wrong", None).await;
        assert_eq!(body["error"], "invalid_credentials", "{body}");
    }
    let (_, body) = login(&b, PASSWORD, None).await;
    assert_eq!(body["error"], "captcha_required", "{body}");
    // The challenge one node made is answered on another.
    let id = body["captcha"]["id"].as_str().unwrap().to_owned();
    let (status, body) = login(&c, PASSWORD, Some(&id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Thirty requests for a reset, ten to each node, each with a CAPTCHA another node made;
    // the three workers at once send each mail once.
    sink.messages.lock().await.clear();
    for i in 0..30 {
        let (_, challenge) = nodes[(i + 1) % 3]
            .get_json("/api/v1/districts/cedar-valley/captcha")
            .await;
        let (status, body) = post(
            nodes[i % 3],
            "/api/v1/districts/cedar-valley/password/forgot",
            json!({"username": "maria.alvarez",
                   "captcha": {"id": challenge["id"], "answer": CAPTCHA}}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let drain = |node: &TestApp| {
        let app = node.app.clone();
        tokio::spawn(async move { while worker::run_due(&app).await.unwrap() > 0 {} })
    };
    let workers = [drain(&a), drain(&b), drain(&c)];
    for w in workers {
        w.await.unwrap();
    }
    let received = sink.received().await;
    let mut keys: Vec<String> = received
        .iter()
        .map(|m| m.header("X-Homeroom-Idempotency-Key").unwrap())
        .collect();
    let sent = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), sent, "a mail was sent twice");
    assert_eq!(sent, 30, "one mail for each request");
    for node in [a, b, c] {
        node.stop().await;
    }
}
