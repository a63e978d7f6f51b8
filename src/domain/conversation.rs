//! Conversations between families and teachers: what a message may hold, how its links are
//! found, office hours, and the quiet hours in which nobody is woken by a push.

use jiff::civil::{DateTime, Time, Weekday};

use super::{ClockTime, Invalid};

/// The most a message may hold, in characters.
pub const MESSAGE_CHARS: usize = 4_000;
/// How long after writing it an author may retract a message.
pub const RETRACT_SECONDS: i64 = 5 * 60;
/// Messages a family account may write in an hour.
pub const FAMILY_MESSAGES_PER_HOUR: u64 = 30;
/// Messages a teacher may write in an hour (a message to a class is one per family).
pub const TEACHER_MESSAGES_PER_HOUR: u64 = 600;
/// Quiet hours in the recipient's district: no push from 21:00 to 07:00.
pub const QUIET_FROM_HOUR: i8 = 21;
pub const QUIET_UNTIL_HOUR: i8 = 7;

/// A message as written: plain text, trimmed, 1 to [`MESSAGE_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match super::free_text("body", Some(raw), MESSAGE_CHARS)? {
            Some(text) => Ok(Self(text)),
            None => Err(
                Invalid::worded("a message needs some text", "conversation-empty", vec![])
                    .on("body"),
            ),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A piece of a message as a page shows it: text, or a web address made into a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// An `http` or `https` address, exactly as written.
    Link(String),
}

/// A message's text cut into plain text and links. Only addresses that start with `http://`
/// or `https://` become links, so that nothing else (`javascript:`, `data:`) ever can.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(true);
    finder
        .spans(text)
        .map(|span| {
            let piece = span.as_str();
            let web = piece.starts_with("https://") || piece.starts_with("http://");
            if span.kind().is_some() && web {
                Segment::Link(piece.to_owned())
            } else {
                Segment::Text(piece.to_owned())
            }
        })
        .collect()
}

/// A teacher's office hours: on which weekdays, from when until when (district time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeHours {
    pub weekdays: Vec<Weekday>,
    pub start: ClockTime,
    pub end: ClockTime,
}

impl OfficeHours {
    /// From weekday numbers (1 = Monday … 7 = Sunday) and two `HH:MM` times; the end after the
    /// start, at least one day.
    pub fn parse(days: &[u8], start: &str, end: &str) -> Result<Self, Invalid> {
        let mut weekdays = Vec::new();
        for &day in days {
            let weekday = i8::try_from(day)
                .ok()
                .and_then(|d| Weekday::from_monday_one_offset(d).ok())
                .ok_or_else(|| {
                    Invalid::new(format!("a weekday is 1 (Monday) to 7 (Sunday), not {day}"))
                        .on("days")
                })?;
            if !weekdays.contains(&weekday) {
                weekdays.push(weekday);
            }
        }
        if weekdays.is_empty() {
            return Err(Invalid::worded(
                "office hours need at least one day",
                "office-hours-no-day",
                vec![],
            )
            .on("days"));
        }
        weekdays.sort_by_key(|d| d.to_monday_one_offset());
        let (start, end) = (
            ClockTime::parse("start", start)?,
            ClockTime::parse("end", end)?,
        );
        if end.time() <= start.time() {
            return Err(Invalid::worded(
                "office hours end after they start",
                "office-hours-order",
                vec![],
            )
            .on("end"));
        }
        Ok(Self {
            weekdays,
            start,
            end,
        })
    }

    /// Weekday numbers, 1 = Monday.
    pub fn day_numbers(&self) -> Vec<u8> {
        self.weekdays
            .iter()
            .map(|d| d.to_monday_one_offset().unsigned_abs())
            .collect()
    }

    pub fn contains(&self, at: DateTime) -> bool {
        self.weekdays.contains(&at.weekday())
            && at.time() >= self.start.time()
            && at.time() < self.end.time()
    }

    /// When the hours next open from `at` (which is outside them): within the next week.
    pub fn next_opening(&self, at: DateTime) -> Option<DateTime> {
        (0..8).find_map(|ahead| {
            let date = at.date().checked_add(jiff::Span::new().days(ahead)).ok()?;
            let opening = date.to_datetime(self.start.time());
            (self.weekdays.contains(&date.weekday()) && opening > at).then_some(opening)
        })
    }
}

/// Until when a push to someone at `local` (their district's time) waits: the end of quiet
/// hours, or `None` outside them.
pub fn quiet_until(local: DateTime) -> Option<DateTime> {
    let hour = local.hour();
    let seven = Time::constant(QUIET_UNTIL_HOUR, 0, 0, 0);
    if hour >= QUIET_FROM_HOUR {
        let tomorrow = local.date().tomorrow().ok()?;
        Some(tomorrow.to_datetime(seven))
    } else if hour < QUIET_UNTIL_HOUR {
        Some(local.date().to_datetime(seven))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_message_is_trimmed_text_within_the_limit() {
        assert_eq!(MessageBody::parse("  Hello  ").unwrap().as_str(), "Hello");
        assert_eq!(
            MessageBody::parse("a\r\nb").unwrap().as_str(),
            "a\nb",
            "line breaks are kept, written \\n"
        );
        assert!(MessageBody::parse(&"x".repeat(MESSAGE_CHARS)).is_ok());
        let long = MessageBody::parse(&"é".repeat(MESSAGE_CHARS + 1)).unwrap_err();
        assert_eq!(long.field(), Some("body"));
        for bad in ["", "   \n ", "bell\u{7}", "nul\u{0}"] {
            assert!(MessageBody::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_web_addresses_become_links() {
        let pieces = segments("See https://school.example/a?b=1, or javascript:alert(1) <b>");
        assert_eq!(
            pieces,
            vec![
                Segment::Text("See ".into()),
                Segment::Link("https://school.example/a?b=1".into()),
                Segment::Text(", or javascript:alert(1) <b>".into()),
            ]
        );
        assert_eq!(
            segments("data:text/html,<script>"),
            vec![Segment::Text("data:text/html,<script>".into())]
        );
    }

    #[test]
    fn office_hours_say_when_they_next_open() {
        let hours = OfficeHours::parse(&[1, 2, 3, 4, 5], "08:00", "15:30").unwrap();
        // Friday 2026-12-04 at 16:00: closed; they open on Monday at 08:00.
        let friday = date(2026, 12, 4).at(16, 0, 0, 0);
        assert!(!hours.contains(friday));
        assert_eq!(
            hours.next_opening(friday),
            Some(date(2026, 12, 7).at(8, 0, 0, 0))
        );
        let tuesday = date(2026, 12, 8).at(9, 0, 0, 0);
        assert!(hours.contains(tuesday));
        assert!(OfficeHours::parse(&[], "08:00", "09:00").is_err());
        assert!(OfficeHours::parse(&[8], "08:00", "09:00").is_err());
        assert!(OfficeHours::parse(&[1], "09:00", "09:00").is_err());
        assert_eq!(
            OfficeHours::parse(&[3, 1, 3], "08:00", "09:00")
                .unwrap()
                .day_numbers(),
            vec![1, 3]
        );
    }

    #[test]
    fn quiet_hours_run_from_nine_at_night_to_seven() {
        let day = date(2026, 12, 7);
        assert_eq!(quiet_until(day.at(20, 59, 0, 0)), None);
        assert_eq!(
            quiet_until(day.at(21, 0, 0, 0)),
            Some(date(2026, 12, 8).at(7, 0, 0, 0))
        );
        assert_eq!(quiet_until(day.at(6, 30, 0, 0)), Some(day.at(7, 0, 0, 0)));
        assert_eq!(quiet_until(day.at(7, 0, 0, 0)), None);
    }
}
