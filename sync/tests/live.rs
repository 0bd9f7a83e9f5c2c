//! `LiveVerifier`: keys swapped under concurrent verification, the static
//! and live denylists, the one-source rule, key staleness, the key-miss
//! listener, and an allocation-free verify path.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
#[path = "../../core/tests/common/counting.rs"]
mod counting;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::live::{check, denylist, hmac, keys, now, sign};
use common::TempDir;
use jwtgate::{Algorithm, Error, Key, KeySet, Policy, RevocationKind, BUFFER_LEN};
use jwtgate_sync::{
    write_snapshot_file, KeyMissListener, LiveVerifier, OwnedDenylist, Snapshot, SyncError,
    VerifyError, WatchOptions,
};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

fn key_a() -> Key {
    hmac(b"live tests: key A, 32 bytes long", "a")
}

fn key_b() -> Key {
    hmac(b"live tests: key B, 32 bytes long", "b")
}

/// Never in any key set.
fn key_c() -> Key {
    hmac(b"live tests: key C, 32 bytes long", "c")
}

fn token(key: &Key, jti: &str) -> Vec<u8> {
    let exp = now() + 600;
    sign(key, &format!(r#"{{"jti":"{jti}","sub":"u","exp":{exp}}}"#))
}

const UNKNOWN: Result<(), VerifyError> = Err(VerifyError::Token(Error::UnknownKey));

/// Threads verify tokens of keys A, B and C while the key set cycles
/// A -> A+B -> B. A verification loads one configuration whose generation
/// lies between the generations read before and after it, so its verdict
/// must be the one every set in that range agrees on; C is never in a set.
#[test]
fn set_keys_under_concurrent_verification() {
    // The set in force at generation g: SETS[g % 3].
    const HAS_A: [bool; 3] = [true, true, false];
    const HAS_B: [bool; 3] = [false, true, true];
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    let (ta, tb, tc) = (
        token(&key_a(), "1"),
        token(&key_b(), "2"),
        token(&key_c(), "3"),
    );
    let done = AtomicBool::new(false);
    let checked = AtomicUsize::new(0);
    let swaps: u64 = 300;
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let mut buf = [0u8; BUFFER_LEN];
                while !done.load(Ordering::Relaxed) {
                    for (t, has) in [(&ta, HAS_A), (&tb, HAS_B)] {
                        let g0 = v.key_generation();
                        let result = v.verify(t, now(), &mut buf).map(|_| ());
                        let g1 = v.key_generation();
                        let range: Vec<bool> = (g0..=g1)
                            .map(|g| has[usize::try_from(g % 3).unwrap()])
                            .collect();
                        if range.iter().all(|h| *h) {
                            assert_eq!(result, Ok(()), "generations {g0}..={g1}");
                        } else if range.iter().all(|h| !*h) {
                            assert_eq!(result, UNKNOWN, "generations {g0}..={g1}");
                        } else {
                            assert!(result == Ok(()) || result == UNKNOWN, "{result:?}");
                        }
                    }
                    assert_eq!(check(&v, &tc), UNKNOWN, "a key never in the set");
                    checked.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let sets = [
            keys(&[key_a()]),
            keys(&[key_a(), key_b()]),
            keys(&[key_b()]),
        ];
        for g in 1..=swaps {
            v.set_keys(sets[usize::try_from(g % 3).unwrap()].clone())
                .unwrap();
            assert_eq!(v.key_generation(), g);
            std::thread::sleep(Duration::from_micros(200));
        }
        done.store(true, Ordering::Relaxed);
    });
    assert!(checked.load(Ordering::Relaxed) > 0);
    // 300 % 3 == 0 would be {A}; make the last set B and check it landed.
    v.set_keys(keys(&[key_b()])).unwrap();
    assert_eq!(check(&v, &ta), UNKNOWN, "the removed key's tokens fail");
    assert_eq!(check(&v, &tb), Ok(()));
    assert_eq!(v.config().generation(), swaps + 1);
    assert_eq!(v.config().keys().len(), 1);
}

/// A refused change changes nothing, not even the generation.
#[test]
fn refused_changes_leave_the_configuration() {
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    assert_eq!(v.set_keys(KeySet::new()), Err(Error::EmptyKeySet));
    assert_eq!(v.add_key(key_a()), Err(Error::DuplicateKeyId));
    assert_eq!(
        v.update_policy(|p| p.set_algorithms([Algorithm::ES256])),
        Err(Error::EmptyKeySet)
    );
    assert_eq!(
        v.update_policy(|p| p.set_issuers([])),
        Err(Error::EmptyAllowList)
    );
    assert_eq!(v.key_generation(), 0);
    assert_eq!(check(&v, &token(&key_a(), "x")), Ok(()));
    v.add_key(key_b()).unwrap();
    v.update_policy(|p| p.add_issuer("https://idp.example"))
        .unwrap();
    assert_eq!(v.key_generation(), 2);
    assert_eq!(
        check(&v, &token(&key_b(), "x")),
        Err(VerifyError::Token(Error::MissingClaim(jwtgate::Claim::Iss)))
    );
    assert!(matches!(
        LiveVerifier::new(KeySet::new(), Policy::new()),
        Err(Error::EmptyKeySet)
    ));
}

/// A pending verifier rejects everything with 308 until it has a key.
#[test]
fn a_pending_verifier_waits_for_keys() {
    let v = LiveVerifier::pending(Policy::new()).unwrap();
    assert!(!v.config().is_usable());
    let t = token(&key_a(), "x");
    assert_eq!(check(&v, &t).map_err(|e| e.code()), Err(308));
    v.update_policy(|p| p.set_audiences(["api"])).unwrap();
    v.add_key(key_a()).unwrap();
    v.update_policy(|p| {
        p.check_aud = false;
        Ok(())
    })
    .unwrap();
    assert_eq!(check(&v, &t), Ok(()));

    // While not yet usable, steps that leave it unusable are accepted.
    let v = LiveVerifier::pending(Policy::new()).unwrap();
    v.update_policy(|p| p.set_algorithms([Algorithm::ES256]))
        .unwrap();
    v.add_key(key_a()).unwrap();
    assert!(!v.config().is_usable());
    assert_eq!(
        check(&v, &t),
        Err(VerifyError::Token(Error::UnsupportedAlgorithm))
    );
    v.update_policy(|p| p.set_algorithms([Algorithm::HS256]))
        .unwrap();
    assert_eq!(check(&v, &t), Ok(()));
    // Once usable, never unusable again.
    assert_eq!(
        v.update_keys(|k| {
            *k = KeySet::new();
            Ok(())
        }),
        Err(Error::EmptyKeySet)
    );
}

/// A list the caller passes replaces the static one for that call; the
/// live one is checked as always.
#[test]
fn verify_with_a_callers_denylist() {
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    v.set_denylist(Some(OwnedDenylist::new(denylist(&["static"])).unwrap()));
    v.state()
        .install(Snapshot::from_bytes(denylist(&["live"])).unwrap());
    let given = OwnedDenylist::new(denylist(&["given"])).unwrap();
    let view = given.view().unwrap();
    let mut buf = [0u8; BUFFER_LEN];
    let mut run = |jti: &str, list| {
        v.verify_with_denylist(&token(&key_a(), jti), now(), list, &mut buf)
            .map(|_| ())
    };
    let revoked = Err(VerifyError::Token(Error::Revoked(RevocationKind::Token)));
    assert_eq!(run("given", Some(&view)), revoked);
    assert_eq!(run("live", Some(&view)), revoked);
    assert_eq!(run("static", Some(&view)), Ok(()));
    assert_eq!(run("given", None), Ok(()));
}

/// The static list and the live base and deltas all revoke; detaching
/// the static list stops only its revocations.
#[test]
fn static_and_live_denylists() {
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    let revoked = VerifyError::Token(Error::Revoked(RevocationKind::Token));
    let (fixed, base, delta, fine) = (
        token(&key_a(), "static"),
        token(&key_a(), "base"),
        token(&key_a(), "delta"),
        token(&key_a(), "fine"),
    );
    v.set_denylist(Some(OwnedDenylist::new(denylist(&["static"])).unwrap()));
    let snapshot = Snapshot::from_bytes(denylist(&["base"]))
        .unwrap()
        .with_delta(denylist(&["delta"]), 2)
        .unwrap();
    v.state().install(snapshot);
    for t in [&fixed, &base, &delta] {
        assert_eq!(check(&v, t), Err(revoked));
    }
    assert_eq!(check(&v, &fine), Ok(()));
    v.set_denylist(None);
    assert_eq!(check(&v, &fixed), Ok(()));
    assert_eq!(check(&v, &base), Err(revoked));
    let mut bad = denylist(&["x"]);
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    assert_eq!(
        OwnedDenylist::from_slice(&bad).map(|_| ()),
        Err(Error::DenylistChecksum)
    );
    let m = v.state().metrics_snapshot();
    assert_eq!(m.accepted, 2);
    assert_eq!(m.rejected_for(jwtgate_sync::Reason::RevokedToken), 4);
}

/// A verifier's own live list is skipped while nothing was installed in
/// it (issue 21); a list given with `with_state` or `from_verifier` may
/// hold entries from the start and is always checked, as is the own list
/// once a snapshot is installed.
#[test]
fn live_list_checked_once_installed_or_given() {
    let revoked = Err(VerifyError::Token(Error::Revoked(RevocationKind::Token)));
    let t = token(&key_a(), "gone");
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    assert_eq!(check(&v, &t), Ok(()));
    v.state()
        .install(Snapshot::from_bytes(denylist(&["gone"])).unwrap());
    assert_eq!(check(&v, &t), revoked);

    let given = || {
        jwtgate_sync::DenylistState::with_snapshot(
            Snapshot::from_bytes(denylist(&["gone"])).unwrap(),
        )
    };
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new())
        .unwrap()
        .with_state(given());
    assert_eq!(v.state().generation(), 0);
    assert_eq!(check(&v, &t), revoked);
    let core = jwtgate::Verifier::new(keys(&[key_a()]), Policy::new());
    let v = LiveVerifier::from_verifier(&core, given());
    assert_eq!(check(&v, &t), revoked);
}

/// One source at a time; a source that fails to start, or stops, frees
/// the verifier for the next.
#[test]
fn one_source_at_a_time() {
    let dir = TempDir::new("live-source");
    let path = dir.path().join("d.bin");
    write_snapshot_file(&path, &denylist(&["gone"])).unwrap();
    let v = Arc::new(LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap());
    let options = WatchOptions {
        poll: Duration::from_millis(10),
        ..WatchOptions::default()
    };
    let missing = v.watch_file(dir.path().join("missing.bin"), options);
    assert!(matches!(missing, Err(SyncError::Io(_))), "{missing:?}");
    assert!(!v.has_source());
    let first = v.watch_file(path.clone(), options).unwrap();
    assert!(first.is_running() && !first.is_redis());
    assert!(first.wait_ready(Duration::from_secs(1)));
    let second = v.watch_file(path.clone(), options);
    assert!(matches!(second, Err(SyncError::SourceActive)));
    assert_eq!(second.map(|_| ()).unwrap_err().code(), 906);
    assert_eq!(
        check(&v, &token(&key_a(), "gone")),
        Err(VerifyError::Token(Error::Revoked(RevocationKind::Token)))
    );
    first.stop();
    assert!(!first.is_running() && !v.has_source());
    let third = v.watch_file(path, options).unwrap();
    drop(third);
    assert!(!v.has_source());
}

/// With a maximum key staleness, verification fails closed (908) until a
/// key source marks the keys synced, and again once they age past it.
#[test]
fn stale_keys_fail_closed() {
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    let t = token(&key_a(), "x");
    assert_eq!(check(&v, &t), Ok(()), "no maximum: no check");
    v.set_max_key_staleness(Some(Duration::from_millis(80)));
    let never = check(&v, &t).unwrap_err();
    assert_eq!(never.code(), 908);
    assert!(matches!(
        never,
        VerifyError::KeysStale {
            age_ms: u64::MAX,
            max_ms: 80
        }
    ));
    assert_eq!(v.key_staleness(), None);
    v.mark_keys_synced();
    assert_eq!(check(&v, &t), Ok(()));
    std::thread::sleep(Duration::from_millis(120));
    assert!(v.key_staleness().unwrap() >= Duration::from_millis(120));
    assert!(matches!(check(&v, &t), Err(VerifyError::KeysStale { .. })));
    v.set_max_key_staleness(None);
    assert_eq!(check(&v, &t), Ok(()));
}

#[derive(Default)]
struct Misses(Mutex<Vec<Option<String>>>);

impl KeyMissListener for Misses {
    fn unknown_kid(&self, kid: Option<&str>) {
        self.0.lock().unwrap().push(kid.map(str::to_owned));
    }
}

#[test]
fn key_miss_listener_hears_unknown_kids() {
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    let misses = Arc::new(Misses::default());
    v.set_key_miss_listener(Some(misses.clone()));
    assert_eq!(check(&v, &token(&key_a(), "x")), Ok(()));
    assert_eq!(check(&v, &token(&key_c(), "x")), UNKNOWN);
    assert_eq!(*misses.0.lock().unwrap(), vec![Some("c".to_owned())]);
    v.set_key_miss_listener(None);
    assert_eq!(check(&v, &token(&key_b(), "x")), UNKNOWN);
    assert_eq!(misses.0.lock().unwrap().len(), 1);
}

#[test]
fn prometheus_validates_the_prefix() {
    let v = LiveVerifier::new(keys(&[key_a()]), Policy::new()).unwrap();
    assert!(v
        .prometheus("jwtgate")
        .unwrap()
        .contains("jwtgate_verifications_total"));
    assert_eq!(v.prometheus("bad-prefix").unwrap_err().code(), 909);
}

/// `verify` allocates nothing: accepted, revoked by the static list or a
/// live delta, and rejected tokens, with every check enabled.
#[test]
fn verify_does_not_allocate() {
    let v = LiveVerifier::new(keys(&[key_a(), key_b()]), Policy::new()).unwrap();
    v.set_denylist(Some(OwnedDenylist::new(denylist(&["static"])).unwrap()));
    v.state().install(
        Snapshot::from_bytes(denylist(&["base"]))
            .unwrap()
            .with_delta(denylist(&["delta"]), 2)
            .unwrap(),
    );
    v.state().mark_synced();
    v.mark_keys_synced();
    v.set_max_staleness(Some(Duration::from_secs(60)));
    v.set_max_key_staleness(Some(Duration::from_secs(60)));
    let tokens = [
        token(&key_a(), "fine"),
        token(&key_b(), "static"),
        token(&key_a(), "delta"),
        token(&key_c(), "unknown"),
    ];
    let now = now();
    let mut buf = [0u8; BUFFER_LEN];
    let mut outcomes = [0u32; 4];
    // Warm up the thread's arc-swap slots and metrics shard.
    for t in &tokens {
        let _ = v.verify(t, now, &mut buf);
    }
    let n = counting::allocations_during(|| {
        for (t, out) in tokens.iter().zip(&mut outcomes) {
            *out = v.verify(t, now, &mut buf).map_or_else(|e| e.code(), |_| 0);
        }
    });
    assert_eq!(outcomes, [0, 600, 600, 300]);
    assert_eq!(n, 0, "allocations on the verify path");
}
