//! Owned revocations ([`OwnedRevocation`], [`Kind`]) and [`RevocationSet`],
//! the authoritative in-memory list a service keeps and compiles into the
//! core's denylist format: a compact append-only log with a hash index
//! (`log.rs`) and the levelled denylists built from it (`set.rs`).

mod log;
mod set;

pub(crate) use set::build_denylist;
pub use set::{BuildOptions, FileImage, RevocationSet, SharedRevocations};

#[cfg(doc)]
use jwtgate::Retention;
use jwtgate::{Revocation, RevocationKind, TokenIds};

use crate::SyncError;

/// The largest identifier accepted (bytes). Claims longer than this cannot
/// appear in a token the default limits accept anyway.
pub const MAX_ID_LEN: usize = 1024;

/// Largest number a bound may be: Redis scripts compute in doubles.
const MAX_EXACT: u64 = 1 << 53;

/// What a revocation is keyed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// One token, by `jti`.
    Token,
    /// Every token of a session, by `sid`.
    Session,
    /// Every token of a subject (`sub`) below a time or version bound.
    Subject,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Token, Kind::Session, Kind::Subject];

    /// The one-letter tag used in Redis keys and stream entries.
    pub const fn tag(self) -> &'static str {
        match self {
            Kind::Token => "t",
            Kind::Session => "s",
            Kind::Subject => "u",
        }
    }

    /// The kind for a tag written by [`Kind::tag`].
    pub fn from_tag(tag: &[u8]) -> Option<Kind> {
        match tag {
            b"t" => Some(Kind::Token),
            b"s" => Some(Kind::Session),
            b"u" => Some(Kind::Subject),
            _ => None,
        }
    }

    /// `token`, `session` or `subject`.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Token => "token",
            Kind::Session => "session",
            Kind::Subject => "subject",
        }
    }

    /// The kind named by [`Kind::name`].
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The core's name for what a revocation of this kind revoked.
    pub const fn revocation_kind(self) -> RevocationKind {
        match self {
            Kind::Token => RevocationKind::Token,
            Kind::Session => RevocationKind::Session,
            Kind::Subject => RevocationKind::Subject,
        }
    }
}

/// One revocation, owning its identifier: the unit the store writes, the
/// stream carries and [`RevocationSet`] keeps.
///
/// `until` is the latest `exp` of any token it revokes: every matching
/// token with `exp <= until` (or without `exp`) is revoked. The revocation
/// is kept until `until + max_leeway` ([`Retention`]), then dropped
/// everywhere (Redis key expiry, rebuilt denylists). For a subject,
/// tokens with `iat < issued_before` or `ver < below_version` are revoked;
/// a bound of 0 is unused. Token and session revocations keep both bounds 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnedRevocation {
    /// What the identifier is.
    pub kind: Kind,
    /// The `jti`, `sid` or `sub` value, unescaped.
    pub id: Vec<u8>,
    /// Tokens with `exp` at or before this (seconds since the epoch) are revoked.
    pub until: u64,
    /// Subject only: tokens issued before this are revoked (0: unused).
    pub issued_before: u64,
    /// Subject only: tokens with a lower `ver` are revoked (0: unused).
    pub below_version: u64,
}

impl OwnedRevocation {
    /// Revokes one token (logout of one token, a stolen token, a used
    /// refresh token): every token with this `jti` and `exp <= until`.
    /// `until` need not be the token's exact `exp`, only at or after it.
    pub fn token(jti: impl Into<Vec<u8>>, until: u64) -> Self {
        Self::new(Kind::Token, jti.into(), until, 0, 0)
    }

    /// Revokes every token of a session (logout on one device) until
    /// `until`, the latest `exp` any token of the session can have.
    pub fn session(sid: impl Into<Vec<u8>>, until: u64) -> Self {
        Self::new(Kind::Session, sid.into(), until, 0, 0)
    }

    /// Revokes every token of `sub` issued before `issued_before` ("log out
    /// everywhere", `lastLogoutTime`), until `until`.
    pub fn subject_before(sub: impl Into<Vec<u8>>, issued_before: u64, until: u64) -> Self {
        Self::new(Kind::Subject, sub.into(), until, issued_before, 0)
    }

    /// Revokes every token of `sub` whose `ver` is below `below_version`
    /// (token versioning: the user's version was bumped to `below_version`).
    pub fn subject_below_version(sub: impl Into<Vec<u8>>, below_version: u64, until: u64) -> Self {
        Self::new(Kind::Subject, sub.into(), until, 0, below_version)
    }

    fn new(kind: Kind, id: Vec<u8>, until: u64, issued_before: u64, below_version: u64) -> Self {
        OwnedRevocation {
            kind,
            id,
            until,
            issued_before,
            below_version,
        }
    }

    /// The core's borrowed form, for [`DenylistBuilder`](jwtgate::DenylistBuilder).
    pub fn as_core(&self) -> Revocation<'_> {
        match self.kind {
            Kind::Token => Revocation::Token {
                jti: &self.id,
                until: self.until,
            },
            Kind::Session => Revocation::Session {
                sid: &self.id,
                until: self.until,
            },
            Kind::Subject => Revocation::Subject {
                sub: &self.id,
                issued_before: self.issued_before,
                below_version: self.below_version,
                until: self.until,
            },
        }
    }

    /// Checks what the store and the wire require.
    pub fn validate(&self) -> Result<(), SyncError> {
        if self.id.is_empty() {
            return Err(SyncError::InvalidRevocation("empty identifier"));
        }
        if self.id.len() > MAX_ID_LEN {
            return Err(SyncError::InvalidRevocation(
                "identifier longer than 1024 bytes",
            ));
        }
        if self.until == 0 {
            return Err(SyncError::InvalidRevocation("until is 0"));
        }
        if self.until >= MAX_EXACT
            || self.issued_before >= MAX_EXACT
            || self.below_version >= MAX_EXACT
        {
            return Err(SyncError::InvalidRevocation("a bound is 2^53 or more"));
        }
        match self.kind {
            Kind::Subject if self.issued_before == 0 && self.below_version == 0 => {
                Err(SyncError::InvalidRevocation(
                    "a subject revocation needs issued_before or below_version",
                ))
            }
            Kind::Token | Kind::Session if self.issued_before != 0 || self.below_version != 0 => {
                Err(SyncError::InvalidRevocation(
                    "only subject revocations have bounds",
                ))
            }
            _ => Ok(()),
        }
    }

    /// The bounds as stored in Redis: `"until issued_before below_version"`.
    pub fn encode_value(&self) -> String {
        format!(
            "{} {} {}",
            self.until, self.issued_before, self.below_version
        )
    }

    /// Reads a value written by [`OwnedRevocation::encode_value`].
    pub(crate) fn decode_value(kind: Kind, id: Vec<u8>, value: &[u8]) -> Result<Self, SyncError> {
        let bad = || {
            SyncError::Protocol(format!(
                "bad revocation value {:?}",
                String::from_utf8_lossy(value)
            ))
        };
        let text = std::str::from_utf8(value).map_err(|_| bad())?;
        let mut parts = text.split(' ').map(|p| p.parse::<u64>().map_err(|_| bad()));
        let until = parts.next().ok_or_else(bad)??;
        let issued_before = parts.next().ok_or_else(bad)??;
        let below_version = parts.next().ok_or_else(bad)??;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self::new(kind, id, until, issued_before, below_version))
    }

    /// Whether this revocation, taken exactly, revokes a token with these
    /// identifiers: a matching identifier and `exp <= until` (or no `exp`).
    /// The time is not consulted: a revocation applies for as long as it
    /// is held (until `until + max_leeway`, when holders drop it), expired
    /// tokens included, like the core's denylist.
    pub fn revokes(&self, ids: &TokenIds<'_>, _now: u64) -> bool {
        if ids.exp.is_some_and(|exp| exp > self.until) {
            return false;
        }
        let id = Some(self.id.as_slice());
        match self.kind {
            Kind::Token => ids.jti == id,
            Kind::Session => ids.sid == id,
            Kind::Subject => {
                ids.sub == id && {
                    let by_time = self.issued_before != 0
                        && ids.iat.is_none_or(|iat| iat < self.issued_before);
                    let by_version =
                        self.below_version != 0 && ids.ver.unwrap_or(0) < self.below_version;
                    by_time || by_version
                }
            }
        }
    }
}
