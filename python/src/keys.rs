//! `_jwtgate.KeySet`: the keys a verifier accepts, each bound to one algorithm.
//!
//! The Python layer (`jwtgate._keys`) turns what users pass (secrets, PEM,
//! `cryptography` key objects, JWKS) into raw material and calls these
//! methods; the core checks the material.

use jwtgate::{Algorithm, Key};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::asymmetric::check_hmac_secret;
use crate::errors::{sync_err, to_py_err};

/// Parses an algorithm name (`HS256`, `HS384`, `HS512`, `EdDSA`, `ES256`,
/// `RS256`, `PS256`) by the sync crate's rule: `ValueError` with code 909
/// otherwise.
pub(crate) fn algorithm(py: Python<'_>, name: &str) -> PyResult<Algorithm> {
    jwtgate_sync::algorithm_named(name).map_err(|e| sync_err(py, e))
}

/// Bytes of a `bytes` or `str` (UTF-8) argument.
pub(crate) fn bytes_of<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(b) = value.cast::<PyBytes>() {
        Ok(b.as_bytes())
    } else if let Ok(s) = value.cast::<PyString>() {
        Ok(s.to_str()?.as_bytes())
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "expected str or bytes",
        ))
    }
}

/// Builds a key of `kind`: `"secret"` (never a public key or certificate:
/// [`check_hmac_secret`]), `"ed25519-public"` (32 bytes),
/// `"ed25519-private"` (the 32-byte seed), `"es256-public"` (SEC1 point),
/// `"es256-private"` (the 32-byte scalar) or `"rsa-public"` (the exponent
/// as 4 big-endian bytes, then the big-endian modulus; for `RS256` or
/// `PS256`).
pub(crate) fn make_key(
    py: Python<'_>,
    kind: &str,
    material: &[u8],
    alg: Algorithm,
    kid: Option<&str>,
    allow_short: bool,
) -> PyResult<Key> {
    if kind == "secret" {
        check_hmac_secret(py, material)?;
    }
    let key = match kind {
        "secret" if allow_short => Key::hmac_allow_short_secret(alg, material),
        "secret" => Key::hmac(alg, material),
        "ed25519-public" => Key::ed25519_public(material),
        "ed25519-private" => Key::ed25519_private(material),
        "es256-public" => Key::es256_public(material),
        "es256-private" => Key::es256_private(material),
        "rsa-public" => match material.split_at_checked(4) {
            Some((e, n)) => Key::rsa_public(alg, n, e),
            None => Err(jwtgate::Error::InvalidKey),
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown key kind: {other:?}"
            )))
        }
    }
    .map_err(|e| to_py_err(py, e))?;
    match kid {
        Some(kid) => key.with_kid(kid).map_err(|e| to_py_err(py, e)),
        None => Ok(key),
    }
}

/// A set of up to 16 keys, each bound to one algorithm and optionally a `kid`.
///
/// Low-level: `jwtgate.Verifier` builds one from the keys you pass.
#[pyclass(module = "jwtgate._jwtgate")]
pub struct KeySet {
    pub(crate) inner: jwtgate::KeySet,
}

#[pymethods]
impl KeySet {
    /// An empty key set.
    #[new]
    fn new() -> Self {
        KeySet {
            inner: jwtgate::KeySet::new(),
        }
    }

    /// A key set parsed from a JWKS document (RFC 7517): `oct` keys with an
    /// HMAC `alg`, `OKP` Ed25519, `EC` P-256 and `RSA` (RS256, or PS256
    /// when the JWK says so) keys; others are skipped.
    #[staticmethod]
    fn from_jwks(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let inner =
            jwtgate::KeySet::from_jwks(bytes_of(document)?).map_err(|e| to_py_err(py, e))?;
        Ok(KeySet { inner })
    }

    /// Adds a key: `kind` is `"secret"` (an HMAC secret for `algorithm`),
    /// `"ed25519-public"` (32 raw bytes), `"ed25519-private"` (the 32-byte
    /// seed), `"es256-public"` (SEC1), `"es256-private"` (the 32-byte
    /// scalar) or `"rsa-public"` (4-byte big-endian `e`, then `n`). `allow_short` accepts an HMAC secret shorter than the hash
    /// output (the caller has warned).
    #[pyo3(signature = (kind, material, algorithm, kid=None, allow_short=false))]
    fn add(
        &mut self,
        py: Python<'_>,
        kind: &str,
        material: &[u8],
        algorithm: &str,
        kid: Option<&str>,
        allow_short: bool,
    ) -> PyResult<()> {
        let alg = self::algorithm(py, algorithm)?;
        let key = make_key(py, kind, material, alg, kid, allow_short)?;
        self.inner.add(key).map_err(|e| to_py_err(py, e))
    }

    /// Adds the keys of a JWKS document (see `from_jwks`).
    fn add_jwks(&mut self, py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner
            .add_jwks(bytes_of(document)?)
            .map_err(|e| to_py_err(py, e))
    }

    /// `(algorithm, kid)` of every key, in insertion order.
    fn keys(&self) -> Vec<(&'static str, Option<String>)> {
        self.inner
            .iter()
            .map(|k| (k.algorithm().name(), k.kid().map(str::to_owned)))
            .collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        let keys: Vec<String> = self
            .inner
            .iter()
            .map(|k| match k.kid() {
                Some(kid) => format!("{}:{kid}", k.algorithm().name()),
                None => k.algorithm().name().to_owned(),
            })
            .collect();
        format!("KeySet([{}])", keys.join(", "))
    }
}
