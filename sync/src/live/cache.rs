//! The verified-token cache of a [`crate::LiveVerifier`] (issue 15): a
//! [`TokenCache`] over owned slots, keyed with 16 bytes from the operating
//! system's generator, resizable while other threads verify.
//!
//! The generation a lookup passes is the configuration's
//! ([`crate::LiveConfig::generation`]): every key or policy change
//! ([`crate::LiveVerifier::set_keys`], `add_key`, `update_policy`, and so
//! every key source that installs keys through them) makes every entry
//! unreachable at once. The denylists, staleness, fail-closed rules and
//! counters run on every call, hit or miss (docs/security.md, "The
//! verified-token cache").

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwapOption;
use jwtgate::{CacheSlot, CacheStats, TokenCache};

/// Entries of a new [`crate::LiveVerifier`]'s cache: 4096 (128 KiB of
/// slots, 32 bytes each). docs/decisions.md, "The verified-token cache's
/// default size", says why.
pub const DEFAULT_CACHE_SIZE: usize = 4096;

/// The cache of one verifier.
pub(crate) type Cache = TokenCache<Box<[CacheSlot]>>;

/// The cache in force (none when its size is 0) and the counters of the
/// caches it replaced, so that the exported counters never go down.
#[derive(Default)]
pub(crate) struct LiveCache {
    current: ArcSwapOption<Cache>,
    retired: Mutex<CacheStats>,
}

impl std::fmt::Debug for LiveCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveCache")
            .field("capacity", &self.capacity())
            .field("stats", &self.stats())
            .finish()
    }
}

impl LiveCache {
    /// A cache of `entries` (rounded down to whole buckets of
    /// [`jwtgate::WAYS`]; 0: none).
    pub(crate) fn with_size(entries: usize) -> LiveCache {
        let cache = LiveCache::default();
        cache.resize(entries);
        cache
    }

    /// Replaces the cache with an empty one of `entries` (0: off). Without
    /// a random key from the operating system the cache stays off: a
    /// predictable key would let tokens be aimed at each other's tags.
    pub(crate) fn resize(&self, entries: usize) {
        let entries = entries / jwtgate::WAYS * jwtgate::WAYS;
        let next = match (entries, crate::random_seed()) {
            (0, _) | (_, Err(_)) => None,
            (n, Ok(key)) => {
                let slots: Box<[CacheSlot]> = (0..n).map(|_| CacheSlot::new()).collect();
                Some(Arc::new(TokenCache::new(slots, key)))
            }
        };
        let old = self.current.swap(next);
        if let Some(old) = old {
            let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
            *retired = add(*retired, old.stats());
        }
    }

    /// The cache in force, if any (for the configuration that carries it
    /// to the verify path).
    pub(crate) fn load_full(&self) -> Option<Arc<Cache>> {
        self.current.load_full()
    }

    /// Entries the cache in force holds at most (0: off).
    pub(crate) fn capacity(&self) -> usize {
        self.current
            .load()
            .as_deref()
            .map_or(0, TokenCache::capacity)
    }

    /// The counters since the verifier was built, across resizes.
    pub(crate) fn stats(&self) -> CacheStats {
        let retired = *self.retired.lock().unwrap_or_else(PoisonError::into_inner);
        match self.current.load().as_deref() {
            Some(cache) => add(retired, cache.stats()),
            None => retired,
        }
    }
}

fn add(a: CacheStats, b: CacheStats) -> CacheStats {
    CacheStats {
        hits: a.hits.wrapping_add(b.hits),
        misses: a.misses.wrapping_add(b.misses),
        inserts: a.inserts.wrapping_add(b.inserts),
        evictions: a.evictions.wrapping_add(b.evictions),
    }
}
