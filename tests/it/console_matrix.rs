//! Every route of the staff console × every kind of caller. Only this district's staff, with a
//! settled password, reach a console service; everyone else is turned away before anything is
//! read or written (the audit log and the job queue stay as they were).

use reqwest::{Method, StatusCode};

use crate::harness::{TestApp, TestDb, spawn_app_with};
use homeroom::services::{admin, auth};

const STAFF_PASSWORD: &str = "correct horse battery";

/// Who calls, and what a non-staff caller is answered on every console page.
struct Caller {
    name: &'static str,
    token: Option<String>,
    /// Status, and where a redirect goes.
    refused: (u16, Option<&'static str>),
}

async fn api_login(app: &TestApp, slug: &str, portal: &str, user: &str, password: &str) -> String {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/districts/{slug}/login")))
        .json(&serde_json::json!({"portal": portal, "username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{user}");
    let body: serde_json::Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// How many rows the audit log and the job queue hold.
async fn footprint(app: &TestApp) -> (i64, i64) {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let counts: (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM jobs)")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    counts
}

async fn newest_window(app: &TestApp) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .unwrap();
    let (id,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM tool_windows")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    id
}

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Upload,
}

async fn send(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: &Body,
) -> (u16, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = match body {
        Body::None => request,
        Body::Form(fields) => request.form(fields),
        Body::Upload => request.multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"not a zip".to_vec()).file_name("export.zip"),
        )),
    };
    let response = request.send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (response.status().as_u16(), location)
}

#[tokio::test]
async fn every_console_route_is_for_this_districts_staff_alone() {
    let app = spawn_app_with(TestDb::fresh().await, |c| c).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    auth::add_staff(&app.app, "lakeshore", "ls-admin", STAFF_PASSWORD)
        .await
        .unwrap();
    auth::add_staff(&app.app, "cedar-valley", "cv-new", STAFF_PASSWORD)
        .await
        .unwrap();
    let cedar = crate::harness::district(&app, "cedar-valley").await;
    let newcomer = admin::account_by_username(&app.app, &cedar, "cv-new")
        .await
        .unwrap();
    let temporary = admin::reset_password(&app.app, &crate::harness::operator(&cedar), &newcomer)
        .await
        .unwrap();
    let callers = [
        Caller {
            name: "anonymous",
            token: None,
            refused: (303, Some("/d/cedar-valley/staff")),
        },
        Caller {
            name: "parent",
            token: Some(
                api_login(
                    &app,
                    "cedar-valley",
                    "parent",
                    "maria.alvarez",
                    "maple river lantern",
                )
                .await,
            ),
            refused: (404, None),
        },
        Caller {
            name: "student",
            token: Some(
                api_login(
                    &app,
                    "cedar-valley",
                    "student",
                    "sofia.alvarez",
                    "orange kite meadow",
                )
                .await,
            ),
            refused: (404, None),
        },
        Caller {
            name: "teacher",
            token: Some(
                api_login(
                    &app,
                    "cedar-valley",
                    "teacher",
                    "cv-teacher",
                    "chalk river meadow",
                )
                .await,
            ),
            refused: (404, None),
        },
        Caller {
            name: "another district's staff",
            token: Some(api_login(&app, "lakeshore", "staff", "ls-admin", STAFF_PASSWORD).await),
            refused: (303, Some("/d/cedar-valley/staff")),
        },
        Caller {
            name: "staff who must change the password",
            token: Some(api_login(&app, "cedar-valley", "staff", "cv-new", &temporary).await),
            refused: (303, Some("/d/cedar-valley/password")),
        },
    ];
    let staff = api_login(
        &app,
        "cedar-valley",
        "staff",
        "cv-admin",
        "granite owl compass",
    )
    .await;

    let james = crate::admin::person_id(&app, "cedar-valley", "cv-g-james").await;
    let relationship = admin::person(&app.app, &crate::harness::operator(&cedar), james)
        .await
        .unwrap()
        .relationships[0]
        .id;
    let person = |action: &str| format!("/d/cedar-valley/admin/people/{james}{action}");
    let form = |fields: &[(&'static str, &str)]| {
        Body::Form(fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
    };
    // Each console route, with what its own staff are answered; in this order, as the staff's
    // calls change the person (an account is made, then reset, disabled, enabled).
    let mut routes: Vec<(Method, String, Body, u16)> = vec![
        (Method::GET, "/d/cedar-valley/admin".into(), Body::None, 200),
        (
            Method::GET,
            "/d/cedar-valley/admin?q=okafor".into(),
            Body::None,
            200,
        ),
        (Method::GET, person(""), Body::None, 200),
        (Method::POST, person("/key"), Body::None, 200),
        (Method::POST, person("/letter"), Body::None, 200),
        (
            Method::POST,
            person("/account"),
            form(&[("username", "james.okafor")]),
            200,
        ),
        (
            Method::POST,
            person("/portal"),
            form(&[
                ("relationship", &relationship.to_string()),
                ("portal", "on"),
            ]),
            200,
        ),
        (Method::POST, person("/reset"), Body::None, 200),
        (Method::POST, person("/disable"), Body::None, 200),
        (Method::POST, person("/enable"), Body::None, 200),
        // The account has no second factor to remove: refused, with a reason, for staff alone.
        (
            Method::POST,
            person("/second-factor/reset"),
            Body::None,
            409,
        ),
        (
            Method::GET,
            "/d/cedar-valley/admin/tools".into(),
            Body::None,
            200,
        ),
        (
            Method::POST,
            "/d/cedar-valley/admin/tools/switch".into(),
            form(&[("tool", "grades"), ("portal", "parent"), ("state", "off")]),
            200,
        ),
        (
            Method::POST,
            "/d/cedar-valley/admin/tools/windows".into(),
            form(&[
                ("tool", "grades"),
                ("portal", "parent"),
                ("from", "2030-01-02"),
                ("to", "2030-01-03"),
                ("reason", "Report cards"),
            ]),
            200,
        ),
        (
            Method::GET,
            "/d/cedar-valley/admin/absences".into(),
            Body::None,
            200,
        ),
        (
            Method::GET,
            "/d/cedar-valley/admin/conversations".into(),
            Body::None,
            200,
        ),
        // No such conversation: staff are told so, and the others are refused before that.
        (
            Method::GET,
            "/d/cedar-valley/admin/conversations/999".into(),
            Body::None,
            404,
        ),
        (
            Method::POST,
            "/d/cedar-valley/admin/absences/decide".into(),
            form(&[("request", "1"), ("decision", "approved")]),
            200,
        ),
        (
            Method::GET,
            "/d/cedar-valley/admin/sync".into(),
            Body::None,
            200,
        ),
        // No SIS is connected: there is nothing to sync, and staff are told so.
        (
            Method::POST,
            "/d/cedar-valley/admin/sync".into(),
            form(&[]),
            404,
        ),
        (
            Method::GET,
            "/d/cedar-valley/admin/messages".into(),
            Body::None,
            200,
        ),
        (
            Method::POST,
            "/d/cedar-valley/admin/messages".into(),
            form(&[
                ("audience", "district"),
                ("title", "Snow day"),
                ("body", "No school."),
            ]),
            200,
        ),
        (
            Method::POST,
            "/d/cedar-valley/admin/import".into(),
            Body::Upload,
            400,
        ),
    ];
    let mut checked = 0;
    for (method, path, body, staff_status) in routes.drain(..) {
        for caller in &callers {
            let before = footprint(&app).await;
            let answer = send(&app, &method, &path, caller.token.as_deref(), &body).await;
            assert_eq!(
                (answer.0, answer.1.as_deref()),
                caller.refused,
                "{} {method} {path}",
                caller.name
            );
            assert_eq!(
                footprint(&app).await,
                before,
                "{} {method} {path}",
                caller.name
            );
            checked += 1;
        }
        let (status, _) = send(&app, &method, &path, Some(&staff), &body).await;
        assert_eq!(status, staff_status, "staff {method} {path}");
    }
    // The window just added, removed: the one route whose address needs it.
    let remove = format!(
        "/d/cedar-valley/admin/tools/windows/{}/remove",
        newest_window(&app).await
    );
    for caller in &callers {
        let answer = send(
            &app,
            &Method::POST,
            &remove,
            caller.token.as_deref(),
            &Body::None,
        )
        .await;
        assert_eq!(
            (answer.0, answer.1.as_deref()),
            caller.refused,
            "{} {remove}",
            caller.name
        );
        checked += 1;
    }
    let (status, _) = send(&app, &Method::POST, &remove, Some(&staff), &Body::None).await;
    assert_eq!(status, 200, "staff {remove}");
    assert_eq!(checked, 24 * callers.len());
    // A console route that is not there is not found, for staff as for anyone.
    let (status, _) = send(
        &app,
        &Method::POST,
        &person("/promote"),
        Some(&staff),
        &Body::None,
    )
    .await;
    assert_eq!(status, 404);
    app.stop().await;
}
