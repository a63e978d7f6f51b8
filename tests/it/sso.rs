//! Sign in with the district's identity provider, against a real, certified OpenID provider
//! (the npm package `oidc-provider`, started here like the SMTP sink): the whole authorization
//! code flow with PKCE, a replayed callback, a person the district does not know, and the
//! provider going away (a clear page; the password still logs in).

use std::process::Stdio;

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::{PASSWORD, TestApp, TestDb, spawn_app_with};
use homeroom::domain::AccountKind;
use homeroom::services::{districts, import, sso};

/// The provider, running until dropped.
struct Provider {
    issuer: String,
    child: tokio::process::Child,
}

impl Provider {
    /// `None` (the test then says it was skipped) where its npm package is not installed:
    /// `.ci/run` installs it with the browser tests' packages.
    async fn start(redirect_uri: &str) -> Option<Self> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
        if !dir.join("node_modules/oidc-provider").exists() {
            eprintln!("skipped: no oidc-provider (run .ci/run, or npm ci --prefix e2e)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = tokio::process::Command::new("node")
            .arg("oidc-provider.mjs")
            .current_dir(&dir)
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_REDIRECT_URI", redirect_uri)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("the provider starts within 20 s")
            .unwrap()
            .unwrap();
        let issuer = ready.strip_prefix("ready ").unwrap().to_owned();
        // What it says later (its notices) is read and let go: a closed pipe would stop it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Self { issuer, child })
    }

    async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }
}

/// A browser at the provider: follows its redirects, signs in on its development login page
/// as `login`, consents, and answers where the provider sends it back (the callback address).
async fn sign_in_at_provider(authorize: &str, login: &str, redirect_uri: &str) -> String {
    // A new connection for each request: the provider's Node server may close one that a pool
    // would otherwise hand out again.
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(0)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let origin = {
        let url = url::Url::parse(authorize).unwrap();
        format!("{}://{}", url.scheme(), url.host_str().unwrap())
            + &format!(":{}", url.port().unwrap())
    };
    let mut next = authorize.to_owned();
    for _ in 0..12 {
        if next.starts_with(redirect_uri) {
            return next;
        }
        let response = browser.get(&next).send().await.unwrap();
        if let Some(location) = response.headers().get("location") {
            let location = location.to_str().unwrap();
            next = if location.starts_with('/') {
                format!("{origin}{location}")
            } else {
                location.to_owned()
            };
            continue;
        }
        // A page with a form: the login page, or the consent page.
        let html = response.text().await.unwrap();
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no form on {next}: {html}"))
            .to_owned();
        let form: Vec<(&str, &str)> = if html.contains("name=\"login\"") {
            vec![
                ("prompt", "login"),
                ("login", login),
                ("password", "anything"),
            ]
        } else {
            vec![("prompt", "consent")]
        };
        let response = browser
            .post(if action.starts_with('/') {
                format!("{origin}{action}")
            } else {
                action.clone()
            })
            .form(&form)
            .send()
            .await
            .unwrap();
        let Some(location) = response.headers().get("location").cloned() else {
            let status = response.status();
            panic!(
                "{status} after {action}: {}",
                response.text().await.unwrap()
            );
        };
        let location = location.to_str().unwrap();
        next = if location.starts_with('/') {
            format!("{origin}{location}")
        } else {
            location.to_owned()
        };
    }
    panic!("the provider never sent the browser back");
}

/// River Unified (the portal fixture's families, on today's clock) with its students'
/// provider, matched by sourcedId through `sub`.
async fn district_with_provider() -> Option<(TestApp, Provider, String)> {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    districts::add(&app.app, "river", "River Unified", "CA")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    crate::portal::write_set(dir.path(), true);
    let river = crate::harness::district(&app, "river").await;
    import::oneroster(
        &app.app,
        &crate::harness::operator(&river),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    let redirect_uri = sso::redirect_uri(&app.app, &river);
    let provider = Provider::start(&redirect_uri).await?;
    let setting = sso::ProviderSetting {
        portal: "student",
        issuer: &provider.issuer,
        client_id: "homeroom",
        client_secret: "test-secret",
        claim: "sub",
        match_by: "sourcedId",
        label: "Test Schools ID",
    };
    sso::configure(&app.app, &river, &setting).await.unwrap();
    Some((app, provider, redirect_uri))
}

/// Where the app sends a browser that asks to sign in, from the login page's button.
async fn start(app: &TestApp) -> String {
    let (status, page) = app.get_text("/d/river/student").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(
            r#"href="/d/river/sso/start?portal=student">Sign in with Test Schools ID</a>"#
        ),
        "{page}"
    );
    let response = app.get("/d/river/sso/start?portal=student").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_owned()
}

fn callback_path(back: &str, redirect_uri: &str) -> String {
    let query = back.strip_prefix(redirect_uri).unwrap();
    format!("/d/river/sso/callback{query}")
}

#[tokio::test]
async fn a_student_signs_in_with_the_districts_provider_once_per_code() {
    let Some((app, provider, redirect_uri)) = district_with_provider().await else {
        return;
    };
    let authorize = start(&app).await;
    let url = url::Url::parse(&authorize).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let has = |k: &str, v: &str| {
        pairs
            .iter()
            .any(|(a, b)| a == k && (v.is_empty() || b == v))
    };
    assert!(has("code_challenge_method", "S256") && has("code_challenge", ""));
    assert!(has("state", "") && has("nonce", "") && has("redirect_uri", &redirect_uri));
    let back = sign_in_at_provider(&authorize, "st1", &redirect_uri).await;
    let callback = callback_path(&back, &redirect_uri);
    // Another browser (someone who sent their own sign-in's answer to a victim's) gets nowhere;
    // the browser that started the sign-in still finishes it.
    let elsewhere = reqwest::Client::new()
        .get(app.url(&callback))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    assert!(elsewhere.headers().get("set-cookie").is_none());
    let response = app.get(&callback).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        response.text().await
    );
    assert_eq!(response.headers()["location"], "/d/river/home");
    let (status, home) = app.get_text("/d/river/home").await;
    assert_eq!(status, 200);
    assert!(home.contains("Welcome, Ava Alvarez"), "{home}");

    // The same answer again (a replay, or a second click): refused, clearly, and no session.
    let replay = app.get(&callback).await;
    assert_eq!(replay.status(), StatusCode::FORBIDDEN);
    let page = replay.text().await.unwrap();
    assert!(page.contains("already used or has expired"), "{page}");

    // The sign-in made Ava's account (she had none) and is in the audit log.
    let audit = app
        .app
        .store
        .audit_entries(crate::harness::district(&app, "river").await.id, 200)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "sso.account_created"));
    assert!(audit.iter().any(|e| e.action == "login.sso"));

    // Logging out ends the provider's session too (RP-initiated logout), and the provider
    // takes the way back: the portal's login page, registered with it.
    let out = app
        .client
        .post(app.url("/d/river/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cleared: Vec<&str> = out
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("homeroom_sso_session=;") && c.contains("Max-Age=0")),
        "the mark goes with the session: {cleared:?}"
    );
    assert_eq!(
        out.headers()["location"],
        "/d/river/sso/signed-out?portal=student"
    );
    let (status, page) = app.get_text("/d/river/sso/signed-out?portal=student").await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign out of Test Schools ID"), "{page}");
    let escaped = page
        .split("<a class=\"button\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        page.contains(&format!("content=\"0;url={escaped}\"")),
        "the page goes on by itself: {page}"
    );
    let to = escaped.replace("&#38;", "&").replace("&amp;", "&");
    let end = url::Url::parse(&to).unwrap();
    assert!(to.starts_with(&provider.issuer), "{to}");
    let river = crate::harness::district(&app, "river").await;
    let back = sso::post_logout_uri(&app.app, &river, AccountKind::Student);
    assert!(back.ends_with("/d/river/student"), "{back}");
    assert!(
        end.query_pairs()
            .any(|(k, v)| k == "post_logout_redirect_uri" && v == back.as_str())
    );
    assert!(
        end.query_pairs()
            .any(|(k, v)| k == "client_id" && v == "homeroom")
    );
    let asked = reqwest::get(&to).await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK, "the provider takes it");
    let page = asked.text().await.unwrap();
    assert!(page.contains("logout"), "{page}");
    assert_eq!(
        app.get("/d/river/home").await.status(),
        StatusCode::SEE_OTHER,
        "the portal's session is over"
    );
    provider.stop().await;
}

#[tokio::test]
async fn someone_the_district_does_not_know_is_told_so_and_nothing_is_made() {
    let Some((app, provider, redirect_uri)) = district_with_provider().await else {
        return;
    };
    let authorize = start(&app).await;
    // g1 is Maria, a guardian: not a student, so nobody on the student portal.
    for login in ["nobody-here", "g1"] {
        let authorize = if login == "g1" {
            start(&app).await
        } else {
            authorize.clone()
        };
        let back = sign_in_at_provider(&authorize, login, &redirect_uri).await;
        let response = app.get(&callback_path(&back, &redirect_uri)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{login}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("no one in this portal matches"),
            "{login}: {page}"
        );
    }
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(accounts, 0, "nothing is made from a claim alone");
    sqlx::Connection::close(conn).await.unwrap();
    provider.stop().await;
}

#[tokio::test]
async fn a_provider_that_goes_away_gets_a_clear_page_and_the_password_still_works() {
    let Some((app, provider, redirect_uri)) = district_with_provider().await else {
        return;
    };
    let river = crate::harness::district(&app, "river").await;
    crate::portal::account(&app, &river, "st2", AccountKind::Student, "ben").await;
    let authorize = start(&app).await;
    let back = sign_in_at_provider(&authorize, "st2", &redirect_uri).await;
    provider.stop().await;
    // The code cannot be exchanged with a provider that is gone.
    let response = app.get(&callback_path(&back, &redirect_uri)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = response.text().await.unwrap();
    assert!(page.contains("Test Schools ID did not answer"), "{page}");
    assert!(page.contains(r#"href="/d/river/student""#));
    crate::harness::login(&app, "river", "student", "ben", PASSWORD).await;
    // Setting a provider that does not answer is refused at once, saying so.
    let setting = sso::ProviderSetting {
        portal: "teacher",
        issuer: "http://127.0.0.1:9",
        client_id: "homeroom",
        client_secret: "s",
        claim: "email",
        match_by: "email",
        label: "Nowhere",
    };
    assert!(sso::configure(&app.app, &river, &setting).await.is_err());
    // Parents keep their passwords: no provider for them.
    let parents = sso::ProviderSetting {
        portal: "parent",
        ..setting
    };
    assert!(sso::configure(&app.app, &river, &parents).await.is_err());
}

/// What the forging provider below puts in its ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forge {
    Good,
    WrongAudience,
    Expired,
    BadSignature,
    WrongNonce,
    WrongIssuer,
    /// Signed with a key the provider published only after Homeroom fetched its keys.
    Rotated,
}

struct Forger {
    issuer: String,
    mode: std::sync::Mutex<Forge>,
    nonce: std::sync::Mutex<String>,
    key: p256::SecretKey,
}

fn b64(bytes: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::encode_string(bytes)
}

impl Forger {
    fn rotated(&self) -> p256::SecretKey {
        p256::SecretKey::from_slice(&[11u8; 32]).unwrap()
    }

    fn jwks(&self) -> serde_json::Value {
        use p256::elliptic_curve::sec1::ToSec1Point;
        let jwk = |key: &p256::SecretKey, kid: &str| {
            let point = key.public_key().to_sec1_point(false);
            let bytes = point.as_bytes();
            serde_json::json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": b64(&bytes[1..33]), "y": b64(&bytes[33..65])})
        };
        let mut keys = vec![jwk(&self.key, "k1")];
        if *self.mode.lock().unwrap() == Forge::Rotated {
            keys.push(jwk(&self.rotated(), "k2"));
        }
        serde_json::json!({ "keys": keys })
    }

    fn id_token(&self) -> String {
        use p256::ecdsa::signature::Signer;
        let mode = *self.mode.lock().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let claims = serde_json::json!({
            "iss": if mode == Forge::WrongIssuer { "http://127.0.0.1:1" } else { self.issuer.as_str() },
            "aud": if mode == Forge::WrongAudience { "someone-else" } else { "homeroom" },
            "sub": "st1",
            "exp": if mode == Forge::Expired { now - 600 } else { now + 300 },
            "iat": now - 5,
            "nonce": if mode == Forge::WrongNonce { "not-it".to_owned() } else { self.nonce.lock().unwrap().clone() },
        });
        let input = format!(
            "{}.{}",
            b64(if mode == Forge::Rotated {
                br#"{"alg":"ES256","typ":"JWT","kid":"k2"}"#
            } else {
                br#"{"alg":"ES256","typ":"JWT","kid":"k1"}"#
            }),
            b64(claims.to_string().as_bytes())
        );
        let signer = match mode {
            Forge::BadSignature => p256::SecretKey::from_slice(&[9u8; 32]).unwrap(),
            Forge::Rotated => self.rotated(),
            _ => self.key.clone(),
        };
        let signature: p256::ecdsa::Signature =
            p256::ecdsa::SigningKey::from(&signer).sign(input.as_bytes());
        format!("{input}.{}", b64(&signature.to_bytes()))
    }
}

/// A provider of this test's own that signs what it is told to: the refusals no honest provider
/// would give a reason to test.
async fn forger() -> std::sync::Arc<Forger> {
    use axum::routing::{get, post};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let forger = std::sync::Arc::new(Forger {
        issuer: issuer.clone(),
        mode: std::sync::Mutex::new(Forge::Good),
        nonce: std::sync::Mutex::new(String::new()),
        key: p256::SecretKey::from_slice(&[7u8; 32]).unwrap(),
    });
    let (f1, f2) = (forger.clone(), forger.clone());
    let discovery = serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
    });
    let router = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { axum::Json(discovery) }),
        )
        .route("/jwks", get(move || async move { axum::Json(f1.jwks()) }))
        .route(
            "/token",
            post(move || async move {
                axum::Json(serde_json::json!({"id_token": f2.id_token(), "token_type": "Bearer"}))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    forger
}

#[tokio::test]
async fn an_id_token_that_does_not_hold_in_every_respect_signs_nobody_in() {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    districts::add(&app.app, "river", "River Unified", "CA")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    crate::portal::write_set(dir.path(), true);
    let river = crate::harness::district(&app, "river").await;
    import::oneroster(
        &app.app,
        &crate::harness::operator(&river),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    let forger = forger().await;
    let setting = sso::ProviderSetting {
        portal: "student",
        issuer: &forger.issuer,
        client_id: "homeroom",
        client_secret: "test-secret",
        claim: "sub",
        match_by: "sourcedId",
        label: "Forged ID",
    };
    sso::configure(&app.app, &river, &setting).await.unwrap();
    for mode in [
        Forge::WrongAudience,
        Forge::Expired,
        Forge::BadSignature,
        Forge::WrongNonce,
        Forge::WrongIssuer,
        Forge::Rotated,
        Forge::Good,
    ] {
        *forger.mode.lock().unwrap() = mode;
        let begun = sso::begin(&app.app, &river, "student", None).await.unwrap();
        let url = url::Url::parse(&begun.url).unwrap();
        let get = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .unwrap()
        };
        *forger.nonce.lock().unwrap() = get("nonce");
        let state = get("state");
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url(&format!("/d/river/sso/callback?code=c&state={state}")))
            .header("cookie", format!("homeroom_sso=student.{}", begun.state))
            .send()
            .await
            .unwrap();
        if matches!(mode, Forge::Good | Forge::Rotated) {
            // The same forger, honest this time: the refusals above were the token's. A key
            // the provider rotated in is fetched when a token names it.
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{mode:?}");
            assert!(response.headers().get("set-cookie").is_some());
        } else {
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{mode:?}");
            assert!(response.headers().get("set-cookie").is_none(), "{mode:?}");
            let page = response.text().await.unwrap();
            assert!(page.contains("could not be trusted"), "{mode:?}: {page}");
        }
    }
}

#[tokio::test]
async fn a_claim_the_provider_keeps_in_userinfo_is_read_from_there() {
    let Some((app, provider, redirect_uri)) = district_with_provider().await else {
        return;
    };
    let river = crate::harness::district(&app, "river").await;
    // oidc-provider keeps preferred_username out of the ID token: UserInfo has it.
    let setting = sso::ProviderSetting {
        portal: "teacher",
        issuer: &provider.issuer,
        client_id: "homeroom",
        client_secret: "test-secret",
        claim: "preferred_username",
        match_by: "sourcedId",
        label: "Test Schools ID",
    };
    sso::configure(&app.app, &river, &setting).await.unwrap();
    let (_, page) = app.get_text("/d/river/teacher").await;
    assert!(page.contains("Sign in with Test Schools ID"));
    let response = app.get("/d/river/sso/start?portal=teacher").await;
    let authorize = response.headers()["location"].to_str().unwrap().to_owned();
    let back = sign_in_at_provider(&authorize, "t1@district.example", &redirect_uri).await;
    // A refusal leads back to the portal the sign-in started from.
    let cancelled = app.get("/d/river/sso/callback?error=access_denied").await;
    assert_eq!(cancelled.status(), StatusCode::FORBIDDEN);
    assert!(
        cancelled
            .text()
            .await
            .unwrap()
            .contains(r#"href="/d/river/teacher""#)
    );
    let response = app.get(&callback_path(&back, &redirect_uri)).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        response.text().await
    );
    let (_, home) = app.get_text("/d/river/home").await;
    assert!(
        home.contains("Welcome, Terry Teach") && home.contains("Your classes this term"),
        "{home}"
    );
    // No provider for parents: their login page offers none.
    let (_, page) = app.get_text("/d/river/parent").await;
    assert!(!page.contains("Sign in with"));
    provider.stop().await;
}

#[tokio::test]
async fn the_app_signs_in_through_the_system_browser_and_exchanges_a_one_time_code() {
    let Some((app, provider, redirect_uri)) = district_with_provider().await else {
        return;
    };
    let verifier = "a-verifier-of-the-apps-own-that-is-long-enough-1234";
    let challenge = {
        use base64ct::{Base64UrlUnpadded, Encoding};
        use sha2::Digest;
        Base64UrlUnpadded::encode_string(&sha2::Sha256::digest(verifier.as_bytes()))
    };
    // Only the app's own scheme receives a code.
    for bad in ["https://evil.example/steal", "javascript:alert(1)"] {
        let response = app
            .get(&format!(
                "/d/river/sso/start?portal=student&app_redirect={}&app_challenge={challenge}",
                url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{bad}");
    }
    let response = app
        .get(&format!(
            "/d/river/sso/start?portal=student&app_redirect=homeroom%3A%2F%2Fsso&app_challenge={challenge}"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let authorize = response.headers()["location"].to_str().unwrap().to_owned();
    let back = sign_in_at_provider(&authorize, "st1", &redirect_uri).await;
    let response = app.get(&callback_path(&back, &redirect_uri)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no browser session for the app"
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .strip_prefix("homeroom://sso?code=")
        .expect(&location)
        .to_owned();
    let exchange = |code: String, verifier: &str| {
        let url = app.url("/api/v1/districts/river/sso/token");
        let body = serde_json::json!({"code": code, "code_verifier": verifier});
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // Not this code's verifier: refused, and the code is spent.
    let wrong = exchange(code.clone(), "someone-elses-verifier").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        exchange(code, verifier).await.status(),
        StatusCode::BAD_REQUEST
    );

    // Again, the right way.
    let response = app
        .get(&format!(
            "/d/river/sso/start?portal=student&app_redirect=homeroom%3A%2F%2Fsso&app_challenge={challenge}"
        ))
        .await;
    let authorize = response.headers()["location"].to_str().unwrap().to_owned();
    let back = sign_in_at_provider(&authorize, "st1", &redirect_uri).await;
    let response = app.get(&callback_path(&back, &redirect_uri)).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .strip_prefix("homeroom://sso?code=")
        .unwrap()
        .to_owned();
    let answer = exchange(code.clone(), verifier).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let body: serde_json::Value = answer.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    let me = reqwest::Client::new()
        .get(app.url("/api/v1/students"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert!(me.text().await.unwrap().contains("Ava"));
    // Once only.
    assert_eq!(
        exchange(code, verifier).await.status(),
        StatusCode::BAD_REQUEST
    );
    provider.stop().await;
}
