//! [`Snapshot`] (the denylist in force), [`DenylistState`] (the slot that
//! swaps it atomically under concurrent readers) and snapshot files.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use jwtgate::{Denylist, Error, Verified};

use crate::live::OwnedDenylist;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::{SharedRevocations, SyncError};

/// One level of a [`crate::RevocationSet`]'s published denylist: the
/// records `start..end` of its log, built and validated.
#[derive(Clone, Debug)]
pub(crate) struct Level {
    pub start: usize,
    pub end: usize,
    list: OwnedDenylist,
}

impl Level {
    /// Validates `bytes` as the level of records `range`.
    pub fn new(range: std::ops::Range<usize>, bytes: Vec<u8>) -> Result<Self, SyncError> {
        Ok(Level {
            start: range.start,
            end: range.end,
            list: OwnedDenylist::new(bytes)?,
        })
    }

    /// Records covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
}

/// The denylist in force: a validated *base* and any number of *deltas*
/// (the newer, smaller levels a follower publishes; a file has none). A
/// token is revoked when any of them revokes it. Immutable; replaced as a
/// whole.
///
/// A follower's snapshot also names the exact set its levels were built
/// from: those levels have no fingerprints (2 bytes per revocation instead
/// of about 20), so [`DenylistState::check`] confirms each of their hits
/// against the set before rejecting.
pub struct Snapshot {
    /// Validated (checksum included); re-attached per verification in O(1).
    base: OwnedDenylist,
    /// Validated likewise, oldest first.
    deltas: Vec<OwnedDenylist>,
    /// Distinct revocations held by the source (gauge).
    entries: u64,
    /// The exact set the levels were built from, confirming their hits.
    exact: Option<SharedRevocations>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("base_len", &self.base.bytes().len())
            .field("deltas", &self.deltas.len())
            .field("entries", &self.entries)
            .field("confirmed", &self.exact.is_some())
            .finish()
    }
}

impl Snapshot {
    /// Validates `bytes` (structure, version, checksum) as the base.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, SyncError> {
        Ok(Self::from_denylist(OwnedDenylist::new(bytes)?))
    }

    /// `base` alone, with its entry count.
    pub fn from_denylist(base: OwnedDenylist) -> Self {
        Snapshot {
            entries: base.entry_count(),
            base,
            deltas: Vec::new(),
            exact: None,
        }
    }

    /// An empty denylist (nothing revoked).
    pub fn empty() -> Result<Self, SyncError> {
        let bytes = crate::revocation::build_denylist(&[], &Default::default(), 0, 0)?;
        Self::from_bytes(bytes)
    }

    /// The levels (already validated), the first as the base; an empty
    /// base when there is none. With `exact`, hits are confirmed against it.
    pub(crate) fn from_levels(
        levels: &[Level],
        entries: usize,
        exact: Option<SharedRevocations>,
    ) -> Result<Self, SyncError> {
        let entries = u64::try_from(entries).unwrap_or(u64::MAX);
        let Some(first) = levels.first() else {
            let mut empty = Self::empty()?;
            empty.entries = entries;
            return Ok(empty);
        };
        Ok(Snapshot {
            base: first.list.clone(),
            deltas: levels.iter().skip(1).map(|l| l.list.clone()).collect(),
            entries,
            exact,
        })
    }

    /// This snapshot's base with `delta` (validated) as the only delta;
    /// `entries` is the source's count.
    pub fn with_delta(&self, delta: Vec<u8>, entries: usize) -> Result<Self, SyncError> {
        Ok(Snapshot {
            base: self.base.clone(),
            deltas: vec![OwnedDenylist::new(delta)?],
            entries: u64::try_from(entries).unwrap_or(u64::MAX),
            exact: self.exact.clone(),
        })
    }

    /// The base denylist.
    pub fn base(&self) -> Result<Denylist<'_>, jwtgate::Error> {
        self.base.view()
    }

    /// The newest delta denylist, if any.
    pub fn delta(&self) -> Option<Result<Denylist<'_>, jwtgate::Error>> {
        self.deltas.last().map(OwnedDenylist::view)
    }

    /// Every delta denylist, oldest first.
    pub fn deltas(&self) -> impl Iterator<Item = Result<Denylist<'_>, jwtgate::Error>> + '_ {
        self.deltas.iter().map(OwnedDenylist::view)
    }

    /// The base bytes (the core's format).
    pub fn base_bytes(&self) -> &[u8] {
        self.base.bytes()
    }

    /// The newest delta's bytes.
    pub fn delta_bytes(&self) -> Option<&[u8]> {
        self.deltas.last().map(OwnedDenylist::bytes)
    }

    /// Bytes held: base plus deltas.
    pub fn byte_len(&self) -> usize {
        self.base.bytes().len() + self.deltas.iter().map(|d| d.bytes().len()).sum::<usize>()
    }

    /// Distinct revocations the source holds (for a file: the base's count).
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// How long after `until` the source that built this snapshot keeps
    /// revocations (its `max_leeway`), when it says: a Redis follower's
    /// snapshots do; a file's or an empty one do not (`None`).
    pub fn kept_leeway(&self) -> Option<u64> {
        self.exact
            .as_ref()
            .map(|set| set.read().options().retention.max_leeway)
    }

    /// The base's sequence number.
    pub fn sequence(&self) -> u64 {
        self.base.sequence()
    }

    /// Checks verified claims against the base and every delta, as the
    /// denylists answer (unconfirmed), looked up at `lookup` (the
    /// verification time minus the leeway). Lists that share a seed (a
    /// follower's levels) hash the identifiers once.
    pub fn check_levels(&self, verified: &Verified<'_>, lookup: u64) -> Result<(), Error> {
        crate::live::check_all(
            verified,
            std::iter::once(self.base()).chain(self.deltas()),
            lookup,
        )
    }

    /// The exact set this snapshot's hits are confirmed against, if any.
    pub fn exact(&self) -> Option<&SharedRevocations> {
        self.exact.as_ref()
    }
}

struct StateInner {
    slot: ArcSwap<Snapshot>,
    metrics: Metrics,
    /// Unix milliseconds when the source last confirmed the denylist
    /// current; 0: never.
    last_sync_ms: AtomicU64,
    /// Unix milliseconds of the last install.
    installed_ms: AtomicU64,
    /// Incremented on every install.
    generation: AtomicU64,
}

/// The denylist slot shared by verifiers and the sources that feed them (a
/// [`crate::FileWatcher`], a [`crate::Follower`], or code that installs
/// snapshots itself), with the counters and the freshness they report.
///
/// Cloning shares. Readers never block: an install swaps an `Arc`
/// atomically; a reader sees the old or the new snapshot, never a mix.
#[derive(Clone)]
pub struct DenylistState {
    inner: Arc<StateInner>,
}

impl std::fmt::Debug for DenylistState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenylistState")
            .field("snapshot", &self.inner.slot.load())
            .field("generation", &self.generation())
            .finish()
    }
}

impl DenylistState {
    /// A state holding an empty denylist, never synced.
    pub fn new() -> Result<Self, SyncError> {
        Ok(Self::with_snapshot(Snapshot::empty()?))
    }

    /// A state holding `snapshot`, never synced.
    pub fn with_snapshot(snapshot: Snapshot) -> Self {
        let state = DenylistState {
            inner: Arc::new(StateInner {
                slot: ArcSwap::from_pointee(snapshot),
                metrics: Metrics::default(),
                last_sync_ms: AtomicU64::new(0),
                installed_ms: AtomicU64::new(crate::unix_ms()),
                generation: AtomicU64::new(0),
            }),
        };
        state.update_gauges(&state.inner.slot.load());
        state
    }

    /// The snapshot in force.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.slot.load_full()
    }

    /// Borrow the snapshot in force without touching its reference count
    /// (the hot path).
    pub(crate) fn with_snapshot_ref<R>(&self, f: impl FnOnce(&Snapshot) -> R) -> R {
        let guard = self.inner.slot.load();
        f(&guard)
    }

    /// Checks verified claims against the snapshot in force at `now` (the
    /// verification time; lookups use `now - leeway`). A hit of a
    /// snapshot that names its exact set ([`Snapshot::exact`]) is confirmed
    /// there, after the snapshot is released: only a revocation the set
    /// holds rejects. The one revocation rule every verifier of a live
    /// state applies.
    pub fn check(&self, verified: &Verified<'_>, now: u64, leeway: u64) -> Result<(), Error> {
        let lookup = now.saturating_sub(leeway);
        let exact = match self.with_snapshot_ref(|s| {
            s.check_levels(verified, lookup)
                .map_err(|e| (e, s.exact.clone()))
        }) {
            Ok(()) => return Ok(()),
            Err((Error::Revoked(_), Some(exact))) => exact,
            Err((e, _)) => return Err(e),
        };
        let metrics = self.metrics();
        metrics.confirmations.fetch_add(1, Relaxed);
        let ids = crate::confirm::token_ids_of(verified.claims());
        let found = exact.read().check_as_denylist(&ids.as_ids(), now);
        match found {
            Some(kind) => Err(Error::Revoked(kind)),
            None => {
                metrics.false_positives.fetch_add(1, Relaxed);
                Ok(())
            }
        }
    }

    /// Swaps `snapshot` in. Verifications in flight finish on the old one.
    pub fn install(&self, snapshot: Snapshot) {
        self.update_gauges(&snapshot);
        self.inner.slot.store(Arc::new(snapshot));
        self.inner.installed_ms.store(crate::unix_ms(), Relaxed);
        self.inner.generation.fetch_add(1, Relaxed);
    }

    fn update_gauges(&self, s: &Snapshot) {
        let m = &self.inner.metrics;
        m.denylist_entries.store(s.entries(), Relaxed);
        m.denylist_bytes
            .store(u64::try_from(s.byte_len()).unwrap_or(u64::MAX), Relaxed);
        m.denylist_sequence.store(s.sequence(), Relaxed);
    }

    /// Records that the source confirmed the denylist current at
    /// `at_ms` (Unix milliseconds). Never moves backwards.
    pub fn mark_synced_at(&self, at_ms: u64) {
        self.inner.last_sync_ms.fetch_max(at_ms, Relaxed);
    }

    /// [`DenylistState::mark_synced_at`] now.
    pub fn mark_synced(&self) {
        self.mark_synced_at(crate::unix_ms());
    }

    /// When the source last confirmed the denylist current, in Unix
    /// milliseconds; `None` if it never did.
    pub fn last_synced_ms(&self) -> Option<u64> {
        match self.inner.last_sync_ms.load(Relaxed) {
            0 => None,
            at => Some(at),
        }
    }

    /// How long since the source last confirmed the denylist current;
    /// `None` if it never did.
    pub fn staleness(&self) -> Option<Duration> {
        self.staleness_ms_at(crate::unix_ms())
            .map(Duration::from_millis)
    }

    /// Staleness in milliseconds at `now_ms`; `None`: never synced.
    pub(crate) fn staleness_ms_at(&self, now_ms: u64) -> Option<u64> {
        match self.inner.last_sync_ms.load(Relaxed) {
            0 => None,
            at => Some(now_ms.saturating_sub(at)),
        }
    }

    /// Incremented on every install: poll it to learn that the denylist changed.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Relaxed)
    }

    /// The counters.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Every counter and gauge, read now.
    pub fn metrics_snapshot(&self) -> MetricsSnapshot {
        let now_ms = crate::unix_ms();
        let mut m = self.inner.metrics.read();
        m.staleness_ms = self.staleness_ms_at(now_ms).unwrap_or(u64::MAX);
        m.denylist_age_ms = now_ms.saturating_sub(self.inner.installed_ms.load(Relaxed));
        m
    }

    /// The counters in the Prometheus text exposition format, each name
    /// prefixed with `prefix` (for example `jwtgate`).
    pub fn prometheus(&self, prefix: &str) -> String {
        self.metrics_snapshot().prometheus(prefix)
    }
}

/// Writes denylist bytes to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A reader sees the
/// old file or the new one, never a part.
pub fn write_snapshot_file(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| SyncError::Io(std::io::Error::other("snapshot path has no file name")))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok::<(), std::io::Error>(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(result?)
}

/// Reads and validates a snapshot file (structure, version, checksum).
pub fn read_snapshot_file(path: &Path) -> Result<Snapshot, SyncError> {
    Snapshot::from_bytes(std::fs::read(path)?)
}
