//! Runs one verification in a loop, for profilers (`perf`, callgrind).
//!
//! Run: `cargo run --release -p jwtgate --example profile_verify -- [ITERATIONS] [hs256|eddsa]`
//!
//! Instructions per verification outside SHA-256 (under valgrind SHA runs in
//! software): `valgrind --tool=callgrind --toggle-collect='*verify_with_denylist*'
//! target/release/examples/profile_verify 2000`, minus the inclusive count of
//! `compress256`. For EdDSA, compare the run's total with one collected with
//! `--toggle-collect='*verify_strict*'`: the difference is jwtgate's own work.

use jwtgate::{
    Algorithm, Denylist, DenylistBuilder, DenylistConfig, HeaderFields, Key, KeySet, Policy,
    Revocation, Verifier, BUFFER_LEN,
};

#[path = "../benches/common/mod.rs"]
mod common;
use common::CLAIMS;

// Close to the token's exp (4_000_000_000), inside the denylist's time range.
const NOW: u64 = 3_999_990_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let iterations: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |s| s.parse())?;
    let signing_key = match std::env::args().nth(2).as_deref() {
        None | Some("hs256") => Key::hmac(Algorithm::HS256, b"jwtgate bench secret, 32 bytes!!")?,
        Some("eddsa") => Key::ed25519_private(&[42; 32])?,
        Some(other) => return Err(format!("unknown algorithm {other}: hs256 or eddsa").into()),
    };
    let mut out = [0u8; 2048];
    let n = jwtgate::encode(
        &signing_key,
        CLAIMS.as_bytes(),
        &HeaderFields::new(),
        &mut out,
    )?;
    let key = signing_key.to_public().unwrap_or(signing_key);
    let token = out.get(..n).ok_or("short")?.to_vec();

    let ids: Vec<String> = (0..10_000).map(|i| format!("revoked-{i}")).collect();
    // Expiries spread around the token's own (NOW + 10_000), so the segment it
    // falls in is live and every verification hashes and probes the filter.
    let entries: Vec<Revocation<'_>> = ids
        .iter()
        .zip(0u64..)
        .map(|(id, i)| Revocation::Token {
            jti: id.as_bytes(),
            until: NOW + 60 + i * 2,
        })
        .collect();
    let builder = DenylistBuilder::new(DenylistConfig::new([9; 16], NOW));
    let mut bytes = vec![0u8; builder.required_len(&entries)?];
    let len = builder.build(&entries, &mut bytes)?;
    let denylist = Denylist::from_bytes(bytes.get(..len).ok_or("short")?)?;

    let mut policy = Policy::new();
    policy.add_issuer("https://login.example.com/")?;
    policy.add_audience("orders")?;
    let verifier = Verifier::new(KeySet::single(key), policy).with_denylist(denylist);
    let mut buf = [0u8; BUFFER_LEN];
    let mut ok = 0u64;
    let start = std::time::Instant::now();
    for _ in 0..iterations {
        ok += u64::from(
            verifier
                .verify(std::hint::black_box(&token), NOW, &mut buf)
                .is_ok(),
        );
    }
    let per = start.elapsed().as_nanos() / u128::from(iterations.max(1));
    println!("{ok}/{iterations} verified, {per} ns each");
    Ok(())
}
