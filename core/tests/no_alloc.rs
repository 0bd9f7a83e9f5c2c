//! Proves that verification, with a denylist attached, never touches the heap.
//!
//! The counting allocator counts only the measuring thread's allocations.

mod common;

use common::counting::{allocations_during, Counting};

use common::*;
use jwtgate::{
    Denylist, DenylistBuilder, DenylistConfig, Error, KeySet, Revocation, RevocationKind, Verifier,
    BUFFER_LEN,
};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn verify_with_denylist_allocates_nothing() {
    // Set-up may allocate: tokens, the denylist bytes.
    let entries = [
        Revocation::Token {
            jti: b"revoked-jti",
            until: 1_800_000_000,
        },
        Revocation::Session {
            sid: b"revoked-sid",
            until: 1_800_000_000,
        },
        Revocation::Subject {
            sub: b"revoked-sub",
            issued_before: NOW,
            below_version: 0,
            until: 1_800_000_000,
        },
    ];
    // The tokens expire years after NOW: allow such a lifetime.
    let config = DenylistConfig {
        retention: jwtgate::Retention {
            max_token_lifetime: u64::MAX,
            ..jwtgate::Retention::DEFAULT
        },
        ..DenylistConfig::new([3u8; 16], NOW)
    };
    let builder = DenylistBuilder::new(config);
    let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
    let len = builder.build(&entries, &mut bytes).unwrap();
    let denylist = Denylist::from_bytes(&bytes[..len]).unwrap();

    let mut keys = KeySet::new();
    keys.add(hs_key()).unwrap();
    keys.add(ed_public_key()).unwrap();
    let verifier = Verifier::new(keys, policy()).with_denylist(denylist);
    let good_hs = hs256(r#"{"alg":"HS256"}"#, CLAIMS);
    let good_ed = eddsa(r#"{"alg":"EdDSA"}"#, CLAIMS);
    let revoked = hs256(r#"{"alg":"HS256"}"#, &CLAIMS.replace("t-1", "revoked-jti"));
    let escaped = hs256(
        r#"{"alg":"HS256"}"#,
        &CLAIMS.replace("t-1", r"revoked-\u006ati"),
    );
    let garbage = "eyJhbGciOiJIUzI1NiJ9.e30.AAAA".to_string();

    let mut buf = [0u8; BUFFER_LEN];
    let count = allocations_during(|| {
        for _ in 0..100 {
            assert!(verifier.verify(good_hs.as_bytes(), NOW, &mut buf).is_ok());
            assert!(verifier.verify(good_ed.as_bytes(), NOW, &mut buf).is_ok());
            assert_eq!(
                verifier.verify(revoked.as_bytes(), NOW, &mut buf).err(),
                Some(Error::Revoked(RevocationKind::Token))
            );
            assert_eq!(
                verifier.verify(escaped.as_bytes(), NOW, &mut buf).err(),
                Some(Error::Revoked(RevocationKind::Token))
            );
            assert!(verifier.verify(garbage.as_bytes(), NOW, &mut buf).is_err());
        }
    });
    assert_eq!(count, 0, "verify allocated {count} times");

    // The counter itself works: this must be seen.
    let seen = allocations_during(|| drop(std::hint::black_box(vec![1u8; 16])));
    assert!(seen >= 1);
}
