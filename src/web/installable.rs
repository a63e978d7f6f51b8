//! The installable app (PWA): the web app manifest, its icons, the service worker that keeps
//! the shell for offline use, and the **Connection Error** page it shows when the network or
//! the server cannot be reached.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::pages;
use crate::server::{JAVASCRIPT, static_file};

/// The app's colour, as in the style sheet.
const ACCENT: [u8; 3] = [0x0b, 0x5c, 0xad];

pub async fn manifest() -> Response {
    let body = serde_json::json!({
        "name": "Homeroom",
        "short_name": "Homeroom",
        "description": "The family portal of your school district.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f3f5f8",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"}
        ]
    });
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// The service worker: the page shell is cached at install; a page that cannot be fetched
/// (offline, or the server unreachable) is answered with the cached Connection Error page.
/// Family data is never cached.
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../static/sw.js"),
    )
        .into_response()
}

pub async fn push_script() -> Response {
    static_file(JAVASCRIPT, include_str!("../../static/push.js"))
}

pub async fn passkeys_script() -> Response {
    static_file(JAVASCRIPT, include_str!("../../static/passkeys.js"))
}

pub async fn register_script() -> Response {
    static_file(JAVASCRIPT, include_str!("../../static/pwa.js"))
}

/// **Connection Error**: what the app shows when it cannot reach the portal.
pub async fn offline() -> Html<String> {
    Html(pages::render(&pages::ConnectionError {}))
}

pub async fn icon(Path(file): Path<String>) -> Response {
    static SMALL: OnceLock<Vec<u8>> = OnceLock::new();
    static LARGE: OnceLock<Vec<u8>> = OnceLock::new();
    let bytes = match file.as_str() {
        "icon-192.png" => SMALL.get_or_init(|| draw_icon(192)),
        "icon-512.png" => LARGE.get_or_init(|| draw_icon(512)),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if bytes.is_empty() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes.clone(),
    )
        .into_response()
}

/// The icon: a white "H" on the app's blue, with the margins a maskable icon needs.
fn draw_icon(size: u32) -> Vec<u8> {
    let s = size as usize;
    let mut pixels = vec![0u8; s * s * 3];
    let unit = s / 16;
    let white = |x: usize, y: usize| {
        let (left, right) = (5 * unit..7 * unit, 9 * unit..11 * unit);
        let rows = 4 * unit..12 * unit;
        let bar = 7 * unit..9 * unit;
        rows.contains(&y)
            && (left.contains(&x)
                || right.contains(&x)
                || (bar.contains(&y) && (7 * unit..9 * unit).contains(&x)))
    };
    for y in 0..s {
        for x in 0..s {
            let colour = if white(x, y) { [255, 255, 255] } else { ACCENT };
            pixels[(y * s + x) * 3..(y * s + x) * 3 + 3].copy_from_slice(&colour);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let written = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels));
    match written {
        Ok(()) => out,
        Err(err) => {
            tracing::error!(%err, "the app icon could not be drawn");
            Vec::new()
        }
    }
}
