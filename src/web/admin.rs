//! The staff console under `/d/{slug}/admin`: find people and accounts, hand out keys and
//! letters, create accounts, reset passwords, disable and enable. Staff of this district only;
//! to anyone else it does not exist.

use axum::Form;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::account::ready_in;
use super::pages::{self, Secret};
use crate::app::App;
use crate::domain::{AccountKind, PersonRole};
use crate::i18n;
use crate::server::error::{PageError, status_of};
use crate::services::Error;
use crate::services::admin::{self, Actor, PersonView};
use crate::services::auth::Authenticated;
use crate::services::import::{self, ImportError};

/// The staff account behind the request. Not logged in: to the staff login page. Logged in as
/// anyone but this district's staff: the console is not found.
pub(super) async fn staff(
    app: &App,
    headers: &HeaderMap,
    slug: &str,
) -> Result<Authenticated, Response> {
    let who = ready_in(app, headers, slug, AccountKind::Staff).await?;
    if who.account.kind != AccountKind::Staff {
        return Err(PageError(Error::NotFound).into_response());
    }
    Ok(who)
}

pub(super) fn actor(who: &Authenticated) -> Actor<'_> {
    Actor {
        name: who.account.username.as_str(),
        account: Some(who.account.id),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn console(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let q = query.ok().and_then(|Query(q)| q.q).unwrap_or_default();
    let results = match admin::search(&app, &who.district, &q, actor(&who)).await {
        Ok(results) => results,
        Err(err) => return PageError(err).into_response(),
    };
    let queue = match admin::queue(&app, &who.district).await {
        Ok(queue) => queue,
        Err(err) => return PageError(err).into_response(),
    };
    let line = |job: &crate::store::JobRecord| pages::JobLine {
        what: {
            use crate::services::{notifications, push, recovery};
            match job.kind.as_str() {
                // Message ids (locales/*/console.ftl).
                recovery::RESET_MAIL => "job-reset-link",
                recovery::CHANGED_MAIL => "job-password-changed",
                recovery::USERNAMES_MAIL => "job-usernames",
                notifications::MAIL_JOB => "job-notification-mail",
                notifications::DIGEST_JOB => "job-digest",
                notifications::MESSAGE_JOB => "job-school-message",
                notifications::IMPORT_JOB => "job-import-news",
                push::PUSH_JOB => "job-push",
                _ => "job-other",
            }
        },
        since: pages::district_date(&who.district, job.created_at),
        attempts: job.attempts,
        error: job.last_error.clone(),
    };
    Html(pages::render(&pages::Admin {
        menu: pages::AccountMenu::default(),
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
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
    }))
    .into_response()
}

fn person_page(
    who: &Authenticated,
    view: &PersonView,
    error: Option<String>,
    secret: Option<Secret>,
) -> String {
    pages::render(&pages::AdminPerson {
        menu: pages::AccountMenu::default(),
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
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
        family: &view.relationships,
        error,
        secret,
    })
}

/// The person of this district behind `{id}`; anything else is not found.
async fn load(app: &App, who: &Authenticated, id: &str) -> Result<PersonView, Response> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError(Error::NotFound).into_response())?;
    admin::person(app, &who.district, id)
        .await
        .map_err(|err| PageError(err).into_response())
}

pub async fn person(
    State(app): State<App>,
    Path((slug, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let Ok(id) = id.parse::<i64>() else {
        return PageError(Error::NotFound).into_response();
    };
    match admin::view_person(&app, &who.district, id, actor(&who)).await {
        Ok(view) => Html(person_page(&who, &view, None, None)).into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// The actions on a person, each ending on the person's page with what happened.
pub async fn act(
    State(app): State<App>,
    Path((slug, id, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    form: Result<Form<AccountForm>, FormRejection>,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let view = match load(&app, &who, &id).await {
        Ok(view) => view,
        Err(response) => return response,
    };
    let district = &who.district;
    let outcome: Result<Option<Secret>, Error> = match action.as_str() {
        "key" => admin::key_for(&app, district, view.person.id, actor(&who))
            .await
            .map(|issued| {
                Some(Secret {
                    label: "person-activation-key",
                    value: issued.key.grouped(),
                    note: i18n::ta(
                        "person-key-note",
                        &[
                            ("name", view.person.name()),
                            ("expires", pages::district_date(district, issued.expires_at)),
                        ],
                    ),
                })
            }),
        "letter" => {
            return match admin::key_for(&app, district, view.person.id, actor(&who)).await {
                Ok(issued) => Html(pages::letters(
                    &app.config.public_url,
                    district,
                    &[issued],
                    pages::LettersFor::Browser,
                ))
                .into_response(),
                Err(err) => (
                    status_of(&err),
                    Html(person_page(&who, &view, Some(err.public_message()), None)),
                )
                    .into_response(),
            };
        }
        "account" => match form {
            Ok(Form(form)) => {
                admin::create_account(&app, district, view.person.id, &form.username, actor(&who))
                    .await
                    .map(|(account, password)| {
                        Some(Secret {
                            label: "person-temporary-password",
                            value: password,
                            note: i18n::t1(
                                "person-account-created",
                                "username",
                                account.username.to_string(),
                            ),
                        })
                    })
            }
            Err(_) => Err(crate::domain::Invalid::new(i18n::t("person-choose-username")).into()),
        },
        "portal" => match form {
            Ok(Form(AccountForm {
                relationship: Some(rid),
                portal: Some(on),
                ..
            })) => match (rid.parse::<i64>(), on.as_str()) {
                (Ok(rid), "on" | "off") => {
                    admin::set_portal(&app, district, view.person.id, rid, on == "on", actor(&who))
                        .await
                        .map(|()| None)
                }
                _ => Err(Error::NotFound),
            },
            _ => Err(Error::NotFound),
        },
        "reset" | "disable" | "enable" => match &view.account {
            None => Err(Error::NotFound),
            Some(account) => match action.as_str() {
                "reset" => admin::reset_password(&app, district, account, actor(&who))
                    .await
                    .map(|password| {
                        Some(Secret {
                            label: "person-temporary-password",
                            value: password,
                            note: i18n::t1(
                                "person-password-reset",
                                "username",
                                account.username.to_string(),
                            ),
                        })
                    }),
                "disable" => admin::set_active(&app, district, account, false, actor(&who))
                    .await
                    .map(|()| None),
                _ => admin::set_active(&app, district, account, true, actor(&who))
                    .await
                    .map(|()| None),
            },
        },
        _ => Err(Error::NotFound),
    };
    // Show the person as they are now.
    let fresh = match load(&app, &who, &id).await {
        Ok(fresh) => fresh,
        Err(response) => return response,
    };
    match outcome {
        Ok(secret) => Html(person_page(&who, &fresh, None, secret)).into_response(),
        Err(err @ (Error::NotFound | Error::Unavailable(_) | Error::Internal(_))) => {
            PageError(err).into_response()
        }
        Err(err) => (
            status_of(&err),
            Html(person_page(&who, &fresh, Some(err.public_message()), None)),
        )
            .into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    username: String,
    relationship: Option<String>,
    portal: Option<String>,
}

/// `POST /d/{slug}/admin/import`: a OneRoster .zip, imported all or nothing, answered with the
/// same report as `homeroom import`.
pub async fn import(
    State(app): State<App>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    upload: Result<Multipart, MultipartRejection>,
) -> Response {
    let who = match staff(&app, &headers, &slug).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let mut page = pages::AdminImport {
        menu: pages::AccountMenu::default(),
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
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
    match import::oneroster(&app, &who.district, file.path(), None, actor(&who)).await {
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
