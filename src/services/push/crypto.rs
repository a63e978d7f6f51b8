//! Web Push message encryption (RFC 8291, the `aes128gcm` content coding of RFC 8188) and
//! VAPID authorization (RFC 8292), with RustCrypto's P-256, HKDF and AES-GCM.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use base64ct::{Base64UrlUnpadded, Encoding};
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// The one record of a push message: payloads stay well under 4 KiB.
const RECORD_SIZE: u32 = 4096;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the subscription's key is not a P-256 point")]
    BadPublicKey,
    #[error("the subscription's auth secret is not 16 bytes")]
    BadAuthSecret,
    #[error("the payload is too large for one record")]
    TooLarge,
    #[error("encryption failed")]
    Encrypt,
}

/// The uncompressed SEC1 form of a public key (65 bytes).
pub fn public_bytes(key: &PublicKey) -> Vec<u8> {
    key.to_sec1_point(false).as_bytes().to_vec()
}

/// Encrypts `plaintext` for a subscription (its `p256dh` key and `auth` secret), with the
/// sender's one-time key `sender` and `salt`: both random for every message.
pub fn encrypt(
    plaintext: &[u8],
    ua_public: &[u8],
    auth_secret: &[u8],
    sender: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, CryptoError> {
    let ua = PublicKey::from_sec1_bytes(ua_public).map_err(|_| CryptoError::BadPublicKey)?;
    if auth_secret.len() != 16 {
        return Err(CryptoError::BadAuthSecret);
    }
    if plaintext.len() + 17 > RECORD_SIZE as usize {
        return Err(CryptoError::TooLarge);
    }
    let as_public = public_bytes(&sender.public_key());
    let ua_public = public_bytes(&ua);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), ua.as_affine());

    // RFC 8291 section 3.4: the input keying material from the ECDH secret and the auth secret.
    let mut info = Vec::with_capacity(144);
    info.extend_from_slice(b"WebPush: info\0");
    info.extend_from_slice(&ua_public);
    info.extend_from_slice(&as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth_secret), shared.raw_secret_bytes().as_ref())
        .expand(&info, &mut ikm)
        .map_err(|_| CryptoError::Encrypt)?;

    // RFC 8188 section 2.2 and 2.3: the content-encryption key and the nonce.
    let hkdf = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    hkdf.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| CryptoError::Encrypt)?;
    hkdf.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| CryptoError::Encrypt)?;

    // One record, ending with the last-record delimiter and no padding.
    let mut record = plaintext.to_vec();
    record.push(2);
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| CryptoError::Encrypt)?;
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &record,
                aad: b"",
            },
        )
        .map_err(|_| CryptoError::Encrypt)?;

    let mut body = Vec::with_capacity(21 + as_public.len() + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// `Authorization: vapid t=…, k=…` for a push service at `audience` (its origin), valid until
/// `expires` (Unix seconds), naming `subject` (a mailto: or https: contact).
pub fn vapid_authorization(key: &SecretKey, audience: &str, subject: &str, expires: i64) -> String {
    let header = Base64UrlUnpadded::encode_string(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = serde_json::json!({"aud": audience, "exp": expires, "sub": subject});
    let claims = Base64UrlUnpadded::encode_string(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{claims}");
    let signature: Signature = SigningKey::from(key).sign(signing_input.as_bytes());
    let token = format!(
        "{signing_input}.{}",
        Base64UrlUnpadded::encode_string(&signature.to_bytes())
    );
    let k = Base64UrlUnpadded::encode_string(&public_bytes(&key.public_key()));
    format!("vapid t={token}, k={k}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    fn b(text: &str) -> Vec<u8> {
        Base64UrlUnpadded::decode_vec(text).unwrap()
    }

    // RFC 8291 Appendix A.
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn the_rfc_8291_example_encrypts_to_the_published_bytes() {
        let sender = SecretKey::from_slice(&b(AS_PRIVATE)).unwrap();
        assert_eq!(public_bytes(&sender.public_key()), b(AS_PUBLIC));
        let salt: [u8; 16] = b(SALT).try_into().unwrap();
        let body = encrypt(
            b"When I grow up, I want to be a watermelon",
            &b(UA_PUBLIC),
            &b(AUTH),
            &sender,
            &salt,
        )
        .unwrap();
        assert_eq!(Base64UrlUnpadded::encode_string(&body), BODY);
    }

    #[test]
    fn bad_subscriptions_are_refused() {
        let sender = SecretKey::from_slice(&b(AS_PRIVATE)).unwrap();
        let salt = [0u8; 16];
        assert!(matches!(
            encrypt(b"x", &[4u8; 65], &b(AUTH), &sender, &salt),
            Err(CryptoError::BadPublicKey)
        ));
        assert!(matches!(
            encrypt(b"x", &b(UA_PUBLIC), &[1u8; 15], &sender, &salt),
            Err(CryptoError::BadAuthSecret)
        ));
        assert!(matches!(
            encrypt(&[0u8; 5000], &b(UA_PUBLIC), &b(AUTH), &sender, &salt),
            Err(CryptoError::TooLarge)
        ));
    }

    #[test]
    fn the_vapid_token_verifies_with_the_advertised_key() {
        let key = SecretKey::from_slice(&b(AS_PRIVATE)).unwrap();
        let header = vapid_authorization(
            &key,
            "https://push.example.net",
            "mailto:ops@example.org",
            1_800_000_000,
        );
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (token, k) = rest.split_once(", k=").unwrap();
        assert_eq!(b(k), b(AS_PUBLIC));
        let (input, signature) = token.rsplit_once('.').unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&b(input.split('.').nth(1).unwrap())).unwrap();
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["exp"], 1_800_000_000);
        let verifying = VerifyingKey::from_sec1_bytes(&b(k)).unwrap();
        let signature = Signature::from_slice(&b(signature)).unwrap();
        verifying.verify(input.as_bytes(), &signature).unwrap();
    }
}
