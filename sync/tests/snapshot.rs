//! Snapshot files, the watcher and the revocation set, without Redis.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, token_ids, verifier, TempDir};
use jwtgate::{Error, RevocationKind, TokenIds, BUFFER_LEN};
use jwtgate_sync::{
    read_snapshot_file, write_snapshot_file, BuildOptions, DenylistState, FileWatcher,
    LiveVerifier, OwnedRevocation, RevocationSet, SyncError, VerifyError, WatchOptions,
};

fn now() -> u64 {
    jwtgate_sync::unix_now()
}

fn built(revs: &[OwnedRevocation]) -> Vec<u8> {
    let mut set = RevocationSet::default();
    for r in revs {
        set.insert(r.clone(), now());
    }
    set.build(now()).unwrap()
}

fn check(v: &LiveVerifier, token: &str) -> Result<(), VerifyError> {
    let mut buf = [0u8; BUFFER_LEN];
    v.verify(token.as_bytes(), now(), &mut buf).map(|_| ())
}

#[test]
fn files_round_trip_and_damage_is_reported() {
    let dir = TempDir::new("files");
    let path = dir.path().join("d.bin");
    let bytes = built(&[OwnedRevocation::token("a", now() + 60)]);
    write_snapshot_file(&path, &bytes).unwrap();
    assert_eq!(read_snapshot_file(&path).unwrap().base_bytes(), &bytes[..]);
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 1;
    std::fs::write(&path, &flipped).unwrap();
    assert!(matches!(
        read_snapshot_file(&path),
        Err(SyncError::Denylist(Error::DenylistChecksum))
    ));
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    assert!(read_snapshot_file(&path).is_err());
    std::fs::write(&path, b"").unwrap();
    assert!(read_snapshot_file(&path).is_err());
}

/// The watcher swaps new files in while threads verify; a corrupt or
/// truncated file is reported and the previous denylist stays in force.
#[test]
fn watcher_swaps_atomically_and_keeps_the_last_good_file() {
    let dir = TempDir::new("watch");
    let path = dir.path().join("d.bin");
    let exp = now() + 600;
    write_snapshot_file(&path, &built(&[OwnedRevocation::token("one", exp)])).unwrap();
    let state = DenylistState::new().unwrap();
    let watcher = FileWatcher::start(
        &path,
        state.clone(),
        WatchOptions {
            poll: Duration::from_millis(10),
            ..WatchOptions::default()
        },
    )
    .unwrap();
    let v = Arc::new(LiveVerifier::from_verifier(&verifier(), state.clone()));
    let one = token_ids("one", "s", "u", now() - 1, exp);
    let two = token_ids("two", "s", "u", now() - 1, exp);
    // Readers: "one" must be rejected in every state the watcher installs.
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (v, stop, count, one) = (
                Arc::clone(&v),
                Arc::clone(&stop),
                Arc::clone(&count),
                one.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    assert_eq!(
                        check(&v, &one),
                        Err(VerifyError::Token(Error::Revoked(RevocationKind::Token)))
                    );
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    assert_eq!(check(&v, &two), Ok(()));
    let both = built(&[
        OwnedRevocation::token("one", exp),
        OwnedRevocation::token("two", exp),
    ]);
    write_snapshot_file(&path, &both).unwrap();
    assert!(eventually(Duration::from_secs(5), || check(&v, &two).is_err()));
    let loads = state.metrics_snapshot().reloads;
    // A half-written file (a non-atomic writer): reported, ignored.
    std::fs::write(&path, &both[..both.len() / 2]).unwrap();
    assert!(eventually(Duration::from_secs(5), || watcher
        .last_error()
        .is_some()));
    assert!(state.metrics_snapshot().reload_failures >= 1);
    assert_eq!(state.metrics_snapshot().reloads, loads);
    assert!(
        check(&v, &two).is_err(),
        "the previous denylist stays in force"
    );
    // A corrupt file of the right length: same.
    let mut corrupt = both.clone();
    corrupt[100] ^= 0xff;
    std::fs::write(&path, &corrupt).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(check(&v, &two).is_err());
    // A good file again: loaded.
    write_snapshot_file(&path, &built(&[OwnedRevocation::token("one", exp)])).unwrap();
    assert!(eventually(Duration::from_secs(5), || check(&v, &two).is_ok()));
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(count.load(Ordering::Relaxed) > 0);
    watcher.stop();
}

/// Touching the file (a writer's heartbeat) refreshes staleness without a
/// reload; a corrupt file at start is an error.
#[test]
fn heartbeat_and_start_errors() {
    let dir = TempDir::new("beat");
    let path = dir.path().join("d.bin");
    write_snapshot_file(&path, &built(&[])).unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(30);
    std::fs::File::options()
        .append(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let state = DenylistState::new().unwrap();
    let _w = FileWatcher::start(
        &path,
        state.clone(),
        WatchOptions {
            poll: Duration::from_millis(10),
            ..WatchOptions::default()
        },
    )
    .unwrap();
    assert!(state.staleness().unwrap() >= Duration::from_secs(29));
    std::fs::File::options()
        .append(true)
        .open(&path)
        .unwrap()
        .set_modified(std::time::SystemTime::now())
        .unwrap();
    assert!(eventually(Duration::from_secs(5), || state
        .staleness()
        .unwrap()
        < Duration::from_secs(2)));
    assert_eq!(
        state.metrics_snapshot().reloads,
        1,
        "a touch is not a reload"
    );
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, b"garbage").unwrap();
    assert!(
        FileWatcher::start(&bad, DenylistState::new().unwrap(), WatchOptions::default()).is_err()
    );
    assert!(FileWatcher::start(
        dir.path().join("missing"),
        DenylistState::new().unwrap(),
        WatchOptions::default()
    )
    .is_err());
}

fn set_mtime(path: &std::path::Path, t: std::time::SystemTime) {
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn watch(path: &std::path::Path, state: &DenylistState, allow_rollback: bool) -> FileWatcher {
    let options = WatchOptions {
        poll: Duration::from_millis(10),
        allow_rollback,
    };
    FileWatcher::start(path, state.clone(), options).unwrap()
}

/// D3: a file corrupted in place — same length, header and checksum bytes
/// untouched, modification time new — is not a heartbeat: it is counted as
/// an error and staleness keeps growing.
#[test]
fn corruption_in_place_is_not_a_heartbeat() {
    let dir = TempDir::new("inplace");
    let path = dir.path().join("d.bin");
    let exp = now() + 600;
    let revs: Vec<OwnedRevocation> = (0..200)
        .map(|i| OwnedRevocation::token(format!("t-{i}"), exp))
        .collect();
    let bytes = built(&revs);
    write_snapshot_file(&path, &bytes).unwrap();
    set_mtime(
        &path,
        std::time::SystemTime::now() - Duration::from_secs(30),
    );
    let state = DenylistState::new().unwrap();
    let _w = watch(&path, &state, false);
    assert!(state.staleness().unwrap() >= Duration::from_secs(29));
    let failures = state.metrics_snapshot().reload_failures;
    {
        use std::io::{Seek as _, SeekFrom, Write as _};
        let mut f = std::fs::File::options().write(true).open(&path).unwrap();
        f.seek(SeekFrom::Start(u64::try_from(bytes.len() / 2).unwrap()))
            .unwrap();
        f.write_all(&[bytes[bytes.len() / 2] ^ 0x5a]).unwrap();
        f.sync_all().unwrap();
    }
    set_mtime(&path, std::time::SystemTime::now());
    assert!(eventually(Duration::from_secs(5), || state
        .metrics_snapshot()
        .reload_failures
        > failures));
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        state.staleness().unwrap() >= Duration::from_secs(29),
        "corruption refreshed freshness"
    );
    assert_eq!(state.metrics_snapshot().reloads, 1);
}

/// D4: the last error is kept with its time, and a valid file afterwards
/// shows the recovery. D5: a file with a lower sequence number is refused
/// unless the watcher allows a rollback.
#[test]
fn errors_recovery_and_sequence_rollback() {
    let dir = TempDir::new("seq");
    let path = dir.path().join("d.bin");
    let exp = now() + 600;
    let file = |seq: u64, jti: &str| {
        let mut set = RevocationSet::default();
        set.set_sequence_floor(seq - 1);
        set.insert(OwnedRevocation::token(jti, exp), now());
        set.build(now()).unwrap()
    };
    write_snapshot_file(&path, &file(5, "five")).unwrap();
    let state = DenylistState::new().unwrap();
    let w = watch(&path, &state, false);
    assert!(w.last_error().is_none() && w.healthy_since().is_some());
    std::fs::write(&path, b"broken").unwrap();
    assert!(eventually(Duration::from_secs(5), || w
        .last_error()
        .is_some()));
    assert!(w.healthy_since().is_none(), "unhealthy after an error");
    let (_, failed_at) = w.last_error_at().unwrap();
    write_snapshot_file(&path, &file(6, "six")).unwrap();
    assert!(eventually(Duration::from_secs(5), || w
        .healthy_since()
        .is_some()));
    assert!(
        w.healthy_since().unwrap() >= failed_at,
        "recovery is visible"
    );
    assert!(w.last_error().is_some(), "the last error is kept");
    assert_eq!(state.metrics_snapshot().denylist_sequence, 6);
    // An older file (sequence 3): refused, the newer stays in force.
    let failures = state.metrics_snapshot().reload_failures;
    write_snapshot_file(&path, &file(3, "three")).unwrap();
    assert!(eventually(Duration::from_secs(5), || state
        .metrics_snapshot()
        .reload_failures
        > failures));
    assert!(
        w.last_error().unwrap().contains("older"),
        "{:?}",
        w.last_error()
    );
    assert_eq!(state.metrics_snapshot().denylist_sequence, 6);
    // Told to, a watcher accepts it.
    write_snapshot_file(&path, &file(6, "six")).unwrap();
    let other = DenylistState::new().unwrap();
    let _w2 = watch(&path, &other, true);
    write_snapshot_file(&path, &file(3, "three")).unwrap();
    assert!(eventually(Duration::from_secs(5), || other
        .metrics_snapshot()
        .denylist_sequence
        == 3));
}

/// The set merges, publishes deltas, compacts and prunes.
#[test]
fn revocation_set_delta_and_compaction() {
    let n = now();
    let state = DenylistState::new().unwrap();
    let mut set = RevocationSet::new(BuildOptions::default());
    // A base large enough that one insert is not merged into it.
    for i in 0..100 {
        assert!(set.insert(OwnedRevocation::token(format!("b-{i}"), n + 60), n));
    }
    assert!(set.insert(OwnedRevocation::subject_before("u", n - 10, n + 60), n));
    // A narrower revocation of the same subject changes nothing.
    assert!(!set.insert(OwnedRevocation::subject_before("u", n - 20, n + 30), n));
    // A wider one widens it; versions add a bound.
    assert!(set.insert(OwnedRevocation::subject_below_version("u", 4, n + 60), n));
    // Out of force once until + max_leeway (300 s) has passed; in force
    // up to then (a verifier with a leeway may still accept the token).
    assert!(
        !set.insert(OwnedRevocation::token("gone", n - 301), n),
        "already out of force"
    );
    assert!(set.insert(OwnedRevocation::token("recent", n - 300), n));
    set.compact(&state, n).unwrap();
    assert!(state.snapshot().delta_bytes().is_none());
    assert!(set.insert(OwnedRevocation::token("t", n + 2), n));
    set.publish(&state, n).unwrap();
    let snap = state.snapshot();
    assert!(
        snap.delta_bytes().is_some(),
        "a live insert only builds a new level"
    );
    assert_eq!(set.pending_len(), 0);
    assert_eq!(set.level_count(), 2);
    let ids = |jti: &'static [u8], iat, ver| TokenIds {
        exp: Some(n + 1),
        iat: Some(iat),
        ver: Some(ver),
        jti: Some(jti),
        sub: Some(b"u"),
        sid: None,
    };
    let check = |ids: &TokenIds<'_>| -> Option<RevocationKind> {
        let base = snap.base().unwrap().check(ids, n).err();
        base.or_else(|| snap.delta().unwrap().unwrap().check(ids, n).err())
    };
    assert_eq!(check(&ids(b"x", n - 15, 9)), Some(RevocationKind::Subject)); // old
    assert_eq!(check(&ids(b"x", n, 3)), Some(RevocationKind::Subject)); // low version
    assert_eq!(check(&ids(b"x", n, 4)), None);
    assert_eq!(check(&ids(b"t", n, 4)), Some(RevocationKind::Token)); // in the delta
    assert_eq!(set.check(&ids(b"t", n, 4), n), Some(RevocationKind::Token));
    // Expiry: pruned at compaction, max_leeway after until.
    set.compact(&state, n + 302).unwrap();
    assert_eq!(set.len(), 102, "t is kept 300 s after its until");
    set.compact(&state, n + 303).unwrap();
    assert_eq!(set.len(), 101);
    assert_eq!(state.metrics_snapshot().denylist_entries, 101);
    assert!(set.get(jwtgate_sync::Kind::Token, b"t").is_none());
    assert!(set.get(jwtgate_sync::Kind::Token, b"b-7").is_some());
}

#[test]
fn prometheus_text() {
    let state = DenylistState::new().unwrap();
    let v = LiveVerifier::from_verifier(&verifier(), state.clone());
    let _ = check(&v, "garbage");
    let _ = check(&v, &token_ids("a", "b", "c", now() - 1, now() + 60));
    let text = state.prometheus("jwtgate");
    assert!(text.contains("jwtgate_verifications_total 2\n"), "{text}");
    assert!(text.contains("jwtgate_accepted_total 1\n"));
    assert!(text.contains("jwtgate_rejected_total{reason=\"malformed\"} 1\n"));
    assert!(text.contains("jwtgate_staleness_seconds +Inf\n"));
    assert!(text.contains("# TYPE jwtgate_denylist_entries gauge\n"));
}
