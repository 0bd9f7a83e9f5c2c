//! Failover against real Sentinel and Cluster deployments on loopback:
//! a writer revokes steadily, three followers verify, the master is killed
//! (SIGKILL) and the tests count acknowledged revocations that a follower
//! fails to enforce afterwards, with and without `WAIT`, and measure the
//! time until followers enforce new revocations again. Also: a Sentinel
//! master restarted empty before the sentinels notice, which wipes the
//! replica too.
//!
//! The followers are in-process (`Follower` threads, each with its own
//! `DenylistState`), not separate Python/Go processes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::ha::{poll, try_query, Cluster, SentinelGroup};
use common::{token_ids, verifier};
use jwtgate::{Error, RevocationKind, BUFFER_LEN};
use jwtgate_sync::{
    redis, DenylistState, Follower, FollowerOptions, LiveVerifier, RedisSource, RedisStore,
    RevokeOutcome, SyncError, VerifyError,
};

/// One failover test at a time: they share two cores, and the recovery
/// times they print would mean little if they ran together.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now() -> u64 {
    jwtgate_sync::unix_now()
}

const FOLLOWERS: usize = 3;

struct Fleet {
    members: Vec<(Follower, LiveVerifier)>,
}

impl Fleet {
    fn start(source: &RedisSource) -> Fleet {
        Self::of(source, FOLLOWERS)
    }

    fn of(source: &RedisSource, n: usize) -> Fleet {
        let options = FollowerOptions {
            backoff_max: Duration::from_millis(250),
            ..FollowerOptions::default()
        };
        let members = (0..n)
            .map(|_| {
                let state = DenylistState::new().unwrap();
                let f = Follower::start(source.clone(), state.clone(), options).unwrap();
                assert!(f.wait_ready(Duration::from_secs(10)), "follower not ready");
                (f, LiveVerifier::from_verifier(&verifier(), state))
            })
            .collect();
        Fleet { members }
    }

    /// How many followers reject the token with this `jti` as revoked.
    fn enforcing(&self, jti: &str) -> usize {
        let t = token_ids(jti, "s", "u", now() - 1, now() + 600);
        let mut buf = [0u8; BUFFER_LEN];
        self.members
            .iter()
            .filter(|(_, v)| {
                v.verify(t.as_bytes(), now(), &mut buf).map(|_| ())
                    == Err(VerifyError::Token(Error::Revoked(RevocationKind::Token)))
            })
            .count()
    }

    fn all_enforce(&self, jti: &str) -> bool {
        self.enforcing(jti) == self.members.len()
    }
}

/// One revocation attempt.
#[derive(Clone, Debug)]
struct Attempt {
    jti: String,
    /// When the call returned.
    at: Instant,
    /// Reported done (`Added`): the promise is that every follower enforces it.
    acked: bool,
    /// Known to be on the master (`Added` or `NotReplicated`).
    stored: bool,
}

/// Revokes a new token every 2 ms until stopped.
struct Writer {
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Attempt>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    fn start(store: RedisStore, tag: &'static str) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (s, l) = (Arc::clone(&stop), Arc::clone(&log));
        let thread = std::thread::spawn(move || {
            let mut i = 0u64;
            while !s.load(Ordering::Relaxed) {
                let jti = format!("{tag}-{i}");
                i += 1;
                let r = store.revoke_token(jti.as_bytes(), Some(now() + 600));
                let (acked, stored) = match &r {
                    Ok(RevokeOutcome::Added { .. }) => (true, true),
                    // A fresh jti is unchanged only when the store's retry
                    // after a connection error found its first attempt
                    // (documented on `RevokeOutcome::Unchanged`): in force,
                    // and under `WAIT` acknowledged by the replicas.
                    Ok(RevokeOutcome::Unchanged) => (true, true),
                    Err(SyncError::NotReplicated { .. }) => (false, true),
                    Err(_) => (false, false),
                };
                l.lock().unwrap().push(Attempt {
                    jti,
                    at: Instant::now(),
                    acked,
                    stored,
                });
                std::thread::sleep(Duration::from_millis(if r.is_ok() { 2 } else { 20 }));
            }
        });
        Writer {
            stop,
            log,
            thread: Some(thread),
        }
    }

    fn log(&self) -> Vec<Attempt> {
        self.log.lock().unwrap().clone()
    }

    fn acked_after(&self, t: Instant) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.acked && a.at > t)
            .count()
    }

    fn finish(mut self) -> Vec<Attempt> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.log()
    }
}

// Printed (Debug) for the docs; some fields are only read there.
#[allow(dead_code)]
#[derive(Debug)]
struct Report {
    acked: usize,
    acked_after_kill: usize,
    /// Acknowledged revocations that some follower does not enforce: the
    /// three that ran through the failover, plus one started after it.
    lost: usize,
    /// Of those, how many the followers that ran through the failover miss
    /// (they keep what they read from the old master).
    lost_live: usize,
    /// Acknowledged revocations that Redis no longer has.
    lost_in_redis: usize,
    /// From the kill to the first revocation stored after it that every
    /// follower enforces.
    recovery: Duration,
}

/// The scenario: fleet + writer, `kill` (returns when it killed the
/// master), `heal` (waits for the failover and brings the killed node back
/// as a replica, so that `WAIT 1` can succeed again), then counts.
fn failover(
    name: &str,
    source: RedisSource,
    wait: bool,
    kill: impl FnOnce() -> Instant,
    heal: impl FnOnce(),
) -> Report {
    let fleet = Arc::new(Fleet::start(&source));
    let mut store = RedisStore::new(source.clone());
    if wait {
        store = store.with_wait(1, 500);
    }
    let writer = Writer::start(store, "w");
    assert!(
        poll(Duration::from_secs(20), || writer
            .acked_after(Instant::now() - Duration::from_secs(3600))
            >= 150),
        "{name}: writer made no progress"
    );
    let killed = kill();

    // The first revocation stored after the kill that every follower
    // enforces, watched from another thread while `heal` runs.
    let monitor = {
        let (fleet, log) = (Arc::clone(&fleet), Arc::clone(&writer.log));
        std::thread::spawn(move || {
            let deadline = killed + Duration::from_secs(40);
            let mut next = 0usize;
            while Instant::now() < deadline {
                let candidates: Vec<Attempt> = log
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|a| a.stored && a.at > killed)
                    .cloned()
                    .collect();
                if let Some(a) = candidates.get(next) {
                    if fleet.all_enforce(&a.jti) {
                        return Some(killed.elapsed());
                    }
                    // Not this one (perhaps lost with the old master):
                    // move on once later ones exist.
                    if candidates.len() > next + 50 {
                        next += 1;
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            None
        })
    };
    heal();
    let recovery = monitor.join().unwrap();
    assert!(
        poll(Duration::from_secs(30), || writer.acked_after(killed)
            >= 100),
        "{name}: no acknowledged revocation after the failover"
    );
    let log = writer.finish();
    let acked: Vec<&Attempt> = log.iter().filter(|a| a.acked).collect();
    let last = acked.last().unwrap();
    assert!(
        poll(Duration::from_secs(10), || fleet.all_enforce(&last.jti)),
        "{name}: followers never enforced the last acknowledged revocation"
    );
    // A service that starts (or restarts) after the failover knows only
    // what the new master has.
    let late = Fleet::of(&source, 1);
    let reader = RedisStore::new(source);
    let (mut lost, mut lost_live, mut lost_in_redis) = (0, 0, 0);
    for a in &acked {
        let live = fleet.all_enforce(&a.jti);
        if !live || late.enforcing(&a.jti) == 0 {
            lost += 1;
        }
        lost_live += usize::from(!live);
        let stored = reader
            .get(jwtgate_sync::Kind::Token, a.jti.as_bytes())
            .unwrap();
        lost_in_redis += usize::from(stored.is_none());
    }
    let report = Report {
        acked: acked.len(),
        acked_after_kill: acked.iter().filter(|a| a.at > killed).count(),
        lost,
        lost_live,
        lost_in_redis,
        recovery: recovery.unwrap_or_else(|| panic!("{name}: followers never recovered")),
    };
    eprintln!("{name}: {report:?}");
    report
}

fn sentinel_failover(wait: bool) -> Report {
    let _serial = serial();
    let group = Arc::new(Mutex::new(SentinelGroup::start()));
    let url = group.lock().unwrap().url();
    let source = RedisSource::from_url(&url)
        .unwrap()
        .with_namespace("ha")
        .unwrap();
    let old = group.lock().unwrap().master_port().unwrap();
    let g2 = Arc::clone(&group);
    failover(
        if wait {
            "sentinel, WAIT 1"
        } else {
            "sentinel, no WAIT"
        },
        source,
        wait,
        || {
            let mut g = group.lock().unwrap();
            // The replica is cut off first: frozen (so it cannot reconnect),
            // its replication link killed by the master, then the master
            // acknowledges writes alone for 300 ms before it dies. Writes of
            // that window never reach the replica that will be promoted.
            let replica = g.nodes.iter().find(|n| n.port != old).unwrap().port;
            g.node_mut(replica).signal("STOP");
            let _: i64 = try_query(
                old,
                redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("replica"),
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            g.node_mut(old).kill();
            let t = Instant::now();
            g.node_mut(replica).signal("CONT");
            t
        },
        move || {
            let mut new = None;
            assert!(
                poll(Duration::from_secs(30), || {
                    new = g2.lock().unwrap().master_port().filter(|&p| p != old);
                    new.is_some()
                }),
                "sentinels never failed over"
            );
            let new = new.unwrap().to_string();
            // The old master comes back empty, as a replica of the new one
            // (what the sentinels would make of it anyway).
            g2.lock().unwrap().node_mut(old).restart_with(&[
                "--replicaof".into(),
                "127.0.0.1".into(),
                new,
            ]);
        },
    )
}

/// Sentinel, kill -9 of a master whose replica lags, no `WAIT`: the
/// followers follow the failover by themselves and enforce new revocations
/// again, but revocations the old master acknowledged alone are lost
/// (this also shows that the loss counter counts).
#[test]
fn sentinel_failover_without_wait_loses_the_unreplicated() {
    let r = sentinel_failover(false);
    assert!(r.acked_after_kill > 0);
    assert!(r.lost > 0 && r.lost_in_redis > 0, "{r:?}");
}

/// The same with `WAIT 1`: the writes of the lag window are reported as
/// not replicated instead of done, and not one acknowledged revocation is
/// lost.
#[test]
fn sentinel_failover_with_wait_loses_nothing() {
    let r = sentinel_failover(true);
    assert!(r.acked_after_kill > 0);
    assert_eq!((r.lost, r.lost_in_redis), (0, 0), "{r:?}");
}

const NS: &str = "ha";

fn cluster_failover(wait: bool) -> Report {
    let _serial = serial();
    let cluster = Arc::new(Mutex::new(Cluster::start()));
    let key = jwtgate_sync::KeySpace::new(NS).stream().to_vec();
    let url = cluster.lock().unwrap().url();
    let source = RedisSource::from_url(&url)
        .unwrap()
        .with_namespace(NS)
        .unwrap();
    let (c1, c2) = (Arc::clone(&cluster), Arc::clone(&cluster));
    let (k1, k2) = (key.clone(), key);
    let killed_port = Arc::new(Mutex::new(0u16));
    let kp = Arc::clone(&killed_port);
    failover(
        if wait {
            "cluster, WAIT 1"
        } else {
            "cluster, no WAIT"
        },
        source,
        wait,
        move || {
            // A graceful CLUSTER FAILOVER first (no loss by design), then a
            // kill -9 of the promoted node under load.
            // The node asked may not list the replica yet (its view of the
            // cluster lags the replication link): ask until it does.
            let mut shard = None;
            assert!(
                poll(Duration::from_secs(15), || {
                    shard = c1
                        .lock()
                        .unwrap()
                        .shard_of(&k1)
                        .filter(|(_, r)| !r.is_empty());
                    shard.is_some()
                }),
                "no node lists a replica of the namespace's shard"
            );
            let (master, replicas) = shard.unwrap();
            let replica = replicas[0];
            let ok: String = try_query(replica, redis::cmd("CLUSTER").arg("FAILOVER")).unwrap();
            assert_eq!(ok, "OK");
            assert!(
                poll(Duration::from_secs(15), || c1
                    .lock()
                    .unwrap()
                    .shard_of(&k1)
                    .is_some_and(|(m, r)| m == replica && r.contains(&master))),
                "CLUSTER FAILOVER did not complete"
            );
            std::thread::sleep(Duration::from_millis(500));
            c1.lock().unwrap().node_mut(replica).kill();
            *kp.lock().unwrap() = replica;
            Instant::now()
        },
        move || {
            let dead = *killed_port.lock().unwrap();
            assert!(
                poll(Duration::from_secs(30), || c2
                    .lock()
                    .unwrap()
                    .shard_of(&k2)
                    .is_some_and(|(m, _)| m != dead)),
                "cluster never failed over"
            );
            // Back with its nodes.conf: it rejoins as a replica and resyncs.
            c2.lock().unwrap().node_mut(dead).restart();
        },
    )
}

/// Cluster: `CLUSTER FAILOVER`, then kill -9 of the new master, no `WAIT`.
#[test]
fn cluster_failover_without_wait() {
    let r = cluster_failover(false);
    assert!(r.acked_after_kill > 0);
    assert!(r.lost <= r.acked);
}

/// Cluster, with `WAIT 1`: nothing acknowledged is lost.
#[test]
fn cluster_failover_with_wait_loses_nothing() {
    let r = cluster_failover(true);
    assert!(r.acked_after_kill > 0);
    assert_eq!((r.lost, r.lost_in_redis), (0, 0), "{r:?}");
}

/// The Sentinel master is killed and restarted empty before the sentinels
/// notice (no persistence): the replica resyncs from it and loses every
/// key too. The followers keep and enforce everything they held, count a
/// resync, and apply new revocations.
#[test]
fn sentinel_master_restarted_empty() {
    let _serial = serial();
    let mut group = SentinelGroup::start();
    let source = RedisSource::from_url(&group.url())
        .unwrap()
        .with_namespace(NS)
        .unwrap();
    let fleet = Fleet::start(&source);
    let store = RedisStore::new(source).with_wait(1, 1000);
    // One `until` for all, so that revoking held-0 again below is the
    // same revocation (a later `until` would widen it: Added).
    let until = now() + 600;
    for i in 0..200 {
        store
            .revoke_token(format!("held-{i}").as_bytes(), Some(until))
            .unwrap();
    }
    assert!(poll(Duration::from_secs(10), || fleet.all_enforce("held-199")));
    // Already in force: still waits (through the marker key) and succeeds.
    assert_eq!(
        store.revoke_token(b"held-0", Some(until)).unwrap(),
        RevokeOutcome::Unchanged
    );
    let master = group.master_port().unwrap();
    let replica = group.nodes.iter().find(|n| n.port != master).unwrap().port;
    group.node_mut(master).restart();
    // The replica follows the empty master: the revocations are gone
    // from Redis altogether.
    assert!(
        poll(Duration::from_secs(10), || try_query::<i64>(
            replica,
            &redis::cmd("DBSIZE")
        ) == Some(0)),
        "replica kept its data"
    );
    assert_eq!(group.master_port(), Some(master), "unexpected failover");
    store
        .revoke_token(b"after-wipe", Some(now() + 600))
        .unwrap();
    assert!(poll(Duration::from_secs(10), || fleet.all_enforce("after-wipe")));
    for i in 0..200 {
        assert!(
            fleet.all_enforce(&format!("held-{i}")),
            "held-{i} forgotten"
        );
    }
    for (f, v) in &fleet.members {
        let m = v.state().metrics_snapshot();
        assert!(m.resyncs >= 1, "{m:?}");
        assert!(f.is_connected());
    }
    // A follower started now knows only what Redis still has.
    let late = Fleet::start(
        &RedisSource::from_url(&group.url())
            .unwrap()
            .with_namespace(NS)
            .unwrap(),
    );
    assert_eq!(late.enforcing("held-0"), 0);
    assert_eq!(late.enforcing("after-wipe"), FOLLOWERS);
}

/// `rediss://` with an ACL user and a CA made here: the store writes and a
/// follower enforces over TLS; a wrong password, an untrusted certificate
/// (no `ca=`) and plain text to the TLS port are refused.
#[test]
fn tls_and_acl_single_node() {
    let dir = common::TempDir::new("tls");
    let (ca, cert, key) = common::ha::make_certs(dir.path());
    let port = common::free_port();
    let tls_port = port.to_string();
    let args = common::ha::data_args(
        0,
        dir.path(),
        &[
            "--tls-port",
            &tls_port,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "no",
            "--user",
            "default",
            "off",
            "--user",
            "app",
            "on",
            ">s3cret/pw",
            "~*",
            "&*",
            "+@all",
        ],
    );
    let _server = common::ha::Proc::spawn_unchecked(port, args);
    let url = format!("rediss://app:s3cret%2Fpw@127.0.0.1:{port}/?ca={ca}");
    let mut store = None;
    assert!(
        poll(Duration::from_secs(10), || {
            match RedisStore::connect(&url) {
                Ok(s) => store = Some(s),
                Err(e) => eprintln!("{e}"),
            }
            store.is_some()
        }),
        "TLS connection never succeeded"
    );
    let store = store.unwrap();
    let fleet = Fleet::of(&RedisSource::from_url(&url).unwrap(), 1);
    store.revoke_token(b"over-tls", Some(now() + 600)).unwrap();
    assert!(poll(Duration::from_secs(10), || fleet.all_enforce("over-tls")));
    for bad in [
        format!("rediss://app:wrong@127.0.0.1:{port}/?ca={ca}"),
        format!("rediss://app:s3cret%2Fpw@127.0.0.1:{port}/"),
        format!("redis://app:s3cret%2Fpw@127.0.0.1:{port}/"),
    ] {
        assert!(RedisStore::connect(&bad).is_err(), "{bad} accepted");
    }
}

fn memory_usage(con: &mut redis::Connection, key: &[u8]) -> i64 {
    redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(key)
        .query::<Option<i64>>(con)
        .unwrap()
        .unwrap_or(0)
}

/// Bounded growth, a day compressed into seconds: 20 000 revocations whose
/// tokens expire within 1 to 3 seconds, the stream capped at 1 000
/// entries. Once they expired, Redis holds the capped stream and nothing
/// else; while alive, each costs about a hundred bytes. Prints the sizes
/// (docs/deploy.md, "Bounded growth").
#[test]
fn bounded_growth() {
    let redis = common::RedisServer::start();
    let source = RedisSource::from_url(&redis.url())
        .unwrap()
        .with_namespace(NS)
        .unwrap();
    let keys = source.keys().clone();
    // No leeway kept after `until`, so that keys expire at `until`.
    let store = RedisStore::new(source)
        .with_stream_maxlen(1000)
        .with_retention(jwtgate::Retention {
            max_leeway: 0,
            ..jwtgate::Retention::DEFAULT
        });
    let mut con = redis.connection();
    let used = |con: &mut redis::Connection| -> i64 {
        let info: String = redis::cmd("INFO").arg("memory").query(con).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let before = used(&mut con);
    let n = 20_000u64;
    let t0 = Instant::now();
    for i in 0..n {
        // 32 hex characters, like a UUID.
        let jti = format!("{i:032x}");
        store.revoke_token(jti.as_bytes(), Some(now() + 3)).unwrap();
    }
    let took = t0.elapsed();
    let live_keys: i64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    let during = used(&mut con);
    let one = memory_usage(
        &mut con,
        &keys.entry_key(
            jwtgate_sync::Kind::Token,
            format!("{:032x}", n - 1).as_bytes(),
        ),
    );
    let xlen: i64 = redis::cmd("XLEN")
        .arg(keys.stream())
        .query(&mut con)
        .unwrap();
    let stream = memory_usage(&mut con, keys.stream());
    // Everything expires within 3 s; Redis' active expiry removes keys
    // nobody reads soon after.
    assert!(
        poll(Duration::from_secs(20), || redis::cmd("DBSIZE")
            .query::<i64>(&mut con)
            .unwrap()
            == 1),
        "expired revocations stayed in Redis"
    );
    let xlen_after: i64 = redis::cmd("XLEN")
        .arg(keys.stream())
        .query(&mut con)
        .unwrap();
    let after = used(&mut con);
    eprintln!(
        "bounded growth: {n} revocations in {took:?}; at the end: {live_keys} keys, {} bytes more \
         (one key {one} B), stream {xlen} entries / {stream} B; after expiry: 1 key (the \
         stream, {xlen_after} entries), {} bytes over the empty server",
        during - before,
        after - before
    );
    assert!(live_keys > 1, "{live_keys}");
    assert!(one > 0);
    // MAXLEN ~ trims in whole macro-nodes: a little over the cap.
    assert!(xlen <= 1200 && xlen_after <= 1200, "{xlen} {xlen_after}");
}

/// `WAIT` with no replica to answer: the revocation is stored but reported
/// as not replicated, and so is a retry of it (already in force, so the
/// store waits on a marker write instead of reporting `Unchanged`).
#[test]
fn wait_without_replicas_is_reported() {
    let redis = common::RedisServer::start();
    let source = RedisSource::from_url(&redis.url()).unwrap();
    let store = RedisStore::new(source).with_wait(1, 50);
    for _ in 0..2 {
        match store.revoke_token(b"lonely", Some(now() + 600)) {
            Err(SyncError::NotReplicated {
                acked: 0,
                wanted: 1,
                timeout_ms: 50,
            }) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(store
        .get(jwtgate_sync::Kind::Token, b"lonely")
        .unwrap()
        .is_some());
    // The same policy from the URL; `wait=0` turns it off.
    let from_url = RedisStore::new(
        RedisSource::from_url(&format!("{}?wait=1&wait_timeout=50", redis.url())).unwrap(),
    );
    assert!(matches!(
        from_url.revoke_token(b"lonely-2", Some(now() + 600)),
        Err(SyncError::NotReplicated { .. })
    ));
    let off = RedisStore::new(RedisSource::from_url(&redis.url()).unwrap()).with_wait(0, 50);
    assert!(matches!(
        off.revoke_token(b"lonely-3", Some(now() + 600)),
        Ok(RevokeOutcome::Added { .. })
    ));
}
