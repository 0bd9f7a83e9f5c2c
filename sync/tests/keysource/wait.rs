//! The key-miss wait (issue 14: "a verify call never waits for the network
//! longer than a configured bound, zero by default"), against the same
//! HTTPS server as the other key source tests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jwtgate_sync::{KeySourceOptions, TransportOptions};

use super::common::eventually;
use super::common::https::{ed_key, jwks, signed, signed_with_kid, HttpsServer, Reply, Request};
use super::harness::Harness;
use super::{jwks_server, kid_storm, options, shared, start, ISS, T};

/// Scheduling slack on a loaded 2-core machine: a call returns within its
/// bound plus this.
const SLACK: Duration = Duration::from_millis(1500);
/// No timed refresh during a test (the interval clamps to a minute): only
/// unknown kids fetch.
const MAX_AGE: &[(&str, &str)] = &[("cache-control", "max-age=3600")];

/// The other tests' options with `cooldown`, a negative cache that
/// outlives a test, and a transport that outwaits a slow server.
fn wait_options(ca_pem: &str, cooldown: Duration) -> KeySourceOptions {
    let o = options(ca_pem);
    KeySourceOptions {
        transport: TransportOptions {
            timeout: Duration::from_secs(8),
            ..o.transport.clone()
        },
        cooldown,
        negative_ttl: Duration::from_secs(60),
        ..o
    }
}

/// From now on `server` answers `doc` after `delay`.
fn answer_after(server: &HttpsServer, doc: &Arc<Mutex<String>>, delay: Duration) {
    let doc = Arc::clone(doc);
    server.set_handler(move |_r: &Request| {
        std::thread::sleep(delay);
        Reply::json(doc.lock().unwrap().clone()).header("cache-control", "max-age=3600")
    });
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
    let doc = shared(jwks(&[&k1]));
    let server = jwks_server(Arc::clone(&doc), MAX_AGE);
    let cooldown = Duration::from_millis(200);
    let (no_wait, waits) = (Harness::new(), Harness::new());
    assert_eq!(no_wait.live.key_miss_wait(), None);
    waits.live.set_key_miss_wait(Some(Duration::from_secs(2)));
    assert_eq!(waits.live.key_miss_wait(), Some(Duration::from_secs(2)));
    let s0 = start(&no_wait, &server, wait_options(&server.ca_pem, cooldown));
    let s1 = start(&waits, &server, wait_options(&server.ca_pem, cooldown));
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
    let doc = shared(jwks(&[&k1]));
    let server = jwks_server(Arc::clone(&doc), MAX_AGE);
    let h = Arc::new(Harness::new());
    let bound = Duration::from_secs(2);
    h.live.set_key_miss_wait(Some(bound));
    let cooldown = Duration::from_millis(500);
    let source = start(&h, &server, wait_options(&server.ca_pem, cooldown));
    // Each fetch takes 300 ms from now on: waiting calls are measurable.
    answer_after(&server, &doc, Duration::from_millis(300));
    std::thread::sleep(cooldown);
    let before = server.hits("/jwks");
    let longest = Arc::new(Mutex::new(Duration::ZERO));
    let l2 = Arc::clone(&longest);
    let (rejected, elapsed) = kid_storm(
        &h,
        &k1,
        500,
        Arc::new(move |_, _, took| {
            let mut l = l2.lock().unwrap();
            *l = (*l).max(took);
        }),
    );
    std::thread::sleep(Duration::from_millis(400));
    let fetches = server.hits("/jwks") - before;
    let cooldowns = usize::try_from(elapsed.as_millis() / 500).unwrap() + 1;
    assert_eq!(rejected, 2_000);
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
    let doc = shared(jwks(&[&k1]));
    let server = jwks_server(Arc::clone(&doc), MAX_AGE);
    let h = Harness::new();
    let bound = Duration::from_millis(500);
    h.live.set_key_miss_wait(Some(bound));
    let cooldown = Duration::from_millis(100);
    let source = start(&h, &server, wait_options(&server.ca_pem, cooldown));
    // The provider now answers after 4 s (the transport allows 8).
    answer_after(&server, &doc, Duration::from_secs(4));
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
    let doc = shared(jwks(&[&k1]));
    let mut server = jwks_server(Arc::clone(&doc), MAX_AGE);
    let h = Harness::new();
    let bound = Duration::from_secs(2);
    h.live.set_key_miss_wait(Some(bound));
    let cooldown = Duration::from_millis(100);
    let source = start(&h, &server, wait_options(&server.ca_pem, cooldown));
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
    let doc = shared(jwks(&[&k1]));
    let server = jwks_server(Arc::clone(&doc), MAX_AGE);
    let h = Harness::new();
    h.live.set_key_miss_wait(Some(Duration::from_secs(2)));
    let cooldown = Duration::from_millis(50);
    let source = start(&h, &server, wait_options(&server.ca_pem, cooldown));
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
