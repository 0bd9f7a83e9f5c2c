//! Published examples from the JOSE RFCs, verified byte for byte:
//! RFC 7515 appendix A.1 (HS256 JWT), RFC 8037 appendices A.2, A.4 and A.5
//! (Ed25519), RFC 7520 section 4.4 (HS256 over a non-JWT payload).

// clippy.toml's allow-*-in-tests covers `#[test]` functions only; the
// helpers of this test crate panic on bad fixtures by design too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::Signer;
use jwtgate::{encode, Algorithm, Error, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};

/// Decodes unpadded base64url from the RFC text into a fixed buffer.
fn b64(text: &str) -> Vec<u8> {
    let mut buf = [0u8; 256];
    Base64UrlUnpadded::decode(text, &mut buf).unwrap().to_vec()
}

// --- RFC 7515 appendix A.1: HMAC SHA-256 --------------------------------

/// A.1.1: the JWK `k` of the example.
const RFC7515_A1_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

/// A.1.1: the complete JWS. Its header is `{"typ":"JWT",\r\n "alg":"HS256"}`
/// (with a CRLF) and its claims carry `exp` 1300819380 and a custom claim
/// `http://example.com/is_root`.
const RFC7515_A1_JWS: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9\
    .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
    .dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// The example's `exp`.
const RFC7515_A1_EXP: u64 = 1_300_819_380;

fn rfc7515_verifier() -> Verifier<'static> {
    let key = Key::hmac(Algorithm::HS256, &b64(RFC7515_A1_K)).unwrap();
    Verifier::new(KeySet::single(key), Policy::new())
}

#[test]
fn rfc7515_a1_hs256_verifies_before_exp() {
    let verifier = rfc7515_verifier();
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify(RFC7515_A1_JWS.as_bytes(), RFC7515_A1_EXP - 1, &mut buf);
    // The published token, key and a `now` one second before `exp`: valid.
    assert!(res.is_ok(), "{res:?}");
    let verified = res.unwrap();
    // The CRLF-laden header parses: alg HS256, typ JWT.
    assert_eq!(verified.header().alg(), Algorithm::HS256);
    assert!(verified.header().typ().unwrap().eq_str("JWT"));
    // The claims are the published ones, including the custom claim.
    let claims = verified.claims();
    assert!(claims.iss().unwrap().eq_str("joe"));
    assert_eq!(claims.exp(), Some(RFC7515_A1_EXP));
    assert_eq!(
        claims.raw_json(),
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );
}

#[test]
fn rfc7515_a1_hs256_expired_at_exp() {
    let verifier = rfc7515_verifier();
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify(RFC7515_A1_JWS.as_bytes(), RFC7515_A1_EXP, &mut buf);
    // RFC 7519 section 4.1.4: at `now == exp` the token has expired.
    assert!(
        matches!(
            res,
            Err(Error::Expired {
                exp: RFC7515_A1_EXP,
                now: RFC7515_A1_EXP
            })
        ),
        "{res:?}"
    );
}

#[test]
fn rfc7515_a1_hs256_tampered_signature_rejected() {
    let verifier = rfc7515_verifier();
    let mut token = RFC7515_A1_JWS.as_bytes().to_vec();
    let last_dot = token.iter().rposition(|&b| b == b'.').unwrap();
    // "dBjf..." becomes "eBjf...": one changed signature bit-group.
    token[last_dot + 1] = b'e';
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify(&token, RFC7515_A1_EXP - 1, &mut buf);
    // The published token with its first signature character changed.
    assert!(matches!(res, Err(Error::InvalidSignature)), "{res:?}");
}

#[test]
fn rfc7515_a1_hs256_wrong_key_rejected() {
    let mut k = b64(RFC7515_A1_K);
    k[0] ^= 1;
    let verifier = Verifier::new(
        KeySet::single(Key::hmac(Algorithm::HS256, &k).unwrap()),
        Policy::new(),
    );
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify(RFC7515_A1_JWS.as_bytes(), RFC7515_A1_EXP - 1, &mut buf);
    // The published token under a key differing in one bit.
    assert!(matches!(res, Err(Error::InvalidSignature)), "{res:?}");
}

// --- RFC 8037 appendix A: Ed25519 ---------------------------------------

/// A.1: the private key seed `d`.
const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
/// A.1/A.2: the public key `x`.
const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
/// A.4: the JWS of the payload "Example of Ed25519 signing" under the
/// protected header `{"alg":"EdDSA"}`.
const RFC8037_A4_JWS: &str = "eyJhbGciOiJFZERTQSJ9\
    .RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc\
    .hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

#[test]
fn rfc8037_a2_public_key_from_seed() {
    let key = Key::ed25519_private(&b64(RFC8037_D)).unwrap();
    // A.2: the public key derived from `d` is the published `x`.
    assert_eq!(
        key.ed25519_public_bytes().map(|x| x.to_vec()),
        Some(b64(RFC8037_X))
    );
}

#[test]
fn rfc8037_a5_verifies_with_public_key() {
    let key = Key::ed25519_public(&b64(RFC8037_X)).unwrap();
    let verifier = Verifier::new(KeySet::single(key), Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(RFC8037_A4_JWS.as_bytes(), &mut buf);
    // A.5: the published JWS verifies under the published public key.
    assert!(res.is_ok(), "{res:?}");
    let jws = res.unwrap();
    assert_eq!(jws.header.alg(), Algorithm::EdDSA);
    assert_eq!(jws.payload, b"Example of Ed25519 signing");
}

#[test]
fn rfc8037_a5_verifies_with_private_key() {
    let key = Key::ed25519_private(&b64(RFC8037_D)).unwrap();
    let verifier = Verifier::new(KeySet::single(key), Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(RFC8037_A4_JWS.as_bytes(), &mut buf);
    // A private key verifies with its public half.
    assert!(res.is_ok(), "{res:?}");
}

#[test]
fn rfc8037_a5_verifies_from_jwks() {
    let jwks = format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{RFC8037_X}"}}]}}"#);
    let verifier = Verifier::new(KeySet::from_jwks(jwks.as_bytes()).unwrap(), Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(RFC8037_A4_JWS.as_bytes(), &mut buf);
    // The A.2 public JWK, loaded as a JWKS, verifies A.4.
    assert!(res.is_ok(), "{res:?}");
}

#[test]
fn rfc8037_a4_tampered_payload_rejected() {
    let key = Key::ed25519_public(&b64(RFC8037_X)).unwrap();
    let verifier = Verifier::new(KeySet::single(key), Policy::new());
    // "Example of Ed25519 signing" -> "Example of Ed25519 signinh".
    let token = RFC8037_A4_JWS.replacen("IHNpZ25pbmc.", "IHNpZ25pbmg.", 1);
    assert_ne!(token, RFC8037_A4_JWS);
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(token.as_bytes(), &mut buf);
    // A.4's signature over a payload with its last byte changed.
    assert!(matches!(res, Err(Error::InvalidSignature)), "{res:?}");
}

#[test]
fn rfc8037_a4_signing_reproduces_signature_and_header() {
    // `encode` signs JWT claims, and A.4's payload is plain text, which
    // `encode` refuses; the published signature is therefore reproduced by
    // signing A.4's exact signing input with the same key through an
    // independent Ed25519 (deterministic, RFC 8032), and `encode` is then
    // checked to write A.4's header bytes and the same signature bytes as
    // that independent signer for a JSON payload.
    let seed: [u8; 32] = b64(RFC8037_D).try_into().unwrap();
    let reference = ed25519_dalek::SigningKey::from_bytes(&seed);
    let (signing_input, signature) = RFC8037_A4_JWS.rsplit_once('.').unwrap();
    assert_eq!(
        reference.sign(signing_input.as_bytes()).to_bytes().to_vec(),
        b64(signature)
    );

    let key = Key::ed25519_private(&seed).unwrap();
    let mut out = [0u8; 512];
    let plain = encode(
        &key,
        b"Example of Ed25519 signing",
        &HeaderFields {
            kid: None,
            typ: None,
            extra: None,
        },
        &mut out,
    );
    // A.4's payload is not a JSON object, so `encode` refuses it.
    assert!(matches!(plain, Err(Error::ClaimsJson)), "{plain:?}");

    let n = encode(
        &key,
        br#"{"sub":"Example of Ed25519 signing"}"#,
        &HeaderFields {
            kid: None,
            typ: None,
            extra: None,
        },
        &mut out,
    )
    .unwrap();
    let token = std::str::from_utf8(&out[..n]).unwrap();
    let (ours_input, ours_signature) = token.rsplit_once('.').unwrap();
    // Same protected header bytes as A.4: `{"alg":"EdDSA"}`.
    assert!(ours_input.starts_with("eyJhbGciOiJFZERTQSJ9."), "{token}");
    // Byte-for-byte the signature of the independent signer.
    assert_eq!(
        b64(ours_signature),
        reference.sign(ours_input.as_bytes()).to_bytes().to_vec()
    );
}

// --- RFC 7520 section 4.4: HMAC-SHA2 integrity protection ----------------

/// Section 3.5: the symmetric key of the examples.
const RFC7520_KID: &str = "018c0ae5-4d9b-471b-bfd6-eef314bc7037";
const RFC7520_K: &str = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg";

/// Figure 7: the payload (with U+2019 apostrophes in "It's" and "there's").
const RFC7520_PAYLOAD: &str = "It\u{2019}s a dangerous business, Frodo, going out your door. \
    You step onto the road, and if you don't keep your feet, there\u{2019}s no knowing where \
    you might be swept off to.";

/// Figure 35: the compact serialization of section 4.4.3.
const RFC7520_4_4_JWS: &str =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9\
    .SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0\
    aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91\
    IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4\
    .s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";

fn rfc7520_verifier() -> Verifier<'static> {
    let key = Key::hmac(Algorithm::HS256, &b64(RFC7520_K))
        .unwrap()
        .with_kid(RFC7520_KID)
        .unwrap();
    Verifier::new(KeySet::single(key), Policy::new())
}

#[test]
fn rfc7520_4_4_hs256_verifies() {
    let verifier = rfc7520_verifier();
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(RFC7520_4_4_JWS.as_bytes(), &mut buf);
    // Figure 35 verifies with the section 3.5 key found by its `kid`.
    assert!(res.is_ok(), "{res:?}");
    let jws = res.unwrap();
    assert_eq!(jws.header.alg(), Algorithm::HS256);
    assert!(jws.header.kid().unwrap().eq_str(RFC7520_KID));
    assert_eq!(jws.payload, RFC7520_PAYLOAD.as_bytes());
}

#[test]
fn rfc7520_4_4_is_not_a_jwt() {
    let verifier = rfc7520_verifier();
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify(RFC7520_4_4_JWS.as_bytes(), 0, &mut buf);
    // The signature holds but the payload is prose, not a claims object.
    assert!(matches!(res, Err(Error::ClaimsJson)), "{res:?}");
}

#[test]
fn rfc7520_4_4_from_jwks() {
    let jwks = format!(
        r#"{{"keys":[{{"kty":"oct","kid":"{RFC7520_KID}","use":"sig","alg":"HS256","k":"{RFC7520_K}"}}]}}"#
    );
    let verifier = Verifier::new(KeySet::from_jwks(jwks.as_bytes()).unwrap(), Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(RFC7520_4_4_JWS.as_bytes(), &mut buf);
    // The section 3.5 JWK (Figure 5), loaded as a JWKS, verifies Figure 35.
    assert!(res.is_ok(), "{res:?}");
}

#[test]
fn rfc7520_4_4_other_kid_rejected() {
    let key = Key::hmac(Algorithm::HS256, &b64(RFC7520_K))
        .unwrap()
        .with_kid("another-key")
        .unwrap();
    let verifier = Verifier::new(KeySet::single(key), Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(RFC7520_4_4_JWS.as_bytes(), &mut buf);
    // The right secret under another `kid` is not used for this token.
    assert!(matches!(res, Err(Error::UnknownKey)), "{res:?}");
}

#[test]
fn rfc7520_4_4_tampered_payload_rejected() {
    let verifier = rfc7520_verifier();
    // "...swept off to." -> "...swept off tO." in base64: change one payload character.
    let token = RFC7520_4_4_JWS.replacen(
        "IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
        "IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0bz4",
        1,
    );
    assert_ne!(token, RFC7520_4_4_JWS);
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify_jws(token.as_bytes(), &mut buf);
    // Figure 35 with one payload character changed.
    assert!(matches!(res, Err(Error::InvalidSignature)), "{res:?}");
}
