//! The cost of the live verifier's path as a ratio to the core verifier's,
//! measured interleaved (`core/benches/common`'s method: short blocks of
//! each side alternate and the fastest block of each is compared, so both
//! see the same noise on a shared machine).
//!
//! The live side holds a 100,000-revocation base plus a delta (what a
//! follower installs) and a static denylist; the token is not revoked, so
//! every list is probed. Then a live verifier as the C ABI makes one by
//! default (no static list, an empty live one). Run:
//! `cargo run --release -p jwtgate-sync --example verify_ratios`.

use std::hint::black_box;

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};
use jwtgate_sync::{LiveVerifier, OwnedDenylist, OwnedRevocation, RevocationSet, Snapshot};

#[path = "../../core/benches/common/mod.rs"]
mod common;
use common::{interleaved, CLAIMS};

type Error = Box<dyn std::error::Error>;

const NOW: u64 = 3_999_990_000;

fn denylist(prefix: &str, n: u64) -> Result<Vec<u8>, Error> {
    let mut set = RevocationSet::default();
    for i in 0..n {
        set.insert(
            OwnedRevocation::token(format!("{prefix}-{i}"), NOW + 60 + i % 3600),
            NOW,
        );
    }
    Ok(set.build(NOW)?)
}

/// Fastest block of `core` and of `live` verifying `token`, interleaved.
fn against_core(core: &Verifier<'_>, live: &LiveVerifier, token: &[u8], rounds: u32) -> (f64, f64) {
    let (mut b1, mut b2) = ([0u8; BUFFER_LEN], [0u8; BUFFER_LEN]);
    assert!(core.verify(token, NOW, &mut b1).is_ok());
    assert!(live.verify(token, NOW, &mut b2).is_ok());
    interleaved(
        rounds,
        2000,
        || {
            black_box(core.verify(black_box(token), NOW, &mut b1).is_ok());
        },
        || {
            black_box(live.verify(black_box(token), NOW, &mut b2).is_ok());
        },
    )
}

fn main() -> Result<(), Error> {
    let key = Key::hmac(Algorithm::HS256, b"jwtgate bench secret, 32 bytes!!")?;
    let mut token = vec![0u8; 2048];
    let n = jwtgate::encode(&key, CLAIMS.as_bytes(), &HeaderFields::new(), &mut token)?;
    token.truncate(n);
    let mut policy = Policy::new();
    policy.add_audience("orders")?;
    let core = Verifier::new(KeySet::single(key.clone()), policy);
    // Uncached, as the core verifier it is compared with: every call checks
    // the signature (the verified-token cache is on by default).
    let live = LiveVerifier::new(KeySet::single(key), policy)?.with_cache_size(0);
    let snapshot = Snapshot::from_bytes(denylist("base", 100_000)?)?
        .with_delta(denylist("delta", 100)?, 100_100)?;
    live.state().install(snapshot);
    live.set_denylist(Some(OwnedDenylist::new(denylist("static", 1000)?)?));
    let rounds = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<u32>().ok())
        .map_or(400, |d| (400 / d).max(1));
    let (t_core, t_live) = against_core(&core, &live, &token, rounds);
    println!(
        "HS256: core verify {t_core:.0} ns, live verify (static + base + delta, counted) \
         {t_live:.0} ns, ratio {:.2}",
        t_live / t_core
    );
    // The C ABI's default: no static denylist, an empty live one (issue 21:
    // what the live verifier alone adds to the core, without the ABI).
    let bare = LiveVerifier::new(core.keys().clone(), *core.policy())?.with_cache_size(0);
    let (t_core, t_bare) = against_core(&core, &bare, &token, rounds);
    println!(
        "HS256: core verify {t_core:.0} ns, live verify (no static list, empty live list, \
         counted) {t_bare:.0} ns, ratio {:.2}",
        t_bare / t_core
    );
    Ok(())
}
