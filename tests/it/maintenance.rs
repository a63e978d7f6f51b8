//! A district in maintenance answers 503 with its message on its pages and in the API, and
//! opens again as soon as maintenance is cleared, without a restart.

use crate::harness::spawn_app;

#[tokio::test]
async fn maintenance_shows_the_message_and_clears_without_restart() {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let message = "Lakeshore's portal is being upgraded & will be back at 6 pm.";

    let out = app
        .cli(&["district", "set", "lakeshore", "maintenance", message])
        .await;
    assert!(out.status.success(), "{out:?}");

    for path in ["/d/lakeshore/parent", "/d/lakeshore/student"] {
        let (status, page) = app.get_text(path).await;
        assert_eq!(status, 503, "{path}");
        assert!(page.contains("Lakeshore Unified School District is unavailable"));
        assert!(
            page.contains("Lakeshore&#39;s portal is being upgraded &#38; will be back at 6 pm.")
                || page.contains(
                    "Lakeshore&#x27;s portal is being upgraded &amp; will be back at 6 pm."
                ),
            "{page}"
        );
        assert!(!page.contains("Log In"));
    }
    let (status, body) = app.get_json("/api/v1/districts/lakeshore").await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "district_unavailable");
    assert_eq!(body["message"], message);

    // The finder still lists the district, with its message, so families learn why.
    let (status, body) = app.get_json("/api/v1/districts?q=lakeshore").await;
    assert_eq!(status, 200);
    assert_eq!(body["districts"][0]["maintenance"], message);

    // Another district is not affected.
    let (status, _) = app.get_text("/d/cedar-valley/parent").await;
    assert_eq!(status, 200);

    let out = app
        .cli(&["district", "set", "lakeshore", "maintenance", "off"])
        .await;
    assert!(out.status.success(), "{out:?}");
    let (status, page) = app.get_text("/d/lakeshore/parent").await;
    assert_eq!(status, 200);
    assert!(page.contains("Log In"));
    let (status, body) = app.get_json("/api/v1/districts/lakeshore").await;
    assert_eq!(status, 200);
    assert!(body["maintenance"].is_null());
    app.stop().await;
}
