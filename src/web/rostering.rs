//! The console's Rostering page (`/d/{slug}/admin/sync`): the district's SIS connection, its
//! latest sync runs with what each imported or why it failed, and a button that queues a run.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};

use super::guard::StaffPage;
use super::pages::{self, AccountMenu};
use crate::app::App;
use crate::i18n::{self, filters};
use crate::server::error::PageError;
use crate::services::access::Staff;
use crate::services::rostering::{self, ConnectionView};

#[derive(Template)]
#[template(path = "admin_sync.html")]
struct SyncPage<'a> {
    menu: AccountMenu,
    slug: &'a str,
    district_name: &'a str,
    connection: Option<ConnectionView>,
    /// How often it runs, in words; `None` when only when asked.
    every: Option<String>,
    runs: Vec<RunLine>,
    done: Option<String>,
}

struct RunLine {
    started: String,
    /// A message id: everything or what changed.
    mode: &'static str,
    /// A message id: imported, failed or running.
    outcome: &'static str,
    failed: bool,
    records: i64,
    by: String,
    summary: String,
    problems: Vec<String>,
}

/// `GET /d/{slug}/admin/sync`.
pub async fn show(State(app): State<App>, StaffPage(staff): StaffPage) -> Response {
    page(&app, &staff, None).await
}

/// `POST /d/{slug}/admin/sync`: "Sync now".
pub async fn now(State(app): State<App>, StaffPage(staff): StaffPage) -> Response {
    let done = match rostering::queue_now(&app, &staff).await {
        Ok(true) => i18n::t("sync-queued"),
        Ok(false) => i18n::t("sync-already-queued"),
        Err(err) => return PageError(err).into_response(),
    };
    page(&app, &staff, Some(done)).await
}

async fn page(app: &App, staff: &Staff, done: Option<String>) -> Response {
    let district = staff.district();
    let connection = match rostering::connection(app, district).await {
        Ok(connection) => connection,
        Err(err) => return PageError(err).into_response(),
    };
    let runs = match rostering::runs(app, staff, 20).await {
        Ok(runs) => runs,
        Err(err) => return PageError(err).into_response(),
    };
    Html(pages::render(&SyncPage {
        menu: AccountMenu::default(),
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        connection,
        every: district
            .settings
            .sync_interval
            .seconds()
            .map(|_| district.settings.sync_interval.to_string()),
        runs: runs
            .into_iter()
            .map(|run| RunLine {
                started: pages::district_date(district, run.started_at),
                mode: if run.mode == "bulk" {
                    "sync-mode-bulk"
                } else {
                    "sync-mode-delta"
                },
                outcome: match run.outcome.as_str() {
                    "imported" => "sync-outcome-imported",
                    "failed" => "sync-outcome-failed",
                    _ => "sync-outcome-running",
                },
                failed: run.outcome == "failed",
                records: run.records,
                by: if run.started_by == "schedule" {
                    i18n::t("sync-by-schedule")
                } else {
                    run.started_by
                },
                summary: run.summary.unwrap_or_default(),
                problems: run
                    .problems
                    .map(|p| p.lines().map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
            .collect(),
        done,
    }))
    .into_response()
}
