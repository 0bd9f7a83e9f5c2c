//! A `#![no_std]` static library with no global allocator that calls the
//! whole verification path, so `nm -u` on the archive shows every symbol
//! the core needs from its environment.
#![no_std]

use jwtgate::{Algorithm, Denylist, Key, KeySet, Policy, Verifier, BUFFER_LEN};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Verifies `token` with an HS256 `secret` and an optional denylist;
/// returns 0 or the error code.
#[no_mangle]
pub extern "C" fn nostd_verify(
    token: *const u8,
    token_len: usize,
    secret: *const u8,
    secret_len: usize,
    denylist: *const u8,
    denylist_len: usize,
    now: u64,
) -> u32 {
    // SAFETY: test-only entry point; the caller passes valid buffers.
    let (token, secret, denylist) = unsafe {
        (
            core::slice::from_raw_parts(token, token_len),
            core::slice::from_raw_parts(secret, secret_len),
            core::slice::from_raw_parts(denylist, denylist_len),
        )
    };
    let key = match Key::hmac(Algorithm::HS256, secret) {
        Ok(key) => key,
        Err(e) => return e.code(),
    };
    let mut keys = KeySet::single(key);
    if keys.add_jwks(br#"{"keys":[]}"#).is_err() {
        return 1;
    }
    let mut verifier = Verifier::new(keys, Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    let list;
    if !denylist.is_empty() {
        list = match Denylist::from_bytes(denylist) {
            Ok(list) => list,
            Err(e) => return e.code(),
        };
        return match verifier.clone().with_denylist(list).verify(token, now, &mut buf) {
            Ok(_) => 0,
            Err(e) => e.code(),
        };
    }
    verifier = verifier.with_limits(jwtgate::Limits::DEFAULT);
    match verifier.verify(token, now, &mut buf) {
        Ok(_) => 0,
        Err(e) => e.code(),
    }
}
