//! The verified-token cache through `LiveVerifier` (issue 15): on by
//! default, and a hit still meets every revocation, key change, policy
//! change, expiry and fail-closed rule that a miss meets; its counters
//! reach the metrics and the Prometheus export.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::live::{check, check_at, denylist, hmac, now, sign};
use jwtgate::{CacheStats, Error, Key, KeySet, Policy, RevocationKind};
use jwtgate_sync::{LiveVerifier, OwnedDenylist, Snapshot, VerifyError, DEFAULT_CACHE_SIZE};

fn key_a() -> Key {
    hmac(b"cache tests: key A, 32 bytes lon", "a")
}

fn key_b() -> Key {
    hmac(b"cache tests: key B, 32 bytes lon", "b")
}

fn token(key: &Key, jti: &str, exp: u64) -> Vec<u8> {
    sign(
        key,
        &format!(r#"{{"jti":"{jti}","sub":"u","aud":"orders","exp":{exp}}}"#),
    )
}

fn policy() -> Policy {
    let mut p = Policy::new();
    p.add_audience("orders").unwrap();
    p
}

fn verifier() -> LiveVerifier {
    LiveVerifier::new(KeySet::single(key_a()), policy()).unwrap()
}

const REVOKED: Result<(), VerifyError> =
    Err(VerifyError::Token(Error::Revoked(RevocationKind::Token)));

/// On by default; a repeat is a hit; the counters reach `metrics()` and
/// the Prometheus text.
#[test]
fn on_by_default_and_counted() {
    let v = verifier();
    assert_eq!(v.cache_size(), DEFAULT_CACHE_SIZE);
    let t = token(&key_a(), "t", now() + 600);
    for _ in 0..3 {
        assert_eq!(check(&v, &t), Ok(()));
    }
    let stats = v.cache_stats();
    assert_eq!((stats.hits, stats.misses, stats.inserts), (2, 1, 1));
    let m = v.metrics();
    assert_eq!((m.cache_hits, m.cache_misses, m.cache_inserts), (2, 1, 1));
    assert_eq!(m.cache_entries, u64::try_from(DEFAULT_CACHE_SIZE).unwrap());
    assert_eq!(m.accepted, 3, "every hit is counted as a verification");
    let text = v.prometheus("jg").unwrap();
    for line in [
        "jg_cache_hits_total 2",
        "jg_cache_misses_total 1",
        "jg_cache_inserts_total 1",
        "jg_cache_evictions_total 0",
        &format!("jg_cache_entries {DEFAULT_CACHE_SIZE}"),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
    }
}

/// A revocation that arrives between two calls, in the live denylist or
/// the static one, rejects the cached token on its hit; the rejected
/// token's verdict stays the same on every later call.
#[test]
fn revocation_between_calls() {
    let v = verifier();
    let t = token(&key_a(), "victim", now() + 600);
    let other = token(&key_a(), "other", now() + 600);
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(check(&v, &other), Ok(()));
    let hits = v.cache_stats().hits;
    v.state()
        .install(Snapshot::from_bytes(denylist(&["victim"])).unwrap());
    assert_eq!(check(&v, &t), REVOKED);
    assert_eq!(check(&v, &t), REVOKED);
    assert_eq!(
        v.cache_stats().hits,
        hits + 2,
        "the revoked calls were hits"
    );
    assert_eq!(check(&v, &other), Ok(()));
    // The static denylist too.
    v.set_denylist(Some(OwnedDenylist::new(denylist(&["other"])).unwrap()));
    assert_eq!(check(&v, &other), REVOKED);
    v.set_denylist(None);
    assert_eq!(check(&v, &other), Ok(()));
}

/// A token never accepted is never inserted: revoked before its first
/// verification, it stays a miss on every call.
#[test]
fn rejected_tokens_are_not_inserted() {
    let v = verifier();
    v.state()
        .install(Snapshot::from_bytes(denylist(&["early"])).unwrap());
    let t = token(&key_a(), "early", now() + 600);
    for _ in 0..3 {
        assert_eq!(check(&v, &t), REVOKED);
    }
    let stats = v.cache_stats();
    assert_eq!((stats.hits, stats.inserts), (0, 0), "{stats:?}");
}

/// The key set replaced between two calls with the old key removed: the
/// cached token fails as an unknown key (Envoy's JwtCache kept accepting
/// it). A key of the same kid but another secret: invalid signature.
/// Back to the old key: it verifies again, as a miss (a new generation).
#[test]
fn key_swap_between_calls() {
    let v = verifier();
    let t = token(&key_a(), "t", now() + 600);
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(check(&v, &t), Ok(()));
    v.set_keys(KeySet::single(key_b())).unwrap();
    assert_eq!(check(&v, &t), Err(VerifyError::Token(Error::UnknownKey)));
    let impostor = hmac(b"cache tests: not A, 32 bytes lon", "a");
    v.set_keys(KeySet::single(impostor)).unwrap();
    assert_eq!(
        check(&v, &t),
        Err(VerifyError::Token(Error::InvalidSignature))
    );
    let misses = v.cache_stats().misses;
    v.set_keys(KeySet::single(key_a())).unwrap();
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(v.cache_stats().misses, misses + 1);
    // add_key is a change of configuration too: the next call misses.
    v.add_key(key_b()).unwrap();
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(v.cache_stats().misses, misses + 2);
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(v.cache_stats().misses, misses + 2);
}

/// Policy, expiry and the fail-closed rules apply on hits.
#[test]
fn policy_expiry_and_staleness_on_hits() {
    let v = verifier();
    let exp = now() + 600;
    let t = token(&key_a(), "t", exp);
    assert_eq!(check(&v, &t), Ok(()));
    // Expiry crossing between two calls.
    let expired = check_at(&v, &t, exp + 1);
    assert!(
        matches!(expired, Err(VerifyError::Token(Error::Expired { .. }))),
        "{expired:?}"
    );
    // Another audience (lua-resty-openidc #399: one route's acceptance
    // must not carry over to another).
    v.update_policy(|p| p.set_audiences(["billing"])).unwrap();
    assert_eq!(
        check(&v, &t),
        Err(VerifyError::Token(Error::InvalidAudience))
    );
    v.update_policy(|p| {
        *p = policy();
        Ok(())
    })
    .unwrap();
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(check(&v, &t), Ok(()));
    // A never-synced live denylist with a maximum staleness: fail closed.
    v.set_max_staleness(Some(Duration::from_secs(1)));
    assert!(matches!(check(&v, &t), Err(VerifyError::Stale { .. })));
    v.set_max_staleness(None);
    v.set_max_key_staleness(Some(Duration::from_secs(1)));
    assert!(matches!(check(&v, &t), Err(VerifyError::KeysStale { .. })));
    v.mark_keys_synced();
    assert_eq!(check(&v, &t), Ok(()));
}

/// Size 0 turns the cache off; the counters never go down across resizes.
#[test]
fn resize_and_off() {
    let v = verifier().with_cache_size(0);
    assert_eq!(v.cache_size(), 0);
    let t = token(&key_a(), "t", now() + 600);
    for _ in 0..3 {
        assert_eq!(check(&v, &t), Ok(()));
    }
    assert_eq!(v.cache_stats(), CacheStats::default());
    v.set_cache_size(10);
    assert_eq!(v.cache_size(), 8, "whole buckets of four");
    for _ in 0..3 {
        assert_eq!(check(&v, &t), Ok(()));
    }
    let before = v.cache_stats();
    assert_eq!((before.hits, before.inserts), (2, 1));
    v.set_cache_size(64);
    assert_eq!(v.cache_stats(), before);
    assert_eq!(check(&v, &t), Ok(()));
    assert_eq!(v.cache_stats().misses, before.misses + 1);
    v.set_cache_size(0);
    assert_eq!(v.metrics().cache_entries, 0);
    assert!(v.cache_stats().misses > before.misses);
}
