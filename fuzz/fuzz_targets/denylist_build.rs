//! Denylist building from fuzzed revocations and configurations: what the
//! builder writes loads, and every live revocation is found (the denylist
//! never gives a false negative).
#![no_main]

use arbitrary::Arbitrary;
use jwtgate::{Denylist, DenylistBuilder, DenylistConfig, Revocation, RevocationKind, TokenIds};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Entry {
    Token(Vec<u8>, u32),
    Session(Vec<u8>, u32),
    Subject(Vec<u8>, u16, u8, u32),
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: [u8; 16],
    now: u32,
    width: u16,
    bits: u8,
    fingerprints: bool,
    entries: Vec<Entry>,
}

fuzz_target!(|input: Input| {
    let now = 1_000_000_000 + u64::from(input.now);
    let mut config = DenylistConfig::new(input.seed, now);
    config.segment_width = u64::from(input.width);
    config.bloom_bits_per_entry = u32::from(input.bits);
    config.fingerprints = input.fingerprints;
    // Reaches up to 900 000 s ahead: no lifetime bound here.
    config.retention.max_token_lifetime = u64::MAX;
    // Times are offsets from now, so about half the entries are live.
    let at = |d: u32| now - 100_000 + u64::from(d % 1_000_000);
    let entries: Vec<Revocation<'_>> = input
        .entries
        .iter()
        .take(64)
        .map(|e| match e {
            Entry::Token(jti, exp) => Revocation::Token {
                jti,
                until: at(*exp),
            },
            Entry::Session(sid, until) => Revocation::Session {
                sid,
                until: at(*until),
            },
            Entry::Subject(sub, ib, bv, until) => Revocation::Subject {
                sub,
                issued_before: now - 50_000 + u64::from(*ib),
                below_version: u64::from(*bv),
                until: at(*until),
            },
        })
        .collect();
    let builder = DenylistBuilder::new(config);
    let Ok(len) = builder.required_len(&entries) else {
        return;
    };
    assert!(len < 64 << 20, "{len} bytes for {} entries", entries.len());
    let mut out = vec![0u8; len];
    let n = builder
        .build(&entries, &mut out)
        .expect("sized by required_len");
    assert_eq!(n, len);
    let d = Denylist::from_bytes(&out).expect("the builder's output loads");
    assert!(Denylist::from_trusted_bytes(&out).is_ok());
    assert!(d.segment_count() <= jwtgate::MAX_SEGMENTS);

    for e in entries.iter().filter(|e| e.until() > now) {
        let (ids, want) = match *e {
            Revocation::Token { jti, until: exp } => (
                TokenIds {
                    exp: Some(exp),
                    jti: Some(jti),
                    ..TokenIds::default()
                },
                RevocationKind::Token,
            ),
            Revocation::Session { sid, until } => (
                TokenIds {
                    exp: Some(until),
                    sid: Some(sid),
                    ..TokenIds::default()
                },
                RevocationKind::Session,
            ),
            Revocation::Subject {
                sub,
                issued_before,
                below_version,
                until,
            } => {
                if issued_before == 0 && below_version == 0 {
                    continue;
                }
                (
                    TokenIds {
                        exp: Some(until),
                        sub: Some(sub),
                        // Older than the bound (or no iat), version below it.
                        iat: issued_before.checked_sub(1),
                        ver: Some(below_version.saturating_sub(1)),
                        ..TokenIds::default()
                    },
                    RevocationKind::Subject,
                )
            }
        };
        assert_eq!(d.check(&ids, now), Err(want), "false negative for {e:?}");
        // Without exp, every live segment is searched.
        let ids = TokenIds { exp: None, ..ids };
        assert_eq!(d.check(&ids, now), Err(want), "false negative for {e:?}");
    }
});
