//! Record reads from a real streaming replica (`pg_basebackup -R` of a private cluster): served
//! by the replica when it is caught up, by the primary when it is behind (a family sees what it
//! just did) or away. Runs with the PostgreSQL tests where PostgreSQL's server programs are
//! installed.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::cluster::Cluster;
use crate::harness::{TestApp, TestDb, postgres_base_url, spawn_app_with};
use homeroom::config::ConfigInput;

/// Statements the replica has run that read `table` (it logs every statement).
fn replica_reads_of(replica: &Cluster, table: &str) -> usize {
    let from = format!("FROM {table} ");
    replica
        .log()
        .lines()
        .filter(|line| line.contains("statement:") || line.contains("execute"))
        .filter(|line| line.contains(&from))
        .count()
}

async fn on_replica(replica: &Cluster, sql: &'static str) {
    let mut conn = sqlx::PgConnection::connect(&replica.url()).await.unwrap();
    sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// Waits until the replica has replayed everything the primary has written.
async fn caught_up(primary: &Cluster, replica: &Cluster) {
    let mut conn = sqlx::PgConnection::connect(&primary.url()).await.unwrap();
    let (lsn,): (String,) = sqlx::query_as("SELECT pg_current_wal_lsn()::text")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let started = Instant::now();
    loop {
        let mut conn = sqlx::PgConnection::connect(&replica.url()).await.unwrap();
        let (done,): (bool,) =
            sqlx::query_as("SELECT pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn)")
                .bind(&lsn)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        conn.close().await.unwrap();
        if done {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the replica lags"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn record_reads_go_to_a_caught_up_replica_and_a_family_always_sees_what_it_just_did() {
    if postgres_base_url().is_none() {
        eprintln!("skipped: runs with the PostgreSQL tests");
        return;
    }
    let Some(primary) = Cluster::create() else {
        eprintln!("skipped: PostgreSQL's server programs are not installed");
        return;
    };
    let replica = primary.replica();
    let read_url = replica.url();
    let app = spawn_app_with(TestDb::at(primary.url()), |c| ConfigInput {
        database_read_url: Some(read_url),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&json!({"portal": "parent", "username": "maria.alvarez",
                      "password": "maple river lantern"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, students) = get(&app, "/api/v1/students", &token).await;
    let student = students["students"][0]["id"].as_i64().unwrap();
    let grades = format!("/api/v1/students/{student}/grades");

    // Caught up, the replica serves the record reads.
    caught_up(&primary, &replica).await;
    let before = replica_reads_of(&replica, "classes");
    let (status, _) = get(&app, &grades, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        replica_reads_of(&replica, "classes") > before,
        "the replica served no read"
    );

    // Behind (its replay paused), it serves nothing: the family's read of Grades just now is
    // in its Access Log, from the primary.
    on_replica(&replica, "SELECT pg_wal_replay_pause()").await;
    let (status, _) = get(&app, &grades, &token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = get(&app, "/api/v1/me/access-log", &token).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let (status, again) = get(&app, &grades, &token).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (_, later) = get(&app, "/api/v1/me/access-log", &token).await;
    assert_ne!(
        later.to_string(),
        log.to_string(),
        "the Access Log misses a read the family just made"
    );
    assert_eq!(
        replica_reads_of(&replica, "audit_log"),
        0,
        "a replica behind served a read"
    );

    // Caught up again, it serves them again.
    on_replica(&replica, "SELECT pg_wal_replay_resume()").await;
    caught_up(&primary, &replica).await;
    let (status, _) = get(&app, "/api/v1/me/access-log", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(replica_reads_of(&replica, "audit_log") > 0);

    // Away, it is passed by: the primary answers.
    replica.stop();
    for _ in 0..3 {
        let (status, body) = get(&app, &grades, &token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    app.stop().await;
}
