//! Activations and password resets killed in flight: a burst of both at once against the real
//! server, SIGKILL after a number of answers drawn from the seed. What the kill leaves is
//! whole: an account exists with its key spent and its audit entry, or neither; a reset has
//! changed the password, ended the link and queued its mail, or none of it; and whatever was
//! answered 200 is kept. Tried again after a restart, each completes or is refused cleanly, and
//! every family can then log in and sees its children.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use homeroom::domain::{District, PersonRole};
use homeroom::services::activation::{self, Activation, IssuedKey};
use homeroom::services::auth::{Client, Device};
use homeroom::store::{KeyScope, SessionKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Dice, generated_district, rows};
use crate::harness::{Served, TestApp, TestDb, spawn_app_with};
use crate::recovery::token_in;
use crate::smtp::Sink;

const SLUG: &str = "crash-accounts";
/// Guardians whose passwords are reset in the burst; as many more guardians and students
/// activate their keys in it.
const RESETS: usize = 8;
const ACTIVATIONS: usize = 16;
const OLD: &str = "lantern harbor meadow";
const NEW: &str = "a fresh copper kettle";

/// A request of the burst.
#[derive(Debug, Clone)]
enum Request {
    Activate {
        key: String,
        person: i64,
        role: PersonRole,
        username: String,
    },
    Reset {
        reset: i64,
        token: String,
        account: i64,
        username: String,
    },
}

impl Request {
    fn password(&self) -> &'static str {
        match self {
            Self::Activate { .. } => "violet comet orchard",
            Self::Reset { .. } => NEW,
        }
    }

    fn username(&self) -> &str {
        match self {
            Self::Activate { username, .. } | Self::Reset { username, .. } => username,
        }
    }

    fn portal(&self) -> &'static str {
        match self {
            Self::Activate {
                role: PersonRole::Student,
                ..
            } => "student",
            _ => "parent",
        }
    }

    fn path(&self) -> String {
        match self {
            Self::Activate { .. } => format!("/api/v1/districts/{SLUG}/activate"),
            Self::Reset { .. } => format!("/api/v1/districts/{SLUG}/password/reset"),
        }
    }

    fn body(&self) -> Value {
        match self {
            Self::Activate { key, username, .. } => {
                json!({"key": key, "username": username, "password": self.password()})
            }
            Self::Reset { token, .. } => json!({"token": token, "password": self.password()}),
        }
    }

    /// Whether the database holds this request's change, after checking that it holds all of
    /// it or none of it.
    async fn done(&self, app: &TestApp, hashes: &BTreeMap<i64, String>) -> bool {
        let url = &app.db.url;
        match self {
            Self::Activate {
                person,
                role,
                username,
                ..
            } => {
                let key = rows(
                    url,
                    format!(
                        "SELECT COUNT(*) FROM activation_keys \
                         WHERE person_id = {person} AND used_at IS NOT NULL"
                    ),
                )
                .await;
                let account = rows(
                    url,
                    format!("SELECT id, kind, username FROM accounts WHERE person_id = {person}"),
                )
                .await;
                let spent = key[0][0] == "1";
                let Some(account) = account.first() else {
                    assert!(!spent, "{username}'s key is spent without an account");
                    return false;
                };
                assert!(spent, "{username} has an account and a live key");
                let kind = if *role == PersonRole::Student {
                    "student"
                } else {
                    "parent"
                };
                assert_eq!(
                    (account[1].as_str(), account[2].as_str()),
                    (kind, &**username)
                );
                let audited = rows(
                    url,
                    format!(
                        "SELECT COUNT(*) FROM audit_log \
                         WHERE action = 'account.activated' AND account_id = {}",
                        account[0]
                    ),
                )
                .await;
                assert_eq!(audited[0][0], "1", "{username}'s activation audited once");
                true
            }
            Self::Reset {
                reset,
                account,
                username,
                ..
            } => {
                let used = rows(
                    url,
                    format!(
                        "SELECT COUNT(*) FROM password_resets \
                         WHERE id = {reset} AND used_at IS NOT NULL"
                    ),
                )
                .await[0][0]
                    == "1";
                let hash = rows(
                    url,
                    format!("SELECT password_hash FROM accounts WHERE id = {account}"),
                )
                .await;
                let changed = hash[0][0] != hashes[account];
                let mailed = rows(
                    url,
                    format!("SELECT COUNT(*) FROM jobs WHERE idempotency_key = 'changed:{reset}'"),
                )
                .await[0][0]
                    == "1";
                let audited = rows(
                    url,
                    format!(
                        "SELECT COUNT(*) FROM audit_log \
                         WHERE action = 'password.reset' AND account_id = {account}"
                    ),
                )
                .await[0][0]
                    == "1";
                assert!(
                    [changed, mailed, audited].iter().all(|x| *x == used),
                    "{username}'s reset: link used {used}, password changed {changed}, \
                     mail queued {mailed}, audited {audited}"
                );
                used
            }
        }
    }
}

/// Sends one request; `None` when the connection ended without an answer.
async fn send(base: &str, request: &Request) -> Option<(StatusCode, Value)> {
    let response = reqwest::Client::new()
        .post(format!("{base}{}", request.path()))
        .json(&request.body())
        .send()
        .await
        .ok()?;
    let status = response.status();
    Some((status, response.json().await.ok()?))
}

async fn keys(app: &TestApp, district: &District, role: PersonRole) -> Vec<IssuedKey> {
    let scope = KeyScope {
        role: Some(role),
        school: None,
        person: None,
        regenerate: false,
    };
    activation::generate(&app.app, district, &scope, "operator")
        .await
        .unwrap()
}

/// Accounts for the guardians of `keys`, with the password [`OLD`]; answers their ids.
async fn accounts(app: &TestApp, district: &District, keys: &[IssuedKey]) -> Vec<(i64, String)> {
    let client = Client {
        address: "127.0.0.1".into(),
        user_agent: None,
    };
    let mut made = Vec::new();
    for (i, issued) in keys.iter().enumerate() {
        let username = format!("resetting-{i:02}");
        let request = Activation {
            key: issued.key.normalized(),
            username: &username,
            password: OLD,
            captcha: None,
            kind: SessionKind::App,
            device: Device::default(),
        };
        let account = activation::activate(&app.app, district, request, &client)
            .await
            .unwrap()
            .account;
        made.push((account.id.0, username));
    }
    made
}

async fn login(
    server: &Served,
    portal: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/districts/{SLUG}/login")))
        .json(&json!({"portal": portal, "username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn activations_and_resets_killed_in_flight_are_whole_or_absent_and_can_be_tried_again() {
    let started = Instant::now();
    let mut dice = Dice::new("crash::accounts");
    let seed = dice.seed;
    let sink = Sink::start().await;
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    let district = generated_district(&app, SLUG, 40).await;
    let guardians = keys(&app, &district, PersonRole::Guardian).await;
    let students = keys(&app, &district, PersonRole::Student).await;
    let resetting = accounts(&app, &district, &guardians[..RESETS]).await;
    let dir = tempfile::tempdir().unwrap();
    let port = sink.port.to_string();
    let env = [
        ("HOMEROOM_SMTP_HOST", "127.0.0.1"),
        ("HOMEROOM_SMTP_PORT", port.as_str()),
        ("HOMEROOM_SMTP_TLS", "none"),
    ];
    let server = Served::start(&app.db.url, dir.path(), &env).await;

    // Each resetting guardian asks for a link, and has it.
    for (_, username) in &resetting {
        let response = reqwest::Client::new()
            .post(server.url(&format!("/api/v1/districts/{SLUG}/password/forgot")))
            .json(&json!({ "username": username }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let waited = Instant::now();
    while sink.received().await.len() < RESETS {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the reset mails"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut burst: Vec<Request> = Vec::new();
    for message in sink.received().await {
        let key = message.header("X-Homeroom-Idempotency-Key").unwrap();
        let reset: i64 = key.strip_prefix("reset:").unwrap().parse().unwrap();
        let account: i64 = rows(
            &app.db.url,
            format!("SELECT account_id FROM password_resets WHERE id = {reset}"),
        )
        .await[0][0]
            .parse()
            .unwrap();
        let (_, username) = resetting.iter().find(|(id, _)| *id == account).unwrap();
        burst.push(Request::Reset {
            reset,
            token: token_in(&message),
            account,
            username: username.clone(),
        });
    }
    let hashes: BTreeMap<i64, String> =
        rows(&app.db.url, "SELECT id, password_hash FROM accounts".into())
            .await
            .into_iter()
            .map(|row| (row[0].parse().unwrap(), row[1].clone()))
            .collect();
    let activating = guardians[RESETS..]
        .iter()
        .take(ACTIVATIONS / 2)
        .chain(students.iter().take(ACTIVATIONS / 2));
    for (i, issued) in activating.enumerate() {
        burst.push(Request::Activate {
            key: issued.key.grouped(),
            person: issued.person.id,
            role: issued.person.role,
            username: format!("new-{i:02}"),
        });
    }
    assert_eq!(burst.len(), RESETS + ACTIVATIONS);

    // All at once; killed once `answers` of them have answered, and a moment more.
    let answers = usize::try_from(dice.between(2, 12)).unwrap();
    let pause = Duration::from_millis(dice.between(0, 30));
    let context = format!("seed {seed}: killed {pause:?} after {answers} answers");
    let mut flight = tokio::task::JoinSet::new();
    for (i, request) in burst.iter().enumerate() {
        let (base, request) = (server.base.clone(), request.clone());
        flight.spawn(async move { (i, send(&base, &request).await) });
    }
    let mut answered = BTreeMap::new();
    while answered.len() < answers {
        let (i, answer) = flight.join_next().await.unwrap().unwrap();
        answered.insert(i, answer);
    }
    tokio::time::sleep(pause).await;
    server.kill().await;
    while let Some(done) = flight.join_next().await {
        let (i, answer) = done.unwrap();
        answered.insert(i, answer);
    }
    let cut = answered.values().filter(|a| a.is_none()).count();
    assert!(cut > 0, "{context}: the kill came after every answer");
    for (i, answer) in &answered {
        if let Some((status, body)) = answer {
            assert_eq!(
                *status,
                StatusCode::OK,
                "{context}: {:?}: {body}",
                burst[*i]
            );
        }
    }

    // What the kill left: each change whole or absent, and every answered one there.
    let mut done = Vec::new();
    for (i, request) in burst.iter().enumerate() {
        let held = request.done(&app, &hashes).await;
        if answered[&i].is_some() {
            assert!(held, "{context}: {request:?} was answered 200 and is lost");
        }
        done.push(held);
    }

    // Tried again after a restart: what was done is refused as a used key or link, what was
    // not is done now; then everyone logs in with the password they chose.
    let server = Served::start(&app.db.url, dir.path(), &env).await;
    for (request, held) in burst.iter().zip(&done) {
        let (status, body) = send(&server.base, request).await.unwrap();
        let expected = match (request, held) {
            (_, false) => (StatusCode::OK, None),
            (Request::Activate { .. }, true) => (StatusCode::BAD_REQUEST, Some("invalid_key")),
            (Request::Reset { .. }, true) => (StatusCode::BAD_REQUEST, Some("invalid_token")),
        };
        assert_eq!(status, expected.0, "{context}: {request:?} again: {body}");
        if let Some(code) = expected.1 {
            assert_eq!(body["error"], code, "{context}: {request:?} again");
        }
        assert!(request.done(&app, &hashes).await, "{context}: {request:?}");
        let (status, body) = login(
            &server,
            request.portal(),
            request.username(),
            request.password(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{context}: {request:?}: {body}");
        let students: Value = reqwest::Client::new()
            .get(server.url("/api/v1/students"))
            .bearer_auth(body["token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let seen = students["students"].as_array().map_or(0, Vec::len);
        match request.portal() {
            "student" => assert_eq!(seen, 1, "{context}: {request:?}: {students}"),
            _ => assert!(seen >= 1, "{context}: {request:?}: {students}"),
        }
        if let Request::Reset { username, .. } = request {
            let (status, _) = login(&server, "parent", username, OLD).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{context}: {username}");
        }
    }
    eprintln!(
        "{context}: {} of {} done before the kill, {cut} cut off, in {:?}",
        done.iter().filter(|d| **d).count(),
        burst.len(),
        started.elapsed()
    );
    server.kill().await;
    app.stop().await;
}
