//! `jg_result`: the status every function returns, and its messages.

use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

/// The status every `jg_` function returns. `JG_OK` (0) is success, 1..99
/// are the binding's own conditions, and 100..899 are the core's errors with
/// exactly the numbers of `jwtgate_core::Error::code()` (the same numbers the Go
/// and Python bindings expose). Numbers are never reused.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jg_result {
    /// Success.
    JG_OK = 0,

    /// A required pointer argument was NULL.
    JG_NULL_PARAMETER = 1,

    /// A panic was caught at the boundary (a bug in jwtgate; please report it).
    JG_PANIC = 2,

    /// The caller's output buffer is too small; the needed length was written.
    JG_INSUFFICIENT_SIZE = 3,

    /// A string argument that must be UTF-8 is not.
    JG_INVALID_UTF8 = 4,

    /// An argument is out of range (unknown algorithm, claim bit, length over isize::MAX, ...).
    JG_INVALID_ARGUMENT = 5,

    /// The core returned an error code this binding does not know (a version mismatch).
    JG_INTERNAL_ERROR = 6,

    /// 100: not compact JWS with three parts.
    JG_MALFORMED = 100,

    /// 101: invalid or non-canonical base64url.
    JG_BASE64 = 101,

    /// 102: the header is not a valid JSON object.
    JG_HEADER_JSON = 102,

    /// 103: the claims are not a valid JSON object.
    JG_CLAIMS_JSON = 103,

    /// 104: duplicate JSON member name.
    JG_DUPLICATE_MEMBER = 104,

    /// 105: a registered claim has an invalid type or value.
    JG_INVALID_CLAIM_TYPE = 105,

    /// 106: the header has no `alg`.
    JG_MISSING_ALGORITHM = 106,

    /// 200: unsupported algorithm (including `none`).
    JG_UNSUPPORTED_ALGORITHM = 200,

    /// 201: unsupported critical header parameter.
    JG_UNSUPPORTED_CRITICAL = 201,

    /// 300: no key matches the token's `kid` and `alg`.
    JG_UNKNOWN_KEY = 300,

    /// 301: the token's `alg` does not match the key's algorithm.
    JG_ALGORITHM_MISMATCH = 301,

    /// 302: no `kid` and several keys match the token's `alg`.
    JG_AMBIGUOUS_KEY = 302,

    /// 303: invalid key material.
    JG_INVALID_KEY = 303,

    /// 304: HMAC secret shorter than the hash output.
    JG_WEAK_KEY = 304,

    /// 305: the key set is full.
    JG_KEY_SET_FULL = 305,

    /// 306: invalid JWKS document.
    JG_JWKS = 306,

    /// 307: duplicate `kid` for one algorithm.
    JG_DUPLICATE_KEY_ID = 307,

    /// 308: the verifier has no usable key (none, or none with an allowed algorithm).
    JG_EMPTY_KEY_SET = 308,

    /// 309: an issuer, audience or algorithm allow-list is empty or holds an empty value.
    JG_EMPTY_ALLOW_LIST = 309,

    /// 400: the signature does not verify.
    JG_INVALID_SIGNATURE = 400,

    /// 500: the token has expired.
    JG_EXPIRED = 500,

    /// 501: the token is not yet valid (`nbf`).
    JG_NOT_YET_VALID = 501,

    /// 502: the token is issued in the future (`iat`).
    JG_ISSUED_IN_FUTURE = 502,

    /// 503: the issuer is not accepted.
    JG_INVALID_ISSUER = 503,

    /// 504: the audience is not accepted.
    JG_INVALID_AUDIENCE = 504,

    /// 505: a required claim is missing.
    JG_MISSING_CLAIM = 505,

    /// 506: the header `typ` is not accepted.
    JG_INVALID_TYPE = 506,

    /// 507: the token is older than the maximum age.
    JG_TOO_OLD = 507,

    /// 600: the denylist revokes the token.
    JG_REVOKED = 600,

    /// 700: the token exceeds `JG_MAX_TOKEN_LEN`.
    JG_TOKEN_TOO_LARGE = 700,

    /// 701: JSON nesting exceeds the maximum depth.
    JG_JSON_TOO_DEEP = 701,

    /// 702: a JSON object or array exceeds the maximum size.
    JG_TOO_MANY_MEMBERS = 702,

    /// 703: an internal buffer is too small.
    JG_BUFFER_TOO_SMALL = 703,

    /// 704: a field exceeds its maximum length.
    JG_FIELD_TOO_LONG = 704,

    /// 800: malformed denylist.
    JG_DENYLIST_MALFORMED = 800,

    /// 801: denylist checksum mismatch.
    JG_DENYLIST_CHECKSUM = 801,

    /// 802: unsupported denylist version.
    JG_DENYLIST_VERSION = 802,

    /// 803: denylist capacity exceeded.
    JG_DENYLIST_FULL = 803,

    /// 804: a revocation's `until` plus the maximum leeway is already past:
    /// it would revoke nothing, so it is refused (never stored as a no-op).
    JG_REVOCATION_EXPIRED = 804,

    /// 805: a revocation's `until` is beyond the maximum token lifetime from now.
    JG_REVOCATION_TOO_FAR = 805,

    /// 806: a larger leeway was refused: the live denylist keeps
    /// revocations for less time after their `until` (the retention its
    /// Redis follower prunes with). Start the source again with a larger
    /// `max_leeway` first.
    JG_LEEWAY_BEYOND_RETENTION = 806,

    /// 900, the sync layer (9xx, `jwtgate-sync`): the live denylist is older
    /// than the maximum staleness set with `jg_verifier_set_max_staleness`
    /// (or was never synced), so verification fails closed. The number of
    /// `jwtgate_sync::VerifyError::STALE_CODE`.
    JG_DENYLIST_STALE = 900,
    /// 901, the sync layer: a file or system call failed (a snapshot file that
    /// cannot be read, a thread that cannot be started).
    JG_SYNC_IO = 901,
    /// 902, the sync layer: Redis could not be reached, refused a command, or
    /// the URL is invalid.
    JG_SYNC_REDIS = 902,
    /// 903, the sync layer: Redis holds data this library does not understand.
    JG_SYNC_PROTOCOL = 903,
    /// 904, the sync layer: a revocation that cannot be stored (empty
    /// identifier, no bound, a value past 2^53).
    JG_INVALID_REVOCATION = 904,
    /// 905, the sync layer: the follower has not finished its first load from
    /// Redis within the timeout.
    JG_NOT_READY = 905,
    /// 906, the sync layer: the verifier already has a running follower or
    /// watcher (one source at a time; stop it first).
    JG_SOURCE_ACTIVE = 906,
    /// 907, the sync layer: the revocation is stored on the Redis master but
    /// fewer replicas than the store's `WAIT` policy (`?wait=N` in the URL)
    /// acknowledged it in time; revoking again is safe and waits again. The
    /// number of `jwtgate_sync::SyncError::NOT_REPLICATED_CODE`.
    JG_SYNC_NOT_REPLICATED = 907,
    /// 908, the sync layer: the keys are older than the maximum key
    /// staleness (no key source confirmed them current in time), so
    /// verification fails closed. The number of
    /// `jwtgate_sync::VerifyError::KEYS_STALE_CODE`.
    JG_KEYS_STALE = 908,
    /// 910, the key source: fetching the keys failed (connection, TLS,
    /// timeout, an HTTP status, a document without a usable key). The
    /// number of `jwtgate_sync::KeySourceError::FETCH_CODE`.
    JG_KEY_FETCH = 910,
    /// 911, the key source: the URL, a redirect or the discovered issuer
    /// was refused by policy (not `https`, another host, an issuer that
    /// does not match). The number of
    /// `jwtgate_sync::KeySourceError::REFUSED_CODE`.
    JG_KEY_SOURCE_REFUSED = 911,
}

impl jg_result {
    /// Every value, in numeric order.
    pub(crate) const ALL: [jg_result; 59] = [
        jg_result::JG_OK,
        jg_result::JG_NULL_PARAMETER,
        jg_result::JG_PANIC,
        jg_result::JG_INSUFFICIENT_SIZE,
        jg_result::JG_INVALID_UTF8,
        jg_result::JG_INVALID_ARGUMENT,
        jg_result::JG_INTERNAL_ERROR,
        jg_result::JG_MALFORMED,
        jg_result::JG_BASE64,
        jg_result::JG_HEADER_JSON,
        jg_result::JG_CLAIMS_JSON,
        jg_result::JG_DUPLICATE_MEMBER,
        jg_result::JG_INVALID_CLAIM_TYPE,
        jg_result::JG_MISSING_ALGORITHM,
        jg_result::JG_UNSUPPORTED_ALGORITHM,
        jg_result::JG_UNSUPPORTED_CRITICAL,
        jg_result::JG_UNKNOWN_KEY,
        jg_result::JG_ALGORITHM_MISMATCH,
        jg_result::JG_AMBIGUOUS_KEY,
        jg_result::JG_INVALID_KEY,
        jg_result::JG_WEAK_KEY,
        jg_result::JG_KEY_SET_FULL,
        jg_result::JG_JWKS,
        jg_result::JG_DUPLICATE_KEY_ID,
        jg_result::JG_EMPTY_KEY_SET,
        jg_result::JG_EMPTY_ALLOW_LIST,
        jg_result::JG_INVALID_SIGNATURE,
        jg_result::JG_EXPIRED,
        jg_result::JG_NOT_YET_VALID,
        jg_result::JG_ISSUED_IN_FUTURE,
        jg_result::JG_INVALID_ISSUER,
        jg_result::JG_INVALID_AUDIENCE,
        jg_result::JG_MISSING_CLAIM,
        jg_result::JG_INVALID_TYPE,
        jg_result::JG_TOO_OLD,
        jg_result::JG_REVOKED,
        jg_result::JG_TOKEN_TOO_LARGE,
        jg_result::JG_JSON_TOO_DEEP,
        jg_result::JG_TOO_MANY_MEMBERS,
        jg_result::JG_BUFFER_TOO_SMALL,
        jg_result::JG_FIELD_TOO_LONG,
        jg_result::JG_DENYLIST_MALFORMED,
        jg_result::JG_DENYLIST_CHECKSUM,
        jg_result::JG_DENYLIST_VERSION,
        jg_result::JG_DENYLIST_FULL,
        jg_result::JG_REVOCATION_EXPIRED,
        jg_result::JG_REVOCATION_TOO_FAR,
        jg_result::JG_LEEWAY_BEYOND_RETENTION,
        jg_result::JG_DENYLIST_STALE,
        jg_result::JG_SYNC_IO,
        jg_result::JG_SYNC_REDIS,
        jg_result::JG_SYNC_PROTOCOL,
        jg_result::JG_INVALID_REVOCATION,
        jg_result::JG_NOT_READY,
        jg_result::JG_SOURCE_ACTIVE,
        jg_result::JG_SYNC_NOT_REPLICATED,
        jg_result::JG_KEYS_STALE,
        jg_result::JG_KEY_FETCH,
        jg_result::JG_KEY_SOURCE_REFUSED,
    ];

    /// The number of this result.
    #[allow(clippy::as_conversions)] // a fieldless #[repr(u32)] enum to its discriminant
    pub(crate) const fn code(self) -> u32 {
        self as u32
    }

    /// The one conversion of an error into a status: by its stable code
    /// (`jwtgate_core::Error::code()`, `SyncError::code()`, `VerifyError::code()`,
    /// 100 to 909). 909 (an invalid argument the sync layer checks, such as
    /// a metrics prefix) is `JG_INVALID_ARGUMENT`; a code this binding does
    /// not know (a version mismatch) is `JG_INTERNAL_ERROR`.
    pub(crate) fn from_code(code: u32) -> jg_result {
        if code == jwtgate_sync::SyncError::INVALID_ARGUMENT_CODE {
            return jg_result::JG_INVALID_ARGUMENT;
        }
        jg_result::ALL
            .into_iter()
            .find(|r| r.code() == code && code >= 100)
            .unwrap_or(jg_result::JG_INTERNAL_ERROR)
    }

    /// The binding's own message for a binding-level result.
    fn binding_message(self) -> Option<&'static CStr> {
        match self {
            jg_result::JG_OK => Some(c"ok"),
            jg_result::JG_NULL_PARAMETER => Some(c"a required pointer argument was NULL"),
            jg_result::JG_PANIC => Some(c"internal panic (a bug in jwtgate)"),
            jg_result::JG_INSUFFICIENT_SIZE => Some(c"output buffer too small"),
            jg_result::JG_INVALID_UTF8 => Some(c"argument is not valid UTF-8"),
            jg_result::JG_INVALID_ARGUMENT => Some(c"invalid argument"),
            jg_result::JG_INTERNAL_ERROR => Some(c"unknown core error"),
            _ => None,
        }
    }
}

impl From<jwtgate_core::Error> for jg_result {
    fn from(e: jwtgate_core::Error) -> jg_result {
        jg_result::from_code(e.code())
    }
}

impl From<jwtgate_sync::VerifyError> for jg_result {
    fn from(e: jwtgate_sync::VerifyError) -> jg_result {
        jg_result::from_code(e.code())
    }
}

impl From<jwtgate_sync::KeySourceError> for jg_result {
    fn from(e: jwtgate_sync::KeySourceError) -> jg_result {
        jg_result::from_code(e.code())
    }
}

impl From<jwtgate_sync::SyncError> for jg_result {
    fn from(e: jwtgate_sync::SyncError) -> jg_result {
        jg_result::from_code(e.code())
    }
}

/// NUL-terminated copies of the core's and the sync crate's messages,
/// made once (the messages are theirs, not this crate's).
fn core_messages() -> &'static [(u32, CString)] {
    static TABLE: OnceLock<Vec<(u32, CString)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        jwtgate_core::Error::CODES
            .iter()
            .chain(jwtgate_sync::CODES.iter())
            .filter_map(|&(code, msg)| CString::new(msg).ok().map(|c| (code, c)))
            .collect()
    })
}

/// The message for a `jg_result` value, for any code.
pub(crate) fn message(code: u32) -> &'static CStr {
    if let Some(msg) = jg_result::ALL
        .into_iter()
        .find(|r| r.code() == code)
        .and_then(jg_result::binding_message)
    {
        return msg;
    }
    core_messages()
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, m)| m.as_c_str())
        .unwrap_or(c"unknown jwtgate result code")
}

/// A pointer to the static message for `code`.
pub(crate) fn message_ptr(code: u32) -> *const c_char {
    message(code).as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_code_has_a_result_with_the_same_number() {
        for &(code, msg) in jwtgate_core::Error::CODES.iter() {
            let r = jg_result::from_code(code);
            assert_eq!(r.code(), code, "core code {code} has no jg_result");
            assert_eq!(message(code).to_str().unwrap(), msg);
        }
        // And no jg_result in the core range that the core does not have.
        for (i, r) in jg_result::ALL.into_iter().enumerate() {
            let n = r.code();
            if n >= 900 {
                // The sync layer's statuses: the sync crate's one table of
                // codes and messages, not the core's.
                assert!(
                    jwtgate_sync::CODES
                        .iter()
                        .any(|(c, m)| *c == n && message(n).to_str().unwrap() == *m),
                    "{r:?}"
                );
                assert!(
                    !jwtgate_core::Error::CODES.iter().any(|(c, _)| *c == n),
                    "{r:?}"
                );
            } else if n >= 100 {
                assert!(
                    jwtgate_core::Error::CODES.iter().any(|(c, _)| *c == n),
                    "{r:?}"
                );
            } else {
                assert!(n < 100 && r.binding_message().is_some(), "{r:?}");
            }
            if i > 0 {
                assert!(
                    jg_result::ALL[i - 1].code() < n,
                    "ALL is not sorted at {r:?}"
                );
            }
        }
        assert_eq!(
            jg_result::JG_DENYLIST_STALE.code(),
            jwtgate_sync::VerifyError::STALE_CODE
        );
        assert_eq!(
            jg_result::JG_SYNC_NOT_REPLICATED.code(),
            jwtgate_sync::SyncError::NOT_REPLICATED_CODE
        );
        // Every sync code converts to the status with its number (909: an
        // invalid argument).
        for code in 900..=908 {
            assert_eq!(jg_result::from_code(code).code(), code);
        }
        assert_eq!(jg_result::from_code(909), jg_result::JG_INVALID_ARGUMENT);
        assert_eq!(
            jg_result::from(jwtgate_sync::KeySourceError::Refused(String::new())),
            jg_result::JG_KEY_SOURCE_REFUSED
        );
        assert_eq!(
            jg_result::from(jwtgate_sync::KeySourceError::Status(500)),
            jg_result::JG_KEY_FETCH
        );
        assert_eq!(
            jg_result::from(jwtgate_sync::SyncError::SourceActive),
            jg_result::JG_SOURCE_ACTIVE
        );
        assert_eq!(
            jg_result::from(jwtgate_sync::VerifyError::KeysStale {
                age_ms: 1,
                max_ms: 0
            }),
            jg_result::JG_KEYS_STALE
        );
        assert_eq!(jg_result::from_code(5), jg_result::JG_INTERNAL_ERROR);
        assert_eq!(jg_result::from_code(99_999), jg_result::JG_INTERNAL_ERROR);
        assert_eq!(
            message(99_999).to_str().unwrap(),
            "unknown jwtgate result code"
        );
    }
}
