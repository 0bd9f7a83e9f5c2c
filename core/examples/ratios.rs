//! Verification cost as a ratio to the raw primitive (and, for HS256, to
//! `jsonwebtoken`), measured interleaved:
//! short blocks of jwtgate's verify and of the primitive alternate, and the
//! fastest block of each is compared. Criterion times each function in its
//! own window, and on a shared virtual machine the noise between windows can
//! exceed the difference being measured; alternating exposes both sides to
//! the same noise, and the minimum is what the code costs when undisturbed.
//!
//! Run: `cargo run --release -p jwtgate --example ratios` (an argument
//! divides the number of rounds, for profilers: `ratios 100`).
//! (the token, policy and 1M-entry denylist are those of `benches/verify.rs`).

use std::hint::black_box;

use hmac::{Hmac, KeyInit, Mac};
use jwtgate::{
    Algorithm, Denylist, DenylistBuilder, DenylistConfig, HeaderFields, Key, KeySet, Policy,
    Revocation, Verifier, BUFFER_LEN,
};
use sha2::Sha256;

#[path = "../benches/common/mod.rs"]
mod common;
use common::{interleaved, PeerClaims, CLAIMS};

type Error = Box<dyn std::error::Error>;

const SECRET: &[u8; 32] = b"jwtgate bench secret, 32 bytes!!";
const SEED: [u8; 32] = [42; 32];
const NOW: u64 = 3_999_990_000;

fn report(name: &str, ours: f64, baseline: &str, theirs: f64) {
    println!(
        "{name}: jwtgate {ours:.0} ns, {baseline} {theirs:.0} ns, ratio {:.2}",
        ours / theirs
    );
}

fn sign(key: &Key) -> Result<Vec<u8>, Error> {
    let mut out = [0u8; 2048];
    let n = jwtgate::encode(key, CLAIMS.as_bytes(), &HeaderFields::new(), &mut out)?;
    Ok(out.get(..n).ok_or("short")?.to_vec())
}

fn million_denylist() -> Result<Vec<u8>, Error> {
    let ids: Vec<String> = (0..1_000_000).map(|i| format!("revoked-{i}")).collect();
    let entries: Vec<Revocation<'_>> = ids
        .iter()
        .zip(0u64..)
        .map(|(id, i)| Revocation::Token {
            jti: id.as_bytes(),
            until: NOW + 60 + i % 20_000,
        })
        .collect();
    let builder = DenylistBuilder::new(DenylistConfig::new([9; 16], NOW));
    let mut bytes = vec![0u8; builder.required_len(&entries)?];
    let n = builder.build(&entries, &mut bytes)?;
    bytes.truncate(n);
    Ok(bytes)
}

fn verifier<'d>(key: Key, denylist: Denylist<'d>) -> Result<Verifier<'d>, Error> {
    let mut policy = Policy::new();
    policy.add_issuer("https://login.example.com/")?;
    policy.add_audience("orders")?;
    Ok(Verifier::new(KeySet::single(key), policy).with_denylist(denylist))
}

/// The signing input and the decoded signature of a compact JWS.
fn split(token: &[u8]) -> Result<(&[u8], Vec<u8>), Error> {
    let dot = token.iter().rposition(|&b| b == b'.').ok_or("no dot")?;
    let input = token.get(..dot).ok_or("short")?;
    let encoded = token.get(dot + 1..).ok_or("short")?;
    let mut signature = vec![0u8; encoded.len()];
    let n = jwtgate::base64url_decode(encoded, &mut signature)?;
    signature.truncate(n);
    Ok((input, signature))
}

fn main() -> Result<(), Error> {
    let divide: u32 = std::env::args().nth(1).map_or(Ok(1), |s| s.parse())?;
    let rounds = |n: u32| (n / divide.max(1)).max(1);
    let bytes = million_denylist()?;
    let denylist = Denylist::from_bytes(&bytes)?;
    let mut buf = [0u8; BUFFER_LEN];

    let key = Key::hmac(Algorithm::HS256, SECRET)?;
    let token = sign(&key)?;
    let hs = verifier(key, denylist)?;
    hs.verify(&token, NOW, &mut buf)?;
    let (input, tag) = split(&token)?;
    let keyed = Hmac::<Sha256>::new_from_slice(SECRET)?;
    let (ours, raw) = interleaved(
        rounds(400),
        5_000,
        || {
            black_box(hs.verify(black_box(&token), NOW, &mut buf).is_ok());
        },
        || {
            let mut mac = keyed.clone();
            mac.update(black_box(input));
            black_box(mac.verify_slice(&tag).is_ok());
        },
    );
    report(
        "HS256 (claims, policy, 1M denylist)",
        ours,
        "raw HMAC-SHA256",
        raw,
    );

    // The same token and checks through `jsonwebtoken` (its clock is the
    // system's: the token's `exp` is in 2096).
    let text = std::str::from_utf8(&token)?;
    let peer_key = jsonwebtoken::DecodingKey::from_secret(SECRET);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["https://login.example.com/"]);
    validation.set_audience(&["orders"]);
    jsonwebtoken::decode::<PeerClaims>(text, &peer_key, &validation)?;
    let (ours, theirs) = interleaved(
        rounds(100),
        1_000,
        || {
            black_box(hs.verify(black_box(&token), NOW, &mut buf).is_ok());
        },
        || {
            black_box(
                jsonwebtoken::decode::<PeerClaims>(black_box(text), &peer_key, &validation).is_ok(),
            );
        },
    );
    report(
        "HS256 (claims, policy, 1M denylist)",
        ours,
        "jsonwebtoken decode",
        theirs,
    );

    let key = Key::ed25519_private(&SEED)?;
    let token = sign(&key)?;
    let ed = verifier(key.to_public().ok_or("no public half")?, denylist)?;
    ed.verify(&token, NOW, &mut buf)?;
    let (input, signature) = split(&token)?;
    let signature = ed25519_dalek::Signature::from_slice(&signature)?;
    let dalek = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key();
    let (ours, raw) = interleaved(
        rounds(400),
        20,
        || {
            black_box(ed.verify(black_box(&token), NOW, &mut buf).is_ok());
        },
        || {
            black_box(dalek.verify_strict(black_box(input), &signature).is_ok());
        },
    );
    report(
        "EdDSA (claims, policy, 1M denylist)",
        ours,
        "raw Ed25519 verify_strict",
        raw,
    );
    Ok(())
}
