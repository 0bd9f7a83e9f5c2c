//! Token forging helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

pub mod counting;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use jwtgate::{Algorithm, Key, KeySet, Policy, Verifier};
use sha2::Sha256;

/// A 32-byte HS256 secret.
pub const SECRET: &[u8; 32] = b"jwtgate test secret, 32 bytes!!!";
/// A fixed Ed25519 seed.
pub const ED_SEED: [u8; 32] = [7u8; 32];
/// A `now` well inside every token's validity.
pub const NOW: u64 = 1_700_000_000;

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    Base64UrlUnpadded::encode_string(bytes.as_ref())
}

/// An HS256 token over arbitrary header and claims text (nothing checked).
pub fn hs256(header: &str, claims: &str) -> String {
    hs256_raw(&b64(header), &b64(claims))
}

/// An HS256 token over already-encoded parts.
pub fn hs256_raw(header_b64: &str, claims_b64: &str) -> String {
    let input = format!("{header_b64}.{claims_b64}");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(mac.finalize().into_bytes()))
}

/// An EdDSA token over arbitrary header and claims text.
pub fn eddsa(header: &str, claims: &str) -> String {
    use ed25519_dalek::Signer;
    let input = format!("{}.{}", b64(header), b64(claims));
    let key = ed25519_dalek::SigningKey::from_bytes(&ED_SEED);
    format!("{input}.{}", b64(key.sign(input.as_bytes()).to_bytes()))
}

pub fn hs_key() -> Key {
    Key::hmac(Algorithm::HS256, SECRET).unwrap()
}

pub fn ed_public_key() -> Key {
    Key::ed25519_private(&ED_SEED).unwrap().to_public().unwrap()
}

pub fn verifier(key: Key, policy: Policy) -> Verifier<'static> {
    Verifier::new(KeySet::single(key), policy)
}

/// Claims valid at `NOW`.
pub const CLAIMS: &str = r#"{"iss":"https://issuer.example","sub":"user-1","aud":"orders","exp":1800000000,"iat":1690000000,"jti":"t-1","sid":"s-1"}"#;

/// A policy that accepts `CLAIMS`.
pub fn policy() -> Policy {
    let mut p = Policy::new();
    p.add_issuer("https://issuer.example").unwrap();
    p.add_audience("orders").unwrap();
    p
}
