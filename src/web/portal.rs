//! The portal's pages: a student's tools (Today, Calendar, Assignments, Grades, Attendance,
//! Schedule) and the Access Log. Each is a thin adapter over `services::records`, which
//! authorizes every read.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::guard::Ready;
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
    Ready(who): Ready,
    Path((_, id, tool)): Path<(String, String, String)>,
    query: Result<Query<ToolQuery>, QueryRejection>,
    ClientInfo(client): ClientInfo,
) -> Response {
    // An unknown tool or a malformed id is a page that does not exist.
    let (Ok(tool), Some(id)) = (Tool::parse(&tool), crate::domain::record_id(&id)) else {
        return PageError(Error::NotFound).into_response();
    };
    let Ok(Query(query)) = query else {
        return PageError(Error::Invalid(crate::domain::Invalid::new(crate::i18n::t(
            "page-error-address",
        ))))
        .into_response();
    };
    match render(&app, &who, id, tool, query.month.as_deref(), &client).await {
        Ok(page) => Html(page).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

async fn render(
    app: &App,
    who: &Authenticated,
    id: i64,
    tool: Tool,
    month: Option<&str>,
    client: &crate::services::auth::Client,
) -> Result<String, Error> {
    let slug = who.district.slug.as_str();
    // The unread count is asked for while the view is read and its audit entry written, not
    // before: a page waits for the slower of the two, not their sum.
    let menu = account_menu(app, who);
    let page = match tool {
        Tool::Today => {
            let (menu, view) = tokio::join!(
                menu,
                records::today_in(app, who, id, client, crate::i18n::current())
            );
            let view = view?;
            let others = siblings(app, who, id).await?;
            pages::render(&pages::TodayPage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view: &view,
            })
        }
        Tool::Calendar => {
            let (menu, view) = tokio::join!(menu, records::calendar(app, who, id, month, client));
            let view = view?;
            let others = siblings(app, who, id).await?;
            let month_title = records::parse_month(&view.month)
                .map(|d| crate::i18n::when::month_year(crate::i18n::current(), d))
                .unwrap_or_else(|_| view.month.clone());
            pages::render(&pages::CalendarPage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view: &view,
                month_title,
            })
        }
        Tool::Assignments => {
            let (menu, view) = tokio::join!(menu, records::assignments(app, who, id, client));
            let view = view?;
            let others = siblings(app, who, id).await?;
            pages::render(&pages::AssignmentsPage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view: &view,
            })
        }
        Tool::Grades => {
            let (menu, view) = tokio::join!(menu, records::grades(app, who, id, client));
            let view = view?;
            let others = siblings(app, who, id).await?;
            pages::render(&pages::GradesPage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view: &view,
            })
        }
        Tool::Attendance => {
            let (menu, view) = tokio::join!(menu, records::attendance(app, who, id, client));
            let view = view?;
            let others = siblings(app, who, id).await?;
            pages::render(&pages::AttendancePage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view: &view,
            })
        }
        Tool::AbsenceRequests => {
            return super::absences::render_page(app, who, id, client).await;
        }
        Tool::Schedule => {
            let (menu, view) = tokio::join!(menu, records::schedule(app, who, id, client));
            let view = view?;
            let others = siblings(app, who, id).await?;
            pages::render(&pages::SchedulePage {
                menu,
                slug,
                nav: nav(who, tool, &view.student, others),
                view: &view,
            })
        }
    };
    Ok(page)
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
