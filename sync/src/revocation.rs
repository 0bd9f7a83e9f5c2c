//! Owned revocations and [`RevocationSet`], the authoritative in-memory
//! list a service keeps and compiles into the core's denylist format.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jwtgate::{Config, DenylistBuilder, Retention, Revocation, RevocationKind, TokenIds};

use crate::snapshot::{DenylistState, Snapshot};
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

    /// The core's borrowed form, for [`DenylistBuilder`].
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

/// How [`RevocationSet`] compiles denylists and when it compacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    /// Segment width in seconds ([`Config::segment_width`]).
    pub segment_width: u64,
    /// Bloom bits per key ([`Config::bloom_bits_per_entry`]).
    pub bloom_bits_per_entry: u32,
    /// Store 64-bit fingerprints so that hits are exact in practice.
    pub fingerprints: bool,
    /// Rebuild the base once this many revocations sit in the delta.
    pub compact_after: usize,
    /// Rebuild the base at least this often (drops revocations out of force).
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
            segment_width: Config::DEFAULT_SEGMENT_WIDTH,
            bloom_bits_per_entry: Config::DEFAULT_BITS_PER_ENTRY,
            fingerprints: true,
            compact_after: 1024,
            compact_interval: Duration::from_secs(60),
            retention: Retention::DEFAULT,
        }
    }
}

/// The bounds kept per identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bounds {
    until: u64,
    issued_before: u64,
    below_version: u64,
}

/// The authoritative set of live revocations a service holds, deduplicated
/// (a second revocation of the same identifier keeps the larger bounds: a
/// revocation never un-revokes), pruned as revocations expire, and compiled
/// into a [`Snapshot`]: a *base* denylist of everything, rebuilt now and
/// then, plus a small *delta* of what arrived since, rebuilt on each change
/// in microseconds.
#[derive(Debug)]
pub struct RevocationSet {
    entries: HashMap<(Kind, Vec<u8>), Bounds>,
    /// Revocations (merged values) inserted since the base was built.
    pending: Vec<OwnedRevocation>,
    options: BuildOptions,
    sequence: u64,
    last_compaction: Option<Instant>,
}

impl Default for RevocationSet {
    fn default() -> Self {
        Self::new(BuildOptions::default())
    }
}

impl RevocationSet {
    /// An empty set.
    pub fn new(options: BuildOptions) -> Self {
        RevocationSet {
            entries: HashMap::new(),
            pending: Vec::new(),
            options,
            sequence: 0,
            last_compaction: None,
        }
    }

    /// The build options.
    pub fn options(&self) -> &BuildOptions {
        &self.options
    }

    /// Adds a revocation, merging with one already held for the same
    /// identifier. Returns whether the set changed (false for a duplicate or
    /// a revocation already out of force at `now`: `until + max_leeway < now`).
    pub fn insert(&mut self, rev: OwnedRevocation, now: u64) -> bool {
        if !self.options.retention.in_force(rev.until, now) {
            return false;
        }
        let new = Bounds {
            until: rev.until,
            issued_before: rev.issued_before,
            below_version: rev.below_version,
        };
        let key = (rev.kind, rev.id);
        let merged = match self.entries.get(&key) {
            Some(old) => {
                let merged = Bounds {
                    until: old.until.max(new.until),
                    issued_before: old.issued_before.max(new.issued_before),
                    below_version: old.below_version.max(new.below_version),
                };
                if merged == *old {
                    return false;
                }
                merged
            }
            None => new,
        };
        self.entries.insert(key.clone(), merged);
        self.pending.push(OwnedRevocation {
            kind: key.0,
            id: key.1,
            until: merged.until,
            issued_before: merged.issued_before,
            below_version: merged.below_version,
        });
        true
    }

    /// Drops revocations out of force at `now` (`until + max_leeway < now`);
    /// returns how many.
    pub fn prune(&mut self, now: u64) -> usize {
        let before = self.entries.len();
        let retention = self.options.retention;
        self.entries.retain(|_, b| retention.in_force(b.until, now));
        self.pending.retain(|r| retention.in_force(r.until, now));
        before - self.entries.len()
    }

    /// The number of revocations held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no revocation is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of revocations waiting in the delta.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Every revocation held.
    pub fn iter(&self) -> impl Iterator<Item = OwnedRevocation> + '_ {
        self.entries.iter().map(|((kind, id), b)| OwnedRevocation {
            kind: *kind,
            id: id.clone(),
            until: b.until,
            issued_before: b.issued_before,
            below_version: b.below_version,
        })
    }

    /// The revocation held for this identifier.
    pub fn get(&self, kind: Kind, id: &[u8]) -> Option<OwnedRevocation> {
        // The map is keyed by owned vectors; a lookup allocates once, which
        // only the rare confirmation path pays.
        let b = self.entries.get(&(kind, id.to_vec()))?;
        Some(OwnedRevocation {
            kind,
            id: id.to_vec(),
            until: b.until,
            issued_before: b.issued_before,
            below_version: b.below_version,
        })
    }

    /// The exact answer: what revokes a token with these identifiers at `now`.
    pub fn check(&self, ids: &TokenIds<'_>, now: u64) -> Option<RevocationKind> {
        let probes = [
            (Kind::Token, ids.jti),
            (Kind::Session, ids.sid),
            (Kind::Subject, ids.sub),
        ];
        probes.into_iter().find_map(|(kind, id)| {
            let rev = self.get(kind, id?)?;
            rev.revokes(ids, now).then(|| kind.revocation_kind())
        })
    }

    /// Compiles every live revocation into one denylist (a fresh random
    /// seed, the next sequence number): what a snapshot file holds.
    pub fn build(&mut self, now: u64) -> Result<Vec<u8>, SyncError> {
        let retention = self.options.retention;
        let all: Vec<OwnedRevocation> = self
            .iter()
            .filter(|r| retention.in_force(r.until, now))
            .collect();
        self.build_from(&all, now)
    }

    fn build_from(&mut self, revs: &[OwnedRevocation], now: u64) -> Result<Vec<u8>, SyncError> {
        self.sequence += 1;
        build_denylist(revs, &self.options, self.sequence, now)
    }

    /// Whether [`RevocationSet::publish`] would compact now.
    pub fn compaction_due(&self) -> bool {
        self.pending.len() >= self.options.compact_after
            || self
                .last_compaction
                .is_none_or(|t| t.elapsed() >= self.options.compact_interval)
    }

    /// Publishes the set to `state`: rebuilds only the delta, or compacts
    /// (prune, rebuild the base, empty the delta) when
    /// [`RevocationSet::compaction_due`].
    pub fn publish(&mut self, state: &DenylistState, now: u64) -> Result<(), SyncError> {
        if self.compaction_due() {
            return self.compact(state, now);
        }
        let current = state.snapshot();
        let pending = std::mem::take(&mut self.pending);
        let built = self.build_from(&pending, now);
        self.pending = pending;
        let delta = built?;
        let snapshot = current.with_delta(delta, self.entries.len())?;
        state.install(snapshot);
        Ok(())
    }

    /// Prunes expired revocations, rebuilds the base from everything held
    /// and installs it with an empty delta.
    pub fn compact(&mut self, state: &DenylistState, now: u64) -> Result<(), SyncError> {
        self.prune(now);
        let base = self.build(now)?;
        let snapshot = Snapshot::from_bytes(base)?;
        self.pending.clear();
        self.last_compaction = Some(Instant::now());
        state
            .metrics()
            .compactions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        state.install(snapshot);
        Ok(())
    }
}

/// Builds a denylist of `revs` with a fresh random seed.
pub(crate) fn build_denylist(
    revs: &[OwnedRevocation],
    options: &BuildOptions,
    sequence: u64,
    now: u64,
) -> Result<Vec<u8>, SyncError> {
    let core: Vec<Revocation<'_>> = revs.iter().map(OwnedRevocation::as_core).collect();
    let mut config = Config::new(crate::random_seed()?, now);
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
    let mut out = vec![0u8; builder.required_len(&core)?];
    let len = builder.build(&core, &mut out)?;
    out.truncate(len);
    Ok(out)
}

/// A [`RevocationSet`] shared between the thread that feeds it (a
/// follower) and the threads that confirm against it.
#[derive(Clone, Debug, Default)]
pub struct SharedRevocations(Arc<Mutex<RevocationSet>>);

impl SharedRevocations {
    /// Shares `set`.
    pub fn new(set: RevocationSet) -> Self {
        SharedRevocations(Arc::new(Mutex::new(set)))
    }

    /// Locks the set (a poisoned lock is taken over: the set stays valid
    /// whatever panicked while holding it).
    pub fn lock(&self) -> MutexGuard<'_, RevocationSet> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
