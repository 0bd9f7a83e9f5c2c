//! Signing: the issuing side, into a caller buffer.

use crate::alg::MAX_SIGNATURE_LEN;
use crate::json::{self, Value};
use crate::{base64, Error, Key, Limits};

/// The longest header JSON [`encode`] writes.
pub const MAX_HEADER_JSON_LEN: usize = 1024;

/// Header parameters for [`encode`]. `alg` always comes from the key.
#[derive(Debug, Clone, Copy)]
pub struct HeaderFields<'h> {
    /// `kid`; `None` uses the key's own `kid` (if any).
    pub kid: Option<&'h str>,
    /// `typ`; `None` omits it. [`HeaderFields::new`] sets `JWT`.
    pub typ: Option<&'h str>,
    /// More header members, as a JSON object whose members are appended
    /// unchanged; it may not contain `alg`, `kid`, `typ` or `crit`.
    pub extra: Option<&'h [u8]>,
}

impl HeaderFields<'_> {
    /// `typ: "JWT"`, the key's `kid`, nothing else.
    pub const fn new() -> Self {
        HeaderFields {
            kid: None,
            typ: Some("JWT"),
            extra: None,
        }
    }
}

impl Default for HeaderFields<'_> {
    fn default() -> Self {
        HeaderFields::new()
    }
}

/// The length [`encode`] needs for a header JSON of `header_len` bytes,
/// claims JSON of `claims_len` bytes, and `key`'s algorithm.
pub fn encoded_len(key: &Key, header_len: usize, claims_len: usize) -> usize {
    base64::encoded_len(header_len)
        + 1
        + base64::encoded_len(claims_len)
        + 1
        + base64::encoded_len(key.signature_len())
}

/// Signs `claims_json` (a JSON object, checked with the same strict rules
/// as verification) with `key` and writes the compact JWS into `out`,
/// returning its length.
///
/// ```
/// use jwtgate::{encode, Algorithm, HeaderFields, Key};
/// let key = Key::hmac(Algorithm::HS256, b"a 32-byte secret for HS256 tests")?;
/// let mut out = [0u8; 512];
/// let n = encode(&key, br#"{"sub":"ada","exp":2000000000}"#, &HeaderFields::new(), &mut out)?;
/// assert!(out[..n].starts_with(b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
/// # Ok::<(), jwtgate::Error>(())
/// ```
pub fn encode(
    key: &Key,
    claims_json: &[u8],
    header: &HeaderFields<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    if !key.can_sign() {
        return Err(Error::InvalidKey);
    }
    let limits = Limits::DEFAULT;
    json::for_each_member(
        claims_json,
        limits.max_json_depth,
        limits.max_members,
        Error::ClaimsJson,
        |_, _| Ok(()),
    )?;

    let mut header_json = [0u8; MAX_HEADER_JSON_LEN];
    let header_len = write_header(key, header, &mut header_json)?;
    let header_json = header_json.get(..header_len).ok_or(Error::BufferTooSmall)?;

    let mut at = base64::encode(header_json, out)?;
    at = put(out, at, b".")?;
    at += base64::encode(claims_json, out.get_mut(at..).ok_or(Error::BufferTooSmall)?)?;
    let (signing_input, rest) = out.split_at_mut_checked(at).ok_or(Error::BufferTooSmall)?;
    let mut signature = [0u8; MAX_SIGNATURE_LEN];
    let signature_len = key.sign(signing_input, &mut signature)?;
    let dot = rest.first_mut().ok_or(Error::BufferTooSmall)?;
    *dot = b'.';
    let written = base64::encode(
        signature.get(..signature_len).unwrap_or_default(),
        rest.get_mut(1..).ok_or(Error::BufferTooSmall)?,
    )?;
    Ok(at + 1 + written)
}

fn write_header(key: &Key, fields: &HeaderFields<'_>, out: &mut [u8]) -> Result<usize, Error> {
    let mut at = put(out, 0, b"{\"alg\":\"")?;
    at = put(out, at, key.algorithm().name().as_bytes())?;
    at = put(out, at, b"\"")?;
    if let Some(typ) = fields.typ {
        at = put(out, at, b",\"typ\":")?;
        at = put_json_string(out, at, typ)?;
    }
    if let Some(kid) = fields.kid.or(key.kid()) {
        at = put(out, at, b",\"kid\":")?;
        at = put_json_string(out, at, kid)?;
    }
    if let Some(extra) = fields.extra {
        let limits = Limits::DEFAULT;
        json::for_each_member(
            extra,
            limits.max_json_depth,
            limits.max_members,
            Error::HeaderJson,
            |name, _: Value<'_>| {
                if ["alg", "kid", "typ", "crit"].iter().any(|n| name.eq_str(n)) {
                    return Err(Error::HeaderJson);
                }
                Ok(())
            },
        )?;
        let inner = object_members(extra);
        if !inner.is_empty() {
            at = put(out, at, b",")?;
            at = put(out, at, inner)?;
        }
    }
    put(out, at, b"}")
}

/// The text between the braces of a validated JSON object, trimmed.
fn object_members(object: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let trimmed = object.trim_ascii();
    let inner = trimmed
        .get(1..trimmed.len().saturating_sub(1))
        .unwrap_or_default();
    let start = inner
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(inner.len());
    inner.get(start..).unwrap_or_default().trim_ascii_end()
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) -> Result<usize, Error> {
    let end = at.checked_add(bytes.len()).ok_or(Error::BufferTooSmall)?;
    out.get_mut(at..end)
        .ok_or(Error::BufferTooSmall)?
        .copy_from_slice(bytes);
    Ok(end)
}

/// Writes `s` as a JSON string, escaping what RFC 8259 section 7 requires.
pub(crate) fn put_json_string(out: &mut [u8], mut at: usize, s: &str) -> Result<usize, Error> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    at = put(out, at, b"\"")?;
    for &b in s.as_bytes() {
        at = match b {
            b'"' => put(out, at, b"\\\"")?,
            b'\\' => put(out, at, b"\\\\")?,
            0..=0x1f => {
                let hi = HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0');
                let lo = HEX.get(usize::from(b & 15)).copied().unwrap_or(b'0');
                put(out, at, &[b'\\', b'u', b'0', b'0', hi, lo])?
            }
            _ => put(out, at, &[b])?,
        };
    }
    put(out, at, b"\"")
}
