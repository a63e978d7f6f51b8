//! Passkeys over the API: register one (with the password), list and remove them, and log in
//! with one. The `options` are WebAuthn's own JSON (binary fields in unpadded base64url), for
//! `navigator.credentials.create()` / `.get()` or a platform's passkey API; the `credential`
//! sent back is the browser's `PublicKeyCredential` in the same encoding.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::auth::{Body, DeviceBody, LoginAnswer, Portal};
use crate::app::App;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Ready};
use crate::services::auth::Device;
use crate::services::passkeys::{self, PasskeyLogin};
use crate::services::{self, Error};
use crate::store::{PasskeyListed, SessionKind};

#[derive(Debug, Serialize, ToSchema)]
pub struct CeremonyOptions {
    /// Names this ceremony when its answer comes back; valid five minutes, used once.
    ceremony: String,
    /// WebAuthn's options: `{"publicKey": {…}}`.
    #[schema(value_type = Object)]
    options: serde_json::Value,
}

impl<T: Serialize> TryFrom<passkeys::Options<T>> for CeremonyOptions {
    type Error = Error;

    fn try_from(options: passkeys::Options<T>) -> Result<Self, Error> {
        Ok(Self {
            ceremony: options.ceremony,
            options: serde_json::to_value(&options.options)
                .map_err(|e| Error::internal(e.to_string()))?,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyBody {
    id: i64,
    name: String,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds; none before its first login.
    last_used_at: Option<i64>,
}

impl From<PasskeyListed> for PasskeyBody {
    fn from(p: PasskeyListed) -> Self {
        Self {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyList {
    passkeys: Vec<PasskeyBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationStart {
    /// The account's password: a session alone cannot add a way in.
    password: String,
}

/// Start registering a passkey: WebAuthn's creation options.
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys/options",
    tag = "account",
    request_body = RegistrationStart,
    responses(
        (status = 200, description = "Options for `navigator.credentials.create()`", body = CeremonyOptions),
        (status = 401, description = "Not logged in, or `invalid_credentials` for a wrong password (counted like a failed login)", body = ErrorBody),
        (status = 404, description = "`feature_disabled`: passkeys are offered only where the portal's public address is a domain name", body = ErrorBody),
        (status = 409, description = "`too_many`: the account holds ten passkeys", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn registration_options(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Ready(who): Ready,
    Body(body): Body<RegistrationStart>,
) -> Result<Json<CeremonyOptions>, ApiError> {
    let options = passkeys::begin_registration(&app, &who, &body.password, &client).await?;
    Ok(Json(options.try_into()?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    ceremony: String,
    /// What the family calls it; the browser's name when none is given.
    #[schema(example = "Maria's phone")]
    name: Option<String>,
    /// The `PublicKeyCredential` that `navigator.credentials.create()` made.
    #[schema(value_type = Object)]
    credential: RegisterPublicKeyCredential,
}

/// Finish registering a passkey.
#[utoipa::path(
    post,
    path = "/api/v1/me/passkeys",
    tag = "account",
    request_body = Registration,
    responses(
        (status = 201, description = "Registered", body = PasskeyBody),
        (status = 400, description = "`bad_request`: the ceremony expired or was used, the passkey was not accepted, or the name is too long", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "`feature_disabled`: passkeys are offered only where the portal's public address is a domain name", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn register(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Ready(who): Ready,
    Body(body): Body<Registration>,
) -> Result<(StatusCode, Json<PasskeyBody>), ApiError> {
    let passkey = passkeys::finish_registration(
        &app,
        &who,
        &body.ceremony,
        body.name.as_deref(),
        &body.credential,
        &client,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(passkey.into())))
}

/// The account's passkeys.
#[utoipa::path(
    get,
    path = "/api/v1/me/passkeys",
    tag = "account",
    responses(
        (status = 200, description = "Oldest first", body = PasskeyList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<PasskeyList>, ApiError> {
    let passkeys = passkeys::list(&app, &who).await?;
    Ok(Json(PasskeyList {
        passkeys: passkeys.into_iter().map(PasskeyBody::from).collect(),
    }))
}

/// Remove one of the account's passkeys.
#[utoipa::path(
    delete,
    path = "/api/v1/me/passkeys/{id}",
    tag = "account",
    params(("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such passkey of this account", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Ready(who): Ready,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = crate::domain::record_id(&id).ok_or(Error::NotFound)?;
    passkeys::remove(&app, &who, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start a login with a passkey: WebAuthn's request options, for any passkey of this site.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/passkey-login/options",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    responses(
        (status = 200, description = "Options for `navigator.credentials.get()`", body = CeremonyOptions),
        (status = 404, description = "No such district, or `feature_disabled`: passkeys are offered only where the portal's public address is a domain name", body = ErrorBody),
        (status = 429, description = "`rate_limited`: this address has too many logins under way", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn login_options(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
) -> Result<Json<CeremonyOptions>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    let options = passkeys::begin_login(&app, &district, &client).await?;
    Ok(Json(options.try_into()?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyLoginBody {
    #[schema(example = "parent")]
    portal: Portal,
    ceremony: String,
    /// The `PublicKeyCredential` that `navigator.credentials.get()` answered.
    #[schema(value_type = Object)]
    credential: PublicKeyCredential,
    device: Option<DeviceBody>,
}

/// Log in with a passkey: an API token, as a password login answers.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/passkey-login",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    request_body = PasskeyLoginBody,
    responses(
        (status = 200, description = "Logged in", body = LoginAnswer),
        (status = 400, description = "`bad_request`: the ceremony expired or was used", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`: no such passkey here, or its signature did not hold", body = ErrorBody),
        (status = 403, description = "`wrong_portal`, naming the right `portal`", body = ErrorBody),
        (status = 404, description = "No such district, or `feature_disabled`: passkeys are offered only where the portal's public address is a domain name", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn login(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<PasskeyLoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    let logged_in = passkeys::finish_login(
        &app,
        &district,
        PasskeyLogin {
            portal: body.portal.into(),
            ceremony: &body.ceremony,
            credential: &body.credential,
            kind: SessionKind::App,
            device: Device::from(body.device),
        },
        &client,
    )
    .await?;
    Ok(Json(LoginAnswer::new(logged_in, &district)))
}
