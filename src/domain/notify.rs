//! The kinds of notification, and a set of them (a district's switches).

use std::fmt;

use super::Invalid;

/// Push subscriptions one account may hold at once (browsers and installed apps together).
pub const MAX_PUSH_SUBSCRIPTIONS: u64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A posted score.
    Score,
    /// An in-progress grade that crossed the family's threshold.
    Grade,
    /// An absence or a tardy.
    Attendance,
    /// A message from the school.
    Message,
}

impl Event {
    pub const ALL: [Event; 4] = [
        Event::Score,
        Event::Grade,
        Event::Attendance,
        Event::Message,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Score => "score",
            Event::Grade => "grade",
            Event::Attendance => "attendance",
            Event::Message => "message",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let name = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == name)
            .ok_or_else(|| {
                Invalid::new(format!(
                    "unknown notification {raw:?}: they are score, grade, attendance and message"
                ))
            })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Some kinds of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSet(u8);

impl Default for EventSet {
    fn default() -> Self {
        Self::all()
    }
}

impl EventSet {
    pub fn all() -> Self {
        Self(Event::ALL.iter().fold(0, |bits, e| bits | e.bit()))
    }

    pub fn contains(self, event: Event) -> bool {
        self.0 & event.bit() != 0
    }

    /// `score,attendance`, `all` or `none`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "all" => return Ok(Self::all()),
            "none" => return Ok(Self(0)),
            _ => {}
        }
        let mut bits = 0;
        for part in raw.split(',') {
            bits |= Event::parse(part)?.bit();
        }
        Ok(Self(bits))
    }
}

impl fmt::Display for EventSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Event::ALL
            .iter()
            .filter(|e| self.contains(**e))
            .map(|e| e.as_str())
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(","))
        }
    }
}

/// The in-progress grade, as a whole percentage from 1 to 100, below which a family is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GradeThreshold(u8);

impl GradeThreshold {
    pub fn new(percent: i64) -> Result<Self, Invalid> {
        u8::try_from(percent)
            .ok()
            .filter(|p| (1..=100).contains(p))
            .map(Self)
            .ok_or_else(|| {
                Invalid::worded(
                    format!("a grade threshold is a whole percentage from 1 to 100, not {percent}"),
                    "invalid-grade-threshold",
                    vec![("value", percent.to_string())],
                )
            })
    }

    /// As a form writes it: `70`, `70 %` or blank for none.
    pub fn parse(raw: &str) -> Result<Option<Self>, Invalid> {
        let digits = raw.trim().trim_end_matches('%').trim();
        if digits.is_empty() {
            return Ok(None);
        }
        let percent = digits.parse::<i64>().map_err(|_| {
            Invalid::worded(
                format!(
                    "a grade threshold is a whole percentage from 1 to 100, not {:?}",
                    raw.trim()
                ),
                "invalid-grade-threshold",
                vec![("value", raw.trim().to_owned())],
            )
        })?;
        Self::new(percent).map(Some)
    }

    pub fn percent(self) -> u8 {
        self.0
    }

    /// Whether a grade of `percent` falls below this threshold.
    pub fn below(self, percent: f64) -> bool {
        percent < f64::from(self.0)
    }
}

/// Daily digests go out at this local hour (17:00, after school), in the district's time zone.
pub const DIGEST_HOUR: i8 = 17;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse() {
        assert_eq!(
            GradeThreshold::parse(" 70 % ").unwrap().unwrap().percent(),
            70
        );
        assert_eq!(GradeThreshold::parse("").unwrap(), None);
        for bad in ["0", "101", "-5", "seventy", "70.5", "99999999999999999999"] {
            assert!(GradeThreshold::parse(bad).is_err(), "{bad}");
        }
        let t = GradeThreshold::new(70).unwrap();
        assert!(t.below(69.9) && !t.below(70.0));
    }

    #[test]
    fn sets_parse_and_print() {
        let set = EventSet::parse("message, score").unwrap();
        assert!(set.contains(Event::Score) && set.contains(Event::Message));
        assert!(!set.contains(Event::Grade));
        assert_eq!(set.to_string(), "score,message");
        assert_eq!(EventSet::parse("all").unwrap(), EventSet::all());
        assert_eq!(EventSet::parse("none").unwrap().to_string(), "none");
        assert!(EventSet::parse("score,weather").is_err());
        assert!(EventSet::parse("").is_err());
    }
}
