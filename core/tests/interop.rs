//! Interoperability with the `jsonwebtoken` crate (11.1.0, RustCrypto
//! backend) for HS256, HS384, HS512 and EdDSA: tokens each library signs
//! verify in the other with the same claims visible, and both reject the
//! same tampered tokens.

// clippy.toml's allow-*-in-tests covers `#[test]` functions only; the
// helpers of this test crate panic on bad fixtures by design too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use jwtgate::{
    encode, Algorithm, Claim, Error, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN,
};
use serde::{Deserialize, Serialize};

/// HMAC secret: 64 bytes, enough for HS512.
const SECRET: &[u8; 64] = b"interop secret, 64 bytes long, for HS256 and HS384 and HS512 ok!";
/// Ed25519 private key seed.
const SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];
/// PKCS#8 v1 prefix of a 32-byte Ed25519 seed (RFC 8410 section 7).
const PKCS8_ED25519_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

const ISSUER: &str = "https://issuer.example";
const AUDIENCE: &str = "orders-api";

/// `aud` as one string or as an array, both valid (RFC 7519 section 4.1.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Aud {
    One(String),
    Many(Vec<String>),
}

/// Registered claims plus custom ones, with characters that need JSON escapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Aud,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: String,
    role: String,
    scopes: Vec<String>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(now: u64, aud: Aud) -> Claims {
    Claims {
        iss: ISSUER.to_owned(),
        // A quote, a backslash, a slash and non-ASCII: escapes on the wire.
        sub: "user \"42\" \\ caf\u{e9}/\u{1f600}".to_owned(),
        aud,
        exp: now + 3600,
        nbf: now - 60,
        iat: now - 60,
        jti: "0b8f3c1e-interop".to_owned(),
        role: "admin".to_owned(),
        scopes: vec!["orders:read".to_owned(), "orders:write".to_owned()],
    }
}

/// One algorithm's keys on both sides.
struct Pair {
    ours: Key,
    verify_key: Key,
    alg: jsonwebtoken::Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

fn pair(alg: Algorithm) -> Pair {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            let ours = Key::hmac(alg, SECRET).unwrap();
            Pair {
                verify_key: ours.clone(),
                ours,
                alg: match alg {
                    Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
                    Algorithm::HS384 => jsonwebtoken::Algorithm::HS384,
                    _ => jsonwebtoken::Algorithm::HS512,
                },
                encoding: EncodingKey::from_secret(SECRET),
                decoding: DecodingKey::from_secret(SECRET),
            }
        }
        Algorithm::EdDSA => {
            let ours = Key::ed25519_private(&SEED).unwrap();
            let public = ours.ed25519_public_bytes().unwrap();
            let mut der = PKCS8_ED25519_PREFIX.to_vec();
            der.extend_from_slice(&SEED);
            assert_eq!(der.len(), 48);
            Pair {
                // Verify with the public key alone, as a relying party would.
                verify_key: Key::ed25519_public(&public).unwrap(),
                ours,
                alg: jsonwebtoken::Algorithm::EdDSA,
                encoding: EncodingKey::from_ed_der(&der),
                decoding: DecodingKey::from_ed_der(&public),
            }
        }
        _ => unreachable!("no other algorithm"),
    }
}

fn policy() -> Policy {
    let mut policy = Policy::new();
    policy.add_issuer(ISSUER).unwrap();
    policy.add_audience(AUDIENCE).unwrap();
    for claim in [
        Claim::Iss,
        Claim::Sub,
        Claim::Aud,
        Claim::Nbf,
        Claim::Iat,
        Claim::Jti,
    ] {
        policy.required = policy.required.with(claim);
    }
    policy
}

fn validation(alg: jsonwebtoken::Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.leeway = 0;
    validation.validate_nbf = true;
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub", "aud"]);
    validation
}

/// Checks that jwtgate sees exactly `expected` in a verified token.
fn assert_claims_visible(token: &str, pair: &Pair, now: u64, expected: &Claims) {
    let verifier = Verifier::new(KeySet::single(pair.verify_key.clone()), policy());
    let mut buf = [0u8; BUFFER_LEN];
    let res = verifier.verify(token.as_bytes(), now, &mut buf);
    assert!(res.is_ok(), "{:?}: {res:?} for {token}", pair.alg);
    let verified = res.unwrap();
    assert_eq!(verified.header().alg(), pair.ours.algorithm());
    let c = verified.claims();
    assert!(c.iss().unwrap().eq_str(&expected.iss));
    // `sub` compares after unescaping.
    assert!(c.sub().unwrap().eq_str(&expected.sub), "sub: {:?}", c.sub());
    let mut sub = [0u8; 64];
    assert_eq!(
        c.sub().unwrap().unescape_into(&mut sub).unwrap(),
        expected.sub
    );
    assert!(c.jti().unwrap().eq_str(&expected.jti));
    assert_eq!(c.exp(), Some(expected.exp));
    assert_eq!(c.nbf(), Some(expected.nbf));
    assert_eq!(c.iat(), Some(expected.iat));
    let aud = c.aud().unwrap();
    match &expected.aud {
        Aud::One(a) => assert!(aud.contains(a)),
        Aud::Many(all) => {
            for a in all {
                assert!(aud.contains(a), "aud {a}");
            }
        }
    }
    assert!(!aud.contains("someone-else"));
    // Custom claims, read from the raw JSON as a user would.
    let all: Claims = serde_json::from_slice(c.raw_json()).unwrap();
    assert_eq!(&all, expected);
}

const ALGORITHMS: [Algorithm; 4] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::EdDSA,
];

fn audiences() -> [Aud; 2] {
    [
        Aud::One(AUDIENCE.to_owned()),
        Aud::Many(vec!["other-api".to_owned(), AUDIENCE.to_owned()]),
    ]
}

#[test]
fn jsonwebtoken_signs_jwtgate_verifies() {
    let now = now();
    for alg in ALGORITHMS {
        let pair = pair(alg);
        for aud in audiences() {
            let expected = claims(now, aud);
            let token =
                jsonwebtoken::encode(&Header::new(pair.alg), &expected, &pair.encoding).unwrap();
            // Sanity: jsonwebtoken accepts its own token under the same rules.
            jsonwebtoken::decode::<Claims>(&token, &pair.decoding, &validation(pair.alg)).unwrap();
            assert_claims_visible(&token, &pair, now, &expected);
        }
    }
}

#[test]
fn jwtgate_signs_jsonwebtoken_verifies() {
    let now = now();
    for alg in ALGORITHMS {
        let pair = pair(alg);
        for aud in audiences() {
            let expected = claims(now, aud);
            let json = serde_json::to_vec(&expected).unwrap();
            let mut out = [0u8; 2048];
            let n = encode(&pair.ours, &json, &HeaderFields::new(), &mut out).unwrap();
            let token = std::str::from_utf8(&out[..n]).unwrap();
            let header = jsonwebtoken::decode_header(token).unwrap();
            assert_eq!(header.alg, pair.alg);
            assert_eq!(header.typ.as_deref(), Some("JWT"));
            let data = jsonwebtoken::decode::<Claims>(token, &pair.decoding, &validation(pair.alg));
            assert!(data.is_ok(), "{alg}: {data:?} for {token}");
            assert_eq!(data.unwrap().claims, expected);
            // And jwtgate reads back what it wrote.
            assert_claims_visible(token, &pair, now, &expected);
        }
    }
}

/// Ways to break a valid token, each with the error jwtgate must give.
fn tampered(token: &str, now: u64) -> Vec<(&'static str, String, Error)> {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    assert_eq!(parts.len(), 3);
    let mut out = Vec::new();

    // A payload with other claims (a later `exp`) under the original signature.
    let mut forged = claims(now, Aud::One(AUDIENCE.to_owned()));
    forged.exp += 86_400;
    let forged_payload = base64url(&serde_json::to_vec(&forged).unwrap());
    out.push((
        "payload replaced",
        format!("{}.{}.{}", parts[0], forged_payload, parts[2]),
        Error::InvalidSignature,
    ));

    // The first signature character changed (real signature bits, not padding bits).
    let mut sig = parts[2].clone().into_bytes();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    let sig = String::from_utf8(sig).unwrap();
    out.push((
        "signature changed",
        format!("{}.{}.{}", parts[0], parts[1], sig),
        Error::InvalidSignature,
    ));

    // The signature removed.
    out.push((
        "signature removed",
        format!("{}.{}.", parts[0], parts[1]),
        Error::InvalidSignature,
    ));

    // `alg: none` with the signature removed.
    out.push((
        "alg none",
        format!(
            "{}.{}.",
            base64url(br#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        ),
        Error::UnsupportedAlgorithm,
    ));

    // The last character of the payload dropped.
    let payload = parts.remove(1);
    out.push((
        "payload truncated",
        format!(
            "{}.{}.{}",
            parts[0],
            &payload[..payload.len() - 1],
            parts[1]
        ),
        Error::InvalidSignature,
    ));
    out
}

fn base64url(bytes: &[u8]) -> String {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let mut buf = vec![0u8; bytes.len() * 4 / 3 + 4];
    Base64UrlUnpadded::encode(bytes, &mut buf)
        .unwrap()
        .to_owned()
}

#[test]
fn both_reject_the_same_tampered_tokens() {
    let now = now();
    let mut cases = 0;
    for alg in ALGORITHMS {
        let pair = pair(alg);
        let expected = claims(now, Aud::One(AUDIENCE.to_owned()));
        let from_them =
            jsonwebtoken::encode(&Header::new(pair.alg), &expected, &pair.encoding).unwrap();
        let json = serde_json::to_vec(&expected).unwrap();
        let mut out = [0u8; 2048];
        let n = encode(&pair.ours, &json, &HeaderFields::new(), &mut out).unwrap();
        let from_us = std::str::from_utf8(&out[..n]).unwrap().to_owned();

        let verifier = Verifier::new(KeySet::single(pair.verify_key.clone()), policy());
        for token in [from_them, from_us] {
            for (what, bad, want) in tampered(&token, now) {
                let mut buf = [0u8; BUFFER_LEN];
                let ours = verifier.verify(bad.as_bytes(), now, &mut buf);
                assert_eq!(ours.err(), Some(want), "{alg} {what}: jwtgate on {bad}");
                let theirs =
                    jsonwebtoken::decode::<Claims>(&bad, &pair.decoding, &validation(pair.alg));
                assert!(theirs.is_err(), "{alg} {what}: jsonwebtoken accepted {bad}");
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 4 * 2 * 5);
}

#[test]
fn both_reject_an_expired_token() {
    let now = now();
    for alg in ALGORITHMS {
        let pair = pair(alg);
        let mut expected = claims(now, Aud::One(AUDIENCE.to_owned()));
        expected.exp = now - 10;
        let token =
            jsonwebtoken::encode(&Header::new(pair.alg), &expected, &pair.encoding).unwrap();
        let verifier = Verifier::new(KeySet::single(pair.verify_key.clone()), policy());
        let mut buf = [0u8; BUFFER_LEN];
        let ours = verifier.verify(token.as_bytes(), now, &mut buf);
        // Expired ten seconds ago, no leeway on either side.
        assert!(
            matches!(ours, Err(Error::Expired { .. })),
            "{alg}: {ours:?}"
        );
        let theirs = jsonwebtoken::decode::<Claims>(&token, &pair.decoding, &validation(pair.alg));
        assert!(
            theirs.is_err(),
            "{alg}: jsonwebtoken accepted an expired token"
        );
    }
}

#[test]
fn both_reject_a_token_for_another_algorithm_family() {
    // An HS256 token signed with the Ed25519 public key bytes as the HMAC
    // secret: the classic algorithm-confusion forgery against a verifier
    // holding only the Ed25519 key.
    let now = now();
    let ed = pair(Algorithm::EdDSA);
    let public = ed.verify_key.ed25519_public_bytes().unwrap();
    let expected = claims(now, Aud::One(AUDIENCE.to_owned()));
    let forged = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &expected,
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    let verifier = Verifier::new(KeySet::single(ed.verify_key.clone()), policy());
    let mut buf = [0u8; BUFFER_LEN];
    let ours = verifier.verify(forged.as_bytes(), now, &mut buf);
    // The token's alg does not match the only key's.
    assert!(matches!(ours, Err(Error::AlgorithmMismatch)), "{ours:?}");
    let theirs = jsonwebtoken::decode::<Claims>(&forged, &ed.decoding, &validation(ed.alg));
    assert!(
        theirs.is_err(),
        "jsonwebtoken accepted an algorithm-confused token"
    );
}
