//! Conversations between families and teachers, and the Teacher portal's classes.

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
use crate::services::conversations::{
    self, ConversationSummary, ConversationView, OfficeHoursForm, Recipients, Sent, Writing,
};
use crate::services::teachers::{self, TeacherClass};

fn id_of(raw: &str) -> Result<i64, Error> {
    record_id(raw).ok_or(Error::NotFound)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeacherClasses {
    /// This term's classes, by period, each with its students by name.
    classes: Vec<TeacherClass>,
}

/// The teacher's classes this term with their students (teachers only).
#[utoipa::path(
    get,
    path = "/api/v1/teacher/classes",
    tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The classes", body = TeacherClasses),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Not a teacher", body = ErrorBody),
    )
)]
pub async fn classes(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
) -> Result<Json<TeacherClasses>, ApiError> {
    Ok(Json(TeacherClasses {
        classes: teachers::classes(&app, &who, &client).await?,
    }))
}

/// A new message that starts a conversation (or adds to the one already there). Exactly one
/// shape: `student` and `teacher` (a parent or student to a teacher of the student's class),
/// `student` alone (a teacher to the student's guardians), or `class` (a teacher to every
/// family of the class, one conversation each).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    student: Option<i64>,
    /// A teacher's id, from a class's `teacher_ids` in the student's schedule.
    teacher: Option<i64>,
    class: Option<i64>,
    /// Plain text, at most 4,000 characters.
    body: String,
    /// A teacher's message pushed even in quiet hours (21:00–07:00), where the district allows
    /// it (`urgent_messages`).
    urgent: Option<bool>,
}

/// Write to a teacher, a family or a class.
#[utoipa::path(
    post,
    path = "/api/v1/conversations",
    tag = "conversations",
    security(("bearer" = [])),
    request_body = NewConversation,
    responses(
        (status = 201, description = "Written: the conversations, and when an answer can be expected outside the teacher's office hours", body = Sent),
        (status = 400, description = "`bad_request`: an empty body or one over 4,000 characters (`field`: `body`), or not exactly one of the shapes", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`forbidden`: students may not write in this district, the teacher paused the conversation, or `urgent` where the district does not allow it", body = ErrorBody),
        (status = 404, description = "No such student, teacher or class for this account", body = ErrorBody),
        (status = 409, description = "`conflict`: the teacher cannot receive messages; `too_many`: the hourly allowance is used", body = ErrorBody),
    )
)]
pub async fn start(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Body(body): Body<NewConversation>,
) -> Result<(StatusCode, Json<Sent>), ApiError> {
    let to = match (body.student, body.teacher, body.class) {
        (Some(student), Some(teacher), None) => Recipients::Teacher { student, teacher },
        (Some(student), None, None) => Recipients::Family { student },
        (None, None, Some(class)) => Recipients::Class { class },
        _ => {
            return Err(Error::Invalid(Invalid::new(
                "give student and teacher, student alone, or class alone",
            ))
            .into());
        }
    };
    let writing = Writing {
        body: &body.body,
        urgent: body.urgent.unwrap_or(false),
    };
    let sent = conversations::start(&app, &who, to, writing, &client).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    /// Latest first.
    conversations: Vec<ConversationSummary>,
}

/// The conversations this account takes part in, latest first.
#[utoipa::path(
    get,
    path = "/api/v1/conversations",
    tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The conversations", body = ConversationList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Staff read conversations in the console", body = ErrorBody),
    )
)]
pub async fn list(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<ConversationList>, ApiError> {
    Ok(Json(ConversationList {
        conversations: conversations::list(&app, &who).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// A message id: the page starts after it (the previous page's `next_after`).
    after: Option<i64>,
}

/// A conversation's messages, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}",
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id"), PageQuery),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation for this account", body = ErrorBody),
    )
)]
pub async fn show(
    State(app): State<App>,
    Ready(who): Ready,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<ConversationView>, ApiError> {
    let id = id_of(&id)?;
    let Query(query) =
        query.map_err(|rejection| Error::Invalid(Invalid::new(rejection.body_text())))?;
    let after = query.after.filter(|a| *a >= 0);
    Ok(Json(conversations::show(&app, &who, id, after).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// Plain text, at most 4,000 characters.
    body: String,
    /// A teacher's message pushed even in quiet hours, where the district allows it.
    urgent: Option<bool>,
}

/// Write in a conversation.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/messages",
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    request_body = NewMessage,
    responses(
        (status = 201, description = "Written", body = Sent),
        (status = 400, description = "`bad_request` (`field`: `body`): empty, or over 4,000 characters", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`forbidden`: the teacher paused the conversation, students may not write, or `urgent` where the district does not allow it", body = ErrorBody),
        (status = 404, description = "No such conversation for this account", body = ErrorBody),
        (status = 409, description = "`conflict`: the teacher cannot receive messages; `too_many`: the hourly allowance is used", body = ErrorBody),
    )
)]
pub async fn reply(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
    Body(body): Body<NewMessage>,
) -> Result<(StatusCode, Json<Sent>), ApiError> {
    let id = id_of(&id)?;
    let writing = Writing {
        body: &body.body,
        urgent: body.urgent.unwrap_or(false),
    };
    let sent = conversations::reply(&app, &who, id, writing, &client).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// Mark a conversation read to its latest message.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/read",
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Read"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation for this account", body = ErrorBody),
    )
)]
pub async fn read(
    State(app): State<App>,
    Ready(who): Ready,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    conversations::mark_read(&app, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Retract one's own message within 5 minutes of writing it. The district still sees it.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/messages/{mid}/retract",
    tag = "conversations",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The conversation's id"),
        ("mid" = i64, Path, description = "The message's id"),
    ),
    responses(
        (status = 204, description = "Retracted"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation for this account", body = ErrorBody),
        (status = 409, description = "`conflict`: not one's own message, retracted already, or older than 5 minutes", body = ErrorBody),
    )
)]
pub async fn retract(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path((id, message)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    let message = id_of(&message)?;
    conversations::retract(&app, &who, id, message, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// True pauses the family's replies; false lets them write again.
    blocked: bool,
}

/// Pause (or resume) the family's side of a conversation (its teacher only). Administrators
/// see it.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/block",
    tag = "conversations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    request_body = Block,
    responses(
        (status = 204, description = "Done"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation of this teacher", body = ErrorBody),
    )
)]
pub async fn block(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
    Body(body): Body<Block>,
) -> Result<StatusCode, ApiError> {
    let id = id_of(&id)?;
    conversations::set_blocked(&app, &who, id, body.blocked, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeHoursAnswer {
    /// None when not set.
    office_hours: Option<OfficeHoursForm>,
}

/// The teacher's office hours (teachers only).
#[utoipa::path(
    get,
    path = "/api/v1/teacher/office-hours",
    tag = "conversations",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The office hours", body = OfficeHoursAnswer),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Not a teacher", body = ErrorBody),
    )
)]
pub async fn office_hours(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<OfficeHoursAnswer>, ApiError> {
    Ok(Json(OfficeHoursAnswer {
        office_hours: conversations::office_hours(&app, &who).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOfficeHours {
    /// None clears them.
    office_hours: Option<OfficeHoursForm>,
}

/// Set the teacher's office hours: families writing outside them are told when to expect an
/// answer.
#[utoipa::path(
    put,
    path = "/api/v1/teacher/office-hours",
    tag = "conversations",
    security(("bearer" = [])),
    request_body = SetOfficeHours,
    responses(
        (status = 200, description = "Saved", body = OfficeHoursAnswer),
        (status = 400, description = "`bad_request` naming the `field` (`days`, `start`, `end`)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Not a teacher", body = ErrorBody),
    )
)]
pub async fn set_office_hours(
    State(app): State<App>,
    Ready(who): Ready,
    ClientInfo(client): ClientInfo,
    Body(body): Body<SetOfficeHours>,
) -> Result<Json<OfficeHoursAnswer>, ApiError> {
    conversations::set_office_hours(&app, &who, body.office_hours.as_ref(), &client).await?;
    Ok(Json(OfficeHoursAnswer {
        office_hours: conversations::office_hours(&app, &who).await?,
    }))
}
