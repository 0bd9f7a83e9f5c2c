//! Allow-lists and empty key sets (issues 12 and 20): the rules every binding
//! calls, tested once here and again through each binding.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use jwtgate::{Algorithm, Error, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};

const NOW: u64 = 1_000;

fn token(key: &Key, claims: &str) -> Vec<u8> {
    let mut out = [0u8; 1024];
    let n = jwtgate::encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    out[..n].to_vec()
}

fn jwks_keys() -> KeySet {
    // One HS256 and one HS384 key, as a JWKS publishes them.
    let doc = br#"{"keys":[
        {"kty":"oct","alg":"HS256","kid":"a","k":"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE"},
        {"kty":"oct","alg":"HS384","kid":"b","k":"QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"}
    ]}"#;
    KeySet::from_jwks(doc).unwrap()
}

/// Narrowing a JWKS to HS384 makes its HS256 key unusable (issue 12).
#[test]
fn algorithms_narrow_the_keys_of_a_jwks() {
    let keys = jwks_keys();
    let hs256 = keys
        .iter()
        .find(|k| k.algorithm() == Algorithm::HS256)
        .unwrap();
    let hs384 = keys
        .iter()
        .find(|k| k.algorithm() == Algorithm::HS384)
        .unwrap();
    let (t256, t384) = (
        token(hs256, r#"{"exp":2000}"#),
        token(hs384, r#"{"exp":2000}"#),
    );
    let mut buf = vec![0u8; BUFFER_LEN];
    let open = Verifier::try_new(keys.clone(), Policy::new()).unwrap();
    assert!(open.verify(&t256, NOW, &mut buf).is_ok());
    let mut policy = Policy::new();
    policy.set_algorithms([Algorithm::HS384]).unwrap();
    let narrow = Verifier::try_new(keys.clone(), policy).unwrap();
    assert_eq!(
        narrow.verify(&t256, NOW, &mut buf).err(),
        Some(Error::UnsupportedAlgorithm)
    );
    assert!(narrow.verify(&t384, NOW, &mut buf).is_ok());
    // Only algorithms no key has: no usable key.
    let mut policy = Policy::new();
    policy.set_algorithms([Algorithm::EdDSA]).unwrap();
    assert_eq!(
        Verifier::try_new(keys, policy).err(),
        Some(Error::EmptyKeySet)
    );
}

/// An empty key set is refused at construction; a verifier built without
/// the check (`Verifier::new`) finds no key for any token.
#[test]
fn empty_key_sets_are_refused() {
    assert_eq!(
        Verifier::try_new(KeySet::new(), Policy::new()).err(),
        Some(Error::EmptyKeySet)
    );
    let empty = KeySet::from_jwks(br#"{"keys":[]}"#).unwrap();
    assert_eq!(
        Verifier::try_new(empty, Policy::new()).err(),
        Some(Error::EmptyKeySet)
    );
    let key = Key::hmac(Algorithm::HS256, &[7; 32]).unwrap();
    let t = token(&key, r#"{"exp":2000}"#);
    let mut buf = vec![0u8; BUFFER_LEN];
    let unchecked = Verifier::new(KeySet::new(), Policy::new());
    assert_eq!(
        unchecked.verify(&t, NOW, &mut buf).err(),
        Some(Error::UnknownKey)
    );
}

/// Empty issuer and audience collections are refused (issue 20 item 2);
/// a verifier never sees them.
#[test]
fn empty_issuer_and_audience_lists_are_refused() {
    let mut policy = Policy::new();
    assert_eq!(policy.set_issuers([]), Err(Error::EmptyAllowList));
    assert_eq!(
        policy.set_audiences(Vec::<&str>::new()),
        Err(Error::EmptyAllowList)
    );
    assert_eq!(policy.set_audiences([""]), Err(Error::EmptyAllowList));
    assert_eq!(policy.issuers().count() + policy.audiences().count(), 0);
}
