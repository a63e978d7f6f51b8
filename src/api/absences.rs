//! Absence requests: parents report a child's absence; the district's staff decide.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Body;
use crate::app::App;
use crate::domain::{Invalid, record_id};
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Ready};
use crate::services::Error;
use crate::services::absences::{self, AbsenceForm, AbsenceRequestView, QueueAsk, StudentAbsences};
use crate::services::access::Staff;

/// A new request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAbsenceRequest {
    /// The first day, `YYYY-MM-DD`.
    #[schema(example = "2025-10-07")]
    from: String,
    /// The last day, `YYYY-MM-DD` (the first when absent).
    #[schema(example = "2025-10-08")]
    to: Option<String>,
    /// `whole_day`, `arrive_late` or `leave_early`.
    #[schema(example = "whole_day")]
    part: String,
    /// `HH:MM`, for `arrive_late` and `leave_early` only.
    #[schema(example = "10:15")]
    time: Option<String>,
    /// `illness`, `appointment`, `family`, `religious` or `other`.
    #[schema(example = "illness")]
    reason: String,
    /// At most 500 characters.
    comment: Option<String>,
}

fn student_id(raw: &str) -> Result<i64, Error> {
    record_id(raw).ok_or(Error::NotFound)
}

/// Ask for a child's absence (parents, where the district offers Absence Request).
#[utoipa::path(
    post,
    path = "/api/v1/students/{id}/absence-requests",
    tag = "absences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The student's id from `/api/v1/students`")),
    request_body = NewAbsenceRequest,
    responses(
        (status = 201, description = "Submitted: the school days it covers, and the days off it skipped", body = AbsenceRequestView),
        (status = 400, description = "`bad_request` naming the `field`: a past day, a day beyond the window, more than 10 school days, today after the cut-off, days an open request holds, a comment over 500 characters", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`tool_disabled` with the district's `reason`", body = ErrorBody),
        (status = 404, description = "No such student, or not one this parent may see", body = ErrorBody),
    )
)]
pub async fn submit(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
    Body(body): Body<NewAbsenceRequest>,
) -> Result<(StatusCode, Json<AbsenceRequestView>), ApiError> {
    let id = student_id(&id)?;
    let form = AbsenceForm {
        from: body.from,
        to: body.to.unwrap_or_default(),
        part: body.part,
        time: body.time,
        reason: body.reason,
        comment: body.comment,
    };
    let request = absences::submit(&app, &who, id, &form, &client).await?;
    Ok((StatusCode::CREATED, Json(request)))
}

/// A child's requests, newest first, with the days a new one may cover.
#[utoipa::path(
    get,
    path = "/api/v1/students/{id}/absence-requests",
    tag = "absences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The student's id from `/api/v1/students`")),
    responses(
        (status = 200, description = "The requests", body = StudentAbsences),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`tool_disabled` with the district's `reason`", body = ErrorBody),
        (status = 404, description = "No such student, or not one this parent may see", body = ErrorBody),
    )
)]
pub async fn list(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
) -> Result<Json<StudentAbsences>, ApiError> {
    let id = student_id(&id)?;
    Ok(Json(absences::list(&app, &who, id, &client).await?))
}

/// Withdraw a request the office has not decided yet.
#[utoipa::path(
    post,
    path = "/api/v1/students/{id}/absence-requests/{rid}/withdraw",
    tag = "absences",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The student's id"),
        ("rid" = i64, Path, description = "The request's id"),
    ),
    responses(
        (status = 200, description = "Withdrawn", body = AbsenceRequestView),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`tool_disabled` with the district's `reason`", body = ErrorBody),
        (status = 404, description = "No such request of this student, or not one this parent may see", body = ErrorBody),
        (status = 409, description = "`conflict`: the request is approved, declined or withdrawn already", body = ErrorBody),
    )
)]
pub async fn withdraw(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path((id, request)): Path<(String, String)>,
) -> Result<Json<AbsenceRequestView>, ApiError> {
    let id = student_id(&id)?;
    let request = record_id(&request).ok_or(Error::NotFound)?;
    Ok(Json(
        absences::withdraw(&app, &who, id, request, &client).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `submitted` (when absent), `approved`, `declined`, `withdrawn` or `all`.
    state: Option<String>,
    /// `YYYY-MM-DD`: requests that cover this day; when absent, today's and later ones.
    date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AbsenceQueue {
    /// By school, oldest first.
    requests: Vec<AbsenceRequestView>,
}

/// The attendance office's queue (this district's staff).
#[utoipa::path(
    get,
    path = "/api/v1/staff/absence-requests",
    tag = "absences",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, description = "The requests", body = AbsenceQueue),
        (status = 400, description = "`bad_request` naming the `field` (`state` or `date`)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Not this district's staff", body = ErrorBody),
    )
)]
pub async fn queue(
    State(app): State<App>,
    Ready(who): Ready,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> Result<Json<AbsenceQueue>, ApiError> {
    let staff = Staff::signed_in(who)?;
    let Query(query) =
        query.map_err(|rejection| Error::Invalid(Invalid::new(rejection.body_text())))?;
    let ask = QueueAsk {
        state: query.state.as_deref(),
        date: query.date.as_deref(),
    };
    Ok(Json(AbsenceQueue {
        requests: absences::queue(&app, &staff, &ask).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `approved` or `declined`.
    #[schema(example = "approved")]
    decision: String,
    /// Told to the family; at most 500 characters.
    note: Option<String>,
}

/// Approve or decline a submitted request (this district's staff). Of two staff deciding at
/// once, the first wins; the second is answered `conflict`.
#[utoipa::path(
    post,
    path = "/api/v1/staff/absence-requests/{rid}/decision",
    tag = "absences",
    security(("bearer" = [])),
    params(("rid" = i64, Path, description = "The request's id")),
    request_body = Decision,
    responses(
        (status = 200, description = "Decided; the family is told", body = AbsenceRequestView),
        (status = 400, description = "`bad_request` naming the `field` (`decision` or `note`)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such request in this district, or not this district's staff", body = ErrorBody),
        (status = 409, description = "`conflict`: the request is approved, declined or withdrawn already", body = ErrorBody),
    )
)]
pub async fn decide(
    State(app): State<App>,
    Ready(who): Ready,
    Path(request): Path<String>,
    Body(body): Body<Decision>,
) -> Result<Json<AbsenceRequestView>, ApiError> {
    let staff = Staff::signed_in(who)?;
    let request = record_id(&request).ok_or(Error::NotFound)?;
    Ok(Json(
        absences::decide(&app, &staff, request, &body.decision, body.note.as_deref()).await?,
    ))
}
