//! `_jwtgate.Verifier`: a [`LiveVerifier`] (keys, policy, the static and
//! the live denylist, its source, metrics) called per request with the GIL
//! released for asymmetric keys and long tokens. This file only converts
//! arguments and results; every rule is the sync crate's or the core's.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jwtgate::Limits;
use jwtgate_sync::{
    FollowerOptions, LiveVerifier, PolicyOptions, Reason, RedisSource, VerifyError, WatchOptions,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::denylist::Denylist;
use crate::errors::{
    key_source_err, option_err, payload_err, sync_err, sync_err_with, token_type_err, verifier_err,
    verify_err,
};
use crate::json2py;
use crate::keys::KeySet;
use crate::keysource::{KeySource, SourceArgs};
use crate::sync::{self, seconds};
use crate::time::now_secs;

/// Tokens whose decode buffer fits here are verified without a heap buffer.
const STACK_BUF: usize = 2048;

/// `verify` releases the GIL for tokens of at least this many bytes, or
/// when the verifier holds an asymmetric key. Smaller HMAC verifications
/// (about a microsecond) are shorter than handing the GIL over and taking
/// it back (about 0.1 us alone; with other threads waiting, taking it back
/// can cost a whole switch interval): `hashlib`'s rule, which releases the
/// GIL from 2 KiB of data.
const GIL_RELEASE_MIN: usize = 2048;

/// The limits of every verifier built here (the core's defaults): the
/// buffer sizes and the claims dict use them without loading the
/// configuration.
const LIMITS: Limits = Limits::DEFAULT;

/// A verifier: keys (replaceable with `set_keys`), policy, an optional
/// static denylist and a live one (fed by `follow_redis` or `watch_file`),
/// shared by every thread.
///
/// Low-level: the public `jwtgate.Verifier` subclasses it and turns
/// user-friendly arguments (keys in any form, a single issuer string, ...)
/// into this constructor's.
#[pyclass(frozen, subclass, module = "jwtgate._jwtgate")]
pub struct Verifier {
    /// Everything the verifier is; shared with its denylist source.
    live: Arc<LiveVerifier>,
    /// Whether some key is asymmetric (tens of microseconds per signature):
    /// `verify` then always releases the GIL (see [`GIL_RELEASE_MIN`]).
    /// Updated after each key change (a stale value only moves where the
    /// GIL is released, never a verdict).
    slow_keys: AtomicBool,
}

/// Whether `keys` holds an asymmetric key.
fn has_slow_keys(keys: &jwtgate::KeySet) -> bool {
    keys.iter().any(|k| !k.algorithm().is_symmetric())
}

/// The bytes of a token argument (`str` or `bytes`); anything else is
/// PyJWT's `DecodeError`.
fn token_bytes<'a>(py: Python<'_>, token: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(s) = token.cast::<PyString>() {
        Ok(s.to_str()?.as_bytes())
    } else if let Ok(b) = token.cast::<PyBytes>() {
        Ok(b.as_bytes())
    } else {
        Err(token_type_err(py))
    }
}

/// Applies one constructor option (`what`, for the error message) to
/// `policy` by the sync crate's rules.
fn apply(
    py: Python<'_>,
    policy: &mut jwtgate::Policy,
    what: &str,
    options: PolicyOptions,
) -> PyResult<()> {
    options.apply(policy).map_err(|e| option_err(py, what, e))
}

#[pymethods]
impl Verifier {
    /// A verifier over `keys` (a `KeySet`, refused when no key has an
    /// algorithm of `algorithms`; `None`: no key until `_follow_keys`
    /// installs some, every verification refused until then). `issuer`/`audience`: the accepted values
    /// (any one matches; `None` accepts any issuer and no audience; an
    /// empty list or an empty string is refused). `algorithms`: the allowed
    /// algorithm names (`None`: all); keys of other algorithms are unusable. `required`: registered claims that must be present
    /// (`None`: just `exp`). `typ`: a required header `typ`. `max_age`:
    /// reject tokens whose `iat` is older. The `verify_*` flags turn single
    /// checks off. `cache_size`: entries of the verified-token cache (0:
    /// off; `None`: the default, 4096).
    #[new]
    #[pyo3(signature = (
        keys, *, issuer=None, audience=None, leeway=0, required=None, denylist=None,
        verify_exp=true, verify_nbf=true, verify_iat=true, verify_aud=true, typ=None, max_age=None,
        algorithms=None, cache_size=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        keys: Option<PyRef<'_, KeySet>>,
        issuer: Option<Vec<String>>,
        audience: Option<Vec<String>>,
        leeway: u64,
        required: Option<Vec<String>>,
        denylist: Option<PyRef<'_, Denylist>>,
        verify_exp: bool,
        verify_nbf: bool,
        verify_iat: bool,
        verify_aud: bool,
        typ: Option<String>,
        max_age: Option<u64>,
        algorithms: Option<Vec<String>>,
        cache_size: Option<usize>,
    ) -> PyResult<Self> {
        // One option at a time, so that a refusal names the argument.
        let mut policy = jwtgate::Policy::new();
        let options = [
            (
                "algorithms",
                PolicyOptions {
                    algorithms,
                    ..PolicyOptions::default()
                },
            ),
            (
                "issuer",
                PolicyOptions {
                    issuers: issuer,
                    ..PolicyOptions::default()
                },
            ),
            (
                "audience",
                PolicyOptions {
                    audiences: audience,
                    ..PolicyOptions::default()
                },
            ),
            (
                "required",
                PolicyOptions {
                    required,
                    ..PolicyOptions::default()
                },
            ),
            (
                "typ",
                PolicyOptions {
                    typ,
                    leeway: Some(leeway),
                    max_age,
                    verify_exp: Some(verify_exp),
                    verify_nbf: Some(verify_nbf),
                    verify_iat: Some(verify_iat),
                    verify_aud: Some(verify_aud),
                    ..PolicyOptions::default()
                },
            ),
        ];
        for (what, options) in options {
            apply(py, &mut policy, what, options)?;
        }
        let slow_keys = keys.as_ref().is_some_and(|k| has_slow_keys(&k.inner));
        // `LiveVerifier::new` uses the core's default limits, this file's LIMITS.
        let live = match keys {
            Some(keys) => LiveVerifier::new(keys.inner.clone(), policy),
            None => LiveVerifier::pending(policy),
        }
        .map_err(|e| verifier_err(py, e))?;
        debug_assert_eq!(*live.config().limits(), LIMITS);
        live.set_denylist(denylist.map(|d| d.inner.clone()));
        Ok(Verifier {
            live: Arc::new(
                live.with_cache_size(cache_size.unwrap_or(jwtgate_sync::DEFAULT_CACHE_SIZE)),
            ),
            slow_keys: AtomicBool::new(slow_keys),
        })
    }

    /// Replaces every key at once (a `KeySet`): verifications in flight
    /// finish with the keys they started with, every later one uses the
    /// new set. A set with no key `algorithms` allows is refused
    /// (`ValueError`) and changes nothing.
    fn set_keys(&self, py: Python<'_>, keys: PyRef<'_, KeySet>) -> PyResult<()> {
        let slow = has_slow_keys(&keys.inner);
        let keys = keys.inner.clone();
        self.live.set_keys(keys).map_err(|e| verifier_err(py, e))?;
        self.slow_keys.store(slow, Ordering::Relaxed);
        Ok(())
    }

    /// Fetches the keys of the JWKS at `url` (or, with `issuer`, of the
    /// issuer's discovery document, whose issuer tokens must then name)
    /// now, installs them in place of the keys in force, and keeps them
    /// current in the background (the sync crate's key source: refresh on
    /// `max-age` within `refresh_min`..`refresh_max` seconds, at most one
    /// early refresh per `cooldown` for unknown kids, a failed fetch keeps
    /// the keys). `max_key_staleness` (seconds; None: never) makes
    /// ``verify`` fail closed (code 908) once the keys were not confirmed
    /// current for that long. `key_miss_wait` (seconds; None or 0: no
    /// wait) is the longest a ``verify`` waits for the fetch that may
    /// bring a token's unknown kid (`LiveVerifier::set_key_miss_wait`).
    /// Raises ``ValueError`` (code 911) for a refused URL, ``SyncError``
    /// (code 910) when the fetch fails. The returned ``KeySource`` stops
    /// the source when stopped or dropped.
    #[pyo3(signature = (
        url, *, issuer=false, ca_file=None, allow_http_loopback=false, refresh_min=60.0,
        refresh_max=86400.0, cooldown=30.0, timeout=10.0, max_key_staleness=None,
        key_miss_wait=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn _follow_keys(
        &self,
        py: Python<'_>,
        url: String,
        issuer: bool,
        ca_file: Option<std::path::PathBuf>,
        allow_http_loopback: bool,
        refresh_min: f64,
        refresh_max: f64,
        cooldown: f64,
        timeout: f64,
        max_key_staleness: Option<f64>,
        key_miss_wait: Option<f64>,
    ) -> PyResult<KeySource> {
        let max_stale = max_key_staleness
            .map(|s| seconds(s, "max_key_staleness"))
            .transpose()?
            .filter(|d| !d.is_zero());
        let miss_wait = key_miss_wait
            .map(|s| seconds(s, "key_miss_wait"))
            .transpose()?;
        let default = jwtgate_sync::KeySourceOptions::default().refresh_default;
        let (location, options) = SourceArgs {
            url,
            issuer,
            refresh: (
                refresh_min,
                refresh_max,
                default
                    .as_secs_f64()
                    .clamp(refresh_min.min(refresh_max), refresh_max.max(refresh_min)),
            ),
            timeout,
            cooldown,
            ca_file,
            allow_http_loopback,
            max_body: jwtgate_sync::DEFAULT_MAX_BODY,
        }
        .convert()?;
        let live = &self.live;
        let source = py
            .detach(|| live.follow_keys(location, options))
            .map_err(|e| key_source_err(py, &e))?;
        self.live.set_max_key_staleness(max_stale);
        self.live.set_key_miss_wait(miss_wait);
        // Keys from a provider are asymmetric as a rule: release the GIL.
        self.slow_keys.store(true, Ordering::Relaxed);
        Ok(KeySource::new(source))
    }

    /// Seconds since a key source last confirmed the keys current (None:
    /// no source ever did).
    #[getter]
    fn key_staleness(&self) -> Option<f64> {
        self.live.key_staleness().map(|d| d.as_secs_f64())
    }

    /// Verifies `token` (str or bytes) at `now` (seconds since the epoch,
    /// a float, or a datetime; default: the system clock) and returns its
    /// claims as a dict. Raises an `InvalidTokenError` subclass.
    #[pyo3(signature = (token, now=None))]
    fn verify<'py>(
        slf: &Bound<'py, Self>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        slf.get().verify_one(slf.py(), token, now, None)
    }

    /// `verify` against `denylist` instead of this verifier's denylists
    /// (used by `jwtgate.decode(denylist=...)`, whose verifiers are shared
    /// and have neither a static nor a live one).
    #[pyo3(signature = (token, now=None, denylist=None))]
    fn _verify_with<'py>(
        slf: &Bound<'py, Self>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
        denylist: Option<PyRef<'py, Denylist>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        slf.get()
            .verify_one(slf.py(), token, now, denylist.as_deref())
    }

    /// Verifies every token of `tokens` (an iterable of str or bytes) at one
    /// `now`, releasing the GIL once. Returns a list with, per token, its
    /// claims dict or the `InvalidTokenError` instance it would have raised
    /// (not raised).
    #[pyo3(signature = (tokens, now=None))]
    fn verify_many<'py>(
        slf: &Bound<'py, Self>,
        tokens: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        let this = slf.get();
        let now = now_secs(now)?;
        let items = tokens
            .try_iter()?
            .collect::<PyResult<Vec<Bound<'py, PyAny>>>>()?;
        let slices: Vec<Option<&[u8]>> = items.iter().map(|t| token_bytes(py, t).ok()).collect();
        let (arena, results) = py.detach(|| {
            let mut buf = vec![0u8; jwtgate::buffer_len(LIMITS.max_token_len)];
            let mut arena: Vec<u8> = Vec::new();
            let results: Vec<Option<Result<Range<usize>, VerifyError>>> = slices
                .iter()
                .map(|token| {
                    token.map(|token| {
                        let range = this.run(token, now, None, &mut buf)?;
                        let start = arena.len();
                        arena.extend_from_slice(buf.get(range).unwrap_or_default());
                        Ok(start..arena.len())
                    })
                })
                .collect();
            (arena, results)
        });
        let out = PyList::empty(py);
        for (result, token) in results.into_iter().zip(&slices) {
            let err = match result {
                // A claims dict that cannot be built (an integer past
                // Python's digit limit) is this token's error, not the batch's.
                Some(Ok(range)) => match claims_dict(py, arena.get(range).unwrap_or_default()) {
                    Ok(claims) => {
                        out.append(claims)?;
                        continue;
                    }
                    Err(e) => e,
                },
                Some(Err(e)) => verify_err(py, e, token.unwrap_or_default()),
                None => token_type_err(py),
            };
            out.append(err.into_value(py))?;
        }
        Ok(out)
    }

    /// Replaces the static denylist (or removes it with `None`) atomically:
    /// calls already running finish with the old one, later calls use the
    /// new one.
    fn set_denylist(&self, denylist: Option<PyRef<'_, Denylist>>) {
        self.live.set_denylist(denylist.map(|d| d.inner.clone()));
    }

    /// The current static denylist, or `None`.
    #[getter]
    fn denylist(&self) -> Option<Denylist> {
        self.live.denylist().map(|inner| Denylist { inner })
    }

    /// The accepted issuers.
    #[getter]
    fn issuers(&self) -> Vec<String> {
        let config = self.live.config();
        config.policy().issuers().map(str::to_owned).collect()
    }

    /// The accepted audiences.
    #[getter]
    fn audiences(&self) -> Vec<String> {
        let config = self.live.config();
        config.policy().audiences().map(str::to_owned).collect()
    }

    /// The allowed algorithms.
    #[getter]
    fn algorithms(&self) -> Vec<&'static str> {
        let config = self.live.config();
        config.policy().algorithms().map(|a| a.name()).collect()
    }

    /// The leeway in seconds.
    #[getter]
    fn leeway(&self) -> u64 {
        self.live.config().policy().leeway
    }

    /// `(algorithm, kid)` of every key.
    #[getter]
    fn keys(&self) -> Vec<(&'static str, Option<String>)> {
        let config = self.live.config();
        config
            .keys()
            .iter()
            .map(|k| (k.algorithm().name(), k.kid().map(str::to_owned)))
            .collect()
    }

    /// How many times the keys or the policy changed since construction
    /// (each `set_keys` adds one).
    #[getter]
    fn key_generation(&self) -> u64 {
        self.live.key_generation()
    }

    /// Starts a background thread that keeps this verifier's live denylist
    /// current from the Redis at `url` (``redis://host:port/db``): it loads
    /// every revocation of `namespace`, then follows its stream,
    /// reconnecting with backoff. With `wait` (seconds; None: return at
    /// once) it first waits for that load, raising ``SyncError`` (code 905,
    /// with the last error) if it does not finish in time. One source per
    /// verifier: ``SyncError`` (code 906) while another runs.
    #[pyo3(
        signature = (url, *, namespace="jwtgate", wait=Some(10.0)),
        text_signature = "($self, url, *, namespace='jwtgate', wait=10.0)"
    )]
    fn follow_redis(
        &self,
        py: Python<'_>,
        url: &str,
        namespace: &str,
        wait: Option<f64>,
    ) -> PyResult<sync::Follower> {
        let wait = wait.map(|w| seconds(w, "wait")).transpose()?;
        let source = RedisSource::from_url(url)
            .and_then(|s| s.with_namespace(namespace))
            .map_err(|e| sync_err(py, e))?;
        let handle = self
            .live
            .follow_redis(source, FollowerOptions::default())
            .map_err(|e| sync_err(py, e))?;
        if let Some(wait) = wait {
            if let Err(e) = py.detach(|| handle.ready(wait)) {
                let last = handle.last_error();
                py.detach(|| handle.stop());
                let message = format!(
                    "the follower did not load from {url} within {:.3} s (last error: {})",
                    wait.as_secs_f64(),
                    last.as_deref().unwrap_or("none")
                );
                return Err(sync_err_with(py, &e, &message));
            }
        }
        Ok(sync::Follower::new(handle))
    }

    /// Loads the snapshot file at `path` into the live denylist now (raises
    /// ``SyncError`` if unreadable, ``DenylistError`` if invalid), then
    /// polls it every `poll` seconds and installs each new valid version
    /// atomically (a corrupt one is skipped: see ``last_error``). The
    /// staleness is the file's age.
    #[pyo3(signature = (path, *, poll=0.05))]
    fn watch_file(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        poll: f64,
    ) -> PyResult<sync::FileWatcher> {
        let poll = seconds(poll, "poll")?;
        if poll.is_zero() {
            return Err(PyValueError::new_err("poll must be positive"));
        }
        let live = &self.live;
        let handle = py
            .detach(|| {
                live.watch_file(
                    path,
                    WatchOptions {
                        poll,
                        ..WatchOptions::default()
                    },
                )
            })
            .map_err(|e| sync_err(py, e))?;
        Ok(sync::FileWatcher::new(handle))
    }

    /// The maximum staleness in seconds (None: never fail closed). Once
    /// the live denylist is older (or was never synced), ``verify`` raises
    /// ``StaleDenylistError`` (code 900) for every token.
    #[getter]
    fn get_max_staleness(&self) -> Option<f64> {
        self.live.max_staleness().map(|d| d.as_secs_f64())
    }

    #[setter]
    fn set_max_staleness(&self, value: Option<f64>) -> PyResult<()> {
        let max = match value {
            None => None,
            Some(v) => Some(seconds(v, "max_staleness")?).filter(|d| !d.is_zero()),
        };
        self.live.set_max_staleness(max);
        Ok(())
    }

    /// Seconds since the source last confirmed the live denylist current,
    /// or None if no source ever did.
    #[getter]
    fn staleness(&self) -> Option<f64> {
        self.live.staleness().map(|d| d.as_secs_f64())
    }

    /// The counters (every verification, by outcome) and the live
    /// denylist's gauges, as a dict; ``rejected`` maps each reason to its
    /// count, durations are in seconds (``staleness`` None: never synced).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.live.metrics();
        let d = PyDict::new(py);
        d.set_item("verifications", m.verifications)?;
        d.set_item("accepted", m.accepted)?;
        let rejected = PyDict::new(py);
        for r in Reason::ALL {
            rejected.set_item(r.label(), m.rejected_for(r))?;
        }
        d.set_item("rejected", rejected)?;
        d.set_item("revocations_applied", m.revocations_applied)?;
        d.set_item("reloads", m.reloads)?;
        d.set_item("reload_failures", m.reload_failures)?;
        d.set_item("disconnects", m.disconnects)?;
        d.set_item("resyncs", m.resyncs)?;
        d.set_item("compactions", m.compactions)?;
        d.set_item("denylist_entries", m.denylist_entries)?;
        d.set_item("denylist_bytes", m.denylist_bytes)?;
        d.set_item("denylist_sequence", m.denylist_sequence)?;
        d.set_item(
            "denylist_age",
            Duration::from_millis(m.denylist_age_ms).as_secs_f64(),
        )?;
        let staleness = (m.staleness_ms != u64::MAX)
            .then(|| Duration::from_millis(m.staleness_ms).as_secs_f64());
        d.set_item("staleness", staleness)?;
        d.set_item("cache_hits", m.cache_hits)?;
        d.set_item("cache_misses", m.cache_misses)?;
        d.set_item("cache_inserts", m.cache_inserts)?;
        d.set_item("cache_evictions", m.cache_evictions)?;
        d.set_item("cache_entries", m.cache_entries)?;
        Ok(d)
    }

    /// The counters in the Prometheus text exposition format, every name
    /// starting with ``prefix + "_"`` (a Prometheus metric name, else
    /// ``ValueError``).
    #[pyo3(signature = (prefix="jwtgate"))]
    fn metrics_prometheus(&self, py: Python<'_>, prefix: &str) -> PyResult<String> {
        self.live.prometheus(prefix).map_err(|e| sync_err(py, e))
    }

    fn __repr__(&self) -> String {
        format!(
            "Verifier(keys={}, issuers={:?}, audiences={:?}, denylist={})",
            self.live.config().keys().len(),
            self.issuers(),
            self.audiences(),
            self.live.denylist().is_some()
        )
    }
}

impl Verifier {
    /// One verification, with the GIL released unless it is a short HMAC one.
    fn verify_one<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
        denylist: Option<&Denylist>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let now = now_secs(now)?;
        let token = token_bytes(py, token)?;
        let need = jwtgate::buffer_len(token.len().min(LIMITS.max_token_len));
        let mut stack = [0u8; STACK_BUF];
        let mut heap = Vec::new();
        let buf: &mut [u8] = match stack.get_mut(..need) {
            Some(buf) => buf,
            None => {
                heap.resize(need, 0);
                &mut heap
            }
        };
        let mut work = || self.run(token, now, denylist, buf);
        // A call that may wait for the key source never holds the GIL.
        let result = if self.slow_keys.load(Ordering::Relaxed)
            || token.len() >= GIL_RELEASE_MIN
            || self.live.key_miss_wait().is_some()
        {
            py.detach(work)
        } else {
            work()
        };
        match result {
            Ok(range) => claims_dict(py, buf.get(range).unwrap_or_default()),
            Err(e) => Err(verify_err(py, e, token)),
        }
    }

    /// Verifies into `buf` (by the live verifier, or by its configuration
    /// against `denylist` alone) and returns where in `buf` the claims
    /// JSON is.
    fn run(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&Denylist>,
        buf: &mut [u8],
    ) -> Result<Range<usize>, VerifyError> {
        let base = buf.as_ptr().addr();
        let verified = match denylist {
            None => self.live.verify(token, now, buf)?,
            Some(denylist) => {
                let view = denylist.inner.view()?;
                self.live
                    .config()
                    .verifier()
                    .verify_with_denylist(token, now, Some(&view), buf)?
            }
        };
        let raw = verified.claims().raw_json();
        let start = raw
            .as_ptr()
            .addr()
            .checked_sub(base)
            .ok_or(jwtgate::Error::BufferTooSmall)?;
        Ok(start..start + raw.len())
    }
}

/// The claims dict. The claims passed verification under the same
/// `limits`, so the one expected failure is Python's own: an integer of
/// more digits than `sys.get_int_max_str_digits()` (4,300 by default),
/// reported as PyJWT reports it (`DecodeError("Invalid payload string:
/// Exceeds the limit ...")`).
fn claims_dict<'py>(py: Python<'py>, json: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    json2py::object(py, json, &LIMITS).map_err(|e| payload_err(py, &e))
}
