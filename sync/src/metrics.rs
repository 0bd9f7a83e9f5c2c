//! Counters cheap enough for every verification: relaxed atomics, sharded
//! per thread so that threads on different cores do not share a cache line.

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use jwtgate::{Error, RevocationKind};

use crate::VerifyError;

/// Why a verification was rejected, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Reason {
    /// 1xx: not a well-formed token.
    Malformed = 0,
    /// 2xx: an algorithm or critical header we do not implement.
    Unsupported = 1,
    /// 3xx: no usable key (908, stale keys, included).
    Key = 2,
    /// 4xx: the signature does not verify.
    Signature = 3,
    /// 500: expired.
    Expired = 4,
    /// Other 5xx: issuer, audience, not yet valid, missing claim, ...
    Claims = 5,
    /// 600 by `jti`.
    RevokedToken = 6,
    /// 600 by `sid`.
    RevokedSession = 7,
    /// 600 by `sub`.
    RevokedSubject = 8,
    /// 7xx: over a limit.
    Limits = 9,
    /// 8xx: the denylist itself is unusable.
    Denylist = 10,
    /// 900: the denylist is older than the maximum staleness.
    Stale = 11,
}

/// The number of [`Reason`]s.
pub const REASON_COUNT: usize = 12;

impl Reason {
    /// Every reason, in index order.
    pub const ALL: [Reason; REASON_COUNT] = [
        Reason::Malformed,
        Reason::Unsupported,
        Reason::Key,
        Reason::Signature,
        Reason::Expired,
        Reason::Claims,
        Reason::RevokedToken,
        Reason::RevokedSession,
        Reason::RevokedSubject,
        Reason::Limits,
        Reason::Denylist,
        Reason::Stale,
    ];

    /// The label value used in the Prometheus output.
    pub const fn label(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unsupported => "unsupported",
            Reason::Key => "key",
            Reason::Signature => "signature",
            Reason::Expired => "expired",
            Reason::Claims => "claims",
            Reason::RevokedToken => "revoked_token",
            Reason::RevokedSession => "revoked_session",
            Reason::RevokedSubject => "revoked_subject",
            Reason::Limits => "limits",
            Reason::Denylist => "denylist",
            Reason::Stale => "stale",
        }
    }

    /// The reason a rejection is counted under.
    pub fn of(error: &VerifyError) -> Reason {
        match error {
            VerifyError::Stale { .. } => Reason::Stale,
            // The keys are unusable until a key source confirms them.
            VerifyError::KeysStale { .. } => Reason::Key,
            VerifyError::Token(Error::Expired { .. }) => Reason::Expired,
            VerifyError::Token(Error::Revoked(RevocationKind::Session)) => Reason::RevokedSession,
            VerifyError::Token(Error::Revoked(RevocationKind::Subject)) => Reason::RevokedSubject,
            VerifyError::Token(Error::Revoked(_)) => Reason::RevokedToken,
            VerifyError::Token(e) => match e.code() / 100 {
                1 => Reason::Malformed,
                2 => Reason::Unsupported,
                3 => Reason::Key,
                4 => Reason::Signature,
                5 => Reason::Claims,
                7 => Reason::Limits,
                _ => Reason::Denylist,
            },
        }
    }

    fn index(self) -> usize {
        Reason::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

const SHARDS: usize = 16;

/// One thread group's counters, on its own cache lines.
#[repr(align(128))]
#[derive(Default)]
struct Shard {
    accepted: AtomicU64,
    rejected: [AtomicU64; REASON_COUNT],
}

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

fn shard_index() -> usize {
    SHARD.with(|s| {
        let mut i = s.get();
        if i == usize::MAX {
            i = NEXT_SHARD.fetch_add(1, Relaxed) % SHARDS;
            s.set(i);
        }
        i
    })
}

/// The counters of one [`crate::DenylistState`]. Hot-path counters
/// (verifications) are sharded; the rest are plain relaxed atomics updated
/// by the sources. Read them all at once with [`Metrics::read`].
#[derive(Default)]
pub struct Metrics {
    shards: [Shard; SHARDS],
    /// Revocations a follower or an in-process revoker applied.
    pub(crate) revocations_applied: AtomicU64,
    /// Snapshot files loaded.
    pub(crate) reloads: AtomicU64,
    /// Snapshot files that failed to load (the previous denylist stayed).
    pub(crate) reload_failures: AtomicU64,
    /// Connections to Redis lost or refused.
    pub(crate) disconnects: AtomicU64,
    /// Full rebuilds from Redis after the first (the stream was trimmed
    /// past the follower's position, or Redis lost its data).
    pub(crate) resyncs: AtomicU64,
    /// Full compactions (every level rebuilt into one).
    pub(crate) compactions: AtomicU64,
    /// Age of the newest stream entry a follower applied, when applied (ms).
    pub(crate) stream_lag_ms: AtomicU64,
    /// How long the last full load or resync from the keys took (ms).
    pub(crate) last_resync_ms: AtomicU64,
    /// Denylist hits checked against the exact source.
    pub(crate) confirmations: AtomicU64,
    /// Denylist hits the exact source did not confirm (accepted).
    pub(crate) false_positives: AtomicU64,
    pub(crate) denylist_entries: AtomicU64,
    pub(crate) denylist_bytes: AtomicU64,
    pub(crate) denylist_sequence: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.read().fmt(f)
    }
}

impl Metrics {
    /// Counts an accepted verification.
    #[inline]
    pub fn record_accepted(&self) {
        if let Some(s) = self.shards.get(shard_index()) {
            s.accepted.fetch_add(1, Relaxed);
        }
    }

    /// Counts a rejected verification.
    #[inline]
    pub fn record_rejected(&self, reason: Reason) {
        if let Some(c) = self
            .shards
            .get(shard_index())
            .and_then(|s| s.rejected.get(reason.index()))
        {
            c.fetch_add(1, Relaxed);
        }
    }

    /// Counts `n` revocations applied.
    pub fn record_revocations(&self, n: u64) {
        self.revocations_applied.fetch_add(n, Relaxed);
    }

    /// Every counter, summed over the shards. Staleness and age are filled
    /// by [`crate::DenylistState::metrics_snapshot`].
    pub fn read(&self) -> MetricsSnapshot {
        let mut m = MetricsSnapshot::default();
        for s in &self.shards {
            m.accepted += s.accepted.load(Relaxed);
            for (total, c) in m.rejected.iter_mut().zip(&s.rejected) {
                *total += c.load(Relaxed);
            }
        }
        m.verifications = m.accepted + m.rejected.iter().sum::<u64>();
        m.revocations_applied = self.revocations_applied.load(Relaxed);
        m.reloads = self.reloads.load(Relaxed);
        m.reload_failures = self.reload_failures.load(Relaxed);
        m.disconnects = self.disconnects.load(Relaxed);
        m.resyncs = self.resyncs.load(Relaxed);
        m.compactions = self.compactions.load(Relaxed);
        m.stream_lag_ms = self.stream_lag_ms.load(Relaxed);
        m.last_resync_ms = self.last_resync_ms.load(Relaxed);
        m.confirmations = self.confirmations.load(Relaxed);
        m.false_positives = self.false_positives.load(Relaxed);
        m.denylist_entries = self.denylist_entries.load(Relaxed);
        m.denylist_bytes = self.denylist_bytes.load(Relaxed);
        m.denylist_sequence = self.denylist_sequence.load(Relaxed);
        m.staleness_ms = u64::MAX;
        m
    }
}

/// All counters at one moment: plain numbers, `#[repr(C)]` so that a C ABI
/// can hand the struct out as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct MetricsSnapshot {
    /// Verifications, accepted or not.
    pub verifications: u64,
    /// Verifications accepted.
    pub accepted: u64,
    /// Rejections, indexed by [`Reason`] as `u32`.
    pub rejected: [u64; REASON_COUNT],
    /// Revocations applied live.
    pub revocations_applied: u64,
    /// Snapshot files loaded.
    pub reloads: u64,
    /// Snapshot files rejected (previous denylist kept).
    pub reload_failures: u64,
    /// Redis connections lost or refused.
    pub disconnects: u64,
    /// Full resyncs from Redis after the first load.
    pub resyncs: u64,
    /// Full compactions.
    pub compactions: u64,
    /// Age of the newest stream entry a follower applied, when it was
    /// applied, in milliseconds (its lag behind the writer).
    pub stream_lag_ms: u64,
    /// Duration of the last full load or resync from the keys (ms).
    pub last_resync_ms: u64,
    /// Denylist hits checked against the exact source.
    pub confirmations: u64,
    /// Denylist hits the exact source refuted.
    pub false_positives: u64,
    /// Distinct revocations in force.
    pub denylist_entries: u64,
    /// Bytes of denylist in memory (base plus delta).
    pub denylist_bytes: u64,
    /// The base's sequence number.
    pub denylist_sequence: u64,
    /// Milliseconds since the denylist last changed.
    pub denylist_age_ms: u64,
    /// Milliseconds since the source last confirmed the denylist current
    /// (`u64::MAX`: never).
    pub staleness_ms: u64,
    /// Verified-token cache hits (of a `LiveVerifier`; 0 in the snapshot of
    /// a bare `DenylistState`).
    pub cache_hits: u64,
    /// Verified-token cache misses.
    pub cache_misses: u64,
    /// Tokens inserted into the cache.
    pub cache_inserts: u64,
    /// Inserts that evicted an entry still valid.
    pub cache_evictions: u64,
    /// Entries the cache holds at most (0: off).
    pub cache_entries: u64,
}

impl MetricsSnapshot {
    /// Rejections for `reason`.
    pub fn rejected_for(&self, reason: Reason) -> u64 {
        self.rejected.get(reason.index()).copied().unwrap_or(0)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn prometheus(&self, prefix: &str) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {prefix}_{name} {help}");
            let _ = writeln!(out, "# TYPE {prefix}_{name} {kind}");
            let _ = writeln!(out, "{prefix}_{name} {value}");
        };
        metric(
            "verifications_total",
            "counter",
            "Token verifications.",
            self.verifications.to_string(),
        );
        metric(
            "accepted_total",
            "counter",
            "Tokens accepted.",
            self.accepted.to_string(),
        );
        let mut rejected = String::new();
        for r in Reason::ALL {
            let _ = write!(
                rejected,
                "{}{prefix}_rejected_total{{reason=\"{}\"}} {}",
                if rejected.is_empty() { "" } else { "\n" },
                r.label(),
                self.rejected_for(r)
            );
        }
        let _ = writeln!(
            out,
            "# HELP {prefix}_rejected_total Tokens rejected, by reason."
        );
        let _ = writeln!(out, "# TYPE {prefix}_rejected_total counter");
        let _ = writeln!(out, "{rejected}");
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {prefix}_{name} {help}");
            let _ = writeln!(out, "# TYPE {prefix}_{name} {kind}");
            let _ = writeln!(out, "{prefix}_{name} {value}");
        };
        metric(
            "revocations_applied_total",
            "counter",
            "Revocations applied live.",
            self.revocations_applied.to_string(),
        );
        metric(
            "snapshot_reloads_total",
            "counter",
            "Snapshot files loaded.",
            self.reloads.to_string(),
        );
        metric(
            "snapshot_reload_failures_total",
            "counter",
            "Snapshot files rejected; the previous denylist stayed in force.",
            self.reload_failures.to_string(),
        );
        metric(
            "redis_disconnects_total",
            "counter",
            "Redis connections lost or refused.",
            self.disconnects.to_string(),
        );
        metric(
            "redis_resyncs_total",
            "counter",
            "Full resyncs from Redis after the first load.",
            self.resyncs.to_string(),
        );
        metric(
            "compactions_total",
            "counter",
            "Denylist base rebuilds.",
            self.compactions.to_string(),
        );
        metric(
            "stream_lag_seconds",
            "gauge",
            "Age of the newest stream entry the follower applied, when applied.",
            secs(self.stream_lag_ms),
        );
        metric(
            "last_resync_seconds",
            "gauge",
            "Duration of the last full load or resync from the keys.",
            secs(self.last_resync_ms),
        );
        metric(
            "confirmations_total",
            "counter",
            "Denylist hits checked against the exact source.",
            self.confirmations.to_string(),
        );
        metric(
            "false_positives_total",
            "counter",
            "Denylist hits refuted by the exact source.",
            self.false_positives.to_string(),
        );
        metric(
            "denylist_entries",
            "gauge",
            "Revocations in force.",
            self.denylist_entries.to_string(),
        );
        metric(
            "denylist_bytes",
            "gauge",
            "Bytes of denylist in memory.",
            self.denylist_bytes.to_string(),
        );
        metric(
            "denylist_sequence",
            "gauge",
            "Sequence number of the denylist base.",
            self.denylist_sequence.to_string(),
        );
        metric(
            "denylist_age_seconds",
            "gauge",
            "Seconds since the denylist last changed.",
            secs(self.denylist_age_ms),
        );
        metric(
            "staleness_seconds",
            "gauge",
            "Seconds since the source last confirmed the denylist current (+Inf: never).",
            secs(self.staleness_ms),
        );
        for (name, help, value) in [
            (
                "cache_hits_total",
                "Verified-token cache hits (signature check skipped).",
                self.cache_hits,
            ),
            (
                "cache_misses_total",
                "Verified-token cache misses.",
                self.cache_misses,
            ),
            (
                "cache_inserts_total",
                "Tokens inserted into the verified-token cache.",
                self.cache_inserts,
            ),
            (
                "cache_evictions_total",
                "Cache inserts that evicted a valid entry.",
                self.cache_evictions,
            ),
        ] {
            metric(name, "counter", help, value.to_string());
        }
        metric(
            "cache_entries",
            "gauge",
            "Entries the verified-token cache holds at most (0: off).",
            self.cache_entries.to_string(),
        );
        out
    }
}

fn secs(ms: u64) -> String {
    if ms == u64::MAX {
        "+Inf".into()
    } else {
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}
