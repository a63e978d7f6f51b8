//! Server-rendered pages, one module per journey. Templates live in `templates/` and are
//! checked when the crate builds.

mod finder;
mod login;
pub mod pages;

use axum::Router;
use axum::routing::get;

use crate::app::App;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(finder::page))
        .route("/d/{slug}/{portal}", get(login::page))
}
