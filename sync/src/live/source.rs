//! The one-source rule: a live denylist has at most one source (a Redis
//! follower or a file watcher) at a time, held by a [`SourceHandle`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::{FileWatcher, Follower, SharedRevocations, SyncError};

/// The running source a [`SourceHandle`] holds.
#[derive(Debug)]
pub(crate) enum Running {
    Redis(Follower),
    File(FileWatcher),
}

/// The flag that says a live denylist has a source; claimed before the
/// source starts, released when it stops (or if it never started).
pub(crate) struct SourceClaim {
    busy: Arc<AtomicBool>,
    /// Set back to `u64::MAX` (no follower) on release: the verifier's
    /// record of a running follower's `max_leeway`.
    leeway: Option<Arc<AtomicU64>>,
}

impl SourceClaim {
    /// Claims `busy`, or [`SyncError::SourceActive`] (906) when taken.
    pub(crate) fn take(busy: &Arc<AtomicBool>) -> Result<SourceClaim, SyncError> {
        busy.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map_err(|_| SyncError::SourceActive)?;
        Ok(SourceClaim {
            busy: Arc::clone(busy),
            leeway: None,
        })
    }

    /// This claim, also putting `leeway` back to `u64::MAX` on release.
    pub(crate) fn resetting(mut self, leeway: Arc<AtomicU64>) -> SourceClaim {
        self.leeway = Some(leeway);
        self
    }
}

impl Drop for SourceClaim {
    fn drop(&mut self) {
        if let Some(leeway) = &self.leeway {
            leeway.store(u64::MAX, Ordering::Release);
        }
        self.busy.store(false, Ordering::Release);
    }
}

/// A running denylist source of a [`crate::LiveVerifier`]
/// ([`crate::LiveVerifier::follow_redis`], [`crate::LiveVerifier::watch_file`]).
///
/// While it lives, the verifier refuses a second source
/// ([`SyncError::SourceActive`]). [`SourceHandle::stop`] (or dropping the
/// handle) stops the source, joins its thread and frees the verifier for
/// another. Internally synchronized: `stop` may race with the getters.
pub struct SourceHandle {
    /// `None` once stopped. The claim is dropped after the source, so the
    /// flag is released only when the thread is gone.
    inner: Mutex<Option<(Running, SourceClaim)>>,
}

impl std::fmt::Debug for SourceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceHandle")
            .field("running", &self.is_running())
            .finish()
    }
}

impl SourceHandle {
    pub(crate) fn new(running: Running, claim: SourceClaim) -> SourceHandle {
        SourceHandle {
            inner: Mutex::new(Some((running, claim))),
        }
    }

    fn with<R>(&self, f: impl FnOnce(Option<&Running>) -> R) -> R {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        f(guard.as_ref().map(|(running, _)| running))
    }

    /// Stops the source (joins its thread, at most the follower's `block`
    /// or the watcher's poll interval) and releases the verifier for
    /// another source. Idempotent.
    pub fn stop(&self) {
        let taken = self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((running, claim)) = taken {
            drop(running); // joins the thread
            drop(claim);
        }
    }

    /// Whether the source still runs (not stopped).
    pub fn is_running(&self) -> bool {
        self.with(|r| r.is_some())
    }

    /// Whether it is a Redis follower.
    pub fn is_redis(&self) -> bool {
        self.with(|r| matches!(r, Some(Running::Redis(_))))
    }

    /// How long after `until` a Redis follower keeps a revocation (its
    /// `max_leeway`, at least the verifier's leeway when it started:
    /// [`crate::LiveVerifier::follow_redis`]). `None` for a file watcher
    /// (the snapshot's builder decided) or once stopped.
    pub fn max_leeway(&self) -> Option<u64> {
        self.with(|r| match r {
            Some(Running::Redis(f)) => Some(f.revocations().read().options().retention.max_leeway),
            _ => None,
        })
    }

    /// Waits until the source's first full load is installed: a Redis
    /// follower's first load (false on timeout); a file watcher loaded its
    /// file when it started (true). False once stopped.
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        self.with(|r| match r {
            Some(Running::Redis(f)) => f.wait_ready(timeout),
            Some(Running::File(_)) => true,
            None => false,
        })
    }

    /// [`SourceHandle::wait_ready`] as a result: [`SyncError::NotReady`]
    /// (905) on timeout.
    pub fn ready(&self, timeout: Duration) -> Result<(), SyncError> {
        if self.wait_ready(timeout) {
            Ok(())
        } else {
            Err(SyncError::NotReady)
        }
    }

    /// Whether the source is connected (a follower to Redis; a watcher
    /// always is while it runs).
    pub fn is_connected(&self) -> bool {
        self.with(|r| match r {
            Some(Running::Redis(f)) => f.is_connected(),
            Some(Running::File(_)) => true,
            None => false,
        })
    }

    /// The last error and when it happened, kept after recovery: compare
    /// with [`SourceHandle::healthy_since`].
    pub fn last_error_at(&self) -> Option<(String, SystemTime)> {
        self.with(|r| match r {
            Some(Running::Redis(f)) => f.last_error_at(),
            Some(Running::File(w)) => w.last_error_at(),
            None => None,
        })
    }

    /// The last error's message.
    pub fn last_error(&self) -> Option<String> {
        self.last_error_at().map(|(e, _)| e)
    }

    /// Since when the source has been healthy (`None`: it is failing).
    pub fn healthy_since(&self) -> Option<SystemTime> {
        self.with(|r| match r {
            Some(Running::Redis(f)) => f.healthy_since(),
            Some(Running::File(w)) => w.healthy_since(),
            None => None,
        })
    }

    /// A follower's last stream id (`None` for a watcher or once stopped).
    pub fn last_stream_id(&self) -> Option<String> {
        self.with(|r| match r {
            Some(Running::Redis(f)) => Some(f.last_stream_id()),
            _ => None,
        })
    }

    /// A follower's last resync (why, and when).
    pub fn last_resync(&self) -> Option<(String, SystemTime)> {
        self.with(|r| match r {
            Some(Running::Redis(f)) => f.last_resync(),
            _ => None,
        })
    }

    /// A follower's exact revocations (for a [`crate::Confirmer`]).
    pub fn revocations(&self) -> Option<SharedRevocations> {
        self.with(|r| match r {
            Some(Running::Redis(f)) => Some(f.revocations()),
            _ => None,
        })
    }
}

impl Drop for SourceHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
