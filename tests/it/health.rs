//! `/healthz` and `/readyz`, which follows the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use homeroom::store::StoreError;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::harness::{TestDb, postgres_base_url, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_while_the_database_is_up() {
    let app = spawn_app().await;
    let (status, text) = app.get_text("/healthz").await;
    assert_eq!((status, text.as_str()), (200, "ok"));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    app.stop().await;
}

#[tokio::test]
async fn readyz_follows_the_sqlite_file_going_away_and_coming_back() {
    let db = TestDb::sqlite();
    let file = db.url.strip_prefix("sqlite://").unwrap().to_owned();
    let app = spawn_app_with(db, |c| c).await;
    assert_eq!(app.get_json("/readyz").await.0, 200);

    let moved = format!("{file}.moved");
    std::fs::rename(&file, &moved).unwrap();
    // Several requests at once make the pool open new connections: none may create an empty
    // database in the file's place.
    let (a, b, c, d) = tokio::join!(
        app.get_json("/readyz"),
        app.get_json("/readyz"),
        app.get_json("/readyz"),
        app.get_json("/readyz")
    );
    for (status, body) in [a, b, c, d] {
        assert_eq!(
            (status, body["status"].as_str()),
            (503, Some("unavailable"))
        );
    }
    assert!(
        !std::path::Path::new(&file).exists(),
        "no empty database appeared"
    );
    assert_eq!(app.get_text("/healthz").await.0, 200);

    std::fs::rename(&moved, &file).unwrap();
    assert_eq!(app.get_json("/readyz").await.0, 200);
    app.stop().await;
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore: the database really
/// goes away from the app's point of view, connections and all.
struct CuttableProxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: Arc<Notify>,
}

impl CuttableProxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(Notify::new());
        let (up2, cut2) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let cut = cut2.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = cut.notified() => {}
                    }
                });
            }
        });
        Self { port, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn readyz_follows_postgresql_going_away_and_coming_back() {
    let Some(base) = postgres_base_url() else {
        eprintln!("skipped: set HOMEROOM_TEST_DATABASE_URL to run on PostgreSQL");
        return;
    };
    let db = TestDb::postgres(&base).await;
    let real = url::Url::parse(&db.url).unwrap();
    let target = format!(
        "{}:{}",
        real.host_str().unwrap(),
        real.port().unwrap_or(5432)
    );
    let proxy = CuttableProxy::start(target).await;
    let mut through_proxy = real.clone();
    through_proxy.set_host(Some("127.0.0.1")).unwrap();
    through_proxy.set_port(Some(proxy.port)).unwrap();
    let proxied = through_proxy.to_string();
    let app = spawn_app_with(db, |c| homeroom::config::ConfigInput {
        database_url: Some(proxied),
        ..c
    })
    .await;

    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, 200);

    proxy.cut();
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (503, Some("unavailable"))
    );
    // Pages and the API say the portal is unavailable, not a generic failure.
    let (status, body) = app.get_json("/api/v1/districts?q=x").await;
    assert_eq!((status, body["error"].as_str()), (503, Some("unavailable")));
    let (status, page) = app.get_text("/d/cedar-valley/parent").await;
    assert_eq!(status, 503);
    assert!(page.contains("temporarily unavailable"));
    // Liveness does not depend on the database.
    assert_eq!(app.get_text("/healthz").await.0, 200);
    // Audit entries waiting together are each told the database is away.
    let entry = || homeroom::store::AuditEntry {
        district: Some(homeroom::domain::DistrictId(1)),
        actor: "anonymous",
        action: "login.failed",
        ..Default::default()
    };
    let store = &app.app.store;
    let written = tokio::join!(
        store.audit(entry(), 1),
        store.audit(entry(), 1),
        store.audit(entry(), 1)
    );
    for result in [written.0, written.1, written.2] {
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{result:?}"
        );
    }

    proxy.restore();
    let mut status = 0;
    for _ in 0..20 {
        status = app.get_json("/readyz").await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 200, "ready again once the database returns");
    app.stop().await;
}

/// A store of `connections` on `db` (SQLite), with one district made by the command line.
async fn wal_store(
    db: &TestDb,
    connections: u32,
) -> (homeroom::store::Store, homeroom::domain::DistrictId) {
    use homeroom::store::{DatabaseUrl, Store};
    let added = crate::harness::run_cli(
        &db.url,
        &[
            "district", "add", "--slug", "wal", "--name", "Wal", "--state", "DE",
        ],
    )
    .await;
    assert!(added.status.success());
    let store = Store::connect(&DatabaseUrl::parse(&db.url).unwrap(), connections)
        .await
        .unwrap();
    let slug = homeroom::domain::DistrictSlug::parse("wal").unwrap();
    let district = store.district_by_slug(&slug).await.unwrap().unwrap().id;
    (store, district)
}

/// SQLite's log is copied back into the database file by the store's own timer, not only
/// inside some commit that crosses SQLite's threshold (that commit would make every read
/// waiting on it wait for the copy too).
#[tokio::test]
async fn sqlite_writes_reach_the_database_file_without_a_commit_checkpointing() {
    use homeroom::store::AuditEntry;
    let db = TestDb::sqlite();
    let file = db.url.strip_prefix("sqlite://").unwrap().to_owned();
    let (store, district) = wal_store(&db, 2).await;
    let before = std::fs::metadata(&file).unwrap().len();
    // About 2 MB: half of SQLite's own threshold (1,000 pages), so no commit checkpoints.
    for _ in 0..500 {
        let entry = AuditEntry {
            district: Some(district),
            actor: "operator",
            action: "test.filler",
            detail: Some("x".repeat(4000)),
            ..Default::default()
        };
        store.audit(entry, 0).await.unwrap();
    }
    let mut grown = 0;
    for _ in 0..50 {
        grown = std::fs::metadata(&file)
            .unwrap()
            .len()
            .saturating_sub(before);
        if grown > 1_500_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        grown > 1_500_000,
        "the database file grew by only {grown} bytes"
    );
    store.close().await;
}

/// A reader that takes seconds (a job reading what an import changed, say) does not hold back
/// writes while SQLite's log is long: the checkpoint that starts the log over waits for readers
/// a moment only, not the busy timeout, which a login waiting to write would then run out of.
#[tokio::test]
async fn a_long_read_does_not_hold_back_writes_while_sqlites_log_is_long() {
    use homeroom::store::AuditEntry;
    use sqlx::Connection;
    let db = TestDb::sqlite();
    let log = format!("{}-wal", db.url.strip_prefix("sqlite://").unwrap());
    let (store, district) = wal_store(&db, 4).await;
    let entry = |detail: String| AuditEntry {
        district: Some(district),
        actor: "operator",
        action: "test.filler",
        detail: Some(detail),
        ..Default::default()
    };
    // The log past 16 MiB: entries written side by side go in batches.
    for _ in 0..10 {
        let writes = (0..256).map(|_| store.audit(entry("x".repeat(8_000)), 0));
        for done in futures_util::future::join_all(writes).await {
            done.unwrap();
        }
    }
    assert!(std::fs::metadata(&log).unwrap().len() > 16 * 1024 * 1024);
    // A reader holds its view of the database open for the rest of the test.
    let mut reader = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&mut reader)
        .await
        .unwrap();
    assert!(n > 2_000);
    // Writes go on, each in well under the busy timeout (5 s), through several checkpoints.
    for i in 0..12 {
        let started = std::time::Instant::now();
        store.audit(entry(format!("write {i}")), 0).await.unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(2), "write {i} waited {took:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    reader.close().await.unwrap();
    store.close().await;
}

/// The operator's metrics: on their own address only, counting requests by route, logins by
/// outcome, and the job queue as the database holds it.
#[tokio::test]
async fn metrics_count_requests_logins_and_jobs_on_their_own_address() {
    let app = crate::harness::spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics = format!("http://{}/metrics", listener.local_addr().unwrap());
    let server = tokio::spawn(homeroom::server::serve_metrics(app.app.clone(), listener));
    for password in ["maple river lantern", "wrong"] {
        reqwest::Client::new()
            .post(app.url("/api/v1/districts/cedar-valley/login"))
            .json(
                &serde_json::json!({"portal": "parent", "username": "maria.alvarez",
                                      "password": password}),
            )
            .send()
            .await
            .unwrap();
    }
    let text = reqwest::get(&metrics).await.unwrap().text().await.unwrap();
    for line in [
        "homeroom_http_requests_total{route=\"/api/v1/districts/{slug}/login\",method=\"POST\",status=\"200\"} 1",
        "homeroom_http_requests_total{route=\"/api/v1/districts/{slug}/login\",method=\"POST\",status=\"401\"} 1",
        "homeroom_logins_total{outcome=\"succeeded\"} 1",
        "homeroom_logins_total{outcome=\"failed\"} 1",
        // The generated district, and the school years of the two hand-made ones.
        "homeroom_import_runs 3",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(
        text.contains("homeroom_http_request_duration_seconds_bucket{le="),
        "{text}"
    );
    assert!(text.contains("homeroom_jobs{state=\"pending\"}"), "{text}");
    assert!(
        text.contains("homeroom_database_pool_connections"),
        "{text}"
    );
    // Not on the portal's own address.
    assert_eq!(app.get("/metrics").await.status(), 404);
    server.abort();
    app.stop().await;
}
