//! The database going away: a private PostgreSQL cluster of the test's own, stopped while the
//! portal serves and started again. Runs with the PostgreSQL tests (HOMEROOM_TEST_DATABASE_URL)
//! where PostgreSQL's server programs are installed.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::harness::{TestDb, postgres_base_url, spawn_app_with};

#[tokio::test]
async fn with_the_database_away_requests_answer_503_at_once_and_200_soon_after_it_returns() {
    if postgres_base_url().is_none() {
        eprintln!("skipped: runs with the PostgreSQL tests");
        return;
    }
    let Some(cluster) = Cluster::create() else {
        eprintln!("skipped: PostgreSQL's server programs are not installed");
        return;
    };
    let app = spawn_app_with(TestDb::at(cluster.url()), |c| c).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let client = reqwest::Client::new();
    let (status, login) = {
        let response = client
            .post(app.url("/api/v1/districts/cedar-valley/login"))
            .json(&json!({"portal": "parent", "username": "maria.alvarez",
                          "password": "maple river lantern"}))
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    let token = login["token"].as_str().unwrap().to_owned();
    // A write acknowledged before the outage.
    let response = client
        .put(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(&token)
        .json(&json!({"email": ["message"]}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    cluster.stop();
    // Once the portal knows (two probes, a second apart), nothing waits for the database.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let started = Instant::now();
    let mut tries = tokio::task::JoinSet::new();
    for i in 0..20 {
        let request = if i % 2 == 0 {
            client.get(app.url("/api/v1/me"))
        } else {
            client.get(app.url("/d/cedar-valley/home"))
        }
        .bearer_auth(&token);
        tries.spawn(async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        });
    }
    for (status, body) in tries.join_all().await {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(
            body.contains("\"unavailable\"") || body.contains("The portal is unavailable"),
            "{body}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "20 requests took {:?}",
        started.elapsed()
    );
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    cluster.start();
    let back = Instant::now();
    loop {
        let response = client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::OK {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still {} five seconds after the database's return",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing acknowledged before the outage was lost.
    let preferences: Value = client
        .get(app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preferences["email"], json!(["message"]), "{preferences}");
    app.stop().await;
}
