//! Passkeys over the API, on either database: a software authenticator here (P-256, "none"
//! attestation, as a platform authenticator makes them) registers a passkey with the
//! password, logs in with it and no username, and is refused where it must be: a replayed
//! ceremony, a signature that does not hold, another site's origin, a removed passkey, a
//! password change (which removes them all). The browser journey in e2e/run.mjs does the
//! same with Chromium's own virtual authenticator.

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{TestApp, TestDb, spawn_app_with};
use crate::links::call;

const MARIA: &str = "maple river lantern";
const ORIGIN: &str = "http://localhost:8080";

async fn app() -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, |c| homeroom::config::ConfigInput {
        public_url: Some(format!("{ORIGIN}/")),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    app
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

/// A CBOR byte or text string's head and body (RFC 8949), for lengths under 65,536.
fn cbor_string(major: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = match bytes.len() {
        n @ 0..=23 => vec![major << 5 | n as u8],
        n @ 24..=255 => vec![major << 5 | 24, n as u8],
        n => vec![major << 5 | 25, (n >> 8) as u8, n as u8],
    };
    out.extend_from_slice(bytes);
    out
}

/// A passkey on a software authenticator: its key, its id, the user handle it was made for.
struct Authenticator {
    key: SigningKey,
    id: Vec<u8>,
    handle: Vec<u8>,
    counter: u32,
}

impl Authenticator {
    fn new(seed: u8) -> Self {
        let key = SigningKey::from(p256::SecretKey::from_slice(&[seed; 32]).unwrap());
        Self {
            key,
            id: vec![seed; 16],
            handle: Vec::new(),
            counter: 0,
        }
    }

    fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    /// `navigator.credentials.create()`, answered as JSON.
    fn create(&mut self, options: &Value, origin: &str) -> Value {
        let public = &options["publicKey"];
        assert_eq!(public["authenticatorSelection"]["residentKey"], "required");
        assert_eq!(public["rp"]["id"], "localhost");
        self.handle = unb64(public["user"]["id"].as_str().unwrap());
        let point = self.key.verifying_key().to_sec1_point(false);
        let point = point.as_bytes();
        // COSE_Key {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cose.extend(cbor_string(2, &point[1..33]));
        cose.push(0x22);
        cose.extend(cbor_string(2, &point[33..65]));
        let mut auth_data = Sha256::digest(b"localhost").to_vec();
        auth_data.push(0x45); // user present, user verified, attested credential data
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        auth_data.extend_from_slice(&[0; 16]); // AAGUID
        auth_data.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.id);
        auth_data.extend(cose);
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_string(3, b"fmt"));
        attestation.extend(cbor_string(3, b"none"));
        attestation.extend(cbor_string(3, b"attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_string(3, b"authData"));
        attestation.extend(cbor_string(2, &auth_data));
        let client_data = Self::client_data(
            "webauthn.create",
            public["challenge"].as_str().unwrap(),
            origin,
        );
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "response": {"attestationObject": b64(&attestation), "clientDataJSON": b64(&client_data)},
            "extensions": {},
        })
    }

    /// `navigator.credentials.get()`, answered as JSON; `tamper` spoils the signature.
    fn get(&mut self, options: &Value, origin: &str, tamper: bool) -> Value {
        let challenge = options["publicKey"]["challenge"].as_str().unwrap();
        self.counter += 1;
        let mut auth_data = Sha256::digest(b"localhost").to_vec();
        auth_data.push(0x05); // user present, user verified
        auth_data.extend_from_slice(&self.counter.to_be_bytes());
        let client_data = Self::client_data("webauthn.get", challenge, origin);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        if tamper {
            signed[0] ^= 1;
        }
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&self.handle),
            },
            "extensions": {},
        })
    }
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

async fn register(app: &TestApp, token: &str, key: &mut Authenticator, name: &str) -> Value {
    let (status, start) = call(
        app,
        Method::POST,
        "/api/v1/me/passkeys/options",
        token,
        Some(json!({"password": MARIA})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{start}");
    let credential = key.create(&start["options"], ORIGIN);
    let (status, made) = call(
        app,
        Method::POST,
        "/api/v1/me/passkeys",
        token,
        Some(json!({"ceremony": start["ceremony"], "name": name, "credential": credential})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made
}

/// A passkey login's answer: its status and body.
async fn sign_in(
    app: &TestApp,
    key: &mut Authenticator,
    origin: &str,
    tamper: bool,
) -> (StatusCode, Value) {
    let (status, start) = post(
        app,
        "/api/v1/districts/cedar-valley/passkey-login/options",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{start}");
    assert!(
        start["options"]["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty)
    );
    let credential = key.get(&start["options"], origin, tamper);
    post(
        app,
        "/api/v1/districts/cedar-valley/passkey-login",
        json!({"portal": "parent", "ceremony": start["ceremony"], "credential": credential}),
    )
    .await
}

#[tokio::test]
async fn a_parent_registers_a_passkey_and_logs_in_with_it_alone() {
    let app = app().await;
    let token = crate::links::maria(&app).await;
    let mut key = Authenticator::new(7);

    // A session alone cannot add one: the password is asked, and a wrong one counts.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/me/passkeys/options",
        &token,
        Some(json!({"password": "not hers"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let made = register(&app, &token, &mut key, "Maria's phone").await;
    assert_eq!(made["name"], "Maria's phone");
    let (_, list) = call(&app, Method::GET, "/api/v1/me/passkeys", &token, None).await;
    assert_eq!(list["passkeys"].as_array().unwrap().len(), 1, "{list}");
    assert!(list["passkeys"][0]["last_used_at"].is_null());

    // It logs in with no username and no password.
    let (status, answer) = sign_in(&app, &mut key, ORIGIN, false).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["account"]["username"], "maria.alvarez");
    let second = answer["token"].as_str().unwrap().to_owned();
    let (_, list) = call(&app, Method::GET, "/api/v1/me/passkeys", &second, None).await;
    assert!(list["passkeys"][0]["last_used_at"].is_i64(), "{list}");

    // A spoilt signature, or another site's origin, is refused.
    let (status, body) = sign_in(&app, &mut key, ORIGIN, true).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "invalid_credentials");
    let (status, _) = sign_in(&app, &mut key, "https://portal.example.com", false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A ceremony is used once: the same answer sent again is refused.
    let (_, start) = post(
        &app,
        "/api/v1/districts/cedar-valley/passkey-login/options",
        json!({}),
    )
    .await;
    let credential = key.get(&start["options"], ORIGIN, false);
    let body = json!({"portal": "parent", "ceremony": start["ceremony"], "credential": credential});
    let path = "/api/v1/districts/cedar-valley/passkey-login";
    assert_eq!(post(&app, path, body.clone()).await.0, StatusCode::OK);
    let (status, again) = post(&app, path, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");

    // The wrong portal is told, as for a password.
    let (_, start) = post(
        &app,
        "/api/v1/districts/cedar-valley/passkey-login/options",
        json!({}),
    )
    .await;
    let credential = key.get(&start["options"], ORIGIN, false);
    let (status, body) = post(
        &app,
        path,
        json!({"portal": "staff", "ceremony": start["ceremony"], "credential": credential}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "wrong_portal");
    app.stop().await;
}

#[tokio::test]
async fn a_removed_passkey_or_a_password_change_ends_its_way_in() {
    let app = app().await;
    let token = crate::links::maria(&app).await;
    let mut phone = Authenticator::new(11);
    let mut laptop = Authenticator::new(12);
    let made = register(&app, &token, &mut phone, "Phone").await;
    register(&app, &token, &mut laptop, "Laptop").await;

    // A key the district knows already is not taken twice (the browser would have excluded it).
    let (_, start) = call(
        &app,
        Method::POST,
        "/api/v1/me/passkeys/options",
        &token,
        Some(json!({"password": MARIA})),
    )
    .await;
    let excluded = start["options"]["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(excluded, 2, "{start}");
    let credential = phone.create(&start["options"], ORIGIN);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/me/passkeys",
        &token,
        Some(json!({"ceremony": start["ceremony"], "credential": credential})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let id = made["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        sign_in(&app, &mut phone, ORIGIN, false).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&app, &mut laptop, ORIGIN, false).await.0,
        StatusCode::OK
    );
    // Only the account's own passkeys can be removed.
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/passkeys/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = call(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &token,
        Some(json!({"current": MARIA, "new": "a brand new lantern"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        sign_in(&app, &mut laptop, ORIGIN, false).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, list) = call(&app, Method::GET, "/api/v1/me/passkeys", &token, None).await;
    assert_eq!(list["passkeys"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn the_login_page_answers_a_spoilt_or_stale_passkey_with_its_own_words() {
    let app = app().await;
    let page = app.get_text("/d/cedar-valley/parent").await.1;
    assert!(page.contains("Sign in with a passkey"), "{page}");
    let client = reqwest::Client::new();
    let (_, start) = post(
        &app,
        "/api/v1/districts/cedar-valley/passkey-login/options",
        json!({}),
    )
    .await;
    let ceremony = start["ceremony"].as_str().unwrap().to_owned();
    let mut stranger = Authenticator::new(99);
    let unknown = stranger.get(&start["options"], ORIGIN, false).to_string();
    for (ceremony, credential, status) in [
        ("", "not json", StatusCode::BAD_REQUEST),
        ("stale", unknown.as_str(), StatusCode::BAD_REQUEST),
        (
            ceremony.as_str(),
            unknown.as_str(),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let response = client
            .post(app.url("/d/cedar-valley/parent/passkey"))
            .form(&[("ceremony", ceremony), ("credential", credential)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{ceremony} {credential}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("did not sign you in") || page.contains("ran out or was already used"),
            "{page}"
        );
    }
    app.stop().await;
}
