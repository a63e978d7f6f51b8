//! One module per capability. Web pages, the JSON API and the command line are thin adapters
//! over these calls; nothing here knows about HTTP.

pub mod demo;
pub mod districts;

use crate::domain::Invalid;
use crate::store::StoreError;

/// What can go wrong in a service call, in terms a family, a staff member or an operator can
/// act on. Each variant has a stable code (the API's `error` field).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The district is in maintenance; `message` is the district's own words.
    #[error("{district} is unavailable: {message}")]
    DistrictUnavailable { district: String, message: String },
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(#[source] StoreError),
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "bad_request",
            Self::NotFound => "not_found",
            Self::Conflict(_) => "conflict",
            Self::DistrictUnavailable { .. } => "district_unavailable",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The sentence shown to the person; never holds internal detail.
    pub fn public_message(&self) -> String {
        match self {
            Self::Invalid(invalid) => invalid.0.clone(),
            Self::NotFound => "Nothing was found at this address.".to_owned(),
            Self::Conflict(what) => what.clone(),
            Self::DistrictUnavailable { message, .. } => message.clone(),
            Self::Unavailable(_) => {
                "The portal is temporarily unavailable. Please try again in a few minutes."
                    .to_owned()
            }
            Self::Internal(_) => {
                "Something went wrong on our side. Please try again later.".to_owned()
            }
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(_) => Self::Unavailable(err),
            other => Self::Internal(other),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
