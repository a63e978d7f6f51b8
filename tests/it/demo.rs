//! The demo data set and `homeroom serve --demo`, end to end through the binary.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::{TestDb, homeroom_command, spawn_app};
use homeroom::domain::DistrictSlug;

#[tokio::test]
async fn loading_the_demo_twice_changes_nothing() {
    let app = spawn_app().await;
    let store = &app.app.store;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let slug = |s| DistrictSlug::parse(s).unwrap();
    let cedar = store
        .district_by_slug(&slug("cedar-valley"))
        .await
        .unwrap()
        .unwrap();
    let lake = store
        .district_by_slug(&slug("lakeshore"))
        .await
        .unwrap()
        .unwrap();
    let before = (
        store.district_counts(cedar.id).await.unwrap(),
        store.district_counts(lake.id).await.unwrap(),
    );
    assert_eq!(
        (
            before.0.schools,
            before.0.students,
            before.0.guardians,
            before.0.relationships
        ),
        (3, 4, 2, 4)
    );
    assert_eq!(
        (
            before.1.schools,
            before.1.students,
            before.1.guardians,
            before.1.relationships
        ),
        (2, 2, 2, 2)
    );
    assert_eq!(cedar.state.code(), "NC");
    assert_ne!(cedar.state, lake.state);

    homeroom::services::demo::load(&app.app).await.unwrap();
    let after = (
        store.district_counts(cedar.id).await.unwrap(),
        store.district_counts(lake.id).await.unwrap(),
    );
    assert_eq!(before, after);

    // The generated district arrives through the import, with classes and scores, once.
    let river = store
        .district_by_slug(&slug("riverbend"))
        .await
        .unwrap()
        .unwrap();
    let counts = store.district_counts(river.id).await.unwrap();
    assert_eq!(counts.students, 120);
    assert!(
        counts.guardians > 60 && counts.relationships > 120,
        "{counts:?}"
    );
    let imports = store
        .audit_entries(river.id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "import.oneroster")
        .count();
    assert_eq!(imports, 1, "imported once, not again on the second load");
    let audit = store.audit_entries(cedar.id, 100).await.unwrap();
    let created = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(created("district.created"), 1, "created once");
    assert_eq!(
        created("demo.account_created") + created("admin.created"),
        5,
        "five logins, once"
    );
    app.stop().await;
}

/// Starts the binary with `--demo` on a free port, reads the address it prints, uses it, and
/// stops it with SIGTERM: the process finishes cleanly.
#[tokio::test]
async fn serve_demo_prints_what_to_try_and_stops_on_sigterm() {
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = homeroom_command(dir.path())
        .args([
            "--database-url",
            &db.url,
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the server stopped early");
            printed.push(line.clone());
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
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_millis(500), lines.next_line()).await
    {
        printed.push(line);
    }
    let printed = printed.join("\n");
    assert!(
        printed.contains("Cedar Valley Public Schools (North Carolina)"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("{address}/d/lakeshore/parent"))
            && printed.contains("username maria.alvarez  password \"maple river lantern\"")
            && printed.contains("username cv-admin  password \"granite owl compass\""),
        "{printed}"
    );

    let body: serde_json::Value = reqwest::get(format!("{address}/api/v1/districts?q=cedar"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["districts"][0]["slug"], "cedar-valley");

    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "graceful shutdown ends with success, got {status}"
    );
}

/// Starts `serve --demo` on `url`; answers whether it came to listen (or what it said when it
/// stopped instead), and the child to stop.
async fn serve_demo(
    url: &str,
    dir: &std::path::Path,
) -> (Result<(), String>, tokio::process::Child) {
    let mut child = homeroom_command(dir)
        .args([
            "--database-url",
            url,
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = tokio::time::timeout(Duration::from_secs(120), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("Homeroom is listening on ") {
                return Ok(());
            }
        }
        Err("stopped before listening".to_owned())
    })
    .await
    .unwrap_or_else(|_| Err("not listening after two minutes".to_owned()));
    let listening = match listening {
        Ok(()) => Ok(()),
        Err(why) => {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = stderr.read_to_string(&mut err).await;
            }
            Err(format!("{why}: {err}"))
        }
    };
    (listening, child)
}

#[tokio::test]
async fn two_demo_servers_started_at_once_on_an_empty_database_both_serve() {
    let db = TestDb::fresh().await;
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ((first, mut a), (second, mut b)) = tokio::join!(
        serve_demo(&db.url, one.path()),
        serve_demo(&db.url, two.path())
    );
    let _ = a.kill().await;
    let _ = b.kill().await;
    first.unwrap();
    second.unwrap();
    // One demo's records, whichever process wrote them.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let counts: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM districts), \
         (SELECT COUNT(*) FROM people WHERE role = 'student'), (SELECT COUNT(*) FROM accounts)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    // Cedar Valley's 4 students and Lakeshore's 2, Riverbend's 120; the 5 demo logins.
    assert_eq!(counts, (3, 126, 5));
}

/// The parent whose login `serve --demo` prints finds something in every tool for both
/// children: classes and their teachers, a schedule, scores and posted grades, attendance.
#[tokio::test]
async fn the_demo_parent_finds_every_tool_filled_for_both_children() {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let client = reqwest::Client::new();
    let token = crate::links::maria(&app).await;
    let token = token.as_str();
    let get = |path: String| {
        let request = client.get(app.url(&path)).bearer_auth(token);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let students = get("/api/v1/students".into()).await;
    let children = students["students"].as_array().unwrap();
    assert_eq!(children.len(), 2, "{students}");
    // Assignments are due from August on and attendance is taken from September: only in July
    // and August is the year under way still empty of them.
    let month = jiff::tz::TimeZone::UTC
        .to_datetime(app.app.clock.now())
        .month();
    let year_under_way = !(7..=8).contains(&month);
    for child in children {
        let id = child["id"].as_i64().unwrap();
        let grades = get(format!("/api/v1/students/{id}/grades")).await;
        let classes = grades["classes"].as_array().unwrap();
        assert_eq!(classes.len(), 12, "six subjects in each term: {grades}");
        assert!(
            classes
                .iter()
                .all(|c| c["teachers"].as_array().unwrap().len() == 1),
            "{grades}"
        );
        let schedule = get(format!("/api/v1/students/{id}/schedule")).await;
        assert_eq!(schedule["terms"].as_array().unwrap().len(), 2, "{schedule}");
        if year_under_way {
            let counted: u64 = classes
                .iter()
                .flat_map(|c| c["periods"].as_array().unwrap())
                .map(|p| p["counted"].as_u64().unwrap())
                .sum();
            assert!(counted > 50, "scores count toward grades: {grades}");
            let attendance = get(format!("/api/v1/students/{id}/attendance")).await;
            let marks: usize = attendance["terms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["marks"].as_array().unwrap().len())
                .sum();
            assert!(marks > 0, "{attendance}");
        }
    }
}
