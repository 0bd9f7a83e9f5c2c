//! `jwtgate._jwtgate`: the Python binding of the jwtgate core.
//!
//! Thin on purpose: the core decides, this crate converts. The public
//! Python API (PyJWT-compatible `decode`/`encode`, `Verifier`, the
//! exceptions) lives in `python/jwtgate/`; this module gives it a key set,
//! a verifier that releases the GIL, the denylist and signing. The pure-Rust
//! core stays free of pyo3.

mod asymmetric;
mod denylist;
mod encode;
mod errors;
mod json2py;
mod keys;
mod keysource;
mod sync;
mod time;
mod until;
mod verifier;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// The extension module `jwtgate._jwtgate`.
#[pymodule]
fn _jwtgate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<keys::KeySet>()?;
    m.add_class::<verifier::Verifier>()?;
    m.add_class::<denylist::Denylist>()?;
    m.add_class::<denylist::DenylistBuilder>()?;
    m.add_class::<sync::Follower>()?;
    m.add_class::<sync::FileWatcher>()?;
    m.add_class::<sync::RevocationStore>()?;
    m.add_class::<keysource::JwksSource>()?;
    m.add_class::<keysource::KeySource>()?;
    m.add_function(wrap_pyfunction!(encode::encode, m)?)?;
    m.add_function(wrap_pyfunction!(asymmetric::check_hmac_secret, m)?)?;
    m.add_function(wrap_pyfunction!(encode::b64url_decode, m)?)?;
    m.add_function(wrap_pyfunction!(encode::b64url_encode, m)?)?;
    let codes = PyDict::new(py);
    for (code, message) in jwtgate::Error::CODES {
        codes.set_item(code, message)?;
    }
    for (code, message) in jwtgate_sync::CODES {
        codes.set_item(code, message)?;
    }
    m.add("ERROR_CODES", codes)?;
    // The core's algorithms, in its order: python/tests/test_algorithms.py
    // checks the Python layer's names and key kinds against it.
    let algorithms: Vec<&str> = jwtgate::Algorithm::ALL
        .into_iter()
        .filter(|a| a.is_supported())
        .map(jwtgate::Algorithm::name)
        .collect();
    m.add("ALGORITHMS", PyTuple::new(py, algorithms)?)?;
    m.add("BUFFER_LEN", jwtgate::BUFFER_LEN)?;
    m.add("MAX_KEYS", jwtgate::MAX_KEYS)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
