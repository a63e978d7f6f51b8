//! The password policy of NIST SP 800-63B: long enough, not absurdly long, not among the most
//! common passwords, not the username or the district's name; no composition rules.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The longest password accepted, in characters: far above the 64 that must be accepted, and
/// a bound on the work a single login can ask of the hasher.
pub const MAX_PASSWORD_CHARS: usize = 256;

static COMMON: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
}

/// Why a new password was refused. The words here are the API's; pages say them in their own
/// language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("Use at least {min} characters; a few words you will remember make a good password.")]
    TooShort { min: usize },
    #[error("Use at most {max} characters.")]
    TooLong { max: usize },
    #[error("This password is one of the most common ones and easy to guess. Choose another.")]
    Common,
    #[error("Your password must not be your username.")]
    Username,
    #[error("Your password must not be the district's name.")]
    DistrictName,
}

pub struct PasswordPolicy<'a> {
    pub min_length: u32,
    pub username: &'a str,
    pub district_name: &'a str,
}

impl PasswordPolicy<'_> {
    pub fn check(&self, password: &str) -> Result<(), WeakPassword> {
        let length = password.chars().count();
        let min = self.min_length as usize;
        if length < min {
            return Err(WeakPassword::TooShort { min });
        }
        if length > MAX_PASSWORD_CHARS {
            return Err(WeakPassword::TooLong {
                max: MAX_PASSWORD_CHARS,
            });
        }
        let lowered = password.to_lowercase();
        if common_passwords().contains(lowered.as_str()) {
            return Err(WeakPassword::Common);
        }
        let squeezed = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let candidate = squeezed(password);
        if candidate == squeezed(self.username) {
            return Err(WeakPassword::Username);
        }
        if candidate == squeezed(self.district_name) {
            return Err(WeakPassword::DistrictName);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(min_length: u32) -> PasswordPolicy<'static> {
        PasswordPolicy {
            min_length,
            username: "maria.alvarez",
            district_name: "Cedar Valley Public Schools",
        }
    }

    #[test]
    fn the_bundled_list_has_ten_thousand_entries() {
        assert_eq!(common_passwords().len(), 10_000);
        assert!(common_passwords().contains("password1"));
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(policy(8).check("seven77").is_err());
        assert!(policy(8).check("ñandúñandú").is_ok());
        assert!(policy(12).check("short horse").is_err());
        assert!(
            policy(8)
                .check(&"correct horse battery staple ".repeat(2))
                .is_ok()
        );
        assert!(
            policy(64).check(&"k".repeat(64)).is_ok(),
            "64 characters are always accepted"
        );
        assert!(policy(8).check(&"k".repeat(257)).is_err());
    }

    #[test]
    fn no_composition_rules_but_no_common_passwords() {
        assert!(
            policy(8).check("lanternmeadowbrook").is_ok(),
            "letters alone are fine"
        );
        for common in [
            "password",
            "Password1",
            "PASSWORD123",
            "iloveyou",
            "12345678",
            "baseball",
        ] {
            assert!(policy(8).check(common).is_err(), "{common}");
        }
    }

    #[test]
    fn not_the_username_or_the_district_name() {
        assert!(policy(8).check("Maria.Alvarez").is_err());
        assert!(policy(8).check("cedar valley public schools").is_err());
        assert!(policy(8).check("maria alvarez likes cedar").is_ok());
    }
}
