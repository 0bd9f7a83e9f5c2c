//! Proves that ES256, RS256 and PS256 verification, ES256 signing, and
//! loading a JWKS of EC and RSA keys never touch the heap.
//!
//! The counting allocator counts only the measuring thread's allocations.
//! (`no_alloc.rs` covers the other algorithms with a denylist attached.)

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::counting::{allocations_during, Counting};

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{policy, CLAIMS, NOW};
use jsonwebtoken::{EncodingKey, Header};
use jwtgate::{encode, Algorithm, Error, HeaderFields, Key, KeySet, Verifier, BUFFER_LEN};

#[global_allocator]
static GLOBAL: Counting = Counting;

fn sign(alg: jsonwebtoken::Algorithm, key: &EncodingKey, kid: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    let claims: serde_json::Value = serde_json::from_str(CLAIMS).unwrap();
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

#[test]
fn idp_algorithms_allocate_nothing() {
    // Set-up may allocate: the JWKS text, tokens from jsonwebtoken.
    let jwks = include_str!("keys/jwks.json");
    let mut ps_jwks: serde_json::Value = serde_json::from_str(jwks).unwrap();
    ps_jwks["keys"][0]["alg"] = "PS256".into();
    ps_jwks["keys"][0]["kid"] = "ps".into();
    let ps_jwks = ps_jwks.to_string();
    let rsa = |der: &[u8]| EncodingKey::from_rsa_der(der);
    let tokens = [
        sign(
            jsonwebtoken::Algorithm::RS256,
            &rsa(include_bytes!("keys/rsa2048.der")),
            "rsa2048",
        ),
        sign(
            jsonwebtoken::Algorithm::RS256,
            &rsa(include_bytes!("keys/rsa3072.der")),
            "rsa3072",
        ),
        sign(
            jsonwebtoken::Algorithm::RS256,
            &rsa(include_bytes!("keys/rsa4096.der")),
            "rsa4096",
        ),
        sign(
            jsonwebtoken::Algorithm::ES256,
            &EncodingKey::from_ec_der(include_bytes!("keys/p256.der")),
            "p256",
        ),
    ];
    let ps_token = sign(
        jsonwebtoken::Algorithm::PS256,
        &rsa(include_bytes!("keys/rsa2048.der")),
        "ps",
    );
    let bad_token = {
        let mut t = tokens[0].clone();
        let last = t.pop().unwrap();
        t.push(if last == 'A' { 'Q' } else { 'A' });
        t
    };
    let d = Base64UrlUnpadded::decode_vec(include_str!("keys/p256.d").trim()).unwrap();
    let policy = policy();

    let mut buf = [0u8; BUFFER_LEN];
    let mut out = [0u8; 2048];
    let allocations = allocations_during(|| {
        let keys = KeySet::from_jwks(jwks.as_bytes()).unwrap();
        let verifier = Verifier::new(keys, policy);
        for token in &tokens {
            verifier.verify(token.as_bytes(), NOW, &mut buf).unwrap();
        }
        assert!(matches!(
            verifier.verify(bad_token.as_bytes(), NOW, &mut buf),
            Err(Error::InvalidSignature | Error::Base64)
        ));
        let ps = Verifier::new(KeySet::from_jwks(ps_jwks.as_bytes()).unwrap(), policy);
        ps.verify(ps_token.as_bytes(), NOW, &mut buf).unwrap();

        let es = Key::es256_private(&d).unwrap();
        let n = encode(&es, CLAIMS.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
        let public = Verifier::new(KeySet::single(es.to_public().unwrap()), policy);
        let verified = public.verify(&out[..n], NOW, &mut buf).unwrap();
        assert_eq!(verified.header().alg(), Algorithm::ES256);
    });
    assert_eq!(allocations, 0, "the ES256/RS256/PS256 paths allocated");

    // The counter itself works: this must be seen.
    let seen = allocations_during(|| drop(std::hint::black_box(vec![1u8; 16])));
    assert!(seen >= 1);
}
