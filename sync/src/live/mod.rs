//! [`LiveVerifier`]: the one verifier every binding wraps. It owns the keys
//! and the policy (swapped atomically while other threads verify), a static
//! denylist, the live denylist and its one source, key freshness, the
//! counters and the fail-closed rules.

mod cache;
mod config;
mod denylist;
mod keys;
mod options;
mod prometheus;
mod source;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use jwtgate::{CacheStats, Denylist, Error, Key, KeySet, Limits, Policy, Verified, Verifier};

pub use cache::DEFAULT_CACHE_SIZE;
pub use config::LiveConfig;
pub(crate) use denylist::check_all;
pub use denylist::OwnedDenylist;
pub use keys::KeyMissListener;
pub use options::{algorithm_named, claim_named, PolicyOptions};
pub use prometheus::valid_prefix;
pub use source::SourceHandle;

use crate::confirm::{token_ids_of, Confirmer};
use crate::metrics::Reason;
use crate::{
    DenylistState, FileWatcher, Follower, FollowerOptions, MetricsSnapshot, RedisSource, SyncError,
    VerifyError, WatchOptions,
};
use cache::LiveCache;
use keys::{max_ms, max_of, KeyFreshness};
use source::{Running, SourceClaim};

/// Which static denylist a verification checks.
#[derive(Clone, Copy)]
enum Fixed<'d> {
    /// The configuration's ([`LiveVerifier::set_denylist`]).
    Configured,
    /// The caller's, for this call.
    Given(Option<&'d Denylist<'d>>),
}

/// The listener behind its `Arc` (arc-swap holds sized types only).
struct Listener(Arc<dyn KeyMissListener>);

/// A token verifier whose keys, policy and denylists change while it
/// serves. `Send + Sync`: share one per process as `Arc<LiveVerifier>`.
///
/// - Keys, policy and limits form one immutable [`LiveConfig`] behind an
///   `ArcSwap`: [`LiveVerifier::set_keys`], [`LiveVerifier::add_key`] and
///   [`LiveVerifier::update_policy`] install a new one (its generation one
///   higher) or, when the core refuses the result, change nothing. A
///   verification uses the configuration it loaded, never a mix.
/// - A static denylist ([`LiveVerifier::set_denylist`]) and the live one
///   ([`LiveVerifier::state`]), fed by at most one source at a time
///   ([`LiveVerifier::follow_redis`], [`LiveVerifier::watch_file`]).
/// - Fail-closed: a denylist older than [`LiveVerifier::set_max_staleness`]
///   (900) or keys older than [`LiveVerifier::set_max_key_staleness`] (908).
///
/// [`LiveVerifier::verify`] loads each of these with one atomic load: no
/// lock and no allocation.
pub struct LiveVerifier {
    config: ArcSwap<LiveConfig>,
    /// Serializes configuration changes (read, change, install), so none is
    /// lost; verification never takes it.
    writer: Mutex<()>,
    state: DenylistState,
    /// Whether `state` was made empty for this verifier (not given by the
    /// caller): then, until its first install, it holds no entry.
    state_fresh: bool,
    /// 0: no maximum.
    max_staleness_ms: AtomicU64,
    keys: KeyFreshness,
    key_miss: ArcSwapOption<Listener>,
    confirmer: Option<Arc<dyn Confirmer>>,
    /// Whether a source feeds `state` (the one-source rule).
    source_busy: Arc<AtomicBool>,
    /// The `max_leeway` of the Redis follower this verifier started, while
    /// it runs (`u64::MAX`: none): what its snapshots will keep, before its
    /// first one is installed.
    source_leeway: Arc<AtomicU64>,
    /// The verified-token cache (off at size 0).
    cache: LiveCache,
}

impl std::fmt::Debug for LiveVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveVerifier")
            .field("config", &self.config.load())
            .field("state", &self.state)
            .field("max_staleness", &self.max_staleness())
            .field("max_key_staleness", &self.keys.max())
            .field("key_miss_wait", &self.key_miss_wait())
            .field("confirms", &self.confirmer.is_some())
            .field("cache", &self.cache)
            .finish()
    }
}

/// The state of a new verifier: an empty live denylist, never synced.
fn fresh_state() -> Result<DenylistState, Error> {
    DenylistState::new().map_err(|e| match e {
        SyncError::Denylist(e) | SyncError::Config(e) => e,
        // Building an empty list touches neither the disk nor the network.
        _ => Error::DenylistMalformed,
    })
}

impl LiveVerifier {
    /// A verifier over `keys` and `policy`, with [`Limits::DEFAULT`], no
    /// static denylist and a fresh live denylist state (empty, never
    /// synced). Refuses what [`Verifier::try_new`] refuses:
    /// [`Error::EmptyKeySet`] (308) when no key has an algorithm the policy
    /// allows.
    pub fn new(keys: KeySet, policy: Policy) -> Result<LiveVerifier, Error> {
        let verifier = Verifier::try_new(keys, policy)?;
        Ok(Self::build(verifier, fresh_state()?, true))
    }

    /// A verifier that has no key yet: it rejects every token with
    /// [`Error::EmptyKeySet`] (308) until [`LiveVerifier::set_keys`] or
    /// [`LiveVerifier::add_key`] gives it one. For bindings that configure
    /// a handle step by step (the C ABI): until the configuration is
    /// usable, [`LiveVerifier::add_key`], [`LiveVerifier::update_keys`] and
    /// [`LiveVerifier::update_policy`] accept steps that leave it unusable;
    /// once it is, no change may make it unusable again.
    pub fn pending(policy: Policy) -> Result<LiveVerifier, Error> {
        Ok(Self::build(
            Verifier::new(KeySet::new(), policy),
            fresh_state()?,
            true,
        ))
    }

    /// A verifier over a core verifier's keys, policy and limits (its own
    /// denylist, if any, is ignored) and the shared live `state`, without the
    /// usability check of [`LiveVerifier::new`].
    pub fn from_verifier(verifier: &Verifier<'_>, state: DenylistState) -> LiveVerifier {
        let core = Verifier::new(verifier.keys().clone(), *verifier.policy())
            .with_limits(*verifier.limits());
        Self::build(core, state, false)
    }

    fn build(verifier: Verifier<'static>, state: DenylistState, state_fresh: bool) -> LiveVerifier {
        let cache = LiveCache::with_size(DEFAULT_CACHE_SIZE);
        LiveVerifier {
            config: ArcSwap::from_pointee(LiveConfig {
                verifier,
                denylist: None,
                generation: 0,
                cache: cache.load_full(),
                key_miss_wait_ms: 0,
            }),
            writer: Mutex::new(()),
            state,
            state_fresh,
            max_staleness_ms: AtomicU64::new(0),
            keys: KeyFreshness::default(),
            key_miss: ArcSwapOption::empty(),
            confirmer: None,
            source_busy: Arc::new(AtomicBool::new(false)),
            source_leeway: Arc::new(AtomicU64::new(u64::MAX)),
            cache,
        }
    }

    /// The same verifier with other limits (a new configuration).
    pub fn with_limits(self, limits: Limits) -> Self {
        // Cannot fail: the change is infallible and not checked.
        let _ = self.change(|v| Ok(v.with_limits(limits)), false);
        self
    }

    /// The same verifier over the live denylist `state`, shared with other
    /// verifiers or with code that installs snapshots itself.
    pub fn with_state(mut self, state: DenylistState) -> Self {
        self.state = state;
        self.state_fresh = false;
        self
    }

    /// Confirms every denylist hit against `confirmer` (an exact source,
    /// for example a follower's [`SourceHandle::revocations`]) before
    /// rejecting: a false positive of the filter is then accepted and
    /// counted.
    pub fn with_confirmer(mut self, confirmer: Arc<dyn Confirmer>) -> Self {
        self.confirmer = Some(confirmer);
        self
    }

    /// [`LiveVerifier::set_max_staleness`], builder style.
    pub fn with_max_staleness(self, max: Option<Duration>) -> Self {
        self.set_max_staleness(max);
        self
    }

    /// [`LiveVerifier::set_key_miss_wait`], builder style.
    pub fn with_key_miss_wait(self, bound: Option<Duration>) -> Self {
        self.set_key_miss_wait(bound);
        self
    }

    /// [`LiveVerifier::set_cache_size`], builder style.
    pub fn with_cache_size(self, entries: usize) -> Self {
        self.set_cache_size(entries);
        self
    }

    // --- the verified-token cache ---------------------------------------

    /// Replaces the verified-token cache with an empty one of `entries`
    /// (rounded down to a multiple of [`jwtgate::WAYS`]; 0 turns it off).
    /// On by default with [`DEFAULT_CACHE_SIZE`]. A hit skips only the
    /// signature check of a token that verified under the configuration in
    /// force; everything else runs on every call.
    pub fn set_cache_size(&self, entries: usize) {
        // Under the writer lock, with the configuration that carries the
        // cache to the verify path (same generation: a new cache is empty).
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        self.cache.resize(entries);
        let mut next = LiveConfig::clone(&self.config.load());
        next.cache = self.cache.load_full();
        self.config.store(Arc::new(next));
    }

    /// Entries the cache holds at most (0: off).
    pub fn cache_size(&self) -> usize {
        self.cache.capacity()
    }

    /// The cache's hit, miss, insert and eviction counts since this
    /// verifier was built (across resizes).
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.stats()
    }

    // --- keys and policy ------------------------------------------------

    /// Builds the next configuration from the current one with `f` and
    /// installs it, unless `f` fails or the result has no usable key while
    /// `must_be_usable` or the current one has one (a change never makes a
    /// usable verifier unusable). Writers are serialized.
    fn change(
        &self,
        f: impl FnOnce(Verifier<'static>) -> Result<Verifier<'static>, Error>,
        must_be_usable: bool,
    ) -> Result<(), Error> {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.config.load_full();
        let next = f(current.verifier.clone())?;
        if must_be_usable || current.is_usable() {
            next.check_usable()?;
        }
        // A larger leeway accepts tokens longer past `exp`: the live
        // denylist must still hold their revocations then.
        let leeway = next.policy().leeway;
        if leeway > current.verifier.policy().leeway {
            if let Some(kept) = self.kept_leeway().filter(|kept| leeway > *kept) {
                return Err(Error::LeewayBeyondRetention { leeway, kept });
            }
        }
        self.config.store(Arc::new(LiveConfig {
            verifier: next,
            denylist: current.denylist.clone(),
            generation: current.generation.saturating_add(1),
            cache: current.cache.clone(),
            key_miss_wait_ms: current.key_miss_wait_ms,
        }));
        Ok(())
    }

    /// Replaces every key at once. Refuses (and changes nothing) a set
    /// with no key the policy allows ([`Error::EmptyKeySet`], 308).
    /// Verifications in flight finish with the keys they loaded; every
    /// later one sees the new set.
    pub fn set_keys(&self, keys: KeySet) -> Result<(), Error> {
        self.change(
            |v| Ok(Verifier::new(keys, *v.policy()).with_limits(*v.limits())),
            true,
        )
    }

    /// Adds one key to the current set ([`Error::KeySetFull`] and
    /// [`Error::DuplicateKeyId`] change nothing).
    pub fn add_key(&self, key: Key) -> Result<(), Error> {
        self.update_keys(|keys| keys.add(key))
    }

    /// Changes the key set with `f` on a copy (adding a JWKS document, for
    /// example); installs it only if `f` succeeds and a usable verifier
    /// stays usable.
    pub fn update_keys(
        &self,
        f: impl FnOnce(&mut KeySet) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.change(
            |v| {
                let mut keys = v.keys().clone();
                f(&mut keys)?;
                Ok(Verifier::new(keys, *v.policy()).with_limits(*v.limits()))
            },
            false,
        )
    }

    /// Changes the policy with `f` on a copy; installs it only if `f`
    /// succeeds and a usable verifier stays usable ([`Error::EmptyKeySet`]
    /// when no key would be allowed).
    pub fn update_policy(
        &self,
        f: impl FnOnce(&mut Policy) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.change(
            |v| {
                let mut policy = *v.policy();
                f(&mut policy)?;
                Ok(Verifier::new(v.keys().clone(), policy).with_limits(*v.limits()))
            },
            false,
        )
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<LiveConfig> {
        self.config.load_full()
    }

    /// The limits in force (a copy; cheaper than [`LiveVerifier::config`]
    /// on a hot path: no reference count is touched).
    pub fn limits(&self) -> Limits {
        *self.config.load().limits()
    }

    /// The configuration's generation: 0, plus one per change.
    pub fn key_generation(&self) -> u64 {
        self.config.load().generation
    }

    // --- denylists ------------------------------------------------------

    /// Attaches (`Some`) or detaches (`None`) the static denylist,
    /// atomically. It is checked besides the live one; the counters'
    /// denylist gauges describe the live one only.
    pub fn set_denylist(&self, denylist: Option<OwnedDenylist>) {
        // With the configuration, so that verification loads both at once;
        // not a key or policy change: same generation.
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = LiveConfig::clone(&self.config.load());
        next.denylist = denylist;
        self.config.store(Arc::new(next));
    }

    /// The static denylist, if one is attached.
    pub fn denylist(&self) -> Option<OwnedDenylist> {
        self.config.load().denylist.clone()
    }

    /// The live denylist state (snapshot, staleness, counters), shared with
    /// its source.
    pub fn state(&self) -> &DenylistState {
        &self.state
    }

    /// Sets or clears the maximum staleness of the live denylist, at any
    /// time: once its source has not confirmed it current for longer (or
    /// never did), verification fails with [`VerifyError::Stale`] (900).
    pub fn set_max_staleness(&self, max: Option<Duration>) {
        self.max_staleness_ms.store(max_ms(max), Relaxed);
    }

    /// The maximum staleness of the live denylist, if set.
    pub fn max_staleness(&self) -> Option<Duration> {
        max_of(self.max_staleness_ms.load(Relaxed))
    }

    /// How long since the live denylist's source confirmed it current.
    pub fn staleness(&self) -> Option<Duration> {
        self.state.staleness()
    }

    /// Starts a follower of `source` that keeps the live denylist current.
    /// One source at a time: [`SyncError::SourceActive`] (906) while
    /// another runs. The returned handle stops it.
    ///
    /// The follower keeps each revocation until `until + max_leeway`, with
    /// `max_leeway` at least this verifier's policy `leeway` (raised from
    /// `options.build.retention` when the policy's is larger): the verifier
    /// accepts a token until `exp + leeway`, so a revocation dropped
    /// earlier would stop revoking. While it runs, a larger leeway than it
    /// keeps (or than the snapshot in force was pruned with) is refused
    /// ([`Error::LeewayBeyondRetention`], 806; [`LiveVerifier::kept_leeway`]).
    /// To raise it: start the source again with
    /// `options.build.retention.max_leeway` at least the new leeway and
    /// change the policy after its first load ([`SourceHandle::wait_ready`];
    /// what `jwtgate serve` does on a reload); or stop the source, change
    /// the policy, and start it again (until its first load the previous
    /// snapshot, pruned for the old leeway, stays in force).
    pub fn follow_redis(
        self: &Arc<Self>,
        source: RedisSource,
        mut options: FollowerOptions,
    ) -> Result<SourceHandle, SyncError> {
        let claim = SourceClaim::take(&self.source_busy)?;
        {
            // With the policy read and the follower's retention published
            // at once, so that no leeway change slips in between.
            let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
            let leeway = self.config.load().verifier.policy().leeway;
            let retention = &mut options.build.retention;
            retention.max_leeway = retention.max_leeway.max(leeway);
            self.source_leeway.store(retention.max_leeway, Relaxed);
        }
        // From here the claim puts `source_leeway` back when it is dropped:
        // when the follower stops, or now if it does not start.
        let claim = claim.resetting(Arc::clone(&self.source_leeway));
        let running = Follower::start(source, self.state.clone(), options)?;
        Ok(SourceHandle::new(Running::Redis(running), claim))
    }

    /// Loads the snapshot file at `path` now (an error here is returned)
    /// and watches it. One source at a time, as [`LiveVerifier::follow_redis`].
    pub fn watch_file(
        self: &Arc<Self>,
        path: PathBuf,
        options: WatchOptions,
    ) -> Result<SourceHandle, SyncError> {
        self.attach(|state| FileWatcher::start(path, state, options).map(Running::File))
    }

    /// The one-source rule: claims the live denylist, starts the source on
    /// it, and releases the claim if the source does not start.
    fn attach(
        &self,
        start: impl FnOnce(DenylistState) -> Result<Running, SyncError>,
    ) -> Result<SourceHandle, SyncError> {
        let claim = SourceClaim::take(&self.source_busy)?;
        Ok(SourceHandle::new(start(self.state.clone())?, claim))
    }

    /// While a Redis follower this verifier started runs, how long after
    /// their `until` its live denylist keeps revocations, in seconds: the
    /// smaller of the follower's `max_leeway` and what the snapshot in
    /// force was pruned with (an older follower's, until the new one's
    /// first load). A policy change to a larger leeway is then refused
    /// ([`Error::LeewayBeyondRetention`], 806): a revoked token would verify
    /// again between `until + kept` and `exp + leeway`. `None` while no
    /// follower runs: the list is not live then, and a follower started
    /// afterwards keeps revocations for the leeway in force
    /// ([`LiveVerifier::follow_redis`]), from its first load on.
    pub fn kept_leeway(&self) -> Option<u64> {
        let running = self.source_leeway.load(Relaxed);
        if running == u64::MAX {
            return None;
        }
        let installed = self.state.snapshot().kept_leeway().unwrap_or(u64::MAX);
        Some(running.min(installed))
    }

    /// Whether a source currently feeds the live denylist.
    pub fn has_source(&self) -> bool {
        self.source_busy.load(Relaxed)
    }

    // --- key freshness --------------------------------------------------

    /// Records that a key source confirmed the keys current (after a good
    /// fetch or a `304 Not Modified`).
    pub fn mark_keys_synced(&self) {
        self.keys.mark_synced();
    }

    /// How long since a key source confirmed the keys; `None`: never.
    pub fn key_staleness(&self) -> Option<Duration> {
        self.keys.staleness()
    }

    /// Sets or clears the maximum key staleness: once the keys are older
    /// (or were never confirmed), verification fails with
    /// [`VerifyError::KeysStale`] (908).
    pub fn set_max_key_staleness(&self, max: Option<Duration>) {
        self.keys.set_max(max);
    }

    /// The maximum key staleness, if set.
    pub fn max_key_staleness(&self) -> Option<Duration> {
        self.keys.max()
    }

    /// Sets (or clears) the listener told when a token names a key this
    /// verifier does not have.
    pub fn set_key_miss_listener(&self, listener: Option<Arc<dyn KeyMissListener>>) {
        self.key_miss.store(listener.map(|l| Arc::new(Listener(l))));
    }

    /// Sets or clears (`None` or zero, the default) the key-miss wait: the
    /// longest a verify call waits for the network when its token names a
    /// `kid` no key in force has. With it, before verifying, the call asks
    /// the key-miss listener ([`KeyMissListener::await_kid`]; a key source
    /// of [`LiveVerifier::follow_keys`]) to wait for the fetch in flight or
    /// the one it may start now, at most `bound`, then verifies once. No
    /// wait for a token without a `kid`, without a listener, or when the
    /// source's cooldown or negative cache forbids a fetch for that `kid`:
    /// a flood of random `kid`s waits only while the one fetch per
    /// cooldown is in flight. Without it (the default) the token is
    /// rejected at once as [`Error::UnknownKey`] and the refresh happens
    /// behind it; that verify path pays one test of a field of the
    /// configuration it loads anyway.
    pub fn set_key_miss_wait(&self, bound: Option<Duration>) {
        let ms = max_ms(bound.filter(|d| !d.is_zero()));
        // With the configuration (same generation: not a key change).
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = LiveConfig::clone(&self.config.load());
        next.key_miss_wait_ms = ms;
        self.config.store(Arc::new(next));
    }

    /// The key-miss wait, if set.
    pub fn key_miss_wait(&self) -> Option<Duration> {
        max_of(self.config.load().key_miss_wait_ms)
    }

    // --- verification ---------------------------------------------------

    /// Verifies `token` at `now` (seconds since the epoch) into `buf` (at
    /// least [`jwtgate::buffer_len`]`(token.len())` bytes): freshness,
    /// signature and claims with the configuration in force, then the static
    /// and the live denylists. Counts the outcome.
    // Inlined across crates so that the `Verified` lands in the caller's
    // frame instead of being copied out of this one (the C ABI's path).
    #[inline]
    pub fn verify<'b>(
        &self,
        token: &[u8],
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        self.verify_counted(token, now, Fixed::Configured, buf)
    }

    /// [`LiveVerifier::verify`] checking `denylist` (a list the caller
    /// holds for this call) instead of the static one; the live denylist
    /// is checked as always.
    pub fn verify_with_denylist<'b>(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&Denylist<'_>>,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        self.verify_counted(token, now, Fixed::Given(denylist), buf)
    }

    fn verify_counted<'b>(
        &self,
        token: &[u8],
        now: u64,
        fixed: Fixed<'_>,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        let result = self.verify_uncounted(token, now, fixed, buf);
        let metrics = self.state.metrics();
        match &result {
            Ok(_) => metrics.record_accepted(),
            Err(e) => metrics.record_rejected(Reason::of(e)),
        }
        result
    }

    /// [`LiveVerifier::verify`] at the system clock's time.
    pub fn verify_now<'b>(
        &self,
        token: &[u8],
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        self.verify(token, crate::unix_now(), buf)
    }

    fn verify_uncounted<'b>(
        &self,
        token: &[u8],
        now: u64,
        fixed: Fixed<'_>,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        self.keys.check(crate::unix_ms)?;
        let max_ms = self.max_staleness_ms.load(Relaxed);
        if max_ms != 0 {
            let age_ms = self
                .state
                .staleness_ms_at(crate::unix_ms())
                .unwrap_or(u64::MAX);
            if age_ms > max_ms {
                return Err(VerifyError::Stale { age_ms, max_ms });
            }
        }
        let mut config = self.config.load();
        if config.key_miss_wait_ms != 0 {
            // Not while holding the configuration: the wait may end with a
            // new one.
            let wait_ms = config.key_miss_wait_ms;
            drop(config);
            self.await_key(token, wait_ms);
            config = self.config.load();
        }
        let verifier = &config.verifier;
        if verifier.keys().is_empty() {
            // A pending verifier: say why, whatever the token.
            return Err(Error::EmptyKeySet.into());
        }
        let result = match config.cache.as_deref() {
            // A token enters the cache only after the denylists passed it.
            Some(cache) => {
                verifier.verify_cached_then(token, now, buf, cache, config.generation, |verified| {
                    self.check_denylists(&verified, now, &config, fixed)?;
                    Ok(verified)
                })
            }
            // The denylists borrow the result: it is not moved through them
            // (a few hundred bytes copied twice per call otherwise).
            None => match verifier.verify_with_denylist(token, now, None, buf) {
                Ok(verified) => self
                    .check_denylists(&verified, now, &config, fixed)
                    .map(|()| verified),
                Err(e) => Err(e.into()),
            },
        };
        if let Err(VerifyError::Token(Error::UnknownKey)) = result {
            self.key_missed(token);
        }
        result
    }

    /// The static and live denylists (and the confirmation of a hit).
    fn check_denylists(
        &self,
        verified: &Verified<'_>,
        now: u64,
        config: &LiveConfig,
        fixed: Fixed<'_>,
    ) -> Result<(), VerifyError> {
        // Looked up at `now - leeway`, as the core verifier does (format 1
        // and 2 lists skip windows that ended before it).
        let lookup = now.saturating_sub(config.verifier.policy().leeway);
        let fixed = match fixed {
            Fixed::Configured => config.denylist.as_ref().map(OwnedDenylist::view),
            Fixed::Given(denylist) => denylist.map(|d| Ok(*d)),
        };
        // The static list first; then the live state, which confirms a hit
        // of a follower's fingerprint-less levels against its exact set.
        let revoked = denylist::check_all(verified, fixed, lookup).and_then(|()| {
            if self.live_is_empty() {
                return Ok(());
            }
            self.state
                .check(verified, now, config.verifier.policy().leeway)
        });
        match revoked {
            Ok(()) => Ok(()),
            Err(Error::Revoked(kind)) => self.confirm(verified, now, kind),
            Err(e) => Err(e.into()),
        }
    }

    /// The key-miss wait: when `token` names a `kid` no key in force has,
    /// lets the listener wait (at most `wait_ms`) for a fetch that may
    /// bring it. Holds no lock and no configuration guard while waiting.
    #[cold]
    #[inline(never)]
    fn await_key(&self, token: &[u8], wait_ms: u64) {
        let Some(listener) = self.key_miss.load_full() else {
            return;
        };
        keys::with_token_kid(token, |kid| {
            let Some(kid) = kid else {
                return;
            };
            let known = self
                .config
                .load()
                .verifier
                .keys()
                .iter()
                .any(|k| k.kid() == Some(kid));
            if !known {
                listener.0.await_kid(kid, Duration::from_millis(wait_ms));
            }
        });
    }

    /// Whether the live denylist certainly holds no entry: it was made
    /// empty for this verifier and nothing was installed since. Spares the
    /// common case without a source (every C, Go and Python verifier until
    /// a follower or watcher starts) the snapshot's load and probe. An
    /// install swaps the snapshot in and then counts the generation, so a
    /// verification that still reads 0 is one that ran before the install.
    #[inline]
    fn live_is_empty(&self) -> bool {
        self.state_fresh && self.state.generation() == 0
    }

    /// Tells the key-miss listener, if any (only on the miss path).
    #[cold]
    fn key_missed(&self, token: &[u8]) {
        if let Some(listener) = self.key_miss.load().as_deref() {
            keys::with_token_kid(token, |kid| listener.0.unknown_kid(kid));
        }
    }

    fn confirm(
        &self,
        verified: &Verified<'_>,
        now: u64,
        kind: jwtgate::RevocationKind,
    ) -> Result<(), VerifyError> {
        let Some(confirmer) = &self.confirmer else {
            return Err(Error::Revoked(kind).into());
        };
        let metrics = self.state.metrics();
        metrics.confirmations.fetch_add(1, Relaxed);
        let ids = token_ids_of(verified.claims());
        match confirmer.confirm(&ids.as_ids(), now) {
            Ok(None) => {
                metrics.false_positives.fetch_add(1, Relaxed);
                Ok(())
            }
            Ok(Some(kind)) => Err(Error::Revoked(kind).into()),
            // The source cannot answer: keep the denylist's answer.
            Err(_) => Err(Error::Revoked(kind).into()),
        }
    }

    // --- metrics --------------------------------------------------------

    /// The counters in the Prometheus text exposition format, every name
    /// starting with `prefix` and `_`. [`SyncError::InvalidArgument`] (909)
    /// unless `prefix` is a valid metric name ([`valid_prefix`]).
    pub fn prometheus(&self, prefix: &str) -> Result<String, SyncError> {
        prometheus::check_prefix(prefix)?;
        Ok(self.metrics().prometheus(prefix))
    }

    /// Every counter and gauge of the live denylist state, with this
    /// verifier's cache counters.
    pub fn metrics(&self) -> MetricsSnapshot {
        let mut m = self.state.metrics_snapshot();
        let stats = self.cache.stats();
        m.cache_hits = stats.hits;
        m.cache_misses = stats.misses;
        m.cache_inserts = stats.inserts;
        m.cache_evictions = stats.evictions;
        m.cache_entries = u64::try_from(self.cache.capacity()).unwrap_or(u64::MAX);
        m
    }
}
