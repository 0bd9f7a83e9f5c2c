//! [`Log`]: the revocations a [`super::RevocationSet`] holds, in a compact
//! append-only form.
//!
//! Every change appends one 12-byte record (`Rec`) in arrival order; the
//! identifiers live once each in one byte arena; an open-addressing table
//! of `u32` record numbers finds the newest record of an identifier. A
//! widened revocation appends a new record pointing at the same arena bytes
//! and marks the old one dead. Subject bounds, the only other data, sit in
//! a side map keyed by record number (as is an `until` after 2106). About
//! `20 + id length` bytes per revocation, against about 100 for a
//! `HashMap<(Kind, Vec<u8>), _>`.
//!
//! Arrival order is what makes the levels cheap: a level of the denylist is
//! a contiguous range of records, rebuilt from the log without a copy.

use std::collections::HashMap;
use std::hash::BuildHasher as _;

use jwtgate::Retention;

use super::{Kind, OwnedRevocation};

/// Records and arena bytes are stored in fixed-size chunks: growing never
/// copies, and never frees a large block into the allocator (a doubling
/// `Vec` would leave its old half behind as fragmentation).
const REC_CHUNK: usize = 1 << 16;
const ARENA_CHUNK: usize = 1 << 20;

/// A vector of `T` in chunks of [`REC_CHUNK`].
#[derive(Clone, Debug)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Copy> Chunked<T> {
    fn len(&self) -> usize {
        self.len
    }
    fn get(&self, n: usize) -> Option<&T> {
        self.chunks.get(n / REC_CHUNK)?.get(n % REC_CHUNK)
    }
    fn get_mut(&mut self, n: usize) -> Option<&mut T> {
        self.chunks.get_mut(n / REC_CHUNK)?.get_mut(n % REC_CHUNK)
    }
    fn push(&mut self, v: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < REC_CHUNK => c.push(v),
            _ => {
                let mut c = Vec::with_capacity(REC_CHUNK);
                c.push(v);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }
    fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }
    fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum::<usize>() * std::mem::size_of::<T>()
    }
}

/// Identifier bytes in chunks of [`ARENA_CHUNK`]; an identifier never
/// straddles two chunks. Offsets are `chunk * ARENA_CHUNK + position`.
#[derive(Clone, Debug, Default)]
struct Arena {
    chunks: Vec<Vec<u8>>,
}

impl Arena {
    fn get(&self, off: usize, len: usize) -> Option<&[u8]> {
        let c = self.chunks.get(off / ARENA_CHUNK)?;
        let at = off % ARENA_CHUNK;
        c.get(at..at.checked_add(len)?)
    }
    /// Appends `id` and returns its offset.
    fn push(&mut self, id: &[u8]) -> usize {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.len() + id.len() <= ARENA_CHUNK);
        if !fits {
            self.chunks
                .push(Vec::with_capacity(ARENA_CHUNK.max(id.len())));
        }
        let index = self.chunks.len() - 1;
        let Some(c) = self.chunks.last_mut() else {
            return 0;
        };
        let off = index * ARENA_CHUNK + c.len();
        c.extend_from_slice(id);
        off
    }
    fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum()
    }
}

/// Marks a superseded record in `Rec::len`.
const DEAD: u16 = 1 << 15;

/// An `until` too large for [`Rec::until`] (after 2106): the real one is
/// in [`Log::long_until`].
const LONG_UNTIL: u32 = u32::MAX;

/// One record: 12 bytes.
#[derive(Clone, Copy, Debug)]
struct Rec {
    /// `until`, or [`LONG_UNTIL`].
    until: u32,
    /// Low 32 bits of the arena offset.
    off: u32,
    /// Identifier length, with [`DEAD`].
    len: u16,
    kind: u8,
    /// Bits 32-39 of the arena offset.
    off_hi: u8,
}

impl Rec {
    fn offset(&self) -> usize {
        usize::try_from(u64::from(self.off) | (u64::from(self.off_hi) << 32)).unwrap_or(usize::MAX)
    }
    fn id_len(&self) -> usize {
        usize::from(self.len & !DEAD)
    }
    fn is_dead(&self) -> bool {
        self.len & DEAD != 0
    }
}

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Token => 0,
        Kind::Session => 1,
        Kind::Subject => 2,
    }
}

fn kind_of(code: u8) -> Kind {
    match code {
        0 => Kind::Token,
        1 => Kind::Session,
        _ => Kind::Subject,
    }
}

/// One revocation as the log holds it (borrowed identifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    pub kind: Kind,
    pub id: &'a [u8],
    pub until: u64,
    pub issued_before: u64,
    pub below_version: u64,
}

impl<'a> Entry<'a> {
    pub fn owned(self) -> OwnedRevocation {
        OwnedRevocation {
            kind: self.kind,
            id: self.id.to_vec(),
            until: self.until,
            issued_before: self.issued_before,
            below_version: self.below_version,
        }
    }

    pub fn as_core(&self) -> jwtgate::Revocation<'a> {
        match self.kind {
            Kind::Token => jwtgate::Revocation::Token {
                jti: self.id,
                until: self.until,
            },
            Kind::Session => jwtgate::Revocation::Session {
                sid: self.id,
                until: self.until,
            },
            Kind::Subject => jwtgate::Revocation::Subject {
                sub: self.id,
                issued_before: self.issued_before,
                below_version: self.below_version,
                until: self.until,
            },
        }
    }
}

/// The append-only revocation log with its index (see the module
/// documentation).
#[derive(Debug, Default)]
pub(crate) struct Log {
    arena: Arena,
    recs: Chunked<Rec>,
    /// Subject bounds `(issued_before, below_version)` by record number.
    bounds: HashMap<u32, (u64, u64)>,
    /// `until` of the records whose own field says [`LONG_UNTIL`].
    long_until: HashMap<u32, u64>,
    /// Record number + 1 of each identifier's newest record; 0: empty.
    index: Vec<u32>,
    /// Distinct identifiers held.
    distinct: usize,
    hasher: std::collections::hash_map::RandomState,
}

impl Log {
    /// Records appended so far (live and dead).
    pub fn records(&self) -> usize {
        self.recs.len()
    }

    /// Distinct identifiers held.
    pub fn distinct(&self) -> usize {
        self.distinct
    }

    /// Bytes of heap held (capacity), for the memory figures.
    pub fn heap_bytes(&self) -> usize {
        self.arena.heap_bytes()
            + self.recs.heap_bytes()
            + self.index.capacity() * 4
            + self.bounds.capacity() * 24
            + self.long_until.capacity() * 16
    }

    /// The `until` of record `n`.
    fn until_of(&self, n: usize, rec: &Rec) -> u64 {
        if rec.until != LONG_UNTIL {
            return u64::from(rec.until);
        }
        u32::try_from(n)
            .ok()
            .and_then(|k| self.long_until.get(&k).copied())
            .unwrap_or(u64::MAX)
    }

    fn hash(&self, kind: Kind, id: &[u8]) -> usize {
        let h = self.hasher.hash_one((kind_code(kind), id));
        usize::try_from(h).unwrap_or(usize::MAX)
    }

    fn id_of(&self, rec: &Rec) -> &[u8] {
        self.arena
            .get(rec.offset(), rec.id_len())
            .unwrap_or_default()
    }

    /// The slot holding `(kind, id)`, or the empty slot where it would go.
    fn slot(&self, kind: Kind, id: &[u8]) -> Option<usize> {
        let mask = self.index.len().checked_sub(1)?;
        let mut i = self.hash(kind, id) & mask;
        let code = kind_code(kind);
        loop {
            let n = *self.index.get(i)?;
            if n == 0 {
                return Some(i);
            }
            let rec = self.recs.get(usize::try_from(n - 1).ok()?)?;
            if rec.kind == code && self.id_of(rec) == id {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The entry of record `n`.
    pub fn entry(&self, n: usize) -> Option<Entry<'_>> {
        let rec = self.recs.get(n)?;
        let (issued_before, below_version) = match rec.kind {
            2 => u32::try_from(n)
                .ok()
                .and_then(|k| self.bounds.get(&k).copied())
                .unwrap_or((0, 0)),
            _ => (0, 0),
        };
        Some(Entry {
            kind: kind_of(rec.kind),
            id: self.id_of(rec),
            until: self.until_of(n, rec),
            issued_before,
            below_version,
        })
    }

    /// Whether record `n` was superseded by a wider one.
    pub fn is_dead(&self, n: usize) -> bool {
        self.recs.get(n).is_none_or(Rec::is_dead)
    }

    /// The newest record number for an identifier.
    fn find(&self, kind: Kind, id: &[u8]) -> Option<usize> {
        let slot = self.slot(kind, id)?;
        let n = *self.index.get(slot)?;
        usize::try_from(n.checked_sub(1)?).ok()
    }

    /// The newest entry for an identifier.
    pub fn get(&self, kind: Kind, id: &[u8]) -> Option<Entry<'_>> {
        self.entry(self.find(kind, id)?)
    }

    /// Merges `rev` in (bounds only widen). Returns whether anything
    /// changed; a change appends a record.
    pub fn insert(&mut self, rev: &OwnedRevocation) -> bool {
        let Ok(len) = u16::try_from(rev.id.len()) else {
            return false;
        };
        if len & DEAD != 0 || u32::try_from(self.recs.len() + 1).is_err() {
            return false;
        }
        let old = self.find(rev.kind, &rev.id);
        let (mut until, mut ib, mut bv) = (rev.until, rev.issued_before, rev.below_version);
        let (off, off_hi) = match old.and_then(|n| Some((n, *self.recs.get(n)?))) {
            Some((n, rec)) => {
                let e = self
                    .entry(n)
                    .map(|e| (e.until, e.issued_before, e.below_version));
                let (ou, oi, ov) = e.unwrap_or_default();
                if ou >= until && oi >= ib && ov >= bv {
                    return false;
                }
                (until, ib, bv) = (until.max(ou), ib.max(oi), bv.max(ov));
                if let Some(r) = self.recs.get_mut(n) {
                    r.len |= DEAD;
                }
                (rec.off, rec.off_hi)
            }
            None => {
                let at = u64::try_from(self.arena.push(&rev.id)).unwrap_or(u64::MAX);
                let (Ok(lo), Ok(hi)) = (u32::try_from(at & 0xffff_ffff), u8::try_from(at >> 32))
                else {
                    return false;
                };
                self.distinct += 1;
                (lo, hi)
            }
        };
        let n = self.recs.len();
        let short = u32::try_from(until).ok().filter(|u| *u != LONG_UNTIL);
        self.recs.push(Rec {
            until: short.unwrap_or(LONG_UNTIL),
            off,
            len,
            kind: kind_code(rev.kind),
            off_hi,
        });
        if rev.kind == Kind::Subject {
            if let Ok(k) = u32::try_from(n) {
                self.bounds.insert(k, (ib, bv));
            }
        }
        if short.is_none() {
            if let Ok(k) = u32::try_from(n) {
                self.long_until.insert(k, until);
            }
        }
        if let Some(old) = old.and_then(|o| u32::try_from(o).ok()) {
            self.bounds.remove(&old);
            self.long_until.remove(&old);
        }
        self.grow_if_needed();
        if let Some(slot) = self.slot(rev.kind, &rev.id) {
            if let Some(s) = self.index.get_mut(slot) {
                *s = u32::try_from(n + 1).unwrap_or(0);
            }
        }
        true
    }

    fn grow_if_needed(&mut self) {
        // Load factor at most 3/4.
        if (self.distinct + 1) * 4 <= self.index.len() * 3 {
            return;
        }
        let cap = (self.index.len() * 2).max(64);
        let mut index = vec![0u32; cap];
        let mask = cap - 1;
        for (n, rec) in self.recs.iter().enumerate() {
            if rec.is_dead() {
                continue;
            }
            let mut i = self.hash(kind_of(rec.kind), self.id_of(rec)) & mask;
            while index.get(i).is_some_and(|s| *s != 0) {
                i = (i + 1) & mask;
            }
            if let Some(s) = index.get_mut(i) {
                *s = u32::try_from(n + 1).unwrap_or(0);
            }
        }
        self.index = index;
    }

    /// A copy without the index: enough to list entries, not to look up.
    pub fn frozen(&self) -> Log {
        Log {
            arena: self.arena.clone(),
            recs: self.recs.clone(),
            bounds: self.bounds.clone(),
            long_until: self.long_until.clone(),
            index: Vec::new(),
            distinct: self.distinct,
            hasher: self.hasher.clone(),
        }
    }

    /// Records that are dead or out of force at `now`.
    pub fn garbage(&self, retention: &Retention, now: u64) -> usize {
        self.recs
            .iter()
            .enumerate()
            .filter(|(n, r)| r.is_dead() || !retention.in_force(self.until_of(*n, r), now))
            .count()
    }

    /// A new log of the live entries in force only, in the same order.
    pub fn compacted(&self, retention: &Retention, now: u64) -> Log {
        let mut out = Log {
            hasher: self.hasher.clone(),
            ..Log::default()
        };
        for n in 0..self.recs.len() {
            if self.is_dead(n) {
                continue;
            }
            if let Some(e) = self.entry(n).filter(|e| retention.in_force(e.until, now)) {
                out.insert(&e.owned());
            }
        }
        out
    }

    /// The live (newest, in force) entries of records `range`.
    pub fn live_in<'a>(
        &'a self,
        range: std::ops::Range<usize>,
        retention: &Retention,
        now: u64,
    ) -> impl Iterator<Item = Entry<'a>> + 'a {
        let retention = *retention;
        range
            .filter(|n| !self.is_dead(*n))
            .filter_map(|n| self.entry(n))
            .filter(move |e| retention.in_force(e.until, now))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn chunks_widening_and_compaction() {
        let mut log = Log::default();
        let n = REC_CHUNK * 2 + 17;
        // Long enough identifiers to fill more than one arena chunk.
        let id = |i: usize| format!("{i:0>20}-{}", "x".repeat(i % 7));
        for i in 0..n {
            assert!(log.insert(&OwnedRevocation::token(
                id(i),
                1000 + u64::try_from(i % 50).unwrap()
            )));
        }
        assert!(log.arena.chunks.len() >= 2, "crosses arena chunks");
        assert_eq!(log.distinct(), n);
        // Duplicates and narrower ones change nothing; wider ones append.
        assert!(!log.insert(&OwnedRevocation::token(id(5), 1000)));
        assert!(log.insert(&OwnedRevocation::token(id(5), 5000)));
        assert!(log.insert(&OwnedRevocation::subject_before("s", 10, 2000)));
        assert!(log.insert(&OwnedRevocation::subject_below_version("s", 3, 1500)));
        assert_eq!(log.records(), n + 3);
        assert_eq!(log.distinct(), n + 1);
        assert!(log.is_dead(5));
        let s = log.get(Kind::Subject, b"s").unwrap();
        assert_eq!((s.until, s.issued_before, s.below_version), (2000, 10, 3));
        for i in (0..n).step_by(997) {
            assert_eq!(
                log.get(Kind::Token, id(i).as_bytes()).unwrap().id,
                id(i).as_bytes()
            );
        }
        assert!(log.get(Kind::Session, id(1).as_bytes()).is_none());
        // Compaction at 1025 (no leeway) drops those out of force (until
        // < 1025) and the dead.
        let exact = Retention {
            max_leeway: 0,
            ..Retention::DEFAULT
        };
        let c = log.compacted(&exact, 1025);
        let kept = (0..n)
            .filter(|i| 1000 + (i % 50) >= 1025 || *i == 5)
            .count()
            + 1;
        assert_eq!(c.distinct(), kept);
        assert_eq!(c.records(), kept);
        assert_eq!(c.get(Kind::Token, id(5).as_bytes()).unwrap().until, 5000);
        assert!(c.get(Kind::Token, id(0).as_bytes()).is_none());
        assert_eq!(c.live_in(0..c.records(), &exact, 1025).count(), kept);
    }

    #[test]
    fn until_after_2106_is_kept_whole() {
        let mut log = Log::default();
        let far = u64::from(u32::MAX) + 7;
        assert!(log.insert(&OwnedRevocation::token("a", far)));
        assert!(log.insert(&OwnedRevocation::token("b", u64::from(u32::MAX))));
        assert!(log.insert(&OwnedRevocation::token("c", 1000)));
        let until = |log: &Log, id: &[u8]| log.get(Kind::Token, id).unwrap().until;
        assert_eq!(until(&log, b"a"), far);
        assert_eq!(until(&log, b"b"), u64::from(u32::MAX));
        // Widening a short one past 2106 and compacting keep it exact.
        assert!(log.insert(&OwnedRevocation::token("c", far + 1)));
        assert_eq!(until(&log, b"c"), far + 1);
        assert_eq!(log.long_until.len(), 3);
        let c = log.compacted(&Retention::DEFAULT, 0);
        assert_eq!(until(&c, b"a"), far);
        assert_eq!(until(&c, b"c"), far + 1);
        assert_eq!(log.garbage(&Retention::DEFAULT, far + 1000), 4);
        assert_eq!(std::mem::size_of::<Rec>(), 12);
    }
}
