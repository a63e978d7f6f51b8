//! Absence requests: who may ask and decide (the authorization matrix of the new routes), every
//! rule a request meets, the lifecycle from submitted to approved, declined or withdrawn, two
//! deciders at once, the family's and the office's mail, the approved day in Attendance and
//! Today until the SIS's record wins, and the export for the SIS.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{PASSWORD, login};
use crate::portal::{Portal, portal, portal_with, send, write_set};
use crate::smtp::Sink;
use homeroom::services::{absences, admin, auth, import, tools, worker};

/// Monday 6 October 2025 at noon in California is the fixture's day: today's cut-off (09:30)
/// has passed, tomorrow is open, and Monday 13 October is a holiday.
const TOMORROW: &str = "2025-10-07";

async fn switch_on(p: &Portal) {
    tools::switch(
        &p.app.app,
        &crate::harness::operator(&p.district),
        &tools::SwitchRequest {
            tool: "absence_requests",
            portal: "both",
            school: None,
            enabled: true,
            reason: None,
        },
    )
    .await
    .unwrap();
}

async fn ask(p: &Portal, who: &str, student: i64, body: Value) -> (StatusCode, Value) {
    send(
        p,
        reqwest::Method::POST,
        &format!("/api/v1/students/{student}/absence-requests"),
        Some(who),
        Some(body),
    )
    .await
}

async fn decide(p: &Portal, who: &str, request: i64, decision: &str) -> (StatusCode, Value) {
    send(
        p,
        reqwest::Method::POST,
        &format!("/api/v1/staff/absence-requests/{request}/decision"),
        Some(who),
        Some(json!({"decision": decision, "note": "Feel better soon"})),
    )
    .await
}

fn sick(from: &str, to: &str) -> Value {
    json!({"from": from, "to": to, "part": "whole_day", "reason": "illness", "comment": "Fever"})
}

async fn count_audit(p: &Portal, action: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&p.app.db.url)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action.to_owned())
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    n
}

/// Jorge, Ava's other guardian, gets his portal access back (the fixture switches it off).
async fn jorge_back(p: &Portal) -> String {
    let operator = crate::harness::operator(&p.district);
    let mut tx = p.app.app.store.begin().await.unwrap();
    let jorge = tx.person_id(p.district.id, "g2").await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let view = admin::person(&p.app.app, &operator, jorge).await.unwrap();
    admin::set_portal(&p.app.app, &operator, jorge, view.relationships[0].id, true)
        .await
        .unwrap();
    login(&p.app, "river", "parent", "jorge", PASSWORD).await
}

#[tokio::test]
async fn only_a_parent_who_may_see_the_child_asks_and_only_this_districts_staff_decide() {
    let p = portal().await;
    // Off until the district switches it on, and then never in a student's menu.
    let (status, body) = ask(&p, "parent", p.ava, sick(TOMORROW, TOMORROW)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "tool_disabled");
    let (_, menu) = p.get("/api/v1/me/tools", Some("parent")).await;
    assert!(!menu.to_string().contains("absence_requests"), "{menu}");
    switch_on(&p).await;
    let (_, menu) = p.get("/api/v1/me/tools", Some("parent")).await;
    assert!(
        menu["menu"]["tools"]
            .to_string()
            .contains("absence_requests")
    );
    let (_, menu) = p.get("/api/v1/me/tools", Some("self")).await;
    assert!(!menu.to_string().contains("absence_requests"), "{menu}");
    // A switch for the student portal alone is refused by name.
    let refused = tools::switch(
        &p.app.app,
        &crate::harness::operator(&p.district),
        &tools::SwitchRequest {
            tool: "absence_requests",
            portal: "student",
            school: None,
            enabled: true,
            reason: None,
        },
    )
    .await;
    assert!(refused.unwrap_err().to_string().contains("parent portal"));

    let path = format!("/api/v1/students/{}/absence-requests", p.ava);
    let readers: [(Option<&str>, u16); 9] = [
        (Some("self"), 404),
        (Some("other student"), 404),
        (Some("parent"), 201),
        (Some("portal off"), 404),
        (Some("ended"), 404),
        (Some("nobody's parent"), 404),
        (Some("staff"), 404),
        (Some("other district"), 404),
        (None, 401),
    ];
    let mut created = None;
    for (who, expected) in readers {
        let (status, body) = send(
            &p,
            reqwest::Method::POST,
            &path,
            who,
            Some(sick(TOMORROW, TOMORROW)),
        )
        .await;
        assert_eq!(status.as_u16(), expected, "{who:?}: {body}");
        if status == StatusCode::CREATED {
            created = Some(body["id"].as_i64().unwrap());
        }
        let (status, _) = send(&p, reqwest::Method::GET, &path, who, None).await;
        let expected_read = if expected == 201 { 200 } else { expected };
        assert_eq!(status.as_u16(), expected_read, "reading, {who:?}");
    }
    let request = created.unwrap();
    let withdraw = format!(
        "/api/v1/students/{}/absence-requests/{request}/withdraw",
        p.ava
    );
    for who in ["self", "portal off", "staff", "other district"] {
        let (status, _) = send(&p, reqwest::Method::POST, &withdraw, Some(who), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    // A request of Ava's is not Ben's, even to their mother.
    let (status, _) = send(
        &p,
        reqwest::Method::POST,
        &format!(
            "/api/v1/students/{}/absence-requests/{request}/withdraw",
            p.ben
        ),
        Some("parent"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The queue and the decisions: this district's staff alone.
    for who in ["parent", "self", "other district"] {
        let (status, _) = p.get("/api/v1/staff/absence-requests", Some(who)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        let (status, _) = decide(&p, who, request, "approved").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    let (status, _) = p.get("/api/v1/staff/absence-requests", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Staff of another district see none of this one's requests and cannot decide them.
    auth::add_staff(&p.app.app, "hill", "hillstaff", PASSWORD)
        .await
        .unwrap();
    let hill_staff = login(&p.app, "hill", "staff", "hillstaff", PASSWORD).await;
    let response = reqwest::Client::new()
        .get(p.app.url("/api/v1/staff/absence-requests"))
        .bearer_auth(&hill_staff)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["requests"], json!([]));
    let response = reqwest::Client::new()
        .post(p.app.url(&format!(
            "/api/v1/staff/absence-requests/{request}/decision"
        )))
        .bearer_auth(&hill_staff)
        .json(&json!({"decision": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, queue) = p.get("/api/v1/staff/absence-requests", Some("staff")).await;
    assert_eq!(status, StatusCode::OK);
    let listed = queue["requests"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["student_name"], "Ava Alvarez");
    assert_eq!(listed[0]["student"], p.ava);
    assert_eq!(listed[0]["school"], "Oak Elementary");
    // The pages: the form for the parent, nothing for the student.
    let page = format!("/d/river/students/{}/absence_requests", p.ava);
    let (status, html) = p.page(&page, Some("parent")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Send request") && html.contains("Waiting for the office"));
    for who in ["self", "portal off", "staff"] {
        let (status, _) = p.page(&page, Some(who)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }
    let (status, html) = p.page("/d/river/admin/absences", Some("staff")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Ava Alvarez") && html.contains("1 waiting"),
        "{html}"
    );
    let (status, _) = p.page("/d/river/admin/absences", Some("parent")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_rule_answers_with_the_field_that_breaks_it() {
    let p = portal().await;
    switch_on(&p).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (sick("2025-10-03", "2025-10-03"), "from", "passed"),
        // Today after the 09:30 cut-off (it is noon).
        (sick("2025-10-06", "2025-10-06"), "from", "09:30"),
        // Thirty days ahead is 5 November.
        (sick("2025-11-06", "2025-11-06"), "to", "30 days"),
        (sick("2025-10-09", "2025-10-08"), "to", "before"),
        // 7–21 October: eleven school days once the holiday is left out.
        (sick("2025-10-07", "2025-10-22"), "to", "10 school days"),
        (sick("2025-10-11", "2025-10-13"), "from", "no school"),
        (sick("2025-10-7", "2025-10-07"), "from", "YYYY-MM-DD"),
        (
            json!({"from": TOMORROW, "part": "all_day", "reason": "illness"}),
            "part",
            "whole_day",
        ),
        (
            json!({"from": TOMORROW, "part": "whole_day", "reason": "flu"}),
            "reason",
            "illness",
        ),
        (
            json!({"from": TOMORROW, "part": "arrive_late", "reason": "appointment"}),
            "time",
            "what time",
        ),
        (
            json!({"from": TOMORROW, "part": "arrive_late", "time": "25:00", "reason": "appointment"}),
            "time",
            "HH:MM",
        ),
        (
            json!({"from": TOMORROW, "part": "whole_day", "time": "10:00", "reason": "family"}),
            "time",
            "whole day",
        ),
        (
            json!({"from": TOMORROW, "part": "whole_day", "reason": "other", "comment": "ü".repeat(501)}),
            "comment",
            "500",
        ),
        (
            json!({"from": TOMORROW, "part": "whole_day", "reason": "other", "comment": "a\u{0}b"}),
            "comment",
            "control",
        ),
    ];
    for (body, field, words) in cases {
        let (status, answer) = ask(&p, "parent", p.ava, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"], "bad_request", "{body}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
        assert!(
            answer["message"].as_str().unwrap().contains(words),
            "{body}: {answer}"
        );
    }
    // Unknown fields and a body that is not JSON are refused too; nothing was written.
    let (status, _) = ask(
        &p,
        "parent",
        p.ava,
        json!({"from": TOMORROW, "part": "whole_day", "reason": "illness", "urgent": true}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(count_audit(&p, "absence.requested").await, 0);

    // Ten school days are accepted, the holiday skipped and named; a 500-character comment too.
    let (status, body) = ask(
        &p,
        "parent",
        p.ava,
        json!({"from": TOMORROW, "to": "2025-10-21", "part": "whole_day", "reason": "family", "comment": "ü".repeat(500)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "submitted");
    assert_eq!(body["days"].as_array().unwrap().len(), 10);
    assert!(!body["days"].to_string().contains("2025-10-13"));
    assert_eq!(body["skipped"][0]["date"], "2025-10-13");
    assert_eq!(body["skipped"][0]["why"], "Indigenous Peoples' Day");
    assert_eq!(body["asked_by"], "Maria Alvarez");
    // A second request for any of those days is a duplicate while the first is open.
    let (status, answer) = ask(&p, "parent", p.ava, sick("2025-10-21", "2025-10-22")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["field"], "from");
    assert!(answer["message"].as_str().unwrap().contains("2025-10-21"));
    // Another child's same days are theirs to ask for.
    let (status, _) = ask(&p, "parent", p.ben, sick(TOMORROW, TOMORROW)).await;
    assert_eq!(status, StatusCode::CREATED);
    // The district moves its cut-off past noon: today is open again, and arriving late with a
    // time is one day.
    homeroom::services::districts::set(&p.app.app, "river", "absence_cutoff", "13:00")
        .await
        .unwrap();
    let (status, body) = ask(
        &p,
        "parent",
        p.ben,
        json!({"from": "2025-10-06", "part": "arrive_late", "time": "10:15", "reason": "appointment"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["days"], json!(["2025-10-06"]));
    assert_eq!(body["time"], "10:15");
    for bad in ["9:30", "25:00", "noon"] {
        assert!(
            homeroom::services::districts::set(&p.app.app, "river", "absence_cutoff", bad)
                .await
                .is_err(),
            "{bad}"
        );
    }

    // The form answers the same rules on the page, keeping what was typed.
    let response = p
        .app
        .client
        .post(
            p.app
                .url(&format!("/d/river/students/{}/absence_requests", p.ava)),
        )
        .bearer_auth(p.token("parent"))
        .form(&[
            ("from", "2025-10-03"),
            ("to", ""),
            ("part", "whole_day"),
            ("time", ""),
            ("reason", "illness"),
            ("comment", "Kept as typed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("That day has passed.") && html.contains("Kept as typed"));
    assert!(html.contains(r#"id="from-error""#) && html.contains(r#"aria-invalid="true""#));
    // A request sent through the form leads to the page that confirms it (so that reloading
    // sends nothing again), naming its days and the day off it skipped.
    let response = p
        .app
        .client
        .post(
            p.app
                .url(&format!("/d/river/students/{}/absence_requests", p.ben)),
        )
        .bearer_auth(p.token("parent"))
        .form(&[
            ("from", "2025-10-10"),
            ("to", "2025-10-14"),
            ("part", "whole_day"),
            ("reason", "family"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/absence_requests?sent="), "{location}");
    let (status, html) = p.page(&location, Some("parent")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Request sent for 2025-10-10, 2025-10-14."),
        "{html}"
    );
    assert!(html.contains("No school on 2025-10-13"));
}

#[tokio::test]
async fn a_request_moves_from_submitted_to_one_decision_and_the_family_hears_of_it() {
    let sink = Sink::start().await;
    let p = portal_with(|c| homeroom::config::ConfigInput {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(sink.port),
        smtp_tls: Some("none".into()),
        ..c
    })
    .await;
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    switch_on(&p).await;
    let jorge = jorge_back(&p).await;
    homeroom::services::districts::set(
        &p.app.app,
        "river",
        "absence_office_email",
        "attendance@oak.example.org",
    )
    .await
    .unwrap();
    // Maria wants attendance news by email.
    let response = reqwest::Client::new()
        .put(p.app.url("/api/v1/me/notification-preferences"))
        .bearer_auth(p.token("parent"))
        .json(&json!({"email": ["attendance"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (_, first) = ask(&p, "parent", p.ava, sick(TOMORROW, TOMORROW)).await;
    let first = first["id"].as_i64().unwrap();
    // Jorge, Ava's other guardian, sees Maria's request and withdraws it.
    let path = format!("/api/v1/students/{}/absence-requests", p.ava);
    let response = reqwest::Client::new()
        .get(p.app.url(&path))
        .bearer_auth(&jorge)
        .send()
        .await
        .unwrap();
    let listed: Value = response.json().await.unwrap();
    assert_eq!(listed["requests"][0]["id"], first);
    assert_eq!(listed["requests"][0]["asked_by"], "Maria Alvarez");
    assert_eq!(listed["cutoff"], "09:30");
    assert_eq!(listed["first_day"], TOMORROW);
    let withdraw = format!("{path}/{first}/withdraw");
    let response = reqwest::Client::new()
        .post(p.app.url(&withdraw))
        .bearer_auth(&jorge)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let (status, body) = send(&p, reqwest::Method::POST, &withdraw, Some("parent"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "conflict");
    let (status, body) = decide(&p, "staff", first, "approved").await;
    assert_eq!(status, StatusCode::CONFLICT, "a withdrawn request: {body}");
    assert!(body["message"].as_str().unwrap().contains("withdrawn"));

    // The day is free again; the new request is decided by two staff at once: one wins.
    let (status, second) = ask(&p, "parent", p.ava, sick(TOMORROW, TOMORROW)).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second = second["id"].as_i64().unwrap();
    // The office's digest waits ten minutes for others to join the first, then goes, one per
    // school, once, naming what still waits (the withdrawn request is left out).
    assert_eq!(absences::queue_office_digests(&p.app.app).await.unwrap(), 0);
    p.app.app.clock.advance(11 * 60);
    assert_eq!(absences::queue_office_digests(&p.app.app).await.unwrap(), 1);
    assert_eq!(absences::queue_office_digests(&p.app.app).await.unwrap(), 0);
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let office: Vec<_> = sink
        .received()
        .await
        .into_iter()
        .filter(|m| m.to == ["attendance@oak.example.org"])
        .collect();
    assert_eq!(office.len(), 1);
    let text = office[0].readable();
    assert!(
        text.contains("A new absence request: Oak Elementary"),
        "{text}"
    );
    assert!(text.contains("Ava Alvarez") && text.contains("/d/river/admin/absences"));

    let (a, b) = tokio::join!(
        decide(&p, "staff", second, "approved"),
        decide(&p, "staff", second, "declined")
    );
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let winner = if a.0 == StatusCode::OK { a.1 } else { b.1 };
    let state = winner["state"].as_str().unwrap().to_owned();
    assert_eq!(winner["note"], "Feel better soon");
    assert_eq!(winner["decided_by"], "staffer");
    let (status, body) = decide(&p, "staff", second, "approved").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["message"].as_str().unwrap().contains(&state));
    let (status, body) = send(
        &p,
        reqwest::Method::POST,
        "/api/v1/staff/absence-requests/999999/decision",
        Some("staff"),
        Some(json!({"decision": "approved"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = decide(&p, "staff", second, "maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "decision");

    // The family is told: in the inbox of both guardians, by mail to Maria who asked for it.
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let (_, inbox) = p.get("/api/v1/notifications", Some("parent")).await;
    let note = &inbox["notifications"][0];
    assert_eq!(note["event"], "attendance");
    assert!(note["title"].as_str().unwrap().contains("Ava"), "{note}");
    assert!(note["body"].as_str().unwrap().contains(TOMORROW));
    assert!(note["body"].as_str().unwrap().contains("Feel better soon"));
    let response = reqwest::Client::new()
        .get(p.app.url("/api/v1/notifications"))
        .bearer_auth(&jorge)
        .send()
        .await
        .unwrap();
    let inbox: Value = response.json().await.unwrap();
    assert!(inbox.to_string().contains("absence request"), "{inbox}");
    let (_, student_inbox) = p.get("/api/v1/notifications", Some("self")).await;
    assert!(!student_inbox.to_string().contains("absence request"));
    let mails = sink.received().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["maria@example.org"] && m.readable().contains("absence request")),
        "{mails:?}"
    );

    for action in [
        "absence.requested",
        "absence.withdrawn",
        "absence.approved",
        "absence.declined",
        "absence.queue_read",
    ] {
        let expected = match action {
            "absence.requested" => 2,
            "absence.withdrawn" => 1,
            "absence.queue_read" => 0,
            _ => i64::from(state == action.trim_start_matches("absence.")),
        };
        assert_eq!(count_audit(&p, action).await, expected, "{action}");
    }
}

#[tokio::test]
async fn an_approved_day_is_excused_until_the_sis_record_arrives_and_exports_for_the_sis() {
    let p = portal().await;
    switch_on(&p).await;
    let (_, request) = ask(
        &p,
        "parent",
        p.ava,
        json!({"from": TOMORROW, "to": "2025-10-08", "part": "whole_day", "reason": "religious"}),
    )
    .await;
    let request = request["id"].as_i64().unwrap();
    // Submitted is not yet excused.
    let (_, attendance) = p
        .get(
            &format!("/api/v1/students/{}/attendance", p.ava),
            Some("parent"),
        )
        .await;
    assert!(!attendance.to_string().contains(TOMORROW));
    let (status, _) = decide(&p, "staff", request, "approved").await;
    assert_eq!(status, StatusCode::OK);
    let marks = |attendance: &Value| -> Vec<Value> {
        attendance["terms"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["marks"].as_array().unwrap().clone())
            .collect()
    };
    let (_, attendance) = p
        .get(
            &format!("/api/v1/students/{}/attendance", p.ava),
            Some("parent"),
        )
        .await;
    let family: Vec<Value> = marks(&attendance)
        .into_iter()
        .filter(|m| m["reported_by_family"] == true)
        .collect();
    assert_eq!(family.len(), 2, "{attendance}");
    assert_eq!(family[0]["date"], TOMORROW);
    assert_eq!(family[0]["status"], "absent");
    assert_eq!(family[0]["excused"], true);
    // The Calendar shows it on its day.
    let (_, calendar) = p
        .get(
            &format!("/api/v1/students/{}/calendar?month=2025-10", p.ava),
            Some("parent"),
        )
        .await;
    let day = calendar["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == TOMORROW)
        .unwrap();
    assert_eq!(day["attendance"][0]["reported_by_family"], true, "{day}");
    // The student sees it too, and the page says who reported it.
    let (_, html) = p
        .page(
            &format!("/d/river/students/{}/attendance", p.ava),
            Some("self"),
        )
        .await;
    assert!(html.contains("reported by the family"));
    // Tomorrow, Today shows it.
    p.app.app.clock.advance(24 * 60 * 60);
    let (_, today) = p
        .get(&format!("/api/v1/students/{}/today", p.ava), Some("parent"))
        .await;
    assert_eq!(today["date"], TOMORROW);
    assert!(
        today["attendance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["reported_by_family"] == true && m["date"] == TOMORROW),
        "{today}"
    );

    // The export for the SIS: a row a day, in attendance.csv's shape.
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("absences.csv");
    let output = p
        .app
        .cli(&[
            "absences",
            "export",
            "--district",
            "river",
            "--since",
            "2025-10-01",
            "--out",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(
        output.status.success(),
        "{}",
        crate::harness::stderr(&output)
    );
    let csv = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "sourcedId,status,dateLastModified,userSourcedId,classSourcedId,date,attendanceStatus,excused"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains(",st1,,2025-10-07,absent,true"), "{csv}");
    let output = p
        .app
        .cli(&[
            "absences",
            "export",
            "--district",
            "river",
            "--since",
            "2025-11-01",
            "--out",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(output.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 1);
    let output = p
        .app
        .cli(&[
            "absences",
            "export",
            "--district",
            "river",
            "--since",
            "yesterday",
            "--out",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(!output.status.success());
    assert!(crate::harness::stderr(&output).contains("YYYY-MM-DD"));

    // The SIS's own record of the first day arrives in an import, and wins: the family's mark
    // of that day is gone, the other day's stays.
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), false);
    let attendance_csv = dir.path().join("attendance.csv");
    let mut text = std::fs::read_to_string(&attendance_csv).unwrap();
    text.push_str("a9,,,st1,,2025-10-07,absent,false\n");
    std::fs::write(&attendance_csv, text).unwrap();
    import::oneroster(
        &p.app.app,
        &crate::harness::operator(&p.district),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    let (_, attendance) = p
        .get(
            &format!("/api/v1/students/{}/attendance", p.ava),
            Some("parent"),
        )
        .await;
    let of_day: Vec<Value> = marks(&attendance)
        .into_iter()
        .filter(|m| m["date"] == TOMORROW)
        .collect();
    assert_eq!(of_day.len(), 1, "{attendance}");
    assert_eq!(of_day[0]["reported_by_family"], false);
    assert_eq!(of_day[0]["excused"], false, "the SIS's word wins");
    assert!(
        marks(&attendance)
            .iter()
            .any(|m| m["date"] == "2025-10-08" && m["reported_by_family"] == true)
    );
}

#[tokio::test]
async fn the_console_queue_decides_one_and_many_and_counts_what_waits() {
    let p = portal().await;
    switch_on(&p).await;
    let mut ids = Vec::new();
    for (student, day) in [(p.ava, TOMORROW), (p.ben, TOMORROW), (p.ava, "2025-10-08")] {
        let (_, body) = ask(&p, "parent", student, sick(day, day)).await;
        ids.push(body["id"].as_i64().unwrap());
    }
    let (_, html) = p.page("/d/river/admin", Some("staff")).await;
    assert!(html.contains("3 waiting"), "the console's badge");
    let post = |body: String| {
        p.app
            .client
            .post(p.app.url("/d/river/admin/absences/decide"))
            .bearer_auth(p.token("staff"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // One, with its own note.
    let response = post(format!("request={}&decision=declined&note=Call+us", ids[0]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("One request decided.")
    );
    // Many at once; the one already decided is left as it was, and said so.
    let response = post(format!(
        "request={}&request={}&request={}&decision=approved&note=",
        ids[0], ids[1], ids[2]
    ))
    .await
    .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("2 requests decided."), "{html}");
    assert!(html.contains("One had been decided or withdrawn already"));
    assert!(html.contains("0 waiting"));
    // Nothing ticked, or a decision that is neither.
    let response = post("decision=approved".into()).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post(format!("request={}&decision=perhaps", ids[1]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (_, queue) = p
        .get("/api/v1/staff/absence-requests?state=all", Some("staff"))
        .await;
    let states: Vec<&str> = queue["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.len(), 3);
    assert_eq!(states.iter().filter(|s| **s == "approved").count(), 2);
    let (_, queue) = p
        .get(
            "/api/v1/staff/absence-requests?date=2025-10-08&state=approved",
            Some("staff"),
        )
        .await;
    assert_eq!(queue["requests"].as_array().unwrap().len(), 1);
    let (status, body) = p
        .get(
            "/api/v1/staff/absence-requests?date=tomorrow",
            Some("staff"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "date");
    let (status, _) = p
        .get("/api/v1/staff/absence-requests?state=lost", Some("staff"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // In Spanish, the family's page.
    let (_, html) = p
        .page_in(
            &format!("/d/river/students/{}/absence_requests", p.ava),
            Some("parent"),
            Some("es"),
        )
        .await;
    assert!(
        html.contains("Avisar una ausencia") && html.contains("Aprobada"),
        "{html}"
    );
}
