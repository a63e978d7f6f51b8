//! New-device alerts: a login from a browser or app the account has not used before tells the
//! account once, by mail and in its inbox; a device it knows, a failed login, and the account's
//! very first device tell nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::links::call;
use crate::security::{app, security_notices};
use crate::smtp::Sink;

const MARIA: &str = "maple river lantern";
const ANDROID_CHROME: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const NEW_SIGN_IN: &str = "New sign-in to your Cedar Valley Public Schools portal account";

/// A browser of its own: it keeps its cookies, the device cookie among them.
fn browser(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(user_agent)
        .build()
        .unwrap()
}

async fn web_login(app: &TestApp, browser: &reqwest::Client, password: &str) -> StatusCode {
    browser
        .post(app.url("/d/cedar-valley/parent"))
        .form(&[("username", "maria.alvarez"), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn api_login(app: &TestApp, device: Option<Value>) -> String {
    let mut body = json!({"portal": "parent", "username": "maria.alvarez", "password": MARIA});
    if let Some(device) = device {
        body["device"] = device;
    }
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// The new-sign-in mails sent since the last look, with their text.
async fn alerts(app: &TestApp, sink: &Sink) -> Vec<String> {
    while homeroom::services::worker::run_due(&app.app).await.unwrap() > 0 {}
    sink.messages
        .lock()
        .await
        .drain(..)
        .filter(|m| m.header("Subject").as_deref() == Some(NEW_SIGN_IN))
        .map(|m| {
            assert_eq!(m.to, ["maria.alvarez@example.org"]);
            m.readable()
        })
        .collect()
}

#[tokio::test]
async fn a_browser_new_to_the_account_is_told_once_and_a_known_one_never() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    let laptop = browser("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0");
    // The account's first browser becomes its own without a word; it stays known.
    assert_eq!(web_login(&app, &laptop, MARIA).await, StatusCode::OK);
    assert_eq!(web_login(&app, &laptop, MARIA).await, StatusCode::OK);
    assert!(alerts(&app, &sink).await.is_empty());

    // A wrong password from a new phone tells nothing; the right one tells once.
    let phone = browser(ANDROID_CHROME);
    assert_eq!(
        web_login(&app, &phone, "not the password").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(alerts(&app, &sink).await.is_empty());
    assert_eq!(web_login(&app, &phone, MARIA).await, StatusCode::OK);
    let sent = alerts(&app, &sink).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("New sign-in: Chrome on Android"),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("/d/cedar-valley/settings"), "{}", sent[0]);
    // The inbox says it too (the app reading it is new as well, and told as such).
    let token = api_login(&app, Some(json!({"id": "maria-phone"}))).await;
    let notices = security_notices(&app, &token).await;
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices
            .iter()
            .any(|n| n.contains("New sign-in: Chrome on Android")),
        "{notices:?}"
    );
    assert_eq!(alerts(&app, &sink).await.len(), 1);

    // Known from now on, and the laptop still is.
    assert_eq!(web_login(&app, &phone, MARIA).await, StatusCode::OK);
    assert_eq!(web_login(&app, &laptop, MARIA).await, StatusCode::OK);
    assert!(alerts(&app, &sink).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_app_is_known_by_its_device_id_and_one_without_is_always_new() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    api_login(&app, Some(json!({"id": "phone-1", "name": "Pixel 8"}))).await;
    api_login(&app, Some(json!({"id": "phone-1", "name": "Pixel 8"}))).await;
    assert!(alerts(&app, &sink).await.is_empty());

    let token = api_login(
        &app,
        Some(json!({"id": "tablet-2", "name": "Maria's iPad", "platform": "ios"})),
    )
    .await;
    let sent = alerts(&app, &sink).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("Maria's iPad (ios)"), "{}", sent[0]);

    // An app that names no device cannot be known: each of its logins is told.
    api_login(&app, None).await;
    api_login(&app, None).await;
    assert_eq!(alerts(&app, &sink).await.len(), 2);
    // A browser's cookie and an app's id never stand for each other.
    let (status, _) = call(&app, Method::GET, "/api/v1/me", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    let web = browser("phone-1");
    assert_eq!(web_login(&app, &web, MARIA).await, StatusCode::OK);
    assert_eq!(alerts(&app, &sink).await.len(), 1);
    app.stop().await;
}
