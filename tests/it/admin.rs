//! The staff console: people and accounts of the staff member's own district only.

use serde_json::{Value, json};

use crate::harness::{TestApp, TestDb, spawn_app_with};
use homeroom::config::ConfigInput;
use homeroom::domain::SourcedId;

async fn app() -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    app
}

pub(crate) async fn person_id(app: &TestApp, district: &str, sourced_id: &str) -> i64 {
    let district = crate::harness::district(app, district).await;
    let mut tx = app.app.store.begin().await.unwrap();
    let id = tx
        .person_id(district.id, SourcedId::parse(sourced_id).unwrap().as_str())
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn web_login(app: &TestApp, portal: &str, username: &str, password: &str) {
    let response = app
        .client
        .post(app.url(&format!("/d/cedar-valley/{portal}")))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{username} logs in");
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The text after `label: <strong class="secret">`.
fn secret(page: &str) -> String {
    let start = page
        .find(r#"<strong class="secret">"#)
        .expect("a secret is shown")
        + r#"<strong class="secret">"#.len();
    page[start..].split('<').next().unwrap().to_owned()
}

async fn api_login(app: &TestApp, portal: &str, username: &str, password: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&json!({"portal": portal, "username": username, "password": password}))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn staff_find_people_and_hand_out_keys_letters_and_accounts() {
    let app = app().await;
    assert_eq!(
        app.get("/d/cedar-valley/admin").await.headers()["location"],
        "/d/cedar-valley/staff"
    );
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;

    let (status, page) = app.get_text("/d/cedar-valley/admin?q=okafor").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Staff Console</h1>"));
    for name in ["James Okafor", "Amara Okafor", "Daniel Okafor"] {
        assert!(page.contains(name), "{name}");
    }
    assert!(!page.contains("Alvarez"));
    let (_, page) = app.get_text("/d/cedar-valley/admin?q=maria.ALV").await;
    assert!(page.contains("Maria Alvarez") && page.contains("account maria.alvarez"));

    // A key, shown once, that works.
    let james = person_id(&app, "cedar-valley", "cv-g-james").await;
    let (status, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{james}/key"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let key = secret(&page);
    assert_eq!(key.len(), 24);
    let (_, page) = app
        .get_text(&format!("/d/cedar-valley/admin/people/{james}"))
        .await;
    assert!(!page.contains(&key), "the key is not shown again");

    // A letter makes a new key; the one before stops working.
    let (status, letter) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{james}/letter"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(letter.contains(r#"<section class="letter">"#) && letter.contains("James Okafor"));
    let activate = |key: String, username: &'static str| {
        reqwest::Client::new()
            .post(app.url("/api/v1/districts/cedar-valley/activate"))
            .json(&json!({"key": key, "username": username, "password": "blue heron sunrise"}))
            .send()
    };
    let old = activate(key, "james.okafor").await.unwrap();
    assert_eq!(old.status(), 400);
    let start = letter.find(r#"<span class="key">"#).unwrap() + r#"<span class="key">"#.len();
    let new_key = letter[start..start + 24].to_owned();
    assert_eq!(
        activate(new_key, "james.okafor").await.unwrap().status(),
        200
    );

    // An account made by staff starts with a temporary password that must be changed.
    let amara = person_id(&app, "cedar-valley", "cv-s-amara").await;
    let (status, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{amara}/account"),
        &[("username", "amara.okafor")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let temporary = secret(&page);
    let (status, body) = api_login(&app, "student", "amara.okafor", &temporary).await;
    assert_eq!(status, 200);
    assert_eq!(body["account"]["must_change_password"], true);
    let (status, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{amara}/account"),
        &[("username", "another")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains("This person already has an account."));

    let district = crate::harness::district(&app, "cedar-valley").await;
    let audit = app.app.store.audit_entries(district.id, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "account.created_by_staff" && e.actor == "cv-admin")
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "key.issued" && e.actor == "cv-admin")
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_reset_disable_and_enable_accounts() {
    let app = app().await;
    let (_, body) = api_login(&app, "parent", "maria.alvarez", "maple river lantern").await;
    let token = body["token"].as_str().unwrap().to_owned();
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
                .as_u16()
        }
    };
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let maria = person_id(&app, "cedar-valley", "cv-g-maria").await;

    let (status, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{maria}/reset"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let temporary = secret(&page);
    assert_eq!(me(token).await, 401, "a reset ends the family's sessions");
    let (status, body) = api_login(&app, "parent", "maria.alvarez", &temporary).await;
    assert_eq!(
        (status, body["account"]["must_change_password"].as_bool()),
        (200, Some(true))
    );
    let token = body["token"].as_str().unwrap().to_owned();

    let (status, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{maria}/disable"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("maria.alvarez (disabled)"));
    assert_eq!(me(token).await, 401, "disabling ends the tokens");
    assert_eq!(
        api_login(&app, "parent", "maria.alvarez", &temporary)
            .await
            .0,
        401
    );
    let (_, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{maria}/enable"),
        &[],
    )
    .await;
    assert!(page.contains("maria.alvarez (active)"));
    assert_eq!(
        api_login(&app, "parent", "maria.alvarez", &temporary)
            .await
            .0,
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn the_console_is_for_this_districts_staff_only() {
    let app = app().await;
    // Another district's person, reached through this district's console, does not exist.
    let lucia = person_id(&app, "lakeshore", "ls-s-lucia").await;
    let lakeshore_maria = person_id(&app, "lakeshore", "ls-g-maria").await;
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let (status, _) = app
        .get_text(&format!("/d/cedar-valley/admin/people/{lucia}"))
        .await;
    assert_eq!(status, 404);
    for action in ["key", "letter", "reset", "disable", "account"] {
        let (status, _) = post(
            &app,
            &format!("/d/cedar-valley/admin/people/{lakeshore_maria}/{action}"),
            &[("username", "intruder")],
        )
        .await;
        assert_eq!(status, 404, "{action}");
    }
    let (_, page) = app.get_text("/d/cedar-valley/admin?q=lucia").await;
    assert!(page.contains("Nobody found"));
    let lakeshore = crate::harness::district(&app, "lakeshore").await;
    let audit = app
        .app
        .store
        .audit_entries(lakeshore.id, 100)
        .await
        .unwrap();
    assert!(
        !audit
            .iter()
            .any(|e| e.action.starts_with("key.") || e.action.starts_with("account.")),
        "nothing happened there"
    );

    // A parent is not staff: the console does not exist for them.
    let parent = spawn_app_with(TestDb::fresh().await, |c| c).await;
    homeroom::services::demo::load(&parent.app).await.unwrap();
    web_login(&parent, "parent", "maria.alvarez", "maple river lantern").await;
    assert_eq!(parent.get("/d/cedar-valley/admin").await.status(), 404);
    let sofia = person_id(&parent, "cedar-valley", "cv-s-sofia").await;
    assert_eq!(
        parent
            .get(&format!("/d/cedar-valley/admin/people/{sofia}"))
            .await
            .status(),
        404
    );
    let (status, _) = post(
        &parent,
        &format!("/d/cedar-valley/admin/people/{sofia}/reset"),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    parent.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn staff_switch_portal_access_and_an_import_never_turns_it_back() {
    let app = app().await;
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let maria = person_id(&app, "cedar-valley", "cv-g-maria").await;
    let (_, page) = app
        .get_text(&format!("/d/cedar-valley/admin/people/{maria}"))
        .await;
    assert!(page.contains("Mateo Alvarez") && page.contains("Sofia Alvarez"));
    let district = crate::harness::district(&app, "cedar-valley").await;
    let relationships = app
        .app
        .store
        .relationships_of(district.id, maria)
        .await
        .unwrap();
    let mateo = relationships
        .iter()
        .find(|r| r.other_name == "Mateo Alvarez")
        .unwrap();
    assert!(mateo.portal);

    let (status, page) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{maria}/portal"),
        &[("relationship", &mateo.id.to_string()), ("portal", "off")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("Portal access off"));

    // A relationship of someone else cannot be switched through Maria's page.
    let james = person_id(&app, "cedar-valley", "cv-g-james").await;
    let other = app
        .app
        .store
        .relationships_of(district.id, james)
        .await
        .unwrap()[0]
        .id;
    let (status, _) = post(
        &app,
        &format!("/d/cedar-valley/admin/people/{maria}/portal"),
        &[("relationship", &other.to_string()), ("portal", "off")],
    )
    .await;
    assert_eq!(status, 404);

    // A roster import that names the relationship again leaves staff's choice alone.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("users.csv"),
        "sourcedId,orgSourcedIds,role,givenName,familyName,agentSourcedIds\n\
         cv-g-maria,cv-elem,parent,Maria,Alvarez,\"cv-s-sofia,cv-s-mateo\"\n\
         cv-s-sofia,cv-elem,student,Sofia,Alvarez,cv-g-maria\n\
         cv-s-mateo,cv-middle,student,Mateo,Alvarez,cv-g-maria\n",
    )
    .unwrap();
    let out = app
        .cli(&[
            "import",
            "oneroster",
            "--district",
            "cedar-valley",
            dir.path().to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    let after = app
        .app
        .store
        .relationships_of(district.id, maria)
        .await
        .unwrap();
    let mateo_after = after
        .iter()
        .find(|r| r.other_name == "Mateo Alvarez")
        .unwrap();
    assert!(!mateo_after.portal && mateo_after.active, "{mateo_after:?}");
    let audit = app.app.store.audit_entries(district.id, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "relationship.portal_off" && e.actor == "cv-admin")
    );
    app.stop().await;
}

#[tokio::test]
async fn letters_are_styled_by_a_sheet_the_content_security_policy_allows() {
    let app = app().await;
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let james = person_id(&app, "cedar-valley", "cv-g-james").await;
    let response = app
        .client
        .post(app.url(&format!("/d/cedar-valley/admin/people/{james}/letter")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"));
    let letter = response.text().await.unwrap();
    assert!(letter.contains(r#"<section class="letter">"#));
    // The policy drops inline style, so the page must carry none.
    assert!(!letter.contains("<style"), "{letter}");
    assert!(!letter.contains("style=\""));
    assert!(letter.contains(r#"<link rel="stylesheet" href="/static/letters.css">"#));

    let sheet = app.get("/static/letters.css").await;
    assert_eq!(sheet.status(), 200);
    assert!(
        sheet.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(sheet.text().await.unwrap().contains(".key"));
    app.stop().await;
}

#[tokio::test]
async fn staff_accounts_are_not_managed_from_the_console() {
    let app = app().await;
    homeroom::services::auth::add_staff(
        &app.app,
        "cedar-valley",
        "cv-second",
        "quiet harbor maple",
    )
    .await
    .unwrap();
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let other = person_id(&app, "cedar-valley", "homeroom-staff:cv-second").await;
    let me = person_id(&app, "cedar-valley", "homeroom-staff:cv-admin").await;

    let (_, page) = app
        .get_text(&format!("/d/cedar-valley/admin/people/{other}"))
        .await;
    // Words from the message files are HTML-escaped like any other value.
    assert!(page.contains("managed by the portal&#39;s operator"));
    assert!(
        !page.contains("/reset\""),
        "no reset button for a staff account"
    );

    for person in [other, me] {
        for action in ["reset", "disable", "enable"] {
            let (status, page) = post(
                &app,
                &format!("/d/cedar-valley/admin/people/{person}/{action}"),
                &[],
            )
            .await;
            assert_eq!(status, 403, "{action}");
            assert!(
                page.contains("managed by the portal&#x27;s operator")
                    || page.contains("managed by the portal&#39;s operator")
                    || page.contains("managed by the portal's operator"),
                "{page}"
            );
            assert!(!page.contains(r#"<strong class="secret">"#));
        }
    }
    // Nothing changed: both still log in with their own passwords.
    assert_eq!(
        api_login(&app, "staff", "cv-second", "quiet harbor maple")
            .await
            .0,
        200
    );
    assert_eq!(
        api_login(&app, "staff", "cv-admin", "granite owl compass")
            .await
            .0,
        200
    );
    let district = crate::harness::district(&app, "cedar-valley").await;
    let audit = app.app.store.audit_entries(district.id, 200).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "account.change_refused")
            .count(),
        6
    );
    assert!(!audit.iter().any(|e| matches!(
        e.action.as_str(),
        "account.password_reset" | "account.disabled" | "account.enabled"
    )));

    // The operator still can, from the command line.
    let out = app
        .cli(&[
            "account",
            "disable",
            "--district",
            "cedar-valley",
            "--username",
            "cv-second",
        ])
        .await;
    assert!(out.status.success(), "{}", crate::harness::stderr(&out));
    app.stop().await;
}

#[tokio::test]
async fn a_refused_administrator_leaves_no_person_behind() {
    let app = app().await;
    let district = crate::harness::district(&app, "cedar-valley").await;
    let staff_person = |username: &str| {
        let id = format!("homeroom-staff:{username}");
        let store = app.app.store.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let found = tx.person_id(district.id, &id).await.unwrap();
            tx.commit().await.unwrap();
            found
        }
    };
    // A family already holds the username; and a password the policy refuses.
    let taken = homeroom::services::auth::add_staff(
        &app.app,
        "cedar-valley",
        "maria.alvarez",
        "quiet harbor maple",
    )
    .await;
    assert!(
        matches!(taken, Err(homeroom::services::Error::UsernameTaken)),
        "{taken:?}"
    );
    assert_eq!(staff_person("maria.alvarez").await, None);
    let weak =
        homeroom::services::auth::add_staff(&app.app, "cedar-valley", "cv-weak", "password").await;
    assert!(
        matches!(weak, Err(homeroom::services::Error::WeakPassword(_))),
        "{weak:?}"
    );
    assert_eq!(staff_person("cv-weak").await, None);

    // Once the username is free, the administrator is added whole.
    let account = homeroom::services::auth::add_staff(
        &app.app,
        "cedar-valley",
        "cv-weak",
        "quiet harbor maple",
    )
    .await
    .unwrap();
    assert_eq!(account.username.as_str(), "cv-weak");
    assert!(staff_person("cv-weak").await.is_some());
    app.stop().await;
}

#[tokio::test]
async fn staff_find_names_beyond_ascii_in_any_case() {
    use sqlx::Connection;
    let app = app().await;
    let district = crate::harness::district(&app, "cedar-valley").await;
    let mut tx = app.app.store.begin().await.unwrap();
    tx.ensure_person(
        district.id,
        &homeroom::store::NewPerson {
            sourced_id: SourcedId::parse("cv-g-sofia").unwrap(),
            role: homeroom::domain::PersonRole::Guardian,
            given_name: "Sofía".to_owned(),
            family_name: "Álvarez Núñez".to_owned(),
            email: None,
            phone: None,
            school: None,
            grade: None,
        },
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Written the way an import writes, without the folded name.
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    sqlx::query(
        "INSERT INTO people (district_id, sourced_id, role, given_name, family_name, created_at, \
           updated_at) VALUES ($1, 'cv-g-zoe', 'guardian', 'Zoë', 'ÉMILE-ÖZ', 0, 0)",
    )
    .bind(district.id.0)
    .execute(&mut conn)
    .await
    .unwrap();

    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let search = |q: &'static str| {
        let request = app
            .client
            .get(app.url("/d/cedar-valley/admin"))
            .query(&[("q", q)]);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    for q in ["álvarez", "ÁLVAREZ", "sofía  álvarez núñez", "NÚÑEZ"] {
        assert!(search(q).await.contains("Sofía Álvarez Núñez"), "{q}");
    }
    assert!(
        !search("alvarez núñez").await.contains("Sofía"),
        "accents count"
    );

    assert!(app.app.store.fill_search_names().await.unwrap() >= 1);
    for q in ["émile-öz", "zoë émile", "ÉMILE"] {
        assert!(search(q).await.contains("Zoë ÉMILE-ÖZ"), "{q}");
    }

    // A name changed the way an import changes it is searched as it is now.
    let mut tx = app.app.store.begin().await.unwrap();
    let states = tx.person_states(district.id).await.unwrap();
    let sofia = &states["cv-g-sofia"];
    tx.put_person(
        district.id,
        Some(sofia.id),
        "cv-g-sofia",
        &homeroom::store::PersonFields {
            role: homeroom::domain::PersonRole::Guardian,
            given_name: "Lucía",
            family_name: &sofia.family_name,
            email: None,
            phone: None,
            school_id: None,
            grade: None,
            active: true,
            modified_at: None,
        },
        1,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!search("sofía").await.contains("Álvarez Núñez"));
    assert!(
        search("LUCÍA ÁLVAREZ")
            .await
            .contains("Lucía Álvarez Núñez")
    );
    conn.close().await.unwrap();
    app.stop().await;
}

/// A .zip of the given files, built in memory.
fn zipped(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

pub(crate) async fn upload(app: &TestApp, bytes: Vec<u8>) -> (u16, String) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("export.zip"),
    );
    let response = app
        .client
        .post(app.url("/d/cedar-valley/admin/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn staff_upload_a_oneroster_zip_and_see_the_report() {
    let app = app().await;
    let manifest = "propertyName,value\nfile.users,delta\nfile.orgs,absent\n";
    let users = |role: &str| {
        format!(
            "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName\n\
             cv-st-zoe,active,2025-01-01T00:00:00Z,true,,{role},,Zoë,Ñúñez\n"
        )
    };

    // Only this district's staff may.
    web_login(&app, "parent", "maria.alvarez", "maple river lantern").await;
    let good = zipped(&[("manifest.csv", manifest), ("users.csv", &users("student"))]);
    assert_eq!(upload(&app, good.clone()).await.0, 404);
    let (status, _) = post(&app, "/d/cedar-valley/logout", &[]).await;
    assert!(status < 400);

    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let console = app
        .client
        .get(app.url("/d/cedar-valley/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(console.contains(r#"enctype="multipart/form-data""#));

    // A bad row: nothing changes, and the report names the row.
    let bad = zipped(&[("manifest.csv", manifest), ("users.csv", &users("wizard"))]);
    let (status, page) = upload(&app, bad).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("Nothing was imported: 1 problem in the files."),
        "{page}"
    );
    assert!(page.contains("users.csv:2:"), "{page}");
    let search = |q: &'static str| {
        let request = app
            .client
            .get(app.url("/d/cedar-valley/admin"))
            .query(&[("q", q)]);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert!(!search("ñúñez").await.contains("Zoë"));

    // Not a .zip at all, or nothing chosen.
    let (status, page) = upload(&app, b"sourcedId,givenName\n".to_vec()).await;
    assert_eq!(status, 400);
    assert!(page.contains("not a .zip"), "{page}");
    let (status, page) = upload(&app, Vec::new()).await;
    assert_eq!(status, 400);
    assert!(page.contains("Choose a .zip file"), "{page}");

    // A good file: imported, reported, audited under the staff member's name.
    let (status, page) = upload(&app, good).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("The import is done."), "{page}");
    assert!(
        page.contains(r#"<th scope="row">people</th><td>1</td><td>0</td><td>0</td>"#),
        "{page}"
    );
    assert!(search("ñúñez").await.contains("Zoë Ñúñez"));
    let district = crate::harness::district(&app, "cedar-valley").await;
    let audit = app.app.store.audit_entries(district.id, 50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "import.oneroster" && e.actor == "cv-admin"),
        "{audit:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_upload_beyond_the_limit_is_refused_whole() {
    let app = spawn_app_with(TestDb::fresh().await, |c| ConfigInput {
        max_import_bytes: Some(1024 * 1024),
        ..c
    })
    .await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let mut big = b"PK\x03\x04".to_vec();
    big.resize(2 * 1024 * 1024, b'x');
    let (status, _) = upload(&app, big).await;
    assert!(status == 413 || status == 400, "{status}");
    app.stop().await;
}
