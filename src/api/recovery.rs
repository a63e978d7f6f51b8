//! Forgot your password? and Forgot your username? by API, where the district turned them on.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Body, CaptchaAnswer};
use crate::app::App;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::ClientInfo;
use crate::services;
use crate::services::recovery::{self, PASSWORD_SENT, USERNAMES_SENT};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordBody {
    /// Without control characters.
    #[schema(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    username: String,
    captcha: Option<CaptchaAnswer>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotUsernameBody {
    /// The address the school has for the family.
    #[schema(format = Email, max_length = 254)]
    email: String,
    captcha: Option<CaptchaAnswer>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordBody {
    /// The `token` of the link in the mail.
    token: String,
    password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// What to tell the person; the same whether or not the account exists.
    message: &'static str,
}

fn captcha(answer: &Option<CaptchaAnswer>) -> Option<(&str, &str)> {
    answer.as_ref().map(|c| (c.id.as_str(), c.answer.as_str()))
}

/// Mail a link to choose a new password. The answer is the same whether or not the username
/// exists.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/password/forgot",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    request_body = ForgotPasswordBody,
    responses(
        (status = 202, description = "Accepted, whether or not the account exists", body = Accepted),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "`captcha_required` / `captcha_invalid` with a fresh `captcha`", body = ErrorBody),
        (status = 404, description = "No such district, or `feature_disabled`", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn forgot_password(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<ForgotPasswordBody>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    recovery::forgot_password(
        &app,
        &district,
        &body.username,
        captcha(&body.captcha),
        &client,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: PASSWORD_SENT,
        }),
    ))
}

/// Mail the usernames of the accounts that use an email address. The answer is the same
/// whether or not any do.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/username/forgot",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    request_body = ForgotUsernameBody,
    responses(
        (status = 202, description = "Accepted, whether or not accounts use the address", body = Accepted),
        (status = 400, description = "Malformed body or address", body = ErrorBody),
        (status = 401, description = "`captcha_required` / `captcha_invalid` with a fresh `captcha`", body = ErrorBody),
        (status = 404, description = "No such district, or `feature_disabled`", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn forgot_username(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<ForgotUsernameBody>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    recovery::forgot_username(
        &app,
        &district,
        &body.email,
        captcha(&body.captcha),
        &client,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            message: USERNAMES_SENT,
        }),
    ))
}

/// Choose a new password with the token from a reset link. Every session and app token of the
/// account ends.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/password/reset",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    request_body = ResetPasswordBody,
    responses(
        (status = 200, description = "The password was changed", body = Accepted),
        (status = 400, description = "`invalid_token` (unknown, used or expired: one answer), `weak_password`", body = ErrorBody),
        (status = 404, description = "No such district, or `feature_disabled`", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn reset_password(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<ResetPasswordBody>,
) -> Result<Json<Accepted>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    recovery::reset_password(&app, &district, &body.token, &body.password, &client).await?;
    Ok(Json(Accepted {
        message: "Your password was changed. Log in with it now.",
    }))
}
