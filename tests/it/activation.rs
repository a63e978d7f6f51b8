//! New User with an activation key, keys and letters from the command line, and the
//! operator's account commands.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestDb, assert_fails_with, spawn_app_with, stderr, stdout};
use homeroom::config::ConfigInput;
use homeroom::domain::SourcedId;
use homeroom::store::KeyScope;

const CAPTCHA: &str = "HMRMM";

async fn app() -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, |c| ConfigInput {
        environment: Some("test".into()),
        test_captcha_answer: Some(CAPTCHA.into()),
        trusted_proxies: Some(vec!["127.0.0.1".into()]),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    app
}

async fn cedar(app: &TestApp) -> homeroom::domain::District {
    crate::harness::district(app, "cedar-valley").await
}

/// A fresh key for one person, straight from the service.
async fn key_for(app: &TestApp, sourced_id: &str) -> String {
    let district = cedar(app).await;
    let scope = KeyScope {
        person: Some(SourcedId::parse(sourced_id).unwrap()),
        regenerate: true,
        ..Default::default()
    };
    let issued = homeroom::services::activation::generate(&app.app, &district, &scope, "test")
        .await
        .unwrap();
    assert_eq!(issued.len(), 1, "{sourced_id} should be in scope");
    issued[0].key.grouped()
}

async fn activate(app: &TestApp, key: &str, username: &str, password: &str) -> (StatusCode, Value) {
    activate_from(app, "203.0.113.9", key, username, password, None).await
}

async fn activate_from(
    app: &TestApp,
    address: &str,
    key: &str,
    username: &str,
    password: &str,
    captcha: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut body = json!({"key": key, "username": username, "password": password});
    if let Some((id, answer)) = captcha {
        body["captcha"] = json!({"id": id, "answer": answer});
    }
    let response = app
        .client
        .post(app.url("/api/v1/districts/cedar-valley/activate"))
        .header("x-forwarded-for", address)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_guardian_key_makes_a_parent_account_and_a_student_key_a_student_one() {
    let app = app().await;
    let key = key_for(&app, "cv-g-james").await;
    let (status, body) = activate(
        &app,
        &key.to_lowercase().replace('-', " "),
        "james.okafor",
        "blue heron sunrise",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["kind"], "parent");
    assert_eq!(body["account"]["name"], "James Okafor");
    let token = body["token"].as_str().unwrap();
    let me: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "james.okafor");

    let key = key_for(&app, "cv-s-amara").await;
    let (status, body) = activate(&app, &key, "amara.o", "violet canyon river").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["kind"], "student");
    // The new accounts log in on their portals.
    let login = |portal: &'static str, username: &'static str, password: &'static str| {
        app.client
            .post(app.url("/api/v1/districts/cedar-valley/login"))
            .json(&json!({"portal": portal, "username": username, "password": password}))
            .send()
    };
    assert_eq!(
        login("parent", "james.okafor", "blue heron sunrise")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        login("student", "amara.o", "violet canyon river")
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn a_key_works_once_and_unknown_used_expired_and_replaced_keys_are_told_apart_as_promised() {
    let app = app().await;
    let key = key_for(&app, "cv-g-james").await;
    assert_eq!(
        activate(&app, &key, "james.okafor", "blue heron sunrise")
            .await
            .0,
        200
    );
    let used = activate(&app, &key, "james.two", "blue heron sunrise").await;
    let unknown = activate(
        &app,
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        "james.three",
        "blue heron sunrise",
    )
    .await;
    let malformed = activate(&app, "not a key", "james.four", "blue heron sunrise").await;
    assert_eq!(used.0, 400);
    assert_eq!(used.1["error"], "invalid_key");
    assert_eq!(
        used, unknown,
        "a used key and an unknown one get one answer"
    );
    assert_eq!(used, malformed);

    let old = key_for(&app, "cv-s-amara").await;
    let new = key_for(&app, "cv-s-amara").await;
    let (_, body) = activate(&app, &old, "amara.o", "violet canyon river").await;
    assert_eq!(
        body["error"], "invalid_key",
        "a regenerated key replaces the old one"
    );

    app.app.clock.advance(91 * 86_400);
    let (status, body) = activate(&app, &new, "amara.o", "violet canyon river").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("expired_key"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Contact your school district")
    );
    app.stop().await;
}

#[tokio::test]
async fn nothing_is_half_made_and_the_key_stays_valid_after_a_refusal() {
    let app = app().await;
    let key = key_for(&app, "cv-s-daniel").await;
    let (status, body) = activate(&app, &key, "sofia.alvarez", "golden maple trail").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (409, Some("username_taken"))
    );
    let (status, body) = activate(&app, &key, "daniel.o", "password1").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("weak_password"))
    );
    let (status, body) = activate(&app, &key, "a b", "golden maple trail").await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, body) = activate(&app, &key, "daniel.o", "golden maple trail").await;
    assert_eq!(status, 200, "the key still works: {body}");
    app.stop().await;
}

#[tokio::test]
async fn two_simultaneous_activations_with_one_key_make_exactly_one_account() {
    let app = app().await;
    let key = key_for(&app, "cv-g-james").await;
    let (a, b) = tokio::join!(
        activate_from(
            &app,
            "203.0.113.20",
            &key,
            "james.first",
            "blue heron sunrise",
            None
        ),
        activate_from(
            &app,
            "203.0.113.21",
            &key,
            "james.second",
            "blue heron sunrise",
            None
        ),
    );
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "{a:?} {b:?}");
    let loser = if a.0 == 200 { &b.1 } else { &a.1 };
    assert_eq!(loser["error"], "invalid_key");
    let district = cedar(&app).await;
    let first = app
        .app
        .store
        .account_for_login(district.id, "james.first")
        .await
        .unwrap();
    let second = app
        .app
        .store
        .account_for_login(district.id, "james.second")
        .await
        .unwrap();
    assert_eq!(first.is_some() as u8 + second.is_some() as u8, 1);
    app.stop().await;
}

#[tokio::test]
async fn wrong_keys_from_one_address_bring_the_captcha() {
    let app = app().await;
    app.cli(&[
        "district",
        "set",
        "cedar-valley",
        "captcha_after_address_failures",
        "3",
    ])
    .await;
    for _ in 0..3 {
        let (_, body) = activate_from(
            &app,
            "198.51.100.50",
            "AAAA-AAAA-AAAA-AAAA-AAAA",
            "x.y.z",
            "some long phrase",
            None,
        )
        .await;
        assert_eq!(body["error"], "invalid_key");
    }
    let key = key_for(&app, "cv-g-james").await;
    let (_, body) = activate_from(
        &app,
        "198.51.100.50",
        &key,
        "james.okafor",
        "blue heron sunrise",
        None,
    )
    .await;
    assert_eq!(body["error"], "captcha_required");
    let id = body["captcha"]["id"].as_str().unwrap();
    let (status, body) = activate_from(
        &app,
        "198.51.100.50",
        &key,
        "james.okafor",
        "blue heron sunrise",
        Some((id, CAPTCHA)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn new_user_on_the_web_from_the_login_page_to_home() {
    let app = app().await;
    let (_, login_page) = app.get_text("/d/cedar-valley/parent").await;
    assert!(login_page.contains(r#"<a href="/d/cedar-valley/activate">New User</a>"#));
    let (_, page) = app.get_text("/d/cedar-valley/activate").await;
    assert!(page.contains(r#"<label for="key">Activation Key</label>"#));

    let key = key_for(&app, "cv-g-james").await;
    let step_two = app
        .client
        .post(app.url("/d/cedar-valley/activate"))
        .form(&[("key", key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(step_two.status(), 200);
    let page = step_two.text().await.unwrap();
    assert!(
        page.contains("This key is for <strong>James Okafor</strong>"),
        "{page}"
    );
    assert!(page.contains(r#"<label for="username">Username</label>"#));

    let taken = app
        .client
        .post(app.url("/d/cedar-valley/activate/account"))
        .form(&[
            ("key", key.as_str()),
            ("username", "maria.alvarez"),
            ("password", "blue heron sunrise"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);
    let page = taken.text().await.unwrap();
    assert!(page.contains(
        r#"<p class="error" id="username-error">That username is taken. Choose another.</p>"#
    ));

    let done = app
        .client
        .post(app.url("/d/cedar-valley/activate/account"))
        .form(&[
            ("key", key.as_str()),
            ("username", "james.okafor"),
            ("password", "blue heron sunrise"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/d/cedar-valley/home");
    let (status, home) = app.get_text("/d/cedar-valley/home").await;
    assert_eq!(status, 200);
    assert!(home.contains("Welcome, James Okafor"));

    let wrong = app
        .client
        .post(app.url("/d/cedar-valley/activate"))
        .form(&[("key", "AAAA-AAAA-AAAA-AAAA-AAAA")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("This activation key is not valid.")
    );
    app.stop().await;
}

#[tokio::test]
async fn keys_csv_and_letters_hold_exactly_the_people_in_scope() {
    let app = app().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("keys.csv");
    let letters = dir.path().join("letters.html");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "keys",
            "generate",
            "--district",
            "cedar-valley",
            "--out",
            csv.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let call = |args: Vec<String>| {
        let url = app.db.url.clone();
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            crate::harness::run_cli(&url, &refs).await
        }
    };
    let read = || {
        let mut reader = csv::Reader::from_path(&csv).unwrap();
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let ids = |rows: &[Vec<String>]| rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>();

    // Everyone without an account: Maria, Sofia and Mateo have theirs from the demo.
    let out = call(run(&[
        "--role",
        "student",
        "--letters",
        letters.to_str().unwrap(),
    ]))
    .await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out).trim(),
        format!("2 keys written to {}", csv.display())
    );
    let rows = read();
    assert_eq!(ids(&rows), ["cv-s-amara", "cv-s-daniel"]);
    let header: Vec<String> = csv::Reader::from_path(&csv)
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        ["sourcedId", "name", "role", "school", "key", "expires"]
    );
    assert_eq!(rows[0][1], "Amara Okafor");
    assert_eq!(rows[0][3], "Cedar Valley High School");
    assert_eq!(rows[0][4].len(), 24, "grouped key: {}", rows[0][4]);
    let html = std::fs::read_to_string(&letters).unwrap();
    assert_eq!(html.matches(r#"<section class="letter">"#).count(), 2);
    assert!(html.contains(&rows[1][4]) && html.contains("Daniel Okafor"));
    assert!(html.contains("/d/cedar-valley/student"));
    assert!(html.contains("<strong>New User</strong>"));
    // A file opened from disk has no server to fetch a style sheet from: it carries its own.
    assert!(html.contains("<style>") && html.contains(".key {"));

    // Those two now hold live keys; the guardian is next. A school scope reaches guardians
    // through their children.
    let out = call(run(&["--school", "cv-elem"])).await;
    assert!(out.status.success());
    assert_eq!(ids(&read()), ["cv-g-james"]);
    assert_eq!(read()[0][3], "Cedar Valley Elementary School");
    let out = call(run(&[])).await;
    assert_eq!(
        stdout(&out).trim(),
        format!("0 keys written to {}", csv.display())
    );
    let out = call(run(&["--regenerate", "--person", "cv-s-daniel"])).await;
    assert!(out.status.success());
    assert_eq!(ids(&read()), ["cv-s-daniel"]);
    // Letters in Spanish; a language the portal does not speak is refused before any key.
    let out = call(run(&[
        "--regenerate",
        "--person",
        "cv-s-daniel",
        "--language",
        "es",
        "--letters",
        letters.to_str().unwrap(),
    ]))
    .await;
    assert!(out.status.success(), "{out:?}");
    let html = std::fs::read_to_string(&letters).unwrap();
    assert!(html.contains("<strong>Usuario nuevo</strong>"), "{html}");
    let key = read()[0][4].clone();
    let out = call(run(&[
        "--regenerate",
        "--person",
        "cv-s-daniel",
        "--language",
        "fr",
    ]))
    .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("en and es"), "{}", stderr(&out));
    assert_eq!(read()[0][4], key, "no new key for a refused command");

    // The keys in the file work.
    let (status, _) = activate(&app, &read()[0][4], "daniel.o", "golden maple trail").await;
    assert_eq!(status, 200);

    let out = call(run(&["--role", "staff"])).await;
    assert!(!out.status.success());
    let bad_dir = vec![
        "keys".to_owned(),
        "generate".into(),
        "--district".into(),
        "cedar-valley".into(),
        "--out".into(),
        "/no/such/dir/keys.csv".into(),
    ];
    assert_fails_with(&call(bad_dir).await, "cannot write /no/such/dir/keys.csv");
    app.stop().await;
}

#[tokio::test]
async fn the_operator_resets_disables_and_enables_accounts() {
    let app = app().await;
    let (_, body) =
        crate::login::login_for_tests(&app, "parent", "maria.alvarez", "maple river lantern").await;
    let old_token = body["token"].as_str().unwrap().to_owned();
    let me = |token: String| {
        let url = app.url("/api/v1/me");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };

    let out = app
        .cli(&[
            "account",
            "reset-password",
            "--district",
            "cedar-valley",
            "--username",
            "Maria.Alvarez",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    let printed = stdout(&out);
    let temporary = printed
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(temporary.len(), 19, "{printed}");
    assert_eq!(
        me(old_token.clone()).await,
        401,
        "a reset ends every session"
    );
    let (status, body) =
        crate::login::login_for_tests(&app, "parent", "maria.alvarez", &temporary).await;
    assert_eq!(status, 200);
    assert_eq!(body["account"]["must_change_password"], true);
    let token = body["token"].as_str().unwrap().to_owned();

    let out = app
        .cli(&[
            "account",
            "disable",
            "--district",
            "cedar-valley",
            "--username",
            "maria.alvarez",
        ])
        .await;
    assert!(out.status.success());
    assert_eq!(me(token).await, 401, "disabling ends the tokens");
    let (status, body) =
        crate::login::login_for_tests(&app, "parent", "maria.alvarez", &temporary).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_credentials"))
    );

    let out = app
        .cli(&[
            "account",
            "enable",
            "--district",
            "cedar-valley",
            "--username",
            "maria.alvarez",
        ])
        .await;
    assert!(out.status.success());
    let (status, _) =
        crate::login::login_for_tests(&app, "parent", "maria.alvarez", &temporary).await;
    assert_eq!(status, 200);

    assert_fails_with(
        &app.cli(&[
            "account",
            "disable",
            "--district",
            "cedar-valley",
            "--username",
            "nobody",
        ])
        .await,
        "cedar-valley has no account \"nobody\"",
    );
    let audit = app
        .app
        .store
        .audit_entries(cedar(&app).await.id, 100)
        .await
        .unwrap();
    for action in [
        "account.password_reset",
        "account.disabled",
        "account.enabled",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.actor == "operator"),
            "{action}"
        );
    }
    app.stop().await;
}

/// Turns a person's `active` flag, as an import does for people its files no longer list.
async fn set_person_active(app: &TestApp, sourced_id: &str, active: bool) {
    use sqlx::Connection;
    let district = cedar(app).await;
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    let done =
        sqlx::query("UPDATE people SET active = $1 WHERE district_id = $2 AND sourced_id = $3")
            .bind(active)
            .bind(district.id.0)
            .bind(sourced_id.to_owned())
            .execute(&mut conn)
            .await
            .unwrap();
    assert_eq!(done.rows_affected(), 1);
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_key_of_a_deactivated_person_answers_like_an_unknown_key() {
    let app = app().await;
    let key = key_for(&app, "cv-g-james").await;
    set_person_active(&app, "cv-g-james", false).await;
    let deactivated = activate(&app, &key, "james.okafor", "blue heron sunrise").await;
    let unknown = activate(
        &app,
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        "james.okafor",
        "blue heron sunrise",
    )
    .await;
    assert_eq!(deactivated.0, 400);
    assert_eq!(deactivated.1["error"], "invalid_key");
    assert_eq!(deactivated, unknown, "one answer for both");

    // The first step of the web journey does not name the person either.
    let response = app
        .client
        .post(app.url("/d/cedar-valley/activate"))
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[("key", key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(!response.text().await.unwrap().contains("James Okafor"));

    // Back in the rosters, the same key works again.
    set_person_active(&app, "cv-g-james", true).await;
    let (status, body) = activate(&app, &key, "james.okafor", "blue heron sunrise").await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

/// The value of the hidden `captcha_id` field on a page, if it has one.
fn captcha_id(page: &str) -> Option<String> {
    let marker = r#"name="captcha_id" value=""#;
    let start = page.find(marker)? + marker.len();
    Some(page[start..].split('"').next()?.to_owned())
}

#[tokio::test]
async fn new_user_on_the_web_carries_the_captcha_into_the_account_step() {
    let app = app().await;
    app.cli(&[
        "district",
        "set",
        "cedar-valley",
        "captcha_after_address_failures",
        "3",
    ])
    .await;
    let address = "198.51.100.60";
    for _ in 0..3 {
        let (_, body) = activate_from(
            &app,
            address,
            "AAAA-AAAA-AAAA-AAAA-AAAA",
            "x.y.z",
            "some long phrase",
            None,
        )
        .await;
        assert_eq!(body["error"], "invalid_key");
    }
    let key = key_for(&app, "cv-g-james").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let request = app
            .client
            .post(app.url(path))
            .header("x-forwarded-for", address)
            .form(&form);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };

    // Step one asks for the CAPTCHA, and with it solved leads to step two, which asks again.
    let (status, page) = post("/d/cedar-valley/activate", vec![("key", key.clone())]).await;
    assert_eq!(status, 401);
    let id = captcha_id(&page).expect("step one shows a CAPTCHA");
    let (status, page) = post(
        "/d/cedar-valley/activate",
        vec![
            ("key", key.clone()),
            ("captcha_id", id),
            ("captcha_answer", CAPTCHA.to_owned()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("This key is for <strong>James Okafor</strong>"));
    let id = captcha_id(&page).expect("step two carries a CAPTCHA");
    assert!(page.contains(r#"action="/d/cedar-valley/activate/account""#));

    // Without an answer, step two says so and stays step two.
    let (status, page) = post(
        "/d/cedar-valley/activate/account",
        vec![
            ("key", key.clone()),
            ("username", "james.okafor".to_owned()),
            ("password", "blue heron sunrise".to_owned()),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert!(page.contains("Type the letters in the picture"), "{page}");
    assert!(page.contains(r#"<label for="username">Username</label>"#));
    assert!(!page.contains(r#"<label for="key">Activation Key</label>"#));
    let fresh = captcha_id(&page).expect("with a fresh CAPTCHA");
    assert_ne!(fresh, id);

    // A taken username is shown on step two, with whose key it is and a CAPTCHA for the
    // next try.
    let (status, page) = post(
        "/d/cedar-valley/activate/account",
        vec![
            ("key", key.clone()),
            ("username", "maria.alvarez".to_owned()),
            ("password", "blue heron sunrise".to_owned()),
            ("captcha_id", fresh),
            ("captcha_answer", CAPTCHA.to_owned()),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains(
        r#"<p class="error" id="username-error">That username is taken. Choose another.</p>"#
    ));
    assert!(page.contains("This key is for <strong>James Okafor</strong>"));
    let next = captcha_id(&page).expect("a CAPTCHA for the next try");

    let response = app
        .client
        .post(app.url("/d/cedar-valley/activate/account"))
        .header("x-forwarded-for", address)
        .form(&[
            ("key", key.as_str()),
            ("username", "james.okafor"),
            ("password", "blue heron sunrise"),
            ("captcha_id", next.as_str()),
            ("captcha_answer", CAPTCHA),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/d/cedar-valley/home");
    app.stop().await;
}
