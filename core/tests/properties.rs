//! Property tests (proptest) of the whole verify path, and the stack bound.
//!
//! - encode then verify round-trips for arbitrary claims, every algorithm
//!   jwtgate can sign with (HS256/384/512, EdDSA, ES256);
//! - any single bit flipped in a valid token is rejected;
//! - the denylist never gives a false negative (alone and through verify);
//! - verify runs within a fixed small stack, and deep nesting does not grow it.

// Helpers outside #[test] functions are test code too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::as_conversions)]

mod common;

use common::*;
use jwtgate::{
    encode, Algorithm, ClaimSet, Denylist, DenylistBuilder, DenylistConfig, Error, HeaderFields,
    Key, KeySet, Limits, Policy, Retention, Revocation, RevocationKind, TokenIds, Verifier,
    BUFFER_LEN,
};
use proptest::prelude::*;

/// Any string of up to `max` characters, control characters and non-BMP
/// ones included (serde_json escapes what JSON requires).
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

/// [`text`] of at least one character: what a policy's issuer or audience
/// may be (an empty one is refused, `Error::EmptyAllowList`).
fn nonempty_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 1..=max).prop_map(String::from_iter)
}

fn key_for(alg: Algorithm) -> Key {
    match alg {
        Algorithm::HS256 => Key::hmac(alg, SECRET).unwrap(),
        Algorithm::HS384 => Key::hmac(alg, &[0x38; 48]).unwrap(),
        Algorithm::HS512 => Key::hmac(alg, &[0x51; 64]).unwrap(),
        Algorithm::ES256 => Key::es256_private(&[0x2a; 32]).unwrap(),
        _ => Key::ed25519_private(&ED_SEED).unwrap(),
    }
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(vec![
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::EdDSA,
        Algorithm::ES256,
    ])
}

#[derive(Debug, Clone)]
struct ClaimsIn {
    iss: String,
    sub: String,
    aud: Vec<String>,
    jti: String,
    exp: u64,
    nbf: Option<u64>,
    iat: u64,
    extra: Vec<(String, String)>,
}

fn claims_in() -> impl Strategy<Value = ClaimsIn> {
    (
        nonempty_text(24),
        text(24),
        (nonempty_text(12), prop::collection::vec(text(12), 0..3))
            .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect::<Vec<String>>()),
        text(24),
        (NOW + 1)..253_402_300_799u64,
        prop::option::of(0..=NOW),
        0..=NOW,
        prop::collection::vec(("x_[a-z0-9]{0,8}", text(16)), 0..6),
    )
        .prop_map(|(iss, sub, aud, jti, exp, nbf, iat, extra)| ClaimsIn {
            iss,
            sub,
            aud,
            jti,
            exp,
            nbf,
            iat,
            extra,
        })
}

impl ClaimsIn {
    fn json(&self) -> String {
        let mut map = serde_json::Map::new();
        map.insert("iss".into(), self.iss.clone().into());
        map.insert("sub".into(), self.sub.clone().into());
        map.insert("aud".into(), self.aud.clone().into());
        map.insert("jti".into(), self.jti.clone().into());
        map.insert("exp".into(), self.exp.into());
        if let Some(nbf) = self.nbf {
            map.insert("nbf".into(), nbf.into());
        }
        map.insert("iat".into(), self.iat.into());
        for (k, v) in &self.extra {
            map.insert(k.clone(), v.clone().into());
        }
        serde_json::Value::Object(map).to_string()
    }

    fn policy(&self) -> Policy {
        let mut p = Policy::new();
        p.add_issuer(&self.iss).unwrap();
        p.add_audience(&self.aud[0]).unwrap();
        p
    }
}

fn sign(key: &Key, claims: &str) -> Vec<u8> {
    let mut out = vec![0u8; 16 * 1024];
    let n = encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    out.truncate(n);
    out
}

proptest! {
    #[test]
    fn encode_then_verify_round_trips(alg in algorithm(), c in claims_in()) {
        let key = key_for(alg);
        let json = c.json();
        let token = sign(&key, &json);
        let verifier_key = key.to_public().unwrap_or(key);
        let v = Verifier::new(KeySet::single(verifier_key), c.policy());
        let mut buf = [0u8; BUFFER_LEN];
        let ok = v.verify(&token, NOW, &mut buf).unwrap();
        let claims = ok.claims();
        prop_assert_eq!(ok.header().alg(), alg);
        prop_assert_eq!(claims.raw_json(), json.as_bytes());
        prop_assert!(claims.iss().unwrap().eq_str(&c.iss));
        prop_assert!(claims.sub().unwrap().eq_str(&c.sub));
        prop_assert!(claims.jti().unwrap().eq_str(&c.jti));
        for aud in &c.aud {
            prop_assert!(claims.aud().unwrap().contains(aud));
        }
        prop_assert_eq!(claims.exp(), Some(c.exp));
        prop_assert_eq!(claims.nbf(), c.nbf);
        prop_assert_eq!(claims.iat(), Some(c.iat));
        let mut unescaped = vec![0u8; claims.sub().unwrap().unescaped_len()];
        prop_assert_eq!(claims.sub().unwrap().unescape_into(&mut unescaped).unwrap(), c.sub.as_str());
    }

    #[test]
    fn any_single_bit_flip_is_rejected(alg in algorithm(), c in claims_in(), at in any::<prop::sample::Index>(), bit in 0..8u8) {
        let key = key_for(alg);
        let mut token = sign(&key, &c.json());
        let v = Verifier::new(KeySet::single(key.to_public().unwrap_or(key)), c.policy());
        let i = at.index(token.len());
        token[i] ^= 1 << bit;
        let mut buf = vec![0u8; BUFFER_LEN * 2];
        let result = v.verify(&token, NOW, &mut buf).map(|_| ());
        prop_assert!(result.is_err(), "flip of bit {} at {} accepted", bit, i);
    }

    #[test]
    fn denylist_has_no_false_negatives(
        seed in any::<[u8; 16]>(),
        width in 0..100_000u64,
        bits in 0..40u32,
        fingerprints in any::<bool>(),
        ids in prop::collection::vec((0..3u8, prop::collection::vec(any::<u8>(), 0..24), 1..200_000u64, 0..10u64), 0..80),
    ) {
        let mut config = DenylistConfig::new(seed, NOW);
        config.retention.max_token_lifetime = 200_000;
        config.segment_width = width;
        config.bloom_bits_per_entry = bits;
        config.fingerprints = fingerprints;
        let entries: Vec<Revocation<'_>> = ids
            .iter()
            .map(|(kind, id, ttl, ver)| match kind {
                0 => Revocation::Token { jti: id, until: NOW + ttl },
                1 => Revocation::Session { sid: id, until: NOW + ttl },
                _ => Revocation::Subject {
                    sub: id,
                    issued_before: NOW - 100,
                    below_version: *ver,
                    until: NOW + ttl,
                },
            })
            .collect();
        let builder = DenylistBuilder::new(config);
        let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
        let n = builder.build(&entries, &mut bytes).unwrap();
        let d = Denylist::from_bytes(&bytes[..n]).unwrap();
        for e in &entries {
            let (ids, want) = match *e {
                Revocation::Token { jti, until: exp } => (
                    TokenIds { exp: Some(exp), jti: Some(jti), ..TokenIds::default() },
                    RevocationKind::Token,
                ),
                Revocation::Session { sid, until } => (
                    TokenIds { exp: Some(until), sid: Some(sid), ..TokenIds::default() },
                    RevocationKind::Session,
                ),
                Revocation::Subject { sub, until, .. } => (
                    // Issued before the bound.
                    TokenIds { exp: Some(until), iat: Some(NOW - 101), sub: Some(sub), ..TokenIds::default() },
                    RevocationKind::Subject,
                ),
            };
            prop_assert_eq!(d.check(&ids, NOW), Err(want));
            // At any later time while the token is still valid.
            let later = NOW + (e.until() - NOW) / 2;
            prop_assert_eq!(d.check(&ids, later), Err(want));
        }
    }

    #[test]
    fn revoked_tokens_never_verify(jti in text(24), sid in text(24), which in 0..2u8, ttl in 1..100_000u64) {
        let exp = NOW + ttl;
        let entries = [
            Revocation::Token { jti: jti.as_bytes(), until: exp },
            Revocation::Session { sid: sid.as_bytes(), until: exp },
        ];
        let mut config = DenylistConfig::new([9; 16], NOW - 10);
        config.retention.max_token_lifetime = 100_000;
        let builder = DenylistBuilder::new(config);
        let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
        let n = builder.build(&entries, &mut bytes).unwrap();
        let d = Denylist::from_bytes(&bytes[..n]).unwrap();
        let claims = match which {
            0 => serde_json::json!({ "exp": exp, "jti": jti }),
            _ => serde_json::json!({ "exp": exp, "sid": sid, "jti": "other" }),
        };
        let token = sign(&hs_key(), &claims.to_string());
        let v = Verifier::new(KeySet::single(hs_key()), Policy::new()).with_denylist(d);
        let mut buf = [0u8; BUFFER_LEN];
        let got = v.verify(&token, NOW, &mut buf).map(|_| ());
        let want = if which == 0 { RevocationKind::Token } else { RevocationKind::Session };
        prop_assert_eq!(got, Err(Error::Revoked(want)));
    }
}

/// One token of [`until_semantics_hold_for_every_token`]: its `jti`
/// index, `exp` (offset from `NOW - max_leeway`, and whether it has a
/// fractional `.5`, or no `exp` at all), whether it is revoked and how far
/// past its `exp` the revocation's `until` reaches, and the verifier's clock
/// (a fraction of the range it must hold over).
fn token_case() -> impl Strategy<Value = TokenCase> {
    (
        0..40u8,
        0..90_000u64,
        0..3u8,
        any::<bool>(),
        0..90_000u64,
        0..=1000u64,
    )
}

type TokenCase = (u8, u64, u8, bool, u64, u64);

proptest! {
    // Issue 12: a token revocation `(jti, until)` rejects every token with
    // that `jti` whose `exp <= until` (integer or fractional `exp`, or no
    // `exp`), at any window width, across boundaries, after a rebuild and
    // through a delta, from the build time (less the clock skew the
    // retention allows) to `exp + leeway`; and with `exp` not checked, for
    // as long as the entry is in the list. Every other token answers exactly
    // as it would without a denylist.
    #[test]
    fn until_semantics_hold_for_every_token(
        seed in any::<[u8; 16]>(),
        width in prop::sample::select(vec![0u64, 1, 7, 60, 900, 3600, 7200, 86_400, 100_000]),
        bits in 1..24u32,
        max_leeway in 0..3600u64,
        leeway_part in 0..=100u64,
        back in 0..7200u64,
        check_exp in any::<bool>(),
        split in any::<bool>(),
        tokens in prop::collection::vec(token_case(), 1..12),
    ) {
        const LIFETIME: u64 = 86_400;
        let leeway = max_leeway * leeway_part / 100;
        // Built `back` seconds before NOW (a rebuild of the same entries).
        let built = NOW - back;
        let retention = Retention { max_leeway, max_token_lifetime: LIFETIME };
        let jti = |i: u8| format!("jti-{i}");
        let jtis: Vec<String> = (0..40).map(jti).collect();
        // Per token: its exp in whole seconds (floored), the JSON value,
        // and the `until` of its revocation, if revoked.
        let mut cases = Vec::new();
        let mut entries = Vec::new();
        for &(j, exp_off, frac, revoked, extra, _) in &tokens {
            // exp from NOW - max_leeway + 1 (still accepted by some
            // verifier) to the latest `until` the builder takes.
            let exp = (NOW - max_leeway + 1 + exp_off).min(built + LIFETIME - 1);
            let (exp, json_exp) = match frac {
                0 => (Some(exp), Some(serde_json::json!(exp))),
                1 => (Some(exp), Some(serde_json::json!(exp as f64 + 0.5))),
                _ => (None, None),
            };
            // A fractional exp is revoked by an `until` at or after it:
            // whole seconds, rounded up.
            let lowest = exp.map_or(NOW, |e| e + u64::from(frac == 1));
            let until = (lowest + extra).min(built + LIFETIME);
            prop_assume!(retention.until(Some(until), built).is_ok());
            if revoked {
                entries.push((j, until));
            }
            cases.push((j, exp, json_exp));
        }
        let revoked_jtis: std::collections::HashSet<u8> = entries.iter().map(|e| e.0).collect();
        let revs: Vec<Revocation<'_>> = entries
            .iter()
            .map(|&(j, until)| Revocation::Token { jti: jtis[usize::from(j)].as_bytes(), until })
            .collect();
        let config = DenylistConfig {
            segment_width: width,
            bloom_bits_per_entry: bits,
            retention,
            ..DenylistConfig::new(seed, built)
        };
        let build = |config: DenylistConfig, revs: &[Revocation<'_>]| {
            let builder = DenylistBuilder::new(config);
            let mut bytes = vec![0u8; builder.required_len(revs).unwrap()];
            let n = builder.build(revs, &mut bytes).unwrap();
            bytes.truncate(n);
            bytes
        };
        // Either one list, or a base of half the entries and a delta of the
        // rest built at NOW with the base's seed.
        let cut = if split { revs.len() / 2 } else { revs.len() };
        let base = build(config, &revs[..cut]);
        let delta = build(DenylistConfig { now: NOW, ..config }, &revs[cut..]);
        let lists = [Denylist::from_bytes(&base).unwrap(), Denylist::from_bytes(&delta).unwrap()];
        let mut policy = Policy::new();
        policy.leeway = leeway;
        policy.check_exp = check_exp;
        policy.required = ClaimSet::EMPTY;
        let plain = Verifier::new(KeySet::single(hs_key()), policy);
        let with_base = plain.clone().with_denylist(lists[0]);
        let mut buf = [0u8; BUFFER_LEN];
        for (&(j, exp, ref json_exp), &(_, _, _, _, _, clock)) in cases.iter().zip(&tokens) {
            let mut claims = serde_json::json!({ "jti": jti(j) });
            if let Some(e) = json_exp {
                claims["exp"] = e.clone();
            }
            let token = sign(&hs_key(), &claims.to_string());
            // From the build time less the skew the retention tolerates
            // (max_leeway - leeway) to the last second the policy accepts
            // the token (or well after, when exp is not checked).
            let from = built - (max_leeway - leeway);
            let to = match (exp, check_exp) {
                (Some(e), true) => e + leeway - 1,
                _ => NOW + 2 * LIFETIME,
            };
            let now = from + (to.saturating_sub(from)) * clock / 1000;
            let alone = plain.verify(&token, now, &mut buf).map(|_| ());
            prop_assert_eq!(alone, Ok(()), "the policy accepts it at {}", now);
            let verified = plain.verify(&token, now, &mut buf).unwrap();
            let got = verified.check_denylists(&lists, now.saturating_sub(leeway));
            let got_one = if split {
                got
            } else {
                with_base.verify(&token, now, &mut buf).map(|_| ())
            };
            // Revoked if an entry of its jti reaches its exp. An entry
            // whose `until` is before the exp may still reject it (same
            // window): only a jti never revoked must pass.
            let reached = entries.iter().any(|&(e, until)| e == j && exp.is_none_or(|x| x <= until));
            if reached {
                prop_assert_eq!(got_one, Err(Error::Revoked(RevocationKind::Token)), "jti-{} exp {:?} now {}", j, exp, now);
            } else if !revoked_jtis.contains(&j) {
                prop_assert_eq!(got_one, Ok(()), "jti-{} exp {:?} now {}", j, exp, now);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Stack
// ---------------------------------------------------------------------------

/// The stack one verification is proven to fit in (docs/security.md):
/// the thread below runs every worst case with this much stack in total,
/// its own 6 KiB decode buffer included. Optimized, the deepest
/// verification (RS256) measures about 27 KiB; in the test profile the
/// dependencies are not optimized and curve25519-dalek alone takes about
/// 75 KiB.
const STACK_BOUND: usize = if cfg!(debug_assertions) {
    128 * 1024
} else {
    40 * 1024
};

/// The worst cases for stack depth: HS256, EdDSA, RS256 and ES256,
/// the largest token the default limits accept, JSON nested far beyond the
/// depth limit, and an object large enough to take the scanner's slow path
/// (its 6 KiB name table), each with a denylist attached.
fn worst_cases() -> Vec<(&'static str, Vec<u8>, Algorithm)> {
    let pad = |n: usize| "p".repeat(n);
    let big_claims = |extra: &str| {
        format!(
            r#"{{"iss":"https://issuer.example","aud":"orders","exp":1800000000,"jti":"t-1","sid":"s-1","sub":"u-1"{extra}}}"#
        )
    };
    let members: String = (0..120).map(|i| format!(r#","m{i}":{i}"#)).collect();
    let many = big_claims(&members);
    let largest = big_claims(&format!(r#","pad":"{}""#, pad(5_900)));
    let deep_ok = big_claims(&format!(r#","deep":{}{}"#, "[".repeat(30), "]".repeat(30)));
    let deep_bad = big_claims(&format!(r#","deep":{}"#, "[".repeat(5_500)));
    let flat = big_claims("");
    let mut out = Vec::new();
    for alg in [Algorithm::HS256, Algorithm::EdDSA] {
        for (name, c) in [
            ("flat", &flat),
            ("many members", &many),
            ("largest", &largest),
            ("deep within the limit", &deep_ok),
            ("5500 deep", &deep_bad),
        ] {
            // Signed over the raw text: `encode` refuses the too-deep one.
            let t = match alg {
                Algorithm::HS256 => hs256(r#"{"alg":"HS256"}"#, c),
                _ => eddsa(r#"{"alg":"EdDSA"}"#, c),
            }
            .into_bytes();
            assert!(
                t.len() <= Limits::DEFAULT.max_token_len,
                "{name}: {}",
                t.len()
            );
            out.push((name, t, alg));
        }
    }
    // RS256 and ES256 (verification only here): the RFC 7515 A.2 and A.3
    // tokens. Their claims expired in 2011, so verification ends in
    // `Expired`, after the signature check.
    out.push((
        "RFC 7515 A.2",
        RFC7515_A2.replace(' ', "").into_bytes(),
        Algorithm::RS256,
    ));
    out.push((
        "RFC 7515 A.3",
        RFC7515_A3.replace(' ', "").into_bytes(),
        Algorithm::ES256,
    ));
    // A build without some algorithm features measures the others.
    out.retain(|(_, _, alg)| alg.is_supported());
    out
}

const RFC7515_A2: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
    cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4\
    BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv\
    hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const RFC7515_A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs\
    D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV\
    MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RFC7515_A3: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
    DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const RFC7515_A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const RFC7515_A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

fn unb64(s: &str) -> Vec<u8> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(&s.replace(' ', "")).unwrap()
}

fn stack_verifier(alg: Algorithm) -> (Verifier<'static>, Vec<u8>) {
    let entries = [Revocation::Session {
        sid: b"s-2",
        until: 1_800_000_000,
    }];
    // The tokens expire years after NOW: allow such a lifetime.
    let mut config = DenylistConfig::new([3; 16], NOW);
    config.retention.max_token_lifetime = u64::MAX;
    let builder = DenylistBuilder::new(config);
    let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
    let n = builder.build(&entries, &mut bytes).unwrap();
    bytes.truncate(n);
    let key = match alg {
        Algorithm::RS256 => Key::rs256_public(&unb64(RFC7515_A2_N), &unb64("AQAB")).unwrap(),
        Algorithm::ES256 => {
            Key::es256_public_coordinates(&unb64(RFC7515_A3_X), &unb64(RFC7515_A3_Y)).unwrap()
        }
        _ => key_for(alg),
    };
    let v = Verifier::new(KeySet::single(key.to_public().unwrap_or(key)), policy());
    (v, bytes)
}

/// One verification with a 6 KiB decode buffer on this stack.
#[inline(never)]
fn verify_once(v: &Verifier<'_>, token: &[u8]) -> Result<(), Error> {
    let mut buf = [0u8; BUFFER_LEN];
    let r = v
        .verify(token, NOW, std::hint::black_box(&mut buf))
        .map(|_| ());
    std::hint::black_box(&buf);
    r
}

/// Runs `f` with a verifier (denylist attached) for `alg`.
fn with_verifier<R>(alg: Algorithm, f: impl FnOnce(&Verifier<'_>) -> R) -> R {
    let (v, bytes) = stack_verifier(alg);
    let d = Denylist::from_bytes(&bytes).unwrap();
    f(&v.with_denylist(d))
}

#[test]
fn verify_fits_in_a_small_fixed_stack() {
    let cases = worst_cases();
    // The verifiers live outside the bounded thread (a `Verifier` is
    // 13 KiB: callers keep it in a static, a box or an Arc): the bound is
    // the verification's own.
    let stores: Vec<_> = cases
        .iter()
        .map(|(_, _, alg)| stack_verifier(*alg))
        .collect();
    let verifiers: Vec<Verifier<'_>> = stores
        .iter()
        .map(|(v, bytes)| {
            v.clone()
                .with_denylist(Denylist::from_bytes(bytes).unwrap())
        })
        .collect();
    let results = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_BOUND)
            .spawn_scoped(scope, || {
                cases
                    .iter()
                    .zip(&verifiers)
                    .map(|((name, t, _), v)| (*name, verify_once(v, t)))
                    .collect::<Vec<_>>()
            })
            .unwrap()
            .join()
            .unwrap()
    });
    for (name, r) in results {
        match name {
            "5500 deep" => assert_eq!(r, Err(Error::JsonTooDeep), "{name}"),
            "RFC 7515 A.2" | "RFC 7515 A.3" => {
                assert!(matches!(r, Err(Error::Expired { .. })), "{name}: {r:?}")
            }
            _ => assert_eq!(r, Ok(()), "{name}"),
        }
    }
}

/// Measures the stack one `verify` call uses by painting: fill a region
/// below the current frame with a pattern, run the call, find the deepest
/// byte it changed. Reads stack memory no live object owns, through raw
/// pointers: a measurement device for this test only.
#[inline(never)]
fn stack_used_by(f: &dyn Fn()) -> usize {
    const REGION: usize = 256 * 1024;
    const PATTERN: u8 = 0xA5;
    let marker = 0u8;
    let top = std::hint::black_box(&marker) as *const u8 as usize;
    #[inline(never)]
    fn paint(top: usize) {
        let mut region = [0u8; REGION];
        let here = region.as_mut_ptr() as usize;
        for b in region.iter_mut() {
            // SAFETY: writing our own local array.
            unsafe { std::ptr::write_volatile(b, PATTERN) };
        }
        std::hint::black_box(&region);
        assert!(here < top);
    }
    paint(top);
    f();
    let bottom = top - REGION + 4096;
    let mut deepest = top;
    let mut addr = bottom;
    while addr < top - 64 {
        // SAFETY: inside this thread's stack (the thread has far more than
        // REGION of it); the bytes were initialized by `paint` or by `f`.
        let b = unsafe { std::ptr::read_volatile(addr as *const u8) };
        if b != PATTERN {
            deepest = addr;
            break;
        }
        addr += 1;
    }
    top - deepest
}

#[test]
fn stack_use_is_flat_in_nesting_depth() {
    let cases = worst_cases();
    let measured = std::thread::Builder::new()
        .stack_size(4 * 1024 * 1024)
        .spawn(move || {
            cases
                .iter()
                .map(|(name, t, alg)| {
                    let used = with_verifier(*alg, |v| {
                        stack_used_by(&|| {
                            let _ = verify_once(v, t);
                        })
                    });
                    (*name, *alg, used)
                })
                .collect::<Vec<_>>()
        })
        .unwrap()
        .join()
        .unwrap();
    for (name, alg, used) in &measured {
        println!("stack: {alg:?} {name}: {used} bytes");
        assert!(*used < STACK_BOUND, "{alg:?} {name}: {used} bytes");
    }
    for alg in [Algorithm::HS256, Algorithm::EdDSA]
        .into_iter()
        .filter(|a| a.is_supported())
    {
        let of = |n: &str| {
            measured
                .iter()
                .find(|(name, a, _)| *name == n && *a == alg)
                .unwrap()
                .2
        };
        // 5500 levels of nesting cost no more stack than 30.
        assert!(
            of("5500 deep") <= of("deep within the limit") + 256,
            "{alg:?}: nesting grows the stack"
        );
    }
}
