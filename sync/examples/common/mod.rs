//! What the memory and verification measurements of issue 18 share: the
//! million benchmark's mix of revocations and a timing loop. Used by the
//! `million` and `levels` examples and by `tests/memory.rs`.
#![allow(dead_code, clippy::as_conversions, clippy::cast_precision_loss)]

use std::time::Instant;

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, Policy, Verifier};
use jwtgate_sync::OwnedRevocation;

/// The i-th revocation of a run started at `base`: 80% tokens, 10%
/// sessions, 10% subjects (issued before `base`), `until` one to two hours
/// ahead.
pub fn revocation(i: u64, base: u64) -> OwnedRevocation {
    let until = base + 3600 + i % 3600;
    match i % 10 {
        0 => OwnedRevocation::session(format!("ses-{i}"), until),
        1 => OwnedRevocation::subject_before(format!("sub-{i}"), base, until),
        _ => OwnedRevocation::token(format!("tok-{i}"), until),
    }
}

/// The HS256 key of the measurements.
fn hs256_key() -> Result<Key, jwtgate::Error> {
    Key::hmac(Algorithm::HS256, b"bench secret: 32 bytes or more!!")
}

/// A token with these claims (JSON object text), signed with the HS256 key.
pub fn sign_hs256(claims: &str) -> Result<Vec<u8>, jwtgate::Error> {
    let mut out = vec![0u8; 2048];
    let n = jwtgate::encode(
        &hs256_key()?,
        claims.as_bytes(),
        &HeaderFields::new(),
        &mut out,
    )?;
    out.truncate(n);
    Ok(out)
}

/// An HS256 verifier and a token it accepts at `base` whose `jti`, `sid`
/// and `sub` are not revoked by [`revocation`] (all three looked up).
pub fn hs256_token(base: u64) -> Result<(Verifier<'static>, Vec<u8>), jwtgate::Error> {
    let token = sign_hs256(&format!(
        r#"{{"sub":"u-1","sid":"s-1","jti":"t-1","iat":{base},"exp":{}}}"#,
        base + 900
    ))?;
    Ok((
        Verifier::new(KeySet::single(hs256_key()?), Policy::new()),
        token,
    ))
}

/// Nanoseconds per call of each case, `rounds` interleaved rounds of
/// `per_round` calls, the best round of each kept. A case returning false
/// is an error.
pub fn best_ns<const N: usize>(
    rounds: u32,
    per_round: u32,
    mut cases: [&mut dyn FnMut() -> bool; N],
) -> Result<[f64; N], String> {
    let mut best = [f64::MAX; N];
    for _ in 0..rounds {
        for (case, b) in cases.iter_mut().zip(best.iter_mut()) {
            let t = Instant::now();
            for _ in 0..per_round {
                if !case() {
                    return Err("verification failed".into());
                }
            }
            *b = b.min(t.elapsed().as_nanos() as f64 / f64::from(per_round));
        }
    }
    Ok(best)
}
