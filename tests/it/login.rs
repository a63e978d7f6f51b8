//! Log In: accounts, passwords, sessions and tokens, CAPTCHA and lockout, through the API and
//! the pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestDb, spawn_app_with};
use homeroom::config::ConfigInput;

/// Every CAPTCHA picture in these tests shows this.
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

async fn login(
    app: &TestApp,
    portal: &str,
    username: &str,
    password: &str,
    captcha: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    login_from(app, "203.0.113.1", portal, username, password, captcha).await
}

/// A login from another test module.
pub async fn login_for_tests(
    app: &TestApp,
    portal: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value) {
    login(app, portal, username, password, None).await
}

async fn login_from(
    app: &TestApp,
    address: &str,
    portal: &str,
    username: &str,
    password: &str,
    captcha: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut body = json!({"portal": portal, "username": username, "password": password});
    if let Some((id, answer)) = captcha {
        body["captcha"] = json!({"id": id, "answer": answer});
    }
    let response = app
        .client
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .header("x-forwarded-for", address)
        .header("user-agent", "HomeroomTest/1.0")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn get_with(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn cedar(app: &TestApp) -> homeroom::domain::District {
    crate::harness::district(app, "cedar-valley").await
}

#[tokio::test]
async fn a_parent_logs_in_by_api_and_sees_their_account() {
    let app = app().await;
    let (status, body) = login(
        &app,
        "parent",
        " Maria.Alvarez ",
        "maple river lantern",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap();
    assert!(token.len() >= 43);
    assert_eq!(body["account"]["username"], "maria.alvarez");
    assert_eq!(body["account"]["kind"], "parent");
    assert_eq!(body["account"]["name"], "Maria Alvarez");
    assert_eq!(body["account"]["district"]["slug"], "cedar-valley");
    let now = app.app.clock.unix();
    let expires = body["expires_at"].as_i64().unwrap();
    assert!(
        (now + 30 * 86_400 - 5..=now + 30 * 86_400 + 5).contains(&expires),
        "30 days"
    );

    let (status, me) = get_with(&app, "/api/v1/me", token).await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "maria.alvarez");

    // Only a hash of the token is stored.
    let store = &app.app.store;
    let audit = store.audit_entries(cedar(&app).await.id, 50).await.unwrap();
    let entry = audit
        .iter()
        .find(|e| e.action == "login.succeeded")
        .unwrap();
    assert_eq!(entry.address.as_deref(), Some("203.0.113.1"));
    assert_eq!(entry.user_agent.as_deref(), Some("HomeroomTest/1.0"));
    assert!(entry.account.is_some());
    app.stop().await;
}

#[tokio::test]
async fn unknown_usernames_wrong_passwords_and_disabled_accounts_look_alike() {
    let app = app().await;
    let unknown = login(&app, "parent", "nobody.here", "maple river lantern", None).await;
    let wrong = login_from(
        &app,
        "203.0.113.2",
        "parent",
        "maria.alvarez",
        "wrong password",
        None,
    )
    .await;
    let district = cedar(&app).await;
    let (account, _) = app
        .app
        .store
        .account_for_login(district.id, "maria.alvarez")
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.app.store.begin().await.unwrap();
    tx.set_account_active(&account, false, 0).await.unwrap();
    tx.commit().await.unwrap();
    let disabled = login_from(
        &app,
        "203.0.113.3",
        "parent",
        "maria.alvarez",
        "maple river lantern",
        None,
    )
    .await;
    assert_eq!(unknown.0, 401);
    assert_eq!(unknown, wrong);
    assert_eq!(unknown, disabled);
    assert_eq!(unknown.1["error"], "invalid_credentials");

    let audit = app.app.store.audit_entries(district.id, 50).await.unwrap();
    let reasons: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "login.failed")
        .map(|e| e.detail.as_deref().unwrap())
        .collect();
    assert_eq!(reasons, ["disabled", "wrong_password", "unknown_username"]);
    app.stop().await;
}

#[tokio::test]
async fn the_wrong_portal_names_the_right_one_and_does_not_log_in() {
    let app = app().await;
    let (status, body) = login(
        &app,
        "student",
        "maria.alvarez",
        "maple river lantern",
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "wrong_portal");
    assert_eq!(body["portal"], "parent");
    assert!(body["message"].as_str().unwrap().contains("Parent Portal"));
    assert!(body.get("token").is_none());
    let (status, body) = login(&app, "parent", "sofia.alvarez", "orange kite meadow", None).await;
    assert_eq!(
        (status.as_u16(), body["portal"].as_str()),
        (403, Some("student"))
    );
    let (status, _) = login(&app, "student", "sofia.alvarez", "orange kite meadow", None).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn after_three_failures_the_captcha_is_needed_and_checked_before_the_password() {
    let app = app().await;
    for _ in 0..3 {
        let (status, body) = login(&app, "parent", "maria.alvarez", "not it", None).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    // The right password alone is no longer enough.
    let (status, body) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("captcha_required"))
    );
    let challenge = &body["captcha"];
    assert!(
        challenge["image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_eq!(challenge["pow"]["algorithm"], "SHA-256");
    let id = challenge["id"].as_str().unwrap().to_owned();

    // A wrong answer uses the challenge up and brings a new one; the password is not tried.
    let (status, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "maple river lantern",
        Some((&id, "WRONG")),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("captcha_invalid"))
    );
    let next = body["captcha"]["id"].as_str().unwrap().to_owned();
    assert_ne!(next, id);
    let (_, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "maple river lantern",
        Some((&id, CAPTCHA)),
    )
    .await;
    assert_eq!(
        body["error"], "captcha_invalid",
        "a used challenge is refused"
    );

    // The right answer with a wrong password is still a wrong password.
    let (_, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "still not it",
        Some((&next, "hmr mm")),
    )
    .await;
    assert_eq!(body["error"], "invalid_credentials");

    // The right answer (any case) and the right password log in, and clear the count.
    let (_, body) = login(&app, "parent", "maria.alvarez", "x", None).await;
    let id = body["captcha"]["id"].as_str().unwrap().to_owned();
    let (status, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "maple river lantern",
        Some((&id, "hmrmm")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(status, 200, "no CAPTCHA after a success");

    let audit = app
        .app
        .store
        .audit_entries(cedar(&app).await.id, 100)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "captcha.shown"));
    assert!(audit.iter().any(|e| e.action == "captcha.failed"));
    app.stop().await;
}

#[tokio::test]
async fn the_proof_of_work_solves_the_captcha_too() {
    let app = app().await;
    let (status, challenge) = app.get_json("/api/v1/districts/cedar-valley/captcha").await;
    assert_eq!(status, 200);
    let salt = challenge["pow"]["salt"].as_str().unwrap();
    let target = challenge["pow"]["challenge"].as_str().unwrap();
    let max = challenge["pow"]["maxnumber"].as_u64().unwrap();
    // The puzzle is meant to cost something: ALTCHA's default, a million numbers.
    assert!(max >= 1_000_000, "{max}");
    let number = (0..=max)
        .find(|n| homeroom::secrets::sha256_hex(format!("{salt}{n}").as_bytes()) == target)
        .expect("the puzzle has a solution");
    for _ in 0..3 {
        login(&app, "parent", "maria.alvarez", "nope", None).await;
    }
    let id = challenge["id"].as_str().unwrap();
    let (status, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "maple river lantern",
        Some((id, &number.to_string())),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

/// Fails `n` times for a username, answering the CAPTCHA whenever it is asked for.
async fn fail_times(app: &TestApp, username: &str, n: usize) -> (StatusCode, Value) {
    let mut last = (StatusCode::OK, Value::Null);
    let mut captcha: Option<String> = None;
    let mut done = 0;
    while done < n {
        let answer = captcha.as_deref().map(|id| (id, CAPTCHA));
        last = login(app, "parent", username, "wrong guess", answer).await;
        match last.1["error"].as_str() {
            Some("captcha_required") | Some("captcha_invalid") => {
                captcha = Some(last.1["captcha"]["id"].as_str().unwrap().to_owned());
            }
            Some("invalid_credentials") => {
                done += 1;
                captcha = None;
            }
            _ => return last,
        }
    }
    last
}

async fn fresh_captcha(app: &TestApp) -> String {
    app.get_json("/api/v1/districts/cedar-valley/captcha")
        .await
        .1["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn thirteen_failures_lock_the_username_with_growing_waits_and_the_lock_ends() {
    let app = app().await;
    let (_, body) = fail_times(&app, "maria.alvarez", 13).await;
    assert_eq!(body["error"], "invalid_credentials");

    // Locked: even the right password and CAPTCHA are refused, and the wait is said.
    let id = fresh_captcha(&app).await;
    let response = app
        .client
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&json!({"portal": "parent", "username": "maria.alvarez", "password": "maple river lantern", "captcha": {"id": id, "answer": CAPTCHA}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_header: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "locked");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("can log in again after") && message.contains("(E"),
        "in the district's time: {message}"
    );
    let retry = body["retry_after"].as_u64().unwrap();
    assert!((55..=60).contains(&retry), "{retry}");
    assert_eq!(retry, retry_header);

    // Another username is not affected; unknown usernames are throttled alike.
    let (status, _) = login(&app, "student", "sofia.alvarez", "orange kite meadow", None).await;
    assert_eq!(status, 200);

    // A minute later it may try again; the next failure locks for two minutes.
    app.app.clock.advance(61);
    let id = fresh_captcha(&app).await;
    let (_, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "wrong again",
        Some((&id, CAPTCHA)),
    )
    .await;
    assert_eq!(body["error"], "invalid_credentials");
    let (status, body) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(status, 429);
    assert!(
        (115..=120).contains(&body["retry_after"].as_u64().unwrap()),
        "{body}"
    );

    app.app.clock.advance(121);
    let id = fresh_captcha(&app).await;
    let (status, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "maple river lantern",
        Some((&id, CAPTCHA)),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let audit = app
        .app
        .store
        .audit_entries(cedar(&app).await.id, 500)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "login.locked"));
    app.stop().await;
}

#[tokio::test]
async fn unknown_usernames_are_locked_exactly_like_known_ones() {
    let app = app().await;
    fail_times(&app, "no.such.person", 13).await;
    let (status, body) = login(&app, "parent", "no.such.person", "anything", None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (429, Some("locked"))
    );
    app.stop().await;
}

#[tokio::test]
async fn an_address_is_asked_for_captchas_but_never_locked() {
    let app = app().await;
    app.cli(&[
        "district",
        "set",
        "cedar-valley",
        "captcha_after_address_failures",
        "5",
    ])
    .await;
    for i in 0..5 {
        let (_, body) = login_from(
            &app,
            "198.51.100.7",
            "parent",
            &format!("user{i}"),
            "x",
            None,
        )
        .await;
        assert_eq!(body["error"], "invalid_credentials");
    }
    // A username with no failures, from that address, needs the CAPTCHA.
    let (_, body) = login_from(
        &app,
        "198.51.100.7",
        "student",
        "sofia.alvarez",
        "orange kite meadow",
        None,
    )
    .await;
    assert_eq!(body["error"], "captcha_required");
    // From another address it does not.
    let (status, _) = login_from(
        &app,
        "198.51.100.8",
        "student",
        "sofia.alvarez",
        "orange kite meadow",
        None,
    )
    .await;
    assert_eq!(status, 200);
    // Many more failures from the address still never lock it out.
    for i in 0..20 {
        let id = fresh_captcha(&app).await;
        login_from(
            &app,
            "198.51.100.7",
            "parent",
            &format!("other{i}"),
            "x",
            Some((&id, CAPTCHA)),
        )
        .await;
    }
    let id = fresh_captcha(&app).await;
    let (status, body) = login_from(
        &app,
        "198.51.100.7",
        "student",
        "sofia.alvarez",
        "orange kite meadow",
        Some((&id, CAPTCHA)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn tokens_are_listed_revoked_and_refused_after_logout() {
    let app = app().await;
    let mut tokens = Vec::new();
    for device in ["Maria's phone", "Maria's tablet"] {
        let response = app
            .client
            .post(app.url("/api/v1/districts/cedar-valley/login"))
            .json(&json!({"portal": "parent", "username": "maria.alvarez", "password": "maple river lantern",
                          "device": {"id": device, "name": device, "platform": "ios"}}))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    assert_ne!(tokens[0], tokens[1]);
    let (status, list) = get_with(&app, "/api/v1/me/sessions", &tokens[0]).await;
    assert_eq!(status, 200);
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["kind"], "app");
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["device_name"], "Maria's tablet");

    // Revoke the tablet's token from the phone.
    let response = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/me/sessions/{}", other["id"])))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, body) = get_with(&app, "/api/v1/me", &tokens[1]).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("unauthorized"))
    );

    // Someone else's session cannot be revoked: it does not exist for them.
    let (_, sofia) = login(&app, "student", "sofia.alvarez", "orange kite meadow", None).await;
    let (_, list) = get_with(
        &app,
        "/api/v1/me/sessions",
        sofia["token"].as_str().unwrap(),
    )
    .await;
    let sofia_session = list["sessions"][0]["id"].as_i64().unwrap();
    let response = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/me/sessions/{sofia_session}")))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // Log out: the token is refused from then on.
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/logout"))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let (status, _) = get_with(&app, "/api/v1/me", &tokens[0]).await;
    assert_eq!(status, 401);
    let (status, _) = get_with(&app, "/api/v1/me", "not-a-token").await;
    assert_eq!(status, 401);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = app().await;
    let (_, a) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    let (_, b) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    let (a, b) = (a["token"].as_str().unwrap(), b["token"].as_str().unwrap());
    let change = |token: &str, current: &str, new: &str| {
        reqwest::Client::new()
            .put(app.url("/api/v1/me/password"))
            .bearer_auth(token)
            .json(&json!({"current": current, "new": new}))
            .send()
    };
    let weak = change(a, "maple river lantern", "password1").await.unwrap();
    assert_eq!(weak.status(), 400);
    assert_eq!(
        weak.json::<Value>().await.unwrap()["error"],
        "weak_password"
    );
    let short = change(a, "maple river lantern", "short").await.unwrap();
    assert_eq!(
        short.json::<Value>().await.unwrap()["error"],
        "weak_password"
    );
    let wrong = change(a, "not my password", "a brand new passphrase")
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        get_with(&app, "/api/v1/me", b).await.0,
        200,
        "failed attempts end nothing"
    );

    let done = change(a, "maple river lantern", "a brand new passphrase")
        .await
        .unwrap();
    assert_eq!(done.status(), 204);
    assert_eq!(
        get_with(&app, "/api/v1/me", a).await.0,
        200,
        "the current session stays"
    );
    assert_eq!(
        get_with(&app, "/api/v1/me", b).await.0,
        401,
        "the other one ends"
    );
    let (status, _) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(status, 401);
    let (status, _) = login(
        &app,
        "parent",
        "maria.alvarez",
        "a brand new passphrase",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let audit = app
        .app
        .store
        .audit_entries(cedar(&app).await.id, 100)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "password.changed"));
    app.stop().await;
}

#[tokio::test]
async fn a_must_change_password_account_changes_it_before_anything_else() {
    let app = app().await;
    let district = cedar(&app).await;
    let (account, _) = app
        .app
        .store
        .account_for_login(district.id, "maria.alvarez")
        .await
        .unwrap()
        .unwrap();
    let hash = app
        .app
        .passwords
        .hash("temporary password 1")
        .await
        .unwrap();
    let mut tx = app.app.store.begin().await.unwrap();
    tx.set_password(&account, &hash, true, 0).await.unwrap();
    tx.commit().await.unwrap();

    let (status, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "temporary password 1",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["account"]["must_change_password"], true);
    let token = body["token"].as_str().unwrap();
    let (status, body) = get_with(&app, "/api/v1/me/sessions", token).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (403, Some("password_change_required"))
    );
    assert_eq!(get_with(&app, "/api/v1/me", token).await.0, 200);

    // On the web, login leads to Change Password, and every page leads back there.
    let response = app
        .client
        .post(app.url("/d/cedar-valley/parent"))
        .form(&[
            ("username", "maria.alvarez"),
            ("password", "temporary password 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/d/cedar-valley/password");
    let home = app.get("/d/cedar-valley/home").await;
    assert_eq!(home.headers()["location"], "/d/cedar-valley/password");
    let (_, page) = app.get_text("/d/cedar-valley/password").await;
    assert!(page.contains("Choose a new password before you continue."));
    let response = app
        .client
        .post(app.url("/d/cedar-valley/password"))
        .form(&[
            ("current", "temporary password 1"),
            ("new", "my own good passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your password was changed.")
    );
    assert_eq!(app.get("/d/cedar-valley/home").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn web_login_sets_a_safe_cookie_with_a_new_id_each_time_and_logs_out() {
    let app = app().await;
    let (status, page) = app.get_text("/d/cedar-valley/parent").await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"<label for="username">Username</label>"#));

    let post_login = || {
        app.client
            .post(app.url("/d/cedar-valley/parent"))
            .form(&[
                ("username", "maria.alvarez"),
                ("password", "maple river lantern"),
            ])
            .send()
    };
    let first = post_login().await.unwrap();
    assert_eq!(first.status(), 303);
    assert_eq!(first.headers()["location"], "/d/cedar-valley/home");
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("homeroom_session="));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http in tests");
    let first_id = cookie.split(';').next().unwrap().to_owned();

    let (status, home) = app.get_text("/d/cedar-valley/home").await;
    assert_eq!(status, 200);
    assert!(home.contains("Welcome, Maria Alvarez"));
    assert!(home.contains(r#"<button type="submit" class="secondary">Log Out</button>"#));

    let second = post_login().await.unwrap();
    let second_id = second.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(first_id, second_id, "a new session id at every login");
    let old_token = first_id.trim_start_matches("homeroom_session=");
    assert_eq!(
        get_with(&app, "/api/v1/me", old_token).await.0,
        401,
        "the old session ended"
    );

    let (status, settings) = app.get_text("/d/cedar-valley/settings").await;
    assert_eq!(status, 200);
    assert!(settings.contains("(this device)"));

    let out = app
        .client
        .post(app.url("/d/cedar-valley/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/d/cedar-valley/parent");
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let home = app.get("/d/cedar-valley/home").await;
    assert_eq!(home.status(), 303, "logged out: back to the login page");
    let new_token = second_id.trim_start_matches("homeroom_session=");
    assert_eq!(get_with(&app, "/api/v1/me", new_token).await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn the_login_page_says_what_went_wrong_and_shows_the_captcha() {
    let app = app().await;
    let post = |password: &'static str| {
        app.client
            .post(app.url("/d/cedar-valley/student"))
            .form(&[("username", "maria.alvarez"), ("password", password)])
            .send()
    };
    let response = post("maple river lantern").await.unwrap();
    assert_eq!(response.status(), 403);
    let page = response.text().await.unwrap();
    assert!(page.contains("This is a parent account."), "{page}");
    assert!(page.contains(r#"<a href="/d/cedar-valley/parent">Go to the Parent Portal</a>"#));

    for _ in 0..2 {
        let page = post("wrong").await.unwrap().text().await.unwrap();
        assert!(page.contains("The username or password is not correct."));
        assert!(!page.contains("Letters in the picture"));
    }
    let response = post("wrong").await.unwrap();
    assert_eq!(response.status(), 401);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Letters in the picture"),
        "the third failure brings the CAPTCHA"
    );
    assert!(page.contains(r#"<img src="data:image/png;base64,"#));
    assert!(
        page.contains(r#"value="maria.alvarez""#),
        "the username stays"
    );

    let empty = app
        .client
        .post(app.url("/d/cedar-valley/parent"))
        .form(&[("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("Fill in your username and password.")
    );
    app.stop().await;
}

#[tokio::test]
async fn web_sessions_end_after_thirty_idle_minutes_and_twelve_hours() {
    let app = app().await;
    let login = || {
        app.client
            .post(app.url("/d/cedar-valley/parent"))
            .form(&[
                ("username", "maria.alvarez"),
                ("password", "maple river lantern"),
            ])
            .send()
    };
    login().await.unwrap();
    app.app.clock.advance(29 * 60);
    assert_eq!(app.get("/d/cedar-valley/home").await.status(), 200);
    app.app.clock.advance(29 * 60);
    assert_eq!(
        app.get("/d/cedar-valley/home").await.status(),
        200,
        "activity keeps it alive"
    );
    app.app.clock.advance(31 * 60);
    assert_eq!(
        app.get("/d/cedar-valley/home").await.status(),
        303,
        "idle too long"
    );

    login().await.unwrap();
    // Sessions that ended by time are forgotten at the next login.
    let district = cedar(&app).await;
    let (account, _) = app
        .app
        .store
        .account_for_login(district.id, "maria.alvarez")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.app
            .store
            .sessions_of(district.id, account.id)
            .await
            .unwrap()
            .len(),
        1
    );
    for _ in 0..26 {
        app.app.clock.advance(29 * 60);
        app.get("/d/cedar-valley/home").await;
    }
    assert_eq!(
        app.get("/d/cedar-valley/home").await.status(),
        303,
        "over twelve hours"
    );

    // App tokens are not idle-limited but end after 30 days.
    let (_, body) =
        crate::login::login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    let token = body["token"].as_str().unwrap();
    app.app.clock.advance(20 * 86_400);
    assert_eq!(get_with(&app, "/api/v1/me", token).await.0, 200);
    app.app.clock.advance(11 * 86_400);
    assert_eq!(get_with(&app, "/api/v1/me", token).await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_login_post_is_refused() {
    let app = app().await;
    let response = app
        .client
        .post(app.url("/d/cedar-valley/parent"))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("username", "maria.alvarez"),
            ("password", "maple river lantern"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(!response.headers().contains_key("set-cookie"));
    app.stop().await;
}

#[tokio::test]
async fn old_hashes_are_upgraded_at_login() {
    use argon2::password_hash::PasswordHasher as _;
    let app = app().await;
    let district = cedar(&app).await;
    let (account, _) = app
        .app
        .store
        .account_for_login(district.id, "sofia.alvarez")
        .await
        .unwrap()
        .unwrap();
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    );
    let old = weak
        .hash_password(b"orange kite meadow")
        .unwrap()
        .to_string();
    let mut tx = app.app.store.begin().await.unwrap();
    tx.set_password(&account, &old, false, 0).await.unwrap();
    tx.commit().await.unwrap();
    let (status, _) = login(&app, "student", "sofia.alvarez", "orange kite meadow", None).await;
    assert_eq!(status, 200);
    let (_, stored) = app
        .app
        .store
        .account_for_login(district.id, "sofia.alvarez")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    app.stop().await;
}

#[tokio::test]
async fn login_in_a_district_under_maintenance_gives_its_message() {
    let app = app().await;
    app.cli(&[
        "district",
        "set",
        "cedar-valley",
        "maintenance",
        "Back at noon.",
    ])
    .await;
    let (status, body) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "district_unavailable");
    assert_eq!(body["message"], "Back at noon.");
    app.stop().await;
}

#[tokio::test]
async fn malformed_login_bodies_get_a_clear_400() {
    let app = app().await;
    for body in [
        r#"{"portal": "parent"}"#,
        r#"{"portal": "principal", "username": "a", "password": "b"}"#,
        "not json",
        r#"{"portal":"parent","username":"a","password":"b","extra":1}"#,
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/districts/cedar-valley/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["error"], "bad_request");
    }
    let response = app
        .client
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn admin_add_creates_staff_who_log_in_on_the_staff_page() {
    let app = app().await;
    let run = |username: &'static str, password: &'static str| {
        let url = app.db.url.clone();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let mut command = crate::harness::homeroom_command(dir.path());
            command
                .args([
                    "--database-url",
                    &url,
                    "admin",
                    "add",
                    "--district",
                    "cedar-valley",
                    "--username",
                    username,
                    "--password-stdin",
                ])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = command.spawn().unwrap();
            use tokio::io::AsyncWriteExt;
            let mut stdin = child.stdin.take().unwrap();
            stdin
                .write_all(format!("{password}\n").as_bytes())
                .await
                .unwrap();
            drop(stdin);
            child.wait_with_output().await.unwrap()
        }
    };
    let out = run("principal.jones", "bright autumn ledger").await;
    assert!(out.status.success(), "{out:?}");
    crate::harness::assert_fails_with(
        &run("Principal.Jones", "another fine phrase").await,
        "That username is taken",
    );
    crate::harness::assert_fails_with(
        &run("vice.principal", "short").await,
        "at least 8 characters",
    );
    crate::harness::assert_fails_with(
        &run("x", "bright autumn ledger").await,
        "3 to 64 characters",
    );

    let (status, body) = login(
        &app,
        "staff",
        "principal.jones",
        "bright autumn ledger",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["kind"], "staff");
    let (status, page) = app.get_text("/d/cedar-valley/staff").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Staff Console</h1>"));
    app.stop().await;
}

#[tokio::test]
async fn one_address_cannot_fill_the_table_with_captcha_challenges() {
    let app = app().await;
    let ask = |address: &'static str| {
        app.client
            .get(app.url("/api/v1/districts/cedar-valley/captcha"))
            .header("x-forwarded-for", address)
            .send()
    };
    for _ in 0..homeroom::services::captcha::MAX_LIVE_PER_ADDRESS {
        assert_eq!(ask("198.51.100.99").await.unwrap().status(), 200);
    }
    let refused = ask("198.51.100.99").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "120");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    assert_eq!(
        ask("198.51.100.100").await.unwrap().status(),
        200,
        "another address is not affected"
    );
    app.app.clock.advance(121);
    assert_eq!(
        ask("198.51.100.99").await.unwrap().status(),
        200,
        "challenges expire"
    );
    app.stop().await;
}

#[tokio::test]
async fn parallel_wrong_passwords_get_no_more_tries_than_one_after_another() {
    let app = app().await;
    let district = cedar(&app).await;
    let n = 12;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let request = app
                .client
                .post(app.url("/api/v1/districts/cedar-valley/login"))
                // Each from its own address, so that only the username's count matters.
                .header("x-forwarded-for", format!("203.0.113.{}", 100 + i))
                .json(
                    &json!({"portal": "parent", "username": "maria.alvarez", "password": "nope"}),
                );
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let body: Value = response.json().await.unwrap();
                body["error"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let tried = answers
        .iter()
        .filter(|a| *a == "invalid_credentials")
        .count();
    let stopped = answers.iter().filter(|a| *a == "captcha_required").count();
    assert_eq!(tried + stopped, n, "{answers:?}");
    // The rule is a CAPTCHA after three failures: no more than three passwords were tried
    // without one, however many came at once.
    assert!(tried <= 3, "{answers:?}");

    let since = app.app.clock.unix() - homeroom::domain::WINDOW_SECONDS;
    let stored = app
        .app
        .store
        .failures(
            district.id,
            homeroom::store::FailureScope::Username,
            "maria.alvarez",
            since,
        )
        .await
        .unwrap();
    assert_eq!(
        stored.count as usize, tried,
        "every tried password is counted"
    );
    for i in 0..n {
        let address = format!("203.0.113.{}", 100 + i);
        let by_address = app
            .app
            .store
            .failures(
                district.id,
                homeroom::store::FailureScope::Address,
                &address,
                since,
            )
            .await
            .unwrap();
        assert!(by_address.count <= 1);
    }
    // One after another, the rest of the three tries; then the CAPTCHA, as the rules say.
    for _ in tried..3 {
        let (status, body) = login(&app, "parent", "maria.alvarez", "nope", None).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    let (status, body) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("captcha_required"))
    );
    app.stop().await;
}

/// A family logs in from several devices at once, again and again: correct passwords still in
/// flight are not failures, so none of them meets a CAPTCHA.
#[tokio::test]
async fn correct_logins_from_several_devices_at_once_never_meet_a_captcha() {
    let app = app().await;
    for round in 0..5 {
        let mut logins = tokio::task::JoinSet::new();
        for device in 0..6 {
            let request = reqwest::Client::new()
                .post(app.url("/api/v1/districts/cedar-valley/login"))
                .header("x-forwarded-for", format!("198.51.100.{}", 10 + device))
                .json(&json!({"portal": "parent", "username": "maria.alvarez",
                              "password": "maple river lantern"}));
            logins.spawn(async move {
                let response = request.send().await.unwrap();
                (
                    response.status().as_u16(),
                    response.json::<Value>().await.unwrap(),
                )
            });
        }
        for (status, body) in logins.join_all().await {
            assert_eq!(status, 200, "round {round}: {body}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn wrong_current_passwords_lock_like_failed_logins() {
    let app = app().await;
    let (_, body) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    let token = body["token"].as_str().unwrap().to_owned();
    let change = |current: &str| {
        reqwest::Client::new()
            .put(app.url("/api/v1/me/password"))
            .bearer_auth(&token)
            .json(&json!({"current": current, "new": "a brand new passphrase"}))
            .send()
    };
    // Three failures bring the CAPTCHA at login and ten more the lock: thirteen in all.
    for i in 0..13 {
        let wrong = change("not my password").await.unwrap();
        assert_eq!(wrong.status(), 401, "try {i}");
    }
    let locked = change("maple river lantern").await.unwrap();
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    assert_eq!(locked.json::<Value>().await.unwrap()["error"], "locked");
    // It is the username's lock: logging in waits too.
    let (status, body) = login(&app, "parent", "maria.alvarez", "maple river lantern", None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (429, Some("locked"))
    );

    let audit = app
        .app
        .store
        .audit_entries(cedar(&app).await.id, 100)
        .await
        .unwrap();
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("password.change_failed"), 13);
    assert_eq!(count("password.change_refused_locked"), 1);
    assert!(count("login.locked") >= 1);

    // The lock ends, and the right password then changes it.
    app.app.clock.advance(61);
    let done = change("maple river lantern").await.unwrap();
    assert_eq!(done.status(), 204);
    app.stop().await;
}

#[tokio::test]
async fn control_characters_get_a_clear_client_error_never_a_500() {
    let app = app().await;
    // Logging in by API: in the username, the device, the CAPTCHA id.
    let (status, body) = login(&app, "parent", "maria\u{0}", "maple river lantern", None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("bad_request"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("control characters")
    );
    let response = app
        .client
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&json!({
            "portal": "parent", "username": "maria.alvarez", "password": "maple river lantern",
            "device": {"id": "a\u{0}b", "name": "Phone", "platform": "ios"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    for _ in 0..3 {
        login(&app, "parent", "maria.alvarez", "nope", None).await;
    }
    let (status, body) = login(
        &app,
        "parent",
        "maria.alvarez",
        "maple river lantern",
        Some(("\u{0}", CAPTCHA)),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("bad_request"))
    );

    // Logging in on the page.
    let response = app
        .client
        .post(app.url("/d/cedar-valley/parent"))
        .form(&[("username", "\u{0}"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("control characters")
    );

    // The district finder, on the page and by API.
    let (status, page) = app.get_text("/?q=%00").await;
    assert_eq!(status, 400);
    assert!(page.contains("control characters"));
    let (status, body) = app.get_json("/api/v1/districts?q=cedar%00").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));

    // Searching the staff console.
    let response = app
        .client
        .post(app.url("/d/cedar-valley/staff"))
        .form(&[
            ("username", "cv-admin"),
            ("password", "granite owl compass"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (status, page) = app.get_text("/d/cedar-valley/admin?q=%00").await;
    assert_eq!(status, 400);
    assert!(page.contains("control characters"));

    // Whatever slips past the edges: PostgreSQL's refusal of a NUL is bad input too.
    let district = cedar(&app).await;
    match app
        .app
        .store
        .failures(
            district.id,
            homeroom::store::FailureScope::Username,
            "a\u{0}b",
            0,
        )
        .await
    {
        Ok(_) => assert_eq!(app.app.store.backend(), homeroom::store::Backend::Sqlite),
        Err(err) => {
            assert!(
                matches!(err, homeroom::store::StoreError::InvalidInput(_)),
                "{err:?}"
            );
            let err = homeroom::services::Error::from(err);
            assert_eq!(err.code(), "bad_request");
        }
    }
    app.stop().await;
}
