//! The district finder and a district's public settings.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::domain::{District, StateCode};
use crate::server::error::{ApiError, ErrorBody, api_error};
use crate::services;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FinderQuery {
    /// Part of the district's name, in any case: at most 100 characters without control
    /// characters, once the white space around it is trimmed. Blank: any name.
    #[param(pattern = "^\\s*[^\\u0000-\\u001F\\u007F-\\u009F]{0,100}\\s*$")]
    q: Option<String>,
    #[param(schema_with = state_schema)]
    state: Option<String>,
}

/// `state`'s schema: the codes it takes, and blank.
fn state_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    let codes = StateCode::all().map(StateCode::code);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(std::iter::once("").chain(codes)))
        .description(Some(
            "The postal code of a state, DC or a territory. Blank: any state.",
        ))
        .examples(["NC"])
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictList {
    /// At most 50, in name order.
    districts: Vec<DistrictSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictSummary {
    #[schema(example = "cedar-valley")]
    slug: String,
    name: String,
    #[schema(example = "NC")]
    state: &'static str,
    #[schema(example = "North Carolina")]
    state_name: &'static str,
    /// The district's message while it is in maintenance; null otherwise.
    maintenance: Option<String>,
    /// The Parent portal's login page.
    parent_url: String,
    /// The Student portal's login page.
    student_url: String,
}

impl From<&District> for DistrictSummary {
    fn from(d: &District) -> Self {
        Self {
            slug: d.slug.to_string(),
            name: d.name.to_string(),
            state: d.state.code(),
            state_name: d.state.name(),
            maintenance: d.maintenance().map(|m| m.as_str().to_owned()),
            parent_url: format!("/d/{}/parent", d.slug),
            student_url: format!("/d/{}/student", d.slug),
        }
    }
}

/// Find districts by part of the name and by state.
#[utoipa::path(
    get,
    path = "/api/v1/districts",
    tag = "districts",
    params(FinderQuery),
    responses(
        (status = 200, description = "Matching districts", body = DistrictList),
        (status = 400, description = "Unknown state or malformed query", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
pub async fn find(
    State(app): State<App>,
    query: Result<Query<FinderQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => {
            return Ok(api_error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                rejection.body_text(),
            ));
        }
    };
    let found = services::districts::find(&app, query.q.as_deref(), query.state.as_deref()).await?;
    let districts = found.iter().map(DistrictSummary::from).collect();
    Ok(Json(DistrictList { districts }).into_response())
}

/// What a family's app needs before logging in: the district, and which self-service features
/// it offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictPublic {
    #[serde(flatten)]
    summary: DistrictSummary,
    #[schema(example = "America/New_York")]
    timezone: String,
    features: Features,
    /// The shortest password the district accepts.
    password_min_length: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Features {
    /// "Forgot your password?" is offered.
    forgot_password: bool,
    /// "Forgot your username?" is offered.
    forgot_username: bool,
    /// Notifications are sent.
    notifications: bool,
    /// Linked Districts is offered (the state allows it and the district has it on).
    linking: bool,
}

/// A district's public settings. A district in maintenance answers 503
/// `district_unavailable` with its message, like every route under the district.
#[utoipa::path(
    get,
    path = "/api/v1/districts/{slug}",
    tag = "districts",
    params(("slug" = String, Path, description = "The district's short name", example = "cedar-valley")),
    responses(
        (status = 200, description = "The district", body = DistrictPublic),
        (status = 404, description = "No such district", body = ErrorBody),
        (status = 503, description = "The district is in maintenance (`district_unavailable`, with its message) or the database is unavailable", body = ErrorBody),
    )
)]
pub async fn show(
    State(app): State<App>,
    Path(slug): Path<String>,
) -> Result<Json<DistrictPublic>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    let settings = &district.settings;
    Ok(Json(DistrictPublic {
        summary: DistrictSummary::from(&district),
        timezone: settings.timezone.as_str().to_owned(),
        features: Features {
            forgot_password: settings.forgot_password,
            forgot_username: settings.forgot_username,
            notifications: settings.notifications,
            linking: services::districts::linking_offered(&app, &district),
        },
        password_min_length: settings.password_min_length,
    }))
}
