//! The key-miss wait (issue 14: "a verify call never waits for the network
//! longer than a configured bound, zero by default") against a real HTTPS
//! server on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::eventually;
use common::https::{ed_key, jwks, signed, signed_with_kid, HttpsServer, Reply, Request};
use jwtgate_sync::{KeyLocation, KeySource, KeySourceOptions, TransportOptions};

#[path = "keysource/harness.rs"]
#[allow(dead_code)] // shared with tests/keysource.rs
mod harness;
use harness::Harness;

const ISS: &str = "https://issuer.test";
const T: Duration = Duration::from_secs(10);
/// Scheduling slack on a loaded 2-core machine: a call returns within its
/// bound plus this.
const SLACK: Duration = Duration::from_millis(1500);

fn options(ca_pem: &str, cooldown: Duration) -> KeySourceOptions {
    KeySourceOptions {
        transport: TransportOptions {
            ca_pem: Some(ca_pem.as_bytes().to_vec()),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(8),
            ..TransportOptions::default()
        },
        // No timed refresh during a test: only unknown kids fetch.
        refresh_min: Duration::from_secs(3600),
        refresh_max: Duration::from_secs(3600),
        refresh_default: Duration::from_secs(3600),
        cooldown,
        negative_ttl: Duration::from_secs(60),
        file_poll: Duration::from_millis(20),
    }
}

/// A server answering `/jwks` with whatever `doc` holds.
fn jwks_server(doc: &Arc<Mutex<String>>) -> HttpsServer {
    let doc = Arc::clone(doc);
    HttpsServer::start(move |r: &Request| {
        if r.path != "/jwks" {
            return Reply::status(404);
        }
        Reply::json(doc.lock().unwrap().clone()).header("cache-control", "max-age=3600")
    })
}

fn follow(h: &Harness, server: &HttpsServer, o: KeySourceOptions) -> KeySource {
    h.follow(KeyLocation::JwksUrl(server.url("/jwks")), o)
        .unwrap()
}

/// Verifies `token` once; the result and how long the call took.
fn timed(h: &Harness, token: &str) -> (Result<(), u32>, Duration) {
    let at = Instant::now();
    let r = h.verify(token);
    (r, at.elapsed())
}

#[test]
fn a_new_key_is_rejected_without_the_wait_and_accepted_with_it() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let doc = Arc::new(Mutex::new(jwks(&[&k1])));
    let server = jwks_server(&doc);
    let cooldown = Duration::from_millis(200);
    let (no_wait, waits) = (Harness::new(), Harness::new());
    assert_eq!(no_wait.live.key_miss_wait(), None);
    waits.live.set_key_miss_wait(Some(Duration::from_secs(2)));
    assert_eq!(waits.live.key_miss_wait(), Some(Duration::from_secs(2)));
    let s0 = follow(&no_wait, &server, options(&server.ca_pem, cooldown));
    let s1 = follow(&waits, &server, options(&server.ca_pem, cooldown));
    // The provider starts serving k2 after both verifiers started; past
    // the first fetch's cooldown, a token signed by k2 arrives.
    *doc.lock().unwrap() = jwks(&[&k1, &k2]);
    std::thread::sleep(cooldown + Duration::from_millis(100));
    let t2 = signed(&k2, ISS);
    // Default (no wait): rejected at once, accepted once the refresh behind it landed.
    assert_eq!(no_wait.verify(&t2), Err(300));
    assert!(eventually(T, || no_wait.verify(&t2).is_ok()));
    assert_eq!(s0.metrics().miss_waits, 0);
    // With the wait: accepted on the first call, after one fetch.
    let (r, took) = timed(&waits, &t2);
    assert_eq!(r, Ok(()));
    assert!(took < Duration::from_secs(2) + SLACK, "{took:?}");
    let m = s1.metrics();
    assert_eq!(
        (m.miss_waits, m.fetch_ok, m.unknown_kid),
        (1, 2, 0),
        "{m:?}"
    );
    // A known key never waits, and clearing the option restores the default.
    assert_eq!(waits.verify(&signed(&k1, ISS)), Ok(()));
    waits.live.set_key_miss_wait(Some(Duration::ZERO));
    assert_eq!(waits.live.key_miss_wait(), None);
    assert_eq!(s1.metrics().miss_waits, 1);
}

#[test]
fn a_random_kid_storm_waits_only_for_the_fetch_in_flight() {
    let k1 = ed_key("k1", 1);
    let doc = Arc::new(Mutex::new(jwks(&[&k1])));
    let server = jwks_server(&doc);
    let h = Arc::new(Harness::new());
    let bound = Duration::from_secs(2);
    h.live.set_key_miss_wait(Some(bound));
    let cooldown = Duration::from_millis(500);
    let source = follow(&h, &server, options(&server.ca_pem, cooldown));
    // Each fetch takes 300 ms from now on: waiting calls are measurable.
    let d2 = Arc::clone(&doc);
    server.set_handler(move |_r: &Request| {
        std::thread::sleep(Duration::from_millis(300));
        Reply::json(d2.lock().unwrap().clone()).header("cache-control", "max-age=3600")
    });
    std::thread::sleep(cooldown);
    let before = server.hits("/jwks");
    let longest = Arc::new(Mutex::new(Duration::ZERO));
    let rejected = Arc::new(AtomicUsize::new(0));
    let at = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (h, k1, longest, rejected) = (
                Arc::clone(&h),
                k1.clone(),
                Arc::clone(&longest),
                Arc::clone(&rejected),
            );
            std::thread::spawn(move || {
                for i in 0..500u32 {
                    let kid = format!("storm-{t}-{i}-{}", i.wrapping_mul(2_654_435_761));
                    let (r, took) = timed(&h, &signed_with_kid(&k1, ISS, Some(&kid)));
                    if r == Err(300) {
                        rejected.fetch_add(1, Relaxed);
                    }
                    let mut l = longest.lock().unwrap();
                    *l = (*l).max(took);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = at.elapsed();
    std::thread::sleep(Duration::from_millis(400));
    let fetches = server.hits("/jwks") - before;
    let cooldowns = usize::try_from(elapsed.as_millis() / 500).unwrap() + 1;
    assert_eq!(rejected.load(Relaxed), 2_000);
    // Still at most one fetch per cooldown, and at least the one the first
    // unknown kid asked for.
    assert!(
        (1..=cooldowns).contains(&fetches),
        "{fetches} fetches in {elapsed:?} (cooldown 500 ms)"
    );
    // Every call returned within the bound (plus scheduling slack).
    let longest = *longest.lock().unwrap();
    assert!(longest < bound + SLACK, "longest call {longest:?}");
    // Only the calls that found a fetch in flight (or asked for one) waited:
    // far fewer than the 2 000 calls, each bounded by the fetch (300 ms).
    let m = source.metrics();
    assert!(m.miss_waits >= 1, "{m:?}");
    assert!(
        elapsed < Duration::from_millis(300) * u32::try_from(fetches).unwrap() + T,
        "{elapsed:?} for {fetches} fetches, {m:?}"
    );
    assert_eq!(m.unknown_kid, 2_000, "{m:?}");
    eprintln!("kid storm with a 2 s wait: 2000 tokens in {elapsed:?}, longest call {longest:?}, {fetches} fetches, {m:?}");
}

#[test]
fn a_hanging_provider_costs_at_most_the_bound() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let doc = Arc::new(Mutex::new(jwks(&[&k1])));
    let server = jwks_server(&doc);
    let h = Harness::new();
    let bound = Duration::from_millis(500);
    h.live.set_key_miss_wait(Some(bound));
    let cooldown = Duration::from_millis(100);
    let source = follow(&h, &server, options(&server.ca_pem, cooldown));
    // The provider now answers after 4 s (the transport allows 8).
    let d2 = Arc::clone(&doc);
    server.set_handler(move |_r: &Request| {
        std::thread::sleep(Duration::from_secs(4));
        Reply::json(d2.lock().unwrap().clone())
    });
    *doc.lock().unwrap() = jwks(&[&k1, &k2]);
    std::thread::sleep(cooldown * 2);
    let t2 = signed(&k2, ISS);
    let (r, took) = timed(&h, &t2);
    assert_eq!(r, Err(300));
    // Waited for the fetch in flight, but not for its answer.
    assert!(took >= bound - Duration::from_millis(50), "{took:?}");
    assert!(took < bound + SLACK, "{took:?}");
    assert_eq!(source.metrics().miss_waits, 1);
    // The fetch still lands behind the rejection.
    assert!(eventually(T, || h.verify(&t2).is_ok()));
    // The old key kept verifying meanwhile.
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
}

#[test]
fn a_provider_down_answers_unknown_key_within_the_bound() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let doc = Arc::new(Mutex::new(jwks(&[&k1])));
    let mut server = jwks_server(&doc);
    let h = Harness::new();
    let bound = Duration::from_secs(2);
    h.live.set_key_miss_wait(Some(bound));
    let cooldown = Duration::from_millis(100);
    let source = follow(&h, &server, options(&server.ca_pem, cooldown));
    server.pause();
    std::thread::sleep(cooldown * 2);
    let t2 = signed(&k2, ISS);
    let (r, took) = timed(&h, &t2);
    assert_eq!(r, Err(300));
    assert!(took < bound + SLACK, "{took:?}");
    let m = source.metrics();
    // It waited for the fetch it asked for, which failed: a failed fetch
    // caches no kid as unknown, only the cooldown applies.
    assert_eq!((m.miss_waits, m.fetch_failed), (1, 1), "{m:?}");
    // Inside that cooldown, no wait at all.
    let (r, _) = timed(&h, &t2);
    assert_eq!(r, Err(300));
    assert_eq!(source.metrics().miss_waits, 1);
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
}

#[test]
fn a_kid_in_the_negative_cache_waits_no_more() {
    let k1 = ed_key("k1", 1);
    let doc = Arc::new(Mutex::new(jwks(&[&k1])));
    let server = jwks_server(&doc);
    let h = Harness::new();
    h.live.set_key_miss_wait(Some(Duration::from_secs(2)));
    let cooldown = Duration::from_millis(50);
    let source = follow(&h, &server, options(&server.ca_pem, cooldown));
    std::thread::sleep(cooldown * 2);
    let ghost = signed_with_kid(&k1, ISS, Some("ghost"));
    assert_eq!(h.verify(&ghost), Err(300));
    assert_eq!(source.metrics().miss_waits, 1);
    assert_eq!(server.hits("/jwks"), 2);
    // Past the cooldown: the fetch came back without "ghost", so neither a
    // wait nor a fetch follows.
    std::thread::sleep(cooldown * 3);
    for _ in 0..20 {
        assert_eq!(h.verify(&ghost), Err(300));
    }
    let m = source.metrics();
    assert_eq!((m.miss_waits, m.fetches()), (1, 2), "{m:?}");
    assert_eq!(server.hits("/jwks"), 2);
}
