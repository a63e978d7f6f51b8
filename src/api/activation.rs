//! New User by API: an activation key becomes an account.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{Body, CaptchaAnswer, DeviceBody, LoginAnswer};
use crate::app::App;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::ClientInfo;
use crate::services;
use crate::services::activation::{self, Activation};
use crate::services::auth::Device;
use crate::store::SessionKind;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    /// As printed on the letter; case, dashes and spaces do not matter.
    #[schema(example = "7K3M-9QRT-A2B4-C6D8-EFGH")]
    key: String,
    username: String,
    password: String,
    captcha: Option<CaptchaAnswer>,
    device: Option<DeviceBody>,
}

/// Create the account an activation key is for, and log it in. A guardian's key makes a parent
/// account, a student's a student account.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/activate",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    request_body = ActivateBody,
    responses(
        (status = 200, description = "The account exists and is logged in", body = LoginAnswer),
        (status = 400, description = "`invalid_key` (unknown or used: one answer), `expired_key`, `weak_password`, `bad_request` (the username's rules)", body = ErrorBody),
        (status = 401, description = "`captcha_required` / `captcha_invalid` with a fresh `captcha`", body = ErrorBody),
        (status = 404, description = "No such district", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody),
        (status = 413, description = "Body too large"),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn activate(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<ActivateBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    let request = Activation {
        key: &body.key,
        username: &body.username,
        password: &body.password,
        captcha: body
            .captcha
            .as_ref()
            .map(|c| (c.id.as_str(), c.answer.as_str())),
        kind: SessionKind::App,
        device: Device::from(body.device),
    };
    let logged_in = activation::activate(&app, &district, request, &client).await?;
    Ok(Json(LoginAnswer::new(logged_in, &district)))
}
