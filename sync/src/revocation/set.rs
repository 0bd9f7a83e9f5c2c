//! [`RevocationSet`]: the exact revocations a service holds, and the
//! levelled denylists compiled from them.
//!
//! The records live in a [`Log`] in arrival order. The published
//! [`Snapshot`] is a list of *levels*: denylists each built from one
//! contiguous range of records, oldest and largest first. New records form
//! a new level; before it is built, the newest levels are merged into it
//! while the newest is no more than [`BuildOptions::merge_factor`] times
//! the size of what is being built (a geometric merge, as in an LSM tree).
//! Level sizes therefore shrink by more than the factor from one level to
//! the next: at most about `log_factor(n)` levels, and each record is
//! rebuilt about `log_factor(n)` times over its life instead of once per
//! compaction of the whole set. A full compaction (a new log without dead
//! or expired records, one level) runs only when at least half the records
//! are garbage, checked every [`BuildOptions::compact_interval`].

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::{Duration, Instant};

use jwtgate::{DenylistBuilder, DenylistConfig, Retention, Revocation, RevocationKind, TokenIds};

use super::log::{Entry, Log};
use super::{Kind, OwnedRevocation};
use crate::snapshot::{DenylistState, Level, Snapshot};
use crate::SyncError;

/// How [`RevocationSet`] compiles denylists and when it merges and compacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    /// Segment width in seconds ([`DenylistConfig::segment_width`]).
    pub segment_width: u64,
    /// Bloom bits per key ([`DenylistConfig::bloom_bits_per_entry`]).
    pub bloom_bits_per_entry: u32,
    /// Store 64-bit fingerprints so that hits are exact in practice.
    pub fingerprints: bool,
    /// A newer level is merged into the one being built while it holds no
    /// more than this many times the records of the build (at least 2).
    /// Larger: fewer levels for a reader to check, more rebuilding.
    pub merge_factor: usize,
    /// The most records one level covers: a merge that would exceed it is
    /// not made, and a larger range is built as several levels. Bounds the
    /// memory a build needs at once (about 70 bytes per record while it
    /// runs) at the price of a few more levels for a reader to check.
    pub max_level: usize,
    /// How often to check whether half the records are garbage (out of
    /// force or superseded), and if so compact everything.
    pub compact_interval: Duration,
    /// How long revocations are kept after their `until`
    /// ([`Retention::max_leeway`]). Its `max_token_lifetime` is not applied
    /// to what a set receives: the revoking side bounded it already, and a
    /// follower never refuses what its authority accepted.
    pub retention: Retention,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            segment_width: DenylistConfig::DEFAULT_SEGMENT_WIDTH,
            bloom_bits_per_entry: DenylistConfig::DEFAULT_BITS_PER_ENTRY,
            fingerprints: true,
            merge_factor: 4,
            max_level: 1 << 18,
            compact_interval: Duration::from_secs(60),
            retention: Retention::DEFAULT,
        }
    }
}

/// The authoritative set of live revocations a service holds, deduplicated
/// (a second revocation of the same identifier keeps the larger bounds: a
/// revocation never un-revokes), pruned as revocations expire, and compiled
/// into a [`Snapshot`] of levelled denylists (see the module documentation
/// of `revocation::set`).
#[derive(Debug)]
pub struct RevocationSet {
    log: Log,
    /// Built levels, oldest first; their ranges tile `0..built_end`.
    levels: Vec<Level>,
    options: BuildOptions,
    sequence: u64,
    last_check: Option<Instant>,
    /// The [`SharedRevocations`] holding this set, if any: its levels are
    /// then built without fingerprints, in one segment, and the snapshots
    /// it publishes confirm their hits against it (see [`LEVEL_WIDTH`]).
    shared: Weak<RwLock<RevocationSet>>,
    /// The seed every level shares until the next compaction, so that a
    /// verification hashes a token's identifiers once for all levels.
    seed: Option<[u8; 16]>,
    /// Incremented whenever `levels` changes (a planned build checks it).
    levels_version: u64,
}

/// The segment width of a confirmed level: wide enough that every `until`
/// below 2^40 s falls in one window. Confirmed against the exact set, a
/// level need not encode `until` in its segments (the set compares it
/// exactly), so one segment holds each entry once instead of once per
/// window up to its `until` (format 3's rule).
const LEVEL_WIDTH: u64 = 1 << 40;

impl Default for RevocationSet {
    fn default() -> Self {
        Self::new(BuildOptions::default())
    }
}

impl RevocationSet {
    /// An empty set.
    pub fn new(options: BuildOptions) -> Self {
        RevocationSet {
            log: Log::default(),
            levels: Vec::new(),
            options,
            sequence: 0,
            last_check: None,
            shared: Weak::new(),
            seed: None,
            levels_version: 0,
        }
    }

    /// Whether this set is held by a [`SharedRevocations`], so that the
    /// snapshots it publishes can confirm hits against it.
    fn confirmable(&self) -> bool {
        self.shared.strong_count() > 0
    }

    /// Build options and seed of the next level: a shared set's levels
    /// have no fingerprints and one segment (hits are confirmed against
    /// the set, see [`crate::Snapshot`]), and all share one seed.
    fn level_options(&mut self) -> Result<(BuildOptions, [u8; 16]), SyncError> {
        let seed = match self.seed {
            Some(seed) => seed,
            None => *self.seed.insert(crate::random_seed()?),
        };
        let mut options = self.options;
        if self.confirmable() {
            options.fingerprints = false;
            options.segment_width = LEVEL_WIDTH;
        }
        Ok((options, seed))
    }

    /// The build options.
    pub fn options(&self) -> &BuildOptions {
        &self.options
    }

    /// Makes every later build's sequence number larger than `floor` (for
    /// a writer that must continue after a file it finds).
    pub fn set_sequence_floor(&mut self, floor: u64) {
        self.sequence = self.sequence.max(floor);
    }

    /// The sequence number of the last build.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Adds a revocation, merging with one already held for the same
    /// identifier. Returns whether the set changed (false for a duplicate or
    /// a revocation already out of force at `now`: `until + max_leeway <
    /// now`). O(1) amortised.
    pub fn insert(&mut self, rev: OwnedRevocation, now: u64) -> bool {
        if !self.options.retention.in_force(rev.until, now) {
            return false;
        }
        self.log.insert(&rev)
    }

    /// Drops revocations out of force at `now` (`until + max_leeway <
    /// now`): a full compaction of the records; the levels are rebuilt on
    /// the next publish. Returns how many identifiers were dropped.
    pub fn prune(&mut self, now: u64) -> usize {
        let before = self.log.distinct();
        self.log = self.log.compacted(&self.options.retention, now);
        self.levels.clear();
        self.levels_version += 1;
        before.saturating_sub(self.log.distinct())
    }

    /// The number of revocations held.
    pub fn len(&self) -> usize {
        self.log.distinct()
    }

    /// Whether no revocation is held.
    pub fn is_empty(&self) -> bool {
        self.log.distinct() == 0
    }

    /// The number of records not yet in a published level.
    pub fn pending_len(&self) -> usize {
        self.log.records().saturating_sub(self.built_end())
    }

    /// The number of levels last published.
    pub fn level_count(&self) -> usize {
        self.levels.len()
    }

    /// Heap bytes held by the records and their index (not the denylists).
    pub fn heap_bytes(&self) -> usize {
        self.log.heap_bytes()
    }

    fn built_end(&self) -> usize {
        self.levels.last().map_or(0, |l| l.end)
    }

    /// Every revocation held.
    pub fn iter(&self) -> impl Iterator<Item = OwnedRevocation> + '_ {
        self.log
            .live_in(0..self.log.records(), &Retention::DEFAULT, 0)
            .map(Entry::owned)
    }

    /// The revocation held for this identifier.
    pub fn get(&self, kind: Kind, id: &[u8]) -> Option<OwnedRevocation> {
        self.log.get(kind, id).map(Entry::owned)
    }

    /// The exact answer: what revokes a token with these identifiers at `now`.
    pub fn check(&self, ids: &TokenIds<'_>, now: u64) -> Option<RevocationKind> {
        self.check_in_windows(ids, now, None)
    }

    /// What a format 3 denylist with fingerprints built from this set
    /// answers (without its one-in-10^13 collisions): [`RevocationSet::check`],
    /// and also a token whose `exp` is after `until` but in the same window
    /// of [`BuildOptions::segment_width`] seconds (format 3 rejects up to
    /// one window late: docs/denylist-format.md). How a follower's
    /// snapshot confirms the hits of its fingerprint-less levels, so that
    /// dropping fingerprints changes nothing a verifier answers.
    pub fn check_as_denylist(&self, ids: &TokenIds<'_>, now: u64) -> Option<RevocationKind> {
        self.check_in_windows(ids, now, Some(self.options.segment_width.max(1)))
    }

    fn check_in_windows(
        &self,
        ids: &TokenIds<'_>,
        now: u64,
        width: Option<u64>,
    ) -> Option<RevocationKind> {
        let probes = [
            (Kind::Token, ids.jti),
            (Kind::Session, ids.sid),
            (Kind::Subject, ids.sub),
        ];
        probes.into_iter().find_map(|(kind, id)| {
            let rev = self.get(kind, id?)?;
            let mut ids = *ids;
            if let (Some(w), Some(exp)) = (width, ids.exp) {
                // Windows start at multiples of the width (format 3's base).
                if exp > rev.until && exp / w == rev.until / w {
                    ids.exp = Some(rev.until);
                }
            }
            rev.revokes(&ids, now).then(|| kind.revocation_kind())
        })
    }

    /// Compiles every live revocation into one denylist (a fresh random
    /// seed, the next sequence number): what a snapshot file holds.
    pub fn build(&mut self, now: u64) -> Result<Vec<u8>, SyncError> {
        self.sequence += 1;
        build_file(&self.log, &self.options, self.sequence, now)
    }

    /// A copy of the records, to build a file from without holding the
    /// lock a follower needs (a memory copy: milliseconds at a million).
    /// Takes the next sequence number.
    pub fn file_image(&mut self) -> FileImage {
        self.sequence += 1;
        FileImage {
            log: self.log.frozen(),
            options: self.options,
            sequence: self.sequence,
            entries: self.log.distinct(),
        }
    }

    /// Whether the periodic garbage check is due.
    pub fn compaction_due(&self) -> bool {
        self.last_check
            .is_none_or(|t| t.elapsed() >= self.options.compact_interval)
    }

    /// When the periodic check is due and at least half the records are
    /// garbage (expired or superseded), compacts; returns whether it did.
    pub fn maintain(&mut self, state: &DenylistState, now: u64) -> Result<bool, SyncError> {
        if !self.prune_if_due(state, now) {
            return Ok(false);
        }
        self.publish(state, now)?;
        Ok(true)
    }

    /// The first half of a compaction, when due (see
    /// [`RevocationSet::maintain`]): prunes, drops the levels and the
    /// seed, counts it. The levels are rebuilt by the next publish.
    fn prune_if_due(&mut self, state: &DenylistState, now: u64) -> bool {
        if !self.compaction_due() {
            return false;
        }
        self.last_check = Some(Instant::now());
        let records = self.log.records();
        if records > 0 && self.log.garbage(&self.options.retention, now) * 2 >= records {
            self.start_compaction(state, now);
            return true;
        }
        false
    }

    fn start_compaction(&mut self, state: &DenylistState, now: u64) {
        self.prune(now);
        self.last_check = Some(Instant::now());
        self.seed = None;
        state
            .metrics()
            .compactions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Publishes the set to `state`: builds a level of the records added
    /// since the last publish, merged with the newest levels as the
    /// geometric rule says; or compacts everything when half the records
    /// are garbage (checked every `compact_interval`).
    pub fn publish(&mut self, state: &DenylistState, now: u64) -> Result<(), SyncError> {
        self.prune_if_due(state, now);
        if let Some(plan) = self.plan()? {
            let built = self.build_planned(&plan, now)?;
            self.commit(&plan, built);
        }
        state.install(self.snapshot()?);
        Ok(())
    }

    /// What the next publish builds: records `start..end` (the pending
    /// ones and the newest levels the geometric rule merges in), replacing
    /// the levels from `keep` on. Reserves the sequence numbers; `None`
    /// when nothing is pending.
    fn plan(&mut self) -> Result<Option<Plan>, SyncError> {
        let end = self.log.records();
        let mut start = self.built_end();
        if start == end && !self.levels.is_empty() {
            return Ok(None);
        }
        let factor = self.options.merge_factor.max(2);
        let max = self.options.max_level.max(1);
        let mut keep = self.levels.len();
        while let Some(last) = keep.checked_sub(1).and_then(|k| self.levels.get(k)) {
            let merged = last.len() + (end - start);
            if last.len() <= factor.saturating_mul(end - start) && merged <= max {
                start = last.start;
                keep -= 1;
            } else {
                break;
            }
        }
        let (options, seed) = self.level_options()?;
        let count = u64::try_from((end - start).div_ceil(max)).unwrap_or(u64::MAX);
        let plan = Plan {
            range: start..end,
            keep,
            version: self.levels_version,
            first_sequence: self.sequence + 1,
            options,
            seed,
        };
        self.sequence = self.sequence.saturating_add(count);
        Ok(Some(plan))
    }

    /// Builds the levels of `plan` (reads only: a shared set does this
    /// under its read lock, confirmations go on).
    fn build_planned(&self, plan: &Plan, now: u64) -> Result<Vec<Level>, SyncError> {
        let max = plan.options.max_level.max(1);
        let mut levels = Vec::new();
        let mut start = plan.range.start;
        let mut sequence = plan.first_sequence;
        while start < plan.range.end {
            let end = plan.range.end.min(start.saturating_add(max));
            let bytes = build_entries(
                self.log.live_in(start..end, &plan.options.retention, now),
                &plan.options,
                plan.seed,
                sequence,
                now,
            )?;
            levels.push(Level::new(start..end, bytes)?);
            sequence += 1;
            start = end;
        }
        Ok(levels)
    }

    /// Installs the levels built for `plan`, unless the levels changed
    /// since it was made (a compaction in between): returns whether it did.
    fn commit(&mut self, plan: &Plan, built: Vec<Level>) -> bool {
        if plan.version != self.levels_version {
            return false;
        }
        self.levels.truncate(plan.keep);
        self.levels.extend(built);
        self.levels_version += 1;
        true
    }

    fn snapshot(&self) -> Result<Snapshot, SyncError> {
        let exact = self.shared.upgrade().map(SharedRevocations);
        Snapshot::from_levels(&self.levels, self.log.distinct(), exact)
    }

    /// Prunes expired revocations, rebuilds the levels from everything
    /// held and installs them.
    pub fn compact(&mut self, state: &DenylistState, now: u64) -> Result<(), SyncError> {
        self.start_compaction(state, now);
        self.publish(state, now)
    }
}

/// A level build planned under the write lock, run under the read lock.
#[derive(Debug)]
struct Plan {
    range: std::ops::Range<usize>,
    /// Levels kept; the rest are replaced by the build.
    keep: usize,
    /// `RevocationSet::levels_version` when planned.
    version: u64,
    first_sequence: u64,
    options: BuildOptions,
    seed: [u8; 16],
}

/// A copy of a [`RevocationSet`]'s records taken by
/// [`RevocationSet::file_image`], built into a file outside any lock.
#[derive(Debug)]
pub struct FileImage {
    log: Log,
    options: BuildOptions,
    sequence: u64,
    entries: usize,
}

impl FileImage {
    /// The sequence number the build records.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// Distinct revocations in the copy (expired ones included).
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Compiles the live revocations into one denylist.
    pub fn build(&self, now: u64) -> Result<Vec<u8>, SyncError> {
        build_file(&self.log, &self.options, self.sequence, now)
    }
}

/// Builds every live revocation of `log` into one denylist with a fresh
/// random seed and `options` as they are (fingerprints, windows): a file.
fn build_file(
    log: &Log,
    options: &BuildOptions,
    sequence: u64,
    now: u64,
) -> Result<Vec<u8>, SyncError> {
    let all = log.live_in(0..log.records(), &options.retention, now);
    build_entries(all, options, crate::random_seed()?, sequence, now)
}

/// Builds a denylist of `revs` with a fresh random seed.
pub(crate) fn build_denylist(
    revs: &[OwnedRevocation],
    options: &BuildOptions,
    sequence: u64,
    now: u64,
) -> Result<Vec<u8>, SyncError> {
    let core: Vec<Revocation<'_>> = revs.iter().map(OwnedRevocation::as_core).collect();
    build_core(&core, options, crate::random_seed()?, sequence, now)
}

fn build_entries<'a>(
    entries: impl Iterator<Item = Entry<'a>>,
    options: &BuildOptions,
    seed: [u8; 16],
    sequence: u64,
    now: u64,
) -> Result<Vec<u8>, SyncError> {
    let core: Vec<Revocation<'a>> = entries.map(|e| e.as_core()).collect();
    build_core(&core, options, seed, sequence, now)
}

fn build_core(
    core: &[Revocation<'_>],
    options: &BuildOptions,
    seed: [u8; 16],
    sequence: u64,
    now: u64,
) -> Result<Vec<u8>, SyncError> {
    let mut config = DenylistConfig::new(seed, now);
    config.sequence = sequence;
    config.segment_width = options.segment_width;
    config.bloom_bits_per_entry = options.bloom_bits_per_entry;
    config.fingerprints = options.fingerprints;
    // Kept for max_leeway after until; not bounded in reach here (see
    // `BuildOptions::retention`).
    config.retention = Retention {
        max_token_lifetime: u64::MAX,
        ..options.retention
    };
    let builder = DenylistBuilder::new(config);
    let mut out = vec![0u8; builder.required_len(core)?];
    let len = builder.build(core, &mut out)?;
    out.truncate(len);
    Ok(out)
}

/// A [`RevocationSet`] shared between the thread that feeds it (a
/// follower) and the threads that confirm against it: the verifiers of the
/// snapshots it publishes (its levels have no fingerprints, see
/// [`crate::Snapshot`]), which take the read lock on a hit.
/// [`SharedRevocations::publish`] builds levels under the read lock, so a
/// confirmation waits only for an insert or the install of a level.
#[derive(Clone, Debug)]
pub struct SharedRevocations(Arc<RwLock<RevocationSet>>);

impl Default for SharedRevocations {
    fn default() -> Self {
        Self::new(RevocationSet::default())
    }
}

impl SharedRevocations {
    /// Shares `set`. From now on its levels are built without
    /// fingerprints and its snapshots confirm their hits against it.
    pub fn new(mut set: RevocationSet) -> Self {
        SharedRevocations(Arc::new_cyclic(|weak| {
            set.shared = weak.clone();
            RwLock::new(set)
        }))
    }

    /// Locks the set for writing (a poisoned lock is taken over: the set
    /// stays valid whatever panicked while holding it).
    pub fn lock(&self) -> RwLockWriteGuard<'_, RevocationSet> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks the set for reading (lookups, confirmations).
    pub fn read(&self) -> RwLockReadGuard<'_, RevocationSet> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// [`RevocationSet::publish`] without holding the write lock while
    /// levels build: planned under the write lock, built under the read
    /// lock, installed under the write lock. One thread should publish (a
    /// follower's); a compaction by another in between is detected and
    /// the publish then runs under the write lock.
    pub fn publish(&self, state: &DenylistState, now: u64) -> Result<(), SyncError> {
        let plan = {
            let mut set = self.lock();
            set.prune_if_due(state, now);
            set.plan()?
        };
        let built = match &plan {
            Some(plan) => Some(self.read().build_planned(plan, now)?),
            None => None,
        };
        let mut set = self.lock();
        if let (Some(plan), Some(built)) = (plan, built) {
            if !set.commit(&plan, built) {
                return set.publish(state, now);
            }
        }
        state.install(set.snapshot()?);
        Ok(())
    }

    /// [`RevocationSet::maintain`], its level builds under the read lock.
    pub fn maintain(&self, state: &DenylistState, now: u64) -> Result<bool, SyncError> {
        if !self.lock().prune_if_due(state, now) {
            return Ok(false);
        }
        self.publish(state, now)?;
        Ok(true)
    }

    /// [`RevocationSet::compact`], its level builds under the read lock.
    pub fn compact(&self, state: &DenylistState, now: u64) -> Result<(), SyncError> {
        self.lock().start_compaction(state, now);
        self.publish(state, now)
    }
}
