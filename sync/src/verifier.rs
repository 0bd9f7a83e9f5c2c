//! [`SyncedVerifier`]: a core verifier plus a live denylist, counters,
//! staleness and the fail-closed rule. The type the bindings wrap.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use jwtgate::{Error, Verified, Verifier};

use crate::confirm::{token_ids_of, Confirmer};
use crate::metrics::Reason;
use crate::{DenylistState, VerifyError};

/// A [`Verifier`] whose denylist is kept current by a source (a
/// [`crate::FileWatcher`] or a [`crate::Follower`]) through a shared
/// [`DenylistState`].
///
/// Each call reads the snapshot in force (an atomic load, no lock, no
/// allocation), checks the token against its base and its delta, and counts
/// the outcome. With a maximum staleness set, it fails closed
/// ([`VerifyError::Stale`]) once the source has not confirmed the denylist
/// current for longer than that. `Send + Sync`: share one per process.
pub struct SyncedVerifier {
    verifier: Verifier<'static>,
    state: DenylistState,
    /// 0: no maximum.
    max_staleness_ms: AtomicU64,
    confirmer: Option<Arc<dyn Confirmer>>,
}

impl std::fmt::Debug for SyncedVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncedVerifier")
            .field("verifier", &self.verifier)
            .field("state", &self.state)
            .field("max_staleness", &self.max_staleness())
            .field("confirms", &self.confirmer.is_some())
            .finish()
    }
}

impl SyncedVerifier {
    /// Verifies with `verifier` (its own attached denylist, if any, is
    /// ignored) against the denylist `state` holds.
    pub fn new(verifier: Verifier<'_>, state: DenylistState) -> Self {
        let verifier = Verifier::new(verifier.keys().clone(), *verifier.policy())
            .with_limits(*verifier.limits());
        SyncedVerifier {
            verifier,
            state,
            max_staleness_ms: AtomicU64::new(0),
            confirmer: None,
        }
    }

    /// Fails closed once the denylist is staler than `max` (see
    /// [`SyncedVerifier::set_max_staleness`]).
    pub fn with_max_staleness(self, max: Option<Duration>) -> Self {
        self.set_max_staleness(max);
        self
    }

    /// Sets or clears the maximum staleness, at any time. A state that was
    /// never synced counts as infinitely stale.
    pub fn set_max_staleness(&self, max: Option<Duration>) {
        let ms = max.map_or(0, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
        });
        self.max_staleness_ms.store(ms, Relaxed);
    }

    /// The maximum staleness, if set.
    pub fn max_staleness(&self) -> Option<Duration> {
        match self.max_staleness_ms.load(Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }

    /// Confirms every denylist hit against `confirmer` before rejecting.
    pub fn with_confirmer(mut self, confirmer: Arc<dyn Confirmer>) -> Self {
        self.confirmer = Some(confirmer);
        self
    }

    /// The shared denylist state (staleness, counters, installs).
    pub fn state(&self) -> &DenylistState {
        &self.state
    }

    /// The core verifier (keys, policy, limits).
    pub fn verifier(&self) -> &Verifier<'static> {
        &self.verifier
    }

    /// How long since the source last confirmed the denylist current.
    pub fn staleness(&self) -> Option<Duration> {
        self.state.staleness()
    }

    /// Verifies `token` at `now` (seconds since the epoch) into `buf` (at
    /// least [`jwtgate::buffer_len`]`(token.len())` bytes), then checks the
    /// live denylist. Counts the outcome.
    pub fn verify<'b>(
        &self,
        token: &[u8],
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        self.verify_with_denylist(token, now, None, buf)
    }

    /// [`SyncedVerifier::verify`], also rejecting what `denylist` (a
    /// static snapshot the caller holds, for example one attached by hand
    /// next to the live source) revokes. Counted like `verify`.
    pub fn verify_with_denylist<'b>(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&jwtgate::Denylist<'_>>,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
        let result = self.verify_uncounted(token, now, denylist, buf);
        let metrics = self.state.metrics();
        match &result {
            Ok(_) => metrics.record_accepted(),
            Err(e) => metrics.record_rejected(Reason::of(e)),
        }
        result
    }

    /// [`SyncedVerifier::verify`] at the system clock's time.
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
        denylist: Option<&jwtgate::Denylist<'_>>,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, VerifyError> {
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
        let verified = self
            .verifier
            .verify_with_denylist(token, now, denylist, buf)?;
        // Looked up at `now - leeway`, as the core verifier does (format 1
        // and 2 lists skip windows that ended before it).
        let revoked = self
            .state
            .check(&verified, now, self.verifier.policy().leeway);
        match revoked {
            Ok(()) => Ok(verified),
            Err(Error::Revoked(kind)) => self.confirm(verified, now, kind),
            Err(e) => Err(e.into()),
        }
    }

    fn confirm<'b>(
        &self,
        verified: Verified<'b>,
        now: u64,
        kind: jwtgate::RevocationKind,
    ) -> Result<Verified<'b>, VerifyError> {
        let Some(confirmer) = &self.confirmer else {
            return Err(Error::Revoked(kind).into());
        };
        let metrics = self.state.metrics();
        metrics.confirmations.fetch_add(1, Relaxed);
        let ids = token_ids_of(verified.claims());
        match confirmer.confirm(&ids.as_ids(), now) {
            Ok(None) => {
                metrics.false_positives.fetch_add(1, Relaxed);
                Ok(verified)
            }
            Ok(Some(kind)) => Err(Error::Revoked(kind).into()),
            // The source cannot answer: keep the denylist's answer.
            Err(_) => Err(Error::Revoked(kind).into()),
        }
    }
}
