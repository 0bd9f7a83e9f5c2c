//! A follower that falls further behind than the stream keeps, without
//! ever disconnecting, and a Redis that comes back empty: no revocation is
//! lost, and each is counted as a resync.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{eventually, RedisServer, SlowProxy};
use jwtgate_sync::{
    DenylistState, Follower, FollowerOptions, Kind, OwnedRevocation, RedisSource, RedisStore,
};

/// An `XREVRANGE` entry: id and fields.
type StreamEntry = (String, Vec<(String, Vec<u8>)>);

const WAIT: Duration = Duration::from_secs(10);

fn start_follower(url: &str, options: FollowerOptions) -> (Follower, DenylistState) {
    let state = DenylistState::new().unwrap();
    let follower =
        Follower::start(RedisSource::from_url(url).unwrap(), state.clone(), options).unwrap();
    assert!(follower.wait_ready(WAIT), "never ready");
    (follower, state)
}

fn lost(follower: &Follower, ids: &[String]) -> usize {
    let set = follower.revocations();
    let set = set.lock();
    ids.iter()
        .filter(|id| set.get(Kind::Token, id.as_bytes()).is_none())
        .count()
}

/// The reproduction: `MAXLEN` 100, 2,000 revocations, and a link
/// that holds Redis-to-follower bytes without disconnecting. The old
/// follower lost about 95% of them and reported nothing.
#[test]
fn lagging_follower_loses_nothing() {
    let redis = RedisServer::start();
    let proxy = SlowProxy::start(redis.port);
    let options = FollowerOptions {
        batch: 20,
        ..FollowerOptions::default()
    };
    let (follower, state) = start_follower(&proxy.url(), options);
    proxy.set_delay(Duration::from_millis(300));
    let store = RedisStore::connect(&redis.url())
        .unwrap()
        .with_stream_maxlen(100);
    let exp = jwtgate_sync::unix_now() + 600;
    let ids: Vec<String> = (0..2000).map(|i| format!("lag-{i}")).collect();
    let revs: Vec<OwnedRevocation> = ids
        .iter()
        .map(|id| OwnedRevocation::token(id.as_bytes(), exp))
        .collect();
    for chunk in revs.chunks(50) {
        store.revoke_many(chunk).unwrap();
    }
    let mut con = redis.connection();
    let len: u64 = jwtgate_sync::redis::cmd("XLEN")
        .arg("{jwtgate}:revocations")
        .query(&mut con)
        .unwrap();
    assert!(len < 1000, "the stream was trimmed ({len} left)");
    proxy.set_delay(Duration::ZERO);
    // Caught up: the follower read the stream's last entry.
    let last: String = {
        let reply: Vec<StreamEntry> = jwtgate_sync::redis::cmd("XREVRANGE")
            .arg("{jwtgate}:revocations")
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query(&mut con)
            .unwrap();
        reply[0].0.clone()
    };
    let caught_up = eventually(Duration::from_secs(30), || {
        let id = follower.last_stream_id();
        let parse = |s: &str| {
            let (a, b) = s.split_once('-').unwrap();
            (a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap())
        };
        parse(&id) >= parse(&last)
    });
    assert!(caught_up, "{follower:?}");
    let m = state.metrics_snapshot();
    assert_eq!(lost(&follower, &ids), 0, "{m:?}");
    assert!(m.resyncs >= 1, "the gap was detected and counted: {m:?}");
    assert_eq!(m.disconnects, 0, "detected without a reconnect: {m:?}");
    let (why, _) = follower.last_resync().unwrap();
    assert!(why.contains("trimmed"), "{why}");
    assert!(state
        .prometheus("jwtgate")
        .contains("jwtgate_redis_resyncs_total"));
}

/// D5: Redis comes back empty and the authority writes more entries than
/// the follower had read before it reconnects. The stream looks healthy
/// (newer ids, nothing trimmed), but the follower's entry is not in it: a
/// resync, counted.
#[test]
fn replaced_redis_is_detected_and_counted() {
    let mut redis = RedisServer::start();
    let proxy = SlowProxy::start(redis.port);
    let (follower, state) = start_follower(&proxy.url(), FollowerOptions::default());
    let exp = jwtgate_sync::unix_now() + 600;
    let store = RedisStore::connect(&redis.url()).unwrap();
    for i in 0..3 {
        store
            .revoke_token(format!("old-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    assert!(eventually(WAIT, || follower
        .revocations()
        .lock()
        .get(Kind::Token, b"old-2")
        .is_some()));
    assert!(follower.healthy_since().is_some() && follower.last_error().is_none());
    proxy.set_blocked(true);
    redis.restart();
    let store = RedisStore::connect(&redis.url()).unwrap();
    for i in 0..10 {
        store
            .revoke_token(format!("new-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    proxy.set_blocked(false);
    assert!(eventually(WAIT, || follower
        .revocations()
        .lock()
        .get(Kind::Token, b"new-9")
        .is_some()));
    // The set fills during the scan; the resync is counted once it has
    // been published, a moment later.
    assert!(
        eventually(WAIT, || state.metrics_snapshot().resyncs >= 1),
        "{:?}",
        state.metrics_snapshot()
    );
    let m = state.metrics_snapshot();
    assert!(m.disconnects >= 1, "{m:?}");
    // D4: the error is kept with its time, and the recovery is visible.
    let (_, failed_at) = follower.last_error_at().unwrap();
    assert!(eventually(WAIT, || follower
        .healthy_since()
        .is_some_and(|t| t >= failed_at)));
    assert!(follower.last_resync().unwrap().0.contains("Redis"));
    let set = follower.revocations();
    let set = set.lock();
    for id in ["old-0", "old-2", "new-0", "new-9"] {
        assert!(set.get(Kind::Token, id.as_bytes()).is_some(), "{id}");
    }
}
