//! The staff console under `/d/{slug}/admin`: find people and accounts, hand out keys and
//! letters, create accounts, reset passwords, disable and enable. Staff of this district only
//! (the `StaffPage` extractor); to anyone else it does not exist.

use axum::Form;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::guard::StaffPage;
use super::pages::{self, Secret};
use crate::app::App;
use crate::domain::{Account, AccountKind, PersonRole};
use crate::i18n;
use crate::server::error::{PageError, status_of};
use crate::services::Error;
use crate::services::access::Staff;
use crate::services::admin::{self, PersonView};
use crate::services::import::{self, ImportError};

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /d/{slug}/admin`: the search, and the mail and jobs that are waiting or failed.
pub async fn console(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = query.ok().and_then(|Query(q)| q.q).unwrap_or_default();
    let results = match admin::search(&app, &staff, &q).await {
        Ok(results) => results,
        Err(err) => return PageError(err).into_response(),
    };
    let queue = match admin::queue(&app, &staff).await {
        Ok(queue) => queue,
        Err(err) => return PageError(err).into_response(),
    };
    let absences_waiting = match crate::services::absences::waiting(&app, &staff).await {
        Ok(n) => n,
        Err(err) => return PageError(err).into_response(),
    };
    let district = staff.district();
    let line = |job: &crate::store::JobRecord| pages::JobLine {
        what: {
            use crate::services::{notifications, push, recovery, security};
            match job.kind.as_str() {
                // Message ids (locales/*/console.ftl).
                recovery::RESET_MAIL => "job-reset-link",
                recovery::CHANGED_MAIL => "job-password-changed",
                recovery::USERNAMES_MAIL => "job-usernames",
                security::NOTICE_MAIL => "job-security-notice",
                notifications::MAIL_JOB => "job-notification-mail",
                notifications::DIGEST_JOB => "job-digest",
                notifications::MESSAGE_JOB => "job-school-message",
                notifications::IMPORT_JOB => "job-import-news",
                push::PUSH_JOB => "job-push",
                crate::services::absences::OFFICE_MAIL => "job-absence-office",
                crate::services::absences::DECISION_JOB => "job-absence-decision",
                _ => "job-other",
            }
        },
        since: pages::district_date(district, job.created_at),
        attempts: job.attempts,
        error: job.last_error.clone(),
    };
    Html(pages::render(&pages::Admin {
        menu: pages::AccountMenu::default(),
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        q: &q.chars().take(100).collect::<String>(),
        searched: !q.trim().is_empty(),
        results: results
            .into_iter()
            .map(|(person, username)| pages::AdminResult {
                id: person.id,
                name: person.name(),
                role: person.role.as_str(),
                sourced_id: person.sourced_id,
                username,
            })
            .collect(),
        pending: queue.pending.iter().map(line).collect(),
        dead: queue.dead.iter().map(line).collect(),
        absences_waiting,
    }))
    .into_response()
}

fn person_page(
    staff: &Staff,
    view: &PersonView,
    error: Option<String>,
    secret: Option<Secret>,
) -> String {
    let district = staff.district();
    pages::render(&pages::AdminPerson {
        menu: pages::AccountMenu::default(),
        slug: district.slug.as_str(),
        district_name: district.name.as_str(),
        id: view.person.id,
        name: view.person.name(),
        role: view.person.role.as_str(),
        sourced_id: &view.person.sourced_id,
        school: view.person.school.as_deref(),
        username: view.account.as_ref().map(|a| a.username.as_str()),
        active: view.account.as_ref().is_some_and(|a| a.active),
        staff_account: view
            .account
            .as_ref()
            .is_some_and(|a| a.kind == AccountKind::Staff),
        can_have_account: matches!(view.person.role, PersonRole::Guardian | PersonRole::Student),
        // A lost phone: a colleague's or a family's app can be removed here, never one's own.
        second_factor_removable: view
            .account
            .as_ref()
            .is_some_and(|a| a.second_factor && staff.account().is_none_or(|me| me.id != a.id)),
        family: &view.relationships,
        error,
        secret,
    })
}

/// The `{id}` of a person's address; anything but a number is not found.
fn person_id(raw: &str) -> Result<i64, Error> {
    raw.parse().map_err(|_| Error::NotFound)
}

/// `GET /d/{slug}/admin/people/{id}`: the person, read as a family's record is (audited).
pub async fn person(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let id = match person_id(&id) {
        Ok(id) => id,
        Err(err) => return PageError(err).into_response(),
    };
    match admin::view_person(&app, &staff, id).await {
        Ok(view) => Html(person_page(&staff, &view, None, None)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// The person behind `{id}`, an action on them, and their page as it is afterwards with what
/// happened (a secret to show once, or why not).
async fn act<F>(app: &App, staff: &Staff, id: &str, action: F) -> Response
where
    F: AsyncFnOnce(&PersonView) -> Result<Option<Secret>, Error>,
{
    let id = match person_id(id) {
        Ok(id) => id,
        Err(err) => return PageError(err).into_response(),
    };
    let view = match admin::person(app, staff, id).await {
        Ok(view) => view,
        Err(err) => return PageError(err).into_response(),
    };
    // The answer is the person's page again: a read like any other, counted before anything
    // is done.
    if let Err(err) = admin::count_reads(app, staff, 1).await {
        return PageError(err).into_response();
    }
    let outcome = action(&view).await;
    let fresh = match admin::person(app, staff, id).await {
        Ok(fresh) => fresh,
        Err(err) => return PageError(err).into_response(),
    };
    match outcome {
        Ok(secret) => Html(person_page(staff, &fresh, None, secret)).into_response(),
        Err(err @ (Error::NotFound | Error::Unavailable(_) | Error::Internal(_))) => {
            PageError(err).into_response()
        }
        Err(err) => (
            status_of(&err),
            Html(person_page(staff, &fresh, Some(err.public_message()), None)),
        )
            .into_response(),
    }
}

/// The person's account, for the actions on one.
fn account_of(view: &PersonView) -> Result<&Account, Error> {
    view.account.as_ref().ok_or(Error::NotFound)
}

/// `POST …/people/{id}/key`: a new activation key, shown once.
pub async fn key(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        let issued = admin::key_for(&app, &staff, view.person.id).await?;
        Ok(Some(Secret {
            label: "person-activation-key",
            value: issued.key.grouped(),
            note: i18n::ta(
                "person-key-note",
                &[
                    ("name", view.person.name()),
                    (
                        "expires",
                        pages::district_date(staff.district(), issued.expires_at),
                    ),
                ],
            ),
        }))
    })
    .await
}

/// `POST …/people/{id}/letter`: a new key, on a letter to print.
pub async fn letter(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let id = match person_id(&id) {
        Ok(id) => id,
        Err(err) => return PageError(err).into_response(),
    };
    let view = match admin::person(&app, &staff, id).await {
        Ok(view) => view,
        Err(err) => return PageError(err).into_response(),
    };
    match admin::key_for(&app, &staff, view.person.id).await {
        Ok(issued) => Html(pages::letters(
            &app.config.public_url,
            staff.district(),
            &[issued],
            pages::LettersFor::Browser,
        ))
        .into_response(),
        Err(err) => (
            status_of(&err),
            Html(person_page(&staff, &view, Some(err.public_message()), None)),
        )
            .into_response(),
    }
}

/// `POST …/people/{id}/account`: an account with a temporary password, shown once.
pub async fn account(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
    form: Result<Form<AccountForm>, FormRejection>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        let Ok(Form(form)) = form else {
            return Err(crate::domain::Invalid::new(i18n::t("person-choose-username")).into());
        };
        let (account, password) =
            admin::create_account(&app, &staff, view.person.id, &form.username).await?;
        Ok(Some(Secret {
            label: "person-temporary-password",
            value: password,
            note: i18n::t1(
                "person-account-created",
                "username",
                account.username.to_string(),
            ),
        }))
    })
    .await
}

/// `POST …/people/{id}/portal`: portal access to one relationship, on or off.
pub async fn portal(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
    form: Result<Form<PortalForm>, FormRejection>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        let Ok(Form(form)) = form else {
            return Err(Error::NotFound);
        };
        let (Ok(rid), on @ ("on" | "off")) =
            (form.relationship.parse::<i64>(), form.portal.as_str())
        else {
            return Err(Error::NotFound);
        };
        admin::set_portal(&app, &staff, view.person.id, rid, on == "on").await?;
        Ok(None)
    })
    .await
}

/// `POST …/people/{id}/reset`: a temporary password, shown once; the family is told.
pub async fn reset(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        let account = account_of(view)?;
        let password = admin::reset_password(&app, &staff, account).await?;
        Ok(Some(Secret {
            label: "person-temporary-password",
            value: password,
            note: i18n::t1(
                "person-password-reset",
                "username",
                account.username.to_string(),
            ),
        }))
    })
    .await
}

/// `POST …/people/{id}/second-factor/reset`.
pub async fn reset_second_factor(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        admin::reset_second_factor(&app, &staff, account_of(view)?).await?;
        Ok(None)
    })
    .await
}

/// `POST …/people/{id}/disable`.
pub async fn disable(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        admin::set_active(&app, &staff, account_of(view)?, false).await?;
        Ok(None)
    })
    .await
}

/// `POST …/people/{id}/enable`.
pub async fn enable(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    act(&app, &staff, &id, async |view: &PersonView| {
        admin::set_active(&app, &staff, account_of(view)?, true).await?;
        Ok(None)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PortalForm {
    relationship: String,
    portal: String,
}

/// `POST /d/{slug}/admin/import`: a OneRoster .zip, imported all or nothing, answered with the
/// same report as `homeroom import`.
pub async fn import(
    State(app): State<App>,
    StaffPage(staff): StaffPage,
    upload: Result<Multipart, MultipartRejection>,
) -> Response {
    let mut page = pages::AdminImport {
        menu: pages::AccountMenu::default(),
        slug: staff.district().slug.as_str(),
        district_name: staff.district().name.as_str(),
        error: None,
        problems: Vec::new(),
        total: 0,
        kinds: Vec::new(),
        warnings: Vec::new(),
        warning_total: 0,
    };
    let refused = |page: pages::AdminImport<'_>, status: StatusCode| {
        (status, Html(pages::render(&page))).into_response()
    };
    let file = match receive_zip(upload, app.config.max_import_bytes).await {
        Ok(file) => file,
        Err(message) => {
            page.error = Some(message);
            return refused(page, StatusCode::BAD_REQUEST);
        }
    };
    let Some(_running) = import::one_at_a_time() else {
        page.error = Some(i18n::t("import-busy"));
        return refused(page, StatusCode::CONFLICT);
    };
    match import::oneroster(&app, &staff, file.path(), None).await {
        Ok(report) => {
            page.warnings = report.warnings.iter().map(ToString::to_string).collect();
            page.warning_total = report.warning_total;
            page.kinds = report
                .kinds
                .into_iter()
                .map(|(kind, c)| pages::ImportedKind {
                    kind,
                    created: c.created,
                    updated: c.updated,
                    deactivated: c.deactivated,
                })
                .collect();
            Html(pages::render(&page)).into_response()
        }
        Err(ImportError::Rejected { problems, total }) => {
            page.problems = problems.iter().map(ToString::to_string).collect();
            page.total = total;
            refused(page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ImportError::Service(err)) => PageError(err).into_response(),
    }
}

/// Streams the upload's `file` field to a temporary file (removed when dropped), and checks
/// that it is a .zip; otherwise the message to show.
async fn receive_zip(
    upload: Result<Multipart, MultipartRejection>,
    limit: u64,
) -> Result<tempfile::NamedTempFile, String> {
    use tokio::io::AsyncWriteExt;
    let too_large = || i18n::t1("import-too-large", "megabytes", limit / (1024 * 1024));
    let unstored = |_| i18n::t("import-unstored");
    let unreadable = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            i18n::t("import-unreadable")
        }
    };
    let mut upload = upload.map_err(|_| i18n::t("import-choose-zip"))?;
    while let Some(mut field) = upload.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        let stored = tempfile::NamedTempFile::new().map_err(unstored)?;
        let copy = stored.as_file().try_clone().map_err(unstored)?;
        let mut out = tokio::fs::File::from_std(copy);
        let mut size = 0u64;
        let mut head: Vec<u8> = Vec::with_capacity(4);
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(too_large());
            }
            if head.len() < 4 {
                head.extend(chunk.iter().copied().take(4 - head.len()));
            }
            out.write_all(&chunk).await.map_err(unstored)?;
        }
        out.flush().await.map_err(unstored)?;
        if size == 0 {
            return Err(i18n::t("import-choose-zip"));
        }
        if head.as_slice() != b"PK\x03\x04" {
            return Err(i18n::t("import-not-zip"));
        }
        return Ok(stored);
    }
    Err(i18n::t("import-choose-zip"))
}
