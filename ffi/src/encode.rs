//! `jg_encode`: signing.

use super::*;

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
