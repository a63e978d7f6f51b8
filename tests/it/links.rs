//! Linked Districts: generate, link, switch and unlink, through the API and the pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, TestApp, TestDb, account, district, login, spawn_app_with};
use homeroom::domain::AccountKind;

/// The demo (Cedar Valley in NC, Lakeshore in OR, Riverbend in DE), a third district in NC
/// (Pine County), and accounts in each.
async fn app() -> TestApp {
    app_with(|c| c).await
}

/// [`app`] with its configuration adjusted; Pine's Maria has the address `pine@example.net`.
pub(crate) async fn app_with(
    adjust: impl FnOnce(homeroom::config::ConfigInput) -> homeroom::config::ConfigInput,
) -> TestApp {
    let app = spawn_app_with(TestDb::fresh().await, adjust).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    homeroom::services::districts::add(&app.app, "pine", "Pine County Schools", "NC")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orgs.csv"),
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nd,,,Pine,district,,\np1,,,Pine Elementary,school,,d\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("users.csv"),
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n\
pg1,,,true,p1,parent,,,Maria,Alvarez,,,pine@example.net,,,ps1,,\n\
ps1,,,true,p1,student,,,Rosa,Alvarez,,,,,,pg1,02,\n",
    )
    .unwrap();
    let pine = district(&app, "pine").await;
    homeroom::services::import::oneroster(
        &app.app,
        &crate::harness::operator(&pine),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    account(&app, "pine", "pg1", AccountKind::Parent, "pine.maria").await;
    account(&app, "riverbend", "g1", AccountKind::Parent, "rb.parent").await;
    account(&app, "riverbend", "g2", AccountKind::Parent, "rb.other").await;
    account(
        &app,
        "cedar-valley",
        "cv-g-james",
        AccountKind::Parent,
        "james.okafor",
    )
    .await;
    account(
        &app,
        "lakeshore",
        "ls-g-maria",
        AccountKind::Parent,
        "ls.maria",
    )
    .await;
    app
}

pub(crate) async fn maria(app: &TestApp) -> String {
    login(
        app,
        "cedar-valley",
        "parent",
        "maria.alvarez",
        "maple river lantern",
    )
    .await
}

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn code(app: &TestApp, token: &str) -> String {
    let (status, body) = call(
        app,
        reqwest::Method::POST,
        "/api/v1/me/links/code",
        token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = body["code"].as_str().unwrap().to_owned();
    // `<district>-ABCD-EFGH`: the number of the district that made it, then the secret.
    let (district, secret) = code.split_once('-').unwrap();
    assert!(district.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert_eq!(secret.len(), 9, "{code}");
    assert_eq!(&secret[4..5], "-");
    code
}

pub(crate) async fn link(app: &TestApp, token: &str, code: &str) -> (StatusCode, Value) {
    call(
        app,
        reqwest::Method::POST,
        "/api/v1/me/links",
        token,
        Some(json!({"code": code})),
    )
    .await
}

pub(crate) async fn links(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let (status, body) = call(app, reqwest::Method::GET, "/api/v1/me/links", token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["district"]["slug"].as_str().unwrap().to_owned(),
                l["username"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub(crate) fn link_id(list: &Value, slug: &str) -> i64 {
    list["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["district"]["slug"] == slug)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn audited(app: &TestApp, slug: &str, action: &str) -> usize {
    let district = district(app, slug).await;
    app.app
        .store
        .audit_entries(district.id, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

#[tokio::test]
async fn link_switch_and_unlink_across_districts() {
    let app = app().await;
    let cv = maria(&app).await;
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    let pine = login(&app, "pine", "parent", "pine.maria", PASSWORD).await;

    // Generate in Cedar Valley; enter in Riverbend; Link.
    let first = code(&app, &cv).await;
    // Generating again replaces the earlier code.
    let second = code(&app, &cv).await;
    assert_eq!(link(&app, &rb, &first).await.1["error"], "invalid_code");
    let (status, body) = link(&app, &rb, &second.to_lowercase()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        links(&app, &rb).await,
        [("cedar-valley".into(), "maria.alvarez".into())]
    );
    assert_eq!(
        links(&app, &cv).await,
        [("riverbend".into(), "rb.parent".into())]
    );
    // A code works once.
    assert_eq!(link(&app, &rb, &second).await.1["error"], "invalid_code");
    assert_eq!(audited(&app, "cedar-valley", "link.created").await, 1);
    assert_eq!(audited(&app, "riverbend", "link.created").await, 1);

    // Pine with Riverbend puts all three together.
    let pine_code = code(&app, &pine).await;
    assert_eq!(link(&app, &rb, &pine_code).await.0, StatusCode::CREATED);
    let mut from_pine = links(&app, &pine).await;
    from_pine.sort();
    assert_eq!(
        from_pine,
        [
            ("cedar-valley".into(), "maria.alvarez".into()),
            ("riverbend".into(), "rb.parent".into())
        ]
    );
    // Linked already.
    let again = code(&app, &cv).await;
    let (status, body) = link(&app, &pine, &again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Switch from Cedar Valley to Riverbend: a new token; the old one ends.
    let (_, list) = call(&app, reqwest::Method::GET, "/api/v1/me/links", &cv, None).await;
    let to_rb = link_id(&list, "riverbend");
    let (status, switched) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/me/links/{to_rb}/switch"),
        &cv,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{switched}");
    assert_eq!(switched["account"]["username"], "rb.parent");
    assert_eq!(switched["account"]["district"]["slug"], "riverbend");
    let new_token = switched["token"].as_str().unwrap();
    let (status, me) = call(&app, reqwest::Method::GET, "/api/v1/me", new_token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "rb.parent");
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/me", &cv, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(audited(&app, "cedar-valley", "link.switched_out").await, 1);
    assert_eq!(audited(&app, "riverbend", "link.switched_in").await, 1);

    // Unlink Cedar Valley from Riverbend: Maria can no longer switch there.
    let cv = maria(&app).await;
    let (_, list) = call(&app, reqwest::Method::GET, "/api/v1/me/links", &rb, None).await;
    let maria_link = link_id(&list, "cedar-valley");
    let (status, _) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/me/links/{maria_link}"),
        &rb,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(links(&app, &cv).await.is_empty());
    assert_eq!(
        links(&app, &rb).await,
        [("pine".into(), "pine.maria".into())]
    );
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/me/links/{to_rb}/switch"),
        &cv,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audited(&app, "cedar-valley", "link.removed").await, 1);
    // Someone else's link id is not found either.
    let (status, _) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/me/links/{maria_link}"),
        &pine,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn codes_are_refused_for_the_wrong_kind_the_same_district_and_when_expired() {
    let app = app().await;
    let cv = maria(&app).await;
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    let james = login(&app, "cedar-valley", "parent", "james.okafor", PASSWORD).await;
    let sofia = login(
        &app,
        "cedar-valley",
        "student",
        "sofia.alvarez",
        "orange kite meadow",
    )
    .await;

    let student_code = code(&app, &sofia).await;
    let (status, body) = link(&app, &rb, &student_code).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("parent account"));

    let same = code(&app, &cv).await;
    let (status, body) = link(&app, &james, &same).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["message"].as_str().unwrap().contains("one district"));

    let expiring = code(&app, &cv).await;
    app.app.clock.advance(11 * 60);
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    let (status, body) = link(&app, &rb, &expiring).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_code");
    // The right secret under another district's number, or under none, is no code.
    let fresh = code(&app, &cv).await;
    let (_, secret) = fresh.split_once('-').unwrap();
    let (status, body) = link(&app, &rb, &format!("999-{secret}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_code");
    let (status, body) = link(&app, &rb, secret).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_code"))
    );
    for junk in [
        "",
        "ABC",
        "ABCD-EFGH-J",
        "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
    ] {
        let (status, body) = link(&app, &rb, junk).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{junk:?}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn ten_wrong_codes_lock_code_entry_for_the_hour() {
    let app = app().await;
    let cv = maria(&app).await;
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    for _ in 0..10 {
        assert_eq!(
            link(&app, &rb, "ZZZZ-ZZZZ").await.1["error"],
            "invalid_code"
        );
    }
    let good = code(&app, &cv).await;
    let (status, body) = link(&app, &rb, &good).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "locked");
    // Another account is not held back by this one's mistakes.
    let other = login(&app, "riverbend", "parent", "rb.other", PASSWORD).await;
    assert_eq!(link(&app, &other, &good).await.0, StatusCode::CREATED);
    app.stop().await;
}

#[tokio::test]
async fn where_linking_is_not_offered_there_is_nothing_to_use() {
    let app = app().await;
    let ls = login(&app, "lakeshore", "parent", "ls.maria", PASSWORD).await;
    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/me/links/code"),
        (reqwest::Method::GET, "/api/v1/me/links"),
    ] {
        let (status, body) = call(&app, method, path, &ls, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["error"], "linking_unavailable");
    }
    // A code from Oregon cannot be made; one from a district that turned linking off is
    // refused where it is entered.
    let cv = maria(&app).await;
    let c = code(&app, &cv).await;
    homeroom::services::districts::set(&app.app, "cedar-valley", "linking", "off")
        .await
        .unwrap();
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    let (status, body) = link(&app, &rb, &c).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "linking_unavailable");
    let (_, page) = reqwest::Client::new()
        .get(app.url("/d/lakeshore/home"))
        .bearer_auth(&ls)
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert!(!page.text().await.unwrap().contains("Linked Districts"));
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_or_reset_account_drops_out_of_its_group() {
    let app = app().await;
    let cv = maria(&app).await;
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    let pine = login(&app, "pine", "parent", "pine.maria", PASSWORD).await;
    let c = code(&app, &cv).await;
    assert_eq!(link(&app, &rb, &c).await.0, StatusCode::CREATED);
    let c = code(&app, &pine).await;
    assert_eq!(link(&app, &rb, &c).await.0, StatusCode::CREATED);
    // Staff of Riverbend disable rb.parent: Maria's accounts no longer reach it.
    let riverbend = district(&app, "riverbend").await;
    let rb_account =
        homeroom::services::admin::account_by_username(&app.app, &riverbend, "rb.parent")
            .await
            .unwrap();
    homeroom::services::admin::set_active(
        &app.app,
        &crate::harness::operator(&riverbend),
        &rb_account,
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        links(&app, &cv).await,
        [("pine".into(), "pine.maria".into())]
    );
    // Staff of Pine reset pine.maria's password: she leaves too, and the group is gone.
    let pine_district = district(&app, "pine").await;
    let pine_account =
        homeroom::services::admin::account_by_username(&app.app, &pine_district, "pine.maria")
            .await
            .unwrap();
    homeroom::services::admin::reset_password(
        &app.app,
        &crate::harness::operator(&pine_district),
        &pine_account,
    )
    .await
    .unwrap();
    assert!(links(&app, &cv).await.is_empty());
    app.stop().await;
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn web_login(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    user: &str,
    password: &str,
) {
    let response = client
        .post(app.url(&format!("/d/{slug}/parent")))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{slug} {user}");
}

async fn text(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_pages_walk_generate_link_switch_and_unlink() {
    let app = app().await;
    let maria = browser();
    web_login(
        &app,
        &maria,
        "cedar-valley",
        "maria.alvarez",
        "maple river lantern",
    )
    .await;
    let (_, home) = text(
        maria
            .get(app.url("/d/cedar-valley/home"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(home.contains("href=\"/d/cedar-valley/links\">Linked Districts</a>"));
    let (_, list) = text(
        maria
            .get(app.url("/d/cedar-valley/links"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(list.contains("href=\"/d/cedar-valley/links/manage\">Manage Districts</a>"));
    let (_, manage) = text(
        maria
            .get(app.url("/d/cedar-valley/links/manage"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(manage.contains("Generate a code from this district"));
    assert!(manage.contains("Enter the code generated from another district"));
    let (status, generated) = text(
        maria
            .post(app.url("/d/cedar-valley/links/code"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let start = generated.find("id=\"link-code\">").unwrap() + 15;
    let code = generated[start..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    assert!(homeroom::domain::LinkCode::parse(&code).is_ok(), "{code}");
    assert!(generated.contains(">Copy</button>"));

    let other = browser();
    web_login(&app, &other, "riverbend", "rb.parent", PASSWORD).await;
    let (status, linked) = text(
        other
            .post(app.url("/d/riverbend/links"))
            .form(&[("code", code.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert!(linked.contains("The accounts are linked."));
    assert!(linked.contains("Cedar Valley Public Schools"));
    let start = linked.find("/d/riverbend/links/").unwrap();
    let rest = &linked[start + 19..];
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    // A wrong code is shown on the Manage Districts page with the reason.
    let (status, wrong) = text(
        other
            .post(app.url("/d/riverbend/links"))
            .form(&[("code", "ZZZZ-ZZZZ")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(wrong.contains("This code is not valid"));

    // Switch: to Cedar Valley's home, logged in as Maria.
    let response = other
        .post(app.url(&format!("/d/riverbend/links/{id}/switch")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        "/d/cedar-valley/home"
    );
    let (status, home) = text(
        other
            .get(app.url("/d/cedar-valley/home"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Welcome, Maria"));

    // Unlink from Cedar Valley's side.
    let (_, list) = text(
        other
            .get(app.url("/d/cedar-valley/links"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let start = list.find("/d/cedar-valley/links/").unwrap() + 22;
    let id: String = list[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, after) = text(
        other
            .post(app.url(&format!("/d/cedar-valley/links/{id}/unlink")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(after.contains("The account was unlinked."));
    assert!(after.contains("not linked with an account in another district"));

    // Lakeshore (Oregon): no menu entry, no pages.
    let ls = browser();
    web_login(&app, &ls, "lakeshore", "ls.maria", PASSWORD).await;
    let (_, home) = text(ls.get(app.url("/d/lakeshore/home")).send().await.unwrap()).await;
    assert!(home.contains("Welcome") && !home.contains("Linked Districts"));
    let (status, _) = text(ls.get(app.url("/d/lakeshore/links")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn the_first_switch_on_a_device_turns_push_on_there() {
    let app = app().await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/districts/cedar-valley/login"))
        .json(&json!({
            "portal": "parent", "username": "maria.alvarez", "password": "maple river lantern",
            "device": {"id": "phone-1", "name": "Maria's phone", "platform": "ios"}
        }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let cv = body["token"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/me/devices",
        &cv,
        Some(json!({"platform": "ios", "token": "apns-token-1"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/me/devices",
        &cv,
        Some(json!({"platform": "windows", "token": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let rb = login(&app, "riverbend", "parent", "rb.parent", PASSWORD).await;
    let c = code(&app, &cv).await;
    assert_eq!(link(&app, &rb, &c).await.0, StatusCode::CREATED);
    let (_, list) = call(&app, reqwest::Method::GET, "/api/v1/me/links", &cv, None).await;
    let to_rb = link_id(&list, "riverbend");
    let (status, switched) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/me/links/{to_rb}/switch"),
        &cv,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let riverbend = district(&app, "riverbend").await;
    let account = homeroom::services::admin::account_by_username(&app.app, &riverbend, "rb.parent")
        .await
        .unwrap();
    let devices = app
        .app
        .store
        .devices_of(riverbend.id, account.id)
        .await
        .unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].device_id, "phone-1");
    assert_eq!(devices[0].token, "apns-token-1");
    let new_token = switched["token"].as_str().unwrap();
    let (_, prefs) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me/notification-preferences",
        new_token,
        None,
    )
    .await;
    let mut push: Vec<&str> = prefs["push"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    push.sort();
    assert_eq!(push, ["attendance", "grade", "message", "score"]);
    app.stop().await;
}
