//! A session's secret as the browser and the app hold it: `<district id>.<secret>`, the secret
//! being 256 random bits in URL-safe base64. The district in clear lets the lookup go straight
//! to the district's rows (on a database distributed by district, to one node); the random part
//! alone is the secret, and the whole is what is hashed and stored.

use super::DistrictId;

/// Characters of 256 bits in unpadded base64.
const SECRET_CHARS: usize = 43;

#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret {
    district: DistrictId,
    text: String,
}

impl SessionSecret {
    /// The secret of a new session of `district`, from 256 random bits already encoded.
    pub fn new(district: DistrictId, random: &str) -> Option<Self> {
        Self::parse(&format!("{}.{random}", district.0))
    }

    /// A secret as presented; `None` for anything that cannot be one (it is then refused
    /// exactly as a secret that matches no session).
    pub fn parse(text: &str) -> Option<Self> {
        let (district, secret) = text.split_once('.')?;
        let digits = !district.is_empty()
            && district.len() <= 18
            && district.bytes().all(|b| b.is_ascii_digit());
        let random = secret.len() == SECRET_CHARS
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !digits || !random {
            return None;
        }
        let district = district.parse::<i64>().ok().filter(|&id| id > 0)?;
        Some(Self {
            district: DistrictId(district),
            text: text.to_owned(),
        })
    }

    pub fn district(&self) -> DistrictId {
        self.district
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Never printed: a secret in a log is a session given away.
impl std::fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionSecret({}.…)", self.district.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "q3RxQ0b1Jv7m2kz9Yt5uW8a1c4d6e8f0g2h4i6k8m0n";

    #[test]
    fn a_secret_carries_its_district_in_clear() {
        let secret = SessionSecret::new(DistrictId(42), RANDOM).unwrap();
        assert_eq!(secret.district(), DistrictId(42));
        assert_eq!(secret.as_str(), format!("42.{RANDOM}"));
        assert_eq!(SessionSecret::parse(secret.as_str()), Some(secret.clone()));
        assert!(!format!("{secret:?}").contains(RANDOM));
    }

    #[test]
    fn anything_else_is_no_secret() {
        for text in [
            RANDOM,
            &format!(".{RANDOM}"),
            &format!("0.{RANDOM}"),
            &format!("-1.{RANDOM}"),
            &format!("+1.{RANDOM}"),
            &format!("1.{}", &RANDOM[1..]),
            &format!("1.{RANDOM}x"),
            &format!("1.{}=", &RANDOM[1..]),
            &format!("99999999999999999999.{RANDOM}"),
            &format!("1 .{RANDOM}"),
            "",
        ] {
            assert_eq!(SessionSecret::parse(text), None, "{text}");
        }
    }
}
