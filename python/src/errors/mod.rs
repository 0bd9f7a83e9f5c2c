//! The one place where Rust errors become Python exceptions.
//!
//! Every error of the core ([`jwtgate::Error`]), of the sync layer
//! ([`SyncError`], [`VerifyError`]) and every exception the binding raises
//! on its own passes through here. The classes are declared in Rust
//! ([`classes`]); the exception gets `.code`, the stable number shared with
//! C and Go, whenever the error has one.

pub(crate) mod classes;
mod core;
mod token;

use jwtgate::Error;
use jwtgate_sync::{SyncError, VerifyError};
use pyo3::call::PyCallArgs;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use classes::{class, Class};
pub(crate) use core::kind_name;

/// The sync layer's codes (the C ABI's `jg_result` numbers).
pub(crate) const STALE: u32 = VerifyError::STALE_CODE;
const SYNC_IO: u32 = 901;
const SYNC_REDIS: u32 = 902;
const SYNC_PROTOCOL: u32 = 903;
const INVALID_REVOCATION: u32 = 904;
pub(crate) const NOT_READY: u32 = 905;
pub(crate) const SOURCE_ACTIVE: u32 = 906;
const NOT_REPLICATED: u32 = SyncError::NOT_REPLICATED_CODE;

/// Every sync code with its message, for `ERROR_CODES`.
pub(crate) const SYNC_CODES: [(u32, &str); 8] = [
    (
        STALE,
        "denylist is stale: its source has not confirmed it current within the maximum staleness",
    ),
    (SYNC_IO, "sync: a file or system call failed"),
    (
        SYNC_REDIS,
        "sync: redis is unreachable or refused a command",
    ),
    (SYNC_PROTOCOL, "sync: unexpected data in redis"),
    (
        INVALID_REVOCATION,
        "invalid revocation (empty identifier, no bound, or a value past 2^53)",
    ),
    (
        NOT_READY,
        "sync: the follower has not loaded the denylist from redis yet",
    ),
    (
        SOURCE_ACTIVE,
        "sync: the verifier already has a running follower or watcher",
    ),
    (
        NOT_REPLICATED,
        "sync: revocation stored on the master but not acknowledged by enough replicas; revoke again",
    ),
];

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

/// A core error as its exception (class from [`core::class_and_message`],
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
    let (class, message) = core::class_and_message(err);
    core_with(py, err, class, message)
}

/// [`to_py_err`] with another message (same class and code).
pub(crate) fn to_py_err_with(py: Python<'_>, err: Error, message: &str) -> PyErr {
    let (class, _) = core::class_and_message(err);
    core_with(py, err, class, message)
}

/// A core error met reading or verifying `token`: [`to_py_err`] with
/// PyJWT's more precise message where the token tells it (same class and
/// code).
fn token_core_err(py: Python<'_>, err: Error, token: &[u8]) -> PyErr {
    let (class, message) = core::class_and_message(err);
    let message = token::refined_message(err, token).unwrap_or(message);
    core_with(py, err, class, message)
}

/// An error verifying `token`: the core's, or a stale live denylist
/// (`StaleDenylistError`, code 900).
pub(crate) fn verify_err(py: Python<'_>, err: VerifyError, token: &[u8]) -> PyErr {
    match err.token_error() {
        Some(e) => token_core_err(py, e, token),
        None => raise(
            py,
            class::<classes::StaleDenylistError>(),
            &err.to_string(),
            Some(STALE),
        ),
    }
}

/// A sync-layer error.
pub(crate) fn sync_err(py: Python<'_>, err: SyncError) -> PyErr {
    let message = err.to_string();
    let (class, code) = match err {
        SyncError::Denylist(e) => return to_py_err(py, e),
        SyncError::InvalidRevocation(_) => (
            class::<classes::InvalidRevocationError>(),
            INVALID_REVOCATION,
        ),
        SyncError::Io(_) => (class::<classes::SyncError>(), SYNC_IO),
        SyncError::Redis(_) => (class::<classes::SyncError>(), SYNC_REDIS),
        SyncError::NotReplicated { .. } => (class::<classes::SyncError>(), NOT_REPLICATED),
        _ => (class::<classes::SyncError>(), SYNC_PROTOCOL),
    };
    raise(py, class, &message, Some(code))
}

/// A `SyncError` the binding raises itself, with its code (905, 906).
pub(crate) fn sync_failure(py: Python<'_>, message: &str, code: u32) -> PyErr {
    raise(py, class::<classes::SyncError>(), message, Some(code))
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

/// The `ValueError` of a refused issuer, audience or algorithm list.
pub(crate) fn allow_list_err(what: &str, err: Error) -> PyErr {
    match err {
        Error::EmptyAllowList => PyValueError::new_err(format!(
            "{what}: an empty allow-list, or an empty value in it, would accept no token; \
             pass None to leave {what} unchecked"
        )),
        _ => PyValueError::new_err(format!(
            "{what}: at most {} values of {} bytes in total",
            jwtgate::MAX_POLICY_VALUES,
            jwtgate::MAX_POLICY_BYTES
        )),
    }
}

/// An error building a verifier or replacing its keys: no usable key is
/// the caller's `ValueError`; anything else converts as usual.
pub(crate) fn verifier_err(py: Python<'_>, err: Error) -> PyErr {
    match err {
        Error::EmptyKeySet => PyValueError::new_err(
            "a verifier needs at least one key whose algorithm `algorithms` allows",
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
