//! What a follower's levels cost a verification (issue 18, D6), in one
//! process and one run, as ratios against a bare verifier: the same N
//! revocations (the million benchmark's mix) in levels of 2^18 records
//! built as a standalone [`RevocationSet`] builds them (fingerprints, one
//! copy per window up to `until`) and as a follower's shared set builds
//! them (bloom only, one segment, one seed, hits confirmed against the
//! set). Interleaved rounds, the best of each kept.
//!
//! ```text
//! cargo build --release -p jwtgate-sync --example levels
//! target/release/examples/levels [N]
//! ```
#![allow(clippy::as_conversions, clippy::cast_precision_loss)]

use jwtgate_sync::{unix_now, DenylistState, RevocationSet, SharedRevocations};

mod common;

use common::{best_ns, hs256_token, revocation};

type BoxError = Box<dyn std::error::Error>;

fn fill(set: &mut RevocationSet, n: u64, base: u64, state: &DenylistState) -> Result<(), BoxError> {
    for i in 0..n {
        set.insert(revocation(i, base), base);
    }
    set.compact(state, base)?;
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |a| a.parse())?;
    let base = unix_now();
    let (old_state, new_state) = (DenylistState::new()?, DenylistState::new()?);
    let mut standalone = RevocationSet::default();
    fill(&mut standalone, n, base, &old_state)?;
    let shared = SharedRevocations::new(RevocationSet::default());
    fill(&mut shared.lock(), n, base, &new_state)?;

    let (bare, token) = hs256_token(base)?;
    // What a verifier of a live state adds to the bare one:
    // `DenylistState::check` (levels, and a follower's confirmation).
    let checked = |state: &DenylistState, token: &[u8], buf: &mut [u8]| {
        bare.verify(token, base, buf)
            .map(|v| state.check(&v, base, 0))
    };
    // A token revoked by its jti: the hit path (fingerprint check against
    // confirmation in the set).
    let revoked = common::sign_hs256(&format!(
        r#"{{"sub":"u-1","sid":"s-1","jti":"tok-2","iat":{base},"exp":{}}}"#,
        base + 900
    ))?;
    let is_revoked = |r: Result<Result<(), jwtgate::Error>, jwtgate::Error>| {
        matches!(r, Ok(Err(jwtgate::Error::Revoked(_))))
    };
    let mut bufs = [[0u8; jwtgate::BUFFER_LEN]; 5];
    let [b0, b1, b2, b3, b4] = &mut bufs;
    let best = best_ns(
        7,
        200_000,
        [
            &mut || bare.verify(&token, base, b0).is_ok(),
            &mut || checked(&old_state, &token, b1) == Ok(Ok(())),
            &mut || checked(&new_state, &token, b2) == Ok(Ok(())),
            &mut || is_revoked(checked(&old_state, &revoked, b3)),
            &mut || is_revoked(checked(&new_state, &revoked, b4)),
        ],
    )?;
    let [b, o, w, ro, rw] = best;
    println!("# levels: {n} revocations (80% token, 10% session, 10% subject), HS256, best of 7 x 200,000");
    println!("bare verify                    {b:>7.0} ns");
    println!(
        "fingerprinted levels ({} in {} levels) {o:>7.0} ns (+{:.0} ns, {:.2}x bare); a revoked token {ro:.0} ns",
        mb(old_state.snapshot().byte_len()),
        standalone.level_count(),
        o - b,
        o / b
    );
    println!(
        "confirmed levels ({} in {} levels)     {w:>7.0} ns (+{:.0} ns, {:.2}x bare); a revoked token {rw:.0} ns (confirmed)",
        mb(new_state.snapshot().byte_len()),
        shared.read().level_count(),
        w - b,
        w / b,
    );
    Ok(())
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
}
