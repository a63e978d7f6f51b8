//! The server's own tests.

use std::time::Duration;

use homeroom::services::generator::{Options, generate};
use serde_json::{Value, json};

use super::district::LONG_AGO;
use super::{Fault, Sis, percent_encode};

const ID: &str = "homeroom";
const SECRET: &str = "s3cret:with/odd&chars";

fn district() -> (tempfile::TempDir, Sis) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        students: 30,
        seed: 7,
        year: 2026,
    };
    generate(dir.path(), &options).unwrap();
    let sis = Sis::start(dir.path(), ID, SECRET);
    (dir, sis)
}

async fn ask_token(sis: &Sis, id: &str, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(sis.token_url())
        .basic_auth(percent_encode(id), Some(percent_encode(secret)))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

async fn token(sis: &Sis) -> String {
    let response = ask_token(sis, ID, SECRET).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn fetch(url: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn minor(body: &Value) -> &str {
    body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        .as_str()
        .unwrap()
}

fn rostering(sis: &Sis, rest: &str) -> String {
    format!("{}/rostering/v1p2/{rest}", sis.base_url())
}

#[tokio::test]
async fn sis_server_grants_tokens_only_by_the_rfc() {
    let (_dir, sis) = district();
    let client = reqwest::Client::new();
    let form = [("grant_type", "client_credentials")];
    let bare = client
        .post(sis.token_url())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    assert!(bare.headers().contains_key("www-authenticate"));
    let body: Value = bare.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let in_body = [
        ("grant_type", "client_credentials"),
        ("client_id", ID),
        ("client_secret", SECRET),
    ];
    let in_body = client
        .post(sis.token_url())
        .form(&in_body)
        .send()
        .await
        .unwrap();
    assert_eq!(in_body.status(), 401);
    assert_eq!(ask_token(&sis, ID, "wrong").await.status(), 401);

    let with = |form: &'static [(&'static str, &'static str)]| {
        client
            .post(sis.token_url())
            .basic_auth(percent_encode(ID), Some(percent_encode(SECRET)))
            .form(form)
            .send()
    };
    let password = with(&[("grant_type", "password")]).await.unwrap();
    assert_eq!(password.status(), 400);
    let body: Value = password.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let missing = with(&[("scope", "")]).await.unwrap();
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(sis.tokens_issued(), 0);

    let granted = ask_token(&sis, ID, SECRET).await;
    assert_eq!(granted.status(), 200);
    assert_eq!(granted.headers()["cache-control"], "no-store");
    let body: Value = granted.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["scope"].as_str().unwrap().contains("roster.readonly"));
    assert_eq!(sis.tokens_issued(), 1);
}

#[tokio::test]
async fn sis_server_wants_a_live_token_for_data() {
    let (_dir, sis) = district();
    let url = rostering(&sis, "users");
    let response = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["imsx_codeMajor"], "failure");
    assert_eq!(minor(&body), "unauthorisedrequest");
    assert_eq!(fetch(&url, "made-up").await.status(), 401);

    sis.token_lifetime(0);
    let dead = token(&sis).await;
    assert_eq!(fetch(&url, &dead).await.status(), 401);
    sis.token_lifetime(3600);
    assert_eq!(fetch(&url, &token(&sis).await).await.status(), 200);
}

#[tokio::test]
async fn sis_server_pages_walk_every_user_once() {
    let (_dir, sis) = district();
    let token = token(&sis).await;
    let mut url = Some(rostering(&sis, "users?limit=7&sort=familyName"));
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    while let Some(next) = url.take() {
        let response = fetch(&next, &token).await;
        assert_eq!(response.status(), 200);
        let total: usize = response.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(total, sis.count("users"));
        let links = response.headers()["link"].to_str().unwrap().to_owned();
        assert!(links.contains("rel=\"last\"") && links.contains("rel=\"first\""));
        assert_eq!(links.contains("rel=\"prev\""), pages > 0);
        url = links.split(", ").find_map(|l| {
            l.strip_suffix("; rel=\"next\"")
                .map(|u| u.trim_matches(['<', '>']).to_owned())
        });
        let body: Value = response.json().await.unwrap();
        let users = body["users"].as_array().unwrap();
        assert!(users.len() <= 7);
        for user in users {
            assert!(seen.insert(user["sourcedId"].as_str().unwrap().to_owned()));
            assert!(user.get("role").is_none(), "1.2 users have roles, not role");
            assert_eq!(user["roles"][0]["roleType"], "primary");
            assert_eq!(user["roles"][0]["org"]["type"], "org");
            assert_eq!(user["enabledUser"], "true");
        }
        pages += 1;
    }
    assert_eq!(seen.len(), sis.count("users"));
    assert_eq!(pages, sis.count("users").div_ceil(7));
}

#[tokio::test]
async fn sis_server_filter_finds_the_modified_record() {
    let (_dir, sis) = district();
    let token = token(&sis).await;
    sis.modify("users", "s1", |user| {
        user.insert("givenName".into(), "Renamed".into());
    });
    let filter = format!("dateLastModified>'{LONG_AGO}'");
    let url = rostering(&sis, &format!("users?filter={}", percent_encode(&filter)));
    let response = fetch(&url, &token).await;
    assert_eq!(response.headers()["x-total-count"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["users"][0]["sourcedId"], "s1");
    assert_eq!(body["users"][0]["givenName"], "Renamed");

    let both = percent_encode("familyName~'a' AND roles.role='student'");
    let url = rostering(&sis, &format!("users?filter={both}&fields=sourcedId,roles"));
    let body: Value = fetch(&url, &token).await.json().await.unwrap();
    for user in body["users"].as_array().unwrap() {
        assert_eq!(user.as_object().unwrap().len(), 2);
        assert_eq!(user["roles"][0]["role"], "student");
    }
}

#[tokio::test]
async fn sis_server_keeps_deleted_records_listed() {
    let (_dir, sis) = district();
    let token = token(&sis).await;
    let before = sis.count("enrollments");
    let id = "e-crs-sch-elementary-1-01-math-1-t1-s1";
    assert!(sis.get("enrollments", id).is_some());
    sis.delete("enrollments", id);
    assert_eq!(sis.count("enrollments"), before);
    let filter = percent_encode(&format!("sourcedId='{id}'"));
    let url = rostering(&sis, &format!("enrollments?filter={filter}"));
    let body: Value = fetch(&url, &token).await.json().await.unwrap();
    assert_eq!(body["enrollments"][0]["status"], "tobedeleted");
    let one: Value = fetch(&rostering(&sis, &format!("enrollments/{id}")), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["enrollment"]["status"], "tobedeleted");
    assert_eq!(
        one["enrollment"]["user"]["href"],
        sis.guid_ref("users", "s1")["href"]
    );
}

#[tokio::test]
async fn sis_server_refuses_bad_queries() {
    let (_dir, sis) = district();
    let token = token(&sis).await;
    for (query, expected) in [
        ("filter=nosuch%3D%27x%27", "invalid_filter_field"),
        ("filter=givenName%3D%27x", "invalid_filter_field"),
        (
            "filter=givenName%3D%27x%27%20XOR%20sms%3D%27y%27",
            "invalid_filter_field",
        ),
        ("sort=nosuch", "invalid_sort_field"),
        ("fields=sourcedId,nosuch", "invalid_selection_field"),
    ] {
        let response = fetch(&rostering(&sis, &format!("users?{query}")), &token).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(minor(&body), expected, "{query}");
    }
}

#[tokio::test]
async fn sis_server_serves_the_gradebook() {
    let (_dir, sis) = district();
    let token = token(&sis).await;
    let gradebook = |rest: &str| format!("{}/gradebook/v1p2/{rest}", sis.base_url());
    let body: Value = fetch(&gradebook("categories"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["categories"][0]["weight"], 40);
    let body: Value = fetch(&gradebook("lineItems?limit=1"), &token)
        .await
        .json()
        .await
        .unwrap();
    let item = &body["lineItems"][0];
    assert_eq!(item["gradingPeriod"]["type"], "academicSession");
    assert_eq!(item["school"]["type"], "org");
    assert!(
        item["dueDate"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00.000Z")
    );
    let item_id = item["sourcedId"].as_str().unwrap().to_owned();

    let results = sis.count("results");
    sis.insert(
        "results",
        json!({
            "sourcedId": "r-new",
            "lineItem": sis.guid_ref("lineItems", &item_id),
            "student": sis.guid_ref("users", "s1"),
            "class": item["class"].clone(),
            "scoreStatus": "fully graded",
            "score": 9,
            "scoreDate": "2026-09-02",
            "late": "true",
        }),
    );
    assert_eq!(sis.count("results"), results + 1);
    assert_eq!(sis.get("results", "r-new").unwrap()["status"], "active");
    let filter = percent_encode("score>='9' AND lineItem.sourcedId='");
    let url = gradebook(&format!(
        "results?filter={filter}{}%27",
        percent_encode(&item_id)
    ));
    let body: Value = fetch(&url, &token).await.json().await.unwrap();
    let found = body["results"].as_array().unwrap();
    assert!(found.iter().any(|r| r["sourcedId"] == "r-new"));
    assert!(found.iter().all(|r| r["score"].as_f64().unwrap() >= 9.0));
}

#[tokio::test]
async fn sis_server_plays_faults() {
    let (_dir, sis) = district();
    let url = rostering(&sis, "orgs");
    let first = token(&sis).await;
    sis.fault(Fault::ServerErrorAt(2));
    assert_eq!(fetch(&url, &first).await.status(), 200);
    let failed = fetch(&url, &first).await;
    assert_eq!(failed.status(), 500);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["imsx_codeMajor"], "failure");
    assert_eq!(fetch(&url, &first).await.status(), 200);

    sis.fault(Fault::HangAt(1, Duration::from_millis(400)));
    let hung = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&first)
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(hung.is_err());
    assert_eq!(fetch(&url, &first).await.status(), 200);

    sis.fault(Fault::ExpireTokensAfter(1));
    assert_eq!(fetch(&url, &first).await.status(), 200);
    assert_eq!(fetch(&url, &first).await.status(), 401);
    let second = token(&sis).await;
    assert_eq!(fetch(&url, &second).await.status(), 200);

    sis.fault(Fault::RevokeAfter(1));
    assert_eq!(ask_token(&sis, ID, SECRET).await.status(), 401);
    assert_eq!(fetch(&url, &second).await.status(), 200);
    assert_eq!(fetch(&url, &second).await.status(), 401);
    sis.fault(Fault::None);
    assert_eq!(fetch(&url, &token(&sis).await).await.status(), 200);
    assert_eq!(sis.tokens_issued(), 3);

    let log = sis.requests();
    assert!(
        log.iter()
            .any(|l| l.path == "/oauth/token" && l.status == 401)
    );
    assert!(
        log.iter()
            .any(|l| l.path.ends_with("/orgs") && l.status == 500)
    );
    sis.clear_log();
    fetch(&format!("{url}?limit=2"), &second).await;
    let log = sis.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].query, "limit=2");
}
