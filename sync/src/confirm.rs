//! Exact confirmation of denylist hits.
//!
//! With fingerprints (the default) a denylist hit is wrong about once in
//! 10^13; a denylist built without them (to save memory) is wrong about
//! once in a thousand. A [`Confirmer`] turns a hit into an exact answer by
//! asking the authoritative source: the follower's in-memory
//! [`crate::SharedRevocations`] (no network) or Redis itself
//! ([`crate::RedisStore`]). Only hits pay for it.

use jwtgate::{Claims, JsonStr, RevocationKind, TokenIds};

use crate::SyncError;

/// An exact source of revocations.
pub trait Confirmer: Send + Sync {
    /// What revokes a token with these identifiers at `now`: `Ok(None)`
    /// means the denylist hit was a false positive. An `Err` keeps the
    /// rejection (the verifier fails closed).
    fn confirm(&self, ids: &TokenIds<'_>, now: u64) -> Result<Option<RevocationKind>, SyncError>;
}

impl Confirmer for crate::SharedRevocations {
    fn confirm(&self, ids: &TokenIds<'_>, now: u64) -> Result<Option<RevocationKind>, SyncError> {
        Ok(self.read().check(ids, now))
    }
}

/// A token's identifiers, unescaped and owned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedTokenIds {
    /// `exp`.
    pub exp: Option<u64>,
    /// `iat`.
    pub iat: Option<u64>,
    /// `ver`.
    pub ver: Option<u64>,
    /// `jti`.
    pub jti: Option<Vec<u8>>,
    /// `sid`.
    pub sid: Option<Vec<u8>>,
    /// `sub`.
    pub sub: Option<Vec<u8>>,
}

impl OwnedTokenIds {
    /// The borrowed form the core and [`Confirmer`] take.
    pub fn as_ids(&self) -> TokenIds<'_> {
        TokenIds {
            exp: self.exp,
            iat: self.iat,
            ver: self.ver,
            jti: self.jti.as_deref(),
            sid: self.sid.as_deref(),
            sub: self.sub.as_deref(),
        }
    }
}

fn unescaped(s: Option<JsonStr<'_>>) -> Option<Vec<u8>> {
    let s = s?;
    if let Some(plain) = s.as_str() {
        return Some(plain.as_bytes().to_vec());
    }
    let mut out = vec![0u8; s.unescaped_len()];
    s.unescape_into(&mut out)
        .ok()
        .map(|t| t.as_bytes().to_vec())
}

/// The identifiers of verified claims, unescaped: what the denylist hashes.
pub fn token_ids_of(claims: &Claims<'_>) -> OwnedTokenIds {
    OwnedTokenIds {
        exp: claims.exp(),
        iat: claims.iat(),
        ver: claims.ver(),
        jti: unescaped(claims.jti()),
        sid: unescaped(claims.sid()),
        sub: unescaped(claims.sub()),
    }
}
