//! Issue 18 D6: a follower's memory per revocation, from the sizes of its
//! structures (not RSS, which depends on the allocator and the machine).
//! The goal is 64 MB above an empty follower at 1,000,000 revocations;
//! the structures must leave room for the allocator and the transient
//! buffers of a level build.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::as_conversions,
    clippy::cast_precision_loss
)]

mod common;
#[path = "../examples/common/mod.rs"]
mod mix;

use common::{token_ids, verifier};
use jwtgate::{Error, RevocationKind};
use jwtgate_sync::{DenylistState, RevocationSet, SharedRevocations};
use mix::revocation;

/// 2^17 revocations applied as a follower applies them (a publish per
/// batch of 1,000): the exact set and the levels together stay under 48
/// bytes per revocation (before: about 100, of which 60 in levels with
/// fingerprints, one copy per window up to `until`), the levels under 8;
/// and a follower's verifier still answers exactly.
#[test]
fn follower_structures_per_revocation() {
    let n: u64 = 1 << 17;
    let base = jwtgate_sync::unix_now();
    let shared = SharedRevocations::new(RevocationSet::default());
    let state = DenylistState::new().unwrap();
    for start in (0..n).step_by(1000) {
        let mut set = shared.lock();
        for i in start..(start + 1000).min(n) {
            assert!(set.insert(revocation(i, base), base));
        }
        set.publish(&state, base).unwrap();
    }
    let (set_bytes, levels) = {
        let set = shared.lock();
        assert_eq!(set.len() as u64, n);
        assert!(set.level_count() > 1, "levels: {}", set.level_count());
        (set.heap_bytes(), set.level_count())
    };
    let denylist = state.snapshot().byte_len();
    let per = |bytes: usize| bytes as f64 / n as f64;
    eprintln!(
        "{n} revocations: exact set {:.1} B each, denylist {:.1} B each in {levels} levels",
        per(set_bytes),
        per(denylist)
    );
    assert!(per(denylist) <= 8.0, "levels {:.1} B each", per(denylist));
    assert!(
        per(set_bytes + denylist) <= 48.0,
        "{:.1} B each",
        per(set_bytes + denylist)
    );

    // Bloom-only levels, confirmed against the set by the state's check
    // (what every verifier of a live state applies): revoked tokens are
    // rejected, the others accepted.
    let v = verifier();
    let check = |t: &str| {
        let mut buf = [0u8; jwtgate::BUFFER_LEN];
        let verified = v.verify(t.as_bytes(), base, &mut buf).unwrap();
        state.check(&verified, base, v.policy().leeway)
    };
    let exp = base + 600;
    let revoked = |jti: &str, sid: &str, sub: &str, iat: u64| match check(&token_ids(
        jti, sid, sub, iat, exp,
    )) {
        Ok(()) => None,
        Err(Error::Revoked(kind)) => Some(kind),
        Err(e) => panic!("{e:?}"),
    };
    for i in (0..n).step_by(4099) {
        let r = revocation(i, base);
        let id = String::from_utf8(r.id.clone()).unwrap();
        let got = match i % 10 {
            0 => revoked("j", &id, "u", base),
            1 => revoked("j", "s", &id, base - 1),
            _ => revoked(&id, "s", "u", base),
        };
        assert_eq!(got, Some(r.kind.revocation_kind()), "{r:?}");
    }
    // A subject token issued at the bound is not revoked; unknown ids are not.
    assert_eq!(revoked("j", "s", "sub-1", base), None);
    let false_hits = (0..2000)
        .filter(|i| revoked(&format!("fresh-{i}"), "fresh-s", "fresh-u", base).is_some())
        .count();
    assert_eq!(false_hits, 0);
    assert_eq!(
        revoked("tok-2", "s", "u", base),
        Some(RevocationKind::Token)
    );
    // As a denylist with fingerprints answers: a token of the identifier
    // whose exp is after until but in until's window (of the build's
    // segment width) is rejected too, one in the next window is not.
    let r = revocation(2, base);
    let width = jwtgate::DenylistConfig::DEFAULT_SEGMENT_WIDTH;
    let window_end = r.until - r.until % width + width - 1;
    let at = |exp: u64| check(&token_ids("tok-2", "s", "u", base, exp));
    assert!(at(window_end).is_err() && at(r.until).is_err());
    assert_eq!(at(window_end + 1), Ok(()));
}
