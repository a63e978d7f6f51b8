//! The district finder, on the home page and in the API.

use crate::harness::{TestApp, spawn_app};

async fn app_with_districts() -> TestApp {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    for (slug, name, state) in [
        ("valle-escondido", "Distrito Escolar Valle Escondido", "PR"),
        ("wake", "Wake County Public Schools", "NC"),
        ("pct", "100% Charter Academy", "DE"),
    ] {
        homeroom::services::districts::add(&app.app, slug, name, state)
            .await
            .unwrap();
    }
    app
}

fn slugs(body: &serde_json::Value) -> Vec<String> {
    body["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_api_finds_by_part_of_the_name_and_by_state() {
    let app = app_with_districts().await;

    let (status, body) = app.get_json("/api/v1/districts?q=VALLEY").await;
    assert_eq!(status, 200);
    assert_eq!(slugs(&body), ["cedar-valley"]);
    let cedar = &body["districts"][0];
    assert_eq!(cedar["name"], "Cedar Valley Public Schools");
    assert_eq!(cedar["state"], "NC");
    assert_eq!(cedar["state_name"], "North Carolina");
    assert_eq!(cedar["parent_url"], "/d/cedar-valley/parent");
    assert_eq!(cedar["student_url"], "/d/cedar-valley/student");
    assert!(cedar["maintenance"].is_null());

    let (_, body) = app.get_json("/api/v1/districts?state=nc").await;
    assert_eq!(slugs(&body), ["cedar-valley", "wake"]);
    let (_, body) = app.get_json("/api/v1/districts?q=schools&state=NC").await;
    assert_eq!(slugs(&body), ["cedar-valley", "wake"]);
    let (_, body) = app.get_json("/api/v1/districts?q=lake&state=OR").await;
    assert_eq!(slugs(&body), ["lakeshore"]);
    let (_, body) = app.get_json("/api/v1/districts?q=lake&state=NC").await;
    assert_eq!(slugs(&body), Vec::<String>::new());
    // Part of a word, in any case, and letters beyond ASCII.
    let (_, body) = app.get_json("/api/v1/districts?q=escON").await;
    assert_eq!(slugs(&body), ["valle-escondido"]);
    let (_, body) = app.get_json("/api/v1/districts?q=DISTRITO%20escolar").await;
    assert_eq!(slugs(&body), ["valle-escondido"]);
    // Wildcards typed by a person match themselves.
    let (_, body) = app.get_json("/api/v1/districts?q=100%25").await;
    assert_eq!(slugs(&body), ["pct"]);
    let (_, body) = app.get_json("/api/v1/districts?q=%25").await;
    assert_eq!(slugs(&body), ["pct"]);
    let (_, body) = app.get_json("/api/v1/districts?q=_").await;
    assert_eq!(slugs(&body), Vec::<String>::new());
    // Blank means any: every district, in name order.
    let (_, body) = app.get_json("/api/v1/districts?q=&state=").await;
    assert_eq!(
        slugs(&body),
        [
            "pct",
            "cedar-valley",
            "valle-escondido",
            "lakeshore",
            "riverbend",
            "wake"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_api_refuses_bad_queries_with_a_clear_error() {
    let app = app_with_districts().await;
    let (status, body) = app.get_json("/api/v1/districts?state=ZZ").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("unknown state"));

    let long = "a".repeat(101);
    let (status, body) = app.get_json(&format!("/api/v1/districts?q={long}")).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));

    let (status, body) = app.get_json("/api/v1/districts?q=a&q=b").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
    // Bytes that are not UTF-8 are read as replacement characters and simply match nothing.
    let (status, body) = app.get_json("/api/v1/districts?q=%FF%FE").await;
    assert_eq!((status, slugs(&body)), (200, Vec::<String>::new()));
    app.stop().await;
}

#[tokio::test]
async fn a_districts_public_settings() {
    let app = app_with_districts().await;
    let (status, body) = app.get_json("/api/v1/districts/cedar-valley").await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Cedar Valley Public Schools");
    assert_eq!(body["timezone"], "America/New_York");
    assert_eq!(body["password_min_length"], 8);
    assert_eq!(
        body["features"],
        serde_json::json!({"forgot_password": false, "forgot_username": false, "notifications": true, "linking": true})
    );
    // Oregon is not among the states where linking is offered.
    let (_, body) = app.get_json("/api/v1/districts/lakeshore").await;
    assert_eq!(body["features"]["linking"], false);

    app.cli(&["district", "set", "cedar-valley", "forgot_password", "on"])
        .await;
    app.cli(&["district", "set", "cedar-valley", "linking", "off"])
        .await;
    let (_, body) = app.get_json("/api/v1/districts/cedar-valley").await;
    assert_eq!(body["features"]["forgot_password"], true);
    assert_eq!(body["features"]["linking"], false);

    for missing in [
        "/api/v1/districts/atlantis",
        "/api/v1/districts/NOT%20A%20SLUG",
        "/api/v1/districts/%F0%9F%8F%AB",
    ] {
        let (status, body) = app.get_json(missing).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{missing}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_home_page_finds_districts_and_leads_to_their_login_pages() {
    let app = app_with_districts().await;
    let (status, page) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Find your district</h1>"));
    assert!(page.contains(r#"<label for="q">District name</label>"#));
    assert!(page.contains(r#"<option value="NC">North Carolina</option>"#));
    assert!(
        !page.contains("Cedar Valley"),
        "nothing is listed before a search"
    );

    let (status, page) = app.get_text("/?q=cedar").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h3>Cedar Valley Public Schools</h3>"));
    assert!(page.contains(r#"<a class="button" href="/d/cedar-valley/parent">Parent</a>"#));
    assert!(page.contains(r#"<a class="button" href="/d/cedar-valley/student">Student</a>"#));
    assert!(!page.contains("Lakeshore"));
    assert!(
        page.contains(r#"value="cedar""#),
        "the search stays in the box"
    );

    let (_, page) = app.get_text("/?state=OR").await;
    assert!(page.contains("Lakeshore Unified School District"));
    assert!(page.contains(r#"<option value="OR" selected>Oregon</option>"#));
    assert!(!page.contains("Cedar Valley"));

    let (_, page) = app.get_text("/?q=atlantis").await;
    assert!(page.contains("No districts found"));

    // Markup typed into the search comes back as text.
    let (_, page) = app.get_text("/?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"));

    let (status, page) = app.get_text("/?state=ZZ").await;
    assert_eq!(status, 400);
    assert!(
        page.contains(r#"<p class="error" id="state-error">Choose a state from the list.</p>"#)
    );
    assert!(page.contains(r#"aria-describedby="state-error""#));
    app.stop().await;
}

#[tokio::test]
async fn the_login_pages_show_the_district_and_the_form() {
    let app = app_with_districts().await;
    let (status, page) = app.get_text("/d/cedar-valley/parent").await;
    assert_eq!(status, 200);
    assert!(page.contains("Cedar Valley Public Schools"));
    assert!(page.contains("North Carolina"));
    assert!(page.contains("<h1>Parent Portal</h1>"));
    assert!(page.contains(r#"<label for="username">Username</label>"#));
    assert!(page.contains(r#"<label for="password">Password</label>"#));
    assert!(page.contains(r#"<button type="submit">Log In</button>"#));

    let (status, page) = app.get_text("/d/lakeshore/student").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Student Portal</h1>") && page.contains("Oregon"));

    for missing in [
        "/d/atlantis/parent",
        "/d/cedar-valley/principal",
        "/d/Cedar-Valley/parent",
        "/nowhere",
    ] {
        let (status, page) = app.get_text(missing).await;
        assert_eq!(status, 404, "{missing}");
        assert!(page.contains("Page not found"), "{missing}");
    }
    app.stop().await;
}
