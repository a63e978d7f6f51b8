//! What every answer carries, and how the server treats odd requests.

use crate::harness::spawn_app;

#[tokio::test]
async fn every_answer_has_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/api/v1/districts",
        "/nowhere",
        "/api/v1/nowhere",
        "/readyz",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert!(
            !headers.contains_key("strict-transport-security"),
            "plain http: no HSTS"
        );
        let id = headers["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "a UUID: {id}");
    }
    // A request id sent by a proxy in front is kept.
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "lb-1234");
    app.stop().await;
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_address_is_https() {
    let db = crate::harness::TestDb::fresh().await;
    let app = crate::harness::spawn_app_with(db, |c| homeroom::config::ConfigInput {
        public_url: Some("https://portal.example.org".into()),
        ..c
    })
    .await;
    let response = app.get("/").await;
    assert!(
        response.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_right_language() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/nowhere").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
    let response = app
        .client
        .delete(app.url("/api/v1/districts"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "method_not_allowed");

    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().await.unwrap().contains("Page not found"));
    app.stop().await;
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_a_same_site_one_is_not() {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let post = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = app
            .client
            .post(app.url("/d/cedar-valley/parent"))
            .form(&[("username", "x"), ("password", "y")]);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let refused = post(&[
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ])
    .await
    .unwrap();
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "csrf");

    let refused = post(&[("origin", "https://evil.example")]).await.unwrap();
    assert_eq!(
        refused.status(),
        403,
        "an old browser without Sec-Fetch-Site, from another origin"
    );

    // Same origin passes the check and reaches the login, which refuses the wrong password.
    let allowed = post(&[("sec-fetch-site", "same-origin")]).await.unwrap();
    assert_eq!(allowed.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let app = spawn_app().await;
    homeroom::services::demo::load(&app.app).await.unwrap();
    let big = vec![b'a'; 2 * 1024 * 1024];
    for path in [
        "/api/v1/districts",
        "/api/v1/districts/cedar-valley/login",
        "/d/cedar-valley/parent",
    ] {
        let response = reqwest::Client::new()
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        let sized = (response.status().as_u16(), response.text().await.unwrap());
        let chunked = post_chunked(&app, path, &big).await;
        assert_eq!(sized.0, 413, "{path}: {}", sized.1);
        assert_eq!(sized, chunked, "{path}: sized and chunked alike");
        if path.starts_with("/api/") {
            assert!(sized.1.contains("\"too_large\""), "{}", sized.1);
        } else {
            assert!(sized.1.contains("KiB a page takes"), "{}", sized.1);
        }
    }
    app.stop().await;
}

/// POSTs `body` in chunks of 64 KiB, declaring no size: the status and the body of the answer.
async fn post_chunked(app: &crate::harness::TestApp, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        // The server may answer, and close, before the body is all sent.
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_ask() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/static/app.css"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let plain = app.get("/static/app.css").await;
    assert!(!plain.headers().contains_key("content-encoding"));
    assert!(plain.text().await.unwrap().contains(":focus-visible"));
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/districts"));
    assert!(paths.contains_key("/api/v1/districts/{slug}"));
    let show = &doc["paths"]["/api/v1/districts/{slug}"]["get"]["responses"];
    assert!(show["503"].is_object() && show["404"].is_object());
    for path in [
        "/api/v1/me",
        "/api/v1/me/tools",
        "/api/v1/me/access-log",
        "/api/v1/students",
        "/api/v1/students/{id}/today",
        "/api/v1/students/{id}/calendar",
        "/api/v1/students/{id}/assignments",
        "/api/v1/students/{id}/grades",
        "/api/v1/students/{id}/attendance",
        "/api/v1/students/{id}/schedule",
    ] {
        assert!(paths[path]["get"].is_object(), "{path}");
    }
    let grades = &doc["paths"]["/api/v1/students/{id}/grades"]["get"]["responses"];
    assert!(grades["403"].is_object() && grades["404"].is_object() && grades["401"].is_object());
    // What any route may answer is declared on every one, and a path parameter is one of
    // its path's.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for status in ["400", "413", "429", "503"] {
                assert!(
                    operation["responses"][status].is_object(),
                    "{method} {path} declares {status}"
                );
            }
            let parameters = operation["parameters"].as_array().into_iter().flatten();
            for parameter in parameters.filter(|p| p["in"] == "path") {
                let name = parameter["name"].as_str().unwrap();
                assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: {name}"
                );
            }
        }
    }
    let calendar = &doc["paths"]["/api/v1/students/{id}/calendar"]["get"]["parameters"];
    let month = calendar
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "month")
        .unwrap();
    assert_eq!(month["in"], "query");
    assert_eq!(month["required"], false);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "ErrorBody",
        "DistrictList",
        "DistrictPublic",
        "GradesView",
        "TodayView",
        "CalendarView",
        "Menu",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_app_installs_and_has_a_connection_error_page() {
    let app = spawn_app().await;
    let response = app.get("/manifest.webmanifest").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = response.json().await.unwrap();
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    for icon in manifest["icons"].as_array().unwrap() {
        let src = icon["src"].as_str().unwrap();
        let response = app.get(src).await;
        assert_eq!(response.status(), 200, "{src}");
        assert_eq!(response.headers()["content-type"], "image/png");
        let bytes = response.bytes().await.unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        let size = icon["sizes"].as_str().unwrap();
        assert_eq!(
            format!("{}x{}", reader.info().width, reader.info().height),
            size
        );
    }
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.status(), 200);
    assert!(
        worker.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let script = worker.text().await.unwrap();
    assert!(script.contains("\"/offline\"") && script.contains("caches.match(OFFLINE)"));
    let (status, page) = app.get_text("/offline").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Connection Error</h1>"));
    assert!(page.contains("Check your Internet connection"));
    assert!(page.contains("Make sure your district's portal is not down"));
    // Every page links the manifest and registers the worker.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("rel=\"manifest\"") && home.contains("/static/pwa.js"));
    assert_eq!(app.get("/static/icon-7.png").await.status(), 404);
    app.stop().await;
}
