//! The C ABI of jwtgate: `libjwtgate.a` / `libjwtgate.so` and the header
//! `include/jwtgate.h` (generated from this crate by cbindgen).
//!
//! Conventions (after rustls-ffi; `docs/c-abi.md` has the long form):
//!
//! - Everything is prefixed `jg_`. Handles are opaque; `jg_<type>_new`
//!   creates, `jg_<type>_free` releases and accepts NULL.
//! - Arguments: the handle, then inputs (pointer followed by `size_t`
//!   length; never NUL-terminated), then outputs.
//! - Every function returns a [`jg_result`]: `JG_OK` (0) or a non-zero
//!   status. Core errors keep the core's numbers (`jwtgate_core::Error::code`).
//! - Nothing a caller passes panics or crashes the library as long as
//!   pointers and lengths describe real memory: NULL, bad UTF-8, unknown
//!   algorithms and oversized inputs give statuses. A panic (a bug) is
//!   caught at the boundary and returned as `JG_PANIC`.
//! - A `jg_verifier` is internally synchronized: every function may be
//!   called from any thread at any time, except `jg_verifier_free`.
#![deny(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)] // C names

mod claims;
mod encode;
mod error;
mod handle;
mod keysource;
mod offsets;
mod ptr;
mod sync;
mod verifier;

use std::ffi::c_char;
use std::mem::offset_of;
use std::ptr::addr_of_mut;
use std::sync::Arc;

use jwtgate_core::{Algorithm, Claim, ClaimSet, HeaderFields, Key, KeySet, Policy};
use jwtgate_sync::{LiveVerifier, OwnedDenylist, Reason};

pub use crate::claims::*;
pub use crate::encode::*;
pub use crate::error::jg_result;
pub use crate::keysource::{jg_key_source, jg_key_source_options};
pub use crate::offsets::*;
use crate::ptr::{boundary, boundary_or};
pub use crate::sync::{
    jg_follower, jg_metrics, jg_revocation, jg_store, jg_watcher, JG_KIND_SESSION, JG_KIND_SUBJECT,
    JG_KIND_TOKEN, JG_NEVER_SYNCED, JG_REASON_CLAIMS, JG_REASON_COUNT, JG_REASON_DENYLIST,
    JG_REASON_EXPIRED, JG_REASON_KEY, JG_REASON_LIMITS, JG_REASON_MALFORMED,
    JG_REASON_REVOKED_SESSION, JG_REASON_REVOKED_SUBJECT, JG_REASON_REVOKED_TOKEN,
    JG_REASON_SIGNATURE, JG_REASON_STALE, JG_REASON_UNSUPPORTED, JG_REVOKE_ADDED,
    JG_REVOKE_UNCHANGED,
};
pub use crate::verifier::*;

/// The longest token `jg_verifier_verify` accepts, in bytes; longer ones
/// give `JG_TOKEN_TOO_LARGE`.
pub const JG_MAX_TOKEN_LEN: usize = 8192;

/// The most `aud` values a `jg_claims` holds (the core's limit: a token
/// with more fails with `JG_TOO_MANY_MEMBERS`).
pub const JG_MAX_AUDIENCES: usize = 32;

/// The size of the storage inside `jg_claims` that the views point into:
/// the decoded header and claims, and the unescaped copies of strings that
/// contain JSON escapes.
pub const JG_CLAIMS_BUFFER_LEN: usize = 12296;

const DECODE_LEN: usize = jwtgate_core::BUFFER_LEN;
const _: () = {
    assert!(JG_MAX_TOKEN_LEN == jwtgate_core::Limits::DEFAULT.max_token_len);
    assert!(JG_MAX_AUDIENCES == jwtgate_core::Limits::DEFAULT.max_audiences);
    // Decoded token, then unescaped strings: never longer than the decoded
    // token, because unescaping only shrinks a string.
    assert!(JG_CLAIMS_BUFFER_LEN >= 2 * DECODE_LEN);
};

/// `HS256`: HMAC with SHA-256.
pub const JG_ALG_HS256: u32 = 1;
/// `HS384`: HMAC with SHA-384.
pub const JG_ALG_HS384: u32 = 2;
/// `HS512`: HMAC with SHA-512.
pub const JG_ALG_HS512: u32 = 3;
/// `EdDSA`: Ed25519.
pub const JG_ALG_EDDSA: u32 = 4;
/// `ES256`: ECDSA with P-256 and SHA-256.
pub const JG_ALG_ES256: u32 = 5;
/// `RS256`: RSASSA-PKCS1-v1_5 with SHA-256 (2048- to 4096-bit keys).
pub const JG_ALG_RS256: u32 = 6;
/// `PS256`: RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
pub const JG_ALG_PS256: u32 = 7;

/// How many algorithms there are (`JG_ALG_*` ids 1 to `JG_ALG_COUNT`): the
/// Go binding's exhaustiveness guard compares its own list with it.
pub const JG_ALG_COUNT: usize = 7;

/// Every algorithm with its `JG_ALG_*` id; the test
/// `every_algorithm_has_an_id` keeps it in step with `Algorithm::ALL`.
const ALGORITHMS: [(u32, Algorithm); 7] = [
    (JG_ALG_HS256, Algorithm::HS256),
    (JG_ALG_HS384, Algorithm::HS384),
    (JG_ALG_HS512, Algorithm::HS512),
    (JG_ALG_EDDSA, Algorithm::EdDSA),
    (JG_ALG_ES256, Algorithm::ES256),
    (JG_ALG_RS256, Algorithm::RS256),
    (JG_ALG_PS256, Algorithm::PS256),
];
const _: () = assert!(ALGORITHMS.len() == Algorithm::ALL.len());
const _: () = assert!(JG_ALG_COUNT == ALGORITHMS.len());

/// `iss` in a claim mask (`jg_claims.present`, `jg_verifier_set_required_claims`).
pub const JG_CLAIM_ISS: u32 = 1 << 0;
/// `sub` in a claim mask.
pub const JG_CLAIM_SUB: u32 = 1 << 1;
/// `aud` in a claim mask.
pub const JG_CLAIM_AUD: u32 = 1 << 2;
/// `exp` in a claim mask.
pub const JG_CLAIM_EXP: u32 = 1 << 3;
/// `nbf` in a claim mask.
pub const JG_CLAIM_NBF: u32 = 1 << 4;
/// `iat` in a claim mask.
pub const JG_CLAIM_IAT: u32 = 1 << 5;
/// `jti` in a claim mask.
pub const JG_CLAIM_JTI: u32 = 1 << 6;
/// `sid` in a claim mask.
pub const JG_CLAIM_SID: u32 = 1 << 7;
/// `ver` (the subject's token version) in a claim mask.
pub const JG_CLAIM_VER: u32 = 1 << 8;

/// The claims, in the bit order of the `JG_CLAIM_*` masks.
const CLAIM_BITS: [(u32, Claim); 9] = [
    (JG_CLAIM_ISS, Claim::Iss),
    (JG_CLAIM_SUB, Claim::Sub),
    (JG_CLAIM_AUD, Claim::Aud),
    (JG_CLAIM_EXP, Claim::Exp),
    (JG_CLAIM_NBF, Claim::Nbf),
    (JG_CLAIM_IAT, Claim::Iat),
    (JG_CLAIM_JTI, Claim::Jti),
    (JG_CLAIM_SID, Claim::Sid),
    (JG_CLAIM_VER, Claim::Ver),
];

fn algorithm(alg: u32) -> Result<Algorithm, jg_result> {
    ALGORITHMS
        .iter()
        .find(|(id, _)| *id == alg)
        .map(|(_, a)| *a)
        .ok_or(jg_result::JG_INVALID_ARGUMENT)
}

/// The `JG_ALG_*` of `alg`. `Algorithm` is non-exhaustive, so an
/// algorithm added to the core without an id here gives 0 (never a wrong
/// id); `every_algorithm_has_an_id` fails the build's tests first.
fn algorithm_id(alg: Algorithm) -> u32 {
    ALGORITHMS
        .iter()
        .find(|(_, a)| *a == alg)
        .map_or(0, |(id, _)| *id)
}

/// A static, NUL-terminated English message for any `jg_result` value
/// (unknown values get a generic message). Never NULL; never free it.
#[no_mangle]
pub extern "C" fn jg_error_message(result: u32) -> *const c_char {
    boundary_or(c"internal panic".as_ptr(), || error::message_ptr(result))
}

/// The library version, a static NUL-terminated string such as `"0.1.0"`.
/// Never NULL; never free it.
#[no_mangle]
pub extern "C" fn jg_version() -> *const c_char {
    const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_bits_follow_the_core_order() {
        for (i, (bit, claim)) in CLAIM_BITS.iter().enumerate() {
            assert_eq!(*bit, 1 << i);
            assert_eq!(Claim::ALL[i], *claim);
        }
    }

    #[test]
    fn every_algorithm_has_an_id() {
        for alg in Algorithm::ALL {
            let id = algorithm_id(alg);
            assert_ne!(id, 0, "{alg}");
            assert_eq!(algorithm(id), Ok(alg));
        }
        assert_eq!(algorithm(0), Err(jg_result::JG_INVALID_ARGUMENT));
        assert_eq!(algorithm(8), Err(jg_result::JG_INVALID_ARGUMENT));
    }

    #[test]
    fn version_is_nul_terminated() {
        // SAFETY: jg_version returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(jg_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn null_and_double_free_are_harmless() {
        let mut v: *mut jg_verifier = std::ptr::null_mut();
        // SAFETY: test of the documented contract.
        unsafe {
            assert_eq!(
                jg_verifier_new(std::ptr::null_mut()),
                jg_result::JG_NULL_PARAMETER
            );
            assert_eq!(jg_verifier_new(&mut v), jg_result::JG_OK);
            assert_eq!(
                jg_verifier_add_issuer(v, std::ptr::null(), 3),
                jg_result::JG_NULL_PARAMETER
            );
            assert_eq!(
                jg_verifier_add_issuer(v, b"\xff".as_ptr(), 1),
                jg_result::JG_INVALID_UTF8
            );
            assert_eq!(
                jg_verifier_verify(
                    v,
                    b"a.b.c".as_ptr(),
                    JG_MAX_TOKEN_LEN + 1,
                    0,
                    std::ptr::null_mut()
                ),
                jg_result::JG_TOKEN_TOO_LARGE
            );
            jg_verifier_free(v);
            jg_verifier_free(v);
            jg_verifier_free(std::ptr::null_mut());
        }
    }
}
