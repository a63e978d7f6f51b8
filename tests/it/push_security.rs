//! Push subscriptions as a lasting channel, and the push sender as a way into the network:
//! each subscription ends with the session that made it (and all of them with a password
//! change or reset), an account holds at most ten, lists them and ends any; the sender reaches
//! only https endpoints on public addresses (unless `push_allow_hosts` names the host),
//! follows no redirect, and one silent push service holds up no other district's pushes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestApp, account, district};
use crate::push::{
    app_allowing, browser_keys, login, maria, message, message_in, push_messages, push_service,
};
use homeroom::domain::AccountKind;
use homeroom::services::{push, worker};

/// `127.0.0.1:PORT` of a base address.
fn host(base: &str) -> &str {
    base.trim_start_matches("http://")
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Subscribes `endpoint` with a browser's keys; answers the status and the body.
async fn subscribe(app: &TestApp, token: &str, endpoint: &str) -> (StatusCode, Value) {
    let (_, p256dh, auth) = browser_keys();
    call(
        app,
        Method::POST,
        "/api/v1/me/push-subscriptions",
        token,
        Some(json!({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}})),
    )
    .await
}

async fn listed(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = call(
        app,
        Method::GET,
        "/api/v1/me/push-subscriptions",
        token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["subscriptions"].as_array().unwrap().clone()
}

async fn unsubscribe(app: &TestApp, token: &str, id: &Value) -> (StatusCode, Value) {
    call(
        app,
        Method::DELETE,
        &format!("/api/v1/me/push-subscriptions/{id}"),
        token,
        None,
    )
    .await
}

/// The listed subscription of the device with this name.
fn by_device<'a>(list: &'a [Value], device: &str) -> &'a Value {
    list.iter()
        .find(|s| s["device_name"] == device)
        .unwrap_or_else(|| panic!("no subscription for {device}: {list:?}"))
}

/// A push service that takes connections and never answers; it counts them.
struct Silent {
    address: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Silent {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(stream);
            }
        });
        Self { address, accepted }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Waits for `done` to hold, for at most `limit`; answers whether it did.
async fn within(limit: Duration, mut done: impl AsyncFnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done().await
}

#[tokio::test]
async fn an_account_holds_at_most_ten_push_subscriptions() {
    let (_service, base) = push_service().await;
    let app = app_allowing(&[host(&base)]).await;
    let token = maria(&app).await;
    for i in 0..10 {
        let endpoint = format!("{base}/push/{i}");
        assert_eq!(
            subscribe(&app, &token, &endpoint).await.0,
            StatusCode::CREATED
        );
    }
    let (status, body) = subscribe(&app, &token, &format!("{base}/push/10")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "too_many", "{body}");
    assert!(body["message"].as_str().unwrap().contains("10"), "{body}");
    // An endpoint subscribed again stays one subscription.
    let again = format!("{base}/push/3");
    assert_eq!(subscribe(&app, &token, &again).await.0, StatusCode::CREATED);
    let list = listed(&app, &token).await;
    assert_eq!(list.len(), 10);
    // Ending one makes room for another.
    assert_eq!(
        unsubscribe(&app, &token, &list[0]["id"]).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, _) = subscribe(&app, &token, &format!("{base}/push/10")).await;
    assert_eq!(status, StatusCode::CREATED);
    app.stop().await;
}

#[tokio::test]
async fn the_account_lists_its_push_subscriptions_and_ends_any_of_them_audited() {
    let (_service, base) = push_service().await;
    let app = app_allowing(&[host(&base)]).await;
    account(
        &app,
        "cedar-valley",
        "cv-g-james",
        AccountKind::Parent,
        "james.okafor",
    )
    .await;
    let phone = login(
        &app,
        "cedar-valley",
        "maria.alvarez",
        "maple river lantern",
        Some("Kitchen tablet"),
    )
    .await;
    let laptop = maria(&app).await;
    for (token, id) in [(&phone, "phone"), (&laptop, "laptop")] {
        let endpoint = format!("{base}/push/{id}");
        assert_eq!(
            subscribe(&app, token, &endpoint).await.0,
            StatusCode::CREATED
        );
    }
    let list = listed(&app, &laptop).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let tablet = by_device(&list, "Kitchen tablet");
    assert_eq!(tablet["current"], false);
    assert_eq!(tablet["last_sent_at"], Value::Null);
    assert_eq!(tablet["push_service"], "127.0.0.1");
    assert!(tablet["created_at"].as_i64().unwrap() > 0);
    assert!(tablet["session_id"].as_i64().unwrap() > 0);
    assert!(list.iter().any(|s| s["current"] == true));
    // Someone else's subscription is not found, exactly like one that does not exist.
    let james = login(&app, "cedar-valley", "james.okafor", PASSWORD, None).await;
    let (status, body) = unsubscribe(&app, &james, &tablet["id"]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert_eq!(
        unsubscribe(&app, &james, &json!(999_999)).await.1,
        body,
        "the same answer for an id that does not exist"
    );
    assert!(listed(&app, &james).await.is_empty());
    assert_eq!(listed(&app, &laptop).await.len(), 2);
    // Maria ends the tablet's from her laptop.
    assert_eq!(
        unsubscribe(&app, &laptop, &tablet["id"]).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        unsubscribe(&app, &laptop, &tablet["id"]).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        unsubscribe(&app, &laptop, &json!("x")).await.0,
        StatusCode::NOT_FOUND
    );
    let list = listed(&app, &laptop).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["current"], true);
    // Subscribing and ending are in the audit log, with the push service but not the
    // endpoint (whose address is the subscription's secret).
    let entries = app
        .app
        .store
        .audit_entries(district(&app, "cedar-valley").await.id, 100)
        .await
        .unwrap();
    let subscribed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "push.subscribed")
        .collect();
    assert_eq!(subscribed.len(), 2);
    for entry in &subscribed {
        assert_eq!(entry.target.as_deref(), Some("maria.alvarez"));
        let detail = entry.detail.as_deref().unwrap();
        assert!(
            detail.contains("127.0.0.1") && !detail.contains("/push/"),
            "{detail}"
        );
    }
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "push.unsubscribed")
            .count(),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn logging_out_ends_the_push_subscription_and_device_of_that_session() {
    let (service, base) = push_service().await;
    let app = app_allowing(&[host(&base)]).await;
    let phone = login(
        &app,
        "cedar-valley",
        "maria.alvarez",
        "maple river lantern",
        Some("Kitchen tablet"),
    )
    .await;
    let laptop = maria(&app).await;
    for (token, id) in [(&phone, "phone"), (&laptop, "laptop")] {
        let endpoint = format!("{base}/push/{id}");
        assert_eq!(
            subscribe(&app, token, &endpoint).await.0,
            StatusCode::CREATED
        );
    }
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/me/devices",
        &phone,
        Some(json!({"platform": "ios", "token": "apns-token-1"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    push_messages(&app, &laptop).await;
    let (status, _) = call(&app, Method::POST, "/api/v1/logout", &phone, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    message(&app, "Snow day").await;
    assert_eq!(service.ids().await, ["laptop"]);
    let cedar = district(&app, "cedar-valley").await;
    let account = homeroom::services::admin::account_by_username(&app.app, &cedar, "maria.alvarez")
        .await
        .unwrap();
    let devices = app
        .app
        .store
        .devices_of(cedar.id, account.id)
        .await
        .unwrap();
    assert!(devices.is_empty(), "{devices:?}");
    let list = listed(&app, &laptop).await;
    assert_eq!(list.len(), 1);
    assert!(list[0]["last_sent_at"].as_i64().unwrap() > 0, "{list:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_password_change_or_a_reset_ends_every_push_subscription() {
    let (service, base) = push_service().await;
    let app = app_allowing(&[host(&base)]).await;
    let phone = login(
        &app,
        "cedar-valley",
        "maria.alvarez",
        "maple river lantern",
        Some("Kitchen tablet"),
    )
    .await;
    let laptop = maria(&app).await;
    for (token, id) in [(&phone, "phone"), (&laptop, "laptop")] {
        let endpoint = format!("{base}/push/{id}");
        assert_eq!(
            subscribe(&app, token, &endpoint).await.0,
            StatusCode::CREATED
        );
    }
    // The laptop's app registration too, though its session lives on.
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/me/devices",
        &laptop,
        Some(json!({"device_id": "laptop-app", "platform": "android", "token": "fcm-1"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    push_messages(&app, &laptop).await;
    let (status, body) = call(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &laptop,
        Some(json!({"current": "maple river lantern", "new": "a brand new passphrase"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    message(&app, "Snow day").await;
    assert!(service.ids().await.is_empty());
    assert!(listed(&app, &laptop).await.is_empty());
    let cedar = district(&app, "cedar-valley").await;
    let account = homeroom::services::admin::account_by_username(&app.app, &cedar, "maria.alvarez")
        .await
        .unwrap();
    assert!(
        app.app
            .store
            .devices_of(cedar.id, account.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Subscribed again, then reset by staff: nothing is pushed any more.
    let again = format!("{base}/push/again");
    assert_eq!(
        subscribe(&app, &laptop, &again).await.0,
        StatusCode::CREATED
    );
    homeroom::services::admin::reset_password(
        &app.app,
        &crate::harness::operator(&cedar),
        &account,
    )
    .await
    .unwrap();
    message(&app, "Late buses").await;
    assert!(service.ids().await.is_empty());
    assert!(
        app.app
            .store
            .subscriptions_listed(cedar.id, account.id, app.app.clock.unix(), 3600)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn endpoints_that_are_not_https_or_not_on_public_addresses_are_refused() {
    let (_service, base) = push_service().await;
    // Nothing is allowed past the checks unless the configuration names it.
    let app = app_allowing(&[]).await;
    let token = maria(&app).await;
    for endpoint in [
        "http://push.example.net/x",
        &format!("{base}/push/x"),
        "https://127.0.0.1/x",
        "https://127.0.0.1:8443/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://10.0.0.1/x",
        "https://192.168.1.1/x",
        "https://100.64.0.1/x",
        "https://0.0.0.0/x",
        "https://[fd00::1]/x",
        "ftp://push.example.net/x",
    ] {
        let (status, body) = subscribe(&app, &token, endpoint).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{endpoint}: {body}");
        assert_eq!(body["error"], "bad_request", "{endpoint}: {body}");
    }
    // A name is taken, to be checked at each push against what it resolves to then.
    let (status, _) = subscribe(&app, &token, "https://push.example.net/x").await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(listed(&app, &token).await.len() == 1);
    app.stop().await;
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_not_connected_to_unless_allowed() {
    let silent = Silent::start().await;
    let (service, base) = push_service().await;
    let port = base.rsplit(':').next().unwrap();
    let allowed = format!("localhost:{port}");
    let app = app_allowing(&[&allowed]).await;
    let token = maria(&app).await;
    let refused = format!("https://localhost:{}/push/refused", silent.address.port());
    assert_eq!(
        subscribe(&app, &token, &refused).await.0,
        StatusCode::CREATED
    );
    let named = format!("http://localhost:{port}/push/named");
    assert_eq!(subscribe(&app, &token, &named).await.0, StatusCode::CREATED);
    push_messages(&app, &token).await;
    message(&app, "Snow day").await;
    // localhost is 127.0.0.1: not public, so not even a connection is made to it, and the
    // subscription is removed; the allowed host and port got the push.
    assert_eq!(silent.accepted(), 0);
    assert_eq!(service.ids().await, ["named"]);
    let list = listed(&app, &token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["push_service"], "localhost");
    app.stop().await;
}

#[tokio::test]
async fn a_push_service_that_redirects_is_not_followed() {
    let (service, base) = push_service().await;
    let app = app_allowing(&[host(&base)]).await;
    let token = maria(&app).await;
    for id in ["moved", "moved-307"] {
        let endpoint = format!("{base}/push/{id}");
        assert_eq!(
            subscribe(&app, &token, &endpoint).await.0,
            StatusCode::CREATED
        );
    }
    push_messages(&app, &token).await;
    message(&app, "Snow day").await;
    let mut ids = service.ids().await;
    ids.sort();
    assert_eq!(ids, ["moved", "moved-307"], "the redirect was followed");
    app.stop().await;
}

#[tokio::test]
async fn a_silent_push_service_holds_up_no_other_districts_pushes() {
    let silent = Silent::start().await;
    let (service, base) = push_service().await;
    let silent_host = silent.address.to_string();
    let app = app_allowing(&[&silent_host, host(&base)]).await;
    account(&app, "riverbend", "g1", AccountKind::Parent, "rb.parent").await;
    let cedar = maria(&app).await;
    let endpoint = format!("http://{silent_host}/push/silent");
    assert_eq!(
        subscribe(&app, &cedar, &endpoint).await.0,
        StatusCode::CREATED
    );
    push_messages(&app, &cedar).await;
    let riverbend = login(&app, "riverbend", "rb.parent", PASSWORD, None).await;
    let endpoint = format!("{base}/push/riverbend");
    assert_eq!(
        subscribe(&app, &riverbend, &endpoint).await.0,
        StatusCode::CREATED
    );
    push_messages(&app, &riverbend).await;
    // The worker as `serve` runs it.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker::run(app.app.clone(), async move {
        let _ = stopped.await;
    }));
    message_in(&app, "cedar-valley", "Snow day").await;
    assert!(
        within(Duration::from_secs(10), async || silent.accepted() > 0).await,
        "the push to the silent service was never sent"
    );
    // Riverbend's push arrives while Cedar Valley's still waits for an answer (a push gets
    // `PUSH_TIMEOUT`): well within half of that.
    let held = Instant::now();
    message_in(&app, "riverbend", "Snow day").await;
    let arrived = within(push::PUSH_TIMEOUT / 2, async || {
        service.ids().await.contains(&"riverbend".to_owned())
    })
    .await;
    assert!(
        arrived,
        "Riverbend's push waited for Cedar Valley's silent service: {:?}",
        held.elapsed()
    );
    drop(stop);
    running.abort();
    app.stop().await;
}

#[tokio::test]
async fn the_security_page_lists_push_subscriptions_with_a_way_to_end_each() {
    let (_service, base) = push_service().await;
    let app = app_allowing(&[host(&base)]).await;
    crate::admin::web_login(&app, "parent", "maria.alvarez", "maple river lantern").await;
    let (_, page) = app.get_text("/d/cedar-valley/settings").await;
    assert!(page.contains("Push notifications"), "{page}");
    assert!(page.contains("No browser or app gets push notifications for this account."));
    let tablet = login(
        &app,
        "cedar-valley",
        "maria.alvarez",
        "maple river lantern",
        Some("Kitchen tablet"),
    )
    .await;
    let endpoint = format!("{base}/push/tablet");
    assert_eq!(
        subscribe(&app, &tablet, &endpoint).await.0,
        StatusCode::CREATED
    );
    let id = listed(&app, &tablet).await[0]["id"].clone();
    let (status, page) = app.get_text("/d/cedar-valley/settings").await;
    assert_eq!(status, 200);
    assert!(page.contains("App on Kitchen tablet"), "{page}");
    assert!(page.contains("nothing sent yet"), "{page}");
    let action = format!("/d/cedar-valley/settings/push/{id}/end");
    assert!(page.contains(&action), "{page}");
    let response = app.client.post(app.url(&action)).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let (_, page) = app.get_text("/d/cedar-valley/settings").await;
    assert!(page.contains("No browser or app gets push notifications for this account."));
    assert!(listed(&app, &tablet).await.is_empty());
    // One that is not the account's is not found.
    let response = app.client.post(app.url(&action)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    app.stop().await;
}
