//! The JSON API under `/api/v1`, one module per resource. Its OpenAPI document is generated
//! from the handlers' annotations and served at `/api/v1/openapi.json`.

mod absences;
mod activation;
mod auth;
mod conversations;
mod districts;
mod links;
mod notifications;
mod passkeys;
mod records;
mod recovery;
mod second_factor;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::app::App;
use crate::server::error::{ErrorBody, api_error};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Homeroom API",
        description = "The parent, student and teacher portals' JSON API. Errors are `{\"error\", \"message\"}` with a stable code.",
        version = "1"
    ),
    paths(
        districts::find, districts::show, activation::activate, auth::login, auth::sso_token, auth::captcha, auth::logout, auth::me,
        auth::change_password, auth::sessions, auth::revoke, second_factor::begin,
        second_factor::confirm, second_factor::remove, passkeys::registration_options,
        passkeys::register, passkeys::list, passkeys::remove, passkeys::login_options,
        passkeys::login, records::tools, records::access_log,
        records::students, records::today, records::calendar, records::assignments,
        records::grades, records::attendance, records::schedule, recovery::forgot_password,
        recovery::forgot_username, recovery::reset_password, links::code, links::link, links::list,
        links::switch, links::unlink, notifications::inbox, notifications::read,
        notifications::preferences, notifications::set_preferences, notifications::public_key,
        notifications::subscribe, notifications::subscriptions, notifications::unsubscribe,
        notifications::register_device, absences::submit, absences::list, absences::withdraw,
        absences::queue, absences::decide, conversations::classes, conversations::start,
        conversations::list, conversations::show, conversations::reply, conversations::read,
        conversations::retract, conversations::block, conversations::office_hours,
        conversations::set_office_hours
    ),
    components(schemas(
        ErrorBody,
        districts::DistrictList,
        districts::DistrictSummary,
        districts::DistrictPublic,
        districts::Features
    )),
    modifiers(&BearerAuth, &CommonAnswers)
)]
pub struct ApiDoc;

/// Declares on every operation the answers any route may give besides its own: a body or
/// parameter that could not be read (400), a body past the limit (413), too many attempts
/// (429: `locked`, `captcha_required` where a route counts attempts) and the database away
/// (503). Each is `{"error", "message"}`.
struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let answer = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let common = [
            (
                "400",
                "`bad_request`: the body or a parameter could not be read",
            ),
            (
                "413",
                "`too_large`: the body is larger than the route takes",
            ),
            (
                "429",
                "`locked`: too many attempts; try again after `retry_after` seconds",
            ),
            (
                "503",
                "`unavailable`: the database did not answer; try again shortly",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| answer(description).into());
                }
            }
        }
    }
}

/// Declares the `bearer` security scheme the account routes use.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/districts", get(districts::find))
        .route("/districts/{slug}", get(districts::show))
        .route("/districts/{slug}/login", post(auth::login))
        .route("/districts/{slug}/sso/token", post(auth::sso_token))
        .route("/districts/{slug}/activate", post(activation::activate))
        .route("/districts/{slug}/captcha", get(auth::captcha))
        .route(
            "/districts/{slug}/passkey-login/options",
            post(passkeys::login_options),
        )
        .route("/districts/{slug}/passkey-login", post(passkeys::login))
        .route(
            "/districts/{slug}/password/forgot",
            post(recovery::forgot_password),
        )
        .route(
            "/districts/{slug}/username/forgot",
            post(recovery::forgot_username),
        )
        .route(
            "/districts/{slug}/password/reset",
            post(recovery::reset_password),
        )
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/me/password", put(auth::change_password))
        .route(
            "/me/second-factor/totp",
            post(second_factor::begin).delete(second_factor::remove),
        )
        .route(
            "/me/second-factor/totp/confirm",
            post(second_factor::confirm),
        )
        .route("/me/passkeys/options", post(passkeys::registration_options))
        .route("/me/passkeys", get(passkeys::list).post(passkeys::register))
        .route("/me/passkeys/{id}", delete(passkeys::remove))
        .route("/me/sessions", get(auth::sessions))
        .route("/me/sessions/{id}", delete(auth::revoke))
        .route("/me/links/code", post(links::code))
        .route("/me/links", get(links::list).post(links::link))
        .route("/me/links/{id}/switch", post(links::switch))
        .route("/me/links/{id}", delete(links::unlink))
        .route("/notifications", get(notifications::inbox))
        .route("/push/public-key", get(notifications::public_key))
        .route(
            "/me/push-subscriptions",
            get(notifications::subscriptions).post(notifications::subscribe),
        )
        .route(
            "/me/push-subscriptions/{id}",
            delete(notifications::unsubscribe),
        )
        .route("/me/devices", post(notifications::register_device))
        .route(
            "/me/notification-preferences",
            get(notifications::preferences).put(notifications::set_preferences),
        )
        .route("/notifications/{id}/read", post(notifications::read))
        .route("/me/tools", get(records::tools))
        .route("/me/access-log", get(records::access_log))
        .route("/students", get(records::students))
        .route("/students/{id}/today", get(records::today))
        .route("/students/{id}/calendar", get(records::calendar))
        .route("/students/{id}/assignments", get(records::assignments))
        .route("/students/{id}/grades", get(records::grades))
        .route("/students/{id}/attendance", get(records::attendance))
        .route("/students/{id}/schedule", get(records::schedule))
        .route(
            "/students/{id}/absence-requests",
            get(absences::list).post(absences::submit),
        )
        .route(
            "/students/{id}/absence-requests/{rid}/withdraw",
            post(absences::withdraw),
        )
        .route("/staff/absence-requests", get(absences::queue))
        .route(
            "/staff/absence-requests/{rid}/decision",
            post(absences::decide),
        )
        .route("/teacher/classes", get(conversations::classes))
        .route(
            "/teacher/office-hours",
            get(conversations::office_hours).put(conversations::set_office_hours),
        )
        .route(
            "/conversations",
            get(conversations::list).post(conversations::start),
        )
        .route("/conversations/{id}", get(conversations::show))
        .route("/conversations/{id}/messages", post(conversations::reply))
        .route("/conversations/{id}/read", post(conversations::read))
        .route(
            "/conversations/{id}/messages/{mid}/retract",
            post(conversations::retract),
        )
        .route("/conversations/{id}/block", post(conversations::block))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API route.",
    )
}

async fn method_not_allowed() -> Response {
    api_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not accept that method.",
    )
}
