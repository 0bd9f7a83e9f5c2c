//! Signing (`_jwtgate.encode`) and the strict base64url helpers the
//! Python layer uses for `verify_signature=False`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::{encode_err, to_py_err, to_py_err_with};
use crate::keys::{algorithm, make_key};

/// Signs `claims_json` (a JSON object, checked as strictly as on
/// verification) with a key of `kind` (`"secret"`, `"ed25519-private"` or
/// `"es256-private"`; RSA keys only verify)
/// for `algorithm`, and returns the compact JWS. The header is
/// `{"alg":...,"typ":...,"kid":...}` (`typ` and `kid` only when given) plus the members of `extra_header`
/// (a JSON object without `alg`, `kid`, `typ` or `crit`).
#[pyfunction]
#[pyo3(signature = (claims_json, algorithm, kind, material, *, kid=None, typ=None, extra_header=None, allow_short=false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode(
    py: Python<'_>,
    claims_json: &[u8],
    algorithm: &str,
    kind: &str,
    material: &[u8],
    kid: Option<&str>,
    typ: Option<&str>,
    extra_header: Option<&[u8]>,
    allow_short: bool,
) -> PyResult<String> {
    let alg = self::algorithm(py, algorithm)?;
    let key = make_key(py, kind, material, alg, None, allow_short)?;
    let header = jwtgate::HeaderFields {
        kid,
        typ,
        extra: extra_header,
    };
    let header_len = extra_header.map_or(0, <[u8]>::len) + 256 + kid.map_or(0, str::len) * 6;
    let mut out = vec![0u8; jwtgate::encoded_len(&key, header_len, claims_json.len())];
    let len =
        jwtgate::encode(&key, claims_json, &header, &mut out).map_err(|e| encode_err(py, e))?;
    out.truncate(len);
    String::from_utf8(out).map_err(|_| pyo3::exceptions::PyValueError::new_err("non-ASCII token"))
}

/// Decodes canonical unpadded base64url (the core's decoder: unused
/// trailing bits must be zero); raises `DecodeError` otherwise, naming
/// `segment` (`"header"`, `"payload"`, `"crypto"`) as PyJWT does when given.
#[pyfunction]
#[pyo3(signature = (data, segment=None))]
pub(crate) fn b64url_decode<'py>(
    py: Python<'py>,
    data: &[u8],
    segment: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    let fail = |e: jwtgate::Error| match segment {
        Some(name) if e == jwtgate::Error::Base64 => {
            to_py_err_with(py, e, &format!("Invalid {name} padding"))
        }
        _ => to_py_err(py, e),
    };
    let len =
        jwtgate::base64url_decoded_len(data.len()).ok_or_else(|| fail(jwtgate::Error::Base64))?;
    let mut out = vec![0u8; len];
    let written = jwtgate::base64url_decode(data, &mut out).map_err(fail)?;
    Ok(PyBytes::new(py, out.get(..written).unwrap_or_default()))
}

/// Encodes bytes as unpadded base64url.
#[pyfunction]
pub(crate) fn b64url_encode(data: &[u8]) -> PyResult<String> {
    let mut out = vec![0u8; jwtgate::base64url_encoded_len(data.len())];
    let written = jwtgate::base64url_encode(data, &mut out)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    out.truncate(written);
    String::from_utf8(out).map_err(|_| pyo3::exceptions::PyValueError::new_err("non-ASCII output"))
}
