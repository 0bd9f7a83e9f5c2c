//! `jg_claims` (the views of a verified token, into its own buffer) and
//! `jg_verifier_verify`.

use super::*;

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

    pub(crate) fn of(bytes: &[u8]) -> jg_str {
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

/// Tokens up to this length verify into a small stack buffer when the
/// caller wants no claims.
const SMALL_TOKEN_LEN: usize = 2048;

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
    let result = boundary(|| {
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
            // The buffer is zeroed on every call, at a cost in proportion to
            // its size (6 KiB took longer than writing every view): most
            // tokens fit the small one.
            if len <= SMALL_TOKEN_LEN {
                let mut buf = [0u8; jwtgate_core::buffer_len(SMALL_TOKEN_LEN)];
                // SAFETY: no output.
                return unsafe { verify_into(v, token, now, &mut buf, &mut [], None) };
            }
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
        unsafe { verify_into(v, token, now, decode, scratch, Some(claims_out)) }
    });
    // Every failure (a panic included) leaves `*claims_out` reset, whichever
    // check failed; a success has written every view, so it needs no reset.
    if result != jg_result::JG_OK && !claims_out.is_null() {
        // SAFETY: non-NULL (checked) and valid for writes of a `jg_claims`
        // (contract); nothing else refers to it any more.
        unsafe { reset_views(claims_out) };
    }
    result
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
pub(crate) fn string_view(
    s: Option<jwtgate_core::JsonStr<'_>>,
    scratch: &mut &mut [u8],
) -> Result<jg_str, jwtgate_core::Error> {
    let Some(s) = s else {
        return Ok(jg_str::NONE);
    };
    if !s.is_escaped() {
        // The scanner validated the token's UTF-8 already: no second pass
        // (`JsonStr::as_str` would make one).
        return Ok(jg_str::of(s.raw()));
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

/// Walks the `aud` values, handing each one's view (see `string_view`)
/// with its index to `put`, which returns false when it has no room for
/// it (`TooManyMembers`). Returns how many there are (0 without `aud`).
pub(crate) fn audience_views(
    aud: Option<jwtgate_core::Audience<'_>>,
    scratch: &mut &mut [u8],
    mut put: impl FnMut(usize, jg_str) -> bool,
) -> Result<usize, jwtgate_core::Error> {
    let Some(values) = aud else {
        return Ok(0);
    };
    let mut count = 0;
    let mut failed = None;
    values.any(|value| match string_view(Some(value), scratch) {
        Ok(view) if put(count, view) => {
            count += 1;
            false
        }
        Ok(_) => {
            failed = Some(jwtgate_core::Error::TooManyMembers);
            true
        }
        Err(e) => {
            failed = Some(e);
            true
        }
    });
    failed.map_or(Ok(count), Err)
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
    // Borrowed where the verifier wrote it: moving the `Verified` out of
    // the `Result` would copy it once more per call.
    let result = v.live.verify(token, now, decode);
    let verified = match &result {
        Ok(verified) => verified,
        Err(e) => return Err(jg_result::from_code(e.code())),
    };
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
    // The values go straight into `(*out).aud`, not through a local array
    // copied in afterwards (a 512-byte fill and copy per call).
    // SAFETY: `out` is valid for writes of a `jg_claims` (contract) and
    // `aud` is one of its view fields, disjoint from `decode` and `scratch`
    // (its `buffer`); nothing else refers to it during this call.
    let aud = unsafe { &mut *addr_of_mut!((*out).aud) };
    let aud_count = audience_views(claims.aud(), scratch, |i, view| {
        aud.get_mut(i).map(|slot| *slot = view).is_some()
    })?;
    for slot in aud.iter_mut().skip(aud_count) {
        *slot = jg_str::NONE;
    }
    set_view!(out.aud_count = aud_count);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8; 32] = b"jwtgate ffi test secret, 32 byte";

    /// An HS256 token whose claims carry `pad` bytes of a custom claim.
    fn token(pad: usize) -> Vec<u8> {
        let key = Key::hmac(Algorithm::HS256, SECRET).unwrap();
        let claims = format!(
            r#"{{"sub":"s-1","exp":4000000000,"pad":"{}"}}"#,
            "x".repeat(pad)
        );
        let mut out = vec![0u8; JG_MAX_TOKEN_LEN];
        let n =
            jwtgate_core::encode(&key, claims.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// The verdict alone (`claims_out` NULL) uses a small buffer for
    /// tokens up to `SMALL_TOKEN_LEN` and the full one above: both accept,
    /// as the call with claims does.
    #[test]
    fn verdict_alone_on_both_sides_of_the_small_buffer() {
        let mut v = std::ptr::null_mut();
        // SAFETY: every pointer is valid for its call; `v` is live until freed.
        unsafe {
            assert_eq!(jg_verifier_new(&mut v), jg_result::JG_OK);
            let rc =
                jg_verifier_add_hmac_key(v, JG_ALG_HS256, SECRET.as_ptr(), 32, std::ptr::null(), 0);
            assert_eq!(rc, jg_result::JG_OK);
        }
        let mut claims: Box<jg_claims> = Box::new(
            // SAFETY: all-zero bytes are a valid `jg_claims`.
            unsafe { std::mem::zeroed() },
        );
        for (pad, small) in [(0, true), (1400, true), (1600, false), (5000, false)] {
            let t = token(pad);
            assert_eq!(
                t.len() <= SMALL_TOKEN_LEN,
                small,
                "pad {pad}: {} bytes",
                t.len()
            );
            // SAFETY: `v` is live, `t` readable for its length, `claims` ours.
            unsafe {
                let none = std::ptr::null_mut();
                assert_eq!(
                    jg_verifier_verify(v, t.as_ptr(), t.len(), 1, none),
                    jg_result::JG_OK
                );
                let out: *mut jg_claims = &mut *claims;
                assert_eq!(
                    jg_verifier_verify(v, t.as_ptr(), t.len(), 1, out),
                    jg_result::JG_OK
                );
                let sub = std::slice::from_raw_parts(claims.sub.ptr, claims.sub.len);
                assert_eq!(sub, b"s-1");
                // Expired: the verdict alone says so too.
                let late = 4_000_000_001;
                assert_eq!(
                    jg_verifier_verify(v, t.as_ptr(), t.len(), late, none),
                    jg_result::JG_EXPIRED
                );
            }
        }
        // SAFETY: `v` is not used after this.
        unsafe { jg_verifier_free(v) };
    }
}
