//! `JwksSource`: a `jwtgate_sync::KeySource` for the Python `PyJWKClient`
//! drop-in (python/jwtgate/_jwk_client.py). The fetch policy, the lenient
//! parsing, the refresh schedule, the cooldown and stale-if-error are the
//! sync crate's; this converts.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use jwtgate::{Algorithm, KeySet};
use jwtgate_sync::{KeyLocation, KeySink, KeySource, KeySourceOptions, TransportOptions};
use pyo3::exceptions::{PyConnectionError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Holds the key set the source installs.
#[derive(Default)]
struct Keys(ArcSwap<KeySet>);

impl KeySink for Keys {
    fn install_keys(&self, keys: KeySet) -> Result<(), jwtgate::Error> {
        self.0.store(Arc::new(keys));
        Ok(())
    }
    fn mark_keys_synced(&self) {}
    fn require_issuer(&self, _issuer: &str) -> Result<(), jwtgate::Error> {
        Ok(())
    }
}

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| PyValueError::new_err(format!("{name} must be a non-negative number of seconds")))
}

/// Keys fetched from a JWKS URL (or an issuer's discovery) and refreshed in
/// the background.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct JwksSource {
    source: KeySource,
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
        ca_file: Option<std::path::PathBuf>,
        allow_http_loopback: bool,
        max_body: u64,
    ) -> PyResult<Self> {
        let lifespan = seconds("lifespan", lifespan)?;
        let timeout = seconds("timeout", timeout)?;
        let mut transport = TransportOptions {
            timeout,
            connect_timeout: timeout.min(TransportOptions::default().connect_timeout),
            allow_http_loopback,
            max_body,
            ..TransportOptions::default()
        };
        if let Some(path) = ca_file {
            transport = transport
                .with_ca_file(&path)
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
        }
        let options = KeySourceOptions {
            transport,
            refresh_min: lifespan.min(Duration::from_secs(60)),
            refresh_max: lifespan,
            refresh_default: lifespan,
            cooldown: seconds("cooldown", cooldown)?,
            ..KeySourceOptions::default()
        };
        let location = if issuer {
            KeyLocation::Issuer(url)
        } else {
            KeyLocation::JwksUrl(url)
        };
        let keys = Arc::new(Keys::default());
        let sink: Arc<dyn KeySink> = Arc::<Keys>::clone(&keys);
        let source = py
            .detach(|| KeySource::start(location, sink, options))
            .map_err(|e| PyConnectionError::new_err(e.to_string()))?;
        Ok(JwksSource { source, keys })
    }

    /// The keys in force: `(kid, algorithm, kind, raw)` each, with `kind`
    /// and `raw` as `jwtgate._keys.material` gives them.
    fn keys(&self) -> Vec<(Option<String>, &'static str, &'static str, Vec<u8>)> {
        let keys = self.keys.0.load();
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
    /// unknown_kid, refresh_requested, cooldown_hits, negative_hits, keys).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.source.metrics();
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
            ("keys", m.keys),
        ] {
            d.set_item(name, value)?;
        }
        Ok(d)
    }
}
