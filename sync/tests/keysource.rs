//! The key source (issue 14) against a real HTTPS server on loopback: a
//! test CA made at run time, scripted answers, counted hits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::eventually;
use common::https::{ed_key, jwks, signed, signed_with_kid, HttpsServer, Reply, Request};
use jwtgate_sync::{KeyLocation, KeySource, KeySourceError, KeySourceOptions, TransportOptions};

#[path = "keysource/harness.rs"]
mod harness;
use harness::Harness;

#[path = "keysource/wait.rs"]
mod wait;

const ISS: &str = "https://issuer.test";
const T: Duration = Duration::from_secs(10);

fn options(ca_pem: &str) -> KeySourceOptions {
    KeySourceOptions {
        transport: TransportOptions {
            ca_pem: (!ca_pem.is_empty()).then(|| ca_pem.as_bytes().to_vec()),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(3),
            ..TransportOptions::default()
        },
        refresh_min: Duration::from_millis(100),
        refresh_max: Duration::from_secs(60),
        refresh_default: Duration::from_secs(60),
        cooldown: Duration::from_millis(200),
        negative_ttl: Duration::from_millis(100),
        file_poll: Duration::from_millis(20),
    }
}

/// A server answering `/jwks` with whatever `doc` holds, with `headers`.
fn jwks_server(doc: Arc<std::sync::Mutex<String>>, headers: &[(&str, &str)]) -> HttpsServer {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    HttpsServer::start(move |r: &Request| {
        if r.path != "/jwks" {
            return Reply::status(404);
        }
        let mut reply = Reply::json(doc.lock().unwrap().clone());
        for (n, v) in &headers {
            reply = reply.header(n, v);
        }
        reply
    })
}

fn shared(s: String) -> Arc<std::sync::Mutex<String>> {
    Arc::new(std::sync::Mutex::new(s))
}

fn start(h: &Harness, server: &HttpsServer, o: KeySourceOptions) -> KeySource {
    h.follow(KeyLocation::JwksUrl(server.url("/jwks")), o)
        .unwrap()
}

#[test]
fn rotation_overlap_then_removal() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let doc = shared(jwks(&[&k1]));
    let server = jwks_server(Arc::clone(&doc), &[("cache-control", "max-age=0")]);
    let h = Harness::new();
    let source = start(&h, &server, options(&server.ca_pem));
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
    // A key the set does not have yet: rejected at once, not waited for.
    let t2 = signed(&k2, ISS);
    assert_eq!(h.verify(&t2), Err(300));
    // Overlap: the provider publishes both; the unknown kid (or the timed
    // refresh) brings k2 in, and k1 keeps verifying.
    *doc.lock().unwrap() = jwks(&[&k1, &k2]);
    assert!(eventually(T, || h.verify(&t2).is_ok()));
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
    // Removal: once the refresh lands, k1 stops verifying.
    *doc.lock().unwrap() = jwks(&[&k2]);
    assert!(eventually(T, || h.verify(&signed(&k1, ISS)) == Err(300)));
    assert_eq!(h.verify(&t2), Ok(()));
    let m = source.metrics();
    assert!(m.fetch_ok >= 3, "{m:?}");
    assert_eq!(m.keys, 1);
    assert_eq!(m.fetch_failed, 0, "{:?}", source.last_error());
}

/// What a storm call reports: its index in its thread, the result, how
/// long the verify took.
type StormCall = Arc<dyn Fn(u32, Result<(), u32>, Duration) + Send + Sync>;

/// Four threads each verify `per_thread` tokens signed by `key`, each
/// under a new random `kid`, and tell `each` of every call; returns how
/// many were rejected as unknown (300) and how long the storm took.
fn kid_storm(
    h: &Arc<Harness>,
    key: &jwtgate::Key,
    per_thread: u32,
    each: StormCall,
) -> (usize, Duration) {
    let rejected = Arc::new(AtomicUsize::new(0));
    let at = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (h, key, rejected, each) = (
                Arc::clone(h),
                key.clone(),
                Arc::clone(&rejected),
                Arc::clone(&each),
            );
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let kid = format!("storm-{t}-{i}-{}", i.wrapping_mul(2_654_435_761));
                    let token = signed_with_kid(&key, ISS, Some(&kid));
                    let called = Instant::now();
                    let result = h.verify(&token);
                    let took = called.elapsed();
                    if result == Err(300) {
                        rejected.fetch_add(1, Relaxed);
                    }
                    each(i, result, took);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    (rejected.load(Relaxed), at.elapsed())
}

#[test]
fn random_kid_storm_costs_one_fetch_per_cooldown() {
    let k1 = ed_key("k1", 1);
    let server = jwks_server(shared(jwks(&[&k1])), &[("cache-control", "max-age=3600")]);
    let h = Arc::new(Harness::new());
    let mut o = options(&server.ca_pem);
    o.cooldown = Duration::from_millis(500);
    o.refresh_min = Duration::from_secs(3600);
    let source = start(&h, &server, o);
    let before = server.hits("/jwks");
    assert_eq!(before, 1);
    let valid = signed(&k1, ISS);
    let h2 = Arc::clone(&h);
    let (rejected, elapsed) = kid_storm(
        &h,
        &k1,
        2_500,
        Arc::new(move |i, _, _| {
            // The valid key is never locked out by the flood.
            if i % 100 == 0 {
                assert_eq!(h2.verify(&valid), Ok(()));
            }
        }),
    );
    // Let a fetch asked for at the very end land before counting.
    std::thread::sleep(Duration::from_millis(100));
    let fetches = server.hits("/jwks") - before;
    // The source's clock counts whole milliseconds, so a cooldown can end up
    // to 1 ms early: bound the fetches by cooldowns of 490 ms, not 500, or
    // a storm that lasts just under a multiple of 500 ms could show one
    // fetch more than the bound at that boundary (a flake seen once in
    // about 10 runs).
    let cooldowns = usize::try_from(elapsed.as_millis() / 490).unwrap() + 1;
    assert_eq!(rejected, 10_000);
    assert!(
        fetches <= cooldowns,
        "{fetches} fetches in {elapsed:?} (cooldown 500 ms)"
    );
    let m = source.metrics();
    assert_eq!(m.unknown_kid, 10_000);
    // An ask counts when it finds no cooldown and no ask pending; one that
    // raced a fetch's start (each of the 4 storm threads at most) is
    // answered by that fetch and starts none: the asks are bounded by the
    // fetches' cooldowns times the threads plus one, the fetches (above) by
    // the cooldowns alone.
    assert!(
        m.refresh_requested <= 5 * u64::try_from(cooldowns).unwrap(),
        "{m:?}"
    );
    assert!(m.cooldown_hits > 9_000, "{m:?}");
    // The fetches came from the unknown kids (no timed refresh in an hour).
    assert!(m.refresh_requested >= 1, "{m:?}");
    eprintln!("kid storm: 10000 tokens in {elapsed:?}: {fetches} fetches, {m:?}");
}

#[test]
fn negative_cache_stops_a_repeated_unknown_kid() {
    let k1 = ed_key("k1", 1);
    let server = jwks_server(shared(jwks(&[&k1])), &[("cache-control", "max-age=3600")]);
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.cooldown = Duration::from_millis(50);
    o.negative_ttl = Duration::from_secs(60);
    o.refresh_min = Duration::from_secs(3600);
    let source = start(&h, &server, o);
    let ghost = signed_with_kid(&k1, ISS, Some("ghost"));
    // Past the first fetch's cooldown, the unknown kid asks for one fetch.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(h.verify(&ghost), Err(300));
    assert!(eventually(T, || server.hits("/jwks") == 2));
    assert!(eventually(T, || source.metrics().fetch_ok == 2));
    // Past the cooldown, the same unknown kid asks for nothing more.
    std::thread::sleep(Duration::from_millis(150));
    for _ in 0..50 {
        assert_eq!(h.verify(&ghost), Err(300));
    }
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(server.hits("/jwks"), 2);
    assert!(
        source.metrics().negative_hits >= 50,
        "{:?}",
        source.metrics()
    );
}

#[test]
fn outage_keeps_old_keys_then_fails_closed_then_recovers() {
    let k1 = ed_key("k1", 1);
    let mut server = jwks_server(shared(jwks(&[&k1])), &[("cache-control", "max-age=0")]);
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.cooldown = Duration::from_millis(100);
    o.transport.connect_timeout = Duration::from_millis(300);
    o.transport.timeout = Duration::from_millis(500);
    let source = start(&h, &server, o);
    h.set_max_key_staleness(Some(Duration::from_millis(1500)));
    let token = signed(&k1, ISS);
    assert_eq!(h.verify(&token), Ok(()));
    server.pause();
    // Stale-if-error: the old key keeps verifying while staleness grows.
    assert!(eventually(T, || source.metrics().fetch_failed >= 2));
    assert_eq!(h.verify(&token), Ok(()));
    assert!(source.key_staleness().unwrap() >= Duration::from_millis(100));
    assert!(source.last_error().is_some());
    // Past the maximum: fail closed with 908.
    assert!(eventually(T, || h.verify(&token) == Err(908)));
    // The verifier and the source time the staleness on two clocks (the
    // wall clock and the source's monotonic one), each in whole
    // milliseconds: the source may read 1 ms less at the boundary.
    assert!(source.key_staleness().unwrap() >= Duration::from_millis(1500));
    // The provider is back: keys fresh again, verification recovers.
    server.resume();
    assert!(eventually(T, || h.verify(&token).is_ok()));
    assert!(source.key_staleness().unwrap() < Duration::from_millis(1500));
    assert!(source
        .prometheus("jwtgate")
        .contains("jwtgate_keys_fetch_total{result=\"failed\"}"));
}

/// Starts a source on a server whose first answer is good and whose later
/// ones are `bad`; checks that the key stays in force and the failure is
/// counted.
fn later_failure_keeps_keys(bad: Reply) {
    let k1 = ed_key("k1", 1);
    let good = jwks(&[&k1]);
    let served = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&served);
    let server = HttpsServer::start(move |_r: &Request| {
        if s2.fetch_add(1, Relaxed) == 0 {
            Reply::json(good.clone()).header("cache-control", "max-age=0")
        } else {
            bad.clone()
        }
    });
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.cooldown = Duration::from_millis(50);
    o.transport.timeout = Duration::from_millis(700);
    let source = start(&h, &server, o);
    assert!(eventually(T, || source.metrics().fetch_failed >= 2));
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
    assert_eq!(source.metrics().keys, 1);
    assert_eq!(source.metrics().fetch_ok, 1);
}

#[test]
fn error_answers_keep_the_last_good_keys() {
    for bad in [
        Reply::status(500),
        Reply::status(404),
        Reply::json("{not json"),
        Reply::json(r#"{"keys":[]}"#),
        Reply::json(r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"x","x":"!!"}]}"#),
        Reply::json(vec![b' '; 2 << 20]),
    ] {
        later_failure_keeps_keys(bad);
    }
}

fn start_error(reply: Reply, o: impl FnOnce(&mut KeySourceOptions)) -> KeySourceError {
    let server = HttpsServer::start(move |_r: &Request| reply.clone());
    let mut options = options(&server.ca_pem);
    o(&mut options);
    let h = Harness::new();
    start_err(&h, KeyLocation::JwksUrl(server.url("/jwks")), options)
}

fn start_err(h: &Harness, location: KeyLocation, o: KeySourceOptions) -> KeySourceError {
    match h.follow(location, o) {
        Ok(_) => panic!("the source started"),
        Err(e) => e,
    }
}

#[test]
fn first_fetch_errors_are_returned() {
    assert!(matches!(
        start_error(Reply::status(500), |_| {}),
        KeySourceError::Status(500)
    ));
    assert!(matches!(
        start_error(Reply::status(404), |_| {}),
        KeySourceError::Status(404)
    ));
    assert!(matches!(
        start_error(Reply::json("[1,2"), |_| {}),
        KeySourceError::Document(_)
    ));
}

#[test]
fn oversized_bodies_are_refused() {
    let big = format!(r#"{{"keys":[],"pad":"{}"}}"#, "a".repeat(2 << 20));
    // With a Content-Length over the cap, and without one (read to the cap).
    let e = start_error(Reply::json(big.clone()), |_| {});
    assert!(e.to_string().contains("cap"), "{e}");
    let mut chunked = Reply::json(big);
    chunked.no_length = true;
    let e = start_error(chunked, |_| {});
    assert!(e.to_string().contains("cap"), "{e}");
    // A smaller cap than the document.
    let k1 = ed_key("k1", 1);
    let e = start_error(Reply::json(jwks(&[&k1])), |o| o.transport.max_body = 16);
    assert!(e.to_string().contains("cap"), "{e}");
}

#[test]
fn a_trickling_server_hits_the_total_timeout() {
    let k1 = ed_key("k1", 1);
    let mut slow = Reply::json(jwks(&[&k1]));
    slow.trickle = Some(Duration::from_millis(50));
    let at = Instant::now();
    let e = start_error(slow, |o| o.transport.timeout = Duration::from_millis(600));
    let elapsed = at.elapsed();
    assert!(matches!(e, KeySourceError::Transport(_)), "{e}");
    assert!(e.to_string().contains("timeout"), "{e}");
    // The body alone would take over 5 s at that pace.
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn mixed_good_and_bad_keys_keep_the_good_ones() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let doc = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"broken","x":"@@"}},
        {},{{"kty":"RSA","use":"enc","kid":"enc","n":"AQAB","e":"AQAB"}},
        {{"kty":"EC","crv":"P-521","kid":"p521","x":"AA","y":"AA"}},{}]}}"#,
        common::https::jwk(&k1),
        common::https::jwk(&k2)
    );
    let server = jwks_server(shared(doc), &[]);
    let h = Harness::new();
    let source = start(&h, &server, options(&server.ca_pem));
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
    assert_eq!(h.verify(&signed(&k2, ISS)), Ok(()));
    let m = source.metrics();
    assert_eq!((m.keys, m.skipped_keys, m.fetch_ok), (2, 3, 1), "{m:?}");
}

#[test]
fn plain_http_and_other_schemes_are_refused() {
    let k1 = ed_key("k1", 1);
    let doc = jwks(&[&k1]);
    let plain = HttpsServer::start_plain(move |_r: &Request| Reply::json(doc.clone()));
    let h = Harness::new();
    let e = start_err(&h, KeyLocation::JwksUrl(plain.url("/jwks")), options(""));
    assert!(matches!(e, KeySourceError::Refused(_)), "{e}");
    assert_eq!(plain.hits("/jwks"), 0);
    for url in [
        "file:///etc/passwd",
        "ftp://127.0.0.1/jwks",
        "http://example.com/jwks",
    ] {
        let e = start_err(&h, KeyLocation::JwksUrl(url.into()), options(""));
        assert!(matches!(e, KeySourceError::Refused(_)), "{url}: {e}");
    }
    // With the explicit loopback option, plain http to loopback works.
    let mut o = options("");
    o.transport.allow_http_loopback = true;
    let _source = h
        .follow(KeyLocation::JwksUrl(plain.url("/jwks")), o)
        .unwrap();
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
}

#[test]
fn untrusted_certificates_are_refused() {
    let k1 = ed_key("k1", 1);
    let doc = jwks(&[&k1]);
    let server = HttpsServer::start(move |_r: &Request| Reply::json(doc.clone()));
    // The webpki roots do not know the test CA.
    let o = options("");
    let h = Harness::new();
    let e = start_err(&h, KeyLocation::JwksUrl(server.url("/jwks")), o);
    assert!(matches!(e, KeySourceError::Transport(_)), "{e}");
}

#[test]
fn redirects_only_to_the_same_scheme_and_host() {
    let k1 = ed_key("k1", 1);
    let doc = jwks(&[&k1]);
    let port = Arc::new(AtomicUsize::new(0));
    let p2 = Arc::clone(&port);
    let server = HttpsServer::start(move |r: &Request| {
        let port = p2.load(Relaxed);
        match r.path.as_str() {
            "/moved" => Reply::status(301).header("location", "/jwks"),
            "/to-http" => {
                Reply::status(302).header("location", &format!("http://127.0.0.1:{port}/jwks"))
            }
            "/to-other-host" => {
                Reply::status(307).header("location", &format!("https://localhost:{port}/jwks"))
            }
            "/loop" => Reply::status(302).header("location", "/loop"),
            "/jwks" => Reply::json(doc.clone()),
            _ => Reply::status(404),
        }
    });
    port.store(usize::from(server.port), Relaxed);
    let h = Harness::new();
    let o = || {
        let mut o = options(&server.ca_pem);
        o.transport.allow_http_loopback = true;
        o
    };
    for path in ["/to-http", "/to-other-host", "/loop"] {
        let e = start_err(&h, KeyLocation::JwksUrl(server.url(path)), o());
        assert!(matches!(e, KeySourceError::Refused(_)), "{path}: {e}");
    }
    assert_eq!(server.hits("/jwks"), 0);
    let _source = h
        .follow(KeyLocation::JwksUrl(server.url("/moved")), o())
        .unwrap();
    assert_eq!(server.hits("/jwks"), 1);
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
}

fn discovery_server(k1: &jwtgate::Key, claimed_issuer: Option<String>) -> HttpsServer {
    let doc = jwks(&[k1]);
    let claimed = Arc::new(std::sync::Mutex::new(claimed_issuer));
    let base = Arc::new(std::sync::Mutex::new(String::new()));
    let b2 = Arc::clone(&base);
    let server = HttpsServer::start(move |r: &Request| {
        let base = b2.lock().unwrap().clone();
        match r.path.as_str() {
            "/realms/test/.well-known/openid-configuration" => {
                let issuer = claimed
                    .lock()
                    .unwrap()
                    .clone()
                    .unwrap_or_else(|| format!("{base}/realms/test"));
                Reply::json(format!(
                    r#"{{"issuer":"{issuer}","jwks_uri":"{base}/realms/test/certs","id_token_signing_alg_values_supported":["EdDSA"]}}"#
                ))
            }
            "/realms/test/certs" => Reply::json(doc.clone()),
            _ => Reply::status(404),
        }
    });
    *base.lock().unwrap() = server.url("");
    server
}

#[test]
fn discovery_finds_the_jwks_and_requires_the_issuer() {
    let k1 = ed_key("k1", 1);
    let server = discovery_server(&k1, None);
    let issuer = server.url("/realms/test");
    let h = Harness::new();
    let source = h
        .follow(KeyLocation::Issuer(issuer.clone()), options(&server.ca_pem))
        .unwrap();
    assert_eq!(source.jwks_location(), server.url("/realms/test/certs"));
    assert_eq!(h.verify(&signed(&k1, &issuer)), Ok(()));
    // The discovered issuer is now required: another issuer is refused.
    let other = h.verify(&signed(&k1, "https://evil.test"));
    assert!(
        matches!(other, Err(c) if (500..600).contains(&c)),
        "{other:?}"
    );
}

#[test]
fn an_issuer_mismatch_in_discovery_is_refused() {
    let k1 = ed_key("k1", 1);
    let server = discovery_server(&k1, Some("https://evil.test/realms/test".into()));
    let h = Harness::new();
    let e = start_err(
        &h,
        KeyLocation::Issuer(server.url("/realms/test")),
        options(&server.ca_pem),
    );
    assert!(matches!(e, KeySourceError::Refused(_)), "{e}");
    assert_eq!(server.hits("/realms/test/certs"), 0);
    // A trailing slash is a different issuer, too (exact match).
    let server = discovery_server(&k1, None);
    let e = start_err(
        &h,
        KeyLocation::Issuer(server.url("/realms/test/")),
        options(&server.ca_pem),
    );
    assert!(matches!(e, KeySourceError::Refused(_)), "{e}");
}

#[test]
fn cache_control_and_etag_are_honoured() {
    let k1 = ed_key("k1", 1);
    let doc = jwks(&[&k1]);
    let server = HttpsServer::start(move |r: &Request| {
        if r.header("if-none-match") == Some("\"v1\"") {
            Reply::status(304).header("cache-control", "max-age=1")
        } else {
            Reply::json(doc.clone())
                .header("etag", "\"v1\"")
                .header("cache-control", "public, max-age=1")
        }
    });
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.refresh_min = Duration::from_millis(100);
    let source = start(&h, &server, o);
    let at = Instant::now();
    // max-age=1: no refresh before a second has passed, one soon after.
    assert!(eventually(T, || server.hits("/jwks") >= 2));
    let waited = at.elapsed();
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    // Well before refresh_default (60 s): the max-age was read.
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    let requests = server.requests();
    assert_eq!(requests[0].header("if-none-match"), None);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    assert!(eventually(T, || source.metrics().not_modified >= 1));
    assert_eq!(source.metrics().fetch_ok, 1);
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
    assert!(source.key_staleness().unwrap() < Duration::from_millis(1500));
}

#[test]
fn max_age_is_bounded_by_the_minimum_interval() {
    let k1 = ed_key("k1", 1);
    let server = jwks_server(shared(jwks(&[&k1])), &[("cache-control", "no-cache")]);
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.refresh_min = Duration::from_millis(400);
    let at = Instant::now();
    let _source = start(&h, &server, o);
    std::thread::sleep(Duration::from_millis(1000));
    let hits = server.hits("/jwks");
    // no-cache would mean every request; the minimum allows ~3 in 1 s.
    assert!(
        (2..=4).contains(&hits),
        "{hits} fetches in {:?}",
        at.elapsed()
    );
}

#[test]
fn a_local_jwks_file_is_watched() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let dir = common::TempDir::new("jwks-file");
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks(&[&k1])).unwrap();
    let h = Harness::new();
    let source = h
        .follow(KeyLocation::File(path.clone()), options(""))
        .unwrap();
    assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
    let tmp = dir.path().join("jwks.tmp");
    std::fs::write(&tmp, jwks(&[&k2])).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    assert!(eventually(T, || h.verify(&signed(&k2, ISS)).is_ok()));
    assert_eq!(h.verify(&signed(&k1, ISS)), Err(300));
    // A broken file keeps the keys in force.
    std::fs::write(&tmp, "{garbage").unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    assert!(eventually(T, || source.metrics().fetch_failed == 1));
    assert_eq!(h.verify(&signed(&k2, ISS)), Ok(()));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(source.metrics().fetch_failed, 1, "reported once");
}

#[test]
fn a_verify_never_waits_for_a_slow_fetch() {
    let k1 = ed_key("k1", 1);
    let doc = jwks(&[&k1]);
    let served = Arc::new(AtomicUsize::new(0));
    let s2 = Arc::clone(&served);
    let server = HttpsServer::start(move |_r: &Request| {
        let mut reply = Reply::json(doc.clone()).header("cache-control", "max-age=3600");
        if s2.fetch_add(1, Relaxed) > 0 {
            reply.delay = Duration::from_secs(3);
        }
        reply
    });
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.cooldown = Duration::from_millis(10);
    o.refresh_min = Duration::from_secs(3600);
    let source = start(&h, &server, o);
    std::thread::sleep(Duration::from_millis(50));
    let unknown = signed_with_kid(&k1, ISS, Some("new-key"));
    assert_eq!(h.verify(&unknown), Err(300));
    // The refresh is in flight (the server holds it): verifies go on.
    assert!(eventually(T, || server.hits("/jwks") == 2));
    // Each verify returns long before the held fetch (3 s) could end.
    for _ in 0..5 {
        let at = Instant::now();
        assert_eq!(h.verify(&unknown), Err(300));
        assert_eq!(h.verify(&signed(&k1, ISS)), Ok(()));
        assert!(
            at.elapsed() < Duration::from_millis(1500),
            "{:?}",
            at.elapsed()
        );
    }
    assert_eq!(source.metrics().fetch_ok, 1);
    // Dropping the source unregisters it: no more refreshes are asked for.
    drop(source);
    let hits = server.hits("/jwks");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(h.verify(&unknown), Err(300));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.hits("/jwks"), hits);
}

/// The README's OIDC example (the block between the markers is copied
/// there verbatim: core/tests/readme_snippets.rs checks it).
#[test]
fn readme_oidc_example() -> Result<(), Box<dyn std::error::Error>> {
    use jwtgate::Policy;
    use jwtgate_sync::LiveVerifier;

    let k1 = ed_key("k1", 1);
    let server = discovery_server(&k1, None);
    let issuer = server.url("/realms/test");
    let mut options = KeySourceOptions::default();
    options.transport.ca_pem = Some(server.ca_pem.as_bytes().to_vec());
    let token = signed(&k1, &issuer);
    // README: begin
    let policy = Policy::new();
    let verifier = Arc::new(LiveVerifier::pending(policy)?);
    // Discovery at {issuer}/.well-known/openid-configuration: its `issuer`
    // must match exactly, and tokens must then name it.
    let source = verifier.follow_keys(KeyLocation::Issuer(issuer.clone()), options)?;
    // Fail closed (908) if the provider stays unreachable for an hour.
    verifier.set_max_key_staleness(Some(Duration::from_secs(3600)));

    let mut buf = vec![0u8; jwtgate::buffer_len(token.len())];
    let verified = verifier.verify_now(token.as_bytes(), &mut buf)?;
    let sub = verified.claims().sub().and_then(|s| s.as_str());
    // Fetches, unknown kids, staleness:
    println!("{sub:?}\n{}", source.prometheus("jwtgate"));
    // README: end
    assert_eq!(sub, Some("ada"));
    Ok(())
}

#[test]
fn keys_named_inside_a_token_are_never_fetched() {
    let (k1, evil) = (ed_key("k1", 1), ed_key("evil", 9));
    let doc = jwks(&[&k1]);
    let evil_doc = jwks(&[&evil]);
    let server = HttpsServer::start(move |r: &Request| match r.path.as_str() {
        "/jwks" => Reply::json(doc.clone()),
        _ => Reply::json(evil_doc.clone()),
    });
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    // No refresh for the unknown kid `evil` either: only what is counted.
    o.cooldown = Duration::from_secs(60);
    let _source = start(&h, &server, o);
    let evil_url = server.url("/evil-jwks");
    let x = common::https::b64url(&evil.ed25519_public_bytes().unwrap());
    let extras = [
        format!(r#"{{"jku":"{evil_url}"}}"#),
        format!(r#"{{"x5u":"{evil_url}"}}"#),
        format!(r#"{{"jwk":{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}}}"#),
    ];
    for extra in &extras {
        let now = jwtgate_sync::unix_now();
        let claims = format!(r#"{{"iss":"{ISS}","sub":"ada","exp":{}}}"#, now + 60);
        let mut fields = jwtgate::HeaderFields::new();
        fields.extra = Some(extra.as_bytes());
        let mut out = vec![0u8; 2048];
        let n = jwtgate::encode(&evil, claims.as_bytes(), &fields, &mut out).unwrap();
        let token = String::from_utf8(out[..n].to_vec()).unwrap();
        assert!(h.verify(&token).is_err(), "{extra}");
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.hits("/evil-jwks"), 0);
    assert_eq!(server.hits("/jwks"), 1);
}

#[test]
fn a_failed_fetch_does_not_cache_the_kid_as_unknown() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let doc = shared(jwks(&[&k1]));
    let failing = Arc::new(AtomicUsize::new(0));
    let (d2, f2) = (Arc::clone(&doc), Arc::clone(&failing));
    let server = HttpsServer::start(move |_r: &Request| {
        if f2.load(Relaxed) == 1 {
            Reply::status(503)
        } else {
            Reply::json(d2.lock().unwrap().clone()).header("cache-control", "max-age=3600")
        }
    });
    let h = Harness::new();
    let mut o = options(&server.ca_pem);
    o.cooldown = Duration::from_millis(100);
    o.negative_ttl = Duration::from_secs(60);
    o.refresh_min = Duration::from_secs(3600);
    let source = start(&h, &server, o);
    // The provider fails while a token with its new key arrives.
    failing.store(1, Relaxed);
    *doc.lock().unwrap() = jwks(&[&k1, &k2]);
    let t2 = signed(&k2, ISS);
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(h.verify(&t2), Err(300));
    assert!(eventually(T, || source.metrics().fetch_failed == 1));
    // It recovers: the same kid, past the cooldown, asks again and lands.
    failing.store(0, Relaxed);
    std::thread::sleep(Duration::from_millis(150));
    assert!(eventually(T, || h.verify(&t2).is_ok()));
    assert_eq!(source.metrics().negative_hits, 0);
}
