//! The follower and the store against a real `redis-server`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use jwtgate_sync::redis;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, token_ids, verifier, RedisServer};
use jwtgate::{Error, RevocationKind, BUFFER_LEN};
use jwtgate_sync::{
    BuildOptions, DenylistState, Follower, FollowerOptions, Kind, LiveVerifier, OwnedRevocation,
    RedisSource, RedisStore, RevokeOutcome, SourceHandle, SyncError, VerifyError,
};

const WAIT: Duration = Duration::from_secs(10);

fn now() -> u64 {
    jwtgate_sync::unix_now()
}

struct Service {
    verifier: Arc<LiveVerifier>,
    follower: Follower,
}

fn service(redis: &RedisServer, options: FollowerOptions) -> Service {
    let state = DenylistState::new().unwrap();
    let source = RedisSource::from_url(&redis.url()).unwrap();
    let follower = Follower::start(source, state.clone(), options).unwrap();
    assert!(follower.wait_ready(WAIT), "follower never became ready");
    Service {
        verifier: Arc::new(LiveVerifier::from_verifier(&verifier(), state)),
        follower,
    }
}

fn check(v: &LiveVerifier, token: &str) -> Result<(), VerifyError> {
    let mut buf = [0u8; BUFFER_LEN];
    v.verify(token.as_bytes(), now(), &mut buf).map(|_| ())
}

fn revoked(kind: RevocationKind) -> Result<(), VerifyError> {
    Err(VerifyError::Token(Error::Revoked(kind)))
}

/// Each kind, revoked through the store, is rejected by a follower.
#[test]
fn live_revocations_of_each_kind() {
    let redis = RedisServer::start();
    let svc = service(&redis, FollowerOptions::default());
    let store = RedisStore::connect(&redis.url()).unwrap();
    let (n, exp) = (now(), now() + 600);
    let t1 = token_ids("t-1", "s-1", "alice", n - 10, exp);
    let t2 = token_ids("t-2", "s-2", "bob", n - 10, exp);
    let t3 = token_ids("t-3", "s-3", "carol", n - 10, exp);
    let fresh_carol = token_ids("t-4", "s-4", "carol", n, exp);
    for t in [&t1, &t2, &t3] {
        assert_eq!(check(&svc.verifier, t), Ok(()));
    }
    assert!(matches!(
        store.revoke_token(b"t-1", Some(exp)).unwrap(),
        RevokeOutcome::Added { .. }
    ));
    assert!(matches!(
        store.revoke_session(b"s-2", Some(exp)).unwrap(),
        RevokeOutcome::Added { .. }
    ));
    assert!(matches!(
        store.revoke_subject(b"carol", n, 0, Some(exp)).unwrap(),
        RevokeOutcome::Added { .. }
    ));
    // Revoking again changes nothing and writes nothing.
    assert_eq!(
        store.revoke_token(b"t-1", Some(exp)).unwrap(),
        RevokeOutcome::Unchanged
    );
    // Out of force (until + max_leeway already past): refused with an
    // error, never stored as a no-op.
    let err = store.revoke_token(b"old", Some(n - 301)).unwrap_err();
    assert!(
        matches!(err, SyncError::Denylist(Error::RevocationExpired)),
        "{err}"
    );
    assert!(eventually(WAIT, || check(&svc.verifier, &t3).is_err()));
    assert_eq!(check(&svc.verifier, &t1), revoked(RevocationKind::Token));
    assert_eq!(check(&svc.verifier, &t2), revoked(RevocationKind::Session));
    assert_eq!(check(&svc.verifier, &t3), revoked(RevocationKind::Subject));
    // Issued after the "log out everywhere": accepted.
    assert_eq!(check(&svc.verifier, &fresh_carol), Ok(()));
    let m = svc.verifier.state().metrics_snapshot();
    assert_eq!(m.revocations_applied, 3);
    assert_eq!(m.denylist_entries, 3);
    assert!(m.rejected_for(jwtgate_sync::Reason::RevokedToken) >= 1);
    assert!(m.staleness_ms < 5_000);
    // The store reads back what it wrote.
    let got = store.get(Kind::Subject, b"carol").unwrap().unwrap();
    assert_eq!(got, OwnedRevocation::subject_before("carol", n, exp));
    assert_eq!(store.load_all().unwrap().len(), 3);
    svc.follower.stop();
}

/// A follower started after thousands of revocations sees every one, and
/// then the ones that follow.
#[test]
fn late_follower_sees_all() {
    let redis = RedisServer::start();
    let store = RedisStore::connect(&redis.url()).unwrap();
    let exp = now() + 600;
    for i in 0..5000 {
        store
            .revoke_token(format!("t-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    let svc = service(&redis, FollowerOptions::default());
    let snap = svc.verifier.state().metrics_snapshot();
    assert_eq!(snap.denylist_entries, 5000);
    for i in (0..5000).step_by(7) {
        let t = token_ids(&format!("t-{i}"), "s", "u", now() - 1, exp);
        assert_eq!(
            check(&svc.verifier, &t),
            revoked(RevocationKind::Token),
            "t-{i}"
        );
    }
    assert_eq!(
        check(&svc.verifier, &token_ids("t-x", "s", "u", now() - 1, exp)),
        Ok(())
    );
    for i in 5000..5100 {
        store
            .revoke_token(format!("t-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    let last = token_ids("t-5099", "s", "u", now() - 1, exp);
    assert!(eventually(WAIT, || check(&svc.verifier, &last).is_err()));
    assert_eq!(
        svc.verifier.state().metrics_snapshot().denylist_entries,
        5100
    );
}

/// Verifier threads hammering a verifier while revocations arrive.
struct Hammer {
    stop: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Hammer {
    fn start(v: &Arc<LiveVerifier>, threads: usize) -> Hammer {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let exp = now() + 600;
        let threads = (0..threads)
            .map(|i| {
                let (v, stop, count) = (Arc::clone(v), Arc::clone(&stop), Arc::clone(&count));
                // Never revoked: must stay accepted throughout (unless stale).
                let t = token_ids(&format!("keep-{i}"), "keep", "keep", now() - 1, exp);
                std::thread::spawn(move || {
                    let mut buf = [0u8; BUFFER_LEN];
                    while !stop.load(Ordering::Relaxed) {
                        match v.verify(t.as_bytes(), now(), &mut buf) {
                            Ok(_) | Err(VerifyError::Stale { .. }) => {}
                            Err(e) => panic!("unrevoked token rejected: {e}"),
                        }
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        Hammer {
            stop,
            count,
            threads,
        }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().unwrap();
        }
        self.count.load(Ordering::Relaxed)
    }
}

/// Redis is killed and restarted (with its append-only file) while a
/// revoker keeps revoking, retrying what fails, and other threads keep
/// verifying: after recovery every acknowledged revocation is in force.
#[test]
fn redis_restart_loses_nothing() {
    let mut redis = RedisServer::start_persistent();
    let svc = service(&redis, FollowerOptions::default());
    let hammer = Hammer::start(&svc.verifier, 2);
    let url = redis.url();
    let exp = now() + 600;
    let total: u32 = 300;
    let acked = Arc::new(AtomicU64::new(0));
    let revoker = {
        let acked = Arc::clone(&acked);
        std::thread::spawn(move || {
            let store = RedisStore::new(RedisSource::from_url(&url).unwrap());
            for i in 0..total {
                let jti = format!("r-{i}");
                // Retry until Redis acknowledges.
                while store.revoke_token(jti.as_bytes(), Some(exp)).is_err() {
                    std::thread::sleep(Duration::from_millis(10));
                }
                acked.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    assert!(eventually(WAIT, || acked.load(Ordering::Relaxed) >= 50));
    redis.kill();
    std::thread::sleep(Duration::from_millis(500));
    assert!(!svc.follower.is_connected());
    // Verification goes on against the last filter meanwhile.
    let early = token_ids("r-0", "s", "u", now() - 1, exp);
    assert_eq!(check(&svc.verifier, &early), revoked(RevocationKind::Token));
    redis.restart();
    revoker.join().unwrap();
    let last = token_ids(&format!("r-{}", total - 1), "s", "u", now() - 1, exp);
    assert!(eventually(WAIT, || check(&svc.verifier, &last).is_err()));
    for i in 0..total {
        let t = token_ids(&format!("r-{i}"), "s", "u", now() - 1, exp);
        assert_eq!(
            check(&svc.verifier, &t),
            revoked(RevocationKind::Token),
            "r-{i}"
        );
    }
    let m = svc.verifier.state().metrics_snapshot();
    assert!(m.disconnects >= 1, "{m:?}");
    assert_eq!(m.denylist_entries, u64::from(total));
    assert!(hammer.finish() > 0);
}

/// Redis restarted empty (no persistence): the follower resyncs, keeps what
/// it held (a rescan only adds) and applies what follows.
#[test]
fn redis_restart_without_persistence_keeps_held_revocations() {
    let mut redis = RedisServer::start();
    let svc = service(&redis, FollowerOptions::default());
    let store = RedisStore::connect(&redis.url()).unwrap();
    let exp = now() + 600;
    store.revoke_token(b"before", Some(exp)).unwrap();
    let before = token_ids("before", "s", "u", now() - 1, exp);
    assert!(eventually(WAIT, || check(&svc.verifier, &before).is_err()));
    redis.restart();
    assert!(eventually(WAIT, || svc.follower.is_connected()));
    let store = RedisStore::connect(&redis.url()).unwrap();
    store.revoke_token(b"after", Some(exp)).unwrap();
    let after = token_ids("after", "s", "u", now() - 1, exp);
    assert!(eventually(WAIT, || check(&svc.verifier, &after).is_err()));
    assert_eq!(
        check(&svc.verifier, &before),
        revoked(RevocationKind::Token)
    );
    assert!(svc.verifier.state().metrics_snapshot().disconnects >= 1);
}

/// The follower misses more entries than the stream keeps: it notices the
/// trim on reconnect and rescans the keys.
#[test]
fn trimmed_stream_forces_resync() {
    let redis = RedisServer::start();
    let svc = service(&redis, FollowerOptions::default());
    let store = RedisStore::connect(&redis.url())
        .unwrap()
        .with_stream_maxlen(10);
    let exp = now() + 600;
    store.revoke_token(b"first", Some(exp)).unwrap();
    let first = token_ids("first", "s", "u", now() - 1, exp);
    assert!(eventually(WAIT, || check(&svc.verifier, &first).is_err()));
    // Lock the follower out: require a password, then drop every client.
    let mut admin = redis.connection();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("pw")
        .query(&mut admin)
        .unwrap();
    let _: redis::Value = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query(&mut admin)
        .unwrap_or(redis::Value::Nil);
    let pw_url = format!("redis://:pw@127.0.0.1:{}/", redis.port);
    let locked = RedisStore::connect(&pw_url).unwrap().with_stream_maxlen(10);
    for i in 0..500 {
        locked
            .revoke_token(format!("gap-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    let mut admin = redis::Client::open(pw_url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let len: u64 = redis::cmd("XLEN")
        .arg("{jwtgate}:revocations")
        .query(&mut admin)
        .unwrap();
    assert!(len < 500, "the stream was trimmed ({len} left)");
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("requirepass")
        .arg("")
        .query(&mut admin)
        .unwrap();
    let gap0 = token_ids("gap-0", "s", "u", now() - 1, exp);
    let ok = eventually(WAIT, || check(&svc.verifier, &gap0).is_err());
    assert!(
        ok,
        "{:?} {:?} {:?}",
        svc.follower,
        svc.follower.last_error(),
        svc.verifier.state().metrics_snapshot()
    );
    for i in 0..500 {
        let t = token_ids(&format!("gap-{i}"), "s", "u", now() - 1, exp);
        assert_eq!(
            check(&svc.verifier, &t),
            revoked(RevocationKind::Token),
            "gap-{i}"
        );
    }
    assert!(svc.verifier.state().metrics_snapshot().resyncs >= 1);
}

/// Revocations expire: the Redis key at `until`, the follower's entry at the
/// next compaction, and a token past `until` is no longer revoked by it.
#[test]
fn revocations_expire() {
    let redis = RedisServer::start();
    // Kept one second after `until` (instead of 300), to keep the test short.
    let retention = jwtgate::Retention {
        max_leeway: 1,
        ..jwtgate::Retention::DEFAULT
    };
    let options = FollowerOptions {
        build: BuildOptions {
            segment_width: 1,
            compact_interval: Duration::from_millis(200),
            retention,
            ..BuildOptions::default()
        },
        ..FollowerOptions::default()
    };
    let svc = service(&redis, options);
    let store = RedisStore::connect(&redis.url())
        .unwrap()
        .with_retention(retention);
    let n = now();
    let until = n + 2;
    store.revoke_session(b"short", Some(until)).unwrap();
    store.revoke_session(b"long", Some(n + 600)).unwrap();
    let t = token_ids("j", "short", "u", n - 1, until);
    assert!(eventually(WAIT, || check(&svc.verifier, &t).is_err()));
    // Both revocations arrive through the stream, in either order.
    assert!(eventually(WAIT, || svc
        .verifier
        .state()
        .metrics_snapshot()
        .denylist_entries
        == 2));
    // In force until `until + max_leeway`: the key expires a second later.
    std::thread::sleep(Duration::from_secs((until + 2).saturating_sub(now())));
    let mut con = redis.connection();
    let exists: u64 = redis::cmd("EXISTS")
        .arg("{jwtgate}:rev:s:short")
        .query(&mut con)
        .unwrap();
    assert_eq!(exists, 0, "the key expired in Redis");
    assert!(eventually(WAIT, || svc
        .verifier
        .state()
        .metrics_snapshot()
        .denylist_entries
        == 1));
    // A later token of that session (past `until`) is not revoked any more.
    let later = token_ids("j2", "short", "u", now() - 1, now() + 60);
    assert_eq!(check(&svc.verifier, &later), Ok(()));
    assert_eq!(svc.follower.revocations().lock().len(), 1);
}

/// With a maximum staleness, verification fails closed while Redis is
/// away and recovers with it; without one it goes on with the last filter.
#[test]
fn fail_closed_after_max_staleness() {
    let mut redis = RedisServer::start_persistent();
    let svc = service(&redis, FollowerOptions::default());
    let lenient = LiveVerifier::from_verifier(&verifier(), svc.verifier.state().clone());
    svc.verifier
        .set_max_staleness(Some(Duration::from_millis(800)));
    let exp = now() + 600;
    let t = token_ids("ok", "s", "u", now() - 1, exp);
    assert_eq!(check(&svc.verifier, &t), Ok(()));
    redis.kill();
    assert!(eventually(WAIT, || matches!(
        check(&svc.verifier, &t),
        Err(VerifyError::Stale { .. })
    )));
    assert_eq!(check(&lenient, &t), Ok(()));
    assert!(svc.verifier.staleness().unwrap() > Duration::from_millis(800));
    let stale = check(&svc.verifier, &t).unwrap_err();
    assert_eq!(stale.code(), VerifyError::STALE_CODE);
    redis.restart();
    assert!(eventually(WAIT, || check(&svc.verifier, &t).is_ok()));
    let m = svc.verifier.state().metrics_snapshot();
    assert!(m.rejected_for(jwtgate_sync::Reason::Stale) >= 1);
    // Never synced counts as infinitely stale.
    let orphan = LiveVerifier::from_verifier(&verifier(), DenylistState::new().unwrap())
        .with_max_staleness(Some(Duration::from_secs(60)));
    assert!(matches!(
        check(&orphan, &t),
        Err(VerifyError::Stale {
            age_ms: u64::MAX,
            ..
        })
    ));
}

/// A filter without fingerprints and with one bloom bit per key has many
/// false positives; exact confirmation (by the follower's own snapshot, and
/// by a confirmer in memory or against Redis) removes every one, and real
/// revocations stay rejected.
#[test]
fn exact_confirmation_removes_false_positives() {
    let redis = RedisServer::start();
    let options = FollowerOptions {
        build: BuildOptions {
            fingerprints: false,
            bloom_bits_per_entry: 1,
            ..BuildOptions::default()
        },
        ..FollowerOptions::default()
    };
    let svc = service(&redis, options);
    let store = RedisStore::connect(&redis.url()).unwrap();
    let exp = now() + 600;
    for i in 0..2000 {
        store
            .revoke_token(format!("x-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    let last = token_ids("x-1999", "s", "u", now() - 1, exp);
    // Applied (exactly: with one bloom bit per key, a rejection alone can
    // be a false positive that comes before the revocation).
    assert!(eventually(WAIT, || svc
        .follower
        .revocations()
        .lock()
        .get(Kind::Token, b"x-1999")
        .is_some()));
    assert!(eventually(WAIT, || check(&svc.verifier, &last).is_err()));
    let state = svc.verifier.state().clone();
    let plain = LiveVerifier::from_verifier(&verifier(), state.clone());
    let local = LiveVerifier::from_verifier(&verifier(), state.clone())
        .with_confirmer(Arc::new(svc.follower.revocations()));
    let remote = LiveVerifier::from_verifier(&verifier(), state.clone())
        .with_confirmer(Arc::new(RedisStore::connect(&redis.url()).unwrap()));
    for i in 0..300 {
        let t = token_ids(
            &format!("y-{i}"),
            &format!("ys-{i}"),
            &format!("yu-{i}"),
            now() - 1,
            exp,
        );
        // A follower's snapshot confirms its own hits against the
        // follower's set (issue 18, D6): even without a confirmer, no
        // false positive gets through.
        assert_eq!(check(&plain, &t), Ok(()), "y-{i} (plain)");
        assert_eq!(check(&local, &t), Ok(()), "y-{i} (local)");
        assert_eq!(check(&remote, &t), Ok(()), "y-{i} (redis)");
    }
    assert_eq!(check(&plain, &last), revoked(RevocationKind::Token));
    assert_eq!(check(&local, &last), revoked(RevocationKind::Token));
    assert_eq!(check(&remote, &last), revoked(RevocationKind::Token));
    let m = state.metrics_snapshot();
    assert!(
        m.false_positives > 0 && m.confirmations > m.false_positives,
        "the tiny filter should have false positives, all refuted: {m:?}"
    );
}

/// Issue 12 through Redis: a revocation by `jti` with any `until` at or
/// after the token's `exp` is rejected by a follower, and stays rejected
/// within the verifier's leeway after `exp`; a revocation without `until`
/// lasts the maximum token lifetime; one beyond it is refused.
#[test]
fn token_revocations_hold_for_any_until() {
    let redis = RedisServer::start();
    let svc = service(&redis, FollowerOptions::default());
    let store = RedisStore::connect(&redis.url()).unwrap();
    let n = now();
    let exp = n + 900;
    let untils = [
        Some(exp),
        Some(n + 1200),
        Some(n + 3600),
        Some(n + 7200),
        Some(n + 86_400),
        None,
    ];
    let mut tokens = Vec::new();
    for (i, until) in untils.into_iter().enumerate() {
        let jti = format!("u-{i}");
        assert!(matches!(
            store.revoke_token(jti.as_bytes(), until).unwrap(),
            RevokeOutcome::Added { .. }
        ));
        tokens.push(token_ids(&jti, "s", "u", n - 1, exp));
    }
    let stored = store.get(Kind::Token, b"u-5").unwrap().unwrap();
    assert!((n + 86_400..=now() + 86_400).contains(&stored.until));
    for t in &tokens {
        assert!(eventually(WAIT, || check(&svc.verifier, t).is_err()));
        assert_eq!(check(&svc.verifier, t), revoked(RevocationKind::Token));
    }
    // Within a 30 s leeway after exp the token still verifies, so it must
    // still be found.
    let mut lenient = verifier();
    let mut policy = *lenient.policy();
    policy.leeway = 30;
    lenient = jwtgate::Verifier::new(lenient.keys().clone(), policy);
    let v = LiveVerifier::from_verifier(&lenient, svc.verifier.state().clone());
    for t in &tokens {
        let mut buf = [0u8; BUFFER_LEN];
        let got = v.verify(t.as_bytes(), exp + 29, &mut buf).map(|_| ());
        assert_eq!(got, revoked(RevocationKind::Token));
    }
    let err = store
        .revoke_token(b"far", Some(n + 86_400 + 3600))
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Denylist(Error::RevocationTooFar)),
        "{err}"
    );
}

/// A live verifier with `leeway`, following `redis` with `max_leeway` (0:
/// the default), after its first load.
fn following(
    redis: &RedisServer,
    leeway: u64,
    max_leeway: u64,
) -> (Arc<LiveVerifier>, SourceHandle) {
    let mut policy = jwtgate::Policy::new();
    policy.leeway = leeway;
    let v = Arc::new(LiveVerifier::new(jwtgate::KeySet::single(common::key()), policy).unwrap());
    let handle = follow(&v, redis, max_leeway);
    (v, handle)
}

/// `v` following `redis` with `max_leeway` (0: the default), after its
/// first load.
fn follow(v: &Arc<LiveVerifier>, redis: &RedisServer, max_leeway: u64) -> SourceHandle {
    let mut options = FollowerOptions::default();
    if max_leeway > 0 {
        options.build.retention.max_leeway = max_leeway;
    }
    let handle = v
        .follow_redis(RedisSource::from_url(&redis.url()).unwrap(), options)
        .unwrap();
    assert!(handle.wait_ready(WAIT));
    handle
}

/// Revokes jti `late` through a store that keeps it 900 s past its
/// `until`, 450 s ago; returns a token with that jti and `exp` = `until`.
fn revoke_late(redis: &RedisServer) -> String {
    let store = RedisStore::connect(&redis.url())
        .unwrap()
        .with_retention(jwtgate::Retention {
            max_leeway: 900,
            ..jwtgate::Retention::DEFAULT
        });
    let until = now() - 450;
    store.revoke_token(b"late", Some(until)).unwrap();
    token_ids("late", "s", "u", until - 60, until)
}

/// A verifier with a leeway above the default retention (300 s): the
/// follower it starts keeps revocations for the verifier's leeway, so a
/// token that expired 450 s ago, still accepted by time with a 600 s
/// leeway, stays revoked (with 300 s the follower dropped the entry and
/// the revoked token verified).
#[test]
fn follower_keeps_revocations_for_the_verifiers_leeway() {
    let redis = RedisServer::start();
    let (v, handle) = following(&redis, 600, 0);
    assert_eq!(handle.max_leeway(), Some(600));
    // The store keeps it long enough (its own max_leeway).
    let t = revoke_late(&redis);
    let until = now() - 450;
    let other = token_ids("other", "s", "u", until - 60, until);
    assert!(
        eventually(WAIT, || check(&v, &t) == revoked(RevocationKind::Token)),
        "the revocation is in force for the verifier's 600 s leeway"
    );
    assert_eq!(check(&v, &other), Ok(()));
    // Options asking for more keep more.
    handle.stop();
    assert_eq!(follow(&v, &redis, 3600).max_leeway(), Some(3600));
}

/// While a follower runs, a leeway larger than it keeps revocations for is
/// refused (806) and changes nothing: a revocation it dropped (`until` 450 s
/// ago, kept 300 s) would otherwise stop revoking a token a 600 s leeway
/// accepts. A follower started again keeping 600 s lets the leeway in after
/// its first load, and the token is revoked; with no follower running
/// nothing limits it.
#[test]
fn a_leeway_beyond_what_the_follower_keeps_is_refused() {
    let redis = RedisServer::start();
    let v = Arc::new(
        LiveVerifier::new(
            jwtgate::KeySet::single(common::key()),
            jwtgate::Policy::new(),
        )
        .unwrap(),
    );
    assert_eq!(v.kept_leeway(), None);
    let handle = follow(&v, &redis, 0);
    assert_eq!(v.kept_leeway(), Some(300));
    let t = revoke_late(&redis);
    let set_leeway = |secs: u64| {
        v.update_policy(|p| {
            p.leeway = secs;
            Ok(())
        })
    };
    assert_eq!(
        set_leeway(600),
        Err(Error::LeewayBeyondRetention {
            leeway: 600,
            kept: 300
        })
    );
    assert_eq!(
        v.config().policy().leeway,
        0,
        "a refused change changes nothing"
    );
    assert_eq!(set_leeway(300), Ok(()), "up to what is kept");
    assert_eq!(set_leeway(0), Ok(()));

    // Started again keeping 600 s: after its first load the leeway goes in.
    handle.stop();
    let handle = follow(&v, &redis, 600);
    assert_eq!(v.kept_leeway(), Some(600));
    assert_eq!(set_leeway(600), Ok(()));
    assert_eq!(check(&v, &t), revoked(RevocationKind::Token));
    assert_eq!(
        set_leeway(601),
        Err(Error::LeewayBeyondRetention {
            leeway: 601,
            kept: 600
        })
    );
    // No follower: the list is not live, nothing limits the leeway.
    handle.stop();
    assert_eq!(v.kept_leeway(), None);
    assert_eq!(set_leeway(3600), Ok(()));
}
