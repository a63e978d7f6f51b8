//! One module per capability. Web pages, the JSON API and the command line are thin adapters
//! over these calls; nothing here knows about HTTP.

pub mod absences;
pub mod access;
pub mod activation;
pub mod admin;
pub mod auth;
pub mod cache;
pub mod captcha;
pub mod conversations;
pub mod demo;
pub mod districts;
pub mod generator;
pub mod import;
pub mod links;
pub mod mail;
pub mod notifications;
pub mod passkeys;
pub mod passwords;
pub mod push;
pub mod records;
pub mod recovery;
pub mod rostering;
mod sealing;
pub mod second_factor;
pub mod security;
pub mod snapshots;
pub mod sso;
pub mod teachers;
pub mod tools;
pub mod worker;

use crate::domain::{AccountKind, Invalid, WeakPassword};
use crate::secrets::RandomError;
use crate::store::StoreError;

/// What can go wrong in a service call, in terms a family, a staff member or an operator can
/// act on. Each variant has a stable code (the API's `error` field).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("not found")]
    NotFound,
    /// Known and understood, but not this actor's to do; the sentence says whose it is.
    #[error("{0}")]
    Forbidden(String),
    /// What stands in the way, in words (with the message id that says it in any language,
    /// where families or staff meet it).
    #[error("{0}")]
    Conflict(Invalid),
    /// A limit on how many of something an account may hold is reached; the sentence says
    /// which, and what to do.
    #[error("{0}")]
    TooMany(Invalid),
    /// The district is in maintenance; `message` is the district's own words.
    #[error("{district} is unavailable: {message}")]
    DistrictUnavailable { district: String, message: String },
    /// Wrong username or password, or a disabled account: one answer for all three.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("a CAPTCHA is required")]
    CaptchaRequired(Box<captcha::Challenge>),
    #[error("the CAPTCHA answer was wrong")]
    CaptchaInvalid(Box<captcha::Challenge>),
    /// Too many failures for this username; try again at `until` (Unix seconds), shown in the
    /// district's time zone.
    #[error("locked until {until}")]
    Locked {
        until: i64,
        retry_after: u64,
        timezone: String,
    },
    /// The account belongs on another portal.
    #[error("this account belongs on the {} portal", .0.as_str())]
    WrongPortal(AccountKind),
    #[error("{0}")]
    WeakPassword(#[from] WeakPassword),
    #[error("that username is taken")]
    UsernameTaken,
    /// An activation key that does not exist, was used, or was replaced: one answer for all.
    #[error("invalid activation key")]
    InvalidKey,
    #[error("expired activation key")]
    ExpiredKey,
    /// No session, or one that ended.
    #[error("not logged in")]
    Unauthorized,
    /// A Linked Districts code that does not exist, was used or expired: one answer for all.
    #[error("invalid code")]
    InvalidCode,
    /// Linked Districts is not offered here (the state, or the district's setting).
    #[error("linking is not available")]
    LinkingUnavailable,
    /// A feature the district has not turned on (Forgot your password?, Forgot your username?).
    #[error("this feature is off in this district")]
    FeatureDisabled,
    /// A reset link that does not exist, was used, or expired: one answer for all.
    #[error("invalid reset link")]
    InvalidResetLink,
    /// A portal tool the district turned off; `reason` is the district's own words.
    #[error("this tool is off: {reason}")]
    ToolDisabled { reason: String },
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    /// The account has a second factor and the login gave none (whether or not the password
    /// was right: that is told only once a second factor comes with it).
    #[error("a second factor is required")]
    SecondFactorRequired,
    /// A wrong, used or malformed code or recovery code.
    #[error("the second factor was not correct")]
    InvalidSecondFactor,
    /// Staff whose district requires a second factor may only enroll one until they have.
    #[error("a second factor must be set up first")]
    SecondFactorEnrollmentRequired,
    /// A staff account opened the district's hourly allowance of students' records.
    #[error("the hourly allowance of {limit} records is used")]
    ReadLimit { limit: u32, retry_after: u64 },
    /// Too many requests of one kind from one address; try again in `retry_after` seconds.
    #[error("too many requests")]
    RateLimited { retry_after: u64 },
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "bad_request",
            Self::NotFound => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict(_) => "conflict",
            Self::TooMany(_) => "too_many",
            Self::DistrictUnavailable { .. } => "district_unavailable",
            Self::InvalidCredentials => "invalid_credentials",
            Self::CaptchaRequired(_) => "captcha_required",
            Self::CaptchaInvalid(_) => "captcha_invalid",
            Self::Locked { .. } => "locked",
            Self::WrongPortal(_) => "wrong_portal",
            Self::WeakPassword(_) => "weak_password",
            Self::UsernameTaken => "username_taken",
            Self::InvalidKey => "invalid_key",
            Self::ExpiredKey => "expired_key",
            Self::Unauthorized => "unauthorized",
            Self::PasswordChangeRequired => "password_change_required",
            Self::SecondFactorRequired => "second_factor_required",
            Self::InvalidSecondFactor => "invalid_second_factor",
            Self::SecondFactorEnrollmentRequired => "second_factor_enrollment_required",
            Self::ReadLimit { .. } => "read_limit",
            Self::ToolDisabled { .. } => "tool_disabled",
            Self::FeatureDisabled => "feature_disabled",
            Self::InvalidCode => "invalid_code",
            Self::LinkingUnavailable => "linking_unavailable",
            Self::InvalidResetLink => "invalid_token",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The sentence shown to the person; never holds internal detail.
    pub fn public_message(&self) -> String {
        match self {
            Self::Invalid(invalid) => invalid.to_string(),
            Self::NotFound => "Nothing was found at this address.".to_owned(),
            Self::Conflict(what) | Self::TooMany(what) => what.to_string(),
            Self::Forbidden(why) => why.clone(),
            Self::DistrictUnavailable { message, .. } => message.clone(),
            Self::InvalidCredentials => {
                "The username or password is not correct. Check them and try again.".to_owned()
            }
            Self::CaptchaRequired(_) => {
                "Type the letters in the picture to show that you are a person.".to_owned()
            }
            Self::SecondFactorRequired => {
                "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
                    .to_owned()
            }
            Self::InvalidSecondFactor => {
                "That code is not correct, or was used already. Enter the code your authenticator app shows now."
                    .to_owned()
            }
            Self::ReadLimit { limit, retry_after } => format!(
                "You have opened {limit} students' records in the last hour, this district's limit for staff. \
                 Your district's administrators have been told. You can open more in {} minutes.",
                retry_after.div_ceil(60)
            ),
            Self::SecondFactorEnrollmentRequired => {
                "Your district requires two-step verification for staff. Set up an authenticator app first."
                    .to_owned()
            }
            Self::CaptchaInvalid(_) => {
                "The letters did not match the picture. Try this new one.".to_owned()
            }
            Self::Locked {
                until, timezone, ..
            } => format!(
                "Too many tries. This account can log in again after {}.",
                jiff::Timestamp::from_second(*until)
                    .and_then(|t| t.in_tz(timezone))
                    .map(|t| t.strftime("%-I:%M %p (%Z)").to_string())
                    .unwrap_or_else(|_| "a few minutes".to_owned())
            ),
            Self::WrongPortal(kind) => format!(
                "This is a {} account. Log in on the {}.",
                match kind {
                    AccountKind::Parent => "parent",
                    AccountKind::Student => "student",
                    AccountKind::Staff => "staff",
                    AccountKind::Teacher => "teacher",
                },
                kind.portal_title()
            ),
            Self::WeakPassword(weak) => weak.to_string(),
            Self::UsernameTaken => "That username is taken. Choose another.".to_owned(),
            Self::InvalidKey => {
                "This activation key is not valid. Check it against your letter; each key works only once."
                    .to_owned()
            }
            Self::ExpiredKey => {
                "This activation key has expired. Contact your school district for a new one."
                    .to_owned()
            }
            Self::Unauthorized => "Please log in.".to_owned(),
            Self::PasswordChangeRequired => "Choose a new password before you continue.".to_owned(),
            Self::ToolDisabled { reason } => reason.clone(),
            Self::FeatureDisabled => "Nothing was found at this address.".to_owned(),
            Self::InvalidCode => {
                "This code is not valid. Codes work once, for 10 minutes: generate a new one."
                    .to_owned()
            }
            Self::LinkingUnavailable => {
                "Linked Districts is not available for this account.".to_owned()
            }
            Self::InvalidResetLink => {
                "This link is not valid: it was used already or has expired. Ask for a new one."
                    .to_owned()
            }
            Self::RateLimited { .. } => {
                "Too many requests from your network. Please wait a few minutes and try again."
                    .to_owned()
            }
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
            StoreError::InvalidInput(_) => Self::Invalid(Invalid::new(
                "The text holds characters that cannot be stored, such as control characters.",
            )),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<RandomError> for Error {
    fn from(err: RandomError) -> Self {
        Self::Internal(err.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
