//! Service errors become HTTP answers here, once: a status for each error code, a JSON body
//! for the API and a page for the browser.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{AccountKind, WeakPassword};
use crate::services::Error;
use crate::services::captcha::Challenge;
use crate::web::pages;

pub fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Invalid(_) | Error::WeakPassword(_) => StatusCode::BAD_REQUEST,
        Error::InvalidKey | Error::ExpiredKey => StatusCode::BAD_REQUEST,
        Error::NotFound | Error::FeatureDisabled => StatusCode::NOT_FOUND,
        Error::InvalidResetLink | Error::InvalidCode => StatusCode::BAD_REQUEST,
        Error::LinkingUnavailable => StatusCode::FORBIDDEN,
        Error::Conflict(_) | Error::TooMany(_) | Error::UsernameTaken => StatusCode::CONFLICT,
        Error::InvalidCredentials | Error::Unauthorized => StatusCode::UNAUTHORIZED,
        Error::SecondFactorRequired | Error::InvalidSecondFactor => StatusCode::UNAUTHORIZED,
        Error::CaptchaRequired(_) | Error::CaptchaInvalid(_) => StatusCode::UNAUTHORIZED,
        Error::WrongPortal(_)
        | Error::PasswordChangeRequired
        | Error::SecondFactorEnrollmentRequired
        | Error::Forbidden(_)
        | Error::ToolDisabled { .. } => StatusCode::FORBIDDEN,
        Error::Locked { .. } | Error::RateLimited { .. } | Error::ReadLimit { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        Error::DistrictUnavailable { .. } | Error::Unavailable(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log(err: &Error) {
    match err {
        Error::Unavailable(cause) if cause.disk_full() => {
            tracing::error!(
                %cause,
                "the database's disk is full: writes fail until space is freed"
            );
        }
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
    /// With `captcha_required` and `captcha_invalid`: a fresh challenge to answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captcha: Option<Challenge>,
    /// With `locked`: seconds until the next try is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// With `tool_disabled`: the district's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// With `wrong_portal`: the portal this account logs in on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "parent")]
    pub portal: Option<&'static str>,
    /// With `bad_request` and `conflict`, where one field is wrong: its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "from")]
    pub field: Option<&'static str>,
}

impl ErrorBody {
    fn of(err: &Error) -> Self {
        Self {
            error: err.code(),
            message: err.public_message(),
            captcha: match err {
                Error::CaptchaRequired(c) | Error::CaptchaInvalid(c) => Some((**c).clone()),
                _ => None,
            },
            retry_after: match err {
                Error::Locked { retry_after, .. }
                | Error::RateLimited { retry_after }
                | Error::ReadLimit { retry_after, .. } => Some(*retry_after),
                _ => None,
            },
            portal: match err {
                Error::WrongPortal(kind) => Some(kind.as_str()),
                _ => None,
            },
            reason: match err {
                Error::ToolDisabled { reason } => Some(reason.clone()),
                _ => None,
            },
            field: match err {
                Error::Invalid(said) | Error::Conflict(said) => said.field(),
                _ => None,
            },
        }
    }
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
        let mut response = (status_of(&self.0), Json(ErrorBody::of(&self.0))).into_response();
        if let Error::Locked { retry_after, .. }
        | Error::RateLimited { retry_after }
        | Error::ReadLimit { retry_after, .. } = self.0
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

/// An API error that is not a service's: a malformed request, an unknown route, a method the
/// route does not serve.
pub fn api_error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    let body = ErrorBody {
        error: code,
        message: message.into(),
        captcha: None,
        retry_after: None,
        portal: None,
        reason: None,
        field: None,
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

/// The sentence a page shows for an error, in the page's language: the portal's own words
/// translated, the words a district or a form gave (a reason, a maintenance message) as they
/// are. The API's sentence is `Error::public_message`, in English.
pub fn page_message(err: &Error) -> String {
    let id = match err {
        Error::NotFound | Error::FeatureDisabled => "page-error-nothing-here",
        Error::Unauthorized => "page-error-log-in",
        Error::PasswordChangeRequired => "page-error-change-password",
        Error::InvalidCode => "page-error-invalid-code",
        Error::LinkingUnavailable => "page-error-linking-off",
        Error::InvalidResetLink => "page-error-reset-link",
        Error::RateLimited { .. } => "page-error-rate-limited",
        Error::Unavailable(_) => "page-error-database",
        Error::Internal(_) => "page-error-internal",
        Error::InvalidCredentials => "access-error-invalid-credentials",
        Error::CaptchaRequired(_) => "access-error-captcha-required",
        Error::SecondFactorRequired => "access-error-second-factor-required",
        Error::InvalidSecondFactor => "access-error-invalid-second-factor",
        Error::SecondFactorEnrollmentRequired => "access-error-second-factor-enroll",
        Error::ReadLimit { limit, retry_after } => {
            return crate::i18n::ta(
                "console-read-limit",
                &[
                    ("limit", limit.to_string()),
                    ("minutes", retry_after.div_ceil(60).to_string()),
                ],
            );
        }
        Error::CaptchaInvalid(_) => "access-error-captcha-invalid",
        Error::UsernameTaken => "access-error-username-taken",
        Error::InvalidKey => "access-error-invalid-key",
        Error::ExpiredKey => "access-error-expired-key",
        Error::WrongPortal(kind) => match kind {
            AccountKind::Parent => "access-error-wrong-portal-parent",
            AccountKind::Student => "access-error-wrong-portal-student",
            AccountKind::Staff => "access-error-wrong-portal-staff",
            AccountKind::Teacher => "access-error-wrong-portal-teacher",
        },
        Error::Locked {
            until, timezone, ..
        } => return locked_until(*until, timezone),
        Error::WeakPassword(weak) => return weak_password(weak),
        Error::Invalid(said) | Error::Conflict(said) | Error::TooMany(said) => {
            return match said.words() {
                Some((id, args)) => crate::i18n::ta(id, args),
                None => said.to_string(),
            };
        }
        Error::ToolDisabled { reason } => return crate::services::tools::off_reason_words(reason),
        other => return other.public_message(),
    };
    crate::i18n::t(id)
}

/// "Too many tries. This account can log in again after 3:05 PM (EDT)."
fn locked_until(until: i64, timezone: &str) -> String {
    match jiff::Timestamp::from_second(until).and_then(|t| t.in_tz(timezone)) {
        Ok(at) => {
            let time = crate::i18n::when::time_of_day(crate::i18n::current(), &at);
            let zone = at.strftime("%Z").to_string();
            crate::i18n::t1("access-error-locked", "time", format!("{time} ({zone})"))
        }
        Err(_) => crate::i18n::t("access-error-locked-soon"),
    }
}

fn weak_password(weak: &WeakPassword) -> String {
    use crate::i18n::{t, t1};
    match weak {
        WeakPassword::TooShort { min } => t1("password-too-short", "min", *min as i64),
        WeakPassword::TooLong { max } => t1("password-too-long", "max", *max as i64),
        WeakPassword::Common => t("password-too-common"),
        WeakPassword::Username => t("password-is-username"),
        WeakPassword::DistrictName => t("password-is-district-name"),
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
                title: &crate::i18n::t(match other {
                    Error::NotFound | Error::FeatureDisabled => "page-error-not-found",
                    Error::InvalidResetLink => "page-error-bad-link",
                    Error::ToolDisabled { .. } => "page-error-tool-off",
                    Error::Invalid(_) => "page-error-invalid",
                    _ => "page-error-unavailable",
                }),
                message: &page_message(other),
            }),
        };
        (status, Html(page)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Invalid;
    use crate::i18n::{Lang, sync_scope};

    #[test]
    fn pages_say_errors_in_their_language_and_the_api_in_english() {
        let conflict = Error::Conflict(Invalid::worded(
            "These accounts are linked already.",
            "conflict-linked-already",
            vec![],
        ));
        assert_eq!(
            sync_scope(Lang::Es, || page_message(&conflict)),
            "Estas cuentas ya están vinculadas."
        );
        assert_eq!(
            sync_scope(Lang::En, || page_message(&conflict)),
            conflict.public_message()
        );
        let kind = Error::Conflict(Invalid::worded(
            "A student account can be linked only with another student account.",
            "conflict-other-kind",
            vec![("kind", "student".to_owned())],
        ));
        assert_eq!(
            sync_scope(Lang::En, || page_message(&kind)),
            kind.public_message()
        );
        assert!(sync_scope(Lang::Es, || page_message(&kind)).contains("de estudiante"));
        // Words a district or a command gave are kept as they are.
        let plain = Error::Invalid(Invalid::new(
            "a district with the slug \"x\" already exists",
        ));
        assert_eq!(
            sync_scope(Lang::Es, || page_message(&plain)),
            plain.public_message()
        );
    }
}
