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
    Algorithm, CacheSlot, Config, Denylist, DenylistBuilder, HeaderFields, Key, KeySet, Policy,
    Revocation, TokenCache, Verifier, BUFFER_LEN,
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
    let builder = DenylistBuilder::new(Config::new([9; 16], NOW));
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
    cache_ratios(&rounds, denylist)
}

/// The verified-token cache (issue 15): for each algorithm an uncached
/// verify against a cache hit of the same token, each hit against an
/// uncached HS256 verify, and the throughput of 2 threads against 1 on
/// cache hits. Every call runs claims, policy and the 1M-entry denylist.
fn cache_ratios(rounds: &dyn Fn(u32) -> u32, denylist: Denylist<'_>) -> Result<(), Error> {
    let mut buf = [0u8; BUFFER_LEN];
    let slots: Vec<CacheSlot> = (0..4096).map(|_| CacheSlot::new()).collect();
    let cache = TokenCache::new(slots.as_slice(), [0x5a; 16]);
    let hs_key = Key::hmac(Algorithm::HS256, SECRET)?;
    let hs_token = sign(&hs_key)?;
    let hs = verifier(hs_key, denylist)?;
    let es_key = Key::es256_private(&[7; 32])?;
    let es_token = sign(&es_key)?;
    let ed_key = Key::ed25519_private(&SEED)?;
    let ed_token = sign(&ed_key)?;
    // RS256: the core verifies only; the token and key are the shared IdP
    // fixture's (its own claims, issuer and audience, 584 bytes).
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/fixtures/idp_tokens.json"))?;
    let text = |path: &str| -> Result<String, Error> {
        Ok(fixture
            .pointer(path)
            .and_then(|v| v.as_str())
            .ok_or("fixture")?
            .to_string())
    };
    let rs_key = Key::rs256_public(&unhex(&text("/keys/rsa2048_n_hex")?)?, &[1, 0, 1])?
        .with_kid("rsa2048")?;
    let rs_token = text("/tokens/rs256_rsa2048")?.into_bytes();
    let rs_now = fixture.get("now").and_then(|v| v.as_u64()).ok_or("now")?;
    let mut rs_policy = Policy::new();
    rs_policy.add_issuer(&text("/issuer")?)?;
    rs_policy.add_audience(&text("/audience")?)?;
    let rs = Verifier::new(KeySet::single(rs_key), rs_policy).with_denylist(denylist);
    let cases = [
        ("HS256", hs.clone(), hs_token.clone(), NOW, 5_000),
        (
            "EdDSA",
            verifier(ed_key.to_public().ok_or("public")?, denylist)?,
            ed_token,
            NOW,
            200,
        ),
        (
            "ES256",
            verifier(es_key.to_public().ok_or("public")?, denylist)?,
            es_token,
            NOW,
            100,
        ),
        ("RS256", rs, rs_token, rs_now, 100),
    ];
    for (name, v, token, now, block) in &cases {
        let uncached = v.verify(token, *now, &mut buf).map(|_| ());
        let cached = v
            .verify_cached(token, *now, v.denylist(), &mut buf, &cache, 1)
            .map(|_| ());
        if uncached.is_err() || cached != uncached {
            return Err(format!("{name}: the benchmark token does not verify").into());
        }
        let mut hs_buf = [0u8; BUFFER_LEN];
        let (hit, miss) = interleaved(
            rounds(200),
            rounds(*block),
            || {
                black_box(
                    v.verify_cached(black_box(token), *now, v.denylist(), &mut buf, &cache, 1)
                        .is_ok(),
                );
            },
            || {
                black_box(v.verify(black_box(token), *now, &mut hs_buf).is_ok());
            },
        );
        println!(
            "{name} cache: hit {hit:.0} ns, uncached {miss:.0} ns, hit/uncached {:.3} ({:.1}x faster)",
            hit / miss,
            miss / hit
        );
        let (hit, hs_miss) = interleaved(
            rounds(200),
            rounds(2_000),
            || {
                black_box(
                    v.verify_cached(black_box(token), *now, v.denylist(), &mut buf, &cache, 1)
                        .is_ok(),
                );
            },
            || {
                black_box(hs.verify(black_box(&hs_token), NOW, &mut hs_buf).is_ok());
            },
        );
        println!(
            "{name} cache hit {hit:.0} ns / uncached HS256 {hs_miss:.0} ns: {:.3}",
            hit / hs_miss
        );
    }

    // Scaling: 256 distinct EdDSA tokens, all cached, verified by 1 and by
    // 2 threads; the ratio of verifications per second.
    let ed_private = Key::ed25519_private(&SEED)?;
    let ed = verifier(ed_private.to_public().ok_or("public")?, denylist)?;
    let tokens: Vec<Vec<u8>> = (0..256)
        .map(|i| {
            let claims = CLAIMS.replace("sess-77d1e0b2", &format!("sess-{i:08}"));
            let mut out = [0u8; 2048];
            let n = jwtgate::encode(
                &ed_private,
                claims.as_bytes(),
                &HeaderFields::new(),
                &mut out,
            )?;
            Ok(out.get(..n).ok_or("short")?.to_vec())
        })
        .collect::<Result<_, Error>>()?;
    for token in &tokens {
        ed.verify_cached(token, NOW, ed.denylist(), &mut buf, &cache, 1)?;
    }
    let per_thread = usize::try_from(rounds(20_000)).unwrap_or(1);
    let run = |threads: usize| -> f64 {
        let start = std::time::Instant::now();
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (ed, cache, tokens) = (&ed, &cache, &tokens);
                scope.spawn(move || {
                    let mut buf = [0u8; BUFFER_LEN];
                    for i in 0..per_thread {
                        let Some(token) = tokens.get((i * 7 + t * 128) % tokens.len()) else {
                            return;
                        };
                        black_box(
                            ed.verify_cached(token, NOW, ed.denylist(), &mut buf, cache, 1)
                                .is_ok(),
                        );
                    }
                });
            }
        });
        f64::from(u32::try_from(threads * per_thread).unwrap_or(u32::MAX))
            / start.elapsed().as_secs_f64()
    };
    let (mut one, mut two) = (0f64, 0f64);
    for _ in 0..rounds(20) {
        one = one.max(run(1));
        two = two.max(run(2));
    }
    println!(
        "cache hits, EdDSA, 256 tokens: 1 thread {:.2} M/s, 2 threads {:.2} M/s, ratio {:.2}",
        one / 1e6,
        two / 1e6,
        two / one
    );
    let stats = cache.stats();
    println!(
        "cache counters: {} hits, {} misses, {} inserts, {} evictions",
        stats.hits, stats.misses, stats.inserts, stats.evictions
    );
    Ok(())
}

fn unhex(text: &str) -> Result<Vec<u8>, Error> {
    (0..text.len())
        .step_by(2)
        .map(|i| Ok(u8::from_str_radix(text.get(i..i + 2).ok_or("hex")?, 16)?))
        .collect()
}
