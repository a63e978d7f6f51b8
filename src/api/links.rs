//! Linked Districts by API: generate a code, link with a code, list, switch, unlink.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Body, LoginAnswer};
use crate::app::App;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Ready};
use crate::services::links;
use crate::services::{Error, Result};
use crate::store::LinkedAccount;

#[derive(Debug, Serialize, ToSchema)]
pub struct CodeAnswer {
    /// Enter it, logged in to the other district, within 10 minutes. Works once.
    #[schema(example = "7K3M-9QRT")]
    code: String,
    /// Unix seconds.
    expires_at: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The code generated from the other district; case and dashes do not matter.
    code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkBodyOut {
    /// Use it with `/api/v1/me/links/{id}/switch` and `DELETE /api/v1/me/links/{id}`.
    id: i64,
    district: LinkedDistrict,
    username: String,
    #[schema(example = "parent")]
    kind: String,
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedDistrict {
    slug: String,
    name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
    links: Vec<LinkBodyOut>,
}

fn body(l: LinkedAccount) -> LinkBodyOut {
    LinkBodyOut {
        id: l.link_id,
        district: LinkedDistrict {
            slug: l.slug,
            name: l.district_name,
        },
        username: l.username,
        kind: l.kind,
        name: format!("{} {}", l.given_name, l.family_name),
    }
}

/// **Generate a code from this district**: a new one replaces the last.
#[utoipa::path(
    post,
    path = "/api/v1/me/links/code",
    tag = "links",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The code", body = CodeAnswer),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`linking_unavailable`, or `password_change_required`", body = ErrorBody),
    )
)]
pub async fn code(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
) -> Result<Json<CodeAnswer>, ApiError> {
    let (code, expires_at) = links::generate(&app, &who, &client).await?;
    Ok(Json(CodeAnswer {
        code: code.grouped(),
        expires_at,
    }))
}

/// **Enter the code generated from another district** → **Link**.
#[utoipa::path(
    post,
    path = "/api/v1/me/links",
    tag = "links",
    security(("bearer" = [])),
    request_body = LinkBody,
    responses(
        (status = 201, description = "Linked: the accounts this one can switch to", body = Links),
        (status = 400, description = "`invalid_code` (unknown, used or expired: one answer)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`linking_unavailable`, or `password_change_required`", body = ErrorBody),
        (status = 409, description = "Same district, another kind of account, or linked already", body = ErrorBody),
        (status = 429, description = "`locked`: ten wrong codes in an hour", body = ErrorBody),
    )
)]
pub async fn link(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Body(request): Body<LinkBody>,
) -> Result<(StatusCode, Json<Links>), ApiError> {
    links::link(&app, &who, &request.code, &client).await?;
    let links = links::linked(&app, &who).await?;
    Ok((
        StatusCode::CREATED,
        Json(Links {
            links: links.into_iter().map(body).collect(),
        }),
    ))
}

/// The accounts this one is linked with.
#[utoipa::path(
    get,
    path = "/api/v1/me/links",
    tag = "links",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The linked accounts", body = Links),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`linking_unavailable`, or `password_change_required`", body = ErrorBody),
    )
)]
pub async fn list(State(app): State<App>, Ready(who): Ready) -> Result<Json<Links>, ApiError> {
    let links = links::linked(&app, &who).await?;
    Ok(Json(Links {
        links: links.into_iter().map(body).collect(),
    }))
}

/// **Switch**: a new token for the linked account; this one ends.
#[utoipa::path(
    post,
    path = "/api/v1/me/links/{id}/switch",
    tag = "links",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The link's id from the list")),
    responses(
        (status = 200, description = "Logged in to the linked account", body = LoginAnswer),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`linking_unavailable`, or `password_change_required`", body = ErrorBody),
        (status = 404, description = "Not one of this account's links", body = ErrorBody),
        (status = 503, description = "`district_unavailable`: the other district is in maintenance", body = ErrorBody),
    )
)]
pub async fn switch(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
) -> Result<Json<LoginAnswer>, ApiError> {
    let id = crate::domain::record_id(&id).ok_or(Error::NotFound)?;
    let (district, logged_in) = links::switch(&app, &who, id, &client).await?;
    Ok(Json(LoginAnswer::new(logged_in, &district)))
}

/// **Unlink**: the linked account leaves this account's group.
#[utoipa::path(
    delete,
    path = "/api/v1/me/links/{id}",
    tag = "links",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The link's id from the list")),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`linking_unavailable`, or `password_change_required`", body = ErrorBody),
        (status = 404, description = "Not one of this account's links", body = ErrorBody),
    )
)]
pub async fn unlink(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = crate::domain::record_id(&id).ok_or(Error::NotFound)?;
    links::unlink(&app, &who, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
