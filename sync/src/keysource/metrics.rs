//! Counters of a key source: every fetch outcome and every unknown `kid`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Live counters of a [`crate::KeySource`] (relaxed atomics).
#[derive(Debug, Default)]
pub struct KeySourceMetrics {
    pub(crate) fetch_ok: AtomicU64,
    pub(crate) not_modified: AtomicU64,
    pub(crate) fetch_failed: AtomicU64,
    pub(crate) skipped_keys: AtomicU64,
    pub(crate) unknown_kid: AtomicU64,
    pub(crate) refresh_requested: AtomicU64,
    pub(crate) cooldown_hits: AtomicU64,
    pub(crate) negative_hits: AtomicU64,
    pub(crate) miss_waits: AtomicU64,
    pub(crate) keys: AtomicU64,
}

/// A copy of a key source's counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySourceSnapshot {
    /// Fetches that installed a new key set (also a local file loaded).
    pub fetch_ok: u64,
    /// Conditional fetches answered 304 Not Modified.
    pub not_modified: u64,
    /// Fetches that failed (transport, status, refused, invalid or empty
    /// document): the last good keys stayed in force.
    pub fetch_failed: u64,
    /// Keys skipped in the documents fetched (unsupported, malformed,
    /// `use: enc`, duplicate, surplus), summed over fetches.
    pub skipped_keys: u64,
    /// Tokens that named a `kid` no key has.
    pub unknown_kid: u64,
    /// Unknown `kid`s that asked for a refresh (at most one fetch follows
    /// per cooldown, however many ask).
    pub refresh_requested: u64,
    /// Unknown `kid`s that found the cooldown running: no fetch.
    pub cooldown_hits: u64,
    /// Unknown `kid`s found in the negative cache: no fetch.
    pub negative_hits: u64,
    /// Verify calls that waited for a fetch that may bring their unknown
    /// `kid` ([`crate::LiveVerifier::set_key_miss_wait`]); at most the
    /// bound each.
    pub miss_waits: u64,
    /// Keys in the set in force.
    pub keys: u64,
}

impl KeySourceMetrics {
    /// The counters now.
    pub fn snapshot(&self) -> KeySourceSnapshot {
        KeySourceSnapshot {
            fetch_ok: self.fetch_ok.load(Relaxed),
            not_modified: self.not_modified.load(Relaxed),
            fetch_failed: self.fetch_failed.load(Relaxed),
            skipped_keys: self.skipped_keys.load(Relaxed),
            unknown_kid: self.unknown_kid.load(Relaxed),
            refresh_requested: self.refresh_requested.load(Relaxed),
            cooldown_hits: self.cooldown_hits.load(Relaxed),
            negative_hits: self.negative_hits.load(Relaxed),
            miss_waits: self.miss_waits.load(Relaxed),
            keys: self.keys.load(Relaxed),
        }
    }
}

impl KeySourceSnapshot {
    /// Fetches that reached the network (or the file), whatever their outcome.
    pub fn fetches(&self) -> u64 {
        self.fetch_ok + self.not_modified + self.fetch_failed
    }

    /// The Prometheus text exposition format (version 0.0.4), names under
    /// `{prefix}_keys_`; `staleness_ms` is the source's key staleness
    /// (`None`: never synced).
    pub fn prometheus(&self, prefix: &str, staleness_ms: Option<u64>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP {prefix}_keys_fetch_total Key fetches, by result.\n\
             # TYPE {prefix}_keys_fetch_total counter\n\
             {prefix}_keys_fetch_total{{result=\"ok\"}} {}\n\
             {prefix}_keys_fetch_total{{result=\"not_modified\"}} {}\n\
             {prefix}_keys_fetch_total{{result=\"failed\"}} {}",
            self.fetch_ok, self.not_modified, self.fetch_failed
        );
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {prefix}_keys_{name} {help}");
            let _ = writeln!(out, "# TYPE {prefix}_keys_{name} {kind}");
            let _ = writeln!(out, "{prefix}_keys_{name} {value}");
        };
        metric(
            "skipped_total",
            "counter",
            "Keys skipped in fetched documents (unsupported, malformed, use enc).",
            self.skipped_keys.to_string(),
        );
        metric(
            "unknown_kid_total",
            "counter",
            "Tokens naming a kid no key has.",
            self.unknown_kid.to_string(),
        );
        metric(
            "refresh_requested_total",
            "counter",
            "Unknown kids that asked for a refresh.",
            self.refresh_requested.to_string(),
        );
        metric(
            "cooldown_hits_total",
            "counter",
            "Unknown kids that found the refresh cooldown running.",
            self.cooldown_hits.to_string(),
        );
        metric(
            "negative_cache_hits_total",
            "counter",
            "Unknown kids found in the negative cache.",
            self.negative_hits.to_string(),
        );
        metric(
            "miss_waits_total",
            "counter",
            "Verify calls that waited (at most the key-miss wait) for a fetch.",
            self.miss_waits.to_string(),
        );
        metric(
            "in_force",
            "gauge",
            "Keys in the set in force.",
            self.keys.to_string(),
        );
        metric(
            "staleness_seconds",
            "gauge",
            "Seconds since the key source last confirmed the keys current (+Inf: never).",
            staleness_ms.map_or_else(
                || "+Inf".to_owned(),
                |ms| format!("{}.{:03}", ms / 1000, ms % 1000),
            ),
        );
        out
    }
}
