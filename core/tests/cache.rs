//! The verified-token cache (issue 15): a verification through a cache
//! gives the same result as one without, whatever happened between calls:
//! one-byte changes, expiry, revocation, a replaced key set; for every
//! algorithm; without allocating; and under concurrent use.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::as_conversions)]

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use common::counting::{allocations_during, Counting};
use common::*;
use jwtgate::{
    Algorithm, CacheSlot, Claim, Config, Denylist, DenylistBuilder, Error, HeaderFields, Key,
    KeySet, Policy, Revocation, RevocationKind, TokenCache, Verifier, BUFFER_LEN,
};

#[global_allocator]
static GLOBAL: Counting = Counting;

fn slots(n: usize) -> Vec<CacheSlot> {
    (0..n).map(|_| CacheSlot::new()).collect()
}

fn cache(slots: &[CacheSlot]) -> TokenCache<&[CacheSlot]> {
    TokenCache::new(slots, [0x42; 16])
}

/// What a verification returned, comparable across calls (the claims
/// borrow the buffer): the subject and `jti` on success.
type Outcome = Result<(Option<String>, Option<String>), Error>;

fn outcome(r: Result<jwtgate::Verified<'_>, Error>) -> Outcome {
    r.map(|v| {
        let c = v.claims();
        (
            c.sub()
                .map(|s| String::from_utf8_lossy(s.raw()).into_owned()),
            c.jti()
                .map(|s| String::from_utf8_lossy(s.raw()).into_owned()),
        )
    })
}

fn uncached(v: &Verifier<'_>, token: &[u8], now: u64, d: Option<&Denylist<'_>>) -> Outcome {
    let mut buf = [0u8; BUFFER_LEN];
    outcome(v.verify_with_denylist(token, now, d, &mut buf))
}

fn cached<S: AsRef<[CacheSlot]>>(
    v: &Verifier<'_>,
    token: &[u8],
    now: u64,
    d: Option<&Denylist<'_>>,
    c: &TokenCache<S>,
    generation: u64,
) -> Outcome {
    let mut buf = [0u8; BUFFER_LEN];
    outcome(v.verify_cached(token, now, d, &mut buf, c, generation))
}

/// Verifies `token` uncached, then twice through `c` (a miss, then a hit
/// when it verified), and requires the three results to agree.
fn agree<S: AsRef<[CacheSlot]>>(
    v: &Verifier<'_>,
    token: &[u8],
    now: u64,
    d: Option<&Denylist<'_>>,
    c: &TokenCache<S>,
    generation: u64,
) -> Outcome {
    let want = uncached(v, token, now, d);
    let first = cached(v, token, now, d, c, generation);
    let second = cached(v, token, now, d, c, generation);
    assert_eq!(
        first,
        want,
        "first cached call: {}",
        String::from_utf8_lossy(token)
    );
    assert_eq!(
        second,
        want,
        "second cached call: {}",
        String::from_utf8_lossy(token)
    );
    want
}

fn sign(key: &Key, claims: &str) -> Vec<u8> {
    let mut out = [0u8; 4096];
    let n = jwtgate::encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    out[..n].to_vec()
}

fn denylist_bytes(jtis: &[&str]) -> Vec<u8> {
    let entries: Vec<Revocation<'_>> = jtis
        .iter()
        .map(|j| Revocation::Token {
            jti: j.as_bytes(),
            until: 1_900_000_000,
        })
        .collect();
    let config = Config {
        retention: jwtgate::Retention {
            max_token_lifetime: u64::MAX,
            ..jwtgate::Retention::DEFAULT
        },
        ..Config::new([5u8; 16], NOW)
    };
    let builder = DenylistBuilder::new(config);
    let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
    let n = builder.build(&entries, &mut bytes).unwrap();
    bytes.truncate(n);
    bytes
}

/// The shared IdP fixture (tests/fixtures/idp_tokens.json): RS256 with four
/// modulus sizes, PS256, ES256, and a kid no key has.
struct Idp {
    doc: serde_json::Value,
}

impl Idp {
    fn load() -> Idp {
        Idp {
            doc: serde_json::from_str(include_str!("../../tests/fixtures/idp_tokens.json"))
                .unwrap(),
        }
    }

    fn str(&self, path: &str) -> &str {
        self.doc.pointer(path).unwrap().as_str().unwrap()
    }

    fn now(&self) -> u64 {
        self.doc["now"].as_u64().unwrap()
    }

    fn keys(&self) -> KeySet {
        let mut keys = KeySet::new();
        for bits in ["2048", "2049", "3072", "4096"] {
            let n = unhex(self.str(&format!("/keys/rsa{bits}_n_hex")));
            let e = unhex(self.str(&format!("/keys/rsa{bits}_e_hex")));
            let kid = format!("rsa{bits}");
            keys.add(Key::rs256_public(&n, &e).unwrap().with_kid(&kid).unwrap())
                .unwrap();
            if bits == "2048" {
                keys.add(Key::ps256_public(&n, &e).unwrap().with_kid(&kid).unwrap())
                    .unwrap();
            }
        }
        let sec1 = unhex(self.str("/keys/p256_sec1_hex"));
        keys.add(Key::es256_public(&sec1).unwrap().with_kid("p256").unwrap())
            .unwrap();
        keys
    }

    fn policy(&self) -> Policy {
        let mut p = Policy::new();
        p.add_issuer(self.str("/issuer")).unwrap();
        p.add_audience(self.str("/audience")).unwrap();
        p
    }

    fn tokens(&self) -> Vec<(String, Vec<u8>)> {
        self.doc["tokens"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().as_bytes().to_vec()))
            .collect()
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The acceptance-style fixture: every token gets the same verdict through
/// the cache as without it, valid ones included (the unknown kid fails).
#[test]
fn idp_fixture_verdicts_agree() {
    let idp = Idp::load();
    let v = Verifier::new(idp.keys(), idp.policy());
    let s = slots(64);
    let c = cache(&s);
    let mut ok = 0;
    for (name, token) in idp.tokens() {
        match agree(&v, &token, idp.now(), None, &c, 1) {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!((name.as_str(), e), ("rs256_unknown_kid", Error::UnknownKey)),
        }
        // After expiry, a hit fails as expired.
        let late = idp.doc["exp"].as_u64().unwrap() + 1;
        let _ = agree(&v, &token, late, None, &c, 1);
    }
    assert_eq!(ok, 6);
    let stats = c.stats();
    assert_eq!(stats.inserts, 6);
    assert!(stats.hits >= 12, "{stats:?}");
}

/// HS256 tokens of many shapes, valid and not: the cache changes no
/// verdict, and only successes are inserted.
#[test]
fn shaped_tokens_agree() {
    let v = verifier(hs_key(), policy());
    let s = slots(256);
    let c = cache(&s);
    let h = r#"{"alg":"HS256"}"#;
    let good = hs256(h, CLAIMS);
    let mut bad_sig = good.clone().into_bytes();
    let last = bad_sig.len() - 2;
    bad_sig[last] = if bad_sig[last] == b'A' { b'B' } else { b'A' };
    let shapes: Vec<Vec<u8>> = vec![
        good.clone().into_bytes(),
        bad_sig,
        hs256(h, &CLAIMS.replace("1800000000", "1600000000")).into_bytes(),
        hs256(h, &CLAIMS.replace("orders", "billing")).into_bytes(),
        hs256(h, &CLAIMS.replace("issuer.example", "evil.example")).into_bytes(),
        hs256(r#"{"alg":"HS256","kid":"nope"}"#, CLAIMS).into_bytes(),
        hs256(r#"{"alg":"none"}"#, CLAIMS).into_bytes(),
        hs256(r#"{"alg":"HS256","crit":["x"]}"#, CLAIMS).into_bytes(),
        hs256(h, r#"{"iss":"https://issuer.example"}"#).into_bytes(),
        hs256(h, &CLAIMS.replace(r#""iat""#, r#""nbf":1750000000,"iat""#)).into_bytes(),
        format!("{good}.x").into_bytes(),
        good.replace('.', "").into_bytes(),
        b"..".to_vec(),
        Vec::new(),
        vec![b'a'; 9000],
        eddsa(r#"{"alg":"EdDSA"}"#, CLAIMS).into_bytes(),
    ];
    let mut successes = 0;
    for token in &shapes {
        if agree(&v, token, NOW, None, &c, 7).is_ok() {
            successes += 1;
        }
    }
    // The good token, and the same claims under a kid: a key without a kid
    // answers every kid.
    assert_eq!(successes, 2);
    assert_eq!(c.stats().inserts, 2);
}

/// Every single-byte change of a cached token (to each of a few values)
/// gets the uncached verdict: none hits, none passes.
#[test]
fn one_byte_different_tokens_never_hit() {
    let v = verifier(hs_key(), policy());
    let s = slots(1024);
    let c = cache(&s);
    let good = hs256(r#"{"alg":"HS256"}"#, CLAIMS).into_bytes();
    assert!(agree(&v, &good, NOW, None, &c, 1).is_ok());
    let before = c.stats();
    let mut changed = 0u64;
    for i in 0..good.len() {
        for delta in [1u8, 0x20, 0x80] {
            let mut t = good.clone();
            t[i] = t[i].wrapping_add(delta);
            let want = uncached(&v, &t, NOW, None);
            assert!(want.is_err(), "byte {i} +{delta} verified uncached");
            assert_eq!(cached(&v, &t, NOW, None, &c, 1), want, "byte {i} +{delta}");
            changed += 1;
        }
    }
    // Also every truncation and one appended byte.
    for n in 0..good.len() {
        assert_eq!(
            cached(&v, &good[..n], NOW, None, &c, 1),
            uncached(&v, &good[..n], NOW, None)
        );
    }
    let mut longer = good.clone();
    longer.push(b'A');
    assert_eq!(
        cached(&v, &longer, NOW, None, &c, 1),
        uncached(&v, &longer, NOW, None)
    );
    let after = c.stats();
    assert_eq!(after.hits, before.hits, "a changed token hit");
    assert_eq!(after.inserts, before.inserts);
    assert!(after.misses >= before.misses + changed);
}

/// A token cached while valid fails as expired on a hit after `exp`
/// (leeway included), and as not yet valid before `nbf`.
#[test]
fn expiry_between_calls() {
    let mut p = policy();
    p.leeway = 30;
    let v = verifier(hs_key(), p);
    let s = slots(16);
    let c = cache(&s);
    let claims = CLAIMS.replace(r#""iat""#, r#""nbf":1690000000,"iat""#);
    let token = hs256(r#"{"alg":"HS256"}"#, &claims).into_bytes();
    assert!(agree(&v, &token, NOW, None, &c, 1).is_ok());
    assert!(agree(&v, &token, 1_800_000_029, None, &c, 1).is_ok());
    let hits = c.stats().hits;
    let expired = cached(&v, &token, 1_800_000_031, None, &c, 1);
    assert!(matches!(expired, Err(Error::Expired { .. })), "{expired:?}");
    assert_eq!(c.stats().hits, hits + 1, "the expired call was a hit");
    assert_eq!(expired, uncached(&v, &token, 1_800_000_031, None));
    let early = cached(&v, &token, 1_689_000_000, None, &c, 1);
    assert!(matches!(early, Err(Error::NotYetValid { .. })), "{early:?}");
    assert_eq!(early, uncached(&v, &token, 1_689_000_000, None));
}

/// A revocation that arrives between two calls is found on the hit.
#[test]
fn revocation_between_calls() {
    let v = verifier(hs_key(), policy());
    let s = slots(16);
    let c = cache(&s);
    let token = hs256(r#"{"alg":"HS256"}"#, CLAIMS).into_bytes();
    let empty = denylist_bytes(&["someone-else"]);
    let empty = Denylist::from_bytes(&empty).unwrap();
    assert!(agree(&v, &token, NOW, Some(&empty), &c, 1).is_ok());
    let revoked = denylist_bytes(&["t-1"]);
    let revoked = Denylist::from_bytes(&revoked).unwrap();
    let hits = c.stats().hits;
    let r = cached(&v, &token, NOW, Some(&revoked), &c, 1);
    assert_eq!(r, Err(Error::Revoked(RevocationKind::Token)));
    assert_eq!(c.stats().hits, hits + 1, "the revoked call was a hit");
    assert_eq!(r, uncached(&v, &token, NOW, Some(&revoked)));
}

/// A key set replaced between two calls, the old key removed: the token
/// cached under the old generation fails as an unknown key; a key of the
/// same kid with another secret rejects its signature.
#[test]
fn key_set_replaced_between_calls() {
    let old = hs_key().with_kid("k1").unwrap();
    let v1 = verifier(old.clone(), policy());
    let s = slots(16);
    let c = cache(&s);
    let token = sign(&old, CLAIMS);
    assert!(agree(&v1, &token, NOW, None, &c, 1).is_ok());

    let other = Key::hmac(Algorithm::HS256, b"another secret of thirty-two byte")
        .unwrap()
        .with_kid("k2")
        .unwrap();
    let v2 = verifier(other, policy());
    let r = cached(&v2, &token, NOW, None, &c, 2);
    assert_eq!(r, Err(Error::UnknownKey));
    assert_eq!(r, uncached(&v2, &token, NOW, None));

    let same_kid = Key::hmac(Algorithm::HS256, b"another secret of thirty-two byte")
        .unwrap()
        .with_kid("k1")
        .unwrap();
    let v3 = verifier(same_kid, policy());
    let r = cached(&v3, &token, NOW, None, &c, 3);
    assert_eq!(r, Err(Error::InvalidSignature));
    // Back to the first key set under a new generation: verifies again.
    assert!(agree(&v1, &token, NOW, None, &c, 4).is_ok());
}

/// Every algorithm: the hit gives the miss's verdict, for a valid token, an
/// expired one and one with a broken signature.
#[test]
fn every_algorithm() {
    let hs384 = Key::hmac(Algorithm::HS384, &[3u8; 48]).unwrap();
    let hs512 = Key::hmac(Algorithm::HS512, &[4u8; 64]).unwrap();
    let ed = Key::ed25519_private(&ED_SEED).unwrap();
    let es = Key::es256_private(&[9u8; 32]).unwrap();
    let s = slots(64);
    let c = cache(&s);
    for (generation, key) in [hs_key(), hs384, hs512, ed, es].into_iter().enumerate() {
        let generation = generation as u64;
        let public = key.to_public().unwrap_or_else(|| key.clone());
        let v = verifier(public, policy());
        let token = sign(&key, CLAIMS);
        let before = c.stats().hits;
        assert!(
            agree(&v, &token, NOW, None, &c, generation).is_ok(),
            "{:?}",
            key.algorithm()
        );
        assert_eq!(c.stats().hits, before + 1);
        let late = agree(&v, &token, 1_800_000_001, None, &c, generation);
        assert!(matches!(late, Err(Error::Expired { .. })));
        let mut broken = token.clone();
        let i = broken.len() - 5;
        broken[i] = if broken[i] == b'x' { b'y' } else { b'x' };
        assert!(agree(&v, &broken, NOW, None, &c, generation).is_err());
    }
    // RS256 and PS256 through the fixture (verification-only keys).
    let idp = Idp::load();
    let v = Verifier::new(idp.keys(), idp.policy());
    for name in ["rs256_rsa2048", "ps256_rsa2048"] {
        let token = idp.str(&format!("/tokens/{name}")).as_bytes().to_vec();
        assert!(agree(&v, &token, idp.now(), None, &c, 99).is_ok(), "{name}");
        let mut broken = token.clone();
        let i = broken.len() - 5;
        broken[i] = if broken[i] == b'x' { b'y' } else { b'x' };
        assert_eq!(
            agree(&v, &broken, idp.now(), None, &c, 99),
            Err(Error::InvalidSignature)
        );
    }
}

/// The policy is read on every call: a stricter one, a required claim or
/// `typ`, applies to a cached token (lua-resty-openidc #399).
#[test]
fn policy_applies_on_hits() {
    let s = slots(16);
    let c = cache(&s);
    let token = hs256(r#"{"alg":"HS256"}"#, CLAIMS).into_bytes();
    let v = verifier(hs_key(), policy());
    assert!(agree(&v, &token, NOW, None, &c, 1).is_ok());
    let mut other_route = Policy::new();
    other_route.add_issuer("https://issuer.example").unwrap();
    other_route.add_audience("billing").unwrap();
    let v2 = verifier(hs_key(), other_route);
    let r = cached(&v2, &token, NOW, None, &c, 1);
    assert!(r.is_err());
    assert_eq!(r, uncached(&v2, &token, NOW, None));
    let mut strict = policy();
    strict.required = strict.required.with(Claim::Nbf);
    let v3 = verifier(hs_key(), strict);
    assert_eq!(
        cached(&v3, &token, NOW, None, &c, 1),
        uncached(&v3, &token, NOW, None)
    );
    assert!(cached(&v3, &token, NOW, None, &c, 1).is_err());
    let mut typed = policy();
    typed.require_typ("at+jwt").unwrap();
    let v4 = verifier(hs_key(), typed);
    assert!(cached(&v4, &token, NOW, None, &c, 1).is_err());
    let mut only_es = policy();
    only_es.set_algorithms([Algorithm::ES256]).unwrap();
    let v5 = verifier(hs_key(), only_es);
    assert_eq!(
        cached(&v5, &token, NOW, None, &c, 1),
        Err(Error::UnsupportedAlgorithm)
    );
}

/// Replacement: a full bucket evicts, counted; fewer than one bucket of
/// slots gives a cache that never hits but still verifies.
#[test]
fn eviction_and_tiny_caches() {
    let v = verifier(hs_key(), policy());
    let s = slots(4);
    let c = cache(&s);
    assert_eq!(c.capacity(), 4);
    let tokens: Vec<Vec<u8>> = (0..12)
        .map(|i| {
            hs256(
                r#"{"alg":"HS256"}"#,
                &CLAIMS.replace("t-1", &format!("t-{i}")),
            )
            .into_bytes()
        })
        .collect();
    for t in &tokens {
        assert!(agree(&v, t, NOW, None, &c, 1).is_ok());
    }
    let stats = c.stats();
    assert!(stats.evictions >= 8, "{stats:?}");
    assert_eq!(stats.inserts, stats.misses);

    for n in 0..4 {
        let s = slots(n);
        let c = cache(&s);
        assert_eq!(c.capacity(), 0);
        assert!(agree(&v, &tokens[0], NOW, None, &c, 1).is_ok());
        assert_eq!(c.stats().hits, 0);
    }
    // A static array works too.
    static STATIC: [CacheSlot; 8] = [const { CacheSlot::new() }; 8];
    let c = TokenCache::new(&STATIC, [1; 16]);
    assert!(agree(&v, &tokens[1], NOW, None, &c, 1).is_ok());
    assert_eq!(c.stats().hits, 1);
}

/// The tag covers every byte: no two of many related tokens share one, and
/// another key gives other tags.
#[test]
fn tags_differ() {
    let s = slots(4);
    let a = cache(&s);
    let b = TokenCache::new(&s[..], [0x43; 16]);
    let good = hs256(r#"{"alg":"HS256"}"#, CLAIMS).into_bytes();
    let mut seen = std::collections::HashSet::new();
    for i in 0..good.len() {
        let mut t = good.clone();
        t[i] ^= 1;
        assert!(seen.insert(a.tag(&t)));
        assert_ne!(a.tag(&t), b.tag(&t));
    }
    assert!(seen.insert(a.tag(&good)));
    assert!(seen.insert(a.tag(&good[..good.len() - 1])));
}

/// A miss, an insert and a hit allocate nothing.
#[test]
fn verify_cached_allocates_nothing() {
    let v = verifier(hs_key(), policy());
    let token = hs256(r#"{"alg":"HS256"}"#, CLAIMS).into_bytes();
    let bytes = denylist_bytes(&["revoked"]);
    let d = Denylist::from_bytes(&bytes).unwrap();
    let s: [CacheSlot; 16] = [const { CacheSlot::new() }; 16];
    let c = TokenCache::new(&s, [7; 16]);
    let mut buf = [0u8; BUFFER_LEN];
    let n = allocations_during(|| {
        for _ in 0..3 {
            assert!(v
                .verify_cached(&token, NOW, Some(&d), &mut buf, &c, 1)
                .is_ok());
        }
        assert!(v
            .verify_cached(b"a.b.c", NOW, Some(&d), &mut buf, &c, 1)
            .is_err());
        let _ = c.stats();
    });
    assert_eq!(n, 0);
    assert_eq!(c.stats().hits, 2);
}

/// Threads verify a mix of repeat tokens, fresh ones and forgeries through
/// one small cache while another thread swaps key sets (bumping the
/// generation) and denylists. Every cached verdict must equal the uncached
/// verdict under the same configuration; the first difference fails.
#[test]
fn concurrent_stress() {
    struct Config<'a> {
        verifier: Verifier<'static>,
        generation: u64,
        denylist: Option<Denylist<'a>>,
    }
    let k1 = hs_key().with_kid("k1").unwrap();
    let k2 = Key::hmac(Algorithm::HS256, b"second secret, thirty-two bytes!")
        .unwrap()
        .with_kid("k2")
        .unwrap();
    let both = {
        let mut ks = KeySet::new();
        ks.add(k1.clone()).unwrap();
        ks.add(k2.clone()).unwrap();
        ks
    };
    // Kid `k1` with another secret: a token of the real k1 cached under an
    // earlier generation must fail its signature here, not hit.
    let impostor = Key::hmac(Algorithm::HS256, b"impostor secret, thirty-two byte")
        .unwrap()
        .with_kid("k1")
        .unwrap();
    let key_sets = [
        KeySet::single(k1.clone()),
        KeySet::single(k2.clone()),
        both,
        KeySet::single(impostor),
    ];
    let revoked: Vec<Vec<u8>> = vec![denylist_bytes(&["j-3", "j-7"]), denylist_bytes(&["j-1"])];
    let denylists: Vec<Denylist<'_>> = revoked
        .iter()
        .map(|b| Denylist::from_bytes(b).unwrap())
        .collect();
    let tokens: Vec<Vec<u8>> = (0..32)
        .map(|i| {
            let key = if i % 2 == 0 { &k1 } else { &k2 };
            sign(key, &CLAIMS.replace("t-1", &format!("j-{i}")))
        })
        .collect();
    let current = RwLock::new(Arc::new(Config {
        verifier: Verifier::new(key_sets[2].clone(), policy()),
        generation: 0,
        denylist: None,
    }));
    let s = slots(16);
    let c = cache(&s);
    let stop = AtomicBool::new(false);
    let checked = AtomicU64::new(0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    std::thread::scope(|scope| {
        for t in 0..3u64 {
            let (current, c, tokens, stop, checked) = (&current, &c, &tokens, &stop, &checked);
            let (k1, k2) = (&k1, &k2);
            scope.spawn(move || {
                let mut i = t;
                while !stop.load(Ordering::Relaxed) {
                    i = i
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let pick = (i >> 33) as usize;
                    let token: Vec<u8> = match pick % 8 {
                        // Fresh tokens, forged ones, and repeats.
                        0 => sign(
                            if pick.is_multiple_of(16) { k1 } else { k2 },
                            &CLAIMS.replace("t-1", &format!("f-{i}")),
                        ),
                        1 => {
                            let mut f = tokens[pick % tokens.len()].clone();
                            let n = f.len() - 3;
                            f[n] ^= 0x01;
                            f
                        }
                        _ => tokens[pick % tokens.len()].clone(),
                    };
                    let config = current.read().unwrap().clone();
                    let d = config.denylist.as_ref();
                    let want = uncached(&config.verifier, &token, NOW, d);
                    let got = cached(&config.verifier, &token, NOW, d, c, config.generation);
                    if got != want {
                        stop.store(true, Ordering::Relaxed);
                        panic!(
                            "generation {}: cached {got:?}, uncached {want:?} for {}",
                            config.generation,
                            String::from_utf8_lossy(&token)
                        );
                    }
                    checked.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let (current, stop) = (&current, &stop);
        let (key_sets, denylists) = (&key_sets, &denylists);
        scope.spawn(move || {
            let mut generation = 0u64;
            while std::time::Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(3));
                generation += 1;
                // The key set is a function of the cache generation (it
                // changes every other step); the denylist changes at every
                // step without a generation bump: it is checked on every
                // call anyway.
                let next = Config {
                    verifier: Verifier::new(
                        key_sets[(generation / 2 % 4) as usize].clone(),
                        policy(),
                    ),
                    generation: generation / 2,
                    denylist: match generation % 5 {
                        0 => None,
                        n => Some(denylists[(n % 2) as usize]),
                    },
                };
                *current.write().unwrap() = Arc::new(next);
            }
            stop.store(true, Ordering::Relaxed);
        });
    });
    let stats = c.stats();
    assert!(checked.load(Ordering::Relaxed) > 1000, "{stats:?}");
    assert!(stats.hits > 0 && stats.evictions > 0, "{stats:?}");
}

/// `verify_cached_then`: the caller's own check runs on misses and hits,
/// and a token it rejects is not inserted.
#[test]
fn caller_checks_run_and_rejections_are_not_inserted() {
    let v = verifier(hs_key(), policy());
    let s = slots(16);
    let c = cache(&s);
    let token = hs256(r#"{"alg":"HS256"}"#, CLAIMS).into_bytes();
    let mut buf = [0u8; BUFFER_LEN];
    for _ in 0..3 {
        let r = v.verify_cached_then(&token, NOW, &mut buf, &c, 1, |_| {
            Err(Error::Revoked(RevocationKind::Token))
        });
        assert_eq!(r.map(|_| ()), Err(Error::Revoked(RevocationKind::Token)));
    }
    assert_eq!((c.stats().hits, c.stats().inserts), (0, 0));
    let mut calls = 0;
    for _ in 0..3 {
        let r = v.verify_cached_then::<_, Error>(&token, NOW, &mut buf, &c, 1, |v| {
            calls += 1;
            Ok(v)
        });
        assert!(r.is_ok());
    }
    assert_eq!(calls, 3);
    assert_eq!((c.stats().hits, c.stats().inserts), (2, 1));
}
