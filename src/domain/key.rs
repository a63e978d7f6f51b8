//! Activation keys: 20 characters of Crockford base32 (100 bits), shown in groups of four and
//! typed in any case, with or without dashes and spaces.

use std::fmt;

use super::Invalid;

/// Crockford's base32: digits and letters without I, L, O and U.
pub const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const KEY_LENGTH: usize = 20;

#[derive(Clone, PartialEq, Eq)]
pub struct ActivationKey(String);

impl ActivationKey {
    /// Reads a key as a person types it: case, dashes and spaces do not matter, and the letters
    /// that Crockford's alphabet leaves out are read as the digits they look like.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let mut key = String::with_capacity(KEY_LENGTH);
        for c in raw.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' | '\t' | '\u{a0}' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
                _ => {
                    return Err(Invalid::new(
                        "an activation key holds only letters and digits",
                    ));
                }
            };
            key.push(c);
            if key.len() > KEY_LENGTH {
                break;
            }
        }
        if key.len() != KEY_LENGTH {
            return Err(Invalid::new(format!(
                "an activation key has {KEY_LENGTH} letters and digits"
            )));
        }
        Ok(Self(key))
    }

    /// The key without separators, as it is hashed.
    pub fn normalized(&self) -> &str {
        &self.0
    }

    /// Groups of four for letters and screens: `ABCD-EFGH-…`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// Never printed by accident in logs.
impl fmt::Debug for ActivationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_in_any_form_it_is_the_same_key() {
        let key = ActivationKey::parse("7K3M-9QRT-A2B4-C6D8-EFGH").unwrap();
        for typed in [
            "7k3m9qrta2b4c6d8efgh",
            " 7K3M 9QRT A2B4 C6D8 EFGH ",
            "7k3m-9qrt-a2b4-c6d8-efgh",
        ] {
            assert_eq!(ActivationKey::parse(typed).unwrap(), key, "{typed}");
        }
        assert_eq!(key.grouped(), "7K3M-9QRT-A2B4-C6D8-EFGH");
        assert_eq!(key.normalized().len(), 20);
    }

    #[test]
    fn look_alike_letters_read_as_digits() {
        let a = ActivationKey::parse("O0IL-0000-0000-0000-0000").unwrap();
        assert_eq!(a.normalized(), "00110000000000000000");
    }

    #[test]
    fn wrong_lengths_and_characters_are_refused() {
        for bad in [
            "",
            "7K3M-9QRT",
            "7K3M-9QRT-A2B4-C6D8-EFGH-J",
            "7K3M-9QRT-A2B4-C6D8-EFGU",
            "7K3M_9QRT_A2B4_C6D8_EFGH",
            "ÉK3M-9QRT-A2B4-C6D8-EFGH",
        ] {
            assert!(ActivationKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ActivationKey::parse(&"A".repeat(10_000)).is_err());
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = ActivationKey::parse("7K3M-9QRT-A2B4-C6D8-EFGH").unwrap();
        assert!(!format!("{key:?}").contains("7K3M"));
    }
}
