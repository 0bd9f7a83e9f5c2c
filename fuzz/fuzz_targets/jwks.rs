//! JWKS parsing on arbitrary bytes, strict and lenient: never panics, a
//! failed add leaves the set unchanged, and every loaded key is usable.
#![no_main]

use jwtgate::{Key, KeySet, MAX_KEYS, MAX_KID_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = KeySet::from_jwks(data) {
        assert!(set.len() <= MAX_KEYS);
        for key in set.iter() {
            assert!(key.kid().is_none_or(|k| k.len() <= MAX_KID_LEN));
            // Found again by its own kid and algorithm.
            if let Some(kid) = key.kid() {
                assert!(set.find(key.algorithm(), Some(kid)).is_ok());
            }
        }
    }
    // Adding to a non-empty set: all or nothing.
    let mut set = KeySet::single(jwtgate_fuzz::keys().iter().next().cloned().unwrap());
    let before = set.len();
    if set.add_jwks(data).is_err() {
        assert_eq!(set.len(), before);
    }
    let _: Option<&Key> = set.iter().next();
    // The lenient mode (fetched sets): never panics, keeps at least what
    // the strict mode keeps, fails only where the strict mode fails too,
    // and leaves the set unchanged when it fails.
    let mut lenient = KeySet::new();
    match lenient.add_jwks_lenient(data) {
        Ok(_) => {
            assert!(lenient.len() <= MAX_KEYS);
            if let Ok(strict) = KeySet::from_jwks(data) {
                assert!(lenient.len() >= strict.len());
            }
        }
        Err(_) => {
            assert!(lenient.is_empty());
            assert!(KeySet::from_jwks(data).is_err());
        }
    }
});
