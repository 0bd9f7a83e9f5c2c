//! [`KeySource`]: keeps a verifier's keys current from an identity
//! provider's JWKS (a `jwks_uri`, or an issuer through OpenID Connect
//! discovery) or from a local JWKS file.
//!
//! - **Transport** ([`TransportOptions`]): HTTPS only (plain `http` only to
//!   loopback, with an explicit option); redirects only to the same scheme
//!   and host; rustls with ring, the webpki roots or a custom CA bundle;
//!   connect and total timeouts; a body cap (1 MiB by default). Keys named
//!   inside a token (`jku`, `x5u`, `x5c`, `jwk`) are never fetched: only the
//!   configured location is.
//! - **Discovery**: `{issuer}/.well-known/openid-configuration`; its
//!   `issuer` must equal the configured one exactly, and the issuer is
//!   then required by the verifier's policy ([`KeySink::require_issuer`]).
//! - **Refresh**: one background thread. It refetches when the last answer's
//!   `Cache-Control: max-age` runs out, bounded by
//!   [`KeySourceOptions::refresh_min`] and [`KeySourceOptions::refresh_max`]
//!   ([`KeySourceOptions::refresh_default`] without one), conditionally
//!   (`If-None-Match` with the last `ETag`). A token naming an unknown `kid`
//!   ([`KeyRefresher::unknown_kid`]) asks for an early refresh without
//!   waiting for it: the token is rejected now, the refresh happens behind
//!   it. With a key-miss wait ([`crate::LiveVerifier::set_key_miss_wait`],
//!   none by default) the verify call first waits at most that bound for
//!   the fetch in flight or the one it may start
//!   ([`KeyRefresher::await_kid`]); inside the cooldown with no fetch in
//!   flight, or for a `kid` in the negative cache, it does not wait. At most one fetch is in flight (one thread), kid-triggered fetches
//!   are at least [`KeySourceOptions::cooldown`] apart (30 s by default),
//!   and a `kid` still unknown after a good fetch (or a 304) is not asked
//!   for again during [`KeySourceOptions::negative_ttl`]. A flood of random `kid`s costs at
//!   most one fetch per cooldown.
//! - **Failure**: a failed fetch, an error status, an invalid document or
//!   one without any usable key keeps the last good keys (stale-if-error);
//!   the next try comes one cooldown later. A document with some unusable
//!   keys installs the good ones and counts the others (RFC 7517 §5).
//!   Freshness is reported to the sink ([`KeySink::mark_keys_synced`]) after
//!   every good fetch and every 304, so that the verifier can fail closed
//!   past a maximum key staleness.
//! - **Rotation**: each good fetch replaces the whole key set atomically
//!   ([`KeySink::install_keys`]); a key removed upstream stops verifying
//!   once the refresh lands.

mod discovery;
mod document;
mod error;
mod file;
mod live;
mod metrics;
mod once;
mod refresh;
mod transport;

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use jwtgate::KeySet;

pub use error::KeySourceError;
pub use metrics::{KeySourceMetrics, KeySourceSnapshot};
pub use once::{fetch_keys, FetchedKeys};
pub use transport::{TransportOptions, DEFAULT_MAX_BODY};

use refresh::Shared;

/// Where a verifier's keys are installed: implemented by
/// [`crate::LiveVerifier`]; implement it to feed keys elsewhere.
pub trait KeySink: Send + Sync {
    /// Replaces the whole key set, atomically.
    fn install_keys(&self, keys: KeySet) -> Result<(), jwtgate::Error>;
    /// The source confirmed the keys in force current (a good fetch or a
    /// 304).
    fn mark_keys_synced(&self);
    /// Discovery confirmed `issuer`: tokens must name it.
    fn require_issuer(&self, issuer: &str) -> Result<(), jwtgate::Error>;
}

/// Where a [`KeySource`] gets its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A JWKS URL (`jwks_uri`).
    JwksUrl(String),
    /// An issuer URL: the JWKS URL comes from its discovery document.
    Issuer(String),
    /// A local JWKS file, polled for changes.
    File(PathBuf),
}

/// How a [`KeySource`] refreshes.
#[derive(Clone, Debug)]
pub struct KeySourceOptions {
    /// The HTTPS client's policy and limits.
    pub transport: TransportOptions,
    /// The shortest interval between scheduled refreshes, whatever
    /// `Cache-Control` says (also for `no-cache`).
    pub refresh_min: Duration,
    /// The longest interval between scheduled refreshes.
    pub refresh_max: Duration,
    /// The interval when the answer has no `max-age`.
    pub refresh_default: Duration,
    /// The shortest interval between two fetches asked for by unknown
    /// `kid`s, and the wait before retrying a failed fetch.
    pub cooldown: Duration,
    /// How long a `kid` still unknown after a fetch asks for no refresh.
    pub negative_ttl: Duration,
    /// How often a local file's metadata is read.
    pub file_poll: Duration,
}

impl Default for KeySourceOptions {
    fn default() -> Self {
        KeySourceOptions {
            transport: TransportOptions::default(),
            refresh_min: Duration::from_secs(60),
            refresh_max: Duration::from_secs(24 * 3600),
            refresh_default: Duration::from_secs(300),
            cooldown: Duration::from_secs(30),
            negative_ttl: Duration::from_secs(300),
            file_poll: Duration::from_millis(500),
        }
    }
}

/// A cheap handle that asks the source for a refresh when a token names
/// an unknown `kid` (see the module documentation). Never blocks on the
/// network: it sets a flag and wakes the source's thread.
#[derive(Clone)]
pub struct KeyRefresher {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for KeyRefresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRefresher").finish_non_exhaustive()
    }
}

impl KeyRefresher {
    /// A token named `kid` (or none) and no key matched: counts it and,
    /// unless the cooldown runs or the `kid` is in the negative cache, asks
    /// for a refresh.
    pub fn unknown_kid(&self, kid: Option<&str>) {
        self.shared.unknown_kid(kid);
    }

    /// A verify call with a key-miss wait found no key named `kid`: waits
    /// at most `bound` for a fetch that may bring it (the one in flight,
    /// or one asked for now when the cooldown allows); returns at once for
    /// a `kid` in the negative cache, inside the cooldown with no fetch in
    /// flight, or for a local file. See [`crate::LiveVerifier::set_key_miss_wait`].
    pub fn await_kid(&self, kid: &str, bound: Duration) {
        self.shared.await_kid(kid, bound);
    }
}

/// Keeps a [`KeySink`]'s keys current from a [`KeyLocation`] (see the
/// module documentation). Stops when dropped.
pub struct KeySource {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// The verifier whose key-miss listener this source is, if any.
    live: Option<std::sync::Weak<crate::LiveVerifier>>,
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySource")
            .field("location", &self.shared.location)
            .field("jwks", &self.shared.jwks)
            .field("metrics", &self.metrics())
            .field("last_error", &self.last_error())
            .finish()
    }
}

impl KeySource {
    /// Resolves `location` (discovery for an issuer), fetches and installs
    /// the keys now — an error here is returned: a service should not start
    /// without keys — then refreshes them in the background.
    pub fn start(
        location: KeyLocation,
        sink: Arc<dyn KeySink>,
        options: KeySourceOptions,
    ) -> Result<KeySource, KeySourceError> {
        let (shared, state) = refresh::start(location, sink.as_ref(), options)?;
        let shared = Arc::new(shared);
        let t_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("jwtgate-keys".into())
            .spawn(move || refresh::run(&t_shared, sink.as_ref(), state))?;
        Ok(KeySource {
            shared,
            thread: Some(thread),
            live: None,
        })
    }

    /// The handle to call when a token names an unknown `kid`.
    pub fn refresher(&self) -> KeyRefresher {
        KeyRefresher {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The JWKS URL fetched (the discovered one for an issuer), or the
    /// file's path.
    pub fn jwks_location(&self) -> &str {
        &self.shared.jwks
    }

    /// The counters.
    pub fn metrics(&self) -> KeySourceSnapshot {
        self.shared.metrics.snapshot()
    }

    /// How long since the keys were last confirmed current (`None`: never,
    /// which cannot happen after a successful start).
    pub fn key_staleness(&self) -> Option<Duration> {
        self.shared.staleness_ms().map(Duration::from_millis)
    }

    /// The counters and the key staleness in the Prometheus text format,
    /// names under `{prefix}_keys_`.
    pub fn prometheus(&self, prefix: &str) -> String {
        self.metrics()
            .prometheus(prefix, self.shared.staleness_ms())
    }

    /// The last fetch error, kept after recovery (compare its time with the
    /// key staleness).
    pub fn last_error(&self) -> Option<String> {
        self.last_error_at().map(|(e, _)| e)
    }

    /// The last fetch error and when it happened.
    pub fn last_error_at(&self) -> Option<(String, SystemTime)> {
        self.shared.last_error()
    }

    /// Stops refreshing and waits for the thread (an HTTP request in flight
    /// finishes first, within the transport's timeout).
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        if let Some(live) = self.live.take() {
            live::detach(&live);
        }
        self.shared.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for KeySource {
    fn drop(&mut self) {
        self.stop_inner();
    }
}
