//! Types and rules with no I/O. A value of one of these types has already been checked:
//! code that holds a `DistrictSlug` never asks again whether it is a valid slug.

mod absence;
mod account;
mod address;
mod conversation;
mod district;
mod grading;
mod jobs;
mod key;
mod language;
mod notify;
mod passkey;
mod password;
mod people;
mod rostering;
mod second_factor;
mod session;
mod slug;
mod sso;
mod state;
mod text;
mod throttle;
mod tools;
mod user_agent;

pub use absence::{
    ABSENCE_TEXT_CHARS, AbsenceAsk, AbsenceDecision, AbsencePart, AbsenceReason, AbsenceState,
    AbsenceWindow, ClockTime, DEFAULT_ABSENCE_CUTOFF, DEFAULT_ABSENCE_DAYS_AHEAD, MAX_ABSENCE_DAYS,
    MAX_ABSENCE_DAYS_AHEAD, PlannedDays, absence_text,
};
pub use account::{Account, AccountId, AccountKind, Username, fold_username};
pub use address::is_public;
pub use conversation::{
    FAMILY_MESSAGES_PER_HOUR, MESSAGE_CHARS, MessageBody, OfficeHours, RETRACT_SECONDS, Segment,
    TEACHER_MESSAGES_PER_HOUR, quiet_until, segments,
};
pub use district::{
    District, DistrictId, DistrictName, DistrictSettings, MaintenanceMessage, OfficeEmail,
    SETTING_KEYS, SettingChange, SyncInterval, TimeZoneName,
};
pub use grading::{Counted, Flags, GradingScale, Mark, SCORE_STATUSES, percentage, rounded};
pub use jobs::{AfterFailure, JobOutcome, LEASE_SECONDS, MAX_ATTEMPTS, after_failure};
pub use key::{ActivationKey, CROCKFORD, KEY_LENGTH, LINK_CODE_LENGTH, LinkCode};
pub use language::Lang;
pub use notify::{DIGEST_HOUR, Event, EventSet, GradeThreshold, MAX_PUSH_SUBSCRIPTIONS};
pub use passkey::{PASSKEY_NAME_CHARS, PasskeyName};
pub use password::{MAX_PASSWORD_CHARS, PasswordPolicy, WeakPassword};
pub use people::{PersonRole, Relation, SourcedId};
pub use rostering::{Collection, SIS_SCOPES, SisUrl};
pub use second_factor::{
    RECOVERY_CODE_LENGTH, RECOVERY_CODES, RecoveryCode, SecondFactorProof, StaffSecondFactor,
    TOTP_SECRET_BYTES, TotpCode, TotpSecret,
};
pub use session::SessionSecret;
pub use slug::DistrictSlug;
pub use sso::{Issuer, SsoClaim, SsoMatch, sso_portal};
pub use state::StateCode;
pub use text::{fold_for_search, free_text, person_search_name, refuse_control, search_text};
pub use throttle::{Assessment, Failures, ThrottleRules, WINDOW_SECONDS};
pub use tools::{
    DEFAULT_OFF_REASON, PARENTS_ONLY_REASON, Portal, Tool, ToolReason, ToolRules, ToolSetting,
    ToolState, ToolWindow, parse_date,
};
pub use user_agent::{BrowserOn, browser_on};

/// A record's id as an address carries it: a positive number, or nothing (which the adapters
/// answer exactly like a record that does not exist).
pub fn record_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

/// A value that does not parse. The message is one line, written for the person who typed it;
/// where it has one, the id of the message that says it in a page's language (locales/*.ftl)
/// with its values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    message: String,
    words: Option<(&'static str, Vec<(&'static str, String)>)>,
    /// The field of a form or a JSON body that is wrong, where one is.
    field: Option<&'static str>,
}

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            words: None,
            field: None,
        }
    }

    /// With the message id (and its values) that says it in any language.
    pub fn worded(
        message: impl Into<String>,
        id: &'static str,
        args: Vec<(&'static str, String)>,
    ) -> Self {
        Self {
            message: message.into(),
            words: Some((id, args)),
            field: None,
        }
    }

    /// The same, naming the field that is wrong.
    pub fn on(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn field(&self) -> Option<&'static str> {
        self.field
    }

    pub fn words(&self) -> Option<(&'static str, &[(&'static str, String)])> {
        self.words.as_ref().map(|(id, args)| (*id, args.as_slice()))
    }
}
