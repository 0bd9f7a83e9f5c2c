//! Benchmark: verification with keys kept current by a key source (a JWKS
//! over HTTPS on loopback) against the same verifier with fixed keys, in
//! one run (alternating blocks, fastest block of each); then an unknown-kid
//! storm and the fetches it cost.
//!
//! Run: `cargo run --release -p jwtgate-sync --example keysource_bench -- [STORM_TOKENS]`
//! (default 100,000; cooldown 1 s).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/https.rs"]
#[allow(dead_code)]
mod https;

use std::sync::Arc;
use std::time::{Duration, Instant};

use https::{ed_key, jwks, signed, signed_with_kid, HttpsServer, Reply, Request};
use jwtgate::{KeySet, Policy};
use jwtgate_sync::{KeyLocation, KeySourceOptions, LiveVerifier, TransportOptions};

fn block(v: &LiveVerifier, token: &[u8], n: u32, buf: &mut [u8]) -> f64 {
    let now = jwtgate_sync::unix_now();
    let at = Instant::now();
    for _ in 0..n {
        assert!(v.verify(token, now, buf).is_ok());
    }
    at.elapsed().as_secs_f64() * 1e9 / f64::from(n)
}

fn main() {
    let storm: u32 = std::env::args()
        .nth(1)
        .map_or(100_000, |s| s.parse().unwrap());
    let k1 = ed_key("k1", 1);
    let doc = jwks(&[&k1]);
    let server = HttpsServer::start(move |_r: &Request| {
        Reply::json(doc.clone()).header("cache-control", "max-age=3600")
    });
    let options = KeySourceOptions {
        transport: TransportOptions {
            ca_pem: Some(server.ca_pem.as_bytes().to_vec()),
            ..TransportOptions::default()
        },
        cooldown: Duration::from_secs(1),
        ..KeySourceOptions::default()
    };
    let live = Arc::new(LiveVerifier::pending(Policy::new()).unwrap());
    let source = live
        .follow_keys(KeyLocation::JwksUrl(server.url("/jwks")), options)
        .unwrap();
    // The same document, parsed once: the same key objects as the source's.
    let fixed_keys = KeySet::from_jwks(jwks(&[&k1]).as_bytes()).unwrap();
    let fixed = LiveVerifier::new(fixed_keys, Policy::new()).unwrap();

    let token = signed(&k1, "https://issuer.test");
    let mut buf = vec![0u8; jwtgate::buffer_len(token.len())];
    let (mut best_fixed, mut best_live) = (f64::MAX, f64::MAX);
    for _ in 0..20 {
        best_fixed = best_fixed.min(block(&fixed, token.as_bytes(), 200, &mut buf));
        best_live = best_live.min(block(&live, token.as_bytes(), 200, &mut buf));
    }
    println!("EdDSA verify, fixed keys            {best_fixed:>9.0} ns/op");
    println!(
        "EdDSA verify, keys from a JWKS URL  {best_live:>9.0} ns/op  ({:.3}x fixed)",
        best_live / best_fixed
    );

    let before = server.hits("/jwks");
    let at = Instant::now();
    for i in 0..storm {
        let kid = format!("storm-{i}");
        let t = signed_with_kid(&k1, "https://issuer.test", Some(&kid));
        assert!(live
            .verify(t.as_bytes(), jwtgate_sync::unix_now(), &mut buf)
            .is_err());
    }
    let elapsed = at.elapsed();
    std::thread::sleep(Duration::from_millis(200));
    let m = source.metrics();
    println!(
        "unknown-kid storm: {storm} tokens in {:.2} s, {} fetches (cooldown 1 s); \
         unknown_kid {} cooldown_hits {} refresh_requested {}",
        elapsed.as_secs_f64(),
        server.hits("/jwks") - before,
        m.unknown_kid,
        m.cooldown_hits,
        m.refresh_requested
    );
}
