//! Rules for free text that families and staff type or that districts send.

use super::Invalid;

/// Trims, refuses control characters and bounds the length in characters (not bytes), so that
/// names in any script are treated alike.
pub(super) fn clean_line(what: &str, raw: &str, max_chars: usize) -> Result<String, Invalid> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Invalid::new(format!("{what} must not be empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new(format!(
            "{what} must be a single line without control characters"
        )));
    }
    let count = value.chars().count();
    if count > max_chars {
        return Err(Invalid::new(format!(
            "{what} is {count} characters long; the most is {max_chars}"
        )));
    }
    Ok(value.to_owned())
}

/// Refuses control characters (NUL, line breaks, escapes) in text that comes in from outside:
/// none belongs in a name, a username, a search or a device's name, and some cannot even be
/// stored. `what` names the field for the message.
pub fn refuse_control(what: &str, text: &str) -> Result<(), Invalid> {
    if text.chars().any(char::is_control) {
        return Err(Invalid::new(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(())
}

/// Search text as typed: trimmed, at most `max_chars` characters, no control characters.
/// `None` when blank, which means "anything".
pub fn search_text<'a>(
    what: &str,
    raw: &'a str,
    max_chars: usize,
) -> Result<Option<&'a str>, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    refuse_control(what, text)?;
    if text.chars().count() > max_chars {
        return Err(Invalid::new(format!(
            "search for at most {max_chars} characters"
        )));
    }
    Ok(Some(text))
}

/// The form of a name used for searching by part of it: Unicode lower case, runs of white space
/// made single. Stored beside the name so that both databases search it alike.
pub fn fold_for_search(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person's name as staff search it: both names folded together. The one rule for the
/// `name_folded` column of people, whoever writes it.
pub fn person_search_name(given_name: &str, family_name: &str) -> String {
    fold_for_search(&format!("{given_name} {family_name}"))
}

/// Free text someone writes (a comment, a message): trimmed, line breaks and tabs allowed and
/// written `\n`, no other control characters, at most `max` characters; blank is none.
pub fn free_text(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Invalid::worded(
            format!("{field} must not contain control characters"),
            "text-control-characters",
            vec![],
        )
        .on(field));
    }
    let count = text.chars().count();
    if count > max {
        return Err(Invalid::worded(
            format!("{field} is {count} characters long; the most is {max}"),
            "text-too-long",
            vec![("max", max.to_string())],
        )
        .on(field));
    }
    Ok(Some(text.replace("\r\n", "\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_line_trims_and_bounds() {
        assert_eq!(
            clean_line("name", "  Río Grande  ", 20).unwrap(),
            "Río Grande"
        );
        assert!(clean_line("name", "   ", 20).is_err());
        assert!(clean_line("name", "a\u{0}b", 20).is_err());
        assert!(clean_line("name", "line\nbreak", 20).is_err());
        // Length counts characters: five accented letters fit in five.
        assert!(clean_line("name", "ééééé", 5).is_ok());
        assert!(clean_line("name", "éééééé", 5).is_err());
    }

    #[test]
    fn search_text_is_trimmed_bounded_and_has_no_control_characters() {
        assert_eq!(
            search_text("the search", "  okafor ", 10),
            Ok(Some("okafor"))
        );
        assert_eq!(search_text("the search", "   ", 10), Ok(None));
        assert!(search_text("the search", "ok\u{0}afor", 10).is_err());
        assert!(search_text("the search", "a\u{1b}[2J", 10).is_err());
        assert!(search_text("the search", "ééééééééééé", 10).is_err());
        assert!(refuse_control("a name", "Zoë\u{7f}").is_err());
        assert!(refuse_control("a name", "Zoë O'Brien").is_ok());
    }

    #[test]
    fn a_person_is_searched_by_both_names_folded() {
        assert_eq!(
            person_search_name(" Sofía ", "ÁLVAREZ  Núñez"),
            "sofía álvarez núñez"
        );
        assert_eq!(person_search_name("Cher", ""), "cher");
    }

    #[test]
    fn folding_is_unicode_lower_case_with_single_spaces() {
        assert_eq!(
            fold_for_search("  ÉCOLE   Ñandú\tDistrict "),
            "école ñandú district"
        );
    }
}
