//! The `until=` argument of every `revoke_*` method, and the retention
//! settings: conversion only, the rule is the core's [`Retention`].

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt};

use jwtgate::Retention;

/// `until` (or its alias `exp`, for tokens) in whole seconds, or `None`
/// when neither is given. An `int` is taken as is; a `float` or a
/// `datetime` is rounded **up** (a token with `exp` 1700000000.5 is
/// revoked by `until=1700000000.5`, that is 1700000001: the core compares
/// whole seconds, flooring the token's `exp`). Negative or non-finite
/// values are a `ValueError`; giving both `until` and `exp` too.
pub(crate) fn until_arg<'a, 'py>(
    until: Option<&'a Bound<'py, PyAny>>,
    exp: Option<&'a Bound<'py, PyAny>>,
) -> PyResult<Option<u64>> {
    let value = match (until.filter(|v| !v.is_none()), exp.filter(|v| !v.is_none())) {
        (Some(_), Some(_)) => {
            return Err(PyTypeError::new_err(
                "give until or its alias exp, not both",
            ))
        }
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => return Ok(None),
    };
    if value.is_instance_of::<PyInt>() {
        return value
            .extract::<u64>()
            .map(Some)
            .map_err(|_| PyValueError::new_err("until must be a non-negative number of seconds"));
    }
    let secs: f64 = if value.is_instance_of::<PyFloat>() {
        value.extract()?
    } else if value.hasattr(pyo3::intern!(value.py(), "timestamp"))? {
        value
            .call_method0(pyo3::intern!(value.py(), "timestamp"))?
            .extract()?
    } else {
        return Err(PyTypeError::new_err(
            "until must be an int, a float or a datetime",
        ));
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(PyValueError::new_err(
            "until must be a non-negative finite number of seconds",
        ));
    }
    // Rounded up here; whole seconds from there.
    crate::time::float_secs(secs.ceil()).map(Some)
}

// The `#[pyo3(signature)]`s spell the defaults as literals (the stubs and
// `inspect.signature` need them): they must stay the core's.
const _: () = assert!(Retention::DEFAULT_MAX_LEEWAY == 300);
const _: () = assert!(Retention::DEFAULT_MAX_TOKEN_LIFETIME == 86_400);

/// The retention settings of a builder or a store.
pub(crate) fn retention(max_leeway: u64, max_token_lifetime: u64) -> Retention {
    Retention {
        max_leeway,
        max_token_lifetime,
    }
}
