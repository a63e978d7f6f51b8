//! Two-step verification with an authenticator app: enroll, confirm, remove. These answer
//! staff who must still enroll; every other route refuses them
//! (`second_factor_enrollment_required`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Body;
use crate::app::App;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Session};
use crate::services::second_factor;

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrollment {
    /// The secret in base 32, for typing into an authenticator app.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    secret: String,
    /// The same as an `otpauth://` address, for showing as a QR code.
    uri: String,
}

/// Start setting up an authenticator app: a new secret waits for its first code (replacing one
/// that waited).
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/totp",
    tag = "account",
    responses(
        (status = 200, description = "The secret, waiting for `confirm`", body = TotpEnrollment),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 409, description = "`conflict`: the account has one already", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn begin(
    State(app): State<App>,
    Session(who): Session,
) -> Result<Json<TotpEnrollment>, ApiError> {
    let enrollment = second_factor::begin(&app, &who).await?;
    Ok(Json(TotpEnrollment {
        secret: enrollment.secret,
        uri: enrollment.uri,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmation {
    /// The code the app shows now.
    #[schema(example = "123456")]
    code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes, shown only now: each logs in once in place of the app's code.
    recovery_codes: Vec<String>,
}

/// Confirm the app with its first code: two-step verification is on from now.
#[utoipa::path(
    post,
    path = "/api/v1/me/second-factor/totp/confirm",
    tag = "account",
    request_body = TotpConfirmation,
    responses(
        (status = 200, description = "On; the recovery codes, shown once", body = RecoveryCodes),
        (status = 400, description = "`bad_request`: the code is not the app's", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 409, description = "`conflict`: nothing waits for a code, or the account has one already", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn confirm(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Session(who): Session,
    Body(body): Body<TotpConfirmation>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let recovery_codes = second_factor::confirm(&app, &who, &body.code, &client).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpRemoval {
    password: String,
    /// A code from the app, or a recovery code.
    code: String,
}

/// Remove the authenticator app, with the password and a code.
#[utoipa::path(
    delete,
    path = "/api/v1/me/second-factor/totp",
    tag = "account",
    request_body = TotpRemoval,
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in, `invalid_credentials` for a wrong password or `invalid_second_factor` for a wrong code", body = ErrorBody),
        (status = 409, description = "`conflict`: the account has none", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Session(who): Session,
    Body(body): Body<TotpRemoval>,
) -> Result<StatusCode, ApiError> {
    second_factor::remove(&app, &who, &body.password, &body.code, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
