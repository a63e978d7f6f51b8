//! The kinds of notification, and a set of them (a district's switches).

use std::fmt;

use super::Invalid;

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

#[cfg(test)]
mod tests {
    use super::*;

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
