//! `_jwtgate.Denylist` (an owned, validated snapshot) and
//! `_jwtgate.DenylistBuilder`; the bytes are the core's format.

use jwtgate::{Config, Revocation};
use jwtgate_sync::OwnedDenylist;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::to_py_err;
use crate::time::now_secs;

/// A revocation denylist snapshot, validated once when loaded.
///
/// Immutable: to change what a verifier rejects, build or load a new one
/// and pass it to `Verifier.set_denylist`. Safe to share between threads.
#[pyclass(frozen, module = "jwtgate._jwtgate")]
pub struct Denylist {
    /// The sync crate's owned denylist (shared bytes; cloning is cheap).
    pub(crate) inner: OwnedDenylist,
}

#[pymethods]
impl Denylist {
    /// Reads a denylist from its bytes, validating structure, version and
    /// checksum (raises `DenylistError`).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Denylist> {
        let inner = py
            .detach(|| OwnedDenylist::from_slice(data))
            .map_err(|e| to_py_err(py, e))?;
        Ok(Denylist { inner })
    }

    /// Reads a denylist snapshot file (see `from_bytes`).
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Denylist> {
        let owned = py.detach(
            || -> std::io::Result<Result<OwnedDenylist, jwtgate::Error>> {
                Ok(OwnedDenylist::new(std::fs::read(&path)?))
            },
        )?;
        Ok(Denylist {
            inner: owned.map_err(|e| to_py_err(py, e))?,
        })
    }

    /// The serialized bytes (the core's format, loadable everywhere).
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.bytes())
    }

    /// The sequence number the builder recorded.
    #[getter]
    fn sequence(&self) -> u64 {
        self.inner.sequence()
    }

    /// How many revocations the denylist stores.
    #[getter]
    fn entry_count(&self) -> u64 {
        self.inner.entry_count()
    }

    /// How many expiry segments the denylist has.
    #[getter]
    fn segment_count(&self) -> usize {
        self.inner.view().map_or(0, |v| v.segment_count())
    }

    fn __len__(&self) -> usize {
        self.inner.bytes().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Denylist(sequence={}, entries={}, segments={}, bytes={})",
            self.sequence(),
            self.entry_count(),
            self.segment_count(),
            self.__len__()
        )
    }
}

/// One recorded revocation, owning its identifier.
enum Entry {
    Token {
        jti: Vec<u8>,
        until: u64,
    },
    Session {
        sid: Vec<u8>,
        until: u64,
    },
    Subject {
        sub: Vec<u8>,
        issued_before: u64,
        below_version: u64,
        until: u64,
    },
}

impl Entry {
    fn as_revocation(&self) -> Revocation<'_> {
        match self {
            Entry::Token { jti, until } => Revocation::Token { jti, until: *until },
            Entry::Session { sid, until } => Revocation::Session { sid, until: *until },
            Entry::Subject {
                sub,
                issued_before,
                below_version,
                until,
            } => Revocation::Subject {
                sub,
                issued_before: *issued_before,
                below_version: *below_version,
                until: *until,
            },
        }
    }
}

/// Collects revocations and builds a denylist snapshot.
///
/// Every revocation carries `until`: matching tokens whose `exp` is at or
/// before it are revoked (omitted: `max_token_lifetime` from now). It is
/// kept until `until + max_leeway`; `build(now)` drops those past that.
#[pyclass(module = "jwtgate._jwtgate")]
pub struct DenylistBuilder {
    seed: [u8; 16],
    sequence: u64,
    segment_width: u64,
    bits_per_entry: u32,
    fingerprints: bool,
    retention: jwtgate::Retention,
    /// The clock `revoke_*` check `until` against (`None`: the system clock).
    now: Option<u64>,
    entries: Vec<Entry>,
}

#[pymethods]
impl DenylistBuilder {
    /// A builder. `seed` is the 16-byte hash seed (random when omitted);
    /// `sequence` is recorded in the output; `segment_width` (seconds),
    /// `bits_per_entry` and `fingerprints` tune the filter (see the core's
    /// `Config`); `max_leeway` and `max_token_lifetime` (seconds) are the
    /// core's `Retention`; `now` is the time `revoke_*` judge `until` by
    /// (default: the system clock at each call).
    #[new]
    #[pyo3(signature = (*, seed=None, sequence=0, segment_width=3600, bits_per_entry=16, fingerprints=true, max_leeway=300, max_token_lifetime=86400, now=None))]
    #[allow(clippy::too_many_arguments)] // keyword arguments, as Python has them
    fn new(
        py: Python<'_>,
        seed: Option<&[u8]>,
        sequence: u64,
        segment_width: u64,
        bits_per_entry: u32,
        fingerprints: bool,
        max_leeway: u64,
        max_token_lifetime: u64,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let now = match now {
            Some(t) if !t.is_none() => Some(now_secs(Some(t))?),
            _ => None,
        };
        let seed: [u8; 16] = match seed {
            Some(seed) => seed
                .try_into()
                .map_err(|_| PyValueError::new_err("seed must be 16 bytes"))?,
            None => py
                .import("os")?
                .call_method1("urandom", (16,))?
                .extract::<Vec<u8>>()?
                .try_into()
                .map_err(|_| PyValueError::new_err("os.urandom returned a wrong length"))?,
        };
        Ok(DenylistBuilder {
            seed,
            sequence,
            segment_width,
            bits_per_entry,
            fingerprints,
            retention: crate::until::retention(max_leeway, max_token_lifetime),
            now,
            entries: Vec::new(),
        })
    }

    /// Revokes every token with this `jti` whose `exp` is at or before
    /// `until` (int, float rounded up, or datetime; any time at or after
    /// the token's `exp`; omitted: `max_token_lifetime` from now). `exp=`
    /// is an alias of `until=`. Raises `DenylistError` (code 804) if
    /// `until + max_leeway` is already past, (805) if `until` is beyond
    /// `max_token_lifetime` from now.
    #[pyo3(signature = (jti, until=None, *, exp=None))]
    fn revoke_token(
        &mut self,
        py: Python<'_>,
        jti: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        exp: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let until = self.until(py, crate::until::until_arg(until, exp)?)?;
        let jti = crate::keys::bytes_of(jti)?.to_vec();
        self.entries.push(Entry::Token { jti, until });
        Ok(())
    }

    /// Revokes every token of session `sid` whose `exp` is at or before
    /// `until` (as in `revoke_token`).
    #[pyo3(signature = (sid, until=None))]
    fn revoke_session(
        &mut self,
        py: Python<'_>,
        sid: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let until = self.until(py, crate::until::until_arg(until, None)?)?;
        let sid = crate::keys::bytes_of(sid)?.to_vec();
        self.entries.push(Entry::Session { sid, until });
        Ok(())
    }

    /// Revokes the tokens of subject `sub` issued before `issued_before`
    /// (token `iat`; a token without `iat` counts as revoked) and/or with
    /// `ver` below `below_version`; 0 leaves a bound unused; whose `exp` is
    /// at or before `until` (as in `revoke_token`). At least one bound must
    /// be set.
    #[pyo3(signature = (sub, until=None, *, issued_before=0, below_version=0))]
    fn revoke_subject(
        &mut self,
        py: Python<'_>,
        sub: &Bound<'_, PyAny>,
        until: Option<&Bound<'_, PyAny>>,
        issued_before: u64,
        below_version: u64,
    ) -> PyResult<()> {
        if issued_before == 0 && below_version == 0 {
            return Err(PyValueError::new_err(
                "revoke_subject needs issued_before or below_version",
            ));
        }
        let until = self.until(py, crate::until::until_arg(until, None)?)?;
        let sub = crate::keys::bytes_of(sub)?.to_vec();
        self.entries.push(Entry::Subject {
            sub,
            issued_before,
            below_version,
            until,
        });
        Ok(())
    }

    fn __len__(&self) -> usize {
        self.entries.len()
    }

    /// Builds the snapshot at time `now` (default: the system clock) and
    /// returns its bytes.
    #[pyo3(signature = (now=None))]
    fn build<'py>(
        &self,
        py: Python<'py>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.build_vec(py, now)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// `Denylist.from_bytes(self.build(now))` without the copy.
    #[pyo3(signature = (now=None))]
    fn build_denylist(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Denylist> {
        let bytes = self.build_vec(py, now)?;
        let inner = OwnedDenylist::new(bytes).map_err(|e| to_py_err(py, e))?;
        Ok(Denylist { inner })
    }
}

impl DenylistBuilder {
    /// `until` by the core's rule, at the builder's clock.
    fn until(&self, py: Python<'_>, until: Option<u64>) -> PyResult<u64> {
        let now = self.now.unwrap_or_else(crate::time::system_now);
        self.retention
            .until(until, now)
            .map_err(|e| to_py_err(py, e))
    }

    fn build_vec(&self, py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<u8>> {
        let now = now_secs(now)?;
        let mut config = Config::new(self.seed, now);
        config.sequence = self.sequence;
        config.segment_width = self.segment_width;
        config.bloom_bits_per_entry = self.bits_per_entry;
        config.fingerprints = self.fingerprints;
        config.retention = self.retention;
        let builder = jwtgate::DenylistBuilder::new(config);
        let revocations: Vec<Revocation<'_>> =
            self.entries.iter().map(Entry::as_revocation).collect();
        py.detach(|| {
            let len = builder.required_len(&revocations)?;
            let mut out = vec![0u8; len];
            let written = builder.build(&revocations, &mut out)?;
            out.truncate(written);
            Ok(out)
        })
        .map_err(|e| to_py_err(py, e))
    }
}
