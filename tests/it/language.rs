//! The portal speaks the language the visitor chose with the switch, else the browser's; a
//! choice is remembered on the account, so it follows the family to another browser.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, LOCATION, REFERER, SET_COOKIE};

use crate::harness::TestApp;
use crate::portal::portal;
use homeroom::services::auth;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn front_page(app: &TestApp, client: &reqwest::Client, accept: Option<&str>) -> String {
    let mut request = client.get(app.url("/"));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let lang = response.headers()[CONTENT_LANGUAGE]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
    html
}

fn spanish(html: &str) -> bool {
    html.contains("<html lang=\"es\">") && html.contains("Saltar al contenido principal")
}

fn english(html: &str) -> bool {
    html.contains("<html lang=\"en\">") && html.contains("Skip to main content")
}

async fn switch(
    app: &TestApp,
    client: &reqwest::Client,
    lang: &str,
    from: &str,
) -> reqwest::Response {
    client
        .post(app.url("/language"))
        .header(REFERER, from)
        .form(&[("lang", lang)])
        .send()
        .await
        .unwrap()
}

async fn staff_login(app: &TestApp, client: &reqwest::Client, accept: Option<&str>) -> Vec<String> {
    let mut request = client
        .post(app.url("/d/river/staff"))
        .form(&[("username", "terry"), ("password", "correct horse battery")]);
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_browser_language_the_switch_and_the_account_choose_the_language() {
    let p = portal().await;
    let app = &p.app;
    // The browser's language, the first the portal speaks; English otherwise.
    let client = browser();
    assert!(english(&front_page(app, &client, None).await));
    assert!(spanish(
        &front_page(app, &client, Some("fr-CA, es-MX;q=0.8, en;q=0.5")).await
    ));
    assert!(english(&front_page(app, &client, Some("de-DE")).await));

    // The switch wins over the browser and goes back to the page it was pressed on, never
    // to another site.
    let response = switch(app, &client, "en", &app.url("/d/river/parent?x=1")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/d/river/parent?x=1");
    assert!(english(&front_page(app, &client, Some("es")).await));
    let response = switch(app, &client, "es", "https://elsewhere.example/steal").await;
    assert_eq!(response.headers()[LOCATION], "/steal");
    assert!(spanish(&front_page(app, &client, None).await));
    // A language the portal does not speak changes nothing.
    let response = switch(app, &client, "klingon", &app.url("/")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert!(spanish(&front_page(app, &client, None).await));
    // The switch on the page itself works without JavaScript.
    let html = front_page(app, &browser(), None).await;
    assert!(
        html.contains("action=\"/language\"") && html.contains("value=\"es\""),
        "{html}"
    );

    // A first login records the language it was made in, and sets it in the browser.
    auth::add_staff(&app.app, "river", "terry", "correct horse battery")
        .await
        .unwrap();
    let first = browser();
    let cookies = staff_login(app, &first, Some("es-US,es;q=0.9")).await;
    assert!(
        cookies.iter().any(|c| c.starts_with("homeroom_lang=es")),
        "{cookies:?}"
    );
    // Another browser, with no language of its own: the account's.
    let second = browser();
    staff_login(app, &second, None).await;
    assert!(spanish(&front_page(app, &second, None).await));
    // Switched while logged in: remembered on the account for the next browser.
    switch(app, &second, "en", &app.url("/")).await;
    assert!(english(&front_page(app, &second, None).await));
    let third = browser();
    let cookies = staff_login(app, &third, Some("es")).await;
    assert!(
        cookies.iter().any(|c| c.starts_with("homeroom_lang=en")),
        "{cookies:?}"
    );
    assert!(english(&front_page(app, &third, None).await));
    // A choice made in a browser before logging in wins over the account's, and is kept.
    let fourth = browser();
    switch(app, &fourth, "es", &app.url("/d/river/staff")).await;
    let cookies = staff_login(app, &fourth, None).await;
    assert!(
        cookies.iter().any(|c| c.starts_with("homeroom_lang=es")),
        "{cookies:?}"
    );
    let fifth = browser();
    staff_login(app, &fifth, Some("en")).await;
    assert!(spanish(&front_page(app, &fifth, None).await));
    p.app.stop().await;
}

#[tokio::test]
async fn a_refused_new_password_is_explained_in_the_page_language() {
    let p = portal().await;
    for (accept, words) in [
        (
            "es",
            "Esta contraseña es una de las más comunes y es fácil de adivinar.",
        ),
        (
            "en",
            "This password is one of the most common ones and easy to guess.",
        ),
    ] {
        let response = p
            .app
            .client
            .post(p.app.url("/d/river/password"))
            .bearer_auth(p.token("parent"))
            .header(ACCEPT_LANGUAGE, accept)
            .form(&[("current", "correct horse battery"), ("new", "password1")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let html = response.text().await.unwrap();
        assert!(html.contains(words), "{accept}: {html}");
    }
    // The API keeps its English words and its code.
    let response = reqwest::Client::new()
        .put(p.app.url("/api/v1/me/password"))
        .bearer_auth(p.token("parent"))
        .header(ACCEPT_LANGUAGE, "es")
        .json(&serde_json::json!({"current": "correct horse battery", "new": "password1"}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "weak_password");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("This password is one of the most common ones"),
        "{body}"
    );
    p.app.stop().await;
}

#[tokio::test]
async fn what_is_wrong_with_a_typed_value_is_said_in_the_page_language() {
    let p = portal().await;
    for (accept, words) in [
        (
            "es",
            "Un límite de calificación es un porcentaje entero del 1 al 100",
        ),
        (
            "en",
            "A grade threshold is a whole percentage from 1 to 100",
        ),
    ] {
        let response = p
            .app
            .client
            .post(p.app.url("/d/river/notifications/preferences"))
            .bearer_auth(p.token("parent"))
            .header(ACCEPT_LANGUAGE, accept)
            .form(&[("grade_below", "setenta"), ("email_delivery", "daily")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let html = response.text().await.unwrap();
        assert!(html.contains(words), "{accept}: {html}");
    }
    p.app.stop().await;
}
