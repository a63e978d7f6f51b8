//! The students an account may see, their tools, and who read their records.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::App;
use crate::server::error::{ApiError, ErrorBody};
use crate::server::session::{ClientInfo, Reading, Ready};
use crate::services::records::{
    self, AccessEntry, AssignmentsView, AttendanceView, CalendarView, GradesView, ScheduleView,
    StudentSummary, TodayView,
};
use crate::services::tools::Menu;
use crate::services::{Error, Result};

#[derive(Debug, Serialize, ToSchema)]
pub struct MeTools {
    /// `parent` or `student`; staff have no family portal and an empty menu.
    #[schema(example = "parent")]
    portal: &'static str,
    /// The district-wide menu of this portal.
    menu: Menu,
    /// Each student's own menu (a school may switch tools differently).
    students: Vec<StudentSummary>,
}

/// The account's tools: on ones form the menu, off ones come with the district's reason.
#[utoipa::path(
    get,
    path = "/api/v1/me/tools",
    tag = "portal",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The menus", body = MeTools),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn tools(State(app): State<App>, Ready(who): Ready) -> Result<Json<MeTools>, ApiError> {
    Ok(Json(MeTools {
        portal: who.account.kind.as_str(),
        menu: records::menu(&app, &who).await?,
        students: records::students(&app, &who).await?,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudentList {
    students: Vec<StudentSummary>,
}

/// The students this account may see: a student sees themself; a parent sees each child whose
/// relationship is active with portal access on.
#[utoipa::path(
    get,
    path = "/api/v1/students",
    tag = "portal",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The students", body = StudentList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn students(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<StudentList>, ApiError> {
    Ok(Json(StudentList {
        students: records::students(&app, &who).await?,
    }))
}

macro_rules! tool_route {
    ($name:ident, $path:literal, $body:ty, $what:literal) => {
        #[doc = $what]
        #[utoipa::path(
            get,
            path = $path,
            tag = "portal",
            security(("bearer" = [])),
            params(("id" = i64, Path, description = "The student's id from `/api/v1/students`")),
            responses(
                (status = 200, description = "The tool", body = $body),
                (status = 401, description = "Not logged in", body = ErrorBody),
                (status = 403, description = "`tool_disabled` with the district's `reason`, or `password_change_required`", body = ErrorBody),
                (status = 404, description = "No such student, or not one this account may see", body = ErrorBody),
            )
        )]
        pub async fn $name(
            State(app): State<App>,
            reading: Reading,
            ClientInfo(client): ClientInfo,
            Path(id): Path<String>,
        ) -> Result<Json<$body>, ApiError> {
            let (app, client, id) = (&app, &client, crate::domain::record_id(&id));
            let read = reading
                .read(app, |who| async move {
                    records::$name(app, &who, id.ok_or(Error::NotFound)?, client).await
                })
                .await?;
            Ok(Json(read?))
        }
    };
}

tool_route!(
    today,
    "/api/v1/students/{id}/today",
    TodayView,
    "Today: the day's classes, assignments due soon, recent scores, today's attendance."
);
tool_route!(
    assignments,
    "/api/v1/students/{id}/assignments",
    AssignmentsView,
    "Assignments by class and due date, with scores and flags (missing, late, excused)."
);
tool_route!(
    grades,
    "/api/v1/students/{id}/grades",
    GradesView,
    "Grades per class and grading period: in progress from the scores, and posted grades."
);
tool_route!(
    attendance,
    "/api/v1/students/{id}/attendance",
    AttendanceView,
    "Attendance by term: absences and tardies, excused or not."
);
tool_route!(
    schedule,
    "/api/v1/students/{id}/schedule",
    ScheduleView,
    "Schedule by term: periods, rooms and teachers."
);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`, from 1900 to 2200; this month when absent or blank.
    #[param(
        pattern = "^((19[0-9]{2}|2[01][0-9]{2}|2200)-(0[1-9]|1[0-2]))?$",
        example = "2025-09"
    )]
    month: Option<String>,
}

/// Calendar: a month of assignments, attendance marks and days without school.
#[utoipa::path(
    get,
    path = "/api/v1/students/{id}/calendar",
    tag = "portal",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The student's id from `/api/v1/students`"), MonthQuery),
    responses(
        (status = 200, description = "The month", body = CalendarView),
        (status = 400, description = "A month not written YYYY-MM", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`tool_disabled` with the district's `reason`, or `password_change_required`", body = ErrorBody),
        (status = 404, description = "No such student, or not one this account may see", body = ErrorBody),
    )
)]
pub async fn calendar(
    State(app): State<App>,
    reading: Reading,
    ClientInfo(client): ClientInfo,
    Path(id): Path<String>,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<CalendarView>, ApiError> {
    let (app, client, id) = (&app, &client, crate::domain::record_id(&id));
    let month = &query.map(|Query(query)| query.month);
    let read = reading
        .read(app, |who| async move {
            let id = id.ok_or(Error::NotFound)?;
            let month = month.as_ref().map_err(|rejection| {
                Error::Invalid(crate::domain::Invalid::new(rejection.body_text()))
            })?;
            records::calendar(app, &who, id, month.as_deref(), client).await
        })
        .await?;
    Ok(Json(read?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLog {
    entries: Vec<AccessEntry>,
}

/// Who read the records of the students this account may see, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/me/access-log",
    tag = "portal",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reads", body = AccessLog),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "`password_change_required`", body = ErrorBody),
    )
)]
pub async fn access_log(
    State(app): State<App>,
    Ready(who): Ready,
) -> Result<Json<AccessLog>, ApiError> {
    Ok(Json(AccessLog {
        entries: records::access_log(&app, &who).await?,
    }))
}
