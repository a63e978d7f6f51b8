//! Service errors become HTTP answers here, once: a status for each error code, a JSON body
//! for the API and a page for the browser.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::services::Error;
use crate::web::pages;

pub fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::DistrictUnavailable { .. } | Error::Unavailable(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log(err: &Error) {
    match err {
        Error::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
        Error::Internal(cause) => tracing::error!(%cause, "internal error"),
        _ => {}
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code such as `not_found` or `district_unavailable`.
    #[schema(example = "district_unavailable")]
    pub error: &'static str,
    /// A sentence to show the person.
    pub message: String,
}

/// A service error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        let body = ErrorBody {
            error: self.0.code(),
            message: self.0.public_message(),
        };
        (status_of(&self.0), Json(body)).into_response()
    }
}

/// An API error that is not a service's: a malformed request, an unknown route, a method the
/// route does not serve.
pub fn api_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    let body = ErrorBody {
        error: code,
        message: message.into(),
    };
    (status, Json(body)).into_response()
}

/// A service error answered as a page.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log(&self.0);
        let status = status_of(&self.0);
        let page = match &self.0 {
            Error::DistrictUnavailable { district, message } => {
                pages::render(&pages::Unavailable { district, message })
            }
            other => pages::render(&pages::ErrorPage {
                title: match other {
                    Error::NotFound => "Page not found",
                    Error::Invalid(_) => "That request could not be understood",
                    _ => "The portal is unavailable",
                },
                message: &other.public_message(),
            }),
        };
        (status, Html(page)).into_response()
    }
}
