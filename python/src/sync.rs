//! The sync layer (`jwtgate-sync`) for Python: `Follower` and `FileWatcher`
//! (sources feeding a verifier's live denylist), `RevocationStore` (the
//! authority's writer).

use std::time::Duration;

use jwtgate_sync::{
    Kind, OwnedRevocation, RedisSource, RedisStore, RevokeOutcome, SourceHandle, SyncError,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt};

use crate::errors::sync_err;

/// A running denylist source of a verifier, as Python sees it: the sync
/// crate's [`SourceHandle`] (which holds the one-source claim), stopped
/// with the GIL released.
struct Source(SourceHandle);

impl Source {
    /// Stops it (joins the thread) with the GIL released; idempotent.
    fn stop(&self, py: Python<'_>) {
        py.detach(|| self.0.stop());
    }
}

/// A background thread following a Redis revocation stream into a
/// verifier's live denylist (from `Verifier.follow_redis`).
///
/// `stop()` (or leaving a `with` block) stops it; the live denylist keeps
/// what it holds and grows stale, and the verifier may take a new source.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct Follower {
    inner: Source,
}

impl Follower {
    /// Wraps a running Redis follower.
    pub(crate) fn new(handle: SourceHandle) -> Self {
        Follower {
            inner: Source(handle),
        }
    }
}

#[pymethods]
impl Follower {
    /// Waits up to `timeout` seconds for the first full load from Redis;
    /// returns whether it is done (False after `stop()`).
    fn wait_ready(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let timeout = seconds(timeout, "timeout")?;
        Ok(py.detach(|| self.inner.0.wait_ready(timeout)))
    }

    /// Whether the first full load is done and the follower runs.
    #[getter]
    fn ready(&self) -> bool {
        self.inner.0.wait_ready(Duration::ZERO)
    }

    /// Whether the follower is connected to Redis right now.
    #[getter]
    fn connected(&self) -> bool {
        self.inner.0.is_connected()
    }

    /// Whether the follower runs (not stopped).
    #[getter]
    fn running(&self) -> bool {
        self.inner.0.is_running()
    }

    /// The last error met (a refused connection while Redis is down), or None.
    #[getter]
    fn last_error(&self) -> Option<String> {
        self.inner.0.last_error()
    }

    /// Stops the thread and waits for it (about a quarter second at most
    /// while connected). Calling it twice is harmless.
    fn stop(&self, py: Python<'_>) {
        self.inner.stop(py);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.inner.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "Follower(running={}, ready={}, connected={})",
            self.running(),
            self.ready(),
            self.connected()
        )
    }
}

/// A background thread polling a snapshot file into a verifier's live
/// denylist (from `Verifier.watch_file`). `stop()` or a `with` block ends it.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct FileWatcher {
    inner: Source,
}

impl FileWatcher {
    /// Wraps a running file watcher.
    pub(crate) fn new(handle: SourceHandle) -> Self {
        FileWatcher {
            inner: Source(handle),
        }
    }
}

#[pymethods]
impl FileWatcher {
    /// The last load error (a missing or corrupt file), or None.
    #[getter]
    fn last_error(&self) -> Option<String> {
        self.inner.0.last_error()
    }

    /// Whether the watcher runs (not stopped).
    #[getter]
    fn running(&self) -> bool {
        self.inner.0.is_running()
    }

    /// Stops polling and waits for the thread; the live denylist keeps the
    /// last version loaded. Calling it twice is harmless.
    fn stop(&self, py: Python<'_>) {
        self.inner.stop(py);
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.inner.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("FileWatcher(running={})", self.running())
    }
}

/// A non-negative, finite number of seconds.
pub(crate) fn seconds(value: f64, what: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!("{what} must be a non-negative number of seconds"))
    })
}

/// An identifier argument: `str` (UTF-8) or `bytes`.
fn id_bytes(id: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = id.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Ok(id.extract::<String>()?.into_bytes())
}

/// A whole number from 0 to 2^64 - 1: `ValueError` when negative or too
/// large (never `OverflowError`), `TypeError` when not an `int`.
pub(crate) fn whole(value: &Bound<'_, PyAny>, what: &str) -> PyResult<u64> {
    if !value.is_instance_of::<PyInt>() {
        return Err(PyTypeError::new_err(format!("{what} must be an int")));
    }
    value.extract::<u64>().map_err(|_| {
        PyValueError::new_err(format!("{what} must be a whole number from 0 to 2**64-1"))
    })
}

/// An optional [`whole`] argument, 0 when absent.
fn whole_or_zero(value: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<u64> {
    value.map_or(Ok(0), |v| whole(v, what))
}

/// One item of `revoke_many`: `(kind, id, until)` or, for a subject,
/// `(kind, id, until, issued_before, below_version)`.
fn revocation_item(store: &RedisStore, item: &Bound<'_, PyAny>) -> PyResult<OwnedRevocation> {
    let parts: Vec<Bound<'_, PyAny>> = item.try_iter()?.collect::<PyResult<_>>()?;
    let (Some(kind), Some(id), Some(until)) = (parts.first(), parts.get(1), parts.get(2)) else {
        return Err(PyValueError::new_err(
            "each revocation is (kind, id, until) or (\"subject\", id, until, issued_before, below_version)",
        ));
    };
    let kind: String = kind.extract()?;
    let kind = Kind::from_name(&kind).ok_or_else(|| {
        PyValueError::new_err(format!(
            "kind must be \"token\", \"session\" or \"subject\", not {kind:?}"
        ))
    })?;
    if parts.len() > 5 || (kind != Kind::Subject && parts.len() > 3) {
        return Err(PyValueError::new_err(
            "only a subject revocation has issued_before and below_version",
        ));
    }
    Ok(OwnedRevocation {
        kind,
        id: id_bytes(id)?,
        until: store.until_or_lifetime(crate::until::until_arg(Some(until), None)?),
        issued_before: whole_or_zero(parts.get(3), "issued_before")?,
        below_version: whole_or_zero(parts.get(4), "below_version")?,
    })
}

fn outcome_name(outcome: &RevokeOutcome) -> &'static str {
    match outcome {
        RevokeOutcome::Added { .. } => "added",
        RevokeOutcome::Unchanged => "unchanged",
    }
}

/// The authority's side: writes revocations to Redis, where every
/// follower of the namespace picks them up. Thread-safe; network calls
/// release the GIL.
///
/// Each `revoke_*` returns what it did: ``"added"`` (stored and announced)
/// or ``"unchanged"`` (an equal or wider revocation was in force). Errors
/// raise ``SyncError`` (``InvalidRevocationError`` for a bad revocation),
/// ``DenylistError`` with code 804 for an `until` whose `max_leeway` has
/// passed (it would revoke nothing) and 805 for one beyond
/// `max_token_lifetime` from now.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct RevocationStore {
    inner: RedisStore,
    namespace: String,
}

#[pymethods]
impl RevocationStore {
    /// Connects to the Redis at `url` (``redis://host:port/db``,
    /// ``redis+sentinel://s1:26379,s2:26379/<master-name>``,
    /// ``redis+cluster://n1:7000,n2:7001``; see docs/deploy.md), namespace
    /// `namespace`, and checks the connection (raises ``SyncError``).
    /// Revocations are kept `max_leeway` seconds after their `until` (the
    /// largest verifier leeway plus clock skew; followers use the same) and
    /// reach at most `max_token_lifetime` seconds ahead (also the reach of
    /// one without `until`). With `wait_replicas` N > 0, each revocation
    /// (each round trip of `revoke_many`) waits (``WAIT``) until N replicas
    /// acknowledged it, at most `wait_timeout_ms`, and raises ``SyncError``
    /// with code 907 when fewer did.
    #[new]
    #[pyo3(signature = (url, *, namespace="jwtgate", max_leeway=300, max_token_lifetime=86400, wait_replicas=None, wait_timeout_ms=1000))]
    fn new(
        py: Python<'_>,
        url: &str,
        namespace: &str,
        max_leeway: u64,
        max_token_lifetime: u64,
        wait_replicas: Option<u64>,
        wait_timeout_ms: u64,
    ) -> PyResult<Self> {
        let store = py
            .detach(|| -> Result<RedisStore, SyncError> {
                let source = RedisSource::from_url(url)?.with_namespace(namespace)?;
                let mut con = source.connect()?;
                jwtgate_sync::redis::cmd("PING").query::<String>(&mut con)?;
                let store = RedisStore::new(source)
                    .with_retention(crate::until::retention(max_leeway, max_token_lifetime));
                Ok(match wait_replicas {
                    Some(n) => store.with_wait(n, wait_timeout_ms),
                    None => store,
                })
            })
            .map_err(|e| sync_err(py, e))?;
        Ok(RevocationStore {
            inner: store,
            namespace: namespace.to_owned(),
        })
    }

    /// Revokes every token with this `jti` (str or bytes) whose `exp` is at
    /// or before `until` (int, float rounded up, or datetime; any time at or
    /// after the token's `exp`; omitted: `max_token_lifetime` from now).
    /// `exp=` is an alias of `until=`.
    #[pyo3(signature = (jti, until=None, *, exp=None))]
    fn revoke_token(
        &self,
        py: Python<'_>,
        jti: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        exp: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let until = crate::until::until_arg(until, exp)?;
        let jti = id_bytes(jti)?;
        let store = &self.inner;
        py.detach(|| store.revoke_token(&jti, until))
            .map(|o| outcome_name(&o))
            .map_err(|e| sync_err(py, e))
    }

    /// Revokes every token of session `sid` whose `exp` is at or before
    /// `until` (as in `revoke_token`).
    #[pyo3(signature = (sid, until=None))]
    fn revoke_session(
        &self,
        py: Python<'_>,
        sid: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let until = crate::until::until_arg(until, None)?;
        let sid = id_bytes(sid)?;
        let store = &self.inner;
        py.detach(|| store.revoke_session(&sid, until))
            .map(|o| outcome_name(&o))
            .map_err(|e| sync_err(py, e))
    }

    /// Revokes every token of `sub` issued before `issued_before` and/or
    /// whose ``ver`` is below `below_version` (0: that bound unused; at
    /// least one must be set) whose `exp` is at or before `until` (as in
    /// `revoke_token`).
    #[pyo3(signature = (sub, until=None, *, issued_before=None, below_version=None))]
    fn revoke_subject(
        &self,
        py: Python<'_>,
        sub: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        issued_before: Option<&Bound<'_, PyAny>>,
        below_version: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let until = crate::until::until_arg(until, None)?;
        let sub = id_bytes(sub)?;
        let issued_before = whole_or_zero(issued_before, "issued_before")?;
        let below_version = whole_or_zero(below_version, "below_version")?;
        let store = &self.inner;
        py.detach(|| store.revoke_subject(&sub, issued_before, below_version, until))
            .map(|o| outcome_name(&o))
            .map_err(|e| sync_err(py, e))
    }

    /// Revokes many at once, pipelined (one round trip per 1000; each
    /// revocation atomic, the list not). `revocations` is an iterable of
    /// ``(kind, id, until)`` tuples (``until`` as in `revoke_token`, None:
    /// the maximum token lifetime), kind ``"token"``, ``"session"`` or
    /// ``"subject"``; a subject's is ``("subject", sub, until,
    /// issued_before, below_version)`` (0: bound unused). All are checked
    /// before anything is sent. Returns the outcomes, in order.
    fn revoke_many(
        &self,
        py: Python<'_>,
        revocations: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<&'static str>> {
        let revs: Vec<OwnedRevocation> = revocations
            .try_iter()?
            .map(|item| revocation_item(&self.inner, &item?))
            .collect::<PyResult<_>>()?;
        let store = &self.inner;
        py.detach(|| store.revoke_many(&revs))
            .map(|v| v.iter().map(outcome_name).collect())
            .map_err(|e| sync_err(py, e))
    }

    /// The namespace.
    #[getter]
    fn namespace(&self) -> &str {
        &self.namespace
    }

    fn __repr__(&self) -> String {
        format!("RevocationStore(namespace={:?})", self.namespace)
    }
}
