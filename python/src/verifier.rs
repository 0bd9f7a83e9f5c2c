//! `_jwtgate.Verifier`: a core verifier built once, called per request with
//! the GIL released (for asymmetric keys and long tokens), with a denylist
//! that can be swapped while other threads verify.

use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use jwtgate::{Algorithm, Claim, ClaimSet, Policy};
use jwtgate_sync::{
    DenylistState, FileWatcher, Follower, FollowerOptions, LiveConfig, LiveVerifier, Reason,
    RedisSource, VerifyError, WatchOptions,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::denylist::{Denylist, OwnedDenylist};
use crate::errors::exception;
use crate::json2py;
use crate::keys::KeySet;
use crate::sync::{self, coded, seconds, sync_err, verify_err, Running, SourceClaim};
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

/// A verifier: keys, policy, an optional static denylist and a live one
/// (fed by `follow_redis` or `watch_file`), built once and shared by every
/// thread.
///
/// Low-level: the public `jwtgate.Verifier` subclasses it and turns
/// user-friendly arguments (keys in any form, a single issuer string, ...)
/// into this constructor's.
#[pyclass(frozen, subclass, module = "jwtgate._jwtgate")]
pub struct Verifier {
    /// The core verifier over the live denylist state (counters,
    /// staleness, the fail-closed maximum).
    synced: LiveVerifier,
    /// The static denylist (`set_denylist`), checked besides the live one.
    denylist: ArcSwapOption<OwnedDenylist>,
    /// Whether a follower or watcher feeds the live denylist (one at a time).
    source_busy: Arc<AtomicBool>,
    /// Whether some key is asymmetric (tens of microseconds per signature):
    /// `verify` then always releases the GIL (see [`GIL_RELEASE_MIN`]).
    slow_keys: bool,
}

fn claim(name: &str) -> PyResult<Claim> {
    Claim::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "{name:?} is not a registered claim (iss, sub, aud, exp, nbf, iat, jti, sid, ver)"
            ))
        })
}

fn policy_error(what: &str) -> PyErr {
    PyValueError::new_err(format!(
        "{what}: at most {} values of {} bytes in total",
        jwtgate::MAX_POLICY_VALUES,
        jwtgate::MAX_POLICY_BYTES
    ))
}

/// The `ValueError` of a refused issuer, audience or algorithm list.
fn allow_list_error(what: &str, err: jwtgate::Error) -> PyErr {
    match err {
        jwtgate::Error::EmptyAllowList => PyValueError::new_err(format!(
            "{what}: an empty allow-list, or an empty value in it, would accept no token; \
             pass None to leave {what} unchecked"
        )),
        _ => policy_error(what),
    }
}

/// The bytes of a token argument (`str` or `bytes`); anything else is
/// PyJWT's `DecodeError`.
fn token_bytes<'a>(py: Python<'_>, token: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(s) = token.cast::<PyString>() {
        Ok(s.to_str()?.as_bytes())
    } else if let Ok(b) = token.cast::<PyBytes>() {
        Ok(b.as_bytes())
    } else {
        Err(exception(
            py,
            "DecodeError",
            "Invalid token type. Token must be a <class 'bytes'>",
        ))
    }
}

#[pymethods]
impl Verifier {
    /// A verifier over `keys` (a `KeySet`, refused when no key has an
    /// algorithm of `algorithms`). `issuer`/`audience`: the accepted values
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
        keys: PyRef<'_, KeySet>,
        issuer: Option<Vec<String>>,
        audience: Option<Vec<String>>,
        leeway: u64,
        required: Option<Vec<String>>,
        denylist: Option<PyRef<'_, Denylist>>,
        verify_exp: bool,
        verify_nbf: bool,
        verify_iat: bool,
        verify_aud: bool,
        typ: Option<&str>,
        max_age: Option<u64>,
        algorithms: Option<Vec<String>>,
        cache_size: Option<usize>,
    ) -> PyResult<Self> {
        let mut policy = Policy::new();
        policy.leeway = leeway;
        policy.check_exp = verify_exp;
        policy.check_nbf = verify_nbf;
        policy.check_iat = verify_iat;
        policy.check_aud = verify_aud;
        policy.max_age = max_age;
        if let Some(required) = required {
            policy.required = ClaimSet::EMPTY;
            for name in &required {
                policy.required = policy.required.with(claim(name)?);
            }
        }
        // The core's rules: an empty list or an empty value is refused.
        if let Some(issuer) = &issuer {
            policy
                .set_issuers(issuer.iter().map(String::as_str))
                .map_err(|e| allow_list_error("issuer", e))?;
        }
        if let Some(audience) = &audience {
            policy
                .set_audiences(audience.iter().map(String::as_str))
                .map_err(|e| allow_list_error("audience", e))?;
        }
        if let Some(algorithms) = &algorithms {
            let algs = algorithms
                .iter()
                .map(|name| {
                    Algorithm::from_name(name).ok_or_else(|| {
                        PyValueError::new_err(format!("algorithms: {name:?} is not supported"))
                    })
                })
                .collect::<PyResult<Vec<Algorithm>>>()?;
            policy
                .set_algorithms(algs)
                .map_err(|e| allow_list_error("algorithms", e))?;
        }
        if let Some(typ) = typ {
            policy
                .require_typ(typ)
                .map_err(|_| PyValueError::new_err("typ is too long"))?;
        }
        let live = DenylistState::new().map_err(|e| sync_err(py, e))?;
        let slow_keys = keys.inner.iter().any(|k| !k.algorithm().is_symmetric());
        let core = jwtgate::Verifier::try_new(keys.inner.clone(), policy).map_err(|_| {
            PyValueError::new_err(
                "a verifier needs at least one key whose algorithm `algorithms` allows",
            )
        })?;
        Ok(Verifier {
            synced: LiveVerifier::from_verifier(&core, live)
                .with_cache_size(cache_size.unwrap_or(jwtgate_sync::DEFAULT_CACHE_SIZE)),
            denylist: ArcSwapOption::new(denylist.map(|d| Arc::clone(&d.inner))),
            source_busy: Arc::new(AtomicBool::new(false)),
            slow_keys,
        })
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
        let this = slf.get();
        this.verify_one(slf.py(), token, now, Source::Attached)
    }

    /// `verify` against `denylist` instead of the attached one (used by
    /// `jwtgate.decode(denylist=...)`, whose verifiers are shared).
    #[pyo3(signature = (token, now=None, denylist=None))]
    fn _verify_with<'py>(
        slf: &Bound<'py, Self>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
        denylist: Option<PyRef<'py, Denylist>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let owned = denylist.map(|d| Arc::clone(&d.inner));
        slf.get()
            .verify_one(slf.py(), token, now, Source::Given(owned.as_deref()))
    }

    /// Verifies every token of `tokens` (an iterable of str or bytes) at one
    /// `now`, against one denylist snapshot, releasing the GIL once.
    /// Returns a list with, per token, its claims dict or the
    /// `InvalidTokenError` instance it would have raised (not raised).
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
            let guard = this.denylist.load();
            let denylist = guard.as_deref();
            let mut buf = vec![0u8; jwtgate::buffer_len(this.core().limits().max_token_len)];
            let mut arena: Vec<u8> = Vec::new();
            let results: Vec<Option<Result<Range<usize>, VerifyError>>> = slices
                .iter()
                .map(|token| {
                    token.map(|token| {
                        let range = this.run(token, now, denylist, &mut buf)?;
                        let start = arena.len();
                        arena.extend_from_slice(buf.get(range).unwrap_or_default());
                        Ok(start..arena.len())
                    })
                })
                .collect();
            (arena, results)
        });
        let limits = this.synced.limits();
        let out = PyList::empty(py);
        for (result, token) in results.into_iter().zip(&slices) {
            let item = match result {
                // A claims dict that cannot be built (an integer past
                // Python's digit limit) is this token's error, not the batch's.
                Some(Ok(range)) => {
                    match claims_dict(py, arena.get(range).unwrap_or_default(), &limits) {
                        Ok(claims) => claims.into_any(),
                        Err(e) => e.into_value(py).into_bound(py).into_any(),
                    }
                }
                Some(Err(e)) => verify_err(py, e, token.unwrap_or_default())
                    .into_value(py)
                    .into_bound(py)
                    .into_any(),
                None => exception(
                    py,
                    "DecodeError",
                    "Invalid token type. Token must be a <class 'bytes'>",
                )
                .into_value(py)
                .into_bound(py)
                .into_any(),
            };
            out.append(item)?;
        }
        Ok(out)
    }

    /// Replaces the denylist (or removes it with `None`) atomically: calls
    /// already running finish with the old one, later calls use the new one.
    fn set_denylist(&self, denylist: Option<PyRef<'_, Denylist>>) {
        self.denylist.store(denylist.map(|d| Arc::clone(&d.inner)));
    }

    /// The current denylist, or `None`.
    #[getter]
    fn denylist(&self) -> Option<Denylist> {
        self.denylist.load_full().map(|inner| Denylist { inner })
    }

    /// The accepted issuers.
    #[getter]
    fn issuers(&self) -> Vec<String> {
        self.core().policy().issuers().map(str::to_owned).collect()
    }

    /// The accepted audiences.
    #[getter]
    fn audiences(&self) -> Vec<String> {
        self.core()
            .policy()
            .audiences()
            .map(str::to_owned)
            .collect()
    }

    /// The leeway in seconds.
    #[getter]
    fn leeway(&self) -> u64 {
        self.core().policy().leeway
    }

    /// `(algorithm, kid)` of every key.
    #[getter]
    fn keys(&self) -> Vec<(&'static str, Option<String>)> {
        self.core()
            .keys()
            .iter()
            .map(|k| (k.algorithm().name(), k.kid().map(str::to_owned)))
            .collect()
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
        if namespace.is_empty() {
            return Err(PyValueError::new_err("namespace must not be empty"));
        }
        let wait = wait.map(|w| seconds(w, "wait")).transpose()?;
        let source = RedisSource::from_url(url)
            .map_err(|e| sync_err(py, e))?
            .with_namespace(namespace);
        let claim = SourceClaim::take(py, &self.source_busy)?;
        let state = self.synced.state().clone();
        let follower = Follower::start(source, state, FollowerOptions::default())
            .map_err(|e| sync_err(py, e))?;
        let handle = sync::Follower {
            inner: Running::new(follower, claim),
        };
        if let Some(wait) = wait {
            let ready = py.detach(|| handle.inner_wait(wait));
            if !ready {
                let last = handle.inner_last_error();
                handle.stop_now(py);
                let message = format!(
                    "the follower did not load from {url} within {:.3} s (last error: {})",
                    wait.as_secs_f64(),
                    last.as_deref().unwrap_or("none")
                );
                return Err(coded(py, "SyncError", &message, sync::NOT_READY));
            }
        }
        Ok(handle)
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
        let claim = SourceClaim::take(py, &self.source_busy)?;
        let state = self.synced.state().clone();
        let watcher = py
            .detach(|| {
                FileWatcher::start(
                    &path,
                    state,
                    WatchOptions {
                        poll,
                        ..WatchOptions::default()
                    },
                )
            })
            .map_err(|e| sync_err(py, e))?;
        Ok(sync::FileWatcher {
            inner: Running::new(watcher, claim),
        })
    }

    /// The maximum staleness in seconds (None: never fail closed). Once
    /// the live denylist is older (or was never synced), ``verify`` raises
    /// ``StaleDenylistError`` (code 900) for every token.
    #[getter]
    fn get_max_staleness(&self) -> Option<f64> {
        self.synced.max_staleness().map(|d| d.as_secs_f64())
    }

    #[setter]
    fn set_max_staleness(&self, value: Option<f64>) -> PyResult<()> {
        let max = match value {
            None => None,
            Some(v) => Some(seconds(v, "max_staleness")?).filter(|d| !d.is_zero()),
        };
        self.synced.set_max_staleness(max);
        Ok(())
    }

    /// Seconds since the source last confirmed the live denylist current,
    /// or None if no source ever did.
    #[getter]
    fn staleness(&self) -> Option<f64> {
        self.synced.staleness().map(|d| d.as_secs_f64())
    }

    /// The counters (every verification, by outcome) and the live
    /// denylist's gauges, as a dict; ``rejected`` maps each reason to its
    /// count, durations are in seconds (``staleness`` None: never synced).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.synced.metrics();
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
    /// starting with ``prefix + "_"``.
    #[pyo3(signature = (prefix="jwtgate"))]
    fn metrics_prometheus(&self, prefix: &str) -> PyResult<String> {
        let mut chars = prefix.chars();
        let valid = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
        if !valid {
            return Err(PyValueError::new_err(
                "prefix must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)",
            ));
        }
        Ok(self.synced.metrics().prometheus(prefix))
    }

    fn __repr__(&self) -> String {
        format!(
            "Verifier(keys={}, issuers={:?}, audiences={:?}, denylist={})",
            self.core().keys().len(),
            self.issuers(),
            self.audiences(),
            self.denylist.load().is_some()
        )
    }
}

impl Verifier {
    /// The configuration in force (keys, policy, limits).
    fn core(&self) -> Arc<LiveConfig> {
        self.synced.config()
    }

    /// One verification, with the GIL released unless it is a short HMAC one.
    fn verify_one<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
        source: Source<'_>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let now = now_secs(now)?;
        let token = token_bytes(py, token)?;
        let limits = self.synced.limits();
        let need = jwtgate::buffer_len(token.len().min(limits.max_token_len));
        let mut stack = [0u8; STACK_BUF];
        let mut heap = Vec::new();
        let buf: &mut [u8] = match stack.get_mut(..need) {
            Some(buf) => buf,
            None => {
                heap.resize(need, 0);
                &mut heap
            }
        };
        let mut work = || match source {
            Source::Attached => {
                let guard = self.denylist.load();
                self.run(token, now, guard.as_deref(), buf)
            }
            Source::Given(denylist) => self.run(token, now, denylist, buf),
        };
        let result = if self.slow_keys || token.len() >= GIL_RELEASE_MIN {
            py.detach(work)
        } else {
            work()
        };
        match result {
            Ok(range) => claims_dict(py, buf.get(range).unwrap_or_default(), &limits),
            Err(e) => Err(verify_err(py, e, token)),
        }
    }

    /// Verifies into `buf` and returns where in `buf` the claims JSON is.
    fn run(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&OwnedDenylist>,
        buf: &mut [u8],
    ) -> Result<Range<usize>, VerifyError> {
        let base = buf.as_ptr().addr();
        let verified =
            self.synced
                .verify_with_denylist(token, now, denylist.map(OwnedDenylist::view), buf)?;
        let raw = verified.claims().raw_json();
        let start = raw
            .as_ptr()
            .addr()
            .checked_sub(base)
            .ok_or(jwtgate::Error::BufferTooSmall)?;
        Ok(start..start + raw.len())
    }
}

/// Which denylist a verification checks.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// The verifier's own (loaded inside the GIL-free section).
    Attached,
    /// This one (or none).
    Given(Option<&'a OwnedDenylist>),
}

/// The claims dict. The claims passed verification under the same
/// `limits`, so the one expected failure is Python's own: an integer of
/// more digits than `sys.get_int_max_str_digits()` (4,300 by default),
/// reported as PyJWT reports it (`DecodeError("Invalid payload string:
/// Exceeds the limit ...")`).
fn claims_dict<'py>(
    py: Python<'py>,
    json: &[u8],
    limits: &jwtgate::Limits,
) -> PyResult<Bound<'py, PyDict>> {
    json2py::object(py, json, limits).map_err(|e| {
        exception(
            py,
            "DecodeError",
            &format!("Invalid payload string: {}", e.value(py)),
        )
    })
}
