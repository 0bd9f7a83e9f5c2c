//! `jg_verifier_verify_offsets`: the claims of a verified token as offsets
//! into a buffer the caller owns, for bindings that keep the claims in
//! their own memory without copying them (the Go package).

use super::*;
use jwtgate_core::Audience;

/// A byte string inside the caller's buffer of
/// `jg_verifier_verify_offsets`: `len` bytes at `buf + offset`, not
/// NUL-terminated. Absent: `offset` and `len` 0 (an empty string has
/// `len` 0 and any `offset`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct jg_span {
    /// The first byte's offset from the start of the buffer.
    pub offset: u32,
    /// The length in bytes.
    pub len: u32,
}

/// The claims of a verified token as offsets into the caller's buffer,
/// filled by `jg_verifier_verify_offsets`. It holds no pointer, so it may
/// live in memory a garbage collector owns. Strings are UTF-8 with JSON
/// escapes decoded.
///
/// On failure `present` and `aud_count` are 0 and the rest is unspecified.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct jg_claims_offsets {
    /// `JG_CLAIM_*` bits, as in `jg_claims`.
    pub present: u32,
    /// `JG_ALG_*`, as in `jg_claims`.
    pub alg: u32,
    /// As in `jg_claims` (also `nbf`, `iat`, `ver`).
    pub exp: u64,
    /// `nbf`.
    pub nbf: u64,
    /// `iat`.
    pub iat: u64,
    /// `ver`.
    pub ver: u64,
    /// `iss` (every string as in `jg_claims`, as a span).
    pub iss: jg_span,
    /// `sub`.
    pub sub: jg_span,
    /// `jti`.
    pub jti: jg_span,
    /// `sid`.
    pub sid: jg_span,
    /// The header's `kid`.
    pub kid: jg_span,
    /// The header's `typ`.
    pub typ: jg_span,
    /// The claims JSON as signed.
    pub raw_json: jg_span,
    /// How many `aud` values there are (1 for a string `aud`); 0 while
    /// `aud_pending`.
    pub aud_count: u32,
    /// 1 when `aud` is an array that `jg_verifier_verify_view` left unread:
    /// `aud_count` is 0 and `aud` unwritten until `jg_offsets_audience`
    /// reads it (and sets this to 0). Always 0 after
    /// `jg_verifier_verify_offsets`.
    pub aud_pending: u32,
    /// The `aud` array as written, brackets included, when `aud` is an
    /// array (what `jg_offsets_audience` reads); offset and len 0 when
    /// `aud` is absent or a string.
    pub aud_array: jg_span,
    /// While `aud_pending`: the room in `buf` that `jg_offsets_audience`
    /// unescapes `aud` values with JSON escapes into (as long as
    /// `aud_array`, which is enough). Otherwise offset and len 0.
    pub aud_scratch: jg_span,
    /// The `aud` values; only the first `aud_count` are written.
    pub aud: [jg_span; JG_MAX_AUDIENCES],
}

/// The smallest `buf_len` `jg_verifier_verify_offsets` takes for a token
/// of `token_len` bytes: room for the decoded token and, after it, the
/// unescaped copies of strings that contain JSON escapes (never longer
/// than the decoded token). At most `JG_CLAIMS_BUFFER_LEN`.
#[no_mangle]
pub extern "C" fn jg_offsets_buffer_len(token_len: usize) -> usize {
    jwtgate_core::buffer_len(token_len.min(JG_MAX_TOKEN_LEN)).saturating_mul(2)
}

/// `jg_verifier_verify` for bindings that own their memory: the same
/// checks and verdict, but the token is decoded into `buf` (`buf_len`
/// bytes, at least `jg_offsets_buffer_len(len)`, else
/// `JG_INSUFFICIENT_SIZE`) and `*out` gets offsets into `buf` instead of
/// pointers. `buf` holds the claims until the caller reuses it.
///
/// # Safety
/// `verifier` must be NULL or live; `token` NULL or readable for `len`
/// bytes; `out` NULL or valid for reads and writes of one initialized
/// `jg_claims_offsets` (any values: zero it once); `buf` NULL or valid for
/// writes of `buf_len` bytes, overlapping neither `out` nor `token`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_verify_offsets(
    verifier: *const jg_verifier,
    token: *const u8,
    len: usize,
    now: u64,
    out: *mut jg_claims_offsets,
    buf: *mut u8,
    buf_len: usize,
) -> jg_result {
    // SAFETY: the caller's contract is the one `verify_offsets` needs.
    unsafe { verify_offsets(verifier, token, len, now, out, buf, buf_len, Aud::Read) }
}

/// `jg_verifier_verify_offsets` for readers that take claims on demand
/// (the Go package's `VerifyView`): the same checks, verdict and offsets,
/// except that an `aud` array is not walked. `aud_pending` is then 1 and
/// `aud_count` 0, and `jg_offsets_audience` reads the values when they are
/// wanted. A string `aud` is read as by `jg_verifier_verify_offsets`.
///
/// # Safety
/// As `jg_verifier_verify_offsets`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_verify_view(
    verifier: *const jg_verifier,
    token: *const u8,
    len: usize,
    now: u64,
    out: *mut jg_claims_offsets,
    buf: *mut u8,
    buf_len: usize,
) -> jg_result {
    // SAFETY: the caller's contract is the one `verify_offsets` needs.
    unsafe { verify_offsets(verifier, token, len, now, out, buf, buf_len, Aud::Defer) }
}

/// Reads the `aud` array that `jg_verifier_verify_view` left unread into
/// `out->aud` and `out->aud_count`, and sets `out->aud_pending` to 0. `buf`
/// (`buf_len` bytes) is the buffer of that call, unchanged since. Nothing
/// to do (`JG_OK`) when `aud_pending` is 0.
///
/// The array is validated again, as any input is: `JG_INVALID_ARGUMENT`
/// when `aud_array` or `aud_scratch` is outside `buf` or they overlap, the
/// core's JSON and claim errors when the text is not an `aud` array. On
/// failure `aud_count` and `aud_pending` are 0.
///
/// # Safety
/// `out` NULL or valid for reads and writes of one initialized
/// `jg_claims_offsets`; `buf` NULL or valid for reads and writes of
/// `buf_len` bytes, not overlapping `out`.
#[no_mangle]
pub unsafe extern "C" fn jg_offsets_audience(
    out: *mut jg_claims_offsets,
    buf: *mut u8,
    buf_len: usize,
) -> jg_result {
    let result = boundary(|| {
        if out.is_null() || buf.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        // SAFETY: non-NULL (checked), initialized and exclusively ours for
        // this call (contract).
        let out = unsafe { &mut *out };
        if out.aud_pending == 0 {
            return Ok(());
        }
        // SAFETY: non-NULL (checked), valid for reads and writes of
        // `buf_len` bytes and not overlapping `out` (contract).
        let buf = unsafe { std::slice::from_raw_parts_mut(buf, buf_len) };
        read_audience(buf, out)
    });
    if result != jg_result::JG_OK && !out.is_null() {
        // SAFETY: non-NULL (checked) and valid for writes (contract).
        unsafe {
            addr_of_mut!((*out).aud_count).write(0);
            addr_of_mut!((*out).aud_pending).write(0);
        }
    }
    result
}

/// Whether `offsets_into` walks an `aud` array or leaves it pending.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Aud {
    Read,
    Defer,
}

/// Both offsets entry points, `aud` telling them apart.
///
/// # Safety
/// The contract of `jg_verifier_verify_offsets`.
#[allow(clippy::too_many_arguments)]
unsafe fn verify_offsets(
    verifier: *const jg_verifier,
    token: *const u8,
    len: usize,
    now: u64,
    out: *mut jg_claims_offsets,
    buf: *mut u8,
    buf_len: usize,
    aud: Aud,
) -> jg_result {
    let result = boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        // SAFETY: the caller's contract covers `token`, `out` and `buf`.
        let (token, out, buf) = unsafe { offsets_args(v, token, len, out, buf, buf_len) }?;
        offsets_into(v, token, now, buf, out, aud)
    });
    failed(result, out)
}

/// The argument checks of both offsets entry points: the token, `out`,
/// and the first `jg_offsets_buffer_len(len)` bytes of `buf`.
///
/// # Safety
/// The contract of `jg_verifier_verify_offsets` for `token`, `out` and
/// `buf`.
unsafe fn offsets_args<'a>(
    v: &jg_verifier,
    token: *const u8,
    len: usize,
    out: *mut jg_claims_offsets,
    buf: *mut u8,
    buf_len: usize,
) -> Result<(&'a [u8], &'a mut jg_claims_offsets, &'a mut [u8]), jg_result> {
    if token.is_null() || out.is_null() || buf.is_null() {
        return Err(jg_result::JG_NULL_PARAMETER);
    }
    if len > JG_MAX_TOKEN_LEN {
        v.live.state().metrics().record_rejected(Reason::Limits);
        return Err(jwtgate_core::Error::TokenTooLarge.into());
    }
    let need = jg_offsets_buffer_len(len);
    if buf_len < need {
        return Err(jg_result::JG_INSUFFICIENT_SIZE);
    }
    // SAFETY: the caller's contract covers `token`.
    let token = unsafe { ptr::bytes(token, len) }?;
    // SAFETY: `buf` is non-NULL (checked) and writable for `buf_len >=
    // need` bytes, overlapping neither `out` nor `token` (contract).
    let buf = unsafe { std::slice::from_raw_parts_mut(buf, need) };
    // SAFETY: non-NULL (checked), initialized and exclusively ours for
    // this call (contract).
    let out = unsafe { &mut *out };
    Ok((token, out, buf))
}

/// After a failed verify: `present`, `aud_count` and `aud_pending` 0.
fn failed(result: jg_result, out: *mut jg_claims_offsets) -> jg_result {
    if result != jg_result::JG_OK && !out.is_null() {
        // SAFETY: non-NULL (checked) and valid for writes (the entry
        // points' contract).
        unsafe {
            addr_of_mut!((*out).present).write(0);
            addr_of_mut!((*out).aud_count).write(0);
            addr_of_mut!((*out).aud_pending).write(0);
        }
    }
    result
}

/// Verifies `token`, decoding it into the front half of `buf`, and writes
/// the claims into `out` as offsets into `buf`.
fn offsets_into(
    v: &jg_verifier,
    token: &[u8],
    now: u64,
    buf: &mut [u8],
    out: &mut jg_claims_offsets,
    aud: Aud,
) -> Result<(), jg_result> {
    let base = buf.as_ptr().addr();
    let half = buf.len() / 2;
    let (decode, mut scratch) = buf.split_at_mut(half);
    let result = v.live.verify(token, now, decode);
    let verified = match &result {
        Ok(verified) => verified,
        Err(e) => return Err(jg_result::from_code(e.code())),
    };
    let scratch = &mut scratch;
    let span = |view: jg_str| span_from(base, view);
    let claims = verified.claims();
    let header = verified.header();
    out.present = CLAIM_BITS
        .iter()
        .filter(|(_, c)| claims.has(*c))
        .fold(0, |m, (bit, _)| m | bit);
    out.alg = algorithm_id(header.alg());
    out.exp = claims.exp().unwrap_or(0);
    out.nbf = claims.nbf().unwrap_or(0);
    out.iat = claims.iat().unwrap_or(0);
    out.ver = claims.ver().unwrap_or(0);
    out.iss = span(string_view(claims.iss(), scratch)?);
    out.sub = span(string_view(claims.sub(), scratch)?);
    out.jti = span(string_view(claims.jti(), scratch)?);
    out.sid = span(string_view(claims.sid(), scratch)?);
    out.kid = span(string_view(header.kid(), scratch)?);
    out.typ = span(string_view(header.typ(), scratch)?);
    out.raw_json = span(jg_str::of(claims.raw_json()));
    let values = claims.aud();
    out.aud_array = match values {
        Some(Audience::Many(array)) => span(jg_str::of(array.raw())),
        _ => jg_span::default(),
    };
    out.aud_scratch = jg_span::default();
    out.aud_pending = 0;
    if aud == Aud::Defer && matches!(values, Some(Audience::Many(_))) {
        // The end of the scratch, as long as the array: the values'
        // unescaped copies are never longer than their text, and the
        // strings above never take more than what is left of the decoded
        // token, so this room is always there.
        let room = array_len(out.aud_array);
        let at = scratch.len().checked_sub(room).ok_or(jg_result::JG_PANIC)?;
        let tail = scratch.get(at..).ok_or(jg_result::JG_PANIC)?;
        out.aud_scratch = span(jg_str::of(tail));
        out.aud_pending = 1;
        out.aud_count = 0;
        return Ok(());
    }
    write_audience(values, scratch, base, out)
}

/// `span.len` as a `usize` (it came from one).
fn array_len(span: jg_span) -> usize {
    usize::try_from(span.len).unwrap_or(usize::MAX)
}

/// Writes the views of `values` into `out.aud` and `out.aud_count`, as
/// offsets from `base`, unescaping into `scratch`.
fn write_audience(
    values: Option<Audience<'_>>,
    scratch: &mut &mut [u8],
    base: usize,
    out: &mut jg_claims_offsets,
) -> Result<(), jg_result> {
    let aud = &mut out.aud;
    let count = audience_views(values, scratch, |i, view| {
        aud.get_mut(i)
            .map(|slot| *slot = span_from(base, view))
            .is_some()
    })?;
    out.aud_count = u32::try_from(count).map_err(|_| jg_result::JG_PANIC)?;
    Ok(())
}

/// The offset of a view into the buffer at `base` (under 2 * 6 KiB, so
/// it fits); an absent view's NULL is far out of range and gives 0.
fn span_from(base: usize, view: jg_str) -> jg_span {
    jg_span {
        offset: u32::try_from(view.ptr.addr().wrapping_sub(base)).unwrap_or(0),
        len: u32::try_from(view.len).unwrap_or(0),
    }
}

/// `jg_offsets_audience` once its pointers are checked: `aud_array` and
/// `aud_scratch` must be disjoint ranges of `buf`.
fn read_audience(buf: &mut [u8], out: &mut jg_claims_offsets) -> Result<(), jg_result> {
    let base = buf.as_ptr().addr();
    let range = |s: jg_span| {
        let start = usize::try_from(s.offset).ok()?;
        let end = start.checked_add(usize::try_from(s.len).ok()?)?;
        (end <= buf.len()).then_some(start..end)
    };
    let (Some(text), Some(room)) = (range(out.aud_array), range(out.aud_scratch)) else {
        return Err(jg_result::JG_INVALID_ARGUMENT);
    };
    // Disjoint, in either order: split `buf` where the later one starts.
    let (text, scratch) = if text.end <= room.start {
        let (front, back) = buf.split_at_mut(room.start);
        (front.get(text), back.get_mut(..room.len()))
    } else if room.end <= text.start {
        let (front, back) = buf.split_at_mut(text.start);
        (back.get(..text.len()), front.get_mut(room))
    } else {
        (None, None)
    };
    let (Some(text), Some(mut scratch)) = (text, scratch) else {
        return Err(jg_result::JG_INVALID_ARGUMENT);
    };
    let values = Audience::parse(text, &jwtgate_core::Limits::DEFAULT)?;
    write_audience(Some(values), &mut scratch, base, out)?;
    out.aud_pending = 0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8; 32] = b"jwtgate ffi test secret, 32 byte";

    fn token(claims: &str, kid: Option<&str>) -> Vec<u8> {
        let key = Key::hmac(Algorithm::HS256, SECRET).unwrap();
        let mut header = HeaderFields::new();
        header.kid = kid;
        let mut out = vec![0u8; JG_MAX_TOKEN_LEN];
        let n = jwtgate_core::encode(&key, claims.as_bytes(), &header, &mut out).unwrap();
        out.truncate(n);
        out
    }

    fn view(s: jg_str) -> Option<Vec<u8>> {
        // SAFETY: a view of a live `jg_claims`, NULL when absent.
        (!s.ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts(s.ptr, s.len) }.to_vec())
    }

    fn span(buf: &[u8], s: jg_span) -> Vec<u8> {
        let end = usize::try_from(s.offset + s.len).unwrap();
        buf[usize::try_from(s.offset).unwrap()..end].to_vec()
    }

    /// Every claim `jg_verifier_verify_offsets` gives is the one
    /// `jg_verifier_verify` gives for the same token (escaped strings, both
    /// forms of `aud`, a token over the small buffer's size); a buffer one
    /// byte short gives `JG_INSUFFICIENT_SIZE`, NULL gives
    /// `JG_NULL_PARAMETER`, and a failure clears `present` and `aud_count`.
    #[test]
    fn offsets_match_the_views() {
        let mut v = std::ptr::null_mut();
        // SAFETY: every pointer is valid for its call; `v` is live until freed.
        unsafe {
            assert_eq!(jg_verifier_new(&mut v), jg_result::JG_OK);
            let rc =
                jg_verifier_add_hmac_key(v, JG_ALG_HS256, SECRET.as_ptr(), 32, std::ptr::null(), 0);
            assert_eq!(rc, jg_result::JG_OK);
            let (aud, lens) = (b"apiweb", [3usize, 3]);
            assert_eq!(
                jg_verifier_set_audiences(v, aud.as_ptr(), lens.as_ptr(), 2),
                jg_result::JG_OK
            );
        }
        let pad = "p".repeat(3000);
        let tokens = [
            token(
                r#"{"iss":"i-\u00e9","sub":"s\"1","aud":["api","a\\b","x"],"jti":"j","sid":"d","exp":4000000000,"nbf":5,"iat":6,"ver":7}"#,
                Some("k\u{e9}"),
            ),
            token(r#"{"sub":"plain","aud":"web","exp":4000000000}"#, None),
            token(
                &format!(r#"{{"sub":"long","aud":"api","exp":4000000000,"pad":"{pad}"}}"#),
                None,
            ),
            // As many escaped strings as fit: every `aud` value and every
            // other string unescapes into the scratch.
            token(
                &format!(
                    r#"{{"iss":"\u0069\u0073","sub":"\u0073","jti":"\/","aud":["api",{}],"exp":4000000000}}"#,
                    vec![r#""\u0061\/\u00e9""#; JG_MAX_AUDIENCES - 1].join(",")
                ),
                Some("k\u{e9}"),
            ),
        ];
        let mut claims: Box<jg_claims> = Box::new(
            // SAFETY: all-zero bytes are a valid `jg_claims`.
            unsafe { std::mem::zeroed() },
        );
        // SAFETY: all-zero bytes are a valid `jg_claims_offsets`.
        let mut out: jg_claims_offsets = unsafe { std::mem::zeroed() };
        for t in &tokens {
            let need = jg_offsets_buffer_len(t.len());
            // `buf` None passes NULL (with the length needed).
            let call = |out: &mut jg_claims_offsets, now, buf: Option<&mut [u8]>| {
                let (p, len) =
                    buf.map_or((std::ptr::null_mut(), need), |b| (b.as_mut_ptr(), b.len()));
                // SAFETY: `v` is live, `t` readable, `out` and `p` (NULL or
                // writable for `len` bytes) ours, none overlapping.
                unsafe { jg_verifier_verify_offsets(v, t.as_ptr(), t.len(), now, out, p, len) }
            };
            let mut buf = vec![0u8; need];
            let c: *mut jg_claims = &mut *claims;
            // SAFETY: `v` is live; `t` and `claims` are ours.
            let rc = unsafe { jg_verifier_verify(v, t.as_ptr(), t.len(), 10, c) };
            assert_eq!(rc, jg_result::JG_OK);
            assert_eq!(
                call(&mut out, 10, Some(&mut buf[..need - 1])),
                jg_result::JG_INSUFFICIENT_SIZE
            );
            assert_eq!((out.present, out.aud_count), (0, 0));
            assert_eq!(call(&mut out, 10, None), jg_result::JG_NULL_PARAMETER);
            assert_eq!(call(&mut out, 10, Some(&mut buf)), jg_result::JG_OK);
            assert_eq!((out.present, out.alg), (claims.present, claims.alg));
            assert_eq!(
                (out.exp, out.nbf, out.iat, out.ver),
                (claims.exp, claims.nbf, claims.iat, claims.ver)
            );
            let pairs = [
                (out.iss, claims.iss),
                (out.sub, claims.sub),
                (out.jti, claims.jti),
                (out.sid, claims.sid),
                (out.kid, claims.kid),
                (out.typ, claims.typ),
                (out.raw_json, claims.raw_json),
            ];
            for (o, c) in pairs {
                assert_eq!(span(&buf, o), view(c).unwrap_or_default());
            }
            assert_eq!(usize::try_from(out.aud_count).unwrap(), claims.aud_count);
            for i in 0..claims.aud_count {
                assert_eq!(span(&buf, out.aud[i]), view(claims.aud[i]).unwrap());
            }
            assert_eq!(out.aud_pending, 0);
            // An expired token: the verdict, and nothing left present.
            let rc = call(&mut out, 4_000_000_001, Some(&mut buf));
            assert_eq!(rc, jg_result::JG_EXPIRED);
            assert_eq!((out.present, out.aud_count), (0, 0));
            deferred_audience_matches(v, t, &claims);
        }
        assert_eq!(
            tokens[0].len() < 2048,
            tokens[2].len() > 2048,
            "both buffer sizes"
        );
        assert_eq!(claims.aud_count, JG_MAX_AUDIENCES, "the last token's aud");
        // SAFETY: `v` is not used after this.
        unsafe { jg_verifier_free(v) };
    }

    /// `jg_verifier_verify_view` leaves an `aud` array pending and gives
    /// everything else as `jg_verifier_verify_offsets` does;
    /// `jg_offsets_audience` then gives the values `jg_verifier_verify`
    /// gave (`claims`), once; spans outside `buf` or overlapping are
    /// refused, and so is text that is not an `aud` array.
    fn deferred_audience_matches(v: *mut jg_verifier, t: &[u8], claims: &jg_claims) {
        let need = jg_offsets_buffer_len(t.len());
        let (mut eager, mut buf_eager) = (zeroed_offsets(), vec![0u8; need]);
        let (mut out, mut buf) = (zeroed_offsets(), vec![0u8; need]);
        // SAFETY: `v` is live, `t` readable, the outputs ours and separate.
        unsafe {
            let rc = jg_verifier_verify_offsets(
                v,
                t.as_ptr(),
                t.len(),
                10,
                &mut eager,
                buf_eager.as_mut_ptr(),
                need,
            );
            assert_eq!(rc, jg_result::JG_OK);
            let rc = jg_verifier_verify_view(
                v,
                t.as_ptr(),
                t.len(),
                10,
                &mut out,
                buf.as_mut_ptr(),
                need,
            );
            assert_eq!(rc, jg_result::JG_OK);
        }
        let strings = |o: &jg_claims_offsets, b: &[u8]| {
            [o.iss, o.sub, o.jti, o.sid, o.kid, o.typ, o.raw_json].map(|s| span(b, s))
        };
        assert_eq!(strings(&out, &buf), strings(&eager, &buf_eager));
        assert_eq!((out.present, out.exp), (eager.present, eager.exp));
        let array = span(&buf, out.aud_array).starts_with(b"[");
        assert_eq!(out.aud_pending, u32::from(array));
        assert_eq!(out.aud_count, if array { 0 } else { eager.aud_count });
        let audience = |out: &mut jg_claims_offsets, buf: &mut [u8]| {
            // SAFETY: `out` and `buf` are ours, separate, `buf` of its length.
            unsafe { jg_offsets_audience(out, buf.as_mut_ptr(), buf.len()) }
        };
        let pending = out;
        for _ in 0..2 {
            assert_eq!(audience(&mut out, &mut buf), jg_result::JG_OK);
            assert_eq!((out.aud_pending, out.aud_count), (0, eager.aud_count));
            for i in 0..claims.aud_count {
                assert_eq!(span(&buf, out.aud[i]), view(claims.aud[i]).unwrap());
            }
        }
        if !array {
            return;
        }
        // SAFETY: NULL pointers, checked.
        let rc = unsafe { jg_offsets_audience(std::ptr::null_mut(), buf.as_mut_ptr(), need) };
        assert_eq!(rc, jg_result::JG_NULL_PARAMETER);
        let bad = |edit: &dyn Fn(&mut jg_claims_offsets, &mut [u8]), want: jg_result| {
            let (mut o, mut b) = (pending, buf.clone());
            edit(&mut o, &mut b);
            assert_eq!(audience(&mut o, &mut b), want);
            assert_eq!((o.aud_pending, o.aud_count), (0, 0));
        };
        let len = u32::try_from(need).unwrap();
        bad(
            &|o, _| o.aud_array.offset = len,
            jg_result::JG_INVALID_ARGUMENT,
        );
        bad(
            &|o, _| o.aud_scratch.len = len,
            jg_result::JG_INVALID_ARGUMENT,
        );
        bad(
            &|o, _| o.aud_array.offset = u32::MAX,
            jg_result::JG_INVALID_ARGUMENT,
        );
        bad(
            &|o, _| o.aud_scratch.offset = o.aud_array.offset + 1,
            jg_result::JG_INVALID_ARGUMENT,
        );
        let at = usize::try_from(pending.aud_array.offset).unwrap();
        bad(&|_, b| b[at + 1] = b'{', jg_result::JG_CLAIMS_JSON);
        // `"api"`, the first value of every array here, as a number.
        bad(
            &|_, b| b[at + 1..at + 6].copy_from_slice(b"12345"),
            jg_result::JG_INVALID_CLAIM_TYPE,
        );
        bad(&|o, _| o.aud_array.len -= 1, jg_result::JG_CLAIMS_JSON);
    }

    fn zeroed_offsets() -> jg_claims_offsets {
        // SAFETY: all-zero bytes are a valid `jg_claims_offsets`.
        unsafe { std::mem::zeroed() }
    }
}
