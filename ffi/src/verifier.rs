//! `jg_verifier`: a `jwtgate_sync::LiveVerifier` behind a handle; its keys,
//! policy and static denylist.

use super::*;

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
/// While a follower of this verifier runs, a leeway above what its live
/// denylist keeps revocations for gives `JG_LEEWAY_BEYOND_RETENTION` and
/// changes nothing: stop the follower, set the leeway, follow again.
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
