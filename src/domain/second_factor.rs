//! A second factor: time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
//! steps, one step either side for a clock that drifts) and single-use recovery codes.

use super::{CROCKFORD, Invalid};

/// Digits in a code.
pub const TOTP_DIGITS: usize = 6;

/// Seconds a code lasts.
pub const TOTP_STEP: u64 = 30;

/// Steps either side of now that a code is still taken for.
pub const TOTP_SKEW: u16 = 1;

/// Bytes in a secret: 160 bits, as RFC 4226 recommends for HMAC-SHA-1.
pub const TOTP_SECRET_BYTES: usize = 20;

/// Recovery codes given at once; a new set replaces the old.
pub const RECOVERY_CODES: usize = 10;

/// Characters in a recovery code (Crockford's base 32: 50 bits).
pub const RECOVERY_CODE_LENGTH: usize = 10;

/// Whether a district's staff must have a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaffSecondFactor {
    /// Staff without one can, after their password, only enroll.
    #[default]
    Required,
    Optional,
}

impl StaffSecondFactor {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "required" => Ok(Self::Required),
            "optional" => Ok(Self::Optional),
            other => Err(Invalid::new(format!(
                "staff_second_factor must be required or optional, not {other:?}"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
        }
    }
}

/// A TOTP secret, in the base 32 of authenticator apps (RFC 4648, no padding).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    pub fn from_bytes(bytes: [u8; TOTP_SECRET_BYTES]) -> Self {
        Self(bytes.to_vec())
    }

    /// A secret as stored or typed: base 32, any case, spaces ignored.
    pub fn parse(base32: &str) -> Option<Self> {
        let compact: String = base32
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let secret = totp_rs::Secret::try_from_base32(compact.trim_end_matches('=')).ok()?;
        // RFC 4226 asks for 128 bits at the least.
        (secret.as_bytes().len() >= 16).then(|| Self(secret.as_bytes().to_vec()))
    }

    pub fn to_base32(&self) -> String {
        totp_rs::Secret::from(self.0.clone())
            .to_base32()
            .trim_end_matches('=')
            .to_owned()
    }

    fn totp(&self) -> totp_rs::Totp {
        totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(TOTP_DIGITS as u8)
            .with_skew(TOTP_SKEW)
            .with_step_duration(TOTP_STEP)
            .with_secret(self.0.clone())
            .build_noncompliant()
    }

    /// The code for the step that holds `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp().generate(unix_seconds).to_string()
    }

    /// The step `code` belongs to, if it is the code of now's step or of one either side.
    pub fn step_of(&self, code: &TotpCode, unix_seconds: u64) -> Option<u64> {
        self.totp().check(code.as_str(), unix_seconds)
    }

    /// The `otpauth://` address an authenticator app takes (as a QR code or typed), naming
    /// the account and the issuer it shows.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let escape = |s: &str| {
            url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP}",
            escape(issuer),
            escape(account),
            self.to_base32(),
            escape(issuer),
        )
    }
}

/// A code as typed: six digits, spaces ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    pub fn parse(raw: &str) -> Option<Self> {
        let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        (digits.len() == TOTP_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A recovery code as typed: Crockford base 32, in any case, with or without its dash;
/// the letters it never uses read as the digits they look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    pub fn parse(raw: &str) -> Option<Self> {
        let code: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        (code.len() == RECOVERY_CODE_LENGTH && code.bytes().all(|b| CROCKFORD.contains(&b)))
            .then_some(Self(code))
    }

    /// As shown to the account once: two groups of five.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a login or a removal offers as its second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorProof {
    Totp(TotpCode),
    Recovery(RecoveryCode),
}

impl SecondFactorProof {
    /// One field that takes either: six digits are a code, anything else a recovery code.
    pub fn parse(raw: &str) -> Option<Self> {
        TotpCode::parse(raw)
            .map(Self::Totp)
            .or_else(|| RecoveryCode::parse(raw).map(Self::Recovery))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B, for SHA-1: the shared secret is the ASCII "12345678901234567890";
    /// its 8-digit values, of which a 6-digit code is the last six digits.
    #[test]
    fn the_rfc_6238_test_vectors_for_sha1() {
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(secret.code_at(time), eight[2..], "T = {time}");
        }
        assert_eq!(
            secret.to_base32(),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "RFC 4648 base 32"
        );
    }

    #[test]
    fn a_code_is_taken_one_step_either_side_and_no_further() {
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        let at = 1_111_111_111u64;
        let code = TotpCode::parse(&secret.code_at(at)).unwrap();
        let step = at / TOTP_STEP;
        assert_eq!(secret.step_of(&code, at), Some(step));
        assert_eq!(secret.step_of(&code, at + TOTP_STEP), Some(step));
        assert_eq!(secret.step_of(&code, at - TOTP_STEP), Some(step));
        assert_eq!(secret.step_of(&code, at + 2 * TOTP_STEP), None);
        assert_eq!(secret.step_of(&code, at - 2 * TOTP_STEP), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_in_any_case_and_spacing() {
        let secret = TotpSecret::from_bytes([7; TOTP_SECRET_BYTES]);
        let text = secret.to_base32();
        assert_eq!(text.len(), 32);
        let spaced: String = text
            .to_ascii_lowercase()
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i % 4 == 0).then_some(' ').into_iter().chain([c]))
            .collect();
        assert_eq!(TotpSecret::parse(&spaced), Some(secret));
        assert_eq!(TotpSecret::parse("not base 32!"), None);
        assert_eq!(TotpSecret::parse(""), None);
    }

    #[test]
    fn the_address_names_issuer_and_account() {
        let secret = TotpSecret(b"12345678901234567890".to_vec());
        assert_eq!(
            secret.uri("Cedar Valley", "cv-admin"),
            "otpauth://totp/Cedar%20Valley:cv-admin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Cedar%20Valley&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn codes_and_recovery_codes_parse_as_typed() {
        assert_eq!(TotpCode::parse(" 123 456 ").unwrap().as_str(), "123456");
        assert!(TotpCode::parse("12345").is_none());
        assert!(
            TotpCode::parse("１２３４５６").is_none(),
            "full-width digits"
        );
        let code = RecoveryCode::parse("abcde-fghjk").unwrap();
        assert_eq!(code.as_str(), "ABCDEFGHJK");
        assert_eq!(code.display(), "ABCDE-FGHJK");
        assert_eq!(
            RecoveryCode::parse("0o1il-23456").unwrap().as_str(),
            "00111 23456".replace(' ', "")
        );
        assert!(
            RecoveryCode::parse("ABCDE-FGHJU").is_none(),
            "U is not Crockford"
        );
        assert!(matches!(
            SecondFactorProof::parse("654321"),
            Some(SecondFactorProof::Totp(_))
        ));
        assert!(matches!(
            SecondFactorProof::parse("ABCDE-FGHJK"),
            Some(SecondFactorProof::Recovery(_))
        ));
        assert_eq!(SecondFactorProof::parse("nonsense"), None);
    }

    #[test]
    fn the_staff_setting_parses() {
        assert_eq!(StaffSecondFactor::default(), StaffSecondFactor::Required);
        assert_eq!(
            StaffSecondFactor::parse("optional").unwrap().as_str(),
            "optional"
        );
        assert!(StaffSecondFactor::parse("sometimes").is_err());
    }
}
