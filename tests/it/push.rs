//! Web Push end to end: a push service on loopback receives the request, and an independent
//! implementation (Python's http_ece and cryptography) decrypts the payload and checks the
//! VAPID signature. A subscription the service answers 410 for is removed. The loopback
//! service is reached only because each test's configuration allows its host and port
//! (`push_allow_hosts`); what is refused without that is in `push_security`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::json;
use tokio::sync::Mutex;

use crate::harness::{TestApp, TestDb, spawn_app_with};
use homeroom::config::ConfigInput;
use homeroom::services::notifications::{self, MessageRequest};
use homeroom::services::worker;

/// The Python that has http_ece, or `None` (the test then says it was skipped): `.ci/run`
/// makes `.venv` and sets HOMEROOM_TEST_PYTHON.
fn python() -> Option<String> {
    let candidates = [
        std::env::var("HOMEROOM_TEST_PYTHON").ok(),
        Some(format!("{}/.venv/bin/python", env!("CARGO_MANIFEST_DIR"))),
    ];
    candidates.into_iter().flatten().find(|python| {
        std::process::Command::new(python)
            .args(["-c", "import http_ece, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// A push service on loopback that keeps what it receives, by any method. It answers 410 to
/// `/push/gone`, and a redirect to `/push/target` from `/push/moved` (301) and
/// `/push/moved-307`.
#[derive(Clone, Default)]
pub(crate) struct Service {
    pub(crate) received: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>,
}

impl Service {
    /// The ids of the endpoints that received something, in order.
    pub(crate) async fn ids(&self) -> Vec<String> {
        self.received
            .lock()
            .await
            .iter()
            .map(|r| r.0.clone())
            .collect()
    }
}

async fn receive(
    State(service): State<Service>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    service
        .received
        .lock()
        .await
        .push((id.clone(), headers, body));
    match id.as_str() {
        "gone" => StatusCode::GONE.into_response(),
        "moved" => (StatusCode::MOVED_PERMANENTLY, [(LOCATION, "/push/target")]).into_response(),
        "moved-307" => {
            (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, "/push/target")]).into_response()
        }
        _ => StatusCode::CREATED.into_response(),
    }
}

/// The service and its base address, `http://127.0.0.1:PORT`.
pub(crate) async fn push_service() -> (Service, String) {
    let service = Service::default();
    let router = Router::new()
        .route("/push/{id}", any(receive))
        .with_state(service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (service, base)
}

/// The demo, with push allowed to these hosts (`host:port`) beside the public Internet.
pub(crate) async fn app_allowing(hosts: &[&str]) -> TestApp {
    let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
    let app = spawn_app_with(TestDb::fresh().await, |c| ConfigInput {
        push_allow_hosts: Some(hosts),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    app
}

/// The demo, with push allowed to the loopback service at `base`.
async fn app(base: &str) -> TestApp {
    app_allowing(&[base.trim_start_matches("http://")]).await
}

/// Logs in by API; `device` names the app's device.
pub(crate) async fn login(
    app: &TestApp,
    slug: &str,
    username: &str,
    password: &str,
    device: Option<&str>,
) -> String {
    let mut body = json!({"portal": "parent", "username": username, "password": password});
    if let Some(name) = device {
        body["device"] = json!({"id": format!("{name}-id"), "name": name, "platform": "ios"});
    }
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/districts/{slug}/login")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{username} logs in");
    let body: serde_json::Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn maria(app: &TestApp) -> String {
    login(
        app,
        "cedar-valley",
        "maria.alvarez",
        "maple river lantern",
        None,
    )
    .await
}

/// Turns on pushes of school messages for the account.
pub(crate) async fn push_messages(app: &TestApp, token: &str) {
    let response = reqwest::Client::new()
        .put(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(token)
        .json(&json!({"push": ["message"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// A browser's key pair and auth secret.
pub(crate) fn browser_keys() -> (p256::SecretKey, String, String) {
    let key = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    let public = homeroom::services::push::crypto::public_bytes(&key.public_key());
    (
        key,
        Base64UrlUnpadded::encode_string(&public),
        Base64UrlUnpadded::encode_string(&[9u8; 16]),
    )
}

pub(crate) async fn subscribe(
    app: &TestApp,
    token: &str,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/v1/me/push-subscriptions"))
        .bearer_auth(token)
        .json(&json!({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}))
        .send()
        .await
        .unwrap()
        .status()
}

/// A school message to the whole of Cedar Valley, its pushes all sent.
pub(crate) async fn message(app: &TestApp, title: &str) {
    message_in(app, "cedar-valley", title).await;
    while worker::run_due(&app.app).await.unwrap() > 0 {}
    worker::settled(&app.app).await;
}

/// A school message to a whole district, queued.
pub(crate) async fn message_in(app: &TestApp, slug: &str, title: &str) {
    let district = app
        .app
        .store
        .district_by_slug(&homeroom::domain::DistrictSlug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap();
    notifications::send_message(
        &app.app,
        &crate::harness::operator(&district),
        &MessageRequest {
            audience: "district",
            reference: None,
            title,
            body: "Buses run two hours late.",
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_pushed_notification_decrypts_with_an_independent_implementation() {
    let Some(python) = python() else {
        eprintln!("skipped: no Python with http_ece (run .ci/run, or set HOMEROOM_TEST_PYTHON)");
        return;
    };
    let (service, base) = push_service().await;
    let app = app(&base).await;
    let token = maria(&app).await;
    let (browser, p256dh, auth) = browser_keys();
    let endpoint = format!("{base}/push/maria-phone");
    assert_eq!(
        subscribe(&app, &token, &endpoint, &p256dh, &auth).await,
        StatusCode::CREATED
    );
    // Bad subscriptions are refused.
    assert_eq!(
        subscribe(&app, &token, "http://push.example.net/x", &p256dh, &auth).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        subscribe(&app, &token, &endpoint, "AAAA", &auth).await,
        StatusCode::BAD_REQUEST
    );
    // Nothing is pushed until Maria asks for it.
    message(&app, "Late buses").await;
    assert!(service.received.lock().await.is_empty());
    push_messages(&app, &token).await;
    message(&app, "Snow day").await;
    let received = service.received.lock().await.clone();
    assert_eq!(received.len(), 1);
    let (_, headers, body) = &received[0];
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert!(headers.contains_key("ttl"));
    let request = json!({
        "private_key": Base64UrlUnpadded::encode_string(&browser.to_bytes()),
        "auth": auth,
        "body": Base64UrlUnpadded::encode_string(body),
        "authorization": headers["authorization"].to_str().unwrap(),
        "audience": base,
    });
    let mut child = tokio::process::Command::new(&python)
        .arg(format!(
            "{}/tests/webpush/verify.py",
            env!("CARGO_MANIFEST_DIR")
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(request.to_string().as_bytes())
            .await
            .unwrap();
    }
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "the independent check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let payload: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(payload["title"], "Snow day");
    assert_eq!(payload["url"], "/d/cedar-valley/notifications");
    // The VAPID key the token names is the one the portal publishes.
    let (_, key) = app.get_json("/api/v1/push/public-key").await;
    assert!(
        headers["authorization"]
            .to_str()
            .unwrap()
            .ends_with(&format!("k={}", key["key"].as_str().unwrap()))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_subscription_the_service_has_forgotten_is_removed() {
    let (service, base) = push_service().await;
    let app = app(&base).await;
    let token = maria(&app).await;
    let (_, p256dh, auth) = browser_keys();
    let gone = format!("{base}/push/gone");
    assert_eq!(
        subscribe(&app, &token, &gone, &p256dh, &auth).await,
        StatusCode::CREATED
    );
    push_messages(&app, &token).await;
    message(&app, "First").await;
    message(&app, "Second").await;
    // The 410 to the first push removed the subscription: the second was not sent.
    let received = service.received.lock().await.clone();
    assert_eq!(
        received.len(),
        1,
        "{:?}",
        received.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    app.stop().await;
}
