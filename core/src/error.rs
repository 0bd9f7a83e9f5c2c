//! The one error type of the core, with stable numeric codes.

use core::fmt;

/// A registered claim, named in [`Error::MissingClaim`] and [`Error::InvalidClaimType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Claim {
    /// `iss` (RFC 7519 section 4.1.1).
    Iss,
    /// `sub` (RFC 7519 section 4.1.2).
    Sub,
    /// `aud` (RFC 7519 section 4.1.3).
    Aud,
    /// `exp` (RFC 7519 section 4.1.4).
    Exp,
    /// `nbf` (RFC 7519 section 4.1.5).
    Nbf,
    /// `iat` (RFC 7519 section 4.1.6).
    Iat,
    /// `jti` (RFC 7519 section 4.1.7).
    Jti,
    /// `sid` (OpenID Connect front-channel logout, RFC 9068 usage): the session.
    Sid,
    /// `ver`: jwtgate's subject token version (an unsigned integer).
    Ver,
}

impl Claim {
    /// The claim's member name as it appears in the JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Claim::Iss => "iss",
            Claim::Sub => "sub",
            Claim::Aud => "aud",
            Claim::Exp => "exp",
            Claim::Nbf => "nbf",
            Claim::Iat => "iat",
            Claim::Jti => "jti",
            Claim::Sid => "sid",
            Claim::Ver => "ver",
        }
    }

    /// Every claim, in bit order of [`crate::ClaimSet`].
    pub const ALL: [Claim; 9] = [
        Claim::Iss,
        Claim::Sub,
        Claim::Aud,
        Claim::Exp,
        Claim::Nbf,
        Claim::Iat,
        Claim::Jti,
        Claim::Sid,
        Claim::Ver,
    ];
}

/// What a denylist entry revoked, named in [`Error::Revoked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevocationKind {
    /// The token itself, by `jti`.
    Token,
    /// Every token of the session, by `sid`.
    Session,
    /// Every token of the subject issued before a point (`iat`) or below a version (`ver`).
    Subject,
}

/// Why a token, key or denylist was rejected.
///
/// Variants are ordered by the stage that produces them: malformed input,
/// unsupported features, keys, signature, claims, revocation, limits, and
/// denylist files. Each has a stable number ([`Error::code`]) that the C,
/// Go and Python bindings expose unchanged; numbers are never reused.
///
/// The 9xx range belongs to the std distribution layer (`jwtgate-sync`),
/// which adds errors the core cannot produce: 900 means the denylist is
/// older than the configured maximum staleness (verification fails closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    // --- 1xx: malformed input -------------------------------------------
    /// The token is not compact JWS: exactly three non-empty-header parts
    /// separated by `.` (RFC 7515 section 7.1).
    Malformed,
    /// A part is not canonical unpadded base64url (RFC 7515 section 2,
    /// RFC 4648 section 5; unused trailing bits must be zero).
    Base64,
    /// The protected header is not a strict RFC 8259 JSON object.
    HeaderJson,
    /// The claims are not a strict RFC 8259 JSON object (RFC 7519 section 7.2 step 10).
    ClaimsJson,
    /// A member name appears twice in the header or the claims
    /// (RFC 7515 section 5.2, RFC 7519 section 4: we reject rather than take the last).
    DuplicateMember,
    /// A registered claim or header parameter has the wrong JSON type or an
    /// out-of-range value (for example a string `exp`, a negative NumericDate).
    InvalidClaimType(Claim),
    /// The header has no `alg` or it is not a string.
    MissingAlgorithm,

    // --- 2xx: unsupported -------------------------------------------------
    /// `alg` names an algorithm jwtgate does not implement (including `none`),
    /// or one the policy's algorithm allow-list does not list.
    UnsupportedAlgorithm,
    /// `crit` lists an extension we do not implement, or is malformed
    /// (RFC 7515 section 4.1.11). This covers `b64` (RFC 7797).
    UnsupportedCritical,

    // --- 3xx: keys --------------------------------------------------------
    /// No key in the set matches the token's `kid` and `alg`.
    UnknownKey,
    /// The key found by `kid` is bound to another algorithm than the token's `alg`.
    AlgorithmMismatch,
    /// The token has no `kid` and the set has several keys for its algorithm.
    AmbiguousKey,
    /// Key material is invalid (wrong length, not a canonical point, small order, ...).
    InvalidKey,
    /// An HMAC secret is shorter than the hash output (RFC 7518 section 3.2).
    WeakKey,
    /// The key set is full.
    KeySetFull,
    /// A JWKS document is malformed or a key in it is invalid (RFC 7517).
    Jwks,
    /// Two keys in a set have the same `kid` and algorithm.
    DuplicateKeyId,
    /// A verifier has no usable key: its key set is empty, or none of its
    /// keys has an algorithm the policy allows ([`crate::Policy::set_algorithms`]).
    EmptyKeySet,
    /// An issuer, audience or algorithm allow-list is empty, or holds an
    /// empty string: it would allow nothing (or, read as "no restriction",
    /// everything), so it is refused where it is configured.
    EmptyAllowList,

    // --- 4xx: signature ---------------------------------------------------
    /// The signature does not verify. Deliberately opaque.
    InvalidSignature,

    // --- 5xx: claims ------------------------------------------------------
    /// `exp` is at or before `now - leeway` (RFC 7519 section 4.1.4).
    Expired {
        /// The token's `exp`, in seconds since the epoch.
        exp: u64,
        /// The `now` the caller passed.
        now: u64,
    },
    /// `nbf` is after `now + leeway` (RFC 7519 section 4.1.5).
    NotYetValid {
        /// The token's `nbf`.
        nbf: u64,
        /// The `now` the caller passed.
        now: u64,
    },
    /// `iat` is after `now + leeway`: the token claims to be issued in the future.
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The `now` the caller passed.
        now: u64,
    },
    /// `iss` is missing from the accepted issuers (RFC 7519 section 4.1.1).
    InvalidIssuer,
    /// No `aud` value is among the accepted audiences (RFC 7519 section 4.1.3).
    InvalidAudience,
    /// A claim the policy requires is absent.
    MissingClaim(Claim),
    /// The header `typ` is not the one the policy requires (RFC 8725 section 3.11).
    InvalidType,
    /// The token is older than the policy's maximum age (`iat + max_age`).
    TooOld,

    // --- 6xx: revocation --------------------------------------------------
    /// The denylist revokes the token.
    Revoked(RevocationKind),

    // --- 7xx: limits ------------------------------------------------------
    /// The token is longer than [`crate::Limits::max_token_len`].
    TokenTooLarge,
    /// JSON nesting is deeper than [`crate::Limits::max_json_depth`].
    JsonTooDeep,
    /// An object has more members than [`crate::Limits::max_members`], or
    /// an array more elements than [`crate::Limits::max_audiences`] where bounded.
    TooManyMembers,
    /// The caller's buffer is too small for the decoded token or the output.
    BufferTooSmall,
    /// A string field (for example `kid`) is longer than its fixed capacity.
    FieldTooLong,

    // --- 8xx: denylist ----------------------------------------------------
    /// The bytes are not a jwtgate denylist, or are structurally inconsistent.
    DenylistMalformed,
    /// The denylist checksum does not match its contents (corrupt or truncated).
    DenylistChecksum,
    /// The denylist format version is not supported by this build.
    DenylistVersion,
    /// The denylist builder ran out of room in its output or its fixed capacity.
    DenylistFull,
    /// A revocation's `until` plus the maximum leeway is already past: it
    /// would revoke nothing, so it is refused rather than stored as a no-op
    /// (see [`crate::Retention`]).
    RevocationExpired,
    /// A revocation's `until` is beyond the maximum token lifetime from now
    /// (see [`crate::Retention`]): no token can live that long, and memory
    /// stays bounded.
    RevocationTooFar,
    /// A verifier's leeway would grow beyond how long its live denylist
    /// keeps revocations after their `until` (`kept` seconds, the
    /// retention its source prunes with): a revoked token would verify
    /// again in between, so the change is refused. Start the source again
    /// with a `max_leeway` of at least `leeway` first.
    LeewayBeyondRetention {
        /// The leeway asked for, in seconds.
        leeway: u64,
        /// How long the live denylist keeps revocations after `until`.
        kept: u64,
    },
}

impl Error {
    /// The stable number of this error, grouped by stage (1xx malformed ...
    /// 8xx denylist). `0` is never used: it means success in the C ABI.
    pub const fn code(&self) -> u32 {
        match self {
            Error::Malformed => 100,
            Error::Base64 => 101,
            Error::HeaderJson => 102,
            Error::ClaimsJson => 103,
            Error::DuplicateMember => 104,
            Error::InvalidClaimType(_) => 105,
            Error::MissingAlgorithm => 106,
            Error::UnsupportedAlgorithm => 200,
            Error::UnsupportedCritical => 201,
            Error::UnknownKey => 300,
            Error::AlgorithmMismatch => 301,
            Error::AmbiguousKey => 302,
            Error::InvalidKey => 303,
            Error::WeakKey => 304,
            Error::KeySetFull => 305,
            Error::Jwks => 306,
            Error::DuplicateKeyId => 307,
            Error::EmptyKeySet => 308,
            Error::EmptyAllowList => 309,
            Error::InvalidSignature => 400,
            Error::Expired { .. } => 500,
            Error::NotYetValid { .. } => 501,
            Error::IssuedInFuture { .. } => 502,
            Error::InvalidIssuer => 503,
            Error::InvalidAudience => 504,
            Error::MissingClaim(_) => 505,
            Error::InvalidType => 506,
            Error::TooOld => 507,
            Error::Revoked(_) => 600,
            Error::TokenTooLarge => 700,
            Error::JsonTooDeep => 701,
            Error::TooManyMembers => 702,
            Error::BufferTooSmall => 703,
            Error::FieldTooLong => 704,
            Error::DenylistMalformed => 800,
            Error::DenylistChecksum => 801,
            Error::DenylistVersion => 802,
            Error::DenylistFull => 803,
            Error::RevocationExpired => 804,
            Error::RevocationTooFar => 805,
            Error::LeewayBeyondRetention { .. } => 806,
        }
    }

    /// A short, stable, lower-case description (no data), for logs and bindings.
    pub const fn message(&self) -> &'static str {
        match self {
            Error::Malformed => "token is not compact JWS with three parts",
            Error::Base64 => "invalid or non-canonical base64url",
            Error::HeaderJson => "header is not a valid JSON object",
            Error::ClaimsJson => "claims are not a valid JSON object",
            Error::DuplicateMember => "duplicate JSON member name",
            Error::InvalidClaimType(_) => "claim has an invalid type or value",
            Error::MissingAlgorithm => "header has no alg",
            Error::UnsupportedAlgorithm => "unsupported algorithm",
            Error::UnsupportedCritical => "unsupported critical header parameter",
            Error::UnknownKey => "no key matches the token's kid and alg",
            Error::AlgorithmMismatch => "token alg does not match the key's algorithm",
            Error::AmbiguousKey => "token has no kid and several keys match its alg",
            Error::InvalidKey => "invalid key material",
            Error::WeakKey => "HMAC secret shorter than the hash output",
            Error::KeySetFull => "key set is full",
            Error::Jwks => "invalid JWKS document",
            Error::DuplicateKeyId => "duplicate kid for one algorithm",
            Error::EmptyKeySet => {
                "no usable key: the key set is empty or no key has an allowed algorithm"
            }
            Error::EmptyAllowList => {
                "an issuer, audience or algorithm allow-list is empty or holds an empty value"
            }
            Error::InvalidSignature => "signature verification failed",
            Error::Expired { .. } => "token has expired",
            Error::NotYetValid { .. } => "token is not yet valid",
            Error::IssuedInFuture { .. } => "token is issued in the future",
            Error::InvalidIssuer => "issuer is not accepted",
            Error::InvalidAudience => "audience is not accepted",
            Error::MissingClaim(_) => "required claim is missing",
            Error::InvalidType => "header typ is not accepted",
            Error::TooOld => "token is older than the maximum age",
            Error::Revoked(_) => "token has been revoked",
            Error::TokenTooLarge => "token exceeds the maximum length",
            Error::JsonTooDeep => "JSON nesting exceeds the maximum depth",
            Error::TooManyMembers => "JSON object or array exceeds the maximum size",
            Error::BufferTooSmall => "buffer too small",
            Error::FieldTooLong => "field exceeds its maximum length",
            Error::DenylistMalformed => "malformed denylist",
            Error::DenylistChecksum => "denylist checksum mismatch",
            Error::DenylistVersion => "unsupported denylist version",
            Error::DenylistFull => "denylist capacity exceeded",
            Error::RevocationExpired => {
                "revocation until (plus the maximum leeway) is already past"
            }
            Error::RevocationTooFar => "revocation until is beyond the maximum token lifetime",
            Error::LeewayBeyondRetention { .. } => {
                "leeway exceeds how long the live denylist keeps revocations"
            }
        }
    }

    /// Every error code with its message, for bindings that mirror the table.
    pub const CODES: [(u32, &'static str); 41] = [
        (100, Error::Malformed.message()),
        (101, Error::Base64.message()),
        (102, Error::HeaderJson.message()),
        (103, Error::ClaimsJson.message()),
        (104, Error::DuplicateMember.message()),
        (105, Error::InvalidClaimType(Claim::Exp).message()),
        (106, Error::MissingAlgorithm.message()),
        (200, Error::UnsupportedAlgorithm.message()),
        (201, Error::UnsupportedCritical.message()),
        (300, Error::UnknownKey.message()),
        (301, Error::AlgorithmMismatch.message()),
        (302, Error::AmbiguousKey.message()),
        (303, Error::InvalidKey.message()),
        (304, Error::WeakKey.message()),
        (305, Error::KeySetFull.message()),
        (306, Error::Jwks.message()),
        (307, Error::DuplicateKeyId.message()),
        (308, Error::EmptyKeySet.message()),
        (309, Error::EmptyAllowList.message()),
        (400, Error::InvalidSignature.message()),
        (500, Error::Expired { exp: 0, now: 0 }.message()),
        (501, Error::NotYetValid { nbf: 0, now: 0 }.message()),
        (502, Error::IssuedInFuture { iat: 0, now: 0 }.message()),
        (503, Error::InvalidIssuer.message()),
        (504, Error::InvalidAudience.message()),
        (505, Error::MissingClaim(Claim::Exp).message()),
        (506, Error::InvalidType.message()),
        (507, Error::TooOld.message()),
        (600, Error::Revoked(RevocationKind::Token).message()),
        (700, Error::TokenTooLarge.message()),
        (701, Error::JsonTooDeep.message()),
        (702, Error::TooManyMembers.message()),
        (703, Error::BufferTooSmall.message()),
        (704, Error::FieldTooLong.message()),
        (800, Error::DenylistMalformed.message()),
        (801, Error::DenylistChecksum.message()),
        (802, Error::DenylistVersion.message()),
        (803, Error::DenylistFull.message()),
        (804, Error::RevocationExpired.message()),
        (805, Error::RevocationTooFar.message()),
        (
            806,
            Error::LeewayBeyondRetention { leeway: 0, kept: 0 }.message(),
        ),
    ];
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidClaimType(c) => {
                write!(f, "claim `{}` has an invalid type or value", c.name())
            }
            Error::MissingClaim(c) => write!(f, "required claim `{}` is missing", c.name()),
            Error::Expired { exp, now } => write!(f, "token expired at {exp} (now {now})"),
            Error::NotYetValid { nbf, now } => {
                write!(f, "token not valid before {nbf} (now {now})")
            }
            Error::IssuedInFuture { iat, now } => {
                write!(f, "token issued at {iat}, in the future (now {now})")
            }
            Error::Revoked(kind) => {
                let what = match kind {
                    RevocationKind::Token => "token",
                    RevocationKind::Session => "session",
                    RevocationKind::Subject => "subject",
                };
                write!(f, "token has been revoked ({what})")
            }
            Error::LeewayBeyondRetention { leeway, kept } => write!(
                f,
                "leeway {leeway} s exceeds the {kept} s the live denylist keeps revocations \
                 after their end: start its source again with a max_leeway of at least {leeway} s"
            ),
            other => f.write_str(other.message()),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_nonzero() {
        for (i, (code, msg)) in Error::CODES.iter().enumerate() {
            assert_ne!(*code, 0);
            assert!(!msg.is_empty());
            for (other, _) in Error::CODES.iter().skip(i + 1) {
                assert_ne!(code, other, "code {code} reused");
            }
        }
    }

    #[test]
    fn display_carries_context() {
        let e = Error::Expired { exp: 10, now: 20 };
        assert_eq!(std::format!("{e}"), "token expired at 10 (now 20)");
        let e = Error::MissingClaim(Claim::Jti);
        assert_eq!(std::format!("{e}"), "required claim `jti` is missing");
    }
}
