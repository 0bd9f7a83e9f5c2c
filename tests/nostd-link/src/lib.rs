//! A `#![no_std]` static library with no global allocator that calls the
//! whole verification path, so `nm -u` on the archive shows every symbol
//! the core needs from its environment, and a minimal C program linked
//! against it shows what each algorithm feature costs in flash
//! (scripts/test-footprint.sh).
#![no_std]

use jwtgate::{Denylist, Key, KeySet, Policy, Verifier, BUFFER_LEN};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// SAFETY: test-only entry points; the caller passes valid buffers.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: see the function's contract.
    unsafe { core::slice::from_raw_parts(ptr, len) }
}

/// Parses the JWKS document `doc`; returns the number of keys this build
/// could use, or the error code. A separate entry point, so a program that
/// does not call it links no JWKS code.
///
/// # Safety
/// `doc` is valid for `doc_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn nostd_jwks_len(doc: *const u8, doc_len: usize) -> u32 {
    // SAFETY: the caller passes a valid buffer.
    let doc = unsafe { bytes(doc, doc_len) };
    match KeySet::from_jwks(doc) {
        Ok(keys) => u32::try_from(keys.len()).unwrap_or(u32::MAX),
        Err(e) => e.code(),
    }
}

/// Verifies `token` with `key` and an optional denylist; returns 0 or the
/// error code.
fn verify(key: Result<Key, jwtgate::Error>, token: &[u8], denylist: &[u8], now: u64) -> u32 {
    let key = match key {
        Ok(key) => key,
        Err(e) => return e.code(),
    };
    let keys = KeySet::single(key);
    let verifier = Verifier::new(keys, Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    if !denylist.is_empty() {
        let list = match Denylist::from_bytes(denylist) {
            Ok(list) => list,
            Err(e) => return e.code(),
        };
        return match verifier.with_denylist(list).verify(token, now, &mut buf) {
            Ok(_) => 0,
            Err(e) => e.code(),
        };
    }
    match verifier.verify(token, now, &mut buf) {
        Ok(_) => 0,
        Err(e) => e.code(),
    }
}

/// Defines `extern "C" fn $name(token, token_len, key, key_len, denylist,
/// denylist_len, now) -> u32` for one algorithm family: it verifies `token`
/// with the key `$make` builds from the key bytes, and an optional denylist.
macro_rules! entry_point {
    ($(#[$doc:meta])* $feature:literal, $name:ident, $make:expr) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// Every pointer is valid for its length.
        #[cfg(feature = $feature)]
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            token: *const u8,
            token_len: usize,
            key: *const u8,
            key_len: usize,
            denylist: *const u8,
            denylist_len: usize,
            now: u64,
        ) -> u32 {
            // SAFETY: the caller passes valid buffers.
            let (token, key, denylist) = unsafe {
                (
                    bytes(token, token_len),
                    bytes(key, key_len),
                    bytes(denylist, denylist_len),
                )
            };
            let make: fn(&[u8]) -> Result<Key, jwtgate::Error> = $make;
            verify(make(key), token, denylist, now)
        }
    };
}

entry_point!(
    /// Verifies an HS256 token with a secret.
    "hmac",
    nostd_verify,
    |secret| Key::hmac(jwtgate::Algorithm::HS256, secret)
);
entry_point!(
    /// Verifies an EdDSA token with a 32-byte Ed25519 public key.
    "eddsa",
    nostd_verify_eddsa,
    Key::ed25519_public
);
entry_point!(
    /// Verifies an ES256 token with a SEC1 public key.
    "es256",
    nostd_verify_es256,
    Key::es256_public
);
entry_point!(
    /// Verifies an RS256 token with a modulus (exponent 65537).
    "rsa",
    nostd_verify_rs256,
    |n| Key::rs256_public(n, &[1, 0, 1])
);

/// The verified-token cache over a `static` slot array: verifies an HS256
/// `token` with `secret` twice (a miss, then a hit) through one cache keyed
/// with the 16 bytes at `cache_key`; returns 0 or the error code, or 1 if
/// the second call was not a hit. Proves the cache needs no allocator and
/// no std (atomics only).
///
/// # Safety
/// Every pointer is valid for its length; `cache_key` for 16 bytes.
#[cfg(feature = "hmac")]
#[no_mangle]
pub unsafe extern "C" fn nostd_verify_cached(
    token: *const u8,
    token_len: usize,
    secret: *const u8,
    secret_len: usize,
    cache_key: *const u8,
    now: u64,
) -> u32 {
    use jwtgate::{CacheSlot, TokenCache};
    static SLOTS: [CacheSlot; 64] = [const { CacheSlot::new() }; 64];
    // SAFETY: the caller passes valid buffers.
    let (token, secret, cache_key) = unsafe {
        (
            bytes(token, token_len),
            bytes(secret, secret_len),
            bytes(cache_key, 16),
        )
    };
    let Ok(cache_key) = <[u8; 16]>::try_from(cache_key) else {
        return 1;
    };
    let key = match Key::hmac(jwtgate::Algorithm::HS256, secret) {
        Ok(key) => key,
        Err(e) => return e.code(),
    };
    let verifier = Verifier::new(KeySet::single(key), Policy::new());
    let cache = TokenCache::new(&SLOTS, cache_key);
    let mut buf = [0u8; BUFFER_LEN];
    for _ in 0..2 {
        if let Err(e) = verifier.verify_cached(token, now, None, &mut buf, &cache, 1) {
            return e.code();
        }
    }
    if cache.stats().hits == 1 {
        0
    } else {
        1
    }
}
