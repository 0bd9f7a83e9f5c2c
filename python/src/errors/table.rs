//! Which class and message each core error raises in Python.

use jwtgate::{Claim, Error, RevocationKind};

use super::classes::{
    class, Class, DecodeError, DenylistError, ExpiredSignatureError, ImmatureSignatureError,
    InvalidAlgorithmError, InvalidAudienceError, InvalidIssuedAtError, InvalidIssuerError,
    InvalidJTIError, InvalidKeyError, InvalidSignatureError, InvalidSubjectError,
    InvalidTokenError, MissingRequiredClaimError, PyJWKSetError, RevokedTokenError,
};

/// The Python class name and message for a core error. Messages follow
/// PyJWT's wording where PyJWT has the same failure, so log lines and
/// tests that match on them keep working.
pub(crate) fn class_and_message(err: Error) -> (Class, &'static str) {
    match err {
        Error::Malformed => (class::<DecodeError>(), "Not enough segments"),
        Error::Base64 => (
            class::<DecodeError>(),
            "Invalid base64url segment (padding or non-canonical)",
        ),
        Error::HeaderJson => (class::<DecodeError>(), "Invalid header string"),
        Error::ClaimsJson => (class::<DecodeError>(), "Invalid payload string"),
        Error::DuplicateMember => (class::<DecodeError>(), "Duplicate JSON member name"),
        Error::InvalidClaimType(claim) => match claim {
            Claim::Exp => (
                class::<DecodeError>(),
                "Expiration Time claim (exp) must be an integer.",
            ),
            Claim::Nbf => (
                class::<DecodeError>(),
                "Not Before claim (nbf) must be an integer.",
            ),
            Claim::Iat => (
                class::<InvalidIssuedAtError>(),
                "Issued At claim (iat) must be an integer.",
            ),
            Claim::Iss => (
                class::<InvalidIssuerError>(),
                "Payload Issuer (iss) must be a string",
            ),
            Claim::Aud => (
                class::<InvalidAudienceError>(),
                "Invalid claim format in token",
            ),
            Claim::Sub => (class::<InvalidSubjectError>(), "Subject must be a string"),
            Claim::Jti => (class::<InvalidJTIError>(), "JWT ID must be a string"),
            Claim::Sid => (
                class::<DecodeError>(),
                "Session ID claim (sid) must be a string",
            ),
            Claim::Ver => (
                class::<DecodeError>(),
                "Version claim (ver) must be a non-negative integer",
            ),
            _ => (class::<DecodeError>(), "claim has an invalid type or value"),
        },
        Error::MissingAlgorithm => (class::<InvalidAlgorithmError>(), "Algorithm not specified"),
        Error::UnsupportedAlgorithm => {
            (class::<InvalidAlgorithmError>(), "Algorithm not supported")
        }
        Error::UnsupportedCritical => (
            class::<InvalidTokenError>(),
            "Unsupported critical extension",
        ),
        Error::UnknownKey => (
            class::<InvalidSignatureError>(),
            "No key matches the token's kid and alg",
        ),
        Error::AlgorithmMismatch => (
            class::<InvalidAlgorithmError>(),
            "The specified alg value is not allowed",
        ),
        Error::AmbiguousKey => (
            class::<InvalidSignatureError>(),
            "Token has no kid and several keys match its alg",
        ),
        Error::InvalidKey => (class::<InvalidKeyError>(), "Invalid key material"),
        Error::WeakKey => (
            class::<InvalidKeyError>(),
            "HMAC secret shorter than the hash output",
        ),
        Error::KeySetFull => (class::<InvalidKeyError>(), "Too many keys (at most 16)"),
        Error::Jwks => (class::<PyJWKSetError>(), "Invalid JWKS document"),
        Error::DuplicateKeyId => (
            class::<InvalidKeyError>(),
            "Duplicate kid for one algorithm",
        ),
        Error::InvalidSignature => (
            class::<InvalidSignatureError>(),
            "Signature verification failed",
        ),
        Error::Expired { .. } => (class::<ExpiredSignatureError>(), "Signature has expired"),
        Error::NotYetValid { .. } => (
            class::<ImmatureSignatureError>(),
            "The token is not yet valid (nbf)",
        ),
        Error::IssuedInFuture { .. } => (
            class::<ImmatureSignatureError>(),
            "The token is not yet valid (iat)",
        ),
        Error::InvalidIssuer => (class::<InvalidIssuerError>(), "Invalid issuer"),
        Error::InvalidAudience => (class::<InvalidAudienceError>(), "Audience doesn't match"),
        Error::MissingClaim(_) => (class::<MissingRequiredClaimError>(), ""),
        Error::InvalidType => (class::<InvalidTokenError>(), "Invalid token type (typ)"),
        Error::TooOld => (
            class::<ExpiredSignatureError>(),
            "Token is older than the maximum age",
        ),
        Error::Revoked(_) => (class::<RevokedTokenError>(), "Token has been revoked"),
        Error::TokenTooLarge => (class::<DecodeError>(), "Token exceeds the maximum length"),
        Error::JsonTooDeep => (
            class::<DecodeError>(),
            "JSON nesting exceeds the maximum depth",
        ),
        Error::TooManyMembers => (
            class::<DecodeError>(),
            "JSON object or array exceeds the maximum size",
        ),
        Error::BufferTooSmall => (class::<DecodeError>(), "Token exceeds the maximum length"),
        Error::FieldTooLong => (class::<DecodeError>(), "A field exceeds its maximum length"),
        Error::DenylistMalformed
        | Error::DenylistChecksum
        | Error::DenylistVersion
        | Error::DenylistFull
        | Error::RevocationExpired
        | Error::RevocationTooFar
        | Error::LeewayBeyondRetention { .. } => (class::<DenylistError>(), err.message()),
        _ => (class::<InvalidTokenError>(), err.message()),
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
