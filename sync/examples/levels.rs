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

use std::time::Instant;

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, Policy, Verifier};
use jwtgate_sync::{
    unix_now, DenylistState, OwnedRevocation, RevocationSet, SharedRevocations, SyncedVerifier,
};

type BoxError = Box<dyn std::error::Error>;

fn revocation(i: u64, base: u64) -> OwnedRevocation {
    let until = base + 3600 + i % 3600;
    match i % 10 {
        0 => OwnedRevocation::session(format!("ses-{i}"), until),
        1 => OwnedRevocation::subject_before(format!("sub-{i}"), base, until),
        _ => OwnedRevocation::token(format!("tok-{i}"), until),
    }
}

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

    let key = Key::hmac(Algorithm::HS256, b"bench secret: 32 bytes or more!!")?;
    let claims = format!(
        r#"{{"sub":"u-1","sid":"s-1","jti":"t-1","iat":{base},"exp":{}}}"#,
        base + 900
    );
    let mut out = vec![0u8; 2048];
    let len = jwtgate::encode(&key, claims.as_bytes(), &HeaderFields::new(), &mut out)?;
    out.truncate(len);
    let bare = Verifier::new(KeySet::single(key), Policy::new());
    let old = SyncedVerifier::new(bare.clone(), old_state.clone());
    let new = SyncedVerifier::new(bare.clone(), new_state.clone());
    let mut buf = [0u8; jwtgate::BUFFER_LEN];
    let mut per_op = |f: &mut dyn FnMut(&mut [u8]) -> bool| -> Result<f64, BoxError> {
        const ROUND: u32 = 200_000;
        let t = Instant::now();
        for _ in 0..ROUND {
            if !f(&mut buf) {
                return Err("verification failed".into());
            }
        }
        Ok(t.elapsed().as_nanos() as f64 / f64::from(ROUND))
    };
    let mut best = [f64::MAX; 3];
    for _ in 0..7 {
        let times = [
            per_op(&mut |b| bare.verify(&out, base, b).is_ok())?,
            per_op(&mut |b| old.verify(&out, base, b).is_ok())?,
            per_op(&mut |b| new.verify(&out, base, b).is_ok())?,
        ];
        for (b, t) in best.iter_mut().zip(times) {
            *b = b.min(t);
        }
    }
    let [b, o, w] = best;
    println!("# levels: {n} revocations (80% token, 10% session, 10% subject), HS256, best of 7 x 200,000");
    println!("bare verify                    {b:>7.0} ns");
    println!(
        "fingerprinted levels ({} in {} levels) {o:>7.0} ns (+{:.0} ns, {:.2}x bare)",
        mb(old_state.snapshot().byte_len()),
        standalone.level_count(),
        o - b,
        o / b
    );
    println!(
        "confirmed levels ({} in {} levels)     {w:>7.0} ns (+{:.0} ns, {:.2}x bare; {} hits confirmed)",
        mb(new_state.snapshot().byte_len()),
        shared.lock().level_count(),
        w - b,
        w / b,
        new_state.metrics_snapshot().confirmations
    );
    Ok(())
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
}
