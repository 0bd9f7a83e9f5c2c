//! The one place where Rust errors become Python exceptions.
//!
//! Every error of the core ([`jwtgate::Error`]), of the sync layer
//! ([`SyncError`], [`VerifyError`]) and every exception the binding raises
//! on its own passes through here. The classes are declared in Rust
//! ([`classes`]); the exception gets `.code`, the stable number shared with
//! C and Go, whenever the error has one.

pub(crate) mod classes;
mod table;
mod token;

use jwtgate::Error;
use jwtgate_sync::{KeySourceError, SyncError, VerifyError};
use pyo3::call::PyCallArgs;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use classes::{class, Class};
pub(crate) use table::kind_name;

/// An instance of `class` built from `args`, with `.code` set when given.
fn build<'py>(
    py: Python<'py>,
    class: Class,
    args: impl PyCallArgs<'py>,
    code: Option<u32>,
) -> PyErr {
    let made = class(py).call1(args).and_then(|exc| {
        if let Some(code) = code {
            exc.setattr(pyo3::intern!(py, "code"), code)?;
        }
        Ok(exc)
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `class(message)` with `.code` set when given.
fn raise(py: Python<'_>, class: Class, message: &str, code: Option<u32>) -> PyErr {
    build(py, class, (message,), code)
}

/// A core error as its exception (class from [`table::class_and_message`],
/// with `message`).
fn core_with(py: Python<'_>, err: Error, class: Class, message: &str) -> PyErr {
    let code = Some(err.code());
    match err {
        Error::MissingClaim(claim) => build(py, class, (claim.name(),), code),
        Error::Revoked(kind) => build(py, class, (message, kind_name(kind)), code),
        _ => build(py, class, (message,), code),
    }
}

/// A core error, with PyJWT's class and message.
pub(crate) fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    let (class, message) = table::class_and_message(err);
    core_with(py, err, class, message)
}

/// [`to_py_err`] with another message (same class and code).
pub(crate) fn to_py_err_with(py: Python<'_>, err: Error, message: &str) -> PyErr {
    let (class, _) = table::class_and_message(err);
    core_with(py, err, class, message)
}

/// A core error met reading or verifying `token`: [`to_py_err`] with
/// PyJWT's more precise message where the token tells it (same class and
/// code).
fn token_core_err(py: Python<'_>, err: Error, token: &[u8]) -> PyErr {
    let (class, message) = table::class_and_message(err);
    let message = token::refined_message(err, token).unwrap_or(message);
    core_with(py, err, class, message)
}

/// An error verifying `token`: the core's, a stale live denylist
/// (`StaleDenylistError`, code 900) or stale keys (`InvalidTokenError`,
/// code 908).
pub(crate) fn verify_err(py: Python<'_>, err: VerifyError, token: &[u8]) -> PyErr {
    let class = match err {
        VerifyError::Stale { .. } => class::<classes::StaleDenylistError>(),
        _ => match err.token_error() {
            Some(e) => return token_core_err(py, e, token),
            None => class::<classes::InvalidTokenError>(),
        },
    };
    raise(py, class, &err.to_string(), Some(err.code()))
}

/// A sync-layer error, with its code.
pub(crate) fn sync_err(py: Python<'_>, err: SyncError) -> PyErr {
    match err {
        SyncError::Denylist(e) => to_py_err(py, e),
        _ => sync_err_with(py, &err, &err.to_string()),
    }
}

/// [`sync_err`] with another message (same class and code).
pub(crate) fn sync_err_with(py: Python<'_>, err: &SyncError, message: &str) -> PyErr {
    let class = match err {
        SyncError::Denylist(e) => return to_py_err_with(py, *e, message),
        SyncError::Config(e) => return verifier_err(py, *e),
        SyncError::InvalidArgument(_) => return value_error(py, message, err.code()),
        SyncError::InvalidRevocation(_) => class::<classes::InvalidRevocationError>(),
        _ => class::<classes::SyncError>(),
    };
    raise(py, class, message, Some(err.code()))
}

/// A key source that could not start: a refusal by policy (911: the URL,
/// a redirect, the discovered issuer) is the caller's `ValueError`; a
/// failed fetch (910) a ``SyncError``; both with the code.
pub(crate) fn key_source_err(py: Python<'_>, err: &KeySourceError) -> PyErr {
    match err {
        KeySourceError::Refused(_) => value_error(py, &err.to_string(), err.code()),
        _ => raise(
            py,
            class::<classes::SyncError>(),
            &err.to_string(),
            Some(err.code()),
        ),
    }
}

/// A `ValueError` (an argument the caller got wrong) with `.code`, so that
/// every refusal carries the number C and Go report for it.
fn value_error(py: Python<'_>, message: &str, code: u32) -> PyErr {
    let err = PyValueError::new_err(message.to_owned());
    // Best effort: a failure leaves the ValueError without `.code`.
    let _ = err.value(py).setattr(pyo3::intern!(py, "code"), code);
    err
}

/// A constructor option (`what`) the sync crate's policy rules refuse:
/// a `ValueError` naming it, with the code.
pub(crate) fn option_err(py: Python<'_>, what: &str, err: SyncError) -> PyErr {
    let message = match err {
        SyncError::Config(Error::EmptyAllowList) => format!(
            "{what}: an empty allow-list, or an empty value in it, would accept no token; \
             pass None to leave {what} unchecked"
        ),
        SyncError::Config(Error::FieldTooLong) if what == "typ" => {
            format!("typ is too long (at most {} bytes)", jwtgate::MAX_TYP_LEN)
        }
        SyncError::Config(Error::FieldTooLong) => format!(
            "{what}: at most {} values of {} bytes in total",
            jwtgate::MAX_POLICY_VALUES,
            jwtgate::MAX_POLICY_BYTES
        ),
        SyncError::InvalidArgument(m) => format!("{what}: {m}"),
        other => return sync_err(py, other),
    };
    value_error(py, &message, err.code())
}

/// A core error from `encode`: a claims or header document the core
/// refuses is the caller's `ValueError` (PyJWT raises `TypeError`/
/// `ValueError` from `json.dumps` there); anything else (a key) converts
/// as usual.
pub(crate) fn encode_err(py: Python<'_>, err: Error) -> PyErr {
    match err {
        Error::ClaimsJson
        | Error::DuplicateMember
        | Error::HeaderJson
        | Error::JsonTooDeep
        | Error::TooManyMembers => PyValueError::new_err(format!("cannot encode: {err}")),
        other => to_py_err(py, other),
    }
}

/// An error building a verifier or replacing its keys: no usable key is
/// the caller's `ValueError`; anything else converts as usual.
pub(crate) fn verifier_err(py: Python<'_>, err: Error) -> PyErr {
    match err {
        Error::EmptyKeySet => value_error(
            py,
            "a verifier needs at least one key whose algorithm `algorithms` allows",
            err.code(),
        ),
        other => to_py_err(py, other),
    }
}

/// PyJWT's `DecodeError` for a token that is neither `str` nor `bytes`.
pub(crate) fn token_type_err(py: Python<'_>) -> PyErr {
    raise(
        py,
        class::<classes::DecodeError>(),
        "Invalid token type. Token must be a <class 'bytes'>",
        None,
    )
}

/// PyJWT's `DecodeError` for claims that cannot become a dict (an integer
/// past Python's digit limit), from the `ValueError` Python raised.
pub(crate) fn payload_err(py: Python<'_>, cause: &PyErr) -> PyErr {
    raise(
        py,
        class::<classes::DecodeError>(),
        &format!("Invalid payload string: {}", cause.value(py)),
        None,
    )
}

/// PyJWT's `InvalidKeyError` for a public key or certificate given as an
/// HMAC secret.
pub(crate) fn asymmetric_secret_err(py: Python<'_>, message: &str) -> PyErr {
    raise(py, class::<classes::InvalidKeyError>(), message, None)
}
