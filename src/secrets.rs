//! Secrets: random from the operating system's CSPRNG, stored only as hashes.

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(String);

pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// A bearer secret of 256 bits, URL-safe: session ids and app tokens.
pub fn token() -> Result<String, RandomError> {
    Ok(Base64UrlUnpadded::encode_string(&random_bytes::<32>()?))
}

/// How a high-entropy secret is kept at rest: SHA-256, hex. (A slow hash adds nothing for 256
/// random bits; passwords use argon2id instead.)
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// `len` characters drawn uniformly from `alphabet` (at most 256 symbols).
pub fn code(alphabet: &[u8], len: usize) -> Result<String, RandomError> {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    // Rejection sampling keeps every symbol equally likely.
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in random_bytes::<32>()? {
            if (byte as usize) < limit && out.len() < len {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    Ok(out)
}

/// A uniformly random number in `0..=max`.
pub fn number(max: u32) -> Result<u32, RandomError> {
    let span = u64::from(max) + 1;
    let limit = u64::MAX - (u64::MAX % span);
    loop {
        let n = u64::from_le_bytes(random_bytes::<8>()?);
        if n < limit {
            // span ≤ 2^32, so the remainder fits.
            return Ok((n % span) as u32);
        }
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The operator's key for secrets that cannot be hashed because the server must use them (an
/// authenticator app's TOTP secret): 32 random bytes from the configuration, never from the
/// database, so that a copy of the database alone does not hold them. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// How a sealed value starts in the store; anything else was stored before a key was set.
const SEALED: &str = "sealed1:";

impl SecretKey {
    /// 32 bytes in base64 (`openssl rand -base64 32`), standard or URL-safe.
    pub fn parse(text: &str) -> Option<Self> {
        use base64ct::Base64;
        let text = text.trim();
        let bytes = Base64::decode_vec(text)
            .or_else(|_| Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')))
            .ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// `plain` sealed with AES-256-GCM under a random nonce, bound to `context` (the row it
    /// belongs to: a sealed value copied to another row does not open there).
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, RandomError> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let nonce = random_bytes::<12>()?;
        let cipher = aes_gcm::Aes256Gcm::new(&self.0.into());
        let sealed = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| RandomError("sealing failed".to_owned()))?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!(
            "{SEALED}{}",
            Base64UrlUnpadded::encode_string(&out)
        ))
    }

    /// What [`seal`](Self::seal) sealed for `context`; none if it was not sealed with this key
    /// for this context, or was tampered with.
    pub fn open(&self, stored: &str, context: &str) -> Option<Vec<u8>> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let raw = Base64UrlUnpadded::decode_vec(stored.strip_prefix(SEALED)?).ok()?;
        if raw.len() < 12 + 16 {
            return None;
        }
        let (nonce, sealed) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        aes_gcm::Aes256Gcm::new(&self.0.into())
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .ok()
    }
}

/// Whether a stored value was sealed (and so needs the key to be read).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let key = SecretKey::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
        let other = SecretKey::parse(&Base64UrlUnpadded::encode_string(&[9u8; 32])).unwrap();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", "totp:1:2").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, key.seal(b"JBSWY3DPEHPK3PXP", "totp:1:2").unwrap());
        assert_eq!(
            key.open(&sealed, "totp:1:2").as_deref(),
            Some(&b"JBSWY3DPEHPK3PXP"[..])
        );
        assert_eq!(key.open(&sealed, "totp:1:3"), None);
        assert_eq!(other.open(&sealed, "totp:1:2"), None);
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(key.open(&tampered, "totp:1:2"), None);
        assert!(SecretKey::parse("too short").is_none());
        assert!(format!("{key:?}").ends_with("(…)"));
    }

    #[test]
    fn tokens_are_long_distinct_and_url_safe() {
        let a = token().unwrap();
        let b = token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn codes_use_only_the_alphabet_and_cover_it() {
        let alphabet = b"ABC";
        let long = code(alphabet, 3000).unwrap();
        assert_eq!(long.len(), 3000);
        for c in ['A', 'B', 'C'] {
            let share = long.chars().filter(|x| *x == c).count();
            assert!((800..1200).contains(&share), "{c}: {share}");
        }
    }

    #[test]
    fn numbers_stay_in_range() {
        for _ in 0..1000 {
            assert!(number(10).unwrap() <= 10);
        }
        assert_eq!(number(0).unwrap(), 0);
    }
}
