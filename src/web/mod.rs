//! Server-rendered pages, one module per journey. Templates live in `templates/` and are
//! checked when the crate builds.

mod account;
mod activate;
mod admin;
mod finder;
mod installable;
mod language;
mod links;
mod login;
mod notifications;
pub mod pages;
mod portal;
mod recovery;
mod tools;

use axum::Router;
use axum::routing::{get, post};

use crate::app::App;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(finder::page))
        .route("/language", post(language::switch))
        .route("/manifest.webmanifest", get(installable::manifest))
        .route("/sw.js", get(installable::service_worker))
        .route("/static/pwa.js", get(installable::register_script))
        .route("/static/push.js", get(installable::push_script))
        .route("/static/{icon}", get(installable::icon))
        .route("/offline", get(installable::offline))
        .route("/d/{slug}/{portal}", get(login::page).post(login::submit))
        .route("/d/{slug}/home", get(account::home))
        .route("/d/{slug}/admin", get(admin::console))
        .route("/d/{slug}/admin/people/{id}", get(admin::person))
        .route("/d/{slug}/admin/tools", get(tools::show))
        .route("/d/{slug}/admin/tools/switch", post(tools::switch))
        .route("/d/{slug}/admin/tools/windows", post(tools::add_window))
        .route(
            "/d/{slug}/admin/tools/windows/{id}/remove",
            post(tools::remove_window),
        )
        .route("/d/{slug}/admin/people/{id}/{action}", post(admin::act))
        .route(
            "/d/{slug}/activate",
            get(activate::page).post(activate::check_key),
        )
        .route("/d/{slug}/activate/account", post(activate::create_account))
        .route(
            "/d/{slug}/password",
            get(account::password).post(account::change_password),
        )
        .route("/d/{slug}/settings", get(account::settings))
        .route(
            "/d/{slug}/settings/sessions/{id}/revoke",
            post(account::revoke),
        )
        .route("/d/{slug}/settings/push/{id}/end", post(account::end_push))
        .route("/d/{slug}/logout", post(account::logout))
        .route("/d/{slug}/students/{id}/{tool}", get(portal::tool))
        .route("/d/{slug}/access-log", get(portal::access_log))
        .route("/d/{slug}/notifications", get(notifications::inbox))
        .route(
            "/d/{slug}/notifications/preferences",
            post(notifications::save_preferences),
        )
        .route(
            "/d/{slug}/notifications/{id}/read",
            post(notifications::read),
        )
        .route(
            "/d/{slug}/admin/messages",
            get(notifications::message_form).post(notifications::send),
        )
        .route("/d/{slug}/links", get(links::list).post(links::link))
        .route("/d/{slug}/links/manage", get(links::manage))
        .route("/d/{slug}/links/code", post(links::generate))
        .route("/d/{slug}/links/{id}/switch", post(links::switch))
        .route("/d/{slug}/links/{id}/unlink", post(links::unlink))
        .route(
            "/d/{slug}/password/forgot",
            get(recovery::forgot_password_page).post(recovery::forgot_password),
        )
        .route(
            "/d/{slug}/username/forgot",
            get(recovery::forgot_username_page).post(recovery::forgot_username),
        )
        .route(
            "/d/{slug}/password/reset",
            get(recovery::reset_page).post(recovery::reset),
        )
}

/// Routes that take large uploads: the server gives them their own body limit and timeout.
pub fn upload_routes() -> Router<App> {
    Router::new().route("/d/{slug}/admin/import", post(admin::import))
}
