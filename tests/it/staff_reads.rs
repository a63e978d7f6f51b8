//! The guard on bulk reads: a staff account opens at most the district's hourly allowance of
//! students' records in the console; past it, reads are refused with a clear page, the
//! district's other staff are told once, and the audit log has it.

use crate::admin::{person_id, web_login};
use crate::harness::{TestApp, TestDb, login, spawn_app_with};

#[tokio::test]
async fn a_staff_account_past_its_hourly_allowance_is_stopped_and_its_colleagues_are_told() {
    let app: TestApp = spawn_app_with(TestDb::fresh().await, |c| c).await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    for (key, value) in [
        ("staff_reads_per_hour", "10"),
        ("session_idle_minutes", "120"),
    ] {
        let out = app
            .cli(&["district", "set", "cedar-valley", key, value])
            .await;
        assert!(out.status.success(), "{out:?}");
    }
    homeroom::services::auth::add_staff(
        &app.app,
        "cedar-valley",
        "cv-colleague",
        "quiet harbor lantern",
    )
    .await
    .unwrap();
    web_login(&app, "staff", "cv-admin", "granite owl compass").await;
    let people = [
        person_id(&app, "cedar-valley", "cv-g-maria").await,
        person_id(&app, "cedar-valley", "cv-s-sofia").await,
    ];
    for read in 0..10 {
        let (status, _) = app
            .get_text(&format!(
                "/d/cedar-valley/admin/people/{}",
                people[read % 2]
            ))
            .await;
        assert_eq!(status, 200, "read {read}");
    }
    for _ in 0..2 {
        let (status, page) = app
            .get_text(&format!("/d/cedar-valley/admin/people/{}", people[0]))
            .await;
        assert_eq!(status, 429);
        assert!(
            page.contains("You have opened 10 students&#39; records in the last hour"),
            "{page}"
        );
    }
    // An action on a person answers with their page: it counts too, and is not done.
    let response = app
        .client
        .post(app.url(&format!(
            "/d/cedar-valley/admin/people/{}/disable",
            people[0]
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let maria = login(
        &app,
        "cedar-valley",
        "parent",
        "maria.alvarez",
        "maple river lantern",
    )
    .await;
    assert!(!maria.is_empty(), "the refused action did nothing");

    // Told once, to the colleague, and on record once.
    let district = crate::harness::district(&app, "cedar-valley").await;
    let limited = app
        .app
        .store
        .audit_entries(district.id, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "staff.reads_limited")
        .collect::<Vec<_>>();
    assert_eq!(limited.len(), 1, "{limited:?}");
    assert_eq!(limited[0].target.as_deref(), Some("cv-admin"));
    let colleague = login(
        &app,
        "cedar-valley",
        "staff",
        "cv-colleague",
        "quiet harbor lantern",
    )
    .await;
    let inbox: serde_json::Value = reqwest::Client::new()
        .get(app.url("/api/v1/notifications"))
        .bearer_auth(&colleague)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let told = inbox.to_string();
    assert_eq!(
        told.matches("reached its hourly limit").count(),
        1,
        "{told}"
    );
    assert!(told.contains("cv-admin opened 10 records"), "{told}");

    // An hour on, the allowance is back.
    app.app.clock.advance(3600);
    let (status, _) = app
        .get_text(&format!("/d/cedar-valley/admin/people/{}", people[1]))
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}
