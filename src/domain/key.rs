//! Activation keys (20 characters of Crockford base32, 100 bits) and Linked Districts codes
//! (8 characters after the number of the district that made them), shown in groups of four and
//! typed in any case, with or without dashes and spaces.

use std::fmt;

use super::{DistrictId, Invalid};

/// Crockford's base32: digits and letters without I, L, O and U.
pub const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const KEY_LENGTH: usize = 20;

#[derive(Clone, PartialEq, Eq)]
pub struct ActivationKey(String);

impl ActivationKey {
    /// Reads a key as a person types it: case, dashes and spaces do not matter, and the letters
    /// that Crockford's alphabet leaves out are read as the digits they look like.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        read_crockford(raw, KEY_LENGTH, "an activation key").map(Self)
    }

    /// The key without separators, as it is hashed.
    pub fn normalized(&self) -> &str {
        &self.0
    }

    /// Groups of four for letters and screens: `ABCD-EFGH-…`.
    pub fn grouped(&self) -> String {
        grouped(&self.0)
    }
}

/// Which kind of code, for the words that say what is wrong with it.
fn kind(what: &str) -> &'static str {
    if what.contains("key") { "key" } else { "code" }
}

/// Reads Crockford base32 as a person types it: case, dashes and spaces do not matter, and
/// the letters the alphabet leaves out are read as the digits they look like.
fn read_crockford(raw: &str, length: usize, what: &str) -> Result<String, Invalid> {
    let mut text = String::with_capacity(length);
    for c in raw.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\t' | '\u{a0}' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
            _ => {
                return Err(Invalid::worded(
                    format!("{what} holds only letters and digits"),
                    "invalid-code-characters",
                    vec![("what", kind(what).to_owned())],
                ));
            }
        };
        text.push(c);
        if text.len() > length {
            break;
        }
    }
    if text.len() != length {
        return Err(Invalid::worded(
            format!("{what} has {length} letters and digits"),
            "invalid-code-length",
            vec![
                ("what", kind(what).to_owned()),
                ("length", length.to_string()),
            ],
        ));
    }
    Ok(text)
}

fn grouped(text: &str) -> String {
    text.as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

pub const LINK_CODE_LENGTH: usize = 8;

/// A Linked Districts code: made in one district, entered in another. It begins with the
/// number of the district that made it, in clear (`12-ABCD-EFGH`), so that the district where
/// it is typed finds it among that district's codes alone; the 8 random characters after it
/// are the secret, and what is hashed.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkCode {
    district: DistrictId,
    code: String,
}

impl LinkCode {
    /// A code of `district` from 8 random characters.
    pub fn new(district: DistrictId, random: &str) -> Result<Self, Invalid> {
        Ok(Self {
            district,
            code: read_crockford(random, LINK_CODE_LENGTH, "a code")?,
        })
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let (district, code) = raw
            .trim()
            .split_once(['-', ' ', '\t', '\u{a0}'])
            .filter(|(d, _)| {
                !d.is_empty() && d.len() <= 18 && d.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|(d, code)| Some((d.parse::<i64>().ok().filter(|&id| id > 0)?, code)))
            .ok_or_else(|| {
                Invalid::worded(
                    "a code begins with its district’s number, as in 12-ABCD-EFGH",
                    "invalid-link-code",
                    vec![],
                )
            })?;
        Self::new(DistrictId(district), code)
    }

    /// The district that made it.
    pub fn district(&self) -> DistrictId {
        self.district
    }

    /// The random part without separators, as it is hashed.
    pub fn normalized(&self) -> &str {
        &self.code
    }

    /// `12-ABCD-EFGH`.
    pub fn grouped(&self) -> String {
        format!("{}-{}", self.district.0, grouped(&self.code))
    }
}

impl fmt::Debug for LinkCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkCode(…)")
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
    fn link_codes_read_like_keys_after_their_district() {
        let code = LinkCode::parse(" 12-abcd-efgh ").unwrap();
        assert_eq!(code.district(), DistrictId(12));
        assert_eq!(code.normalized(), "ABCDEFGH");
        assert_eq!(code.grouped(), "12-ABCD-EFGH");
        assert_eq!(LinkCode::parse("12 ABCDEFGH").unwrap(), code);
        for no_district in [
            "ABCD-EFGH",
            "-ABCD-EFGH",
            "0-ABCD-EFGH",
            "x1-ABCD-EFGH",
            "12ABCDEFGH",
        ] {
            assert!(LinkCode::parse(no_district).is_err(), "{no_district}");
        }
        assert_eq!(
            LinkCode::parse("1-ol1i-2345").unwrap().normalized(),
            "01112345"
        );
        assert!(LinkCode::parse("1-ABCDEFG").is_err());
        assert!(LinkCode::parse("1-ABCDEFGHJ").is_err());
        assert!(LinkCode::parse("1-ABCD*EFG").is_err());
        assert!(LinkCode::parse("1-ABCDEFGU").is_err());
        assert!(format!("{code:?}").find("ABCD").is_none());
    }

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
