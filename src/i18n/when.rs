//! Dates and times in words, in either language: "October 2025" / "octubre de 2025",
//! "October 6 at 3:05 PM" / "6 de octubre a las 3:05 p. m.". The words are the `when-*`
//! messages of `locales/*/common.ftl`.

use fluent_bundle::FluentValue;
use jiff::ZonedDateTime;
use jiff::civil::Date;

use super::{Lang, words};

fn month_name(lang: Lang, id: &str, month: i8) -> FluentValue<'static> {
    words(lang, id, &[("month", month.into())]).into()
}

/// A time of day: "3:05 PM", "3:05 p. m.".
pub fn time_of_day(lang: Lang, at: &ZonedDateTime) -> String {
    let (hour, half) = match at.hour() {
        0 => (12, "am"),
        h @ 1..=11 => (h, "am"),
        12 => (12, "pm"),
        h => (h - 12, "pm"),
    };
    words(
        lang,
        "when-time",
        &[
            ("hour", hour.to_string().into()),
            ("minute", format!("{:02}", at.minute()).into()),
            ("half", half.into()),
        ],
    )
}

/// A month: "October 2025", "octubre de 2025".
pub fn month_year(lang: Lang, month: Date) -> String {
    words(
        lang,
        "when-month-year",
        &[
            ("month", month_name(lang, "when-month", month.month())),
            ("year", month.year().to_string().into()),
        ],
    )
}

/// A moment with its year: "Oct 6, 2025 3:05 PM", "6 oct 2025, 3:05 p. m.".
pub fn date_time(lang: Lang, at: &ZonedDateTime) -> String {
    words(
        lang,
        "when-date-time",
        &[
            ("month", month_name(lang, "when-month-short", at.month())),
            ("day", at.day().to_string().into()),
            ("year", at.year().to_string().into()),
            ("time", time_of_day(lang, at).into()),
        ],
    )
}

/// A moment of this year: "October 6 at 3:05 PM", "6 de octubre a las 3:05 p. m.".
pub fn day_time(lang: Lang, at: &ZonedDateTime) -> String {
    words(
        lang,
        "when-day-time",
        &[
            ("month", month_name(lang, "when-month", at.month())),
            ("day", at.day().to_string().into()),
            ("time", time_of_day(lang, at).into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> ZonedDateTime {
        text.parse().unwrap()
    }

    #[test]
    fn dates_read_as_before_in_english_and_naturally_in_spanish() {
        for moment in [
            "2025-10-06T12:00:00-07:00[America/Los_Angeles]",
            "2025-01-09T00:05:00-08:00[America/Los_Angeles]",
            "2026-05-31T23:59:00-07:00[America/Los_Angeles]",
            "2026-12-01T09:30:00-08:00[America/Los_Angeles]",
        ] {
            let t = at(moment);
            assert_eq!(
                date_time(Lang::En, &t),
                t.strftime("%b %-d, %Y %-I:%M %p").to_string()
            );
            assert_eq!(
                day_time(Lang::En, &t),
                t.strftime("%B %-d at %-I:%M %p").to_string()
            );
            assert_eq!(
                month_year(Lang::En, t.date()),
                t.strftime("%B %Y").to_string()
            );
        }
        let t = at("2025-10-06T15:05:00-07:00[America/Los_Angeles]");
        assert_eq!(date_time(Lang::Es, &t), "6 oct 2025, 3:05 p. m.");
        assert_eq!(day_time(Lang::Es, &t), "6 de octubre a las 3:05 p. m.");
        assert_eq!(month_year(Lang::Es, t.date()), "octubre de 2025");
        let t = at("2026-01-09T00:05:00-08:00[America/Los_Angeles]");
        assert_eq!(date_time(Lang::Es, &t), "9 ene 2026, 12:05 a. m.");
    }
}
