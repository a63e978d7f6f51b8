//! What someone who once held a family's session, or one staff login, can no longer keep or
//! widen (see docs/SECURITY.md). Each test here failed before its fix.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{self, PASSWORD, TestApp};
use crate::links::{self, call, code, link, maria};
use crate::smtp::Sink;
use homeroom::config::ConfigInput;
use homeroom::services::worker;

const MARIA: &str = "maple river lantern";

/// The links fixture with its mail going to `sink`, the demo's own jobs already run.
pub(crate) async fn app(sink: &Sink) -> TestApp {
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

pub(crate) async fn security_notices(app: &TestApp, token: &str) -> Vec<String> {
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
    let thief = harness::login(app, "pine", "parent", "pine.maria", PASSWORD).await;
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
        let victim = harness::login(
            &app,
            "cedar-valley",
            "parent",
            "maria.alvarez",
            "a brand new lantern",
        )
        .await;
        let thief = harness::login(&app, "pine", "parent", "pine.maria", PASSWORD).await;
        let c = code(&app, &thief).await;
        assert_eq!(link(&app, &victim, &c).await.0, StatusCode::CREATED);
        mails(&app, &sink).await;
        (victim, thief)
    };
    let cedar = harness::district(&app, "cedar-valley").await;
    let account = homeroom::services::admin::account_by_username(&app.app, &cedar, "maria.alvarez")
        .await
        .unwrap();
    homeroom::services::admin::reset_password(
        &app.app,
        &crate::harness::operator(&cedar),
        &account,
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

const PINE_USERS: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n\
pg1,,,true,p1,parent,,,Maria,Alvarez,,,pine@example.net,,,ps1,,\n\
ps1,,,true,p1,student,,,Rosa,Alvarez,,,,,,pg1,02,\n";

/// Imports Pine's orgs and these users (a bulk set).
async fn import_pine(
    app: &TestApp,
    users: &str,
) -> Result<homeroom::services::import::Report, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orgs.csv"),
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd,,,Pine,district,,\np1,,,Pine Elementary,school,,d\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("users.csv"), users).unwrap();
    let pine = harness::district(app, "pine").await;
    homeroom::services::import::oneroster(
        &app.app,
        &crate::harness::operator(&pine),
        dir.path(),
        None,
    )
    .await
    .map_err(|e| match e {
        homeroom::services::import::ImportError::Rejected { problems, .. } => {
            problems.iter().map(|p| format!("{p}\n")).collect()
        }
        other => panic!("{other:?}"),
    })
}

#[tokio::test]
async fn an_import_can_neither_make_nor_change_a_staff_accounts_person() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    // Two staff accounts: one made by `admin add`, one bound to an imported teacher.
    homeroom::services::auth::add_staff(&app.app, "pine", "pine.admin", PASSWORD)
        .await
        .unwrap();
    let teacher = "pt1,,,true,p1,teacher,,,Terry,Teach,,,terry@pine.example,,,,,\n";
    import_pine(&app, &format!("{PINE_USERS}{teacher}"))
        .await
        .unwrap();
    harness::account(
        &app,
        "pine",
        "pt1",
        homeroom::domain::AccountKind::Staff,
        "terry.staff",
    )
    .await;

    let hijack = format!(
        "{PINE_USERS}\
         pt1,,,true,p1,teacher,,,Terry,Teach,,,thief@example.com,,,,,\n\
         homeroom-staff:pine.admin,,,true,p1,teacher,,,Pine,Admin,,,thief@example.com,,,,,\n\
         HOMEROOM-STAFF:next.admin,,,true,p1,teacher,,,Next,Admin,,,thief@example.com,,,,,\n"
    );
    let err = import_pine(&app, &hijack).await.unwrap_err();
    for line in [
        "users.csv:4: sourcedId \"pt1\" is a staff account's",
        "users.csv:5: sourcedId \"homeroom-staff:pine.admin\" is a staff account's",
        "users.csv:6: sourcedId \"HOMEROOM-STAFF:next.admin\" is a staff account's",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
    // A bulk set without them leaves them be: both still log in.
    import_pine(&app, PINE_USERS).await.unwrap();
    for username in ["pine.admin", "terry.staff"] {
        harness::login(&app, "pine", "staff", username, PASSWORD).await;
    }
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (email,): (Option<String>,) =
        sqlx::query_as("SELECT email FROM people WHERE sourced_id = 'pt1'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(email.as_deref(), Some("terry@pine.example"));
    sqlx::Connection::close(conn).await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_changed_email_address_is_told_to_the_old_one() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    mails(&app, &sink).await;
    let moved = PINE_USERS.replace("pine@example.net", "somewhere@example.com");
    import_pine(&app, &moved).await.unwrap();
    let sent = mails(&app, &sink).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "pine@example.net");
    assert!(sent[0].1.contains("email address"), "{sent:?}");
    // The same set again changes nothing, and tells nobody.
    import_pine(&app, &moved).await.unwrap();
    assert!(mails(&app, &sink).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn staff_reading_a_family_in_the_console_is_in_its_access_log() {
    let sink = Sink::start().await;
    let app = crate::recovery::app(&sink).await;
    crate::admin::web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let response = app
        .client
        .get(app.url("/d/cedar-valley/admin?q=alvarez"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    for person in ["cv-s-sofia", "cv-g-maria"] {
        let id = crate::admin::person_id(&app, "cedar-valley", person).await;
        let path = format!("/d/cedar-valley/admin/people/{id}");
        let response = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let maria = maria(&app).await;
    let (status, log) = call(&app, Method::GET, "/api/v1/me/access-log", &maria, None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    for student in ["Sofia Alvarez", "Maria Alvarez"] {
        assert!(
            log["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["student"] == student
                    && e["reader"].as_str().unwrap().contains("(district staff)")
                    && e["what"] == "Account and family, in the staff console"),
            "{student}: {log}"
        );
    }
    assert_eq!(
        links::audited(&app, "cedar-valley", "console.searched").await,
        1
    );

    // An account made by staff is told to the family.
    let james = crate::admin::person_id(&app, "cedar-valley", "cv-g-james").await;
    let response = app
        .client
        .post(app.url(&format!("/d/cedar-valley/admin/people/{james}/account")))
        .form(&[("username", "james.okafor")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let sent = mails(&app, &sink).await;
    assert!(
        sent.iter().any(
            |(to, s)| to == "james.okafor@example.org" && s.contains("District staff made you")
        ),
        "{sent:?}"
    );
    app.stop().await;
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    call(app, Method::GET, "/api/v1/me", token, None).await.0
}

#[tokio::test]
async fn a_staff_app_token_ends_after_30_idle_minutes_and_12_hours_in_all() {
    let sink = Sink::start().await;
    let app = app(&sink).await;
    let staff = || {
        harness::login(
            &app,
            "cedar-valley",
            "staff",
            "cv-admin",
            "granite owl compass",
        )
    };
    let family = maria(&app).await;
    let token = staff().await;
    app.app.clock.advance(29 * 60);
    assert_eq!(me(&app, &token).await, StatusCode::OK);
    app.app.clock.advance(31 * 60);
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    // Used every 29 minutes, it still ends 12 hours after the login.
    let token = staff().await;
    for _ in 0..24 {
        app.app.clock.advance(29 * 60);
        assert_eq!(me(&app, &token).await, StatusCode::OK);
    }
    app.app.clock.advance(29 * 60);
    assert_eq!(me(&app, &token).await, StatusCode::UNAUTHORIZED);
    // A family's app token keeps its lifetime.
    assert_eq!(me(&app, &family).await, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn records_and_account_data_are_never_stored_by_a_cache() {
    let sink = Sink::start().await;
    let app = crate::recovery::app(&sink).await;
    let family = maria(&app).await;
    let staff = harness::login(
        &app,
        "cedar-valley",
        "staff",
        "cv-admin",
        "granite owl compass",
    )
    .await;
    let (_, students) = call(&app, Method::GET, "/api/v1/students", &family, None).await;
    let child = students["students"][0]["id"]
        .as_str()
        .map_or_else(|| students["students"][0]["id"].to_string(), str::to_owned);
    let person = crate::admin::person_id(&app, "cedar-valley", "cv-g-maria").await;
    let family_paths = [
        "/api/v1/me".to_owned(),
        "/api/v1/me/sessions".to_owned(),
        "/api/v1/me/access-log".to_owned(),
        "/api/v1/notifications".to_owned(),
        format!("/api/v1/students/{child}/grades"),
        format!("/api/v1/students/{child}/attendance"),
        "/d/cedar-valley/home".to_owned(),
        "/d/cedar-valley/settings".to_owned(),
        "/d/cedar-valley/access-log".to_owned(),
        format!("/d/cedar-valley/students/{child}/grades"),
    ];
    let staff_paths = [
        "/d/cedar-valley/admin?q=alvarez".to_owned(),
        format!("/d/cedar-valley/admin/people/{person}"),
        "/d/cedar-valley/admin/tools".to_owned(),
    ];
    for (token, paths) in [(&family, &family_paths[..]), (&staff, &staff_paths[..])] {
        for path in paths {
            let response = reqwest::Client::new()
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        }
    }
    // What holds nobody's data may still be cached.
    let css = app.get("/static/app.css").await;
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
    app.stop().await;
}

#[tokio::test]
async fn serve_demo_refuses_a_database_with_a_district_of_its_own() {
    let db = crate::harness::TestDb::fresh().await;
    let url = db.url.clone();
    let run = |args: &'static [&'static str]| {
        let url = url.clone();
        async move {
            let mut all = vec!["--database-url", &url];
            all.extend_from_slice(args);
            let dir = tempfile::tempdir().unwrap();
            crate::harness::homeroom_command(dir.path())
                .args(&all)
                .output()
                .await
                .unwrap()
        }
    };
    let added = run(&[
        "district",
        "add",
        "--slug",
        "cedar-valley",
        "--name",
        "Cedar Valley Real",
        "--state",
        "NC",
    ])
    .await;
    assert!(added.status.success(), "{}", crate::harness::stderr(&added));
    let served = run(&["serve", "--demo", "--bind", "127.0.0.1:0"]).await;
    assert!(!served.status.success());
    let err = crate::harness::stderr(&served);
    assert!(
        err.contains("districts the demo did not make (cedar-valley)"),
        "{err}"
    );
    // Nothing of the demo was written: no well-known login, no other district.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let (accounts, districts): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM districts)")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!((accounts, districts), (0, 1));
    sqlx::Connection::close(conn).await.unwrap();
}
