//! The short name of a district in addresses: `/d/{slug}/parent`.

use std::fmt;

use super::Invalid;

const MIN_LEN: usize = 2;
const MAX_LEN: usize = 48;

/// Lower-case ASCII letters, digits and single hyphens inside, 2 to 48 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DistrictSlug(String);

impl DistrictSlug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let slug = raw.trim();
        let problem = if slug.len() < MIN_LEN || slug.len() > MAX_LEN {
            Some(format!("must be {MIN_LEN} to {MAX_LEN} characters long"))
        } else if !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            Some("may hold only lower-case letters a-z, digits and hyphens".to_owned())
        } else if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            Some("must not begin or end with a hyphen or hold two in a row".to_owned())
        } else {
            None
        };
        match problem {
            Some(reason) => Err(Invalid::new(format!(
                "invalid district slug {raw:?}: {reason}"
            ))),
            None => Ok(Self(slug.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DistrictSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_slugs() {
        for ok in ["cedar-valley", "wake", "district-42", "a1"] {
            assert_eq!(DistrictSlug::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(DistrictSlug::parse(" wake ").unwrap().as_str(), "wake");
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "a",
            "Wake",
            "wake county",
            "-wake",
            "wake-",
            "wa--ke",
            "wäke",
            "wake/x",
            "../etc",
            &"a".repeat(49),
        ] {
            assert!(DistrictSlug::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn every_printable_ascii_string_either_parses_to_itself_or_is_refused() {
        // A cheap exhaustive sweep over short strings of the interesting alphabet.
        let alphabet = ['a', 'z', '0', '-', 'A', ' ', '_', '.'];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let s: String = [a, b, c].iter().collect();
                    if let Ok(slug) = DistrictSlug::parse(&s) {
                        assert_eq!(slug.as_str(), s.trim());
                        assert!(
                            slug.as_str()
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        );
                    }
                }
            }
        }
    }
}
