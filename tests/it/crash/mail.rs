//! The job queue killed while it sends mail: password-reset mails asked for through the API,
//! and a school message (a fan-out job, then a mail for each family that asked for one), sent
//! through a slow mail server by a server that is killed twice and started again. Every mail
//! arrives; a mail arrives twice only where a kill fell after the mail server took it and
//! before its job was recorded done; the last copy of each reset mail has a link that works;
//! no job is left claimed or dead; and the fan-out ran once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use homeroom::config::ConfigInput;
use homeroom::domain::PersonRole;
use homeroom::services::activation::{self, Activation};
use homeroom::services::auth::{Client, Device};
use homeroom::services::notifications::{self, MessageRequest};
use homeroom::store::{Channel, KeyScope, SessionKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Dice, generated_district, rows};
use crate::harness::{Served, TestApp, TestDb, operator, spawn_app_with};
use crate::recovery::token_in;
use crate::smtp::{Received, Sink};

const SLUG: &str = "crash-mail";
/// Families with an account: each asks for a reset link, and each wants school messages by mail.
const ACCOUNTS: usize = 10;
const MESSAGE: &str = "Early release on Friday";

/// The job a received mail was sent for.
fn key_of(message: &Received) -> String {
    message
        .header("X-Homeroom-Idempotency-Key")
        .expect("every mail names its job")
}

/// How many copies of each job's mail arrived.
fn copies(received: &[Received]) -> BTreeMap<String, usize> {
    let mut copies = BTreeMap::new();
    for message in received {
        *copies.entry(key_of(message)).or_insert(0) += 1;
    }
    copies
}

/// Each job's state, by its key.
async fn job_states(app: &TestApp) -> BTreeMap<String, String> {
    rows(
        &app.db.url,
        "SELECT idempotency_key, state FROM jobs".into(),
    )
    .await
    .into_iter()
    .map(|row| (row[0].clone(), row[1].clone()))
    .collect()
}

/// What a kill left: the mails that had arrived and the jobs still claimed. A mail that had
/// arrived while its job was still claimed is in the kill's window: sent, not recorded.
struct Kill {
    window: BTreeSet<String>,
}

impl Kill {
    async fn of(app: &TestApp, sink: &Sink) -> Self {
        // What the killed server had written to the mail server before it died is still read
        // and taken after the kill: the window counts it too.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let arrived = copies(&sink.received().await);
        let window = job_states(app)
            .await
            .into_iter()
            .filter(|(key, state)| state == "running" && arrived.contains_key(key))
            .map(|(key, _)| key)
            .collect();
        Self { window }
    }
}

/// Waits (up to `limit`) until `done` holds for what the sink received.
async fn until_received(sink: &Sink, limit: Duration, done: impl Fn(&[Received]) -> bool) {
    let started = Instant::now();
    while !done(&sink.received().await) {
        assert!(started.elapsed() < limit, "no such mail in {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits (up to `limit`) until no job waits or runs; answers the jobs' states.
async fn until_settled(app: &TestApp, limit: Duration) -> BTreeMap<String, String> {
    let started = Instant::now();
    loop {
        let states = job_states(app).await;
        if states.values().all(|s| s != "pending" && s != "running") {
            return states;
        }
        if started.elapsed() >= limit {
            let waiting = rows(
                &app.db.url,
                "SELECT idempotency_key, state, attempts, run_at, last_error FROM jobs \
                 WHERE state <> 'done'"
                    .into(),
            )
            .await;
            panic!("jobs still waiting after {limit:?}: {waiting:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Accounts for the first `n` guardians, made by their activation keys; each wants school
/// messages by mail. Answers their usernames.
async fn families(app: &TestApp, district: &homeroom::domain::District, n: usize) -> Vec<String> {
    let scope = KeyScope {
        role: Some(PersonRole::Guardian),
        school: None,
        person: None,
        regenerate: false,
    };
    let keys = activation::generate(&app.app, district, &scope, "operator")
        .await
        .unwrap();
    let client = Client {
        address: "127.0.0.1".into(),
        user_agent: None,
    };
    let mut usernames = Vec::new();
    for (i, issued) in keys.iter().take(n).enumerate() {
        let username = format!("family-{i:02}");
        let request = Activation {
            key: issued.key.normalized(),
            username: &username,
            password: "lantern harbor meadow",
            captcha: None,
            kind: SessionKind::App,
            device: Device::default(),
        };
        let account = activation::activate(&app.app, district, request, &client)
            .await
            .unwrap()
            .account;
        let mut tx = app.app.store.begin().await.unwrap();
        tx.set_channel_preference(
            district.id,
            account.id,
            "message",
            Channel::Email,
            true,
            app.app.clock.unix(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        usernames.push(username);
    }
    usernames
}

async fn post(server: &Served, path: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn mail_jobs_killed_while_sending_all_arrive_after_a_restart_and_twice_only_across_a_kill() {
    let started = Instant::now();
    let mut dice = Dice::new("crash::mail");
    let seed = dice.seed;
    let sink = Sink::start().await;
    let app = spawn_app_with(TestDb::fresh().await, |c| ConfigInput {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(sink.port),
        smtp_tls: Some("none".into()),
        ..c
    })
    .await;
    let district = generated_district(&app, SLUG, 30).await;
    let usernames = families(&app, &district, ACCOUNTS).await;
    let dir = tempfile::tempdir().unwrap();
    let port = sink.port.to_string();
    let env = [
        ("HOMEROOM_SMTP_HOST", "127.0.0.1"),
        ("HOMEROOM_SMTP_PORT", port.as_str()),
        ("HOMEROOM_SMTP_TLS", "none"),
    ];
    let forgot = format!("/api/v1/districts/{SLUG}/password/forgot");
    let mut kills = Vec::new();

    // The first server: the mail server takes each mail at once and answers a second later.
    sink.greet_after(Duration::from_millis(50));
    sink.answer_after(Duration::from_secs(1));
    let server = Served::start(&app.db.url, dir.path(), &env).await;
    for username in &usernames {
        let (status, _) = post(&server, &forgot, json!({ "username": username })).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    notifications::send_message(
        &app.app,
        &operator(&district),
        &MessageRequest {
            audience: "district",
            reference: None,
            title: MESSAGE,
            body: "School ends at noon.",
        },
    )
    .await
    .unwrap();
    // Killed as the mail server has taken the first, second or third reset mail and not yet
    // answered: that mail is sent, and its job not recorded done.
    let nth = usize::try_from(dice.between(1, 3)).unwrap();
    until_received(&sink, Duration::from_secs(30), |received| {
        received
            .iter()
            .filter(|m| key_of(m).starts_with("reset:"))
            .count()
            >= nth
    })
    .await;
    server.kill().await;
    kills.push(Kill::of(&app, &sink).await);

    // The second server is killed at a point drawn from the seed: a few mails later, a moment
    // into the next one (the mail server greets after 50 ms and answers 150 ms after taking it).
    sink.answer_after(Duration::from_millis(150));
    let server = Served::start(&app.db.url, dir.path(), &env).await;
    let arrived = sink.received().await.len();
    let more = usize::try_from(dice.between(1, 5)).unwrap();
    let pause = Duration::from_millis(dice.between(0, 300));
    until_received(&sink, Duration::from_secs(30), |received| {
        received.len() >= arrived + more
    })
    .await;
    tokio::time::sleep(pause).await;
    server.kill().await;
    kills.push(Kill::of(&app, &sink).await);

    // The third runs to the end: what the killed servers held comes back to it when their
    // leases (30 s) run out.
    sink.greet_after(Duration::ZERO);
    sink.answer_after(Duration::ZERO);
    let server = Served::start(&app.db.url, dir.path(), &env).await;
    let states = until_settled(&app, Duration::from_secs(75)).await;
    let context = format!(
        "seed {seed}: killed at reset mail {nth}, then {more} mails and {pause:?} after the restart"
    );
    assert!(
        states.values().all(|s| s == "done"),
        "{context}: {states:?}"
    );
    let received = sink.received().await;
    let copies = copies(&received);
    let mails: BTreeSet<&String> = states
        .keys()
        .filter(|k| k.starts_with("reset:") || k.starts_with("notification:"))
        .collect();
    let (resets, notes): (Vec<&String>, Vec<&String>) =
        mails.iter().partition(|k| k.starts_with("reset:"));
    assert_eq!(resets.len(), ACCOUNTS, "{context}");
    // The message's fan-out ran once: one notification a family, one mail each.
    assert_eq!(notes.len(), ACCOUNTS, "{context}");
    let told = rows(
        &app.db.url,
        format!("SELECT COUNT(*) FROM notifications WHERE title = '{MESSAGE}'"),
    )
    .await;
    assert_eq!(told[0][0], ACCOUNTS.to_string(), "{context}");
    // Every mail arrived, and nothing else did.
    for key in &mails {
        assert!(copies.contains_key(*key), "{context}: {key} never arrived");
    }
    assert!(
        copies.keys().all(|key| states.contains_key(key)),
        "{context}: {copies:?}"
    );
    // A second copy only of a mail that a kill caught sent and not recorded; each kill caught
    // at most one; the first kill caught its reset mail, which was sent again.
    for (key, n) in &copies {
        let caught = kills.iter().filter(|k| k.window.contains(key)).count();
        assert!(
            n - 1 <= caught,
            "{context}: {key} arrived {n} times, caught by {caught} kills"
        );
    }
    let twice: usize = copies.values().map(|n| n - 1).sum();
    let caught: BTreeSet<&String> = kills.iter().flat_map(|k| &k.window).collect();
    assert!(caught.len() <= kills.len(), "{context}: {caught:?}");
    assert!(twice <= kills.len(), "{context}: {copies:?}");
    assert_eq!(kills[0].window.len(), 1, "{context}");
    let first = kills[0].window.iter().next().unwrap();
    assert!(first.starts_with("reset:"), "{context}: {first}");
    assert_eq!(copies[first], 2, "{context}: {first} was sent again");
    eprintln!(
        "{context}: {} mails, {twice} sent twice ({caught:?}), in {:?}",
        mails.len(),
        started.elapsed()
    );

    // The link in the last copy of each reset mail works, a resent one's too.
    let reset = format!("/api/v1/districts/{SLUG}/password/reset");
    let login = format!("/api/v1/districts/{SLUG}/login");
    for key in &resets {
        let last = received.iter().rev().find(|m| key_of(m) == **key).unwrap();
        let (status, body) = post(
            &server,
            &reset,
            json!({"token": token_in(last), "password": "a fresh copper kettle"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{context}: {key}: {body}");
    }
    for username in &usernames {
        let (status, body) = post(
            &server,
            &login,
            json!({"portal": "parent", "username": username, "password": "a fresh copper kettle"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{context}: {username}: {body}");
    }
    // The "password changed" mails the resets queued go out once each: no kill now.
    let states = until_settled(&app, Duration::from_secs(30)).await;
    assert!(
        states.values().all(|s| s == "done"),
        "{context}: {states:?}"
    );
    let copies = self::copies(&sink.received().await);
    let changed: Vec<_> = states
        .keys()
        .filter(|k| k.starts_with("changed:"))
        .collect();
    assert_eq!(changed.len(), ACCOUNTS, "{context}");
    for key in changed {
        assert_eq!(copies.get(key), Some(&1), "{context}: {key}");
    }
    server.kill().await;
    app.stop().await;
}
