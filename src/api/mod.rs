//! The JSON API under `/api/v1`, one module per resource. Its OpenAPI document is generated
//! from the handlers' annotations and served at `/api/v1/openapi.json`.

mod districts;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::app::App;
use crate::server::error::{ErrorBody, api_error};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Homeroom API",
        description = "The parent and student portal's JSON API. Errors are `{\"error\", \"message\"}` with a stable code.",
        version = "1"
    ),
    paths(districts::find, districts::show),
    components(schemas(
        ErrorBody,
        districts::DistrictList,
        districts::DistrictSummary,
        districts::DistrictPublic,
        districts::Features
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/districts", get(districts::find))
        .route("/districts/{slug}", get(districts::show))
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
