//! The inbox by API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::Body;
use crate::app::App;
use crate::domain::{Event, GradeThreshold};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Ready};
use crate::services::notifications::{self, Inbox, Preferences, PreferencesChange};
use crate::services::{Error, Result};
use crate::store::SessionKind;

/// **Notifications**: the last 90 days, newest first, with the unread count.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The inbox", body = Inbox),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn inbox(State(app): State<App>, Ready(who): Ready) -> Result<Json<Inbox>, ApiError> {
    Ok(Json(notifications::inbox(&app, &who).await?))
}

/// Marks a notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{id}/read",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The notification's id")),
    responses(
        (status = 204, description = "Read"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
        (status = 404, description = "Not one of this account's notifications", body = ErrorBody),
    )
)]
pub async fn read(
    State(app): State<App>,
    Ready(who): Ready,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    notifications::mark_read(
        &app,
        &who,
        crate::domain::record_id(&raw).ok_or(Error::NotFound)?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which kinds of notification also come by email (the inbox gets every kind).
#[utoipa::path(
    get,
    path = "/api/v1/me/notification-preferences",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences", body = Preferences),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn preferences(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<Preferences>, ApiError> {
    Ok(Json(notifications::preferences(&app, &who).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    /// Kinds to mail: `score`, `grade`, `attendance`, `message`; absent: unchanged.
    #[schema(schema_with = email_kinds)]
    email: Option<Vec<String>>,
    /// Kinds to push to the account's browsers and apps; absent: unchanged.
    #[schema(schema_with = push_kinds)]
    push: Option<Vec<String>>,
    /// Mail in one daily digest instead of at once; absent: unchanged.
    email_digest: Option<bool>,
    /// Tell when a class's in-progress grade falls below this percentage (1 to 100); `null`:
    /// never; absent: unchanged.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 100)]
    grade_below: Option<Option<i64>>,
}

fn email_kinds() -> utoipa::openapi::Array {
    kinds("Kinds to mail as well as show in the inbox; absent or `null`: unchanged.")
}

fn push_kinds() -> utoipa::openapi::Array {
    kinds("Kinds to push to the account's browsers and apps; absent or `null`: unchanged.")
}

/// A list of notification kinds. A `schema_with` schema replaces the field's whole schema,
/// the words of its doc comment included, so they come along here.
fn kinds(description: &str) -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let kind = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Event::ALL.map(Event::as_str)));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(kind)
        .description(Some(description))
        .build()
}

/// A field that is present, even as `null`, is `Some`; an absent one stays `None`. A number
/// written with a zero fraction (`70.0`) is the integer JSON Schema takes it for.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    let number: Option<serde_json::Number> = serde::Deserialize::deserialize(d)?;
    let whole = |n: &serde_json::Number| {
        n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() <= 1e15)
                .map(|f| f as i64)
        })
    };
    number
        .map(|n| {
            whole(&n).ok_or_else(|| {
                serde::de::Error::custom(format!("grade_below is a whole percentage, not {n}"))
            })
        })
        .transpose()
        .map(Some)
}

/// Sets which kinds of notification also come by email and by push, the daily digest and
/// the grade threshold.
#[utoipa::path(
    put,
    path = "/api/v1/me/notification-preferences",
    tag = "notifications",
    security(("bearer" = [])),
    request_body = PreferencesBody,
    responses(
        (status = 200, description = "The preferences now", body = Preferences),
        (status = 400, description = "An unknown kind", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn set_preferences(
    State(app): State<App>,
    Ready(who): Ready,
    Body(body): Body<PreferencesBody>,
) -> Result<Json<Preferences>, ApiError> {
    let grade_below = body
        .grade_below
        .map(|t| t.map(GradeThreshold::new).transpose())
        .transpose()
        .map_err(crate::services::Error::from)?;
    let change = PreferencesChange {
        email: body.email.as_deref(),
        push: body.push.as_deref(),
        email_digest: body.email_digest,
        grade_below,
    };
    Ok(Json(
        notifications::set_preferences(&app, &who, change).await?,
    ))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicKey {
    /// The VAPID public key, base64url: the `applicationServerKey` to subscribe with.
    key: String,
}

/// The key browsers subscribe to Web Push with.
#[utoipa::path(
    get,
    path = "/api/v1/push/public-key",
    tag = "notifications",
    responses((status = 200, description = "The VAPID public key", body = PublicKey))
)]
pub async fn public_key(State(app): State<App>) -> Json<PublicKey> {
    Json(PublicKey {
        key: crate::services::push::public_key(&app),
    })
}

/// Registers a browser's or app's Web Push subscription for this account, for as long as
/// the calling session or token lasts. The endpoint must be `https://` on a public host.
#[utoipa::path(
    post,
    path = "/api/v1/me/push-subscriptions",
    tag = "notifications",
    security(("bearer" = [])),
    request_body = crate::services::push::Subscription,
    responses(
        (status = 201, description = "Subscribed"),
        (status = 400, description = "Not a usable subscription: a bad key, or an endpoint that is not https or not public", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
        (status = 409, description = "`too_many`: the account has 10 subscriptions already", body = ErrorBody),
    )
)]
pub async fn subscribe(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Ready(who): Ready,
    Body(subscription): Body<crate::services::push::Subscription>,
) -> Result<StatusCode, ApiError> {
    crate::services::push::subscribe(&app, &who, &subscription, &client).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SubscriptionList {
    subscriptions: Vec<SubscriptionBody>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SubscriptionBody {
    id: i64,
    /// The session or app token it belongs to (see `/api/v1/me/sessions`); it ends with it.
    session_id: i64,
    /// It belongs to this request's own session.
    current: bool,
    created_at: i64,
    /// When a push last reached its push service; `null`: never.
    last_sent_at: Option<i64>,
    /// The app's name for its device (or its platform), or the browser's user agent.
    device_name: Option<String>,
    /// The push service's host, such as `fcm.googleapis.com`.
    push_service: String,
}

/// The account's push subscriptions, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/push-subscriptions",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriptions of the account's live sessions", body = SubscriptionList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn subscriptions(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<SubscriptionList>, ApiError> {
    let listed = crate::services::push::subscriptions(&app, &who).await?;
    Ok(Json(SubscriptionList {
        subscriptions: listed
            .into_iter()
            .map(|s| SubscriptionBody {
                id: s.id,
                session_id: s.session,
                current: s.session == who.session.id,
                created_at: s.created_at,
                last_sent_at: s.last_sent_at,
                device_name: match s.kind {
                    SessionKind::App => s.device_name.or(s.platform),
                    SessionKind::Web => s.user_agent,
                },
                push_service: url::Url::parse(&s.endpoint)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default(),
            })
            .collect(),
    }))
}

/// Ends one of the account's push subscriptions.
#[utoipa::path(
    delete,
    path = "/api/v1/me/push-subscriptions/{id}",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The subscription's id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
        (status = 404, description = "Not one of this account's subscriptions", body = ErrorBody),
    )
)]
pub async fn unsubscribe(
    State(app): State<App>,
    ClientInfo(client): ClientInfo,
    Ready(who): Ready,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = crate::domain::record_id(&raw).ok_or(Error::NotFound)?;
    crate::services::push::unsubscribe(&app, &who, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Registers a mobile app's push token for this account (`ios` or `android`).
#[utoipa::path(
    post,
    path = "/api/v1/me/devices",
    tag = "notifications",
    security(("bearer" = [])),
    request_body = crate::services::push::DeviceRegistration,
    responses(
        (status = 201, description = "Registered"),
        (status = 400, description = "Not a usable registration", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn register_device(
    State(app): State<App>,
    Ready(who): Ready,
    Body(registration): Body<crate::services::push::DeviceRegistration>,
) -> Result<StatusCode, ApiError> {
    crate::services::push::register_device(&app, &who, &registration).await?;
    Ok(StatusCode::CREATED)
}
