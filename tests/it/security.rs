//! What someone who once held a family's session, or one staff login, can no longer keep or
//! widen (issue-style items named in docs/SECURITY.md): each test here failed before its fix.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::links::{self, PASSWORD, call, code, link, maria};
use crate::smtp::Sink;
use homeroom::config::ConfigInput;
use homeroom::services::worker;

const MARIA: &str = "maple river lantern";

/// The links fixture with its mail going to `sink`, the demo's own jobs already run.
async fn app(sink: &Sink) -> TestApp {
    let port = sink.port;
    let app = links::app_with(move |c| ConfigInput {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_tls: Some("none".into()),
        mail_from: Some("portal@homeroom.test".into()),
        ..c
    })
    .await;
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    sink.messages.lock().await.clear();
    app
}

/// Runs the queued jobs; answers the subject of each mail sent, by recipient, in order.
async fn mails(app: &TestApp, sink: &Sink) -> Vec<(String, String)> {
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    let mut sent = Vec::new();
    for m in sink.messages.lock().await.drain(..) {
        for to in &m.to {
            sent.push((to.clone(), m.header("Subject").unwrap_or_default()));
        }
    }
    sent.sort();
    sent
}

async fn security_notices(app: &TestApp, token: &str) -> Vec<String> {
    let (status, inbox) = call(app, Method::GET, "/api/v1/notifications", token, None).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event"] == "security")
        .map(|n| format!("{} | {}", n["title"], n["body"]))
        .collect()
}

/// Someone holding Maria's Cedar Valley session links it to an account of their own in Pine.
async fn stolen_link(app: &TestApp, sink: &Sink) -> (String, String) {
    let victim = maria(app).await;
    let thief = links::login(app, "pine", "parent", "pine.maria", PASSWORD).await;
    let c = code(app, &thief).await;
    let (status, body) = link(app, &victim, &c).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Both addresses are told, and the inbox says so too.
    let sent = mails(app, sink).await;
    let to: Vec<&str> = sent.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(to, ["maria.alvarez@example.org", "pine@example.net"]);
    assert!(
        sent.iter().all(|(_, s)| s.contains("was linked")),
        "{sent:?}"
    );
    let notices = security_notices(app, &victim).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("pine.maria of Pine County Schools"),
        "{notices:?}"
    );
    assert_eq!(
        links::links(app, &thief).await,
        [("cedar-valley".into(), "maria.alvarez".into())]
    );
    (victim, thief)
}

/// The thief can no longer reach Maria's account, and both sides were told.
async fn no_way_back(app: &TestApp, sink: &Sink, thief: &str) {
    assert!(links::links(app, thief).await.is_empty());
    let sent = mails(app, sink).await;
    for address in ["maria.alvarez@example.org", "pine@example.net"] {
        assert!(
            sent.iter()
                .any(|(to, s)| to == address && s.contains("no longer linked")),
            "{address}: {sent:?}"
        );
    }
}

#[tokio::test]
async fn a_password_change_ends_the_links_a_stolen_session_made() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    let (victim, thief) = stolen_link(&app, &sink).await;
    let (_, list) = call(&app, Method::GET, "/api/v1/me/links", &thief, None).await;
    let id = links::link_id(&list, "cedar-valley");
    let (status, body) = call(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &victim,
        Some(json!({"current": MARIA, "new": "a brand new lantern"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    no_way_back(&app, &sink, &thief).await;
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/me/links/{id}/switch"),
        &thief,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_reset_by_the_family_or_by_staff_ends_every_link() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    homeroom::services::districts::set(&app.app, "cedar-valley", "forgot_password", "on")
        .await
        .unwrap();
    let (_, thief) = stolen_link(&app, &sink).await;
    let (status, _) = post(
        &app,
        "/api/v1/districts/cedar-valley/password/forgot",
        json!({"username": "maria.alvarez"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    let token = {
        let mut messages = sink.messages.lock().await;
        let token = crate::recovery::token_in(&messages[0]);
        messages.clear();
        token
    };
    let (status, body) = post(
        &app,
        "/api/v1/districts/cedar-valley/password/reset",
        json!({"token": token, "password": "a brand new lantern"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    no_way_back(&app, &sink, &thief).await;

    // Linked again, then reset by Cedar Valley's staff: the link ends, and the family hears
    // of the reset from the district.
    let (_, thief) = {
        let victim = links::login(
            &app,
            "cedar-valley",
            "parent",
            "maria.alvarez",
            "a brand new lantern",
        )
        .await;
        let thief = links::login(&app, "pine", "parent", "pine.maria", PASSWORD).await;
        let c = code(&app, &thief).await;
        assert_eq!(link(&app, &victim, &c).await.0, StatusCode::CREATED);
        mails(&app, &sink).await;
        (victim, thief)
    };
    let cedar = links::district(&app, "cedar-valley").await;
    let account = homeroom::services::admin::account_by_username(&app.app, &cedar, "maria.alvarez")
        .await
        .unwrap();
    homeroom::services::admin::reset_password(
        &app.app,
        &cedar,
        &account,
        homeroom::services::admin::OPERATOR,
    )
    .await
    .unwrap();
    assert!(links::links(&app, &thief).await.is_empty());
    let sent = mails(&app, &sink).await;
    assert!(
        sent.iter()
            .any(|(to, s)| to == "maria.alvarez@example.org"
                && s.contains("District staff reset your")),
        "{sent:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn wrong_link_codes_sent_at_once_are_held_to_the_hourly_limit() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    let victim = maria(&app).await;
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let request = reqwest::Client::new()
            .post(app.url("/api/v1/me/links"))
            .bearer_auth(&victim)
            .json(&json!({"code": "ZZZZ-ZZZZ"}));
        tries.spawn(async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        });
    }
    let answers = tries.join_all().await;
    let wrong = answers
        .iter()
        .filter(|(_, body)| body["error"] == "invalid_code")
        .count();
    let locked = answers
        .iter()
        .filter(|(_, body)| body["error"] == "locked")
        .count();
    assert_eq!(wrong + locked, 30, "{answers:?}");
    assert!(wrong <= 10, "{wrong} wrong codes were tried");
    app.stop().await;
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
