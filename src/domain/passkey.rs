//! What a family calls a passkey, so that the security page can tell them apart.

use super::{Invalid, refuse_control};

/// The longest name a passkey may have, in characters.
pub const PASSKEY_NAME_CHARS: usize = 60;

/// A passkey's name ("Maria's phone"): trimmed, 1 to 60 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    /// The name typed, or `fallback` (the browser it was made on) when none was.
    pub fn parse(raw: Option<&str>, fallback: &str) -> Result<Self, Invalid> {
        let typed = raw.map(str::trim).filter(|s| !s.is_empty());
        let name = typed.unwrap_or(fallback).trim();
        refuse_control("the passkey's name", name)?;
        if name.chars().count() > PASSKEY_NAME_CHARS {
            return Err(Invalid::worded(
                format!("the passkey's name must be at most {PASSKEY_NAME_CHARS} characters"),
                "passkey-name-too-long",
                vec![("max", PASSKEY_NAME_CHARS.to_string())],
            ));
        }
        if name.is_empty() {
            return Ok(Self("Passkey".to_owned()));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_bounded_and_falls_back() {
        assert_eq!(
            PasskeyName::parse(Some("  Maria's phone "), "x")
                .unwrap()
                .as_str(),
            "Maria's phone"
        );
        assert_eq!(
            PasskeyName::parse(Some("   "), "Chrome on Android")
                .unwrap()
                .as_str(),
            "Chrome on Android"
        );
        assert_eq!(PasskeyName::parse(None, "").unwrap().as_str(), "Passkey");
        assert!(PasskeyName::parse(Some("a\u{0007}b"), "x").is_err());
        assert!(PasskeyName::parse(Some(&"é".repeat(61)), "x").is_err());
        assert!(PasskeyName::parse(Some(&"é".repeat(60)), "x").is_ok());
    }
}
