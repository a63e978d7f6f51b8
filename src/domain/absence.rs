//! Absence requests: what a parent may ask for (which school days, whole or part of the day,
//! why) and the rules that decide whether it can be asked now. No I/O: the service brings the
//! district's calendar and clock.

use std::collections::BTreeMap;
use std::fmt;

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};

use super::Invalid;

/// The most school days one request may cover.
pub const MAX_ABSENCE_DAYS: usize = 10;
/// The most characters of a parent's comment or the office's note.
pub const ABSENCE_TEXT_CHARS: usize = 500;
/// A same-day request is accepted until this time when the district has not set its own.
pub const DEFAULT_ABSENCE_CUTOFF: &str = "09:30";
/// How many days ahead a request may reach when the district has not said.
pub const DEFAULT_ABSENCE_DAYS_AHEAD: u32 = 30;
/// The most days ahead a district may allow.
pub const MAX_ABSENCE_DAYS_AHEAD: u32 = 180;

macro_rules! named_values {
    ($(#[$doc:meta])* $name:ident, $what:literal, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                let text = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| {
                        let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        Invalid::worded(
                            format!("{} is {}, not {raw:?}", $what, all.join(", ")),
                            concat!("absence-invalid-", $field),
                            vec![],
                        )
                        .on($field)
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_values!(
    /// Which part of the day the child misses.
    AbsencePart, "part", "part" {
        WholeDay => "whole_day",
        ArriveLate => "arrive_late",
        LeaveEarly => "leave_early",
    }
);

named_values!(
    /// Why, in the words a school's attendance code needs.
    AbsenceReason, "reason", "reason" {
        Illness => "illness",
        Appointment => "appointment",
        Family => "family",
        Religious => "religious",
        Other => "other",
    }
);

named_values!(
    /// Where a request stands: `submitted` until the office decides or the parent withdraws it.
    AbsenceState, "state", "state" {
        Submitted => "submitted",
        Approved => "approved",
        Declined => "declined",
        Withdrawn => "withdrawn",
    }
);

named_values!(
    /// What the office decides.
    AbsenceDecision, "decision", "decision" {
        Approved => "approved",
        Declined => "declined",
    }
);

impl AbsenceDecision {
    pub fn state(self) -> AbsenceState {
        match self {
            AbsenceDecision::Approved => AbsenceState::Approved,
            AbsenceDecision::Declined => AbsenceState::Declined,
        }
    }
}

impl AbsenceState {
    /// Whether the request still holds its days (a second request for them is a duplicate).
    pub fn is_open(self) -> bool {
        matches!(self, AbsenceState::Submitted | AbsenceState::Approved)
    }
}

/// A time of day written `HH:MM` (24-hour), in the district's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(Time);

impl ClockTime {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        let bad = || {
            Invalid::worded(
                format!("{field} is a time written HH:MM (24-hour), not {raw:?}"),
                "absence-invalid-time",
                vec![],
            )
            .on(field)
        };
        let (h, m) = text.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        Time::new(h, m, 0, 0).map(Self).map_err(|_| bad())
    }

    pub fn time(self) -> Time {
        self.0
    }

    pub fn of(time: Time) -> Self {
        Self(Time::new(time.hour(), time.minute(), 0, 0).unwrap_or(time))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

/// Free text of a request or a decision: trimmed, line breaks allowed, at most 500
/// characters; blank is none.
pub fn absence_text(field: &'static str, raw: Option<&str>) -> Result<Option<String>, Invalid> {
    super::free_text(field, raw, ABSENCE_TEXT_CHARS)
}

/// When a request may be made: the district's rules and the district's date and time now.
#[derive(Debug, Clone, Copy)]
pub struct AbsenceWindow {
    pub today: Date,
    pub now: ClockTime,
    pub cutoff: ClockTime,
    pub days_ahead: u32,
}

impl AbsenceWindow {
    /// The first day a request may cover: today until the cut-off, tomorrow after it.
    pub fn first_day(&self) -> Date {
        if self.now < self.cutoff {
            self.today
        } else {
            self.today.tomorrow().unwrap_or(self.today)
        }
    }

    /// The last day a request may cover.
    pub fn last_day(&self) -> Date {
        self.today
            .checked_add(i64::from(self.days_ahead).days())
            .unwrap_or(self.today)
    }
}

/// What a parent asks for, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceAsk {
    pub from: Date,
    pub to: Date,
    pub part: AbsencePart,
    pub time: Option<ClockTime>,
    pub reason: AbsenceReason,
    pub comment: Option<String>,
}

/// The school days a request covers, and the days off within it (shown, not requested).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDays {
    pub days: Vec<Date>,
    pub skipped: Vec<(Date, String)>,
}

fn field_error(
    field: &'static str,
    message: &str,
    id: &'static str,
    args: Vec<(&'static str, String)>,
) -> Invalid {
    Invalid::worded(message.to_owned(), id, args).on(field)
}

impl AbsenceAsk {
    /// The school days this request covers, checked against the window: no past day, none
    /// beyond the window, none today after the cut-off, at most ten school days, at least one.
    /// `no_school` holds the days off (with why) between `from` and `to`; weekends are never
    /// school days.
    pub fn plan(
        &self,
        window: &AbsenceWindow,
        no_school: &BTreeMap<Date, String>,
    ) -> Result<PlannedDays, Invalid> {
        if self.to < self.from {
            return Err(field_error(
                "to",
                "the last day is before the first",
                "absence-error-order",
                vec![],
            ));
        }
        if self.from < window.today {
            return Err(field_error(
                "from",
                "that day has passed",
                "absence-error-past",
                vec![],
            ));
        }
        if self.from < window.first_day() {
            return Err(field_error(
                "from",
                &format!(
                    "requests for today close at {}; call the school's attendance line",
                    window.cutoff
                ),
                "absence-error-cutoff",
                vec![("time", window.cutoff.to_string())],
            ));
        }
        if self.to > window.last_day() {
            return Err(field_error(
                "to",
                &format!(
                    "requests reach at most {} days ahead, to {}",
                    window.days_ahead,
                    window.last_day()
                ),
                "absence-error-ahead",
                vec![
                    ("days", window.days_ahead.to_string()),
                    ("date", window.last_day().to_string()),
                ],
            ));
        }
        match (self.part, self.time) {
            (AbsencePart::WholeDay, Some(_)) => {
                return Err(field_error(
                    "time",
                    "a whole day takes no time; give one only for arriving late or leaving early",
                    "absence-error-time-whole-day",
                    vec![],
                ));
            }
            (AbsencePart::ArriveLate | AbsencePart::LeaveEarly, None) => {
                return Err(field_error(
                    "time",
                    "say at what time the child arrives or leaves",
                    "absence-error-time-needed",
                    vec![],
                ));
            }
            (AbsencePart::ArriveLate | AbsencePart::LeaveEarly, Some(_))
                if self.from != self.to =>
            {
                return Err(field_error(
                    "to",
                    "arriving late or leaving early is asked for one day at a time",
                    "absence-error-part-one-day",
                    vec![],
                ));
            }
            _ => {}
        }
        let mut planned = PlannedDays {
            days: Vec::new(),
            skipped: Vec::new(),
        };
        let mut day = self.from;
        while day <= self.to {
            if let Some(why) = no_school.get(&day) {
                planned.skipped.push((day, why.clone()));
            } else if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
                planned.days.push(day);
                if planned.days.len() > MAX_ABSENCE_DAYS {
                    return Err(field_error(
                        "to",
                        &format!("a request covers at most {MAX_ABSENCE_DAYS} school days"),
                        "absence-error-too-many-days",
                        vec![("max", MAX_ABSENCE_DAYS.to_string())],
                    ));
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        if planned.days.is_empty() {
            return Err(field_error(
                "from",
                "there is no school on those days",
                "absence-error-no-school-days",
                vec![],
            ));
        }
        Ok(planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// Monday 6 October 2025, 08:15, cut-off 09:30, 30 days ahead.
    fn window(now: &str) -> AbsenceWindow {
        AbsenceWindow {
            today: day("2025-10-06"),
            now: ClockTime::parse("now", now).unwrap(),
            cutoff: ClockTime::parse("cutoff", "09:30").unwrap(),
            days_ahead: 30,
        }
    }

    fn ask(from: &str, to: &str) -> AbsenceAsk {
        AbsenceAsk {
            from: day(from),
            to: day(to),
            part: AbsencePart::WholeDay,
            time: None,
            reason: AbsenceReason::Illness,
            comment: None,
        }
    }

    fn holidays() -> BTreeMap<Date, String> {
        BTreeMap::from([(day("2025-10-13"), "Indigenous Peoples' Day".to_owned())])
    }

    fn field_of(result: Result<PlannedDays, Invalid>) -> &'static str {
        result.unwrap_err().field().unwrap()
    }

    #[test]
    fn weekends_and_days_off_are_skipped_and_days_off_are_shown() {
        let planned = ask("2025-10-10", "2025-10-14")
            .plan(&window("08:15"), &holidays())
            .unwrap();
        assert_eq!(planned.days, vec![day("2025-10-10"), day("2025-10-14")]);
        assert_eq!(
            planned.skipped,
            vec![(day("2025-10-13"), "Indigenous Peoples' Day".to_owned())]
        );
    }

    #[test]
    fn today_is_open_until_the_cut_off() {
        let today = ask("2025-10-06", "2025-10-06");
        assert!(today.plan(&window("09:29"), &holidays()).is_ok());
        assert_eq!(field_of(today.plan(&window("09:30"), &holidays())), "from");
        assert!(
            ask("2025-10-07", "2025-10-07")
                .plan(&window("23:59"), &holidays())
                .is_ok()
        );
    }

    #[test]
    fn past_days_far_days_and_long_ranges_are_refused_by_field() {
        let w = window("08:00");
        assert_eq!(
            field_of(ask("2025-10-03", "2025-10-06").plan(&w, &holidays())),
            "from"
        );
        assert!(
            ask("2025-11-05", "2025-11-05")
                .plan(&w, &holidays())
                .is_ok()
        );
        assert_eq!(
            field_of(ask("2025-11-05", "2025-11-06").plan(&w, &holidays())),
            "to"
        );
        assert_eq!(
            field_of(ask("2025-10-08", "2025-10-07").plan(&w, &holidays())),
            "to"
        );
        // Ten school days: 6–17 October less the holiday is nine; to the 20th is ten.
        assert_eq!(
            ask("2025-10-06", "2025-10-20")
                .plan(&w, &holidays())
                .unwrap()
                .days
                .len(),
            10
        );
        assert_eq!(
            field_of(ask("2025-10-06", "2025-10-21").plan(&w, &holidays())),
            "to"
        );
        assert_eq!(
            field_of(ask("2025-10-11", "2025-10-13").plan(&w, &holidays())),
            "from"
        );
    }

    #[test]
    fn a_part_of_the_day_needs_its_time_and_one_day() {
        let w = window("08:00");
        let mut late = ask("2025-10-07", "2025-10-07");
        late.part = AbsencePart::ArriveLate;
        assert_eq!(field_of(late.plan(&w, &holidays())), "time");
        late.time = Some(ClockTime::parse("time", "10:15").unwrap());
        assert!(late.plan(&w, &holidays()).is_ok());
        late.to = day("2025-10-08");
        assert_eq!(field_of(late.plan(&w, &holidays())), "to");
        let mut whole = ask("2025-10-07", "2025-10-07");
        whole.time = Some(ClockTime::parse("time", "10:15").unwrap());
        assert_eq!(field_of(whole.plan(&w, &holidays())), "time");
    }

    #[test]
    fn values_parse_strictly() {
        assert_eq!(
            AbsencePart::parse("arrive_late").unwrap(),
            AbsencePart::ArriveLate
        );
        assert_eq!(
            AbsenceReason::parse("religious").unwrap(),
            AbsenceReason::Religious
        );
        assert_eq!(
            AbsenceReason::parse("sick").unwrap_err().field(),
            Some("reason")
        );
        assert_eq!(
            AbsenceDecision::parse("approved").unwrap().state(),
            AbsenceState::Approved
        );
        assert!(AbsenceDecision::parse("withdrawn").is_err());
        for bad in ["9:30", "24:00", "09:60", "0930", "٠٩:٣٠", "", "09:30:00"] {
            assert!(ClockTime::parse("time", bad).is_err(), "{bad}");
        }
        assert_eq!(
            ClockTime::parse("time", " 07:05 ").unwrap().to_string(),
            "07:05"
        );
        assert_eq!(absence_text("comment", Some("  ")).unwrap(), None);
        assert_eq!(
            absence_text("comment", Some("Fever\r\nsince last night")).unwrap(),
            Some("Fever\nsince last night".to_owned())
        );
        assert!(absence_text("comment", Some(&"é".repeat(500))).is_ok());
        assert_eq!(
            absence_text("comment", Some(&"é".repeat(501)))
                .unwrap_err()
                .field(),
            Some("comment")
        );
        assert!(absence_text("comment", Some("a\u{0}b")).is_err());
    }
}
