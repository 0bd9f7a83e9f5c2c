//! [`KeySourceError`]: why a key source refused a location or a fetch failed.

use core::fmt;

/// Why a key source could not start, or why one fetch failed (a failed
/// fetch in the background keeps the last good keys: see
/// [`crate::KeySource`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum KeySourceError {
    /// Refused by policy: a scheme other than `https` (plain `http` only to
    /// loopback with [`crate::TransportOptions::allow_http_loopback`]), a
    /// redirect to another scheme or host, an issuer that does not match
    /// the discovery document, a malformed URL.
    Refused(String),
    /// The request did not complete: connection, TLS, timeout, or a body
    /// over the cap.
    Transport(String),
    /// The server answered with a status other than 200 (or 304 to a
    /// conditional request).
    Status(u16),
    /// The body is not a usable document: not JSON, not a JWKS, no usable
    /// key, a discovery document without `issuer` or `jwks_uri`.
    Document(String),
    /// A local file could not be read.
    Io(std::io::Error),
}

impl KeySourceError {
    /// The stable code of [`KeySourceError::Refused`].
    pub const REFUSED_CODE: u32 = 911;
    /// The stable code of every other key source error (the fetch or the
    /// document failed).
    pub const FETCH_CODE: u32 = 910;

    /// The stable number, in the 9xx (distribution) group:
    /// [`KeySourceError::REFUSED_CODE`] (911) for a refusal by policy,
    /// [`KeySourceError::FETCH_CODE`] (910) otherwise.
    pub const fn code(&self) -> u32 {
        match self {
            KeySourceError::Refused(_) => Self::REFUSED_CODE,
            _ => Self::FETCH_CODE,
        }
    }
}

impl fmt::Display for KeySourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySourceError::Refused(m) => write!(f, "key source refused: {m} [911]"),
            KeySourceError::Transport(m) => write!(f, "key fetch failed: {m} [910]"),
            KeySourceError::Status(s) => write!(f, "key fetch failed: HTTP status {s} [910]"),
            KeySourceError::Document(m) => write!(f, "key document refused: {m} [910]"),
            KeySourceError::Io(e) => write!(f, "key file: {e} [910]"),
        }
    }
}

impl std::error::Error for KeySourceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeySourceError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for KeySourceError {
    fn from(e: std::io::Error) -> Self {
        KeySourceError::Io(e)
    }
}
