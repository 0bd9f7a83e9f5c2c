//! [`LiveConfig`]: the keys, policy, limits and static denylist in force,
//! immutable, swapped as a whole.

use std::sync::Arc;

use jwtgate::{KeySet, Limits, Policy, Verifier};

use super::cache::Cache;
use super::OwnedDenylist;

/// One immutable configuration of a [`crate::LiveVerifier`]: its keys,
/// policy and limits (as the core [`Verifier`] that checks tokens), its
/// static denylist, and a generation that every change of the keys or the
/// policy increments by one. One atomic load on the verify path reads it all,
/// the verified-token cache in force included.
#[derive(Clone)]
pub struct LiveConfig {
    pub(crate) verifier: Verifier<'static>,
    pub(crate) denylist: Option<OwnedDenylist>,
    pub(crate) generation: u64,
    /// The verified-token cache in force (`None`: off); the same one as the
    /// verifier's `LiveCache` holds, carried here to spare a second load.
    pub(crate) cache: Option<Arc<Cache>>,
    /// The key-miss wait in milliseconds (0: none); here so that the
    /// verify path reads it from the configuration it loads anyway.
    pub(crate) key_miss_wait_ms: u64,
}

impl std::fmt::Debug for LiveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveConfig")
            .field("verifier", &self.verifier)
            .field("denylist", &self.denylist)
            .field("generation", &self.generation)
            .field(
                "cache_entries",
                &self.cache.as_ref().map_or(0, |c| c.capacity()),
            )
            .finish()
    }
}

impl LiveConfig {
    /// The keys.
    pub fn keys(&self) -> &KeySet {
        self.verifier.keys()
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        self.verifier.policy()
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        self.verifier.limits()
    }

    /// 0 for the first configuration, one more for each change.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The static denylist, if one is attached.
    pub fn denylist(&self) -> Option<&OwnedDenylist> {
        self.denylist.as_ref()
    }

    /// The core verifier built from this configuration (without denylist).
    pub fn verifier(&self) -> &Verifier<'static> {
        &self.verifier
    }

    /// Whether some key has an algorithm the policy allows (a pending
    /// verifier's configuration has none: see
    /// [`crate::LiveVerifier::pending`]).
    pub fn is_usable(&self) -> bool {
        self.verifier.check_usable().is_ok()
    }
}
