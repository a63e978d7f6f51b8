//! Logging in and out by API, the account, its password and its sessions.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::{Json, response::IntoResponse, response::Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::domain::District;
use crate::domain::{Account, AccountKind};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Ready, Session};
use crate::services::auth::{self, Device, LoggedIn, LoginRequest, SecondFactorGiven};
use crate::services::captcha::Challenge;
use crate::services::{self, Error};
use crate::store::{SessionKind, SessionRecord};

/// A JSON body; a malformed one is `400 bad_request` with the parser's reason.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, app).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(Error::Invalid(crate::domain::Invalid::new(
                rejection_reason(&rejection),
            )))),
        }
    }
}

fn rejection_reason(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON with Content-Type: application/json".to_owned()
        }
        other => other.body_text(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The portal logged in on.
    #[schema(example = "parent")]
    portal: Portal,
    username: String,
    password: String,
    captcha: Option<CaptchaAnswer>,
    /// For an account with two-step verification: `{"totp": "123456"}` or
    /// `{"recovery_code": "ABCDE-FGHJK"}`.
    second_factor: Option<SecondFactorBody>,
    device: Option<DeviceBody>,
}

/// A second factor: a code from the authenticator app, or one of the recovery codes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecondFactorBody {
    #[schema(example = "123456")]
    Totp(String),
    #[schema(example = "ABCDE-FGHJK")]
    RecoveryCode(String),
}

impl SecondFactorBody {
    pub(super) fn given(&self) -> SecondFactorGiven<'_> {
        match self {
            Self::Totp(code) => SecondFactorGiven::Totp(code),
            Self::RecoveryCode(code) => SecondFactorGiven::RecoveryCode(code),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Portal {
    Parent,
    Student,
    Staff,
    Teacher,
}

impl From<Portal> for AccountKind {
    fn from(p: Portal) -> Self {
        match p {
            Portal::Parent => AccountKind::Parent,
            Portal::Student => AccountKind::Student,
            Portal::Staff => AccountKind::Staff,
            Portal::Teacher => AccountKind::Teacher,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptchaAnswer {
    /// The challenge's `id`.
    pub(super) id: String,
    /// The letters in the picture, or the proof-of-work number.
    pub(super) answer: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    id: Option<String>,
    name: Option<String>,
    #[schema(example = "ios")]
    platform: Option<String>,
}

impl From<Option<DeviceBody>> for Device {
    fn from(body: Option<DeviceBody>) -> Self {
        body.map_or_else(Device::default, |d| Device {
            id: d.id,
            name: d.name,
            platform: d.platform,
            browser: None,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is kept.
    pub(super) token: String,
    /// Unix seconds.
    pub(super) expires_at: i64,
    pub(super) account: AccountBody,
}

impl LoginAnswer {
    /// A new session's answer: its token, once, and the account it is for.
    pub(super) fn new(logged_in: LoggedIn, district: &District) -> Self {
        Self {
            account: account_body(
                &logged_in.account,
                district.slug.as_str(),
                district.name.as_str(),
            ),
            token: logged_in.token,
            expires_at: logged_in.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    id: i64,
    username: String,
    #[schema(example = "parent")]
    kind: &'static str,
    name: String,
    district: DistrictRef,
    /// When true, only `PUT /api/v1/me/password`, `GET /api/v1/me` and logout answer until the
    /// password is changed.
    must_change_password: bool,
    /// Whether the account has two-step verification (an authenticator app).
    second_factor: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictRef {
    slug: String,
    name: String,
}

pub(super) fn account_body(account: &Account, slug: &str, district_name: &str) -> AccountBody {
    AccountBody {
        id: account.id.0,
        username: account.username.to_string(),
        kind: account.kind.as_str(),
        name: account.display_name.clone(),
        district: DistrictRef {
            slug: slug.to_owned(),
            name: district_name.to_owned(),
        },
        must_change_password: account.must_change_password,
        second_factor: account.second_factor,
    }
}

/// Log in and receive an app token ("stay logged in": it lasts `app_token_days`).
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/login",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    request_body = LoginBody,
    responses(
        (status = 200, description = "Logged in", body = LoginAnswer),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "`invalid_credentials`; `second_factor_required` (the account has two-step verification and no `second_factor` came: nothing is said of the password) or `invalid_second_factor`; or `captcha_required` / `captcha_invalid` with a fresh `captcha`", body = ErrorBody),
        (status = 403, description = "`wrong_portal`, naming the right `portal`", body = ErrorBody),
        (status = 404, description = "No such district", body = ErrorBody),
        (status = 413, description = "Body too large"),
        (status = 429, description = "`locked`, with `retry_after` seconds", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn login(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<LoginBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    let device = Device::from(body.device);
    let logged_in = auth::login(
        &app,
        &district,
        LoginRequest {
            portal: body.portal.into(),
            username: &body.username,
            password: &body.password,
            captcha: body
                .captcha
                .as_ref()
                .map(|c| (c.id.as_str(), c.answer.as_str())),
            second_factor: body.second_factor.as_ref().map(SecondFactorBody::given),
            kind: SessionKind::App,
            device,
        },
        &client,
    )
    .await?;
    Ok(Json(LoginAnswer::new(logged_in, &district)))
}

/// A fresh CAPTCHA challenge: a picture and a proof-of-work alternative.
#[utoipa::path(
    get,
    path = "/api/v1/districts/{slug}/captcha",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's short name")),
    responses(
        (status = 200, description = "A challenge, valid two minutes, answered once", body = Challenge),
        (status = 429, description = "`rate_limited`: this address holds too many live challenges", body = ErrorBody),
        (status = 404, description = "No such district", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    )
)]
pub async fn captcha(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
) -> Result<Json<Challenge>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    Ok(Json(
        services::captcha::issue(&app, district.id, &client.address).await?,
    ))
}

/// End the current session or token.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn logout(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Session(who): Session,
) -> Result<StatusCode, ApiError> {
    auth::logout(&app, &who, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    responses(
        (status = 200, description = "The account", body = AccountBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn me(Session(who): Session) -> Json<AccountBody> {
    Json(account_body(
        &who.account,
        who.district.slug.as_str(),
        who.district.name.as_str(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Change the password. Every other session and token of the account ends.
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "account",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "`weak_password` with the reason, or a malformed body", body = ErrorBody),
        (status = 401, description = "Not logged in, or `invalid_credentials` for a wrong current password", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn change_password(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Session(who): Session,
    Body(body): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    auth::change_password(&app, &who, &body.current, &body.new, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    sessions: Vec<SessionBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    id: i64,
    /// `web` (a browser) or `app` (a mobile app's token).
    #[schema(example = "app")]
    kind: &'static str,
    /// This request's own session.
    current: bool,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    device_name: Option<String>,
    platform: Option<String>,
    address: Option<String>,
    user_agent: Option<String>,
}

fn session_body(record: SessionRecord, current: i64) -> SessionBody {
    SessionBody {
        id: record.id,
        kind: record.kind.as_str(),
        current: record.id == current,
        created_at: record.created_at,
        last_seen_at: record.last_seen_at,
        expires_at: record.expires_at,
        device_name: record.device_name,
        platform: record.platform,
        address: record.address,
        user_agent: record.user_agent,
    }
}

/// The account's browser sessions and app tokens.
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    tag = "account",
    responses(
        (status = 200, description = "Most recently used first", body = SessionList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn sessions(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<SessionList>, ApiError> {
    let records = auth::sessions(&app, &who).await?;
    let current = who.session.id;
    Ok(Json(SessionList {
        sessions: records
            .into_iter()
            .map(|r| session_body(r, current))
            .collect(),
    }))
}

/// End one of the account's sessions or tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{id}",
    tag = "account",
    params(("id" = i64, Path, description = "The session's id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
        (status = 404, description = "Not one of this account's sessions", body = ErrorBody),
        (status = 503, description = "`district_unavailable` or `unavailable`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn revoke(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Ready(who): Ready,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(Error::Invalid(crate::domain::Invalid::new("a session id is a number")).into());
    };
    auth::revoke(&app, &who, id, &client).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsoTokenBody {
    /// The one-time code the sign-in sent to the app's `homeroom:` redirect.
    code: String,
    /// The PKCE verifier of the `app_challenge` the app started the sign-in with.
    code_verifier: String,
    device: Option<DeviceBody>,
}

/// The mobile app's end of "Sign in with the district": it opens
/// `/d/{slug}/sso/start?portal=student&app_redirect=homeroom://sso&app_challenge=<S256>` in the
/// system browser, receives `homeroom://sso?code=…` and exchanges the code here for a token.
/// A code is good once, for two minutes, and only with the verifier of its challenge.
#[utoipa::path(
    post,
    path = "/api/v1/districts/{slug}/sso/token",
    tag = "auth",
    params(("slug" = String, Path, description = "The district's slug")),
    request_body = SsoTokenBody,
    responses(
        (status = 200, description = "Logged in", body = LoginAnswer),
        (status = 400, description = "`invalid_code`: unknown, used, expired, or not this verifier's", body = ErrorBody),
        (status = 404, description = "No such district", body = ErrorBody),
    )
)]
pub async fn sso_token(
    State(app): State<App>,
    Path(slug): Path<String>,
    ClientInfo(client): ClientInfo,
    Body(body): Body<SsoTokenBody>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let district = services::districts::open(&app, &slug).await?;
    let device = Device::from(body.device);
    let logged_in = services::sso::exchange_app_code(
        &app,
        &district,
        &body.code,
        &body.code_verifier,
        &device,
        &client,
    )
    .await?;
    Ok(Json(LoginAnswer::new(logged_in, &district)))
}
