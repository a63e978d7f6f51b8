//! Conversations and the Teacher portal: who may write to whom (the authorization matrix of the
//! new routes), a class message that makes one conversation per family, read receipts and
//! unread counts, retraction, a teacher's block, a teacher who leaves, office hours, quiet
//! hours for pushes, the hourly allowance, and the district's audited reads.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{PASSWORD, login};
use crate::portal::{Portal, account, person_id, portal, send};
use homeroom::domain::AccountKind;
use homeroom::services::{conversations, districts, import, worker};

/// Terry (t1) teaches Ava and Ben's Math 3 and Ava's Reading 3, and Cy's Biology at the other
/// school; Gina (t2), added here, teaches Biology alone.
struct Class {
    p: Portal,
    terry: i64,
    gina: i64,
    math: i64,
}

fn delta(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const USERS: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n";

async fn class() -> Class {
    class_with(|c| c).await
}

async fn class_with(
    adjust: impl FnOnce(homeroom::config::ConfigInput) -> homeroom::config::ConfigInput,
) -> Class {
    let mut p = crate::portal::portal_with(adjust).await;
    let dir = delta(&[
        (
            "manifest.csv",
            "propertyName,value\nfile.orgs,absent\nfile.users,delta\nfile.enrollments,delta\n",
        ),
        (
            "users.csv",
            &format!("{USERS}t2,,,true,s2,teacher,,,Gina,Green,,,,,,,,\n"),
        ),
        (
            "enrollments.csv",
            "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
             e8,,,k3,s2,t2,teacher,true,,\n",
        ),
    ]);
    import::oneroster(
        &p.app.app,
        &crate::harness::operator(&p.district),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    for (sourced_id, user) in [("t1", "terry"), ("t2", "gina")] {
        account(&p.app, &p.district, sourced_id, AccountKind::Teacher, user).await;
        let token = login(&p.app, "river", "teacher", user, PASSWORD).await;
        p.tokens
            .push((if user == "terry" { "terry" } else { "gina" }, token));
    }
    let (terry, gina) = (
        person_id(&p.app, &p.district, "t1").await,
        person_id(&p.app, &p.district, "t2").await,
    );
    let mut math = 0;
    let (_, classes) = p.get("/api/v1/teacher/classes", Some("terry")).await;
    for c in classes["classes"].as_array().unwrap() {
        if c["title"] == "Math 3" {
            math = c["id"].as_i64().unwrap();
        }
    }
    Class {
        p,
        terry,
        gina,
        math,
    }
}

async fn write(p: &Portal, who: &str, body: Value) -> (StatusCode, Value) {
    send(
        p,
        Method::POST,
        "/api/v1/conversations",
        Some(who),
        Some(body),
    )
    .await
}

async fn reply(p: &Portal, who: &str, id: i64, text: &str) -> (StatusCode, Value) {
    send(
        p,
        Method::POST,
        &format!("/api/v1/conversations/{id}/messages"),
        Some(who),
        Some(json!({"body": text})),
    )
    .await
}

/// The menu's count of conversations with something unread, as a page shows it, which must be
/// what the reader's list says. The page is read twice: a session's first page counts them by a
/// statement of their own, later ones in the session's statement.
async fn menu_count(p: &Portal, who: &str) -> i64 {
    let mut shown = Vec::new();
    for _ in 0..2 {
        let (status, page) = p.page("/d/river/conversations", Some(who)).await;
        assert_eq!(status, StatusCode::OK);
        shown.push(badge(&page));
    }
    assert_eq!(shown[0], shown[1], "{who}'s menu, first and later");
    let shown = shown[0];
    let (_, listed) = p.get("/api/v1/conversations", Some(who)).await;
    let listed = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["unread"].as_i64().unwrap() > 0)
        .count() as i64;
    assert_eq!(shown, listed, "{who}'s menu");
    shown
}

/// The count of conversations with something unread that a page's menu shows.
fn badge(page: &str) -> i64 {
    page.split("Messages <span class=\"badge\">")
        .nth(1)
        .map_or(0, |rest| rest.split(' ').next().unwrap().parse().unwrap())
}

async fn count(p: &Portal, sql: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&p.app.db.url)
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::Connection::close(conn).await.unwrap();
    n
}

#[tokio::test]
async fn a_teacher_sees_only_their_classes_rosters_and_the_guardians_who_may_read() {
    let c = class().await;
    let p = &c.p;
    let (status, body) = p.get("/api/v1/teacher/classes", Some("terry")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let titles: Vec<&str> = body["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Math 3", "Reading 3", "Biology"]);
    let math = &body["classes"][0];
    let names: Vec<&str> = math["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ava Alvarez", "Ben Alvarez"]);
    // Jorge's portal is off and Nina's relationship ended: only Maria reads what is written.
    assert_eq!(math["students"][0]["guardians"], json!(["Maria Alvarez"]));
    // No grades, no attendance: names, classes and guardians alone.
    assert!(!body.to_string().contains("score") && !body.to_string().contains("attendance"));
    let (_, gina) = p.get("/api/v1/teacher/classes", Some("gina")).await;
    assert_eq!(gina["classes"].as_array().unwrap().len(), 1);
    assert_eq!(gina["classes"][0]["title"], "Biology");
    for (who, status) in [
        (Some("parent"), StatusCode::NOT_FOUND),
        (Some("self"), StatusCode::NOT_FOUND),
        (Some("staff"), StatusCode::NOT_FOUND),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(
            p.get("/api/v1/teacher/classes", who).await.0,
            status,
            "{who:?}"
        );
    }
    // A child's schedule names its teachers with the id a conversation takes.
    let (_, schedule) = p
        .get(
            &format!("/api/v1/students/{}/schedule", p.ava),
            Some("parent"),
        )
        .await;
    let first = &schedule["terms"][0]["classes"][0];
    assert_eq!(first["teachers"], json!(["Terry Teach"]));
    assert_eq!(first["teacher_ids"], json!([c.terry]));
    // A teacher logs in on the Teacher portal only.
    let response = reqwest::Client::new()
        .post(p.app.url("/api/v1/districts/river/login"))
        .json(&json!({"portal": "parent", "username": "terry", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "wrong_portal");
}

#[tokio::test]
async fn only_a_family_that_may_see_the_child_writes_to_the_childs_teacher() {
    let c = class().await;
    let p = &c.p;
    let to_terry =
        json!({"student": p.ava, "teacher": c.terry, "body": "Hello, how is Ava doing?"});
    for who in [
        "portal off",
        "ended",
        "nobody's parent",
        "other student",
        "other district",
        "staff",
    ] {
        let (status, body) = write(p, who, to_terry.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
    }
    // Not a teacher of Ava's: as if there were none.
    let to_gina = json!({"student": p.ava, "teacher": c.gina, "body": "Hello"});
    assert_eq!(write(p, "parent", to_gina).await.0, StatusCode::NOT_FOUND);
    // A teacher does not write as a family, nor a family to a class.
    assert_eq!(
        write(p, "terry", to_terry.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let to_class = json!({"class": c.math, "body": "Hello all"});
    assert_eq!(
        write(p, "parent", to_class.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(write(p, "gina", to_class).await.0, StatusCode::NOT_FOUND);
    // Students write only where the district allows it.
    let (status, body) = write(p, "self", to_terry.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Bad bodies.
    let (status, body) = write(
        p,
        "parent",
        json!({"student": p.ava, "teacher": c.terry, "body": "x".repeat(4_001)}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "body");
    let blank = json!({"student": p.ava, "teacher": c.terry, "body": " \n "});
    assert_eq!(write(p, "parent", blank).await.0, StatusCode::BAD_REQUEST);
    let both = json!({"student": p.ava, "class": c.math, "body": "x"});
    assert_eq!(write(p, "parent", both).await.0, StatusCode::BAD_REQUEST);

    let (status, sent) = write(p, "parent", to_terry.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let id = sent["conversations"][0]["id"].as_i64().unwrap();
    assert_eq!(sent["conversations"][0]["with"], "Terry Teach");
    // Writing again adds to the same conversation.
    let (_, again) = write(p, "parent", to_terry).await;
    assert_eq!(again["conversations"][0]["id"], id);

    // Who may read it: the teacher and the parent; nobody else, not even another teacher.
    let path = format!("/api/v1/conversations/{id}");
    for (who, status) in [
        (Some("terry"), StatusCode::OK),
        (Some("parent"), StatusCode::OK),
        (Some("gina"), StatusCode::NOT_FOUND),
        (Some("portal off"), StatusCode::NOT_FOUND),
        (Some("ended"), StatusCode::NOT_FOUND),
        (Some("self"), StatusCode::NOT_FOUND),
        (Some("staff"), StatusCode::NOT_FOUND),
        (Some("other district"), StatusCode::NOT_FOUND),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(p.get(&path, who).await.0, status, "{who:?}");
        if let (Some(who), StatusCode::NOT_FOUND) = (who, status) {
            assert_eq!(
                reply(p, who, id, "hi").await.0,
                StatusCode::NOT_FOUND,
                "{who}"
            );
            let read = format!("/api/v1/conversations/{id}/read");
            let (status, _) = send(p, Method::POST, &read, Some(who), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        }
    }
    // The student's own conversation, once the district allows it; the parent never sees it.
    districts::set(&p.app.app, "river", "student_messaging", "on")
        .await
        .unwrap();
    let (status, sent) = write(
        p,
        "self",
        json!({"student": p.ava, "teacher": c.terry, "body": "Can I hand it in late?"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let own = sent["conversations"][0]["id"].as_i64().unwrap();
    assert_ne!(own, id);
    assert_eq!(
        p.get(&format!("/api/v1/conversations/{own}"), Some("parent"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, listed) = p.get("/api/v1/conversations", Some("parent")).await;
    assert_eq!(listed["conversations"].as_array().unwrap().len(), 1);
    let (_, listed) = p.get("/api/v1/conversations", Some("terry")).await;
    assert_eq!(listed["conversations"].as_array().unwrap().len(), 2);
    let (_, listed) = p.get("/api/v1/conversations", Some("gina")).await;
    assert_eq!(listed["conversations"], json!([]));
}

/// Pages read at once by accounts of each kind, some on their session's first page (its kind
/// not yet known to the server), each show their own account's count. On PostgreSQL such
/// pages share a statement, which counts only the kinds of account it is asked for.
#[tokio::test]
async fn pages_read_at_once_each_show_their_own_accounts_count() {
    let mut c = class().await;
    let (status, sent) = write(
        &c.p,
        "terry",
        json!({"class": c.math, "body": "Quiz Monday"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (_, listed) = c.p.get("/api/v1/conversations", Some("parent")).await;
    let id = listed["conversations"][0]["id"].as_i64().unwrap();
    let (status, body) = reply(&c.p, "parent", id, "We will study.").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (parent, terry) = (
        menu_count(&c.p, "parent").await,
        menu_count(&c.p, "terry").await,
    );
    assert_eq!((parent, terry), (1, 1));
    for (who, portal, user) in [
        ("parent anew", "parent", "maria"),
        ("terry anew", "teacher", "terry"),
    ] {
        let token = login(&c.p.app, "river", portal, user, PASSWORD).await;
        c.p.tokens.push((who, token));
    }
    let expected = [
        ("parent", parent),
        ("terry", terry),
        ("gina", 0),
        ("self", 0),
        ("parent anew", parent),
        ("terry anew", terry),
    ];
    let p = &c.p;
    let reads = (0..4).flat_map(|round| {
        expected.iter().map(move |&(who, n)| async move {
            let (status, page) = p.page("/d/river/conversations", Some(who)).await;
            assert_eq!(status, StatusCode::OK, "{who}, round {round}");
            (who, n, badge(&page))
        })
    });
    for (who, n, shown) in futures_util::future::join_all(reads).await {
        assert_eq!(shown, n, "{who}'s menu");
    }
}

#[tokio::test]
async fn a_class_message_makes_one_conversation_per_family_with_receipts_and_unread_counts() {
    let c = class().await;
    let p = &c.p;
    let (status, sent) = write(
        p,
        "terry",
        json!({"class": c.math, "body": "Field trip Friday: https://school.example/trip"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let made = sent["conversations"].as_array().unwrap();
    assert_eq!(made.len(), 2, "Ava's family and Ben's family: {sent}");
    assert!(made.iter().all(|c| c["subject"] == "Math 3"));
    assert_eq!(menu_count(p, "parent").await, 2);
    assert_eq!(menu_count(p, "terry").await, 0);
    // Maria is the guardian of both: two conversations, one per child, each unread.
    let (_, listed) = p.get("/api/v1/conversations", Some("parent")).await;
    let listed = listed["conversations"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|c| c["unread"] == 1 && c["with"] == "Terry Teach")
    );
    let ava = listed.iter().find(|c| c["student"]["id"] == p.ava).unwrap();
    let id = ava["id"].as_i64().unwrap();
    // Not read yet: no receipt for the teacher.
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("terry"))
        .await;
    assert_eq!(thread["messages"][0]["read_by"], json!([]));
    assert_eq!(thread["with"], "Family of Ava Alvarez");
    let read = format!("/api/v1/conversations/{id}/read");
    assert_eq!(
        send(p, Method::POST, &read, Some("parent"), None).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("terry"))
        .await;
    assert_eq!(thread["messages"][0]["read_by"], json!(["Maria Alvarez"]));
    let (_, listed) = p.get("/api/v1/conversations", Some("parent")).await;
    let unread: Vec<i64> = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["unread"].as_i64().unwrap())
        .collect();
    assert_eq!(unread.iter().sum::<i64>(), 1);
    assert_eq!(menu_count(p, "parent").await, 1);
    // The reply reaches the teacher, unread until read.
    let (status, body) = reply(p, "parent", id, "Thanks! Ava will be there.").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, mine) = p.get("/api/v1/conversations", Some("terry")).await;
    let ours = mine["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(ours["unread"], 1);
    assert_eq!(menu_count(p, "terry").await, 1);
    // The notification job tells Terry, in the inbox.
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let (_, inbox) = p.get("/api/v1/notifications", Some("terry")).await;
    assert!(
        inbox
            .to_string()
            .contains("Maria Alvarez wrote about Ava Alvarez"),
        "{inbox}"
    );
    let (_, inbox) = p.get("/api/v1/notifications", Some("parent")).await;
    assert!(
        inbox.to_string().contains("Terry Teach wrote about"),
        "{inbox}"
    );
}

#[tokio::test]
async fn a_message_can_be_retracted_for_five_minutes_and_the_district_still_reads_it() {
    let c = class().await;
    let p = &c.p;
    let (_, sent) = write(
        p,
        "parent",
        json!({"student": p.ava, "teacher": c.terry, "body": "Sent too soon"}),
    )
    .await;
    let id = sent["conversations"][0]["id"].as_i64().unwrap();
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("parent"))
        .await;
    let mid = thread["messages"][0]["id"].as_i64().unwrap();
    assert_eq!(thread["messages"][0]["can_retract"], true);
    let retract = format!("/api/v1/conversations/{id}/messages/{mid}/retract");
    // Not the teacher's to retract.
    assert_eq!(
        send(p, Method::POST, &retract, Some("terry"), None).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        send(p, Method::POST, &retract, Some("parent"), None)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    // A retracted message is nothing to read: the teacher has nothing unread.
    let (_, listed) = p.get("/api/v1/conversations", Some("terry")).await;
    let ours = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(ours["unread"], 0, "{ours}");
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("terry"))
        .await;
    assert_eq!(thread["messages"][0]["retracted"], true);
    assert_eq!(thread["messages"][0]["body"], Value::Null);
    let staff = crate::harness::operator(&p.district);
    let seen = conversations::district_show(&p.app.app, &staff, id, None)
        .await
        .unwrap();
    assert_eq!(seen.messages[0].body.as_deref(), Some("Sent too soon"));
    assert!(seen.messages[0].retracted);
    // Six minutes on, a message stays.
    let (_, later) = reply(p, "parent", id, "Second thoughts").await;
    assert_eq!(later["conversations"][0]["id"], id);
    p.app.app.clock.advance(6 * 60);
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("parent"))
        .await;
    let second = thread["messages"][1]["id"].as_i64().unwrap();
    assert_eq!(thread["messages"][1]["can_retract"], false);
    let late = format!("/api/v1/conversations/{id}/messages/{second}/retract");
    let (status, body) = send(p, Method::POST, &late, Some("parent"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        count(p, "SELECT COUNT(*) FROM conversation_messages").await,
        2,
        "nothing is deleted"
    );
}

#[tokio::test]
async fn a_block_stops_the_familys_replies_and_the_district_sees_it() {
    let c = class().await;
    let p = &c.p;
    let (_, sent) = write(
        p,
        "parent",
        json!({"student": p.ava, "teacher": c.terry, "body": "Hello"}),
    )
    .await;
    let id = sent["conversations"][0]["id"].as_i64().unwrap();
    let block = format!("/api/v1/conversations/{id}/block");
    // Only its teacher blocks.
    assert_eq!(
        send(
            p,
            Method::POST,
            &block,
            Some("parent"),
            Some(json!({"blocked": true}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            p,
            Method::POST,
            &block,
            Some("gina"),
            Some(json!({"blocked": true}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(
            p,
            Method::POST,
            &block,
            Some("terry"),
            Some(json!({"blocked": true}))
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = reply(p, "parent", id, "Hello?").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("parent"))
        .await;
    assert_eq!(thread["can_write"], false);
    assert_eq!(thread["blocked"], true);
    // The teacher still writes.
    assert_eq!(
        reply(p, "terry", id, "We will talk at the conference.")
            .await
            .0,
        StatusCode::CREATED
    );
    let staff = crate::harness::operator(&p.district);
    let all = conversations::district_list(&p.app.app, &staff)
        .await
        .unwrap();
    assert!(all.iter().any(|c| c.id == id && c.blocked));
    assert_eq!(
        send(
            p,
            Method::POST,
            &block,
            Some("terry"),
            Some(json!({"blocked": false}))
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        reply(p, "parent", id, "Thank you").await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_teacher_who_leaves_loses_access_at_once_and_the_conversation_stays_with_the_district() {
    let c = class().await;
    let p = &c.p;
    let (_, sent) = write(
        p,
        "parent",
        json!({"student": p.ava, "teacher": c.terry, "body": "Hello"}),
    )
    .await;
    let id = sent["conversations"][0]["id"].as_i64().unwrap();
    let dir = delta(&[
        (
            "manifest.csv",
            "propertyName,value\nfile.orgs,absent\nfile.users,delta\n",
        ),
        (
            "users.csv",
            &format!(
                "{USERS}t1,tobedeleted,2025-10-06T00:00:00Z,true,s1,teacher,,,Terry,Teach,,,,,,,,\n"
            ),
        ),
    ]);
    import::oneroster(
        &p.app.app,
        &crate::harness::operator(&p.district),
        dir.path(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        p.get("/api/v1/conversations", Some("terry")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        p.get(&format!("/api/v1/conversations/{id}"), Some("terry"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let response = reqwest::Client::new()
        .post(p.app.url("/api/v1/districts/river/login"))
        .json(&json!({"portal": "teacher", "username": "terry", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // The family still reads it, but cannot write to someone who is gone.
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("parent"))
        .await;
    assert_eq!(thread["can_write"], false);
    let (status, body) = reply(p, "parent", id, "Are you there?").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let staff = crate::harness::operator(&p.district);
    assert!(
        conversations::district_list(&p.app.app, &staff)
            .await
            .unwrap()
            .iter()
            .any(|c| c.id == id)
    );
}

#[tokio::test]
async fn office_hours_tell_a_family_when_to_expect_an_answer_and_night_pushes_wait_for_morning() {
    let c = class().await;
    let p = &c.p;
    let hours = "/api/v1/teacher/office-hours";
    let (status, body) = send(
        p,
        Method::PUT,
        hours,
        Some("terry"),
        Some(json!({"office_hours": {"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "15:30"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["office_hours"]["days"], json!([1, 2, 3, 4, 5]));
    let (status, body) = send(
        p,
        Method::PUT,
        hours,
        Some("terry"),
        Some(json!({"office_hours": {"days": [1], "start": "15:00", "end": "08:00"}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "end");
    assert_eq!(
        send(
            p,
            Method::PUT,
            hours,
            Some("parent"),
            Some(json!({"office_hours": null}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // Monday at noon: within them.
    let to_terry = json!({"student": p.ava, "teacher": c.terry, "body": "Hello"});
    let (_, sent) = write(p, "parent", to_terry.clone()).await;
    assert_eq!(sent["expect_answer"], Value::Null);
    let id = sent["conversations"][0]["id"].as_i64().unwrap();
    // Monday at 22:00 in California: after hours, and within quiet hours.
    p.app.app.clock.advance(10 * 3600);
    let (_, sent) = reply(p, "parent", id, "One more thing").await;
    assert_eq!(sent["expect_answer"], "October 7 at 8:00 AM", "{sent}");
    let (_, thread) = p
        .get(&format!("/api/v1/conversations/{id}"), Some("parent"))
        .await;
    assert_eq!(
        thread["office_hours"],
        "Mon, Tue, Wed, Thu, Fri, 08:00–15:30"
    );
    // Terry's pushes wait for 07:00: the push job runs no sooner.
    let prefs = "/api/v1/me/notification-preferences";
    let (status, body) = send(
        p,
        Method::PUT,
        prefs,
        Some("terry"),
        Some(json!({"push": ["message"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, sent) = reply(p, "terry", id, "Noted, see you tomorrow").await;
    assert_eq!(sent["expect_answer"], Value::Null);
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let seven = 1_759_777_200 + 19 * 3600; // Tuesday 07:00 in California
    let early = count(
        p,
        &format!("SELECT COUNT(*) FROM jobs WHERE kind = 'push.notification' AND run_at < {seven}"),
    )
    .await;
    assert_eq!(early, 0);
    let waiting = count(
        p,
        &format!("SELECT COUNT(*) FROM jobs WHERE kind = 'push.notification' AND run_at = {seven}"),
    )
    .await;
    assert!(waiting > 0, "a push waits for seven");

    // Urgent: refused unless the district allows it, for teachers alone; then pushed at once.
    let urgent = |text: &str| json!({"body": text, "urgent": true});
    let path = format!("/api/v1/conversations/{id}/messages");
    let (status, body) = send(
        p,
        Method::POST,
        &path,
        Some("terry"),
        Some(urgent("Tonight!")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = send(
        p,
        Method::PUT,
        prefs,
        Some("parent"),
        Some(json!({"push": ["message"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    districts::set(&p.app.app, "river", "urgent_messages", "on")
        .await
        .unwrap();
    let (status, _) = send(
        p,
        Method::POST,
        &path,
        Some("parent"),
        Some(urgent("Me too")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a family never marks a message urgent"
    );
    let (status, body) = send(
        p,
        Method::POST,
        &path,
        Some("terry"),
        Some(urgent("Tonight!")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let now = p.app.app.clock.unix();
    let at_once = count(
        p,
        &format!("SELECT COUNT(*) FROM jobs WHERE kind = 'push.notification' AND run_at = {now}"),
    )
    .await;
    assert!(at_once > 0, "an urgent message is pushed at once");
}

#[tokio::test]
async fn an_account_writes_at_most_its_hourly_allowance() {
    let c = class().await;
    let p = &c.p;
    let to_terry = json!({"student": p.ava, "teacher": c.terry, "body": "Again"});
    for n in 0..homeroom::domain::FAMILY_MESSAGES_PER_HOUR {
        assert_eq!(
            write(p, "parent", to_terry.clone()).await.0,
            StatusCode::CREATED,
            "{n}"
        );
    }
    let (status, body) = write(p, "parent", to_terry.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "too_many");
    p.app.app.clock.advance(3601);
    assert_eq!(write(p, "parent", to_terry).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn the_pages_carry_a_conversation_from_a_class_to_a_family_and_the_console_reads_it_audited()
{
    let c = class().await;
    let p = &c.p;
    let (status, home) = p.page("/d/river/home", Some("terry")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("Your classes this term") && home.contains("Math 3"),
        "{home}"
    );
    assert!(home.contains("Guardians: Maria Alvarez"));
    assert!(home.contains(&format!("/d/river/conversations/new?class={}", c.math)));
    let (status, form) = p
        .page(
            &format!("/d/river/conversations/new?class={}", c.math),
            Some("terry"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("Write to every family of Math 3 (2 students)"),
        "{form}"
    );
    // Another teacher's class, or a parent asking for the class form: nothing there.
    assert_eq!(
        p.page(
            &format!("/d/river/conversations/new?class={}", c.math),
            Some("gina")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        p.page(
            &format!("/d/river/conversations/new?class={}", c.math),
            Some("parent")
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, sent) = write(
        p,
        "terry",
        json!({"class": c.math, "body": "Read <b>this</b>: https://school.example/trip\nThanks"}),
    )
    .await;
    let id = sent["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["student"]["id"] == p.ava)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // The parent's menu counts it; the thread makes the address a link and the rest text.
    let (_, schedule) = p
        .page(
            &format!("/d/river/students/{}/schedule", p.ava),
            Some("parent"),
        )
        .await;
    assert!(
        schedule.contains("Messages <span class=\"badge\">"),
        "{schedule}"
    );
    assert!(schedule.contains(&format!(
        "/d/river/conversations/new?student={}&amp;teacher={}",
        p.ava, c.terry
    )));
    let (status, thread) = p
        .page(&format!("/d/river/conversations/{id}"), Some("parent"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(thread.contains(r#"<a href="https://school.example/trip" rel="noopener noreferrer nofollow ugc">https://school.example/trip</a>"#), "{thread}");
    assert!(
        thread.contains("Read &#60;b&#62;this&#60;/b&#62;:")
            || thread.contains("Read &lt;b&gt;this&lt;/b&gt;:"),
        "{thread}"
    );
    // Read now: one left.
    let (_, again) = p.page("/d/river/conversations", Some("parent")).await;
    assert!(
        again.contains("Messages <span class=\"badge\">1 unread"),
        "{again}"
    );
    // In Spanish when the browser asks.
    let (_, spanish) = p
        .page_in(
            &format!("/d/river/conversations/{id}"),
            Some("parent"),
            Some("es"),
        )
        .await;
    assert!(
        spanish.contains("Su respuesta") && spanish.contains("Sobre Ava Alvarez"),
        "{spanish}"
    );
    for who in ["gina", "portal off", "staff"] {
        assert_eq!(
            p.page(&format!("/d/river/conversations/{id}"), Some(who))
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    // The console: staff read every conversation, and each reading is audited.
    let before = count(
        p,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'conversation.read_by_staff'",
    )
    .await;
    let (status, list) = p.page("/d/river/admin/conversations", Some("staff")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(
        list.contains("Terry Teach · Family of Ava Alvarez"),
        "{list}"
    );
    let (status, read) = p
        .page(&format!("/d/river/admin/conversations/{id}"), Some("staff"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(read.contains("recorded in the audit log"));
    assert_eq!(
        count(
            p,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'conversation.read_by_staff'"
        )
        .await,
        before + 1
    );
    for who in ["parent", "terry"] {
        assert_eq!(
            p.page(&format!("/d/river/admin/conversations/{id}"), Some(who))
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
}

#[tokio::test]
async fn teachers_get_keys_only_when_asked_and_activate_into_the_teacher_portal() {
    let p = portal().await;
    let everyone = homeroom::store::KeyScope::default();
    let issued =
        homeroom::services::activation::generate(&p.app.app, &p.district, &everyone, "test")
            .await
            .unwrap();
    assert!(
        issued
            .iter()
            .all(|k| k.person.role != homeroom::domain::PersonRole::Teacher),
        "families' keys leave teachers out"
    );
    let teachers = homeroom::store::KeyScope {
        role: Some(homeroom::domain::PersonRole::Teacher),
        ..Default::default()
    };
    let issued =
        homeroom::services::activation::generate(&p.app.app, &p.district, &teachers, "test")
            .await
            .unwrap();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].person.sourced_id.as_str(), "t1");
    let (status, body) = send(
        &p,
        Method::POST,
        "/api/v1/districts/river/activate",
        None,
        Some(json!({"key": issued[0].key.grouped(), "username": "terry.t", "password": "chalk meadow harbor lamp"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = login(
        &p.app,
        "river",
        "teacher",
        "terry.t",
        "chalk meadow harbor lamp",
    )
    .await;
    let (status, classes) = {
        let response = reqwest::Client::new()
            .get(p.app.url("/api/v1/teacher/classes"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(classes["classes"].as_array().unwrap().len(), 3);
    let (_, me) = {
        let response = reqwest::Client::new()
            .get(p.app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert!(me.to_string().contains("\"teacher\""), "{me}");
}

#[tokio::test]
async fn a_new_message_is_mailed_as_the_family_chose_at_once_or_in_the_digest() {
    let sink = crate::smtp::Sink::start().await;
    let c = class_with(|c| homeroom::config::ConfigInput {
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(sink.port),
        smtp_tls: Some("none".into()),
        ..c
    })
    .await;
    let p = &c.p;
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let prefs = "/api/v1/me/notification-preferences";
    let (status, _) = send(
        p,
        Method::PUT,
        prefs,
        Some("parent"),
        Some(json!({"email": ["message"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = write(
        p,
        "terry",
        json!({"student": p.ava, "body": "Ava did great today."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let mailed = |mails: &[crate::smtp::Received], text: &str| {
        mails
            .iter()
            .filter(|m| m.to == ["maria@example.org"] && m.readable().contains(text))
            .count()
    };
    let mails = sink.received().await;
    assert_eq!(
        mailed(&mails, "Terry Teach wrote about Ava Alvarez"),
        1,
        "{mails:?}"
    );
    // In the digest instead: nothing at once.
    let (status, _) = send(
        p,
        Method::PUT,
        prefs,
        Some("parent"),
        Some(json!({"email_digest": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = write(p, "terry", json!({"student": p.ben, "body": "Ben too."})).await;
    assert_eq!(status, StatusCode::CREATED);
    while worker::run_due(&p.app.app).await.unwrap() > 0 {}
    let mails = sink.received().await;
    assert_eq!(
        mailed(&mails, "Terry Teach wrote about Ben Alvarez"),
        0,
        "{mails:?}"
    );
}
