//! The one conversion from a core [`jwtgate::Error`] to a Python exception.
//!
//! The exception classes are defined once, in Python (`jwtgate.exceptions`,
//! with PyJWT's names and hierarchy); this module only picks the class and
//! the message, and sets `.code` to the core's stable error code.

use jwtgate::{Claim, Error, RevocationKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The `jwtgate.exceptions` module, imported once.
fn exceptions(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EXCEPTIONS
        .get_or_try_init(py, || Ok(py.import("jwtgate.exceptions")?.unbind()))
        .map(|m| m.bind(py))
}

/// The Python class name and message for a core error. Messages follow
/// PyJWT's wording where PyJWT has the same failure, so log lines and
/// tests that match on them keep working.
fn class_and_message(err: Error) -> (&'static str, &'static str) {
    match err {
        Error::Malformed => ("DecodeError", "Not enough segments"),
        Error::Base64 => (
            "DecodeError",
            "Invalid base64url segment (padding or non-canonical)",
        ),
        Error::HeaderJson => ("DecodeError", "Invalid header string"),
        Error::ClaimsJson => ("DecodeError", "Invalid payload string"),
        Error::DuplicateMember => ("DecodeError", "Duplicate JSON member name"),
        Error::InvalidClaimType(claim) => match claim {
            Claim::Exp => (
                "DecodeError",
                "Expiration Time claim (exp) must be an integer.",
            ),
            Claim::Nbf => ("DecodeError", "Not Before claim (nbf) must be an integer."),
            Claim::Iat => (
                "InvalidIssuedAtError",
                "Issued At claim (iat) must be an integer.",
            ),
            Claim::Iss => (
                "InvalidIssuerError",
                "Payload Issuer (iss) must be a string",
            ),
            Claim::Aud => ("InvalidAudienceError", "Invalid claim format in token"),
            Claim::Sub => ("InvalidSubjectError", "Subject must be a string"),
            Claim::Jti => ("InvalidJTIError", "JWT ID must be a string"),
            Claim::Sid => ("DecodeError", "Session ID claim (sid) must be a string"),
            Claim::Ver => (
                "DecodeError",
                "Version claim (ver) must be a non-negative integer",
            ),
            _ => ("DecodeError", "claim has an invalid type or value"),
        },
        Error::MissingAlgorithm => ("InvalidAlgorithmError", "Algorithm not specified"),
        Error::UnsupportedAlgorithm => ("InvalidAlgorithmError", "Algorithm not supported"),
        Error::UnsupportedCritical => ("InvalidTokenError", "Unsupported critical extension"),
        Error::UnknownKey => (
            "InvalidSignatureError",
            "No key matches the token's kid and alg",
        ),
        Error::AlgorithmMismatch => (
            "InvalidAlgorithmError",
            "The specified alg value is not allowed",
        ),
        Error::AmbiguousKey => (
            "InvalidSignatureError",
            "Token has no kid and several keys match its alg",
        ),
        Error::InvalidKey => ("InvalidKeyError", "Invalid key material"),
        Error::WeakKey => (
            "InvalidKeyError",
            "HMAC secret shorter than the hash output",
        ),
        Error::KeySetFull => ("InvalidKeyError", "Too many keys (at most 16)"),
        Error::Jwks => ("PyJWKSetError", "Invalid JWKS document"),
        Error::DuplicateKeyId => ("InvalidKeyError", "Duplicate kid for one algorithm"),
        Error::InvalidSignature => ("InvalidSignatureError", "Signature verification failed"),
        Error::Expired { .. } => ("ExpiredSignatureError", "Signature has expired"),
        Error::NotYetValid { .. } => ("ImmatureSignatureError", "The token is not yet valid (nbf)"),
        Error::IssuedInFuture { .. } => {
            ("ImmatureSignatureError", "The token is not yet valid (iat)")
        }
        Error::InvalidIssuer => ("InvalidIssuerError", "Invalid issuer"),
        Error::InvalidAudience => ("InvalidAudienceError", "Audience doesn't match"),
        Error::MissingClaim(_) => ("MissingRequiredClaimError", ""),
        Error::InvalidType => ("InvalidTokenError", "Invalid token type (typ)"),
        Error::TooOld => (
            "ExpiredSignatureError",
            "Token is older than the maximum age",
        ),
        Error::Revoked(_) => ("RevokedTokenError", "Token has been revoked"),
        Error::TokenTooLarge => ("DecodeError", "Token exceeds the maximum length"),
        Error::JsonTooDeep => ("DecodeError", "JSON nesting exceeds the maximum depth"),
        Error::TooManyMembers => (
            "DecodeError",
            "JSON object or array exceeds the maximum size",
        ),
        Error::BufferTooSmall => ("DecodeError", "Token exceeds the maximum length"),
        Error::FieldTooLong => ("DecodeError", "A field exceeds its maximum length"),
        Error::DenylistMalformed
        | Error::DenylistChecksum
        | Error::DenylistVersion
        | Error::DenylistFull
        | Error::RevocationExpired
        | Error::RevocationTooFar => ("DenylistError", err.message()),
        _ => ("InvalidTokenError", err.message()),
    }
}

/// The name a revocation kind has in Python (`RevokedTokenError.kind`).
pub(crate) fn kind_name(kind: RevocationKind) -> &'static str {
    match kind {
        RevocationKind::Token => "token",
        RevocationKind::Session => "session",
        RevocationKind::Subject => "subject",
        _ => "unknown",
    }
}

/// Converts a core error into the matching `jwtgate.exceptions` instance
/// (not raised), with `.code` set.
pub(crate) fn to_exception<'py>(py: Python<'py>, err: Error) -> PyResult<Bound<'py, PyAny>> {
    let (class, message) = class_and_message(err);
    exception_of(py, err, class, message)
}

/// [`to_exception`] for an error verifying or reading `token`, with
/// PyJWT's more precise message where the token tells it: which segment
/// has bad base64url (`Invalid header padding`, `... payload ...`,
/// `... crypto ...`, the first in PyJWT's reading order), and whether a
/// header or payload that is not an object is valid JSON
/// (`Invalid payload string: must be a json object`). Same class and code.
pub(crate) fn token_exception<'py>(
    py: Python<'py>,
    err: Error,
    token: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let (class, message) = class_and_message(err);
    let message = match err {
        Error::Base64 => base64_message(token).unwrap_or(message),
        Error::HeaderJson if segment_is_json_non_object(segments(token).0) => {
            "Invalid header string: must be a json object"
        }
        Error::ClaimsJson if segment_is_json_non_object(segments(token).1) => {
            "Invalid payload string: must be a json object"
        }
        _ => message,
    };
    exception_of(py, err, class, message)
}

/// [`token_exception`] as a `PyErr`, ready to raise.
pub(crate) fn token_py_err(py: Python<'_>, err: Error, token: &[u8]) -> PyErr {
    match token_exception(py, err, token) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// `(header, payload, signature)` of a compact token, split as the core
/// splits it (first and last dot); empty where absent.
fn segments(token: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let first = token.iter().position(|&b| b == b'.');
    let last = token.iter().rposition(|&b| b == b'.');
    match (first, last) {
        (Some(first), Some(last)) if first < last => (
            token.get(..first).unwrap_or_default(),
            token.get(first + 1..last).unwrap_or_default(),
            token.get(last + 1..).unwrap_or_default(),
        ),
        _ => (token, &[], &[]),
    }
}

/// The core's base64url decoding of `segment`, or `None` if it is not
/// canonical unpadded base64url.
fn decode_segment(segment: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; jwtgate::base64url_decoded_len(segment.len())?];
    let len = jwtgate::base64url_decode(segment, &mut out).ok()?;
    out.truncate(len);
    Some(out)
}

/// PyJWT's message naming the first segment, in its reading order (header,
/// payload, signature), that is not valid base64url.
fn base64_message(token: &[u8]) -> Option<&'static str> {
    let (header, payload, signature) = segments(token);
    [
        (header, "Invalid header padding"),
        (payload, "Invalid payload padding"),
        (signature, "Invalid crypto padding"),
    ]
    .into_iter()
    .find(|(segment, _)| decode_segment(segment).is_none())
    .map(|(_, message)| message)
}

/// Whether `segment` decodes to one valid JSON value that is not an object
/// (checked by the core's parser, as the value of a member).
fn segment_is_json_non_object(segment: &[u8]) -> bool {
    let Some(value) = decode_segment(segment) else {
        return false;
    };
    let mut doc = Vec::with_capacity(value.len() + 6);
    doc.extend_from_slice(b"{\"\":");
    doc.extend_from_slice(&value);
    doc.push(b'}');
    let is_object = value
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'{');
    !is_object && jwtgate::Object::parse(&doc, &jwtgate::Limits::DEFAULT).is_ok()
}

fn exception_of<'py>(
    py: Python<'py>,
    err: Error,
    class: &str,
    message: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let cls = exceptions(py)?.getattr(class)?;
    let exc = match err {
        Error::MissingClaim(claim) => cls.call1((claim.name(),))?,
        Error::Revoked(kind) => cls.call1((message, kind_name(kind)))?,
        _ => cls.call1((message,))?,
    };
    exc.setattr(pyo3::intern!(py, "code"), err.code())?;
    Ok(exc)
}

/// [`to_py_err`] with another message (same class and code).
pub(crate) fn to_py_err_with(py: Python<'_>, err: Error, message: &str) -> PyErr {
    let (class, _) = class_and_message(err);
    match exception_of(py, err, class, message) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// [`to_exception`] as a `PyErr`, ready to raise.
pub(crate) fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    match to_exception(py, err) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// A `jwtgate.exceptions` class by name, for errors raised by the binding
/// itself (for example a key the Python layer could not have rejected).
pub(crate) fn exception(py: Python<'_>, class: &str, message: &str) -> PyErr {
    match exceptions(py).and_then(|m| m.getattr(class)?.call1((message,))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Sets `.code` on the exception `err` holds (best effort: a failure here
/// leaves the class default, `None`).
pub(crate) fn set_code(py: Python<'_>, err: &PyErr, code: u32) {
    let _ = err.value(py).setattr(pyo3::intern!(py, "code"), code);
}
