//! `homeroom district add|list|set` and `migrate`, through the built binary.

use crate::harness::{TestDb, assert_fails_with, run_binary, run_cli, stdout};

#[tokio::test]
async fn add_list_and_set_a_district() {
    let db = TestDb::fresh().await;
    let added = run_cli(
        &db.url,
        &[
            "district",
            "add",
            "--slug",
            "wake",
            "--name",
            "Wake County Public Schools",
            "--state",
            "nc",
        ],
    )
    .await;
    assert!(added.status.success(), "{added:?}");
    assert!(
        stdout(&added)
            .contains("added wake (Wake County Public Schools, NC); time zone America/New_York")
    );

    let listed = run_cli(&db.url, &["district", "list"]).await;
    assert!(listed.status.success());
    let text = stdout(&listed);
    let row = text.lines().find(|l| l.starts_with("wake ")).expect(&text);
    assert!(
        row.contains("NC") && row.contains("Wake County Public Schools") && row.contains("off")
    );

    let set = run_cli(
        &db.url,
        &["district", "set", "wake", "password_min_length", "12"],
    )
    .await;
    assert!(set.status.success(), "{set:?}");
    let set = run_cli(
        &db.url,
        &["district", "set", "wake", "timezone", "America/Chicago"],
    )
    .await;
    assert!(set.status.success(), "{set:?}");
    let set = run_cli(
        &db.url,
        &["district", "set", "wake", "forgot_password", "on"],
    )
    .await;
    assert!(set.status.success(), "{set:?}");

    // The database holds what the commands said, and the audit log says who changed what.
    let app = crate::harness::spawn_app_with(db, |c| c).await;
    let district = crate::harness::district(&app, "wake").await;
    assert_eq!(district.settings.password_min_length, 12);
    assert_eq!(district.settings.timezone.as_str(), "America/Chicago");
    assert!(district.settings.forgot_password);
    assert!(!district.settings.forgot_username);
    let audit = app.app.store.audit_entries(district.id, 10).await.unwrap();
    let actions: Vec<_> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.target.as_deref(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            (
                "district.setting_changed",
                Some("forgot_password"),
                Some("on")
            ),
            (
                "district.setting_changed",
                Some("timezone"),
                Some("America/Chicago")
            ),
            (
                "district.setting_changed",
                Some("password_min_length"),
                Some("12")
            ),
            (
                "district.created",
                Some("wake"),
                Some("Wake County Public Schools (NC)")
            ),
        ]
    );
    assert!(audit.iter().all(|e| e.actor == "operator"));
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_one_line_and_a_non_zero_exit() {
    let db = TestDb::fresh().await;
    let add = |slug: &'static str, state: &'static str| {
        let url = db.url.clone();
        async move {
            run_cli(
                &url,
                &[
                    "district",
                    "add",
                    "--slug",
                    slug,
                    "--name",
                    "Durham Public Schools",
                    "--state",
                    state,
                ],
            )
            .await
        }
    };
    assert!(add("durham", "NC").await.status.success());

    assert_fails_with(
        &add("durham", "NC").await,
        "a district with the slug \"durham\" already exists",
    );
    assert_fails_with(&add("raleigh", "XX").await, "unknown state \"XX\"");
    assert_fails_with(&add("Not A Slug", "NC").await, "invalid district slug");

    let set = |args: &'static [&'static str]| {
        let url = db.url.clone();
        async move {
            let mut full = vec!["district", "set"];
            full.extend_from_slice(args);
            run_cli(&url, &full).await
        }
    };
    assert_fails_with(
        &set(&["durham", "colour", "blue"]).await,
        "unknown setting \"colour\"",
    );
    assert_fails_with(
        &set(&["durham", "forgot_password", "maybe"]).await,
        "forgot_password is on or off",
    );
    assert_fails_with(
        &set(&["durham", "password_min_length", "6"]).await,
        "from 8 to 64",
    );
    assert_fails_with(
        &set(&["durham", "timezone", "Mars/Base"]).await,
        "unknown time zone",
    );
    assert_fails_with(
        &set(&["nowhere", "linking", "off"]).await,
        "no district has the slug \"nowhere\"",
    );

    // Nothing half-written: the refused commands changed nothing.
    let listed = stdout(&run_cli(&db.url, &["district", "list"]).await);
    assert_eq!(
        listed.lines().filter(|l| l.starts_with("durham ")).count(),
        1
    );
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[tokio::test]
async fn a_bad_configuration_stops_the_start_with_one_line() {
    let out = run_binary(
        &["--database-url", "mysql://root:secret@db/x", "migrate"],
        &[],
    )
    .await;
    assert_fails_with(&out, "unsupported database URL scheme \"mysql\"");
    assert!(!crate::harness::stderr(&out).contains("secret"));

    let out = run_binary(
        &["migrate"],
        &[("HOMEROOM_DATABASE_URL", "sqlite:///no/such/dir/x.db")],
    )
    .await;
    assert_fails_with(&out, "unable to open database file");

    let out = run_binary(&["serve", "--bind", "nowhere"], &[]).await;
    assert_fails_with(&out, "bind must be an address and port");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("homeroom.toml");
    std::fs::write(&file, "databse_url = \"sqlite://x.db\"\n").unwrap();
    let out = run_binary(&["--config", file.to_str().unwrap(), "migrate"], &[]).await;
    assert_fails_with(&out, "unknown field `databse_url`");
}

#[tokio::test]
async fn migrate_creates_the_database_and_is_repeatable() {
    let db = TestDb::fresh().await;
    for _ in 0..2 {
        let out = run_cli(&db.url, &["migrate"]).await;
        assert!(out.status.success(), "{out:?}");
        assert!(stdout(&out).starts_with("migrations applied"));
    }
    // Nothing configured: the default SQLite file appears in the working directory.
    let dir = tempfile::tempdir().unwrap();
    let out = crate::harness::homeroom_command(dir.path())
        .arg("migrate")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(dir.path().join("homeroom.db").exists());
}

/// With `log_format = "json"` every log line is one JSON object, and a request's lines carry
/// its id.
#[tokio::test]
async fn json_logs_are_one_object_a_line_with_the_request_id() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    let db = TestDb::fresh().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::harness::homeroom_command(dir.path())
        .args(["--database-url", &db.url, "serve", "--bind", "127.0.0.1:0"])
        .env("HOMEROOM_LOG_FORMAT", "json")
        .env("HOMEROOM_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the server stopped");
        if let Some(rest) = line.strip_prefix("Homeroom is listening on ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    let response = reqwest::Client::new()
        .get(format!("{address}/api/v1/openapi.json"))
        .header("x-request-id", "lb-json-7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // A load balancer's probes are answered without a line.
    let response = reqwest::Client::new()
        .get(format!("{address}/healthz"))
        .header("x-request-id", "probe-8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // SIGTERM: it finishes and flushes its log.
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    child.wait().await.unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .await
        .unwrap();
    let logged: Vec<serde_json::Value> = err
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let answered: Vec<_> = logged
        .iter()
        .filter(|l| l["span"]["request_id"] == "lb-json-7")
        .collect();
    assert_eq!(answered.len(), 1, "one line a request: {err}");
    assert_eq!(answered[0]["level"], "INFO");
    assert_eq!(answered[0]["fields"]["status"], 200, "{err}");
    assert!(!err.contains("probe-8"), "{err}");
}

/// The environment file shipped in deploy/ is one the server accepts, every name in it read.
#[test]
fn the_deploy_environment_file_is_a_valid_configuration() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/homeroom.env"))
        .unwrap();
    let vars: std::collections::HashMap<String, String> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, value) = l.split_once('=').unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    let read = std::cell::RefCell::new(std::collections::HashSet::new());
    let input = homeroom::config::ConfigInput::from_env(|name| {
        read.borrow_mut().insert(name.to_owned());
        vars.get(name).cloned()
    })
    .unwrap();
    let config = input.resolve().unwrap();
    assert_eq!(config.public_url.as_str(), "https://portal.example.org/");
    assert_eq!(config.log_format, homeroom::config::LogFormat::Json);
    for name in vars.keys() {
        assert!(read.borrow().contains(name), "{name} is not a setting");
    }
}
