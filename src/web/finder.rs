//! Find your district: the home page.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::pages::{self, FinderResult, StateOption};
use crate::app::App;
use crate::domain::StateCode;
use crate::server::error::PageError;
use crate::services::{self, Error};

#[derive(Debug, Default, Deserialize)]
pub struct FinderQuery {
    q: Option<String>,
    state: Option<String>,
}

pub async fn page(
    State(app): State<App>,
    query: Result<Query<FinderQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(query) = query.unwrap_or_default();
    let q = query.q.as_deref().unwrap_or("");
    let state = query.state.as_deref().unwrap_or("");
    let searched = !q.trim().is_empty() || !state.trim().is_empty();
    let chosen_state = StateCode::parse(state).ok();
    let states = StateCode::all()
        .map(|s| StateOption {
            code: s.code(),
            name: s.name(),
            selected: Some(s) == chosen_state,
        })
        .collect();
    let mut page = pages::Finder {
        q,
        q_error: None,
        state_error: None,
        states,
        searched: false,
        results: Vec::new(),
    };
    if !searched {
        return Ok(Html(pages::render(&page)).into_response());
    }
    match services::districts::find(&app, Some(q), Some(state)).await {
        Ok(found) => {
            page.searched = true;
            page.results = found
                .into_iter()
                .map(|d| FinderResult {
                    slug: d.slug.to_string(),
                    name: d.name.to_string(),
                    state_name: d.state.name(),
                    maintenance: d.maintenance().map(|m| m.as_str().to_owned()),
                })
                .collect();
            Ok(Html(pages::render(&page)).into_response())
        }
        // Bad input is shown next to the field it belongs to.
        Err(Error::Invalid(invalid)) => {
            if chosen_state.is_none() && !state.trim().is_empty() {
                page.state_error = Some(crate::i18n::t("finder-choose-state"));
            } else {
                page.q_error = Some(invalid.to_string());
            }
            Ok((StatusCode::BAD_REQUEST, Html(pages::render(&page))).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
