//! The portal's pages: a student's tools (Today, Calendar, Assignments, Grades, Attendance,
//! Schedule) and the Access Log. Each is a thin adapter over `services::records`, which
//! authorizes every read.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::guard::{Reading, Ready};
use super::pages::{self, StudentNav};
use crate::app::App;
use crate::domain::{AccountKind, Tool};
use crate::server::error::PageError;
use crate::server::session::ClientInfo;
use crate::services::Error;
use crate::services::auth::Authenticated;
use crate::services::records::{self, StudentSummary};

#[derive(Debug, Deserialize)]
pub struct ToolQuery {
    month: Option<String>,
}

fn nav<'a>(
    who: &'a Authenticated,
    tool: Tool,
    student: &'a StudentSummary,
    siblings: Vec<(i64, String)>,
) -> StudentNav<'a> {
    StudentNav {
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        heading: tool.name(),
        current: tool.as_str(),
        student_id: student.id,
        student_name: student.name.clone(),
        tools: &student.menu.tools,
        siblings,
    }
}

/// Whether the account menu offers Linked Districts.
pub(super) fn menu_links(app: &App, who: &Authenticated) -> bool {
    who.account.kind.is_family() && crate::services::links::available(app, &who.district)
}

/// The account menu's state: Linked Districts where offered, and the unread count (a
/// database that cannot answer shows none rather than failing the page).
pub(super) async fn account_menu(app: &App, who: &Authenticated) -> pages::AccountMenu {
    pages::AccountMenu {
        linking: menu_links(app, who),
        unread: crate::services::notifications::unread(app, who)
            .await
            .unwrap_or(0),
        converses: who.account.kind != AccountKind::Staff,
        conversations_unread: crate::services::conversations::unread(app, who)
            .await
            .unwrap_or(0),
        teacher: who.account.kind == AccountKind::Teacher,
        writes_to_teachers: match who.account.kind {
            AccountKind::Parent => true,
            AccountKind::Student => who.district.settings.student_messaging,
            _ => false,
        },
    }
}

/// The other children of a parent, for the picker at the top of each tool.
pub(super) async fn siblings(
    app: &App,
    who: &Authenticated,
    student: i64,
) -> Result<Vec<(i64, String)>, Error> {
    if who.account.kind != AccountKind::Parent {
        return Ok(Vec::new());
    }
    Ok(records::students(app, who)
        .await?
        .into_iter()
        .filter(|s| s.id != student)
        .map(|s| (s.id, s.name))
        .collect())
}

/// `GET /d/{slug}/students/{id}/{tool}`.
pub async fn tool(
    State(app): State<App>,
    reading: Reading,
    Path((_, id, tool)): Path<(String, String, String)>,
    query: Result<Query<ToolQuery>, QueryRejection>,
    ClientInfo(client): ClientInfo,
) -> Response {
    // An unknown tool or a malformed id is a page that does not exist; told, like a bad
    // query, only to whom the page would be shown.
    let asked = match (Tool::parse(&tool), crate::domain::record_id(&id), query) {
        (Ok(tool), Some(id), Ok(Query(query))) => Ok((tool, id, query)),
        (Ok(_), Some(_), Err(_)) => Err(Error::Invalid(crate::domain::Invalid::new(
            crate::i18n::t("page-error-address"),
        ))),
        _ => Err(Error::NotFound),
    };
    let (tool, id, query) = match asked {
        Ok(asked) => asked,
        Err(err) => {
            return match reading.ready(&app).await {
                Ok(_) => PageError(err).into_response(),
                Err(elsewhere) => elsewhere,
            };
        }
    };
    if tool == Tool::AbsenceRequests {
        return match reading.ready(&app).await {
            Ok(who) => match super::absences::render_page(&app, &who, id, &client).await {
                Ok(page) => Html(page).into_response(),
                Err(err) => PageError(err).into_response(),
            },
            Err(elsewhere) => elsewhere,
        };
    }
    let month = query.month.as_deref();
    let read = |who: Authenticated| {
        let (app, client) = (&app, &client);
        async move { read(app, &who, id, tool, month, client).await }
    };
    match reading.read(&app, read).await {
        Ok((who, Ok((shown, others)))) => {
            let menu = account_menu(&app, &who).await;
            Html(draw(&who, menu, tool, &shown, others)).into_response()
        }
        Ok((_, Err(err))) => PageError(err).into_response(),
        Err(elsewhere) => elsewhere,
    }
}

/// What a tool's page shows of the student.
enum Shown {
    Today(records::TodayView),
    Calendar(records::CalendarView),
    Assignments(records::AssignmentsView),
    Grades(records::GradesView),
    Attendance(records::AttendanceView),
    Schedule(records::ScheduleView),
}

/// Reads what `tool` shows of student `id`, and the reader's other children.
async fn read(
    app: &App,
    who: &Authenticated,
    id: i64,
    tool: Tool,
    month: Option<&str>,
    client: &crate::services::auth::Client,
) -> Result<(Shown, Vec<(i64, String)>), Error> {
    let shown = match tool {
        Tool::Today => {
            Shown::Today(records::today_in(app, who, id, client, crate::i18n::current()).await?)
        }
        Tool::Calendar => Shown::Calendar(records::calendar(app, who, id, month, client).await?),
        Tool::Assignments => Shown::Assignments(records::assignments(app, who, id, client).await?),
        Tool::Grades => Shown::Grades(records::grades(app, who, id, client).await?),
        Tool::Attendance => Shown::Attendance(records::attendance(app, who, id, client).await?),
        Tool::Schedule => Shown::Schedule(records::schedule(app, who, id, client).await?),
        // A page of its own, with forms (`web::absences`).
        Tool::AbsenceRequests => return Err(Error::NotFound),
    };
    let others = siblings(app, who, id).await?;
    Ok((shown, others))
}

fn draw(
    who: &Authenticated,
    menu: pages::AccountMenu,
    tool: Tool,
    shown: &Shown,
    others: Vec<(i64, String)>,
) -> String {
    let slug = who.district.slug.as_str();
    match shown {
        Shown::Today(view) => pages::render(&pages::TodayPage {
            menu,
            slug,
            nav: nav(who, tool, &view.student, others),
            view,
        }),
        Shown::Calendar(view) => {
            let month_title = records::parse_month(&view.month)
                .map(|d| crate::i18n::when::month_year(crate::i18n::current(), d))
                .unwrap_or_else(|_| view.month.clone());
            pages::render(&pages::CalendarPage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view,
                month_title,
            })
        }
        Shown::Assignments(view) => pages::render(&pages::AssignmentsPage {
            menu,
            slug,
            nav: nav(who, tool, &view.student, others),
            view,
        }),
        Shown::Grades(view) => pages::render(&pages::GradesPage {
            menu,
            slug,
            nav: nav(who, tool, &view.student, others),
            view,
        }),
        Shown::Attendance(view) => pages::render(&pages::AttendancePage {
            menu,
            slug,
            nav: nav(who, tool, &view.student, others),
            view,
        }),
        Shown::Schedule(view) => pages::render(&pages::SchedulePage {
            menu,
            slug,
            nav: nav(who, tool, &view.student, others),
            view,
        }),
    }
}

/// `GET /d/{slug}/access-log`.
pub async fn access_log(State(app): State<App>, Ready(who): Ready) -> Response {
    match records::access_log_in(&app, &who, crate::i18n::current()).await {
        Ok(entries) => Html(pages::render(&pages::AccessLogPage {
            menu: account_menu(&app, &who).await,
            slug: who.district.slug.as_str(),
            district_name: who.district.name.as_str(),
            parent: who.account.kind == AccountKind::Parent,
            entries,
        }))
        .into_response(),
        Err(err) => PageError(err).into_response(),
    }
}
