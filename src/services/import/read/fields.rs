//! The fields of a row, parsed: required text, dates and times, numbers, flags, lists, roles.

use super::super::problems::{Problem, Problems, quoted};
use super::table::Row;
use crate::domain::{PersonRole, Relation};

/// A required field, or a problem.
pub(crate) fn required<'r>(
    file: &'static str,
    row: &'r Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<&'r str> {
    let value = row.get(column);
    if value.is_none() {
        problems.add(Problem::at(file, row.line, format!("{column} is empty")));
    }
    value
}

/// A date (`YYYY-MM-DD`) if the field has one; `None` after reporting a bad one.
pub(crate) fn date(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<String>> {
    let Some(text) = row.get(column) else {
        return Some(None);
    };
    match moment(text) {
        Some(Moment::Day(d)) => Some(Some(d.to_string())),
        // A spreadsheet writes a date as that date at midnight.
        Some(Moment::At(t)) if t.time() == jiff::civil::Time::midnight() => {
            Some(Some(t.date().to_string()))
        }
        _ => {
            problems.add(Problem::at(
                file,
                row.line,
                format!("{column} {} is not a date (YYYY-MM-DD)", quoted(text)),
            ));
            None
        }
    }
}

pub(crate) fn number(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<f64>> {
    match row.get(column) {
        None => Some(None),
        Some(text) => match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(Some(n)),
            _ => {
                problems.add(Problem::at(
                    file,
                    row.line,
                    format!("{column} {} is not a number", quoted(text)),
                ));
                None
            }
        },
    }
}

/// A date, or a date and time, as the source gave it in a normal form.
pub(crate) fn when(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<Option<String>> {
    let Some(text) = row.get(column) else {
        return Some(None);
    };
    match moment(text) {
        Some(Moment::Day(d)) => Some(Some(d.to_string())),
        Some(Moment::At(t)) => Some(Some(utc_text(t))),
        None => {
            problems.add(Problem::at(
                file,
                row.line,
                format!(
                    "{column} {} is not a date (YYYY-MM-DD) or a date and time \
                     (YYYY-MM-DDThh:mm:ssZ)",
                    quoted(text)
                ),
            ));
            None
        }
    }
}

/// An optional `true`/`false` column (empty is false); `None` after reporting a bad value.
pub(crate) fn boolean(
    file: &'static str,
    row: &Row<'_>,
    column: &str,
    problems: &mut Problems,
) -> Option<bool> {
    match row.get(column).map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => Some(false),
        Some("true") => Some(true),
        Some(other) => {
            problems.add(Problem::at(
                file,
                row.line,
                format!("{column} is true or false, not {}", quoted(other)),
            ));
            None
        }
    }
}

/// A comma-separated list of sourcedIds.
pub(crate) fn split_list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// A OneRoster date-time (`2024-03-19T13:05:12.000Z`, or a date alone), as UTC RFC 3339 text
/// so that stored values compare in time order.
pub(crate) fn parse_timestamp(text: &str) -> Option<String> {
    Some(match moment(text)? {
        Moment::Day(d) => format!("{d}T00:00:00Z"),
        Moment::At(t) => utc_text(t),
    })
}

/// A date, or a date and time in UTC, as OneRoster files write them.
pub(crate) enum Moment {
    Day(jiff::civil::Date),
    At(jiff::civil::DateTime),
}

/// `2024-03-19`, `2024-03-19T13:05:12.000Z`, `2024-03-19T08:05:12-05:00`, and without an
/// offset (taken as UTC, as OneRoster writes times) `2024-03-19T13:05:12` or, as
/// spreadsheets write it, `2024-03-19 13:05:12`.
pub(crate) fn moment(text: &str) -> Option<Moment> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(Moment::At(jiff::tz::Offset::UTC.to_datetime(ts)));
    }
    match text.as_bytes().get(10) {
        None if text.len() == 10 => text.parse().ok().map(Moment::Day),
        Some(b'T' | b't' | b' ') => text.parse().ok().map(Moment::At),
        _ => None,
    }
}

fn utc_text(t: jiff::civil::DateTime) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// OneRoster's roles, as Homeroom keeps people.
pub(crate) fn person_role(role: &str) -> Option<(PersonRole, Option<Relation>)> {
    Some(match role {
        "student" => (PersonRole::Student, None),
        "teacher" => (PersonRole::Teacher, None),
        "guardian" => (PersonRole::Guardian, Some(Relation::Guardian)),
        "parent" => (PersonRole::Guardian, Some(Relation::Parent)),
        "relative" => (PersonRole::Guardian, Some(Relation::Relative)),
        "administrator"
        | "aide"
        | "proctor"
        | "districtAdministrator"
        | "principal"
        | "siteAdministrator"
        | "systemAdministrator"
        | "counselor" => (PersonRole::Staff, None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_comparable_utc_text() {
        for (text, utc) in [
            ("2024-03-19T13:05:12.000Z", Some("2024-03-19T13:05:12Z")),
            ("2024-03-19T08:05:12-05:00", Some("2024-03-19T13:05:12Z")),
            ("2024-03-19", Some("2024-03-19T00:00:00Z")),
            ("2024-03-19 13:05:12", Some("2024-03-19T13:05:12Z")),
            ("2024-03-19T13:05", Some("2024-03-19T13:05:00Z")),
            ("yesterday", None),
            ("03/19/2024", None),
            ("2024-3-19", None),
            ("2024-03-19x13:05:12", None),
        ] {
            assert_eq!(parse_timestamp(text).as_deref(), utc, "{text}");
        }
    }

    #[test]
    fn oneroster_roles_map_to_people() {
        assert_eq!(
            person_role("parent"),
            Some((PersonRole::Guardian, Some(Relation::Parent)))
        );
        assert_eq!(
            person_role("relative").map(|r| r.0),
            Some(PersonRole::Guardian)
        );
        assert_eq!(person_role("aide").map(|r| r.0), Some(PersonRole::Staff));
        assert_eq!(person_role("wizard"), None);
    }
}
