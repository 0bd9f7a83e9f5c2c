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

mod error;
mod handle;
mod ptr;
mod sync;

use std::ffi::c_char;
use std::mem::offset_of;
use std::ptr::addr_of_mut;
use std::sync::Arc;

use jwtgate_core::{Algorithm, Claim, ClaimSet, HeaderFields, Key, KeySet, Policy};
use jwtgate_sync::{LiveVerifier, OwnedDenylist, Reason};

pub use crate::error::jg_result;
use crate::ptr::{boundary, boundary_or};
pub use crate::sync::{
    jg_follower, jg_metrics, jg_revocation, jg_store, jg_watcher, JG_KIND_SESSION, JG_KIND_SUBJECT,
    JG_KIND_TOKEN, JG_NEVER_SYNCED, JG_REASON_CLAIMS, JG_REASON_COUNT, JG_REASON_DENYLIST,
    JG_REASON_EXPIRED, JG_REASON_KEY, JG_REASON_LIMITS, JG_REASON_MALFORMED,
    JG_REASON_REVOKED_SESSION, JG_REASON_REVOKED_SUBJECT, JG_REASON_REVOKED_TOKEN,
    JG_REASON_SIGNATURE, JG_REASON_STALE, JG_REASON_UNSUPPORTED, JG_REVOKE_ADDED,
    JG_REVOKE_UNCHANGED,
};

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

/// A borrowed byte string: `len` bytes at `ptr`, not NUL-terminated.
/// `ptr` is NULL exactly when the value is absent (then `len` is 0); an
/// empty but present string has a non-NULL `ptr` and `len` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct jg_str {
    /// The first byte, or NULL when absent.
    pub ptr: *const u8,
    /// The length in bytes.
    pub len: usize,
}

impl jg_str {
    const NONE: jg_str = jg_str {
        ptr: std::ptr::null(),
        len: 0,
    };

    fn of(bytes: &[u8]) -> jg_str {
        jg_str {
            ptr: bytes.as_ptr(),
            len: bytes.len(),
        }
    }
}

/// The claims of a verified token, filled by `jg_verifier_verify`.
///
/// Owned by the caller (stack, heap, anywhere; it need not be initialized).
/// Every `jg_str` points into this struct's own `buffer`, so the views are
/// valid while this struct lives **at the same address** and until the next
/// `jg_verifier_verify` into it: do not copy the struct by value and keep
/// using the copy's views. Strings are UTF-8 with JSON escapes decoded
/// (a decoded string may contain NUL bytes, `\u0000` being valid JSON).
///
/// On failure every view is reset to absent and `present` to 0.
#[repr(C)]
pub struct jg_claims {
    /// Which registered claims the token has (`JG_CLAIM_*` bits).
    pub present: u32,
    /// The token's algorithm (`JG_ALG_*`), which is the verifying key's.
    pub alg: u32,
    /// `exp` in whole seconds (rounded down); valid when `JG_CLAIM_EXP` is set.
    pub exp: u64,
    /// `nbf` in whole seconds (rounded up); valid when `JG_CLAIM_NBF` is set.
    pub nbf: u64,
    /// `iat` in whole seconds (rounded down); valid when `JG_CLAIM_IAT` is set.
    pub iat: u64,
    /// `ver`; valid when `JG_CLAIM_VER` is set.
    pub ver: u64,
    /// `iss`.
    pub iss: jg_str,
    /// `sub`.
    pub sub: jg_str,
    /// `jti`.
    pub jti: jg_str,
    /// `sid`.
    pub sid: jg_str,
    /// How many `aud` values there are (1 for a string `aud`).
    pub aud_count: usize,
    /// The `aud` values; the first `aud_count` are set.
    pub aud: [jg_str; JG_MAX_AUDIENCES],
    /// The header's `kid`.
    pub kid: jg_str,
    /// The header's `typ`.
    pub typ: jg_str,
    /// The whole claims JSON object exactly as signed, for custom claims.
    pub raw_json: jg_str,
    /// Storage the views point into. Private: do not read or write it.
    pub buffer: [u8; JG_CLAIMS_BUFFER_LEN],
}

/// A token verifier: keys, a policy, an optional static revocation
/// denylist, and a live denylist that a follower or a file watcher keeps
/// current (with its counters and staleness): a `jwtgate_sync::LiveVerifier`.
///
/// Create with `jg_verifier_new`, release with `jg_verifier_free`. Safe to
/// share between threads: every configuration change installs a new
/// configuration atomically, so a verification sees either the old or the
/// new one, never a mix, and never waits for a lock.
pub struct jg_verifier {
    pub(crate) live: Arc<LiveVerifier>,
}

/// Creates a verifier with no keys, the default policy (`exp` required,
/// no leeway, any issuer, no audience: a token with `aud` is rejected
/// until an audience is added) and no denylist. Until it has a key whose
/// algorithm is allowed, every verification gives `JG_EMPTY_KEY_SET`;
/// once it has one, no change may leave it without (`JG_EMPTY_KEY_SET`,
/// nothing changed).
///
/// On success writes the new handle to `*verifier_out`; the caller owns it
/// and releases it with `jg_verifier_free`.
///
/// # Safety
/// `verifier_out` must be NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_new(verifier_out: *mut *mut jg_verifier) -> jg_result {
    boundary(|| {
        let live = Arc::new(LiveVerifier::pending(Policy::new())?);
        // SAFETY: the caller's contract covers `verifier_out`.
        unsafe { handle::publish(jg_verifier { live }, verifier_out) }
    })
}

/// Releases a verifier and everything it owns (keys are zeroized).
///
/// NULL is a no-op. Freeing a pointer that is not a live verifier (for
/// example, freeing twice) is detected and ignored, unless a new verifier
/// has been created at the same address since: do not rely on it, treat a
/// double free as the bug it is. No other thread may use the verifier
/// during or after this call.
///
/// # Safety
/// `verifier` must be NULL or a pointer from `jg_verifier_new` that no
/// other thread is using.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_free(verifier: *mut jg_verifier) {
    boundary_or((), || {
        // SAFETY: the caller's contract.
        unsafe { handle::release(verifier) }
    })
}

/// Shared prelude of the key functions: adds to the verifier's key set.
///
/// # Safety
/// `verifier` must be NULL or a live verifier.
unsafe fn change_keys(
    verifier: *const jg_verifier,
    change: impl FnOnce(&mut KeySet) -> Result<(), jwtgate_core::Error>,
) -> Result<(), jg_result> {
    // SAFETY: forwarded from this function's contract.
    let v = unsafe { ptr::obj(verifier) }?;
    Ok(v.live.update_keys(change)?)
}

/// Shared prelude of the policy functions.
///
/// # Safety
/// `verifier` must be NULL or a live verifier.
unsafe fn change_policy(
    verifier: *const jg_verifier,
    change: impl FnOnce(&mut Policy) -> Result<(), jwtgate_core::Error>,
) -> Result<(), jg_result> {
    // SAFETY: forwarded from this function's contract.
    let v = unsafe { ptr::obj(verifier) }?;
    Ok(v.live.update_policy(change)?)
}

/// Replaces every key of `verifier` at once with the keys of `keys`,
/// another verifier used as a key set (built with `jg_verifier_new` and
/// the `jg_verifier_add_*` functions; its policy and denylists are
/// ignored, and it stays the caller's). Verifications in flight finish
/// with the keys they started with; every later one uses the new set, so
/// a rotation never accepts a token of a key that was in neither set.
/// `JG_EMPTY_KEY_SET` (nothing changed) when no key of the new set has an
/// algorithm `verifier` allows.
///
/// # Safety
/// `verifier` and `keys` must be NULL or live verifiers.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_keys(
    verifier: *const jg_verifier,
    keys: *const jg_verifier,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both pointers.
        let (v, keys) = unsafe { (ptr::obj(verifier)?, ptr::obj(keys)?) };
        let keys = keys.live.config().keys().clone();
        Ok(v.live.set_keys(keys)?)
    })
}

/// Writes the verifier's configuration generation to `*generation_out`:
/// 0 when created, one more for every change that succeeded (keys,
/// policy). A verification uses one configuration, whose generation lies
/// between the values read before and after it.
///
/// # Safety
/// `verifier` must be NULL or live; `generation_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_generation(
    verifier: *const jg_verifier,
    generation_out: *mut u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both pointers.
        unsafe { ptr::write_out(generation_out, ptr::obj(verifier)?.live.key_generation()) }
    })
}

/// Adds an HMAC key (`JG_ALG_HS256`, `JG_ALG_HS384` or `JG_ALG_HS512`).
///
/// `secret` (copied) must be at least as long as the hash output (32, 48
/// or 64 bytes; `JG_WEAK_KEY` otherwise). `kid` is optional: NULL for none,
/// else `kid_len` UTF-8 bytes (copied, at most 128). Keys can be added at
/// any time; a failed call changes nothing.
///
/// # Safety
/// `verifier` must be NULL or live; `secret` must be NULL or readable for
/// `secret_len` bytes, and `kid` NULL or readable for `kid_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_hmac_key(
    verifier: *mut jg_verifier,
    alg: u32,
    secret: *const u8,
    secret_len: usize,
    kid: *const u8,
    kid_len: usize,
) -> jg_result {
    boundary(|| {
        let alg = algorithm(alg)?;
        if !alg.is_symmetric() {
            return Err(jg_result::JG_INVALID_ARGUMENT);
        }
        // SAFETY: the caller's contract covers both buffers.
        let (secret, kid) = unsafe {
            (
                ptr::bytes(secret, secret_len)?,
                ptr::optional_utf8(kid, kid_len)?,
            )
        };
        let key = with_kid(Key::hmac(alg, secret)?, kid)?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_keys(verifier, |keys| keys.add(key)) }
    })
}

/// Adds an Ed25519 public key (`EdDSA`): exactly 32 bytes (RFC 8032
/// encoding); small-order and non-canonical points give `JG_INVALID_KEY`.
/// `kid` as for `jg_verifier_add_hmac_key`.
///
/// # Safety
/// As `jg_verifier_add_hmac_key`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_ed25519_key(
    verifier: *mut jg_verifier,
    public_key: *const u8,
    public_key_len: usize,
    kid: *const u8,
    kid_len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both buffers.
        let (public, kid) = unsafe {
            (
                ptr::bytes(public_key, public_key_len)?,
                ptr::optional_utf8(kid, kid_len)?,
            )
        };
        let key = with_kid(Key::ed25519_public(public)?, kid)?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_keys(verifier, |keys| keys.add(key)) }
    })
}

/// Adds an ES256 (P-256) public key from its SEC1 encoding: 65 bytes
/// `04 || x || y` (OpenSSL's and `cryptography`'s uncompressed point) or
/// the 33-byte compressed form. Any other length, a point off the curve or
/// the identity give `JG_INVALID_KEY`. `kid` as for
/// `jg_verifier_add_hmac_key`.
///
/// # Safety
/// As `jg_verifier_add_hmac_key`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_es256_key(
    verifier: *mut jg_verifier,
    sec1: *const u8,
    sec1_len: usize,
    kid: *const u8,
    kid_len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both buffers.
        let (sec1, kid) = unsafe {
            (
                ptr::bytes(sec1, sec1_len)?,
                ptr::optional_utf8(kid, kid_len)?,
            )
        };
        let key = with_kid(Key::es256_public(sec1)?, kid)?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_keys(verifier, |keys| keys.add(key)) }
    })
}

/// Adds an RSA public key for `alg` (`JG_ALG_RS256` or `JG_ALG_PS256`;
/// other algorithms give `JG_INVALID_ARGUMENT`) from the big-endian
/// modulus `n` and public exponent `e` (the JWK `n` and `e` decoded;
/// leading zero bytes are ignored). `n` must be odd with 2048 to 4096
/// bits and `e` odd with `3 <= e < 2^32`, else `JG_INVALID_KEY`. `kid` as
/// for `jg_verifier_add_hmac_key`.
///
/// # Safety
/// `verifier` must be NULL or live; `n`, `e` and `kid` NULL or readable
/// for their lengths.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_rsa_key(
    verifier: *mut jg_verifier,
    alg: u32,
    n: *const u8,
    n_len: usize,
    e: *const u8,
    e_len: usize,
    kid: *const u8,
    kid_len: usize,
) -> jg_result {
    boundary(|| {
        let alg = algorithm(alg)?;
        if !matches!(alg, Algorithm::RS256 | Algorithm::PS256) {
            return Err(jg_result::JG_INVALID_ARGUMENT);
        }
        // SAFETY: the caller's contract covers the three buffers.
        let (n, e, kid) = unsafe {
            (
                ptr::bytes(n, n_len)?,
                ptr::bytes(e, e_len)?,
                ptr::optional_utf8(kid, kid_len)?,
            )
        };
        let key = with_kid(Key::rsa_public(alg, n, e)?, kid)?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_keys(verifier, |keys| keys.add(key)) }
    })
}

fn with_kid(key: Key, kid: Option<&str>) -> Result<Key, jwtgate_core::Error> {
    match kid {
        Some(kid) => key.with_kid(kid),
        None => Ok(key),
    }
}

/// Adds every usable key of a JWKS document (`{"keys":[...]}`, RFC 7517;
/// `len` bytes, not NUL-terminated). The rules are the core's
/// (`jwtgate_core::KeySet::add_jwks`): `oct` keys need an HMAC `alg`, `OKP`
/// keys must be Ed25519, `EC` keys P-256 (ES256), `RSA` keys RS256 or
/// PS256, keys for other uses or types are skipped, and a
/// malformed supported key fails the whole document (`JG_JWKS`) without
/// adding anything.
///
/// # Safety
/// `verifier` must be NULL or live; `jwks` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_jwks(
    verifier: *mut jg_verifier,
    jwks: *const u8,
    len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `jwks`.
        let jwks = unsafe { ptr::bytes(jwks, len) }?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_keys(verifier, |keys| keys.add_jwks(jwks)) }
    })
}

/// Accepts tokens whose `iss` is `issuer` (`len` UTF-8 bytes, copied).
/// Call once per accepted issuer; once one is set, `iss` is required. An
/// empty `issuer` gives `JG_EMPTY_ALLOW_LIST`. To load a configured list,
/// prefer `jg_verifier_set_issuers`, which also refuses an empty list.
///
/// # Safety
/// `verifier` must be NULL or live; `issuer` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_issuer(
    verifier: *mut jg_verifier,
    issuer: *const u8,
    len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `issuer`.
        let issuer = unsafe { ptr::utf8(issuer, len) }?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_policy(verifier, |policy| policy.add_issuer(issuer)) }
    })
}

/// Accepts tokens whose `aud` contains `audience` (`len` UTF-8 bytes,
/// copied). Call once per accepted audience; once one is set, `aud` is
/// required.
///
/// # Safety
/// `verifier` must be NULL or live; `audience` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_add_audience(
    verifier: *mut jg_verifier,
    audience: *const u8,
    len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `audience`.
        let audience = unsafe { ptr::utf8(audience, len) }?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_policy(verifier, |policy| policy.add_audience(audience)) }
    })
}

/// The strings of a `jg_verifier_set_issuers` / `_set_audiences` list:
/// `count` UTF-8 strings laid end to end in `bytes`, the length of each in
/// `lens` (no pointers inside the arrays, so that Go can pass its memory).
///
/// # Safety
/// `bytes` NULL or readable for the sum of `lens`; `lens` NULL or readable
/// for `count` lengths.
unsafe fn string_list<'a>(
    bytes: *const u8,
    lens: *const usize,
    count: usize,
) -> Result<Vec<&'a str>, jg_result> {
    if count == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the caller's contract covers `lens`.
    let lens = unsafe { ptr::slice(lens, count) }?;
    let total = lens
        .iter()
        .try_fold(0usize, |sum, &len| sum.checked_add(len))
        .ok_or(jg_result::JG_INVALID_ARGUMENT)?;
    // SAFETY: the caller's contract covers `bytes` for `total` bytes.
    let all = unsafe { ptr::utf8(bytes, total) }?;
    let mut rest = all.as_bytes();
    lens.iter()
        .map(|&len| {
            let (value, tail) = rest
                .split_at_checked(len)
                .ok_or(jg_result::JG_INVALID_ARGUMENT)?;
            rest = tail;
            std::str::from_utf8(value).map_err(|_| jg_result::JG_INVALID_UTF8)
        })
        .collect()
}

/// Accepts exactly the `count` issuers given (replacing any set before):
/// the strings lie end to end in `bytes` (UTF-8, copied), the length of
/// each in `lens`. An empty list or an empty string gives
/// `JG_EMPTY_ALLOW_LIST` and changes nothing: load your configured list
/// through this call, so that a list loaded empty is refused instead of
/// accepting any issuer. Without any issuer set, any issuer is accepted.
///
/// # Safety
/// `verifier` must be NULL or live; `bytes` NULL or readable for the sum
/// of `lens`; `lens` NULL or readable for `count` lengths (both may be NULL
/// when `count` is 0).
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_issuers(
    verifier: *mut jg_verifier,
    bytes: *const u8,
    lens: *const usize,
    count: usize,
) -> jg_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_list(verifier, bytes, lens, count, |p, v| p.set_issuers(v)) }
}

/// Accepts tokens whose `aud` contains one of the `count` audiences given
/// (replacing any set before), laid out as for `jg_verifier_set_issuers`;
/// an empty list or an empty string gives `JG_EMPTY_ALLOW_LIST` and
/// changes nothing.
///
/// # Safety
/// As `jg_verifier_set_issuers`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_audiences(
    verifier: *mut jg_verifier,
    bytes: *const u8,
    lens: *const usize,
    count: usize,
) -> jg_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_list(verifier, bytes, lens, count, |p, v| p.set_audiences(v)) }
}

/// Shared body of `jg_verifier_set_issuers` and `_set_audiences`.
///
/// # Safety
/// As `jg_verifier_set_issuers`.
unsafe fn set_list<'a>(
    verifier: *mut jg_verifier,
    bytes: *const u8,
    lens: *const usize,
    count: usize,
    set: impl FnOnce(&mut Policy, Vec<&'a str>) -> Result<(), jwtgate_core::Error>,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `bytes` and `lens`.
        let values = unsafe { string_list(bytes, lens, count) }?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_policy(verifier, |policy| set(policy, values)) }
    })
}

/// Allows only the `count` algorithms of `algs` (`JG_ALG_*`; default: all):
/// a key bound to another algorithm is unusable, and a token whose `alg` is
/// not listed gives `JG_UNSUPPORTED_ALGORITHM`. An empty list gives
/// `JG_EMPTY_ALLOW_LIST`, an unknown id `JG_INVALID_ARGUMENT`; either
/// changes nothing.
///
/// # Safety
/// `verifier` must be NULL or live; `algs` NULL or readable for `count`
/// ids (it may be NULL when `count` is 0).
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_algorithms(
    verifier: *mut jg_verifier,
    algs: *const u32,
    count: usize,
) -> jg_result {
    boundary(|| {
        let algs = if count == 0 {
            Vec::new()
        } else {
            // SAFETY: the caller's contract covers `algs`.
            let ids = unsafe { ptr::slice(algs, count) }?;
            ids.iter()
                .map(|&id| algorithm(id))
                .collect::<Result<Vec<_>, _>>()?
        };
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_policy(verifier, |policy| policy.set_algorithms(algs)) }
    })
}

/// Checks that the verifier can accept a token at all: `JG_OK`, or
/// `JG_EMPTY_KEY_SET` when it has no key whose algorithm is allowed (no key
/// at all, a JWKS without a supported key, or an algorithm allow-list that
/// excludes every key). Call it once configuration is done, as the Go
/// binding's `NewVerifier` does (verifying with such a verifier fails,
/// with `JG_UNKNOWN_KEY` or `JG_UNSUPPORTED_ALGORITHM`).
///
/// # Safety
/// `verifier` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_check(verifier: *const jg_verifier) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        Ok(v.live.config().verifier().check_usable()?)
    })
}

/// Sets the clock skew, in seconds, tolerated on `exp`, `nbf` and `iat` (default 0).
///
/// # Safety
/// `verifier` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_leeway(
    verifier: *mut jg_verifier,
    leeway_secs: u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        unsafe {
            change_policy(verifier, |policy| {
                policy.leeway = leeway_secs;
                Ok(())
            })
        }
    })
}

/// Replaces the set of claims a token must carry with `claims`, a mask of
/// `JG_CLAIM_*` bits (default `JG_CLAIM_EXP`; pass 0 to require nothing).
/// Unknown bits give `JG_INVALID_ARGUMENT`.
///
/// # Safety
/// `verifier` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_required_claims(
    verifier: *mut jg_verifier,
    claims: u32,
) -> jg_result {
    boundary(|| {
        let all = CLAIM_BITS.iter().fold(0, |m, (bit, _)| m | bit);
        if claims & !all != 0 {
            return Err(jg_result::JG_INVALID_ARGUMENT);
        }
        let required = CLAIM_BITS
            .iter()
            .filter(|(bit, _)| claims & bit != 0)
            .fold(ClaimSet::EMPTY, |set, (_, claim)| set.with(*claim));
        // SAFETY: the caller's contract covers `verifier`.
        unsafe {
            change_policy(verifier, |policy| {
                policy.required = required;
                Ok(())
            })
        }
    })
}

/// Requires the header `typ` to be `typ` (`len` UTF-8 bytes, at most 64),
/// compared ASCII case-insensitively with an optional `application/`
/// prefix (RFC 7515 section 4.1.9), for example `at+jwt` (RFC 9068).
///
/// # Safety
/// `verifier` must be NULL or live; `typ` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_require_typ(
    verifier: *mut jg_verifier,
    typ: *const u8,
    len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `typ`.
        let typ = unsafe { ptr::utf8(typ, len) }?;
        // SAFETY: the caller's contract covers `verifier`.
        unsafe { change_policy(verifier, |policy| policy.require_typ(typ)) }
    })
}

/// Attaches a static denylist, replacing any previous one atomically:
/// concurrent `jg_verifier_verify` calls use either the old or the new one.
///
/// The static denylist is independent of the live one that
/// `jg_verifier_follow_redis` or `jg_verifier_watch_file` keeps current: a
/// token is rejected when either revokes it, and a running source never
/// replaces or clears what this call attached (nor the other way round).
/// The counters' denylist gauges describe the live denylist only.
///
/// `bytes` (`len` bytes, a serialized jwtgate denylist) is validated
/// (structure, version, checksum: `JG_DENYLIST_*` on failure, leaving the
/// current denylist attached) and copied: the caller may free it as soon
/// as this returns.
///
/// # Safety
/// `verifier` must be NULL or live; `bytes` NULL or readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_denylist(
    verifier: *const jg_verifier,
    bytes: *const u8,
    len: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both pointers.
        let (v, bytes) = unsafe { (ptr::obj(verifier)?, ptr::bytes(bytes, len)?) };
        v.live.set_denylist(Some(OwnedDenylist::from_slice(bytes)?));
        Ok(())
    })
}

/// Detaches the static denylist, if any (atomically, like
/// `jg_verifier_set_denylist`). The live denylist is untouched.
///
/// # Safety
/// `verifier` must be NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_clear_denylist(verifier: *const jg_verifier) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        v.live.set_denylist(None);
        Ok(())
    })
}

/// Verifies `token` (`len` bytes, not NUL-terminated) at time `now`
/// (seconds since the Unix epoch): structure, signature, claims, policy,
/// the static denylist when one is attached, and the live denylist (empty
/// unless a follower or watcher feeds it).
///
/// Returns `JG_OK` and fills `*claims_out` when the token is accepted;
/// otherwise the core's reason (`JG_EXPIRED`, `JG_REVOKED`, ...), or
/// `JG_DENYLIST_STALE` when a maximum staleness is set
/// (`jg_verifier_set_max_staleness`) and the live denylist is older than
/// it. Every call is counted (`jg_verifier_metrics`). Tokens
/// longer than `JG_MAX_TOKEN_LEN` give `JG_TOKEN_TOO_LARGE` before any
/// byte is read. `claims_out` may be NULL when only the verdict matters
/// (a buffer on the library's stack is used then). Safe to call from many
/// threads at once on one verifier.
///
/// # Safety
/// `verifier` must be NULL or live; `token` NULL or readable for `len`
/// bytes; `claims_out` NULL or valid for writing one `jg_claims`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_verify(
    verifier: *const jg_verifier,
    token: *const u8,
    len: usize,
    now: u64,
    claims_out: *mut jg_claims,
) -> jg_result {
    boundary(|| {
        // Every failure leaves `*claims_out` reset, whichever check fails
        // (NULL verifier or token, too long, ...): reset it first.
        if !claims_out.is_null() {
            // SAFETY: non-NULL (checked) and valid for writes of a
            // `jg_claims` (contract).
            unsafe { reset_views(claims_out) };
        }
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        if token.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        if len > JG_MAX_TOKEN_LEN {
            v.live.state().metrics().record_rejected(Reason::Limits);
            return Err(jwtgate_core::Error::TokenTooLarge.into());
        }
        // SAFETY: the caller's contract covers `token`.
        let token = unsafe { ptr::bytes(token, len) }?;
        if claims_out.is_null() {
            let mut buf = [0u8; DECODE_LEN];
            // SAFETY: no output.
            return unsafe { verify_into(v, token, now, &mut buf, &mut [], None) };
        }
        // SAFETY: `claims_out` is non-NULL (checked) and valid for writes of
        // a `jg_claims` (contract). The buffer field is borrowed alone; the
        // other fields are written through raw places in `verify_into`, so
        // no reference to the whole struct overlaps this one.
        let buffer = unsafe { &mut *addr_of_mut!((*claims_out).buffer) };
        let (decode, scratch) = buffer.split_at_mut(DECODE_LEN);
        // SAFETY: `claims_out` is valid for writes (contract); `decode` and
        // `scratch` are its `buffer`, disjoint from the view fields.
        let result = unsafe { verify_into(v, token, now, decode, scratch, Some(claims_out)) };
        if result.is_err() {
            // SAFETY: as above.
            unsafe { reset_views(claims_out) };
        }
        result
    })
}

/// Resets every field of `*out` before `buffer` to "absent": all of them
/// (numbers, masks, NULL `jg_str`s) are absent when zero.
///
/// # Safety
/// `out` must be valid for writes of a `jg_claims`.
unsafe fn reset_views(out: *mut jg_claims) {
    // SAFETY: the first `offset_of!(jg_claims, buffer)` bytes of `*out` are
    // its view fields, valid for writes (contract); all-zero bytes are a
    // valid value of each (integers, and `jg_str`'s NULL pointer and 0).
    unsafe { std::ptr::write_bytes(out.cast::<u8>(), 0, offset_of!(jg_claims, buffer)) };
}

/// Writes `value` into the field `$field` of the `jg_claims` at `$out`.
macro_rules! set_view {
    ($out:ident . $field:ident = $value:expr) => {
        // SAFETY: `$out` is valid for writes of a `jg_claims` (the caller's
        // contract); `write` neither reads nor drops the old value.
        unsafe { addr_of_mut!((*$out).$field).write($value) }
    };
}

/// A view of a JSON string: zero-copy when it has no escapes, else
/// unescaped into the front of `scratch`, which then advances.
fn string_view(
    s: Option<jwtgate_core::JsonStr<'_>>,
    scratch: &mut &mut [u8],
) -> Result<jg_str, jwtgate_core::Error> {
    let Some(s) = s else {
        return Ok(jg_str::NONE);
    };
    if let Some(plain) = s.as_str() {
        return Ok(jg_str::of(plain.as_bytes()));
    }
    let rest = std::mem::take(scratch);
    let decoded = s.unescape_into(rest)?;
    let view = jg_str::of(decoded.as_bytes());
    let used = decoded.len();
    *scratch = rest
        .get_mut(used..)
        .ok_or(jwtgate_core::Error::BufferTooSmall)?;
    Ok(view)
}

/// Verifies into `decode` and, when `out` is given, writes the views
/// (pointing into `decode` and `scratch`) into `*out`.
///
/// # Safety
/// `out`, when given, must be valid for writes of a `jg_claims`, and
/// `decode` and `scratch` must not overlap its view fields.
unsafe fn verify_into(
    v: &jg_verifier,
    token: &[u8],
    now: u64,
    decode: &mut [u8],
    mut scratch: &mut [u8],
    out: Option<*mut jg_claims>,
) -> Result<(), jg_result> {
    let verified = v.live.verify(token, now, decode)?;
    let Some(out) = out else {
        return Ok(());
    };
    let claims = verified.claims();
    let header = verified.header();
    let scratch = &mut scratch;
    let present = CLAIM_BITS
        .iter()
        .filter(|(_, c)| claims.has(*c))
        .fold(0, |m, (bit, _)| m | bit);
    set_view!(out.present = present);
    set_view!(out.alg = algorithm_id(header.alg()));
    set_view!(out.exp = claims.exp().unwrap_or(0));
    set_view!(out.nbf = claims.nbf().unwrap_or(0));
    set_view!(out.iat = claims.iat().unwrap_or(0));
    set_view!(out.ver = claims.ver().unwrap_or(0));
    set_view!(out.iss = string_view(claims.iss(), scratch)?);
    set_view!(out.sub = string_view(claims.sub(), scratch)?);
    set_view!(out.jti = string_view(claims.jti(), scratch)?);
    set_view!(out.sid = string_view(claims.sid(), scratch)?);
    set_view!(out.kid = string_view(header.kid(), scratch)?);
    set_view!(out.typ = string_view(header.typ(), scratch)?);
    set_view!(out.raw_json = jg_str::of(claims.raw_json()));
    let mut aud = [jg_str::NONE; JG_MAX_AUDIENCES];
    let mut aud_count = 0;
    if let Some(values) = claims.aud() {
        let mut failed = None;
        values.any(|value| {
            let slot = aud.get_mut(aud_count);
            match (slot, string_view(Some(value), scratch)) {
                (Some(slot), Ok(view)) => {
                    *slot = view;
                    aud_count += 1;
                    false
                }
                (None, _) => {
                    failed = Some(jwtgate_core::Error::TooManyMembers);
                    true
                }
                (_, Err(e)) => {
                    failed = Some(e);
                    true
                }
            }
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    set_view!(out.aud = aud);
    set_view!(out.aud_count = aud_count);
    Ok(())
}

/// Signs `claims_json` (a JSON object, `claims_len` bytes, checked with
/// the same strict rules as verification) and writes the compact JWS
/// token to `out` (not NUL-terminated), its length to `*out_len`.
///
/// - `alg`: a `JG_ALG_*`. `key`: the HMAC secret (at least the hash
///   output's length), the 32-byte Ed25519 private seed for `EdDSA`, or
///   the 32-byte big-endian P-256 private scalar for `ES256`. RSA keys
///   only verify: `JG_ALG_RS256` and `JG_ALG_PS256` give
///   `JG_INVALID_ARGUMENT`.
/// - `kid`: NULL for none, else `kid_len` UTF-8 bytes.
/// - `typ`: NULL for the default `JWT`; a non-NULL `typ` with `typ_len`
///   0 omits `typ`.
/// - When `out_cap` is too small, returns `JG_INSUFFICIENT_SIZE` and
///   writes the needed length to `*out_len` (call again with that much).
///
/// # Safety
/// Every input pointer must be NULL or readable for its length; `out`
/// writable for `out_cap` bytes (it may be NULL when `out_cap` is 0);
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_encode(
    alg: u32,
    key: *const u8,
    key_len: usize,
    kid: *const u8,
    kid_len: usize,
    typ: *const u8,
    typ_len: usize,
    claims_json: *const u8,
    claims_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> jg_result {
    boundary(|| {
        let alg = algorithm(alg)?;
        // SAFETY: the caller's contract covers every input buffer.
        let (key_bytes, kid, typ, claims) = unsafe {
            (
                ptr::bytes(key, key_len)?,
                ptr::optional_utf8(kid, kid_len)?,
                ptr::optional_utf8(typ, typ_len)?,
                ptr::bytes(claims_json, claims_len)?,
            )
        };
        let key = match alg {
            _ if alg.is_symmetric() => Key::hmac(alg, key_bytes)?,
            Algorithm::EdDSA => Key::ed25519_private(key_bytes)?,
            Algorithm::ES256 => Key::es256_private(key_bytes)?,
            _ => return Err(jg_result::JG_INVALID_ARGUMENT),
        };
        let header = HeaderFields {
            kid,
            typ: match typ {
                None => Some("JWT"),
                Some("") => None,
                Some(t) => Some(t),
            },
            extra: None,
        };
        // Encoded into a buffer of the largest possible size, then copied
        // out by the one buffer-too-small protocol (signing is not a hot path).
        let bound =
            jwtgate_core::encoded_len(&key, jwtgate_core::MAX_HEADER_JSON_LEN, claims.len());
        let mut token = vec![0u8; bound];
        let n = jwtgate_core::encode(&key, claims, &header, &mut token)?;
        token.truncate(n);
        // SAFETY: the caller's contract covers `out` and `out_len`.
        unsafe { ptr::write_text(&token, out, out_cap, out_len) }
    })
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
