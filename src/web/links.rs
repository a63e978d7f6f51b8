//! **Linked Districts** (the accounts to Switch to, Unlink) and **Manage Districts**
//! (Generate a code, enter one and Link), where the district offers them.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::Ready;
use super::pages::{self, LinkLine};
use crate::app::App;
use crate::server::error::{PageError, page_message, status_of};
use crate::server::session::{BrowserDevice, ClientInfo, logged_in_cookies};
use crate::services::auth::Authenticated;
use crate::services::{Error, links};

struct View {
    manage: bool,
    code: Option<String>,
    done: Option<String>,
    error: Option<Error>,
}

impl View {
    /// The list (or the Manage page) with nothing just done.
    fn plain(manage: bool) -> Self {
        Self {
            manage,
            code: None,
            done: None,
            error: None,
        }
    }
}

async fn page(app: &App, who: &Authenticated, view: View) -> Response {
    let linked = if view.manage {
        Vec::new()
    } else {
        match links::linked(app, who).await {
            Ok(linked) => linked,
            Err(err) => return PageError(err).into_response(),
        }
    };
    let status = view.error.as_ref().map_or(StatusCode::OK, status_of);
    if status.is_server_error() {
        return PageError(view.error.unwrap_or(Error::internal("no error"))).into_response();
    }
    let html = pages::render(&pages::Links {
        menu: super::portal::account_menu(app, who).await,
        slug: who.district.slug.as_str(),
        district_name: who.district.name.as_str(),
        manage: view.manage,
        links: linked
            .into_iter()
            .map(|l| LinkLine {
                id: l.link_id,
                district_name: l.district_name,
                name: format!("{} {}", l.given_name, l.family_name),
                username: l.username,
            })
            .collect(),
        code: view.code,
        done: view.done,
        error: view.error.as_ref().map(page_message),
    });
    (status, Html(html)).into_response()
}

/// The account, where Linked Districts is offered to it; elsewhere the pages do not exist.
pub struct Linker(Authenticated);

impl axum::extract::FromRequestParts<App> for Linker {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &App,
    ) -> Result<Self, Response> {
        let Ready(who) = Ready::from_request_parts(parts, app).await?;
        if !super::portal::menu_links(app, &who) {
            return Err(PageError(Error::NotFound).into_response());
        }
        Ok(Self(who))
    }
}

pub async fn list(State(app): State<App>, Linker(who): Linker) -> Response {
    page(&app, &who, View::plain(false)).await
}

pub async fn manage(State(app): State<App>, Linker(who): Linker) -> Response {
    page(&app, &who, View::plain(true)).await
}

/// **Generate**.
pub async fn generate(
    State(app): State<App>,
    Linker(who): Linker,
    ClientInfo(client): ClientInfo,
) -> Response {
    let view = match links::generate(&app, &who, &client).await {
        Ok((code, _)) => View {
            manage: true,
            code: Some(code.grouped()),
            done: None,
            error: None,
        },
        Err(err) => View {
            manage: true,
            code: None,
            done: None,
            error: Some(err),
        },
    };
    page(&app, &who, view).await
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    code: String,
}

/// **Link**.
pub async fn link(
    State(app): State<App>,
    Linker(who): Linker,
    ClientInfo(client): ClientInfo,
    form: Result<Form<LinkForm>, FormRejection>,
) -> Response {
    let outcome = match form {
        Ok(Form(form)) => links::link(&app, &who, &form.code, &client).await,
        Err(_) => Err(Error::Invalid(crate::domain::Invalid::new(crate::i18n::t(
            "links-enter-code",
        )))),
    };
    match outcome {
        Ok(()) => {
            page(
                &app,
                &who,
                View {
                    manage: false,
                    code: None,
                    done: Some(crate::i18n::t("links-linked")),
                    error: None,
                },
            )
            .await
        }
        Err(err) => {
            page(
                &app,
                &who,
                View {
                    manage: true,
                    code: None,
                    done: None,
                    error: Some(err),
                },
            )
            .await
        }
    }
}

/// **Switch**: logged in to the linked account, on its district's home page.
pub async fn switch(
    State(app): State<App>,
    Linker(who): Linker,
    Path((_, id)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
    browser: BrowserDevice,
) -> Response {
    let Some(id) = crate::domain::record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    match links::switch(&app, &who, id, &client).await {
        Ok((district, logged_in)) => (
            logged_in_cookies(&app.config, &logged_in, &browser),
            Redirect::to(&format!("/d/{}/home", district.slug)),
        )
            .into_response(),
        Err(err) => PageError(err).into_response(),
    }
}

/// **Unlink**.
pub async fn unlink(
    State(app): State<App>,
    Linker(who): Linker,
    Path((_, id)): Path<(String, String)>,
    ClientInfo(client): ClientInfo,
) -> Response {
    let Some(id) = crate::domain::record_id(&id) else {
        return PageError(Error::NotFound).into_response();
    };
    let view = match links::unlink(&app, &who, id, &client).await {
        Ok(()) => View {
            manage: false,
            code: None,
            done: Some(crate::i18n::t("links-unlinked")),
            error: None,
        },
        Err(err) => View {
            manage: false,
            code: None,
            done: None,
            error: Some(err),
        },
    };
    page(&app, &who, view).await
}
