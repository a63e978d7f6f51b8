//! A school district and the settings its staff control.

use std::fmt;

use super::text::clean_line;
use super::{DistrictSlug, EventSet, GradingScale, Invalid, StateCode};

/// The database key of a district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DistrictId(pub i64);

#[derive(Debug, Clone)]
pub struct District {
    pub id: DistrictId,
    pub slug: DistrictSlug,
    pub name: DistrictName,
    pub state: StateCode,
    pub settings: DistrictSettings,
    /// Counts the changes to the settings, tool switches and imported records; what is cached
    /// of the district is keyed by it.
    pub revision: i64,
}

impl District {
    /// The message families see while the district is in maintenance, if it is.
    pub fn maintenance(&self) -> Option<&MaintenanceMessage> {
        self.settings.maintenance.as_ref()
    }
}

/// The name families know the district by, one line of at most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictName(String);

impl DistrictName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        clean_line("district name", raw, 120).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DistrictName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone name that this build knows, such as `America/New_York`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim();
        match jiff::tz::TimeZone::get(name) {
            Ok(_) if !name.is_empty() => Ok(Self(name.to_owned())),
            _ => Err(Invalid::new(format!(
                "unknown time zone {raw:?}: give an IANA name such as America/New_York"
            ))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What families read while their district is in maintenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceMessage(String);

impl MaintenanceMessage {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        clean_line("maintenance message", raw, 500).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every setting a district has, with the defaults a new district starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictSettings {
    pub forgot_password: bool,
    pub forgot_username: bool,
    pub notifications: bool,
    pub linking: bool,
    pub captcha_after_failures: u32,
    pub captcha_after_address_failures: u32,
    pub password_min_length: u32,
    pub key_lifetime_days: u32,
    pub session_idle_minutes: u32,
    /// Whether staff must have a second factor.
    pub staff_second_factor: super::StaffSecondFactor,
    /// Students' records one staff account may open in a sliding hour.
    pub staff_reads_per_hour: u32,
    pub timezone: TimeZoneName,
    pub maintenance: Option<MaintenanceMessage>,
    pub grading_scale: GradingScale,
    /// The kinds of notification the district sends (when `notifications` is on).
    pub notification_events: EventSet,
    /// The latest time, in the district's zone, a same-day absence request is accepted.
    pub absence_cutoff: super::ClockTime,
    /// How many days ahead an absence request may reach.
    pub absence_days_ahead: u32,
    /// Where the attendance office's digest of new absence requests goes (`None`: no mail).
    pub absence_office_email: Option<OfficeEmail>,
    /// Whether students may write to their own teachers (families always may).
    pub student_messaging: bool,
    /// Whether teachers may mark a message urgent, to be pushed even in quiet hours.
    pub urgent_messages: bool,
    /// How often the worker syncs the district from its SIS's OneRoster API.
    pub sync_interval: SyncInterval,
}

impl DistrictSettings {
    /// A new district's settings; its time zone starts as its state's principal one.
    pub fn defaults_for(state: StateCode) -> Self {
        Self {
            forgot_password: false,
            forgot_username: false,
            notifications: true,
            linking: true,
            captcha_after_failures: 3,
            captcha_after_address_failures: 20,
            password_min_length: 8,
            key_lifetime_days: 90,
            session_idle_minutes: 30,
            staff_second_factor: super::StaffSecondFactor::Required,
            staff_reads_per_hour: 300,
            timezone: TimeZoneName(state.principal_time_zone().to_owned()),
            maintenance: None,
            grading_scale: GradingScale::default(),
            notification_events: EventSet::all(),
            absence_cutoff: default_cutoff(),
            absence_days_ahead: super::DEFAULT_ABSENCE_DAYS_AHEAD,
            absence_office_email: None,
            student_messaging: false,
            urgent_messages: false,
            sync_interval: SyncInterval::OFF,
        }
    }

    /// When this district asks for a CAPTCHA.
    pub fn throttle_rules(&self) -> super::ThrottleRules {
        super::ThrottleRules {
            captcha_after_failures: self.captcha_after_failures,
            captcha_after_address_failures: self.captcha_after_address_failures,
        }
    }

    pub fn apply(&mut self, change: &SettingChange) {
        match change {
            SettingChange::ForgotPassword(on) => self.forgot_password = *on,
            SettingChange::ForgotUsername(on) => self.forgot_username = *on,
            SettingChange::Notifications(on) => self.notifications = *on,
            SettingChange::Linking(on) => self.linking = *on,
            SettingChange::CaptchaAfterFailures(n) => self.captcha_after_failures = *n,
            SettingChange::CaptchaAfterAddressFailures(n) => {
                self.captcha_after_address_failures = *n
            }
            SettingChange::PasswordMinLength(n) => self.password_min_length = *n,
            SettingChange::KeyLifetimeDays(n) => self.key_lifetime_days = *n,
            SettingChange::SessionIdleMinutes(n) => self.session_idle_minutes = *n,
            SettingChange::StaffSecondFactor(rule) => self.staff_second_factor = *rule,
            SettingChange::StaffReadsPerHour(n) => self.staff_reads_per_hour = *n,
            SettingChange::Timezone(tz) => self.timezone = tz.clone(),
            SettingChange::Maintenance(message) => self.maintenance = message.clone(),
            SettingChange::GradingScale(scale) => self.grading_scale = scale.clone(),
            SettingChange::NotificationEvents(set) => self.notification_events = *set,
            SettingChange::AbsenceCutoff(time) => self.absence_cutoff = *time,
            SettingChange::AbsenceDaysAhead(n) => self.absence_days_ahead = *n,
            SettingChange::AbsenceOfficeEmail(to) => self.absence_office_email = to.clone(),
            SettingChange::StudentMessaging(on) => self.student_messaging = *on,
            SettingChange::UrgentMessages(on) => self.urgent_messages = *on,
            SettingChange::SyncInterval(every) => self.sync_interval = *every,
        }
    }
}

/// One setting given a new value, as `homeroom district set S KEY VALUE` and the staff console
/// express it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingChange {
    ForgotPassword(bool),
    ForgotUsername(bool),
    Notifications(bool),
    Linking(bool),
    CaptchaAfterFailures(u32),
    CaptchaAfterAddressFailures(u32),
    PasswordMinLength(u32),
    KeyLifetimeDays(u32),
    SessionIdleMinutes(u32),
    StaffSecondFactor(super::StaffSecondFactor),
    StaffReadsPerHour(u32),
    Timezone(TimeZoneName),
    /// `None` ends maintenance.
    Maintenance(Option<MaintenanceMessage>),
    GradingScale(GradingScale),
    NotificationEvents(EventSet),
    AbsenceCutoff(super::ClockTime),
    AbsenceDaysAhead(u32),
    /// `None`: no digest.
    AbsenceOfficeEmail(Option<OfficeEmail>),
    StudentMessaging(bool),
    UrgentMessages(bool),
    SyncInterval(SyncInterval),
}

/// The setting keys, in the order `district set` lists them.
pub const SETTING_KEYS: &[&str] = &[
    "forgot_password",
    "forgot_username",
    "notifications",
    "linking",
    "captcha_after_failures",
    "captcha_after_address_failures",
    "password_min_length",
    "key_lifetime_days",
    "session_idle_minutes",
    "staff_second_factor",
    "staff_reads_per_hour",
    "timezone",
    "maintenance",
    "grading_scale",
    "notification_events",
    "absence_cutoff",
    "absence_days_ahead",
    "absence_office_email",
    "student_messaging",
    "urgent_messages",
    "sync_interval",
];

impl SettingChange {
    pub fn parse(key: &str, value: &str) -> Result<Self, Invalid> {
        let change = match key {
            "forgot_password" => Self::ForgotPassword(on_off(key, value)?),
            "forgot_username" => Self::ForgotUsername(on_off(key, value)?),
            "notifications" => Self::Notifications(on_off(key, value)?),
            "linking" => Self::Linking(on_off(key, value)?),
            "captcha_after_failures" => Self::CaptchaAfterFailures(number(key, value, 1, 100)?),
            "captcha_after_address_failures" => {
                Self::CaptchaAfterAddressFailures(number(key, value, 1, 100_000)?)
            }
            // NIST SP 800-63B: never below 8; and a policy must accept 64-character passwords.
            "password_min_length" => Self::PasswordMinLength(number(key, value, 8, 64)?),
            "key_lifetime_days" => Self::KeyLifetimeDays(number(key, value, 1, 730)?),
            "session_idle_minutes" => Self::SessionIdleMinutes(number(key, value, 5, 720)?),
            "staff_second_factor" => {
                Self::StaffSecondFactor(super::StaffSecondFactor::parse(value)?)
            }
            "staff_reads_per_hour" => Self::StaffReadsPerHour(number(key, value, 10, 100_000)?),
            "timezone" => Self::Timezone(TimeZoneName::parse(value)?),
            "maintenance" => Self::Maintenance(match value.trim() {
                "off" => None,
                message => Some(MaintenanceMessage::parse(message)?),
            }),
            "grading_scale" => Self::GradingScale(GradingScale::parse(value)?),
            "notification_events" => Self::NotificationEvents(EventSet::parse(value)?),
            "absence_cutoff" => {
                Self::AbsenceCutoff(super::ClockTime::parse("absence_cutoff", value)?)
            }
            "absence_days_ahead" => {
                Self::AbsenceDaysAhead(number(key, value, 0, super::MAX_ABSENCE_DAYS_AHEAD)?)
            }
            "absence_office_email" => Self::AbsenceOfficeEmail(match value.trim() {
                "off" => None,
                address => Some(OfficeEmail::parse(address)?),
            }),
            "student_messaging" => Self::StudentMessaging(on_off(key, value)?),
            "urgent_messages" => Self::UrgentMessages(on_off(key, value)?),
            "sync_interval" => Self::SyncInterval(SyncInterval::parse(value)?),
            _ => {
                return Err(Invalid::new(format!(
                    "unknown setting {key:?}: the settings are {}",
                    SETTING_KEYS.join(", ")
                )));
            }
        };
        Ok(change)
    }

    pub fn key(&self) -> &'static str {
        match self {
            Self::ForgotPassword(_) => "forgot_password",
            Self::ForgotUsername(_) => "forgot_username",
            Self::Notifications(_) => "notifications",
            Self::Linking(_) => "linking",
            Self::CaptchaAfterFailures(_) => "captcha_after_failures",
            Self::CaptchaAfterAddressFailures(_) => "captcha_after_address_failures",
            Self::PasswordMinLength(_) => "password_min_length",
            Self::KeyLifetimeDays(_) => "key_lifetime_days",
            Self::SessionIdleMinutes(_) => "session_idle_minutes",
            Self::StaffSecondFactor(_) => "staff_second_factor",
            Self::StaffReadsPerHour(_) => "staff_reads_per_hour",
            Self::Timezone(_) => "timezone",
            Self::Maintenance(_) => "maintenance",
            Self::GradingScale(_) => "grading_scale",
            Self::NotificationEvents(_) => "notification_events",
            Self::AbsenceCutoff(_) => "absence_cutoff",
            Self::AbsenceDaysAhead(_) => "absence_days_ahead",
            Self::AbsenceOfficeEmail(_) => "absence_office_email",
            Self::StudentMessaging(_) => "student_messaging",
            Self::UrgentMessages(_) => "urgent_messages",
            Self::SyncInterval(_) => "sync_interval",
        }
    }

    /// The new value as `district set` takes it, for the audit log and messages.
    pub fn value_text(&self) -> String {
        let on_off = |on: &bool| if *on { "on" } else { "off" }.to_owned();
        match self {
            Self::ForgotPassword(on)
            | Self::ForgotUsername(on)
            | Self::Notifications(on)
            | Self::Linking(on)
            | Self::StudentMessaging(on)
            | Self::UrgentMessages(on) => on_off(on),
            Self::CaptchaAfterFailures(n)
            | Self::CaptchaAfterAddressFailures(n)
            | Self::PasswordMinLength(n)
            | Self::KeyLifetimeDays(n)
            | Self::SessionIdleMinutes(n)
            | Self::StaffReadsPerHour(n)
            | Self::AbsenceDaysAhead(n) => n.to_string(),
            Self::AbsenceCutoff(time) => time.to_string(),
            Self::AbsenceOfficeEmail(None) => "off".to_owned(),
            Self::AbsenceOfficeEmail(Some(to)) => to.as_str().to_owned(),
            Self::StaffSecondFactor(rule) => rule.as_str().to_owned(),
            Self::Timezone(tz) => tz.as_str().to_owned(),
            Self::Maintenance(None) => "off".to_owned(),
            Self::Maintenance(Some(message)) => message.as_str().to_owned(),
            Self::GradingScale(scale) => scale.to_string(),
            Self::NotificationEvents(set) => set.to_string(),
            Self::SyncInterval(every) => every.to_string(),
        }
    }
}

fn default_cutoff() -> super::ClockTime {
    super::ClockTime::parse("absence_cutoff", super::DEFAULT_ABSENCE_CUTOFF)
        .expect("the default cut-off is a time")
}

/// An email address the district gives for its attendance office: one address, checked as
/// mail would take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeEmail(String);

impl OfficeEmail {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        if text.len() > 254 || text.parse::<lettre::Address>().is_err() {
            return Err(Invalid::new(format!(
                "absence_office_email is an email address or off, not {raw:?}"
            )));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How often the worker syncs a district from its SIS: off, or every so many minutes, hours
/// or days (`15m`, `1h`, `1d`), from 5 minutes to 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncInterval(u32);

impl SyncInterval {
    pub const OFF: Self = Self(0);
    const MIN: u32 = 5 * 60;
    const MAX: u32 = 7 * 24 * 3600;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim().to_ascii_lowercase();
        if text == "off" {
            return Ok(Self::OFF);
        }
        let refused = || {
            Invalid::new(format!(
                "sync_interval is off or a time from 5m to 7d (like 15m, 1h, 1d), not {raw:?}"
            ))
        };
        let unit = match text.chars().last() {
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 24 * 3600,
            _ => return Err(refused()),
        };
        let count: u32 = text[..text.len() - 1].parse().map_err(|_| refused())?;
        match count.checked_mul(unit) {
            Some(seconds) if (Self::MIN..=Self::MAX).contains(&seconds) => Ok(Self(seconds)),
            _ => Err(refused()),
        }
    }

    /// As the database keeps it.
    pub fn from_seconds(seconds: i64) -> Self {
        Self(u32::try_from(seconds).unwrap_or(0))
    }

    /// `None` when off.
    pub fn seconds(self) -> Option<i64> {
        (self.0 > 0).then_some(i64::from(self.0))
    }
}

impl std::fmt::Display for SyncInterval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            0 => f.write_str("off"),
            s if s % (24 * 3600) == 0 => write!(f, "{}d", s / (24 * 3600)),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s => write!(f, "{}m", s / 60),
        }
    }
}

fn on_off(key: &str, value: &str) -> Result<bool, Invalid> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(Invalid::new(format!("{key} is on or off, not {value:?}"))),
    }
}

fn number(key: &str, value: &str, min: u32, max: u32) -> Result<u32, Invalid> {
    match value.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Invalid::new(format!(
            "{key} is a whole number from {min} to {max}, not {value:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_interval_is_off_or_from_five_minutes_to_a_week() {
        for (text, shown) in [
            ("off", "off"),
            ("15m", "15m"),
            ("90m", "90m"),
            ("60m", "1h"),
            ("1H", "1h"),
            ("7d", "7d"),
            (" 2h ", "2h"),
        ] {
            assert_eq!(
                SyncInterval::parse(text).unwrap().to_string(),
                shown,
                "{text}"
            );
        }
        assert_eq!(SyncInterval::parse("1h").unwrap().seconds(), Some(3600));
        assert_eq!(SyncInterval::OFF.seconds(), None);
        for bad in [
            "4m",
            "8d",
            "1",
            "h",
            "-1h",
            "1.5h",
            "1w",
            "",
            "99999999999h",
        ] {
            assert!(SyncInterval::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = DistrictSettings::defaults_for(StateCode::parse("NC").unwrap());
        assert!(!s.forgot_password && !s.forgot_username);
        assert!(s.notifications && s.linking);
        assert_eq!(s.captcha_after_failures, 3);
        assert_eq!(s.captcha_after_address_failures, 20);
        assert_eq!(s.password_min_length, 8);
        assert_eq!(s.key_lifetime_days, 90);
        assert_eq!(s.session_idle_minutes, 30);
        assert_eq!(s.timezone.as_str(), "America/New_York");
        assert_eq!(s.maintenance, None);
    }

    #[test]
    fn every_listed_key_parses_and_names_itself() {
        let samples = [
            "on",
            "off",
            "on",
            "off",
            "5",
            "40",
            "12",
            "30",
            "45",
            "optional",
            "250",
            "America/Denver",
            "Back at 6 pm",
            "A:93,B:85,C:75,F:0",
            "score,message",
            "08:00",
            "10",
            "office@example.org",
            "on",
            "off",
            "1h",
        ];
        for (key, value) in SETTING_KEYS.iter().zip(samples) {
            let change = SettingChange::parse(key, value).unwrap();
            assert_eq!(change.key(), *key);
            assert_eq!(change.value_text(), value);
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let cases = [
            ("forgot_password", "yes", "on or off"),
            ("captcha_after_failures", "0", "from 1 to 100"),
            ("password_min_length", "7", "from 8 to 64"),
            ("password_min_length", "65", "from 8 to 64"),
            ("key_lifetime_days", "-3", "whole number"),
            ("timezone", "Mars/Olympus", "unknown time zone"),
            ("timezone", "", "unknown time zone"),
            ("maintenance", "  ", "must not be empty"),
            ("colour", "blue", "unknown setting"),
        ];
        for (key, value, expected) in cases {
            let err = SettingChange::parse(key, value).unwrap_err();
            assert!(err.to_string().contains(expected), "{key}={value:?}: {err}");
        }
    }

    #[test]
    fn maintenance_off_clears_and_apply_changes_one_setting() {
        let nc = StateCode::parse("NC").unwrap();
        let mut s = DistrictSettings::defaults_for(nc);
        s.apply(&SettingChange::parse("maintenance", "Closed for upgrades").unwrap());
        assert_eq!(
            s.maintenance.as_ref().unwrap().as_str(),
            "Closed for upgrades"
        );
        s.apply(&SettingChange::parse("maintenance", "off").unwrap());
        assert_eq!(s, DistrictSettings::defaults_for(nc));
    }
}
