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

#[cfg(test)]
mod tests {
    use super::*;

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
