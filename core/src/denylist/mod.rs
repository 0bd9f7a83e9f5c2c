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

pub use builder::{DenylistBuilder, DenylistConfig};

use crate::error::Error;
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
/// Every kind carries **`until`**: the revoker's promise "reject matching
/// tokens whose `exp` is at or before this" (tokens without `exp` too). It
/// is an upper bound, not the token's exact expiry. A denylist keeps an
/// entry while `now <= until + max_leeway` (see [`Retention`]) and looks a
/// token up in the segment of its own `exp`, which holds every entry whose
/// `until` reaches that window. An entry may also reject a token of the same
/// identifier whose `exp` is after `until` but in the same window (at most
/// one window width later): revocations err on the side of rejecting.
///
/// ```
/// use jwtgate::Revocation;
/// let logout_everywhere = Revocation::Subject {
///     sub: b"user-42",
///     issued_before: 1_700_000_000,
///     below_version: 0, // not used
///     until: 1_700_003_600,
/// };
/// let stolen = Revocation::Token { jti: b"t-1", until: 1_700_086_400 };
/// # let _ = (logout_everywhere, stolen);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation<'a> {
    /// Revoke one token by `jti`: every token with that `jti` whose `exp`
    /// is at or before `until` (or that has no `exp`).
    Token {
        /// The token's `jti` claim.
        jti: &'a [u8],
        /// Tokens with this `jti` and `exp <= until` are revoked. Any time at
        /// or after the token's `exp` works; it need not be exact.
        until: u64,
    },
    /// Revoke every token of a session (`sid`) whose `exp` is at or before
    /// `until`.
    Session {
        /// The session's `sid` claim.
        sid: &'a [u8],
        /// The latest `exp` of any token of the session this must reach.
        until: u64,
    },
    /// Revoke every token of subject `sub` issued before `issued_before`
    /// (token `iat` < `issued_before`; a token without `iat` counts as
    /// revoked) and every token with `ver` < `below_version` (a token
    /// without `ver` counts as version 0). A bound of 0 is not used.
    /// It reaches tokens whose `exp` is at or before `until`.
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
    /// The latest `exp` this revocation reaches.
    pub const fn until(&self) -> u64 {
        match *self {
            Revocation::Token { until, .. }
            | Revocation::Session { until, .. }
            | Revocation::Subject { until, .. } => until,
        }
    }
}

/// How long revocations are kept, and how far ahead they may reach: the
/// one rule every builder, store and binding applies to a revocation's
/// `until` (a setting of each; see `docs/denylist-format.md`).
///
/// - An entry is **in force** while `now <= until + max_leeway`: until then
///   a verifier whose leeway (plus its clock's lag behind the builder's) is
///   at most `max_leeway` may still accept a token it covers.
/// - A revocation without `until` lasts `max_token_lifetime`:
///   `until = now + max_token_lifetime`.
/// - A revocation whose `until` is beyond `now + max_token_lifetime` is
///   refused ([`Error::RevocationTooFar`]), so the memory a denylist needs is
///   bounded by the revocation rate times the token lifetime; one already out
///   of force is refused too ([`Error::RevocationExpired`]): it would revoke
///   nothing.
///
/// ```
/// use jwtgate::{Error, Retention};
/// let r = Retention::DEFAULT; // 300 s leeway, 24 h lifetime
/// let now = 1_700_000_000;
/// assert_eq!(r.until(None, now), Ok(now + 86_400));
/// assert_eq!(r.until(Some(now - 300), now), Ok(now - 300)); // still in force
/// assert_eq!(r.until(Some(now - 301), now), Err(Error::RevocationExpired));
/// assert_eq!(r.until(Some(now + 86_401), now), Err(Error::RevocationTooFar));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The largest verifier leeway plus clock skew between builder and
    /// verifiers, in seconds: entries stay this long after their `until`.
    pub max_leeway: u64,
    /// The longest lifetime of a token, in seconds: the default reach of a
    /// revocation without `until`, and the furthest one may reach.
    pub max_token_lifetime: u64,
}

impl Retention {
    /// The default `max_leeway`: 300 s (five minutes).
    pub const DEFAULT_MAX_LEEWAY: u64 = 300;
    /// The default `max_token_lifetime`: 86 400 s (24 hours).
    pub const DEFAULT_MAX_TOKEN_LIFETIME: u64 = 86_400;
    /// Both defaults.
    pub const DEFAULT: Retention = Retention {
        max_leeway: Self::DEFAULT_MAX_LEEWAY,
        max_token_lifetime: Self::DEFAULT_MAX_TOKEN_LIFETIME,
    };

    /// The `until` of a revocation made at `now`: `until` itself, or
    /// `now + max_token_lifetime` when it is omitted.
    ///
    /// Errors: [`Error::RevocationExpired`] if `until + max_leeway < now`
    /// (it would revoke nothing), [`Error::RevocationTooFar`] if `until`
    /// is after `now + max_token_lifetime`.
    pub fn until(&self, until: Option<u64>, now: u64) -> Result<u64, Error> {
        let latest = now.saturating_add(self.max_token_lifetime);
        let until = until.unwrap_or(latest);
        if !self.in_force(until, now) {
            return Err(Error::RevocationExpired);
        }
        if until > latest {
            return Err(Error::RevocationTooFar);
        }
        Ok(until)
    }

    /// Whether an entry reaching `until` must still be kept at `now`:
    /// `now <= until + max_leeway`.
    pub const fn in_force(&self, until: u64, now: u64) -> bool {
        now <= until.saturating_add(self.max_leeway)
    }

    /// The last second at which an entry reaching `until` is in force
    /// (`until + max_leeway`): the expiry a store gives its key.
    pub const fn kept_until(&self, until: u64) -> u64 {
        until.saturating_add(self.max_leeway)
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::DEFAULT
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
    /// `exp`: selects the one segment to look in (format 3: without `exp`,
    /// the first segment; formats 1 and 2: every live segment).
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

/// A token's identifiers as the lookups read them, in place of six
/// positional arguments: [`TokenIds`] (bytes), or the verifier's claims,
/// whose identifiers are JSON strings hashed chunk by chunk.
pub(crate) trait Ids {
    /// How one identifier is held.
    type Id: IdSource + ?Sized;
    /// `exp` (see [`TokenIds::exp`]).
    fn exp(&self) -> Option<u64>;
    /// `iat`.
    fn iat(&self) -> Option<u64>;
    /// `ver`.
    fn ver(&self) -> Option<u64>;
    /// `jti`.
    fn jti(&self) -> Option<&Self::Id>;
    /// `sid`.
    fn sid(&self) -> Option<&Self::Id>;
    /// `sub`.
    fn sub(&self) -> Option<&Self::Id>;
    /// Whether there is no identifier to look up.
    #[inline]
    fn is_empty(&self) -> bool {
        self.jti().is_none() && self.sid().is_none() && self.sub().is_none()
    }
}

impl Ids for TokenIds<'_> {
    type Id = [u8];
    #[inline]
    fn exp(&self) -> Option<u64> {
        self.exp
    }
    #[inline]
    fn iat(&self) -> Option<u64> {
        self.iat
    }
    #[inline]
    fn ver(&self) -> Option<u64> {
        self.ver
    }
    #[inline]
    fn jti(&self) -> Option<&[u8]> {
        self.jti
    }
    #[inline]
    fn sid(&self) -> Option<&[u8]> {
        self.sid
    }
    #[inline]
    fn sub(&self) -> Option<&[u8]> {
        self.sub
    }
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
