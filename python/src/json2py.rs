//! Builds Python objects from the verified claims JSON.
//!
//! The core validates the document ([`jwtgate::Object::parse`], the same
//! scanner and limits as verification) and hands out its values; this maps
//! them to what `json.loads` returns: `dict`, `list`, `str`, `int` (any
//! size), `float`, `bool`, `None`.

use jwtgate::{Array, JsonStr, Limits, Number, Object, Value};
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};

/// Deepest nesting built, the top-level object counting as 1. The core
/// caps every document at this depth already; the walk is recursive, so it
/// checks for itself rather than trust that.
const MAX_DEPTH: usize = 128;

/// Validates `json` as a JSON object under `limits` and builds it as a new
/// `dict`.
pub(crate) fn object<'py>(
    py: Python<'py>,
    json: &[u8],
    limits: &Limits,
) -> PyResult<Bound<'py, PyDict>> {
    let object = Object::parse(json, limits).map_err(|_| invalid())?;
    dict(py, object, 1)
}

fn invalid() -> PyErr {
    PyValueError::new_err("invalid JSON")
}

fn value<'py>(py: Python<'py>, value: Value<'_>, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Object(object) => dict(py, object, depth + 1)?.into_any(),
        Value::Array(array) => list(py, array, depth + 1)?.into_any(),
        Value::String(s) => string(py, s)?.into_any(),
        Value::Number(n) => number(py, n)?,
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::Null => py.None().into_bound(py),
    })
}

fn dict<'py>(py: Python<'py>, object: Object<'_>, depth: usize) -> PyResult<Bound<'py, PyDict>> {
    if depth > MAX_DEPTH {
        return Err(invalid());
    }
    let dict = PyDict::new(py);
    object
        .for_each_member(|name, member| dict.set_item(key(py, name)?, value(py, member, depth)?))?;
    Ok(dict)
}

fn list<'py>(py: Python<'py>, array: Array<'_>, depth: usize) -> PyResult<Bound<'py, PyList>> {
    if depth > MAX_DEPTH {
        return Err(invalid());
    }
    let list = PyList::empty(py);
    array.for_each_element(|element| list.append(value(py, element, depth)?))?;
    Ok(list)
}

/// A member name: the registered claim names come from interned strings
/// whose hash Python has already computed.
fn key<'py>(py: Python<'py>, name: JsonStr<'_>) -> PyResult<Bound<'py, PyString>> {
    let interned = match name.as_str() {
        Some("iss") => intern!(py, "iss"),
        Some("sub") => intern!(py, "sub"),
        Some("aud") => intern!(py, "aud"),
        Some("exp") => intern!(py, "exp"),
        Some("nbf") => intern!(py, "nbf"),
        Some("iat") => intern!(py, "iat"),
        Some("jti") => intern!(py, "jti"),
        Some("sid") => intern!(py, "sid"),
        Some("ver") => intern!(py, "ver"),
        Some("scope") => intern!(py, "scope"),
        Some("azp") => intern!(py, "azp"),
        _ => return string(py, name),
    };
    Ok(interned.clone())
}

fn string<'py>(py: Python<'py>, s: JsonStr<'_>) -> PyResult<Bound<'py, PyString>> {
    if let Some(text) = s.as_str() {
        return Ok(PyString::new(py, text));
    }
    // Every escape is at least as long as the UTF-8 it decodes to (`\n` is
    // two bytes for one, a surrogate pair twelve for four), so the raw
    // length is enough without measuring the decoded one first.
    let mut buf = vec![0u8; s.raw().len()];
    let text = s.unescape_into(&mut buf).map_err(|_| invalid())?;
    Ok(PyString::new(py, text))
}

/// `int` when the literal has no fraction or exponent (any size, as
/// `json.loads`; `-0` is `0`), else `float` (`1e400` is `inf`, as there).
fn number<'py>(py: Python<'py>, n: Number<'_>) -> PyResult<Bound<'py, PyAny>> {
    let text = std::str::from_utf8(n.raw()).map_err(|_| invalid())?;
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(small) = text.parse::<i64>() {
            return Ok(small.into_pyobject(py)?.into_any());
        }
        return py.get_type::<PyInt>().call1((text,));
    }
    let float: f64 = text.parse().map_err(|_| invalid())?;
    Ok(PyFloat::new(py, float).into_any())
}
