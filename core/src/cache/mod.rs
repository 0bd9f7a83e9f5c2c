//! The verified-token cache: remembers that the signature of one exact
//! token verified under one key set, so that a token presented again skips
//! only its signature check (issue 15; docs/security.md, "The verified-token
//! cache").
//!
//! - **What an entry means.** "The token whose keyed hash is this verified
//!   its signature under key-set generation G." Nothing else is stored: no
//!   claims, no verdict. [`crate::Verifier::verify_cached`] runs every other
//!   check (header, algorithm allow-list, key lookup, claims, policy,
//!   denylist) on a hit exactly as on a miss, and inserts only after a
//!   verification that succeeded completely.
//! - **The key** is SipHash-1-3 with a 128-bit output over every byte of the
//!   token, keyed with a secret the caller provides (the core has no random
//!   source; `jwtgate-sync` draws it from the operating system). A token
//!   that differs in one byte hashes to an unrelated tag; without the key
//!   nobody can aim a forged token at a cached tag, and the tags never leave
//!   the cache. (SipHash-2-4 costs twice as much and would put an HS256 hit
//!   above 75% of an uncached HS256 verify: docs/decisions.md.)
//! - **Memory** is the caller's: a slice of [`CacheSlot`]s (a `static`
//!   array works: [`CacheSlot::new`] is `const`). Slots form buckets of
//!   [`WAYS`]; a tag has one bucket. An insert takes an empty slot, else a
//!   slot of another generation, else evicts the slot its tag selects.
//! - **Concurrency** without locks: every slot is a seqlock made of atomics
//!   (sequence, two hash words, generation). A reader that sees an odd
//!   sequence or a sequence that changed while it read treats the slot as a
//!   miss; a writer that cannot take a slot at once skips the insert.
//!   Readers never write shared memory but their statistics counter, which
//!   is spread over [`COUNTER_SHARDS`] cache lines by tag.

mod siphash;

use core::sync::atomic::{fence, AtomicU64, Ordering};

use siphash::{siphash128, SipKey};

/// Slots per bucket: a tag may live in any of the [`WAYS`] slots of its
/// bucket.
pub const WAYS: usize = 4;

/// Statistics counters are spread over this many cache lines, chosen by the
/// tag, so that threads hitting different tokens do not share one line.
pub const COUNTER_SHARDS: usize = 8;

/// One cache entry: a seqlock over a 128-bit tag and a generation. 32 bytes.
///
/// Invariant: `seq` is even while no writer holds the slot, and is 0 only
/// before the first insert; the other words are meaningful only when `seq`
/// read the same even, non-zero value before and after reading them.
#[derive(Debug)]
pub struct CacheSlot {
    seq: AtomicU64,
    tag0: AtomicU64,
    tag1: AtomicU64,
    generation: AtomicU64,
}

impl CacheSlot {
    /// An empty slot.
    pub const fn new() -> CacheSlot {
        CacheSlot {
            seq: AtomicU64::new(0),
            tag0: AtomicU64::new(0),
            tag1: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        }
    }

    /// The slot's generation if it holds `tag` (a consistent read), `None`
    /// if it holds another tag, is empty, or a writer holds it.
    #[inline]
    fn read(&self) -> Option<(u64, u64, u64)> {
        let before = self.seq.load(Ordering::Acquire);
        if before == 0 || before & 1 == 1 {
            return None;
        }
        let tag0 = self.tag0.load(Ordering::Relaxed);
        let tag1 = self.tag1.load(Ordering::Relaxed);
        let generation = self.generation.load(Ordering::Relaxed);
        // Orders the data loads before the second sequence load (the
        // seqlock reader of Boehm, "Can seqlocks get along with programming
        // language memory models?", 2012).
        fence(Ordering::Acquire);
        if self.seq.load(Ordering::Relaxed) != before {
            return None;
        }
        Some((tag0, tag1, generation))
    }

    /// Writes `tag` and `generation` unless another writer holds the slot
    /// or took it since `seen` was read; true if written.
    #[inline]
    fn write(&self, seen: u64, tag: Tag, generation: u64) -> bool {
        if seen & 1 == 1 {
            return false;
        }
        let Some(odd) = seen.checked_add(1) else {
            return false;
        };
        if self
            .seq
            .compare_exchange(seen, odd, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        // No data store may become visible before the odd sequence.
        fence(Ordering::Release);
        self.tag0.store(tag.0, Ordering::Relaxed);
        self.tag1.store(tag.1, Ordering::Relaxed);
        self.generation.store(generation, Ordering::Relaxed);
        self.seq.store(odd.wrapping_add(1), Ordering::Release);
        true
    }
}

impl Default for CacheSlot {
    fn default() -> Self {
        CacheSlot::new()
    }
}

/// The keyed 128-bit hash of one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag(u64, u64);

/// One cache line of counters.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    inserts: AtomicU64,
    evictions: AtomicU64,
}

/// A snapshot of a cache's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups that found the token's tag under the caller's generation.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Entries written after a successful verification.
    pub inserts: u64,
    /// Inserts that overwrote an entry of the current generation (one that
    /// could still have hit). Replacing empty slots or entries of another
    /// generation is not counted.
    pub evictions: u64,
}

/// A fixed-size, lock-free cache of verified token signatures over the
/// caller's slots `S` (`&[CacheSlot]`, `&[CacheSlot; N]`, or an owned
/// `Box<[CacheSlot]>`/`Vec<CacheSlot>` where `alloc` is available).
///
/// Share one `TokenCache` between the threads that verify with one key set
/// (it is `Sync`); pass [`crate::Verifier::verify_cached`] a generation
/// number that changes whenever that key set changes. Verifiers with
/// different key sets must not share a cache under one generation.
#[derive(Debug)]
pub struct TokenCache<S: AsRef<[CacheSlot]>> {
    slots: S,
    key: SipKeyDebug,
    buckets: u64,
    counters: [Counters; COUNTER_SHARDS],
}

/// The secret key, kept out of `Debug` output.
#[derive(Clone, Copy)]
struct SipKeyDebug(SipKey);

impl core::fmt::Debug for SipKeyDebug {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<secret>")
    }
}

impl<S: AsRef<[CacheSlot]>> TokenCache<S> {
    /// A cache over `slots` (whole buckets of [`WAYS`] are used; fewer than
    /// [`WAYS`] slots make a cache that never hits), keyed with `key`, which
    /// must be secret and random (16 bytes from the operating system's
    /// generator, for example).
    pub fn new(slots: S, key: [u8; 16]) -> TokenCache<S> {
        let buckets = u64::try_from(slots.as_ref().len() / WAYS).unwrap_or(0);
        TokenCache {
            slots,
            key: SipKeyDebug(SipKey::new(key)),
            buckets,
            counters: Default::default(),
        }
    }

    /// How many entries the cache can hold.
    pub fn capacity(&self) -> usize {
        self.slots.as_ref().len() / WAYS * WAYS
    }

    /// The keyed hash of every byte of `token`.
    #[inline]
    pub fn tag(&self, token: &[u8]) -> Tag {
        // SipHash-1-3: docs/decisions.md, "The verified-token cache's tag".
        let (a, b) = siphash128::<1, 3>(self.key.0, token);
        Tag(a, b)
    }

    /// The bucket of `tag` (empty when the cache has no whole bucket).
    #[inline]
    fn bucket(&self, tag: Tag) -> &[CacheSlot] {
        let index = tag.0.checked_rem(self.buckets).unwrap_or(0);
        let start = usize::try_from(index).unwrap_or(0).saturating_mul(WAYS);
        self.slots
            .as_ref()
            .get(start..start.saturating_add(WAYS))
            .unwrap_or(&[])
    }

    #[inline]
    fn counters(&self, tag: Tag) -> &Counters {
        // The top bits of the second word: independent of the bucket index.
        let shard = usize::try_from(tag.1 >> 61).unwrap_or(0) % COUNTER_SHARDS;
        let [first, ..] = &self.counters;
        self.counters.get(shard).unwrap_or(first)
    }

    /// True if `tag` was inserted under `generation` and is still cached.
    /// Counts a hit or a miss. Crate-private, as `insert`: only
    /// [`crate::Verifier::verify_cached`] decides what enters the cache, so
    /// no caller can mark a token as verified that did not verify.
    #[inline]
    pub(crate) fn lookup(&self, tag: Tag, generation: u64) -> bool {
        let hit = self
            .bucket(tag)
            .iter()
            .any(|slot| slot.read() == Some((tag.0, tag.1, generation)));
        let counter = if hit {
            &self.counters(tag).hits
        } else {
            &self.counters(tag).misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        hit
    }

    /// Records that the token of `tag` verified under `generation`. Skipped
    /// (silently) when a writer holds the chosen slot.
    pub(crate) fn insert(&self, tag: Tag, generation: u64) {
        let bucket = self.bucket(tag);
        // Prefer an empty slot, then one of another generation, then the
        // slot the tag selects (a pseudo-random replacement).
        let mut chosen = None;
        for slot in bucket {
            let seq = slot.seq.load(Ordering::Relaxed);
            match slot.read() {
                _ if seq == 0 => {
                    chosen = Some((slot, seq, false));
                    break;
                }
                // Already there (another thread inserted it).
                Some(entry) if entry == (tag.0, tag.1, generation) => return,
                Some((_, _, g)) if g != generation && chosen.is_none() => {
                    chosen = Some((slot, seq, false));
                }
                _ => {}
            }
        }
        let (slot, seq, evicts) = match chosen {
            Some(found) => found,
            None => {
                let way = usize::try_from(tag.1 & 0xff).unwrap_or(0) % WAYS;
                match bucket.get(way) {
                    Some(slot) => (slot, slot.seq.load(Ordering::Relaxed), true),
                    None => return,
                }
            }
        };
        if slot.write(seq, tag, generation) {
            let counters = self.counters(tag);
            counters.inserts.fetch_add(1, Ordering::Relaxed);
            if evicts {
                counters.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The counters, summed over their shards (each read on its own: a
    /// snapshot taken while others verify is not atomic as a whole).
    pub fn stats(&self) -> CacheStats {
        let mut stats = CacheStats::default();
        for c in &self.counters {
            stats.hits = stats.hits.wrapping_add(c.hits.load(Ordering::Relaxed));
            stats.misses = stats.misses.wrapping_add(c.misses.load(Ordering::Relaxed));
            stats.inserts = stats
                .inserts
                .wrapping_add(c.inserts.load(Ordering::Relaxed));
            stats.evictions = stats
                .evictions
                .wrapping_add(c.evictions.load(Ordering::Relaxed));
        }
        stats
    }

    /// The slots.
    pub fn slots(&self) -> &S {
        &self.slots
    }
}
