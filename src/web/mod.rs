//! Server-rendered pages, one module per journey. Templates live in `templates/` and are
//! checked when the crate builds.

mod absences;
mod account;
mod activate;
mod admin;
mod conversations;
mod finder;
mod guard;
mod installable;
mod language;
mod links;
mod login;
mod notifications;
pub mod pages;
mod portal;
mod recovery;
mod rostering;
mod second_factor;
mod sso;
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
        .route("/static/passkeys.js", get(installable::passkeys_script))
        .route("/static/{icon}", get(installable::icon))
        .route("/offline", get(installable::offline))
        .nest("/d/{slug}", district())
}

/// A district's pages. Each handler names who may use it by its extractor (`guard`): the
/// district of the address is the session's own, or nothing opens.
fn district() -> Router<App> {
    Router::new()
        .route("/{portal}", get(login::page).post(login::submit))
        .route("/sso/start", get(sso::start))
        .route("/sso/callback", get(sso::callback))
        .route("/sso/signed-out", get(sso::signed_out))
        .route("/{portal}/passkey", post(login::passkey))
        .route("/home", get(account::home))
        .route("/activate", get(activate::page).post(activate::check_key))
        .route("/activate/account", post(activate::create_account))
        .route(
            "/password",
            get(account::password).post(account::change_password),
        )
        .route(
            "/password/forgot",
            get(recovery::forgot_password_page).post(recovery::forgot_password),
        )
        .route(
            "/username/forgot",
            get(recovery::forgot_username_page).post(recovery::forgot_username),
        )
        .route(
            "/password/reset",
            get(recovery::reset_page).post(recovery::reset),
        )
        .route("/settings", get(account::settings))
        .route(
            "/settings/second-factor",
            get(second_factor::show).post(second_factor::confirm),
        )
        .route(
            "/settings/second-factor/remove",
            post(second_factor::remove),
        )
        .route("/settings/sessions/{id}/revoke", post(account::revoke))
        .route("/settings/push/{id}/end", post(account::end_push))
        .route(
            "/settings/passkeys/{id}/remove",
            post(account::remove_passkey),
        )
        .route("/logout", post(account::logout))
        .route("/students/{id}/{tool}", get(portal::tool))
        .route(
            "/students/{id}/absence_requests",
            get(absences::show).post(absences::submit),
        )
        .route(
            "/students/{id}/absence_requests/{request}/withdraw",
            post(absences::withdraw),
        )
        .route("/access-log", get(portal::access_log))
        .route("/notifications", get(notifications::inbox))
        .route(
            "/notifications/preferences",
            post(notifications::save_preferences),
        )
        .route("/notifications/{id}/read", post(notifications::read))
        .route(
            "/conversations",
            get(conversations::list).post(conversations::start),
        )
        .route("/conversations/new", get(conversations::new))
        .route("/conversations/{id}", get(conversations::show))
        .route("/conversations/{id}/messages", post(conversations::reply))
        .route(
            "/conversations/{id}/messages/{message}/retract",
            post(conversations::retract),
        )
        .route("/conversations/{id}/block", post(conversations::block))
        .route(
            "/settings/office-hours",
            get(conversations::office_hours).post(conversations::save_office_hours),
        )
        .route("/links", get(links::list).post(links::link))
        .route("/links/manage", get(links::manage))
        .route("/links/code", post(links::generate))
        .route("/links/{id}/switch", post(links::switch))
        .route("/links/{id}/unlink", post(links::unlink))
        .nest("/admin", console())
}

/// The staff console: every handler takes `guard::StaffPage`; one route per action.
pub(crate) fn console() -> Router<App> {
    Router::new()
        .route("/", get(admin::console))
        .route("/people/{id}", get(admin::person))
        .route("/people/{id}/key", post(admin::key))
        .route("/people/{id}/letter", post(admin::letter))
        .route("/people/{id}/account", post(admin::account))
        .route("/people/{id}/portal", post(admin::portal))
        .route("/people/{id}/reset", post(admin::reset))
        .route("/people/{id}/disable", post(admin::disable))
        .route("/people/{id}/enable", post(admin::enable))
        .route(
            "/people/{id}/second-factor/reset",
            post(admin::reset_second_factor),
        )
        .route("/conversations", get(conversations::console_list))
        .route("/conversations/{id}", get(conversations::console_show))
        .route("/sync", get(rostering::show).post(rostering::now))
        .route("/absences", get(absences::queue))
        .route("/absences/decide", post(absences::decide))
        .route("/tools", get(tools::show))
        .route("/tools/switch", post(tools::switch))
        .route("/tools/windows", post(tools::add_window))
        .route("/tools/windows/{id}/remove", post(tools::remove_window))
        .route(
            "/messages",
            get(notifications::message_form).post(notifications::send),
        )
}

/// Routes that take large uploads: the server gives them their own body limit and timeout.
pub fn upload_routes() -> Router<App> {
    Router::new().route("/d/{slug}/admin/import", post(admin::import))
}
