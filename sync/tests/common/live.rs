//! Helpers of the `LiveVerifier` tests (live.rs, live_cache.rs, leeway in
//! redis.rs): HS256 keys with a kid, signing, one verify call, a denylist.

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, BUFFER_LEN};
use jwtgate_sync::{LiveVerifier, OwnedRevocation, RevocationSet, VerifyError};

pub fn now() -> u64 {
    jwtgate_sync::unix_now()
}

/// An HS256 key with this kid.
pub fn hmac(secret: &[u8; 32], kid: &str) -> Key {
    Key::hmac(Algorithm::HS256, secret)
        .unwrap()
        .with_kid(kid)
        .unwrap()
}

/// A key set holding these keys.
pub fn keys(list: &[Key]) -> KeySet {
    let mut set = KeySet::new();
    for k in list {
        set.add(k.clone()).unwrap();
    }
    set
}

/// Signs these claims (JSON object text) with `key`.
pub fn sign(key: &Key, claims: &str) -> Vec<u8> {
    let mut out = vec![0u8; 2048];
    let n = jwtgate::encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    out.truncate(n);
    out
}

/// One verification at `at`, the claims dropped.
pub fn check_at(v: &LiveVerifier, token: &[u8], at: u64) -> Result<(), VerifyError> {
    let mut buf = [0u8; BUFFER_LEN];
    v.verify(token, at, &mut buf).map(|_| ())
}

/// One verification now.
pub fn check(v: &LiveVerifier, token: &[u8]) -> Result<(), VerifyError> {
    check_at(v, token, now())
}

/// A denylist file revoking these `jti`s for ten minutes.
pub fn denylist(jtis: &[&str]) -> Vec<u8> {
    let mut set = RevocationSet::default();
    for jti in jtis {
        set.insert(OwnedRevocation::token(*jti, now() + 600), now());
    }
    set.build(now()).unwrap()
}
