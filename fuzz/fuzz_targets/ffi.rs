//! The C ABI entry points with fuzzed buffer contents and lengths (and NULL
//! pointers): configuration, denylist attach, verify, encode, error
//! messages. No call may panic (libFuzzer aborts on a panic even when the
//! boundary catches it), return `JG_PANIC`, or leave views pointing outside
//! the caller's `jg_claims`.
#![no_main]

use std::mem::MaybeUninit;
use std::ptr;

use arbitrary::Arbitrary;
use jwtgate_ffi::*;
use jwtgate_fuzz::{denylist_bytes, token, Alg, ClaimsSpec, HeaderSpec, ED_SEED, NOW, SECRET};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Call {
    HmacKey {
        alg: u32,
        secret: Option<Vec<u8>>,
        kid: Option<Vec<u8>>,
    },
    Ed25519Key {
        public: Option<Vec<u8>>,
        kid: Option<Vec<u8>>,
    },
    Jwks(Option<Vec<u8>>),
    Issuer(Option<Vec<u8>>),
    Audience(Option<Vec<u8>>),
    Leeway(u64),
    Required(u32),
    Typ(Option<Vec<u8>>),
    Denylist(Option<Vec<u8>>),
    HarnessDenylist,
    ClearDenylist,
    /// Verify raw bytes.
    Verify {
        token: Option<Vec<u8>>,
        now_delta: i32,
    },
    /// Verify a token signed with the harness key (past the signature).
    VerifySigned {
        alg: Alg,
        header: HeaderSpec,
        claims: ClaimsSpec,
        now_delta: i32,
    },
    Encode {
        alg: u32,
        key: Option<Vec<u8>>,
        kid: Option<Vec<u8>>,
        typ: Option<Vec<u8>>,
        claims: Option<Vec<u8>>,
        cap: u16,
        null_out_len: bool,
    },
    Message(u32),
}

/// A pointer and length: NULL for `None`.
fn raw(b: &Option<Vec<u8>>) -> (*const u8, usize) {
    match b {
        Some(v) => (v.as_ptr(), v.len()),
        None => (ptr::null(), 0),
    }
}

fn check(r: jg_result) {
    assert_ne!(r, jg_result::JG_PANIC, "a panic reached the boundary");
}

fn inside(claims: &jg_claims, s: jg_str) {
    if s.ptr.is_null() {
        assert_eq!(s.len, 0);
        return;
    }
    let start = claims.buffer.as_ptr() as usize;
    let end = start + claims.buffer.len();
    let p = s.ptr as usize;
    assert!(
        p >= start && p + s.len <= end,
        "view outside the claims buffer"
    );
    // Views are UTF-8 (the raw JSON too).
    // SAFETY: checked to lie inside `claims.buffer` just above.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    assert!(std::str::from_utf8(bytes).is_ok());
}

fn verify(v: *const jg_verifier, token: (*const u8, usize), now: u64) {
    let mut claims = Box::new(MaybeUninit::<jg_claims>::uninit());
    // SAFETY: `v` is live; the token buffer is valid for its length; the
    // claims out-pointer is valid for writes.
    let r = unsafe { jg_verifier_verify(v, token.0, token.1, now, claims.as_mut_ptr()) };
    check(r);
    if r == jg_result::JG_OK {
        // SAFETY: JG_OK means every field was written.
        let c = unsafe { claims.assume_init_ref() };
        for s in [c.iss, c.sub, c.jti, c.sid, c.kid, c.typ, c.raw_json] {
            inside(c, s);
        }
        assert!(c.aud_count <= JG_MAX_AUDIENCES);
        for s in &c.aud[..c.aud_count] {
            inside(c, *s);
        }
    }
}

fuzz_target!(|calls: Vec<Call>| {
    let mut v: *mut jg_verifier = ptr::null_mut();
    // SAFETY: a valid out-pointer.
    check(unsafe { jg_verifier_new(&mut v) });
    assert!(!v.is_null());
    // A usable starting point: the harness keys.
    // SAFETY: live verifier, valid buffers.
    unsafe {
        check(jg_verifier_add_hmac_key(
            v,
            JG_ALG_HS256,
            SECRET.as_ptr(),
            SECRET.len(),
            ptr::null(),
            0,
        ));
        let public = jwtgate::Key::ed25519_private(&ED_SEED)
            .unwrap()
            .ed25519_public_bytes()
            .unwrap();
        check(jg_verifier_add_ed25519_key(
            v,
            public.as_ptr(),
            32,
            b"ed".as_ptr(),
            2,
        ));
    }
    for call in calls.iter().take(32) {
        // SAFETY (every call below): `v` is live until the end; every
        // pointer is NULL or a live buffer of the given length.
        unsafe {
            match call {
                Call::HmacKey { alg, secret, kid } => {
                    let (s, sl) = raw(secret);
                    let (k, kl) = raw(kid);
                    check(jg_verifier_add_hmac_key(v, *alg, s, sl, k, kl));
                }
                Call::Ed25519Key { public, kid } => {
                    let (p, pl) = raw(public);
                    let (k, kl) = raw(kid);
                    check(jg_verifier_add_ed25519_key(v, p, pl, k, kl));
                }
                Call::Jwks(b) => check(jg_verifier_add_jwks(v, raw(b).0, raw(b).1)),
                Call::Issuer(b) => check(jg_verifier_add_issuer(v, raw(b).0, raw(b).1)),
                Call::Audience(b) => check(jg_verifier_add_audience(v, raw(b).0, raw(b).1)),
                Call::Leeway(s) => check(jg_verifier_set_leeway(v, *s)),
                Call::Required(m) => check(jg_verifier_set_required_claims(v, *m)),
                Call::Typ(b) => check(jg_verifier_require_typ(v, raw(b).0, raw(b).1)),
                Call::Denylist(b) => check(jg_verifier_set_denylist(v, raw(b).0, raw(b).1)),
                Call::HarnessDenylist => {
                    let d = denylist_bytes();
                    assert_eq!(
                        jg_verifier_set_denylist(v, d.as_ptr(), d.len()),
                        jg_result::JG_OK
                    );
                }
                Call::ClearDenylist => check(jg_verifier_clear_denylist(v)),
                Call::Verify { token, now_delta } => {
                    verify(
                        v,
                        raw(token),
                        NOW.saturating_add_signed(i64::from(*now_delta)),
                    );
                }
                Call::VerifySigned {
                    alg,
                    header,
                    claims,
                    now_delta,
                } => {
                    let t = token(*alg, &header.render(*alg), &claims.render(NOW));
                    verify(
                        v,
                        (t.as_ptr(), t.len()),
                        NOW.saturating_add_signed(i64::from(*now_delta)),
                    );
                }
                Call::Encode {
                    alg,
                    key,
                    kid,
                    typ,
                    claims,
                    cap,
                    null_out_len,
                } => {
                    let mut out = vec![0u8; usize::from(*cap)];
                    let mut out_len = usize::MAX;
                    let out_len_ptr = if *null_out_len {
                        ptr::null_mut()
                    } else {
                        &mut out_len as *mut usize
                    };
                    let (kp, kl) = raw(key);
                    let (ip, il) = raw(kid);
                    let (tp, tl) = raw(typ);
                    let (cp, cl) = raw(claims);
                    let out_ptr = if out.is_empty() {
                        ptr::null_mut()
                    } else {
                        out.as_mut_ptr()
                    };
                    let r = jg_encode(
                        *alg,
                        kp,
                        kl,
                        ip,
                        il,
                        tp,
                        tl,
                        cp,
                        cl,
                        out_ptr,
                        out.len(),
                        out_len_ptr,
                    );
                    check(r);
                    if r == jg_result::JG_OK {
                        assert!(out_len <= out.len());
                    }
                    if r == jg_result::JG_INSUFFICIENT_SIZE {
                        assert!(out_len > out.len());
                    }
                }
                Call::Message(code) => {
                    let m = jg_error_message(*code);
                    assert!(!m.is_null());
                    let s = std::ffi::CStr::from_ptr(m);
                    assert!(!s.to_bytes().is_empty());
                }
            }
        }
    }
    // SAFETY: `v` came from jg_verifier_new; freed once (a second free is
    // documented as detected and ignored).
    unsafe {
        jg_verifier_free(v);
        jg_verifier_free(v);
        jg_verifier_free(ptr::null_mut());
    }
});
