//! The `now=` argument: the caller's time, or the system clock.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt};

/// Seconds since the epoch from `now`: `None` reads the system clock; an
/// `int` is taken as is; a `float` is rounded down; a `datetime` (anything
/// with `.timestamp()`) is converted. Negative or non-finite times are a
/// `ValueError`.
pub(crate) fn now_secs(now: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    let Some(now) = now else {
        return Ok(system_now());
    };
    if now.is_none() {
        return Ok(system_now());
    }
    if now.is_instance_of::<PyInt>() {
        return now
            .extract::<u64>()
            .map_err(|_| PyValueError::new_err("now must be a non-negative number of seconds"));
    }
    let secs: f64 = if now.is_instance_of::<PyFloat>() {
        now.extract()?
    } else if now.hasattr(pyo3::intern!(now.py(), "timestamp"))? {
        now.call_method0(pyo3::intern!(now.py(), "timestamp"))?
            .extract()?
    } else {
        return Err(PyTypeError::new_err(
            "now must be an int, a float or a datetime",
        ));
    };
    float_secs(secs)
}

/// Whole seconds (rounded down) of a non-negative finite float.
pub(crate) fn float_secs(secs: f64) -> PyResult<u64> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(PyValueError::new_err(
            "now must be a non-negative finite number of seconds",
        ));
    }
    // `as` from float to integer rounds toward zero and saturates (defined
    // behaviour since Rust 1.45); std has no other float-to-integer conversion.
    #[allow(
        clippy::as_conversions,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let whole = secs.floor() as u64;
    Ok(whole)
}

/// The system clock in whole seconds since the epoch (0 before 1970).
pub(crate) fn system_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
