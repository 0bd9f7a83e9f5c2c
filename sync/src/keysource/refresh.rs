//! The refresh scheduler: the source's shared state, the first fetch and
//! the background loop (timed refreshes, kid-triggered refreshes with
//! cooldown and negative cache, stale-if-error).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::document::{parse_jwks, Parsed};
use super::file::{FilePoll, FileState};
use super::transport::{Fetched, Transport, TransportOptions};
use super::{discovery, KeyLocation, KeySink, KeySourceError, KeySourceMetrics, KeySourceOptions};

/// Pending `kid`s remembered for the negative cache, per fetch.
const MAX_PENDING_KIDS: usize = 16;
/// Entries of the negative cache (expired ones are pruned first; past this,
/// new `kid`s are not cached: the cooldown still bounds the fetches).
const MAX_NEGATIVE_KIDS: usize = 1024;

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// State shared by the handle, the refreshers and the thread. Holds no
/// reference to the sink, so that a sink may hold a refresher (no cycle).
pub(crate) struct Shared {
    pub(crate) location: KeyLocation,
    /// The JWKS URL or the file's path.
    pub(crate) jwks: String,
    pub(crate) metrics: KeySourceMetrics,
    options: KeySourceOptions,
    network: bool,
    epoch: Instant,
    /// Milliseconds since `epoch` plus one of the last fetch attempt; 0: none.
    last_attempt: AtomicU64,
    /// The same for the last good fetch or 304; 0: never.
    last_ok: AtomicU64,
    requested: AtomicBool,
    pending: Mutex<Vec<String>>,
    /// `kid` → expiry (as `last_attempt`).
    negative: Mutex<HashMap<String, u64>>,
    wake_lock: Mutex<()>,
    wake: Condvar,
    /// Whether a network fetch runs now (set before `last_attempt`,
    /// cleared before `fetches` counts it).
    in_flight: AtomicBool,
    /// Network fetches completed (whatever their outcome); verify calls
    /// waiting for a key ([`Shared::await_kid`]) wait for it to change.
    fetches: Mutex<u64>,
    fetched: Condvar,
    stop: AtomicBool,
    last_error: Mutex<Option<(String, SystemTime)>>,
}

/// What the thread keeps between fetches.
pub(crate) struct RefreshState {
    transport: Option<Transport>,
    etag: Option<String>,
    file: Option<FileState>,
    /// When the next timed refresh is due (as `last_attempt`).
    due: u64,
}

impl Shared {
    fn now(&self) -> u64 {
        ms(self.epoch.elapsed()).saturating_add(1)
    }

    pub(crate) fn staleness_ms(&self) -> Option<u64> {
        match self.last_ok.load(Relaxed) {
            0 => None,
            at => Some(self.now().saturating_sub(at)),
        }
    }

    pub(crate) fn last_error(&self) -> Option<(String, SystemTime)> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn in_cooldown(&self, now: u64) -> bool {
        let last = self.last_attempt.load(SeqCst);
        last != 0 && now < last.saturating_add(ms(self.options.cooldown))
    }

    pub(crate) fn unknown_kid(&self, kid: Option<&str>) {
        self.metrics.unknown_kid.fetch_add(1, Relaxed);
        if !self.network {
            // A local file is polled anyway: nothing to fetch early.
            return;
        }
        let now = self.now();
        if self.in_cooldown(now) {
            self.metrics.cooldown_hits.fetch_add(1, Relaxed);
            return;
        }
        if kid.is_some_and(|kid| self.is_negative(kid, now)) {
            self.metrics.negative_hits.fetch_add(1, Relaxed);
            return;
        }
        self.request(kid);
    }

    /// Whether `kid` is in the negative cache. `try_lock`: a verify never
    /// waits here; when contended the cooldown and single flight still
    /// bound the fetches.
    fn is_negative(&self, kid: &str, now: u64) -> bool {
        self.negative
            .try_lock()
            .is_ok_and(|negative| negative.get(kid).is_some_and(|&until| until > now))
    }

    /// Asks the thread for a fetch (remembering `kid` for the negative
    /// cache); counted once per fetch asked for.
    fn request(&self, kid: Option<&str>) {
        if let (Some(kid), Ok(mut pending)) = (kid, self.pending.try_lock()) {
            if pending.len() < MAX_PENDING_KIDS && !pending.iter().any(|k| k == kid) {
                pending.push(kid.to_owned());
            }
        }
        if self.requested.swap(true, Relaxed) {
            return;
        }
        self.metrics.refresh_requested.fetch_add(1, Relaxed);
        self.notify();
    }

    /// The key-miss wait (see [`crate::KeyMissListener::await_kid`]): a
    /// verify call whose token names `kid`, which no key in force has,
    /// waits at most `bound` for the fetch in flight, or for the one it
    /// asks for when no cooldown forbids it. No wait for a local file, a
    /// `kid` in the negative cache, or inside the cooldown with no fetch
    /// in flight: once a fetch came back without `kid`, it is in the
    /// negative cache (or the cooldown runs) and nobody waits for it
    /// again. So a flood of random `kid`s waits only while the one fetch
    /// per cooldown is in flight, each call at most `bound`. The miss
    /// itself is counted by [`Shared::unknown_kid`] if the verify then
    /// still fails.
    pub(crate) fn await_kid(&self, kid: &str, bound: Duration) {
        if !self.network || bound.is_zero() {
            return;
        }
        let deadline = Instant::now().checked_add(bound);
        // Read before deciding: a fetch completed from here on ends the wait.
        let start = *self.fetches.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.now();
        if self.is_negative(kid, now) {
            return;
        }
        if !self.in_flight.load(SeqCst) {
            if self.in_cooldown(now) {
                return;
            }
            self.request(Some(kid));
        }
        self.metrics.miss_waits.fetch_add(1, Relaxed);
        let mut fetches = self.fetches.lock().unwrap_or_else(PoisonError::into_inner);
        while *fetches == start && !self.stop.load(Relaxed) {
            let left = deadline.map_or(bound, |d| d.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                return;
            }
            fetches = self
                .fetched
                .wait_timeout(fetches, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// A network fetch completed: wakes the verify calls waiting for it.
    fn fetch_done(&self) {
        self.in_flight.store(false, SeqCst);
        let mut fetches = self.fetches.lock().unwrap_or_else(PoisonError::into_inner);
        *fetches = fetches.wrapping_add(1);
        drop(fetches);
        self.fetched.notify_all();
    }

    fn notify(&self) {
        // Taking the lock orders this wake after the thread's check of the
        // flags, or before its wait: no wake-up is lost. It is held by the
        // thread only to check flags, never across a fetch.
        drop(
            self.wake_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        self.wake.notify_one();
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Relaxed);
        self.notify();
        // Waiting verify calls return (no fetch will come).
        drop(self.fetches.lock().unwrap_or_else(PoisonError::into_inner));
        self.fetched.notify_all();
    }

    /// Waits until a refresh is due or asked for; `false` when stopping.
    fn wait(&self, due: u64) -> bool {
        let mut guard = self
            .wake_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.stop.load(Relaxed) {
                return false;
            }
            let now = self.now();
            if self.requested.load(Relaxed) {
                if !self.in_cooldown(now) {
                    return true;
                }
                // Asked for inside the cooldown (a race with the last
                // fetch's start): that fetch answers it.
                self.requested.store(false, Relaxed);
            }
            if now >= due {
                return true;
            }
            let wait = Duration::from_millis(due - now);
            guard = self
                .wake
                .wait_timeout(guard, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn record_error(&self, e: &KeySourceError) {
        self.metrics.fetch_failed.fetch_add(1, Relaxed);
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((e.to_string(), SystemTime::now()));
    }

    fn synced(&self, sink: &dyn KeySink) {
        self.last_ok.store(self.now(), Relaxed);
        sink.mark_keys_synced();
    }

    /// Remembers the `kid`s that asked for this fetch and are still unknown.
    fn remember_unknown(&self, known: impl Fn(&str) -> bool) {
        let kids =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if kids.is_empty() {
            return;
        }
        let now = self.now();
        let until = now.saturating_add(ms(self.options.negative_ttl));
        let mut negative = self.negative.lock().unwrap_or_else(PoisonError::into_inner);
        negative.retain(|_, &mut t| t > now);
        for kid in kids {
            if !known(&kid) && negative.len() < MAX_NEGATIVE_KIDS {
                negative.insert(kid, until);
            }
        }
    }

    /// The next timed refresh after a good answer with this `max-age`.
    fn interval(&self, max_age: Option<Duration>) -> Duration {
        let o = &self.options;
        max_age
            .unwrap_or(o.refresh_default)
            .clamp(o.refresh_min, o.refresh_max.max(o.refresh_min))
    }
}

/// A location resolved: the JWKS URL (discovered for an issuer) and the
/// client, or the file.
pub(crate) struct Resolved {
    pub(crate) jwks: String,
    pub(crate) transport: Option<Transport>,
    pub(crate) issuer: Option<String>,
    pub(crate) file: Option<FileState>,
}

/// Checks a URL location against the policy (discovery for an issuer).
pub(crate) fn resolve(
    location: &KeyLocation,
    options: &TransportOptions,
) -> Result<Resolved, KeySourceError> {
    Ok(match location {
        KeyLocation::JwksUrl(url) => {
            let transport = Transport::new(options.clone())?;
            transport.check_url(url)?;
            Resolved {
                jwks: url.clone(),
                transport: Some(transport),
                issuer: None,
                file: None,
            }
        }
        KeyLocation::Issuer(issuer) => {
            let transport = Transport::new(options.clone())?;
            let jwks = discovery::discover(&transport, issuer)?;
            Resolved {
                jwks,
                transport: Some(transport),
                issuer: Some(issuer.clone()),
                file: None,
            }
        }
        KeyLocation::File(path) => Resolved {
            jwks: path.display().to_string(),
            transport: None,
            issuer: None,
            file: Some(FileState::new(path.clone())),
        },
    })
}

/// Resolves the location and makes the first fetch.
pub(crate) fn start(
    location: KeyLocation,
    sink: &dyn KeySink,
    options: KeySourceOptions,
) -> Result<(Shared, RefreshState), KeySourceError> {
    let Resolved {
        jwks,
        transport,
        issuer,
        file,
    } = resolve(&location, &options.transport)?;
    let shared = Shared {
        location,
        jwks,
        metrics: KeySourceMetrics::default(),
        network: transport.is_some(),
        options,
        epoch: Instant::now(),
        last_attempt: AtomicU64::new(0),
        last_ok: AtomicU64::new(0),
        requested: AtomicBool::new(false),
        pending: Mutex::new(Vec::new()),
        negative: Mutex::new(HashMap::new()),
        wake_lock: Mutex::new(()),
        wake: Condvar::new(),
        in_flight: AtomicBool::new(false),
        fetches: Mutex::new(0),
        fetched: Condvar::new(),
        stop: AtomicBool::new(false),
        last_error: Mutex::new(None),
    };
    let mut state = RefreshState {
        transport,
        etag: None,
        file,
        due: 0,
    };
    if let Some(issuer) = issuer {
        sink.require_issuer(&issuer).map_err(|e| {
            KeySourceError::Refused(format!("issuer {issuer:?} not added to the policy: {e}"))
        })?;
    }
    refresh(&shared, sink, &mut state)?;
    Ok((shared, state))
}

/// The background loop, until stopped.
pub(crate) fn run(shared: &Shared, sink: &dyn KeySink, mut state: RefreshState) {
    while shared.wait(state.due) {
        // An error is counted and kept in `last_error`; the keys in force stay.
        let _ = refresh(shared, sink, &mut state);
    }
}

/// One fetch (or file poll), its outcome counted and the next one scheduled.
fn refresh(
    shared: &Shared,
    sink: &dyn KeySink,
    state: &mut RefreshState,
) -> Result<(), KeySourceError> {
    if shared.network {
        // Before `last_attempt`: whoever sees this fetch's cooldown sees
        // it in flight (see `Shared::await_kid`).
        shared.in_flight.store(true, SeqCst);
    }
    let now = shared.now();
    shared.last_attempt.store(now, SeqCst);
    shared.requested.store(false, Relaxed);
    if let Some(file) = &mut state.file {
        state.due = now.saturating_add(ms(shared.options.file_poll));
        let max = shared.options.transport.max_body;
        return match file.poll(max) {
            Ok(FilePoll::Unchanged { good: true }) => {
                shared.synced(sink);
                Ok(())
            }
            // Still the file that failed: reported once, when it changed.
            Ok(FilePoll::Unchanged { good: false }) => Ok(()),
            Ok(FilePoll::Changed(document)) => {
                let result = install(shared, sink, &document).map(|_| ());
                file.loaded(result.is_ok());
                result
            }
            Err(e) => {
                file.loaded(false);
                shared.record_error(&e);
                Err(e)
            }
        };
    }
    let Some(transport) = &state.transport else {
        // `network` is false without a transport: nothing in flight.
        return Ok(());
    };
    let result = transport.get(&shared.jwks, state.etag.as_deref());
    let outcome = match result {
        Ok(Fetched::NotModified { max_age }) => {
            shared.metrics.not_modified.fetch_add(1, Relaxed);
            shared.synced(sink);
            state.due = now.saturating_add(ms(shared.interval(max_age)));
            Ok(None)
        }
        Ok(Fetched::Body {
            body,
            etag,
            max_age,
        }) => install(shared, sink, &body).map(|keys| {
            state.etag = etag;
            state.due = now.saturating_add(ms(shared.interval(max_age)));
            Some(keys)
        }),
        Err(e) => {
            shared.record_error(&e);
            Err(e)
        }
    };
    match &outcome {
        Ok(Some(keys)) => shared.remember_unknown(|kid| keys.iter().any(|k| k.kid() == Some(kid))),
        // 304: the keys did not change, so the kids are still unknown.
        Ok(None) => shared.remember_unknown(|_| false),
        // A failed fetch taught nothing: no kid is cached as unknown (it
        // may be the provider's new key), only the cooldown applies.
        Err(_) => shared.remember_unknown(|_| true),
    }
    if outcome.is_err() {
        // Stale-if-error: the keys in force stay; retry one cooldown later.
        state.due = now.saturating_add(ms(shared.options.cooldown));
    }
    // After the keys and the negative cache: a woken waiter sees both.
    shared.fetch_done();
    outcome.map(|_| ())
}

/// Parses and installs a document; counts the outcome.
fn install(
    shared: &Shared,
    sink: &dyn KeySink,
    document: &[u8],
) -> Result<jwtgate::KeySet, KeySourceError> {
    let parsed = parse_jwks(document).map_err(|(e, skipped)| {
        shared
            .metrics
            .skipped_keys
            .fetch_add(u64::try_from(skipped).unwrap_or(u64::MAX), Relaxed);
        shared.record_error(&e);
        e
    });
    let Parsed { keys, skipped } = parsed?;
    shared
        .metrics
        .skipped_keys
        .fetch_add(u64::try_from(skipped).unwrap_or(u64::MAX), Relaxed);
    let len = u64::try_from(keys.len()).unwrap_or(u64::MAX);
    if let Err(e) = sink.install_keys(keys.clone()) {
        let e = KeySourceError::Document(format!("key set refused by the verifier: {e}"));
        shared.record_error(&e);
        return Err(e);
    }
    shared.metrics.keys.store(len, Relaxed);
    shared.metrics.fetch_ok.fetch_add(1, Relaxed);
    shared.synced(sink);
    Ok(keys)
}
