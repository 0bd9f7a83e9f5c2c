//! Keys from an identity provider, over `jwtgate_sync::KeySource`:
//! `JwksSource` for the Python `PyJWKClient` drop-in
//! (python/jwtgate/_jwk_client.py), and `KeySource`, the handle of a
//! `Verifier`'s own source (`Verifier._follow_keys`, behind
//! `jwtgate.Verifier(jwks_url=...)` and `Verifier.from_issuer`). The fetch
//! policy, the lenient parsing, the refresh schedule, the cooldown and
//! stale-if-error are the sync crate's; this converts.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use jwtgate::{Algorithm, KeySet};
use jwtgate_sync::{
    KeyLocation, KeySink, KeySource as SyncKeySource, KeySourceOptions, KeySourceSnapshot,
    TransportOptions,
};
use pyo3::exceptions::{PyConnectionError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::sync::seconds;

/// Holds the key set the source installs.
#[derive(Default)]
struct Keys(RwLock<Arc<KeySet>>);

impl KeySink for Keys {
    fn install_keys(&self, keys: KeySet) -> Result<(), jwtgate::Error> {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        Ok(())
    }
    fn mark_keys_synced(&self) {}
    fn require_issuer(&self, _issuer: &str) -> Result<(), jwtgate::Error> {
        Ok(())
    }
}

/// The transport and refresh options both Python sources take; the
/// schedule's bounds (`refresh`: minimum, maximum, default) are the
/// caller's.
pub(crate) struct SourceArgs {
    pub(crate) url: String,
    pub(crate) issuer: bool,
    pub(crate) refresh: (f64, f64, f64),
    pub(crate) timeout: f64,
    pub(crate) cooldown: f64,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) allow_http_loopback: bool,
    pub(crate) max_body: u64,
}

impl SourceArgs {
    /// The location and the sync crate's options (a `ValueError` for a
    /// negative duration or an unreadable CA file).
    pub(crate) fn convert(self) -> PyResult<(KeyLocation, KeySourceOptions)> {
        let timeout = seconds(self.timeout, "timeout")?;
        let mut transport = TransportOptions {
            timeout,
            connect_timeout: timeout.min(TransportOptions::default().connect_timeout),
            allow_http_loopback: self.allow_http_loopback,
            max_body: self.max_body,
            ..TransportOptions::default()
        };
        if let Some(path) = self.ca_file {
            transport = transport
                .with_ca_file(&path)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
        }
        let options = KeySourceOptions {
            transport,
            refresh_min: seconds(self.refresh.0, "refresh_min")?,
            refresh_max: seconds(self.refresh.1, "refresh_max")?,
            refresh_default: seconds(self.refresh.2, "refresh")?,
            cooldown: seconds(self.cooldown, "cooldown")?,
            ..KeySourceOptions::default()
        };
        let location = if self.issuer {
            KeyLocation::Issuer(self.url)
        } else {
            KeyLocation::JwksUrl(self.url)
        };
        Ok((location, options))
    }
}

/// A source's counters as a dict.
fn metrics_dict<'py>(py: Python<'py>, m: &KeySourceSnapshot) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, value) in [
        ("fetch_ok", m.fetch_ok),
        ("not_modified", m.not_modified),
        ("fetch_failed", m.fetch_failed),
        ("skipped_keys", m.skipped_keys),
        ("unknown_kid", m.unknown_kid),
        ("refresh_requested", m.refresh_requested),
        ("cooldown_hits", m.cooldown_hits),
        ("negative_hits", m.negative_hits),
        ("miss_waits", m.miss_waits),
        ("keys", m.keys),
    ] {
        d.set_item(name, value)?;
    }
    Ok(d)
}

/// Keys fetched from a JWKS URL (or an issuer's discovery) and refreshed in
/// the background.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct JwksSource {
    source: SyncKeySource,
    keys: Arc<Keys>,
}

#[pymethods]
impl JwksSource {
    /// Fetches the keys now (`ConnectionError` with the code in brackets
    /// when that fails), then keeps them current.
    #[new]
    #[pyo3(signature = (url, *, issuer=false, lifespan=300.0, timeout=30.0, cooldown=30.0, ca_file=None, allow_http_loopback=false, max_body=1048576))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        url: String,
        issuer: bool,
        lifespan: f64,
        timeout: f64,
        cooldown: f64,
        ca_file: Option<PathBuf>,
        allow_http_loopback: bool,
        max_body: u64,
    ) -> PyResult<Self> {
        let lifespan = seconds(lifespan, "lifespan")?.as_secs_f64();
        let (location, options) = SourceArgs {
            url,
            issuer,
            refresh: (lifespan.min(60.0), lifespan, lifespan),
            timeout,
            cooldown,
            ca_file,
            allow_http_loopback,
            max_body,
        }
        .convert()?;
        let keys = Arc::new(Keys::default());
        let sink: Arc<dyn KeySink> = Arc::<Keys>::clone(&keys);
        let source = py
            .detach(|| SyncKeySource::start(location, sink, options))
            .map_err(|e| PyConnectionError::new_err(e.to_string()))?;
        Ok(JwksSource { source, keys })
    }

    /// The keys in force: `(kid, algorithm, kind, raw)` each, with `kind`
    /// and `raw` as `jwtgate._keys.material` gives them.
    fn keys(&self) -> Vec<(Option<String>, &'static str, &'static str, Vec<u8>)> {
        let keys = Arc::clone(&self.keys.0.read().unwrap_or_else(PoisonError::into_inner));
        keys.iter()
            .filter_map(|k| {
                let (kind, raw) = if let Some(raw) = k.ed25519_public_bytes() {
                    ("ed25519-public", raw.to_vec())
                } else if let Some(raw) = k.es256_public_sec1() {
                    ("es256-public", raw.to_vec())
                } else if let Some((n, e)) = k.rsa_public_components() {
                    let mut raw = e.to_be_bytes().to_vec();
                    raw.extend_from_slice(n);
                    ("rsa-public", raw)
                } else {
                    return None;
                };
                let alg: Algorithm = k.algorithm();
                Some((k.kid().map(str::to_owned), alg.name(), kind, raw))
            })
            .collect()
    }

    /// A token named `kid` and no key has it: asks for a refresh behind it
    /// (at most one per cooldown; never waits).
    #[pyo3(signature = (kid=None))]
    fn unknown_kid(&self, kid: Option<&str>) {
        self.source.refresher().unknown_kid(kid);
    }

    /// No key has `kid`: waits (without the GIL) at most `bound` seconds
    /// for a fetch that may bring it, the one in flight or one asked for
    /// now; returns at once inside the cooldown or for a kid a fetch
    /// already came back without (`KeyRefresher::await_kid`).
    fn await_kid(&self, py: Python<'_>, kid: String, bound: f64) -> PyResult<()> {
        let bound = seconds(bound, "key_miss_wait")?;
        let refresher = self.source.refresher();
        py.detach(|| refresher.await_kid(&kid, bound));
        Ok(())
    }

    /// The JWKS URL fetched (the discovered one for an issuer).
    #[getter]
    fn jwks_uri(&self) -> String {
        self.source.jwks_location().to_owned()
    }

    /// Seconds since the keys were last confirmed current.
    fn staleness(&self) -> Option<f64> {
        self.source.key_staleness().map(|d| d.as_secs_f64())
    }

    /// The last fetch error, if any.
    fn last_error(&self) -> Option<String> {
        self.source.last_error()
    }

    /// The counters (fetch_ok, not_modified, fetch_failed, skipped_keys,
    /// unknown_kid, refresh_requested, cooldown_hits, negative_hits,
    /// miss_waits, keys).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        metrics_dict(py, &self.source.metrics())
    }
}

/// The key source of a `Verifier` (`Verifier._follow_keys`): keeps the
/// verifier's keys current until stopped or dropped.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct KeySource {
    /// `None` once stopped.
    source: Mutex<Option<SyncKeySource>>,
}

impl KeySource {
    pub(crate) fn new(source: SyncKeySource) -> Self {
        KeySource {
            source: Mutex::new(Some(source)),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&SyncKeySource) -> T) -> Option<T> {
        self.source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(f)
    }
}

#[pymethods]
impl KeySource {
    /// The JWKS URL fetched (the discovered one for an issuer); None once
    /// stopped.
    #[getter]
    fn jwks_uri(&self) -> Option<String> {
        self.with(|s| s.jwks_location().to_owned())
    }

    /// Seconds since the keys were last confirmed current (None once
    /// stopped).
    fn staleness(&self) -> Option<f64> {
        self.with(SyncKeySource::key_staleness)
            .flatten()
            .map(|d| d.as_secs_f64())
    }

    /// The last fetch error (kept after recovery), if any.
    fn last_error(&self) -> Option<String> {
        self.with(SyncKeySource::last_error).flatten()
    }

    /// The counters, as ``JwksSource.metrics`` (empty once stopped).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        match self.with(SyncKeySource::metrics) {
            Some(m) => metrics_dict(py, &m),
            None => Ok(PyDict::new(py)),
        }
    }

    /// Stops refreshing (waiting for a request in flight); the verifier
    /// keeps its last keys, which then age. Calling it twice is harmless.
    fn stop(&self, py: Python<'_>) {
        let source = self
            .source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(source) = source {
            py.detach(|| source.stop());
        }
    }
}
