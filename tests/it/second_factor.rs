//! Two-step verification: an authenticator app's codes (checked against oathtool, an
//! independent implementation of RFC 6238), each usable once; recovery codes, each usable
//! once; logins that never say whether the password was right until a code comes with them;
//! staff who must enroll before anything else; and the operator's reset.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, TestDb, login, spawn_app_with, stdout};

async fn app() -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    app
}

/// Whether oathtool is here (`.ci/run` installs Debian's `oathtool`); without it these tests
/// say so and pass, as the Web Push check does without its Python.
fn have_oathtool() -> bool {
    let found = std::process::Command::new("oathtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: no oathtool (apt-get install oathtool, or run .ci/run)");
    }
    found
}

/// The code for `secret` at the app's clock, as oathtool computes it.
fn oathtool(app: &TestApp, secret: &str) -> String {
    let at = format!("@{}", app.app.clock.unix());
    let out = std::process::Command::new("oathtool")
        .args(["--totp", "--base32", "-N", &at, secret])
        .output()
        .expect("oathtool (Debian's oathtool package) runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn try_login(
    app: &TestApp,
    username: &str,
    password: &str,
    factor: Option<Value>,
) -> (u16, Value) {
    let mut body = json!({"portal": "parent", "username": username, "password": password});
    if username.starts_with("cv-admin") {
        body["portal"] = json!("staff");
    }
    if let Some(factor) = factor {
        body["second_factor"] = factor;
    }
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The key the set-up page shows.
fn secret_on(page: &str) -> String {
    page.split("<code class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the page shows a key")
        .to_owned()
}

const MARIA: (&str, &str) = ("maria.alvarez", "maple river lantern");

#[tokio::test]
async fn a_parent_turns_on_an_authenticator_app_and_each_code_and_recovery_code_works_once() {
    if !have_oathtool() {
        return;
    }
    let app = app().await;
    let token = login(&app, "cedar-valley", "parent", MARIA.0, MARIA.1).await;
    let post = reqwest::Method::POST;

    let (status, setup) = call(
        &app,
        post.clone(),
        "/api/v1/me/second-factor/totp",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32, "160 bits in base 32");
    let uri = setup["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Cedar%20Valley"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");

    // A wrong code turns nothing on.
    let (status, body) = call(
        &app,
        post.clone(),
        "/api/v1/me/second-factor/totp/confirm",
        &token,
        Some(json!({"code": "000000"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = call(
        &app,
        post.clone(),
        "/api/v1/me/second-factor/totp/confirm",
        &token,
        Some(json!({"code": oathtool(&app, &secret)})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<String> = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let (_, me) = call(&app, reqwest::Method::GET, "/api/v1/me", &token, None).await;
    assert_eq!(me["second_factor"], true, "{me}");
    // Nothing to turn on twice.
    let (status, _) = call(
        &app,
        post.clone(),
        "/api/v1/me/second-factor/totp",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 409);

    // Without a code the answer is the same whatever the password.
    for password in [MARIA.1, "not the password"] {
        let (status, body) = try_login(&app, MARIA.0, password, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("second_factor_required")),
            "{body}"
        );
    }
    // The code used to confirm is spent: the next step's code logs in, once.
    let used = oathtool(&app, &secret);
    let (status, body) = try_login(&app, MARIA.0, MARIA.1, Some(json!({"totp": used}))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_second_factor")),
        "{body}"
    );
    app.app.clock.advance(30);
    let code = oathtool(&app, &secret);
    let (status, body) = try_login(
        &app,
        MARIA.0,
        "not the password",
        Some(json!({"totp": code})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_credentials")),
        "{body}"
    );
    // Three failures, one of them a spent code: a CAPTCHA now, as after wrong passwords.
    let (status, body) = try_login(&app, MARIA.0, MARIA.1, Some(json!({"totp": code}))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("captcha_required")),
        "{body}"
    );
    let more = app
        .cli(&[
            "district",
            "set",
            "cedar-valley",
            "captcha_after_failures",
            "50",
        ])
        .await;
    assert!(more.status.success(), "{more:?}");
    let (status, body) = try_login(&app, MARIA.0, MARIA.1, Some(json!({"totp": code}))).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = try_login(&app, MARIA.0, MARIA.1, Some(json!({"totp": code}))).await;
    assert_eq!(status, 401, "a code works once");

    // A recovery code, in any case and without its dash, works once.
    let recovery = codes[0].replace('-', "").to_lowercase();
    let (status, body) = try_login(
        &app,
        MARIA.0,
        MARIA.1,
        Some(json!({"recovery_code": recovery})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = try_login(
        &app,
        MARIA.0,
        MARIA.1,
        Some(json!({"recovery_code": codes[0]})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_second_factor")),
        "{body}"
    );
    // The login form takes either in one field.
    let web = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = web
        .post(app.url("/d/cedar-valley/parent"))
        .form(&[("username", MARIA.0), ("password", MARIA.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNAUTHORIZED);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("name=\"second_factor\""),
        "the form asks for the code"
    );
    let page = web
        .post(app.url("/d/cedar-valley/parent"))
        .form(&[
            ("username", MARIA.0),
            ("password", MARIA.1),
            ("second_factor", codes[1].as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);

    // Removing it takes the password and a code.
    let delete = reqwest::Method::DELETE;
    let (status, body) = call(
        &app,
        delete.clone(),
        "/api/v1/me/second-factor/totp",
        &token,
        Some(json!({"password": MARIA.1, "code": "123456"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_second_factor")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        delete.clone(),
        "/api/v1/me/second-factor/totp",
        &token,
        Some(json!({"password": "wrong", "code": codes[2]})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_credentials")),
        "{body}"
    );
    let (status, body) = call(
        &app,
        delete,
        "/api/v1/me/second-factor/totp",
        &token,
        Some(json!({"password": MARIA.1, "code": codes[2]})),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = try_login(&app, MARIA.0, MARIA.1, None).await;
    assert_eq!(status, 200, "the password alone again");

    // The account was told of each change, and each is on record.
    let (_, inbox) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/notifications",
        &token,
        None,
    )
    .await;
    let titles = inbox.to_string();
    assert!(titles.contains("Two-step verification is on"), "{titles}");
    assert!(
        titles.contains("Two-step verification was turned off"),
        "{titles}"
    );
    let district = crate::harness::district(&app, "cedar-valley").await;
    let actions: Vec<String> = app
        .app
        .store
        .audit_entries(district.id, 200)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "second_factor.enrolled",
        "second_factor.removed",
        "second_factor.removal_failed",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    let failed = app
        .app
        .store
        .audit_entries(district.id, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.detail.as_deref() == Some("wrong_second_factor"))
        .count();
    assert!(failed >= 3, "a wrong code is a failed login: {failed}");
    app.stop().await;
}

#[tokio::test]
async fn staff_whose_district_requires_it_enroll_before_anything_else_and_the_operator_resets_it() {
    if !have_oathtool() {
        return;
    }
    let app = app().await;
    let set = app
        .cli(&[
            "district",
            "set",
            "cedar-valley",
            "staff_second_factor",
            "required",
        ])
        .await;
    assert!(set.status.success(), "{set:?}");
    // An unknown staff username answers like an enrolled one.
    let (status, body) = try_login(&app, "cv-admin-nobody", "whatever it is", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("second_factor_required")),
        "{body}"
    );

    let (status, body) = try_login(&app, "cv-admin", "granite owl compass", None).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let (status, body) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me/sessions",
        &token,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("second_factor_enrollment_required")),
        "{body}"
    );

    // In the browser: the password leads to setting up the app, and nothing else opens.
    crate::admin::web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let console = app.get("/d/cedar-valley/admin").await;
    assert_eq!(
        console.headers()["location"],
        "/d/cedar-valley/settings/second-factor"
    );
    let (status, page) = app.get_text("/d/cedar-valley/settings/second-factor").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("src=\"data:image/svg+xml;base64,"),
        "a QR code"
    );
    let secret = secret_on(&page);
    // Opened again (a reload, a second click) and after a wrong code, the page shows the
    // secret the app may have scanned already.
    let (_, again) = app.get_text("/d/cedar-valley/settings/second-factor").await;
    assert_eq!(secret_on(&again), secret);
    let wrong = app
        .client
        .post(app.url("/d/cedar-valley/settings/second-factor"))
        .form(&[("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    assert_eq!(secret_on(&wrong.text().await.unwrap()), secret);
    let page = app
        .client
        .post(app.url("/d/cedar-valley/settings/second-factor"))
        .form(&[("code", oathtool(&app, &secret))])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("<li><code>").count(),
        10,
        "ten recovery codes, shown once"
    );
    assert_eq!(app.get("/d/cedar-valley/admin").await.status(), 200);
    // The API token opens now too.
    let (status, _) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me/sessions",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);

    // A family's lost phone: staff remove the app from the person's page in the console.
    let maria = login(&app, "cedar-valley", "parent", MARIA.0, MARIA.1).await;
    let (_, setup) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/me/second-factor/totp",
        &maria,
        None,
    )
    .await;
    let maria_secret = setup["secret"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/me/second-factor/totp/confirm",
        &maria,
        Some(json!({"code": oathtool(&app, &maria_secret)})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = try_login(&app, MARIA.0, MARIA.1, None).await;
    assert_eq!(status, 401);
    let person = crate::admin::person_id(&app, "cedar-valley", "cv-g-maria").await;
    let (_, page) = app
        .get_text(&format!("/d/cedar-valley/admin/people/{person}"))
        .await;
    assert!(
        page.contains("/second-factor/reset"),
        "the console offers it"
    );
    let reset = app
        .client
        .post(app.url(&format!(
            "/d/cedar-valley/admin/people/{person}/second-factor/reset"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let (status, body) = try_login(&app, MARIA.0, MARIA.1, None).await;
    assert_eq!(status, 200, "the password alone again: {body}");

    // A lost phone: the operator takes the app away, and the next login enrolls again.
    let out = app
        .cli(&[
            "account",
            "reset-second-factor",
            "--district",
            "cedar-valley",
            "--username",
            "cv-admin",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("two-step verification removed"),
        "{}",
        stdout(&out)
    );
    let again = app
        .cli(&[
            "account",
            "reset-second-factor",
            "--district",
            "cedar-valley",
            "--username",
            "cv-admin",
        ])
        .await;
    assert!(!again.status.success(), "nothing left to remove");
    let (status, body) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me/sessions",
        &token,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("second_factor_enrollment_required")),
        "{body}"
    );
    let district = crate::harness::district(&app, "cedar-valley").await;
    let entries = app.app.store.audit_entries(district.id, 50).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.action == "second_factor.reset_by_staff" && e.actor == "operator")
    );
    app.stop().await;
}

#[tokio::test]
async fn with_a_secret_key_the_app_s_secret_is_sealed_in_the_database() {
    if !have_oathtool() {
        return;
    }
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let app = spawn_app_with(TestDb::fresh().await, |c| homeroom::config::ConfigInput {
        secret_key: Some(key.into()),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let token = login(&app, "cedar-valley", "parent", MARIA.0, MARIA.1).await;
    let post = reqwest::Method::POST;
    let (_, setup) = call(
        &app,
        post.clone(),
        "/api/v1/me/second-factor/totp",
        &token,
        None,
    )
    .await;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let district = crate::harness::district(&app, "cedar-valley").await;
    let (account, _) = app
        .app
        .store
        .account_for_login(district.id, "maria.alvarez")
        .await
        .unwrap()
        .unwrap();
    let stored = app.app.store.totp(district.id, account.id).await.unwrap();
    let pending = stored.pending.unwrap();
    assert!(
        pending.starts_with("sealed1:") && !pending.contains(&secret),
        "{pending}"
    );

    let (status, body) = call(
        &app,
        post,
        "/api/v1/me/second-factor/totp/confirm",
        &token,
        Some(json!({"code": oathtool(&app, &secret)})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let stored = app.app.store.totp(district.id, account.id).await.unwrap();
    assert!(stored.secret.unwrap().starts_with("sealed1:"));
    // The sealed secret still checks codes: the next step's code logs in.
    app.app.clock.advance(30);
    let (status, body) = try_login(
        &app,
        MARIA.0,
        MARIA.1,
        Some(json!({"totp": oathtool(&app, &secret)})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}
