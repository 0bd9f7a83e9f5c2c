//! ES256, RS256 and PS256: per-verify cost next to the raw primitive and the
//! `jsonwebtoken` crate (RustCrypto backend: `p256`, `rsa`), on the same
//! realistic token. Read the results as ratios within one run.
//!
//! "raw" is the signature check alone on the signing input: `p256` ECDSA
//! verify for ES256; for RSA, SHA-256 plus `s^e mod n` with the same
//! `crypto-bigint` Montgomery arithmetic jwtgate uses (parameters included),
//! the floor of any implementation built on it.

// A benchmark harness panics on bad fixtures by design.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, Uint};
use jsonwebtoken::{DecodingKey, EncodingKey, Validation};
use jwtgate::{Key, KeySet, Policy, Verifier, BUFFER_LEN};
use sha2::{Digest, Sha256};

mod common;
use common::{PeerClaims, CLAIMS};

const NOW: u64 = 1_700_000_000;
const JWKS: &str = include_str!("../tests/keys/jwks.json");

fn policy() -> Policy {
    let mut p = Policy::new();
    p.add_issuer("https://login.example.com/").unwrap();
    p.add_audience("orders").unwrap();
    p
}

fn jwk(kid: &str) -> serde_json::Value {
    let jwks: serde_json::Value = serde_json::from_str(JWKS).unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap()
        .clone()
}

fn unb64(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

fn peer_sign(alg: jsonwebtoken::Algorithm, key: &EncodingKey) -> String {
    let claims: serde_json::Value = serde_json::from_str(CLAIMS).unwrap();
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), &claims, key).unwrap()
}

fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
}

/// jwtgate and jsonwebtoken on one token, both checking claims and policy.
fn both(
    c: &mut Criterion,
    name: &str,
    key: Key,
    token: &str,
    peer_alg: jsonwebtoken::Algorithm,
    peer_key: &DecodingKey,
    raw: &dyn Fn() -> bool,
) {
    let verifier = Verifier::new(KeySet::single(key), policy());
    let mut buf = [0u8; BUFFER_LEN];
    assert!(verifier.verify(token.as_bytes(), NOW, &mut buf).is_ok());
    let mut validation = Validation::new(peer_alg);
    validation.set_issuer(&["https://login.example.com/"]);
    validation.set_audience(&["orders"]);
    assert!(jsonwebtoken::decode::<PeerClaims>(token, peer_key, &validation).is_ok());
    assert!(raw());

    let mut group = c.benchmark_group(name);
    configure(&mut group);
    group.bench_function("jwtgate verify (claims, policy)", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(token.as_bytes()), NOW, &mut buf)
                .is_ok()
        })
    });
    group.bench_function("raw primitive", |b| b.iter(raw));
    group.bench_function("jsonwebtoken decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<PeerClaims>(black_box(token), peer_key, &validation).is_ok()
        })
    });
    group.finish();
}

fn bench_es256(c: &mut Criterion) {
    let jwk = jwk("p256");
    let (x, y) = (jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap());
    let key = Key::es256_public_coordinates(&unb64(x), &unb64(y)).unwrap();
    let token = peer_sign(
        jsonwebtoken::Algorithm::ES256,
        &EncodingKey::from_ec_der(include_bytes!("../tests/keys/p256.der")),
    );
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&unb64(signature)).unwrap();
    let raw_key =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&key.es256_public_sec1().unwrap()).unwrap();
    let raw = || {
        use p256::ecdsa::signature::Verifier as _;
        raw_key
            .verify(black_box(input.as_bytes()), &signature)
            .is_ok()
    };
    let peer = DecodingKey::from_ec_components(x, y).unwrap();
    both(
        c,
        "ES256",
        key,
        &token,
        jsonwebtoken::Algorithm::ES256,
        &peer,
        &raw,
    );
}

/// SHA-256 and `s^65537 mod n` in `L` limbs, parameters computed per call.
fn raw_rsa<const L: usize>(n: &[u8], input: &[u8], signature: &[u8]) -> bool {
    let mut n_buf = vec![0u8; Uint::<L>::BYTES - n.len()];
    n_buf.extend_from_slice(n);
    let mut s_buf = vec![0u8; Uint::<L>::BYTES - signature.len()];
    s_buf.extend_from_slice(signature);
    let n = Uint::<L>::from_be_slice(&n_buf);
    let s = Uint::<L>::from_be_slice(&s_buf);
    let hash = Sha256::digest(black_box(input));
    let params = FixedMontyParams::new_vartime(Odd::new(n).unwrap());
    let base = FixedMontyForm::new(&s, &params);
    let m = base.square_repeat_vartime(16).mul(&base).retrieve();
    // The hash is the last 32 bytes of the encoded message.
    m.as_words()[..4]
        .iter()
        .rev()
        .flat_map(|w| w.to_be_bytes())
        .eq(hash.iter().copied())
}

fn bench_rsa(c: &mut Criterion, bits: u32, pss: bool) {
    let jwk = jwk(&format!("rsa{bits}"));
    let (n, e) = (jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap());
    let (alg, peer_alg) = if pss {
        (jwtgate::Algorithm::PS256, jsonwebtoken::Algorithm::PS256)
    } else {
        (jwtgate::Algorithm::RS256, jsonwebtoken::Algorithm::RS256)
    };
    let key = Key::rsa_public(alg, &unb64(n), &unb64(e)).unwrap();
    let der: &[u8] = match bits {
        2048 => include_bytes!("../tests/keys/rsa2048.der"),
        _ => include_bytes!("../tests/keys/rsa4096.der"),
    };
    let token = peer_sign(peer_alg, &EncodingKey::from_rsa_der(der));
    let (input, signature) = token.rsplit_once('.').unwrap();
    let (n_bytes, signature) = (unb64(n), unb64(signature));
    let raw = || match bits {
        2048 => raw_rsa::<{ crypto_bigint::U2048::LIMBS }>(&n_bytes, input.as_bytes(), &signature),
        _ => raw_rsa::<{ crypto_bigint::U4096::LIMBS }>(&n_bytes, input.as_bytes(), &signature),
    };
    let peer = DecodingKey::from_rsa_components(n, e).unwrap();
    let name = format!("{}-{bits}", alg.name());
    // PSS's raw check is not the PKCS#1 hash position: report the modexp floor only.
    let raw_pss = || {
        let _ = raw();
        true
    };
    let raw: &dyn Fn() -> bool = if pss { &raw_pss } else { &raw };
    both(c, &name, key, &token, peer_alg, &peer, raw);
}

fn benches(c: &mut Criterion) {
    bench_es256(c);
    bench_rsa(c, 2048, false);
    bench_rsa(c, 4096, false);
    bench_rsa(c, 2048, true);
}

criterion_group!(idp, benches);
criterion_main!(idp);
