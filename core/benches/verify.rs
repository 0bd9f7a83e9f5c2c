//! Per-verify cost next to the raw primitive and the `jsonwebtoken` crate,
//! on tokens of realistic size. Read the results as ratios within one run.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::as_conversions)]

use std::hint::black_box;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, KeyInit, Mac};
use jwtgate::{
    Algorithm, Denylist, DenylistBuilder, DenylistConfig, HeaderFields, Key, KeySet, Policy,
    Revocation, Verifier, BUFFER_LEN,
};
use sha2::Sha256;

mod common;
use common::{PeerClaims, CLAIMS};

const SECRET: &[u8; 32] = b"jwtgate bench secret, 32 bytes!!";
const SEED: [u8; 32] = [42; 32];
// Close to the token's exp (4_000_000_000), inside the denylist's windows,
// so every verification really hashes and probes the denylist.
const NOW: u64 = 3_999_990_000;

fn sign(key: &Key) -> String {
    let mut out = [0u8; 2048];
    let n = jwtgate::encode(key, CLAIMS.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

fn policy() -> Policy {
    let mut p = Policy::new();
    p.add_issuer("https://login.example.com/").unwrap();
    p.add_audience("orders").unwrap();
    p
}

/// A denylist of one million revoked tokens (none of them ours).
fn million_denylist() -> Vec<u8> {
    let ids: Vec<String> = (0..1_000_000).map(|i| format!("revoked-{i}")).collect();
    let entries: Vec<Revocation<'_>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| Revocation::Token {
            jti: id.as_bytes(),
            until: NOW + 60 + (i as u64 % 20_000),
        })
        .collect();
    let builder = DenylistBuilder::new(DenylistConfig::new([9; 16], NOW));
    let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
    let n = builder.build(&entries, &mut bytes).unwrap();
    bytes.truncate(n);
    bytes
}

fn bench_hs256(c: &mut Criterion, denylist: &Denylist<'_>) {
    let key = Key::hmac(Algorithm::HS256, SECRET).unwrap();
    let token = sign(&key);
    let verifier = Verifier::new(KeySet::single(key), policy()).with_denylist(*denylist);
    let mut buf = [0u8; BUFFER_LEN];
    assert!(verifier.verify(token.as_bytes(), NOW, &mut buf).is_ok());

    let mut group = c.benchmark_group("HS256");
    group.bench_function("jwtgate verify (claims, policy, 1M denylist)", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(token.as_bytes()), NOW, &mut buf)
                .is_ok()
        })
    });
    let (input, tag) = token.rsplit_once('.').unwrap();
    let tag = Base64UrlUnpadded::decode_vec(tag).unwrap();
    let keyed = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
    group.bench_function("raw HMAC-SHA256 (keyed state reused)", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(input.as_bytes()));
            mac.verify_slice(&tag).is_ok()
        })
    });
    let peer_key = jsonwebtoken::DecodingKey::from_secret(SECRET);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["https://login.example.com/"]);
    validation.set_audience(&["orders"]);
    group.bench_function("jsonwebtoken decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<PeerClaims>(black_box(&token), &peer_key, &validation).is_ok()
        })
    });
    group.finish();
}

fn bench_eddsa(c: &mut Criterion, denylist: &Denylist<'_>) {
    let key = Key::ed25519_private(&SEED).unwrap();
    let token = sign(&key);
    let public = key.to_public().unwrap();
    let verifier = Verifier::new(KeySet::single(public), policy()).with_denylist(*denylist);
    let mut buf = [0u8; BUFFER_LEN];
    assert!(verifier.verify(token.as_bytes(), NOW, &mut buf).is_ok());

    let mut group = c.benchmark_group("EdDSA");
    group.bench_function("jwtgate verify (claims, policy, 1M denylist)", |b| {
        b.iter(|| {
            verifier
                .verify(black_box(token.as_bytes()), NOW, &mut buf)
                .is_ok()
        })
    });
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature: [u8; 64] = Base64UrlUnpadded::decode_vec(signature)
        .unwrap()
        .try_into()
        .unwrap();
    let signature = ed25519_dalek::Signature::from_bytes(&signature);
    let dalek = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key();
    assert!(dalek.verify_strict(input.as_bytes(), &signature).is_ok());
    group.bench_function("raw Ed25519 verify_strict", |b| {
        b.iter(|| {
            dalek
                .verify_strict(black_box(input.as_bytes()), &signature)
                .is_ok()
        })
    });
    let x = Base64UrlUnpadded::encode_string(&dalek.to_bytes());
    let peer_key = jsonwebtoken::DecodingKey::from_ed_components(&x).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&["https://login.example.com/"]);
    validation.set_audience(&["orders"]);
    group.bench_function("jsonwebtoken decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<PeerClaims>(black_box(&token), &peer_key, &validation).is_ok()
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let bytes = million_denylist();
    let denylist = Denylist::from_bytes(&bytes).unwrap();
    bench_hs256(c, &denylist);
    bench_eddsa(c, &denylist);
}

criterion_group!(verify, benches);
criterion_main!(verify);
