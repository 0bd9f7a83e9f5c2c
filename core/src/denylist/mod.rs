//! The revocation denylist: a compact, zero-copy, segmented filter of
//! revoked tokens, sessions and subjects.
//!
//! The byte format is specified in `docs/denylist-format.md`. In short, the
//! denylist is split into segments by token expiry; each segment holds a
//! split-block bloom filter over all of its keys, an optional table of 64-bit
//! keyed fingerprints of the token and session keys (so a bloom hit is
//! confirmed exactly) and a small table of subject records with their bounds.
//!
//! Modules, one idea each:
//! - `hash`: the keyed 64-bit hashes (SipHash-1-3 for fingerprints, a
//!   multiply-fold hash for bloom positions in format version 2) and the
//!   domain tags;
//! - `bloom`: the split-block bloom filter over raw bytes;
//! - `table`: the open-addressing fingerprint and subject tables;
//! - `window`: which expiry window (segment) covers which time;
//! - `format`: the byte layout, field by field, and the checksum;
//! - `reader`: [`Denylist`], validation and lookup;
//! - `inspect`: per-segment figures for tools;
//! - `builder`: [`DenylistBuilder`], allocation-free construction.

mod bloom;
mod builder;
mod format;
mod hash;
mod inspect;
mod reader;
mod table;
mod window;

pub use builder::{Config, DenylistBuilder};
pub use inspect::SegmentInfo;
pub use reader::{Denylist, DenylistLayout};

// The verifier feeds JSON string chunks (with escapes undone) straight into
// the hasher, so these are part of the crate-internal surface.
#[allow(unused_imports)]
pub(crate) use hash::{IdSource, Sink};

/// The most segments a denylist may have. The builder widens the segment
/// width (doubling it) until the live time range fits in this many.
pub const MAX_SEGMENTS: usize = 64;

/// One revocation, as the authority records it.
///
/// Every kind carries the time until which it matters: the latest `exp` any
/// token it revokes can have. After that time the builder drops it.
///
/// ```
/// use jwtgate::Revocation;
/// let logout_everywhere = Revocation::Subject {
///     sub: b"user-42",
///     issued_before: 1_700_000_000,
///     below_version: 0, // not used
///     until: 1_700_003_600,
/// };
/// # let _ = logout_everywhere;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation<'a> {
    /// Revoke one token by `jti`; it matters until the token's `exp`.
    Token {
        /// The token's `jti` claim.
        jti: &'a [u8],
        /// The token's `exp` claim.
        exp: u64,
    },
    /// Revoke every token of a session (`sid`); it matters until `until`,
    /// the latest `exp` any token of that session can have.
    Session {
        /// The session's `sid` claim.
        sid: &'a [u8],
        /// The latest `exp` of any token of the session.
        until: u64,
    },
    /// Revoke every token of subject `sub` issued before `issued_before`
    /// (token `iat` < `issued_before`; a token without `iat` counts as
    /// revoked) and every token with `ver` < `below_version` (a token
    /// without `ver` counts as version 0). A bound of 0 is not used.
    /// It matters until `until`.
    Subject {
        /// The subject's `sub` claim.
        sub: &'a [u8],
        /// Tokens with `iat` below this are revoked (0: bound not used).
        issued_before: u64,
        /// Tokens with `ver` below this are revoked (0: bound not used).
        below_version: u64,
        /// The latest `exp` of any token this revocation must reach.
        until: u64,
    },
}

impl Revocation<'_> {
    /// The time after which this revocation no longer matters.
    pub const fn until(&self) -> u64 {
        match *self {
            Revocation::Token { exp, .. } => exp,
            Revocation::Session { until, .. } | Revocation::Subject { until, .. } => until,
        }
    }
}

/// The identifiers of one token, as the verifier extracted them.
///
/// ```
/// use jwtgate::TokenIds;
/// let ids = TokenIds { exp: Some(1_700_000_600), jti: Some(b"t-1"), ..TokenIds::default() };
/// # let _ = ids;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenIds<'t> {
    /// `exp`: selects the one segment to look in; `None` looks in every live segment.
    pub exp: Option<u64>,
    /// `iat`, compared with a subject's `issued_before`.
    pub iat: Option<u64>,
    /// `ver`, compared with a subject's `below_version`.
    pub ver: Option<u64>,
    /// `jti`, looked up as a token revocation.
    pub jti: Option<&'t [u8]>,
    /// `sid`, looked up as a session revocation.
    pub sid: Option<&'t [u8]>,
    /// `sub`, looked up as a subject revocation.
    pub sub: Option<&'t [u8]>,
}

/// Whether a subject record with these bounds revokes a token with these
/// claims. A bound of 0 is unused; a missing `iat` is treated as older than
/// any bound (fail closed), a missing `ver` as version 0.
pub(crate) fn subject_revokes(
    issued_before: u64,
    below_version: u64,
    iat: Option<u64>,
    ver: Option<u64>,
) -> bool {
    let by_time = issued_before != 0 && iat.is_none_or(|iat| iat < issued_before);
    let by_version = below_version != 0 && ver.unwrap_or(0) < below_version;
    by_time || by_version
}

#[cfg(test)]
mod tests {
    use super::subject_revokes;

    /// (issued_before, below_version, iat, ver, revoked)
    type Rule = (u64, u64, Option<u64>, Option<u64>, bool);

    const SUBJECT_RULES: &[Rule] = &[
        (100, 0, Some(99), None, true),     // issued before the bound
        (100, 0, Some(100), None, false),   // issued at the bound: kept
        (100, 0, None, None, true),         // no iat: fail closed
        (0, 5, Some(1), Some(4), true),     // version below
        (0, 5, Some(1), Some(5), false),    // version at the bound: kept
        (0, 5, Some(1), None, true),        // no ver counts as 0
        (0, 0, None, None, false),          // no bound used
        (100, 5, Some(200), Some(4), true), // either bound suffices
        (100, 5, Some(50), Some(9), true),
        (100, 5, Some(200), Some(9), false),
    ];

    #[test]
    fn subject_rules() {
        for &(ib, bv, iat, ver, want) in SUBJECT_RULES {
            assert_eq!(
                subject_revokes(ib, bv, iat, ver),
                want,
                "{ib} {bv} {iat:?} {ver:?}"
            );
        }
    }
}
