//! The exception classes, declared once in Rust.
//!
//! The classes themselves are Python's (`jwtgate.exceptions`, with PyJWT's
//! names and hierarchy, so `except jwt.InvalidTokenError` keeps working);
//! each is declared here with pyo3's `import_exception!`, so the binding
//! names a class by a Rust type, never by a string looked up at run time.
//! A class renamed or removed in Python fails the first conversion that
//! uses it (an `ImportError`/`AttributeError` instead of the exception).

use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::PyTypeInfo;

pyo3::import_exception!(jwtgate.exceptions, DecodeError);
pyo3::import_exception!(jwtgate.exceptions, DenylistError);
pyo3::import_exception!(jwtgate.exceptions, ExpiredSignatureError);
pyo3::import_exception!(jwtgate.exceptions, ImmatureSignatureError);
pyo3::import_exception!(jwtgate.exceptions, InvalidAlgorithmError);
pyo3::import_exception!(jwtgate.exceptions, InvalidAudienceError);
pyo3::import_exception!(jwtgate.exceptions, InvalidIssuedAtError);
pyo3::import_exception!(jwtgate.exceptions, InvalidIssuerError);
pyo3::import_exception!(jwtgate.exceptions, InvalidJTIError);
pyo3::import_exception!(jwtgate.exceptions, InvalidKeyError);
pyo3::import_exception!(jwtgate.exceptions, InvalidRevocationError);
pyo3::import_exception!(jwtgate.exceptions, InvalidSignatureError);
pyo3::import_exception!(jwtgate.exceptions, InvalidSubjectError);
pyo3::import_exception!(jwtgate.exceptions, InvalidTokenError);
pyo3::import_exception!(jwtgate.exceptions, MissingRequiredClaimError);
pyo3::import_exception!(jwtgate.exceptions, PyJWKSetError);
pyo3::import_exception!(jwtgate.exceptions, RevokedTokenError);
pyo3::import_exception!(jwtgate.exceptions, StaleDenylistError);
pyo3::import_exception!(jwtgate.exceptions, SyncError);

/// One of the classes above, as a value (its type object getter).
pub(crate) type Class = for<'py> fn(Python<'py>) -> Bound<'py, PyType>;

/// The class `T` as a [`Class`].
pub(crate) const fn class<T: PyTypeInfo>() -> Class {
    T::type_object
}
