//! [`FileWatcher`]: keeps a [`DenylistState`] current from a snapshot file.
//!
//! The watcher polls the file's metadata. When it changed, the watcher
//! reads the whole file. Byte for byte the snapshot in force: a heartbeat
//! (a touch). Otherwise it validates the file and swaps it in. A file that
//! does not validate (corrupt — even in place, same length, header and
//! checksum bytes untouched — truncated, half-written by a non-atomic
//! writer) or whose sequence number is lower than the one in force (an
//! older file restored: it would un-revoke; allowed only with
//! [`WatchOptions::allow_rollback`]) is reported — counted in
//! `reload_failures`, kept in [`FileWatcher::last_error`] with its time —
//! never refreshes freshness, and the previous denylist stays in force; the
//! next change is tried again.
//!
//! Freshness: the file's modification time is taken as the moment its
//! writer last confirmed it current. `jwtgate follow` sets it to the last
//! time Redis confirmed its follower current (a round trip, not an open
//! socket), so a reader's staleness grows as soon as the writer's source
//! stops answering.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::snapshot::Snapshot;
use crate::{DenylistState, SyncError};

/// How a [`FileWatcher`] polls.
#[derive(Clone, Copy, Debug)]
pub struct WatchOptions {
    /// How often the file's metadata is read.
    pub poll: Duration,
    /// Accept a file whose sequence number is lower than the one in force
    /// (restoring an older file on purpose). Off: such a file is refused.
    pub allow_rollback: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            poll: Duration::from_millis(50),
            allow_rollback: false,
        }
    }
}

/// What identifies one version of a file without reading it (also used by
/// the key source's file watch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileSig {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileSig {
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        FileSig {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }
}

struct WatchState {
    path: PathBuf,
    /// The file as last loaded or found unchanged.
    loaded: Option<FileSig>,
    /// The file as last rejected (not re-reported until it changes).
    failed: Option<FileSig>,
    /// The snapshot loaded from the file.
    current: Option<std::sync::Arc<Snapshot>>,
    allow_rollback: bool,
}

/// The last error with its time, and since when all is well.
#[derive(Clone, Debug, Default)]
struct Health {
    last_error: Option<(String, SystemTime)>,
    healthy_since: Option<SystemTime>,
}

/// Polls a snapshot file and installs each new valid version (see the
/// module documentation). Stops when dropped.
pub struct FileWatcher {
    stop: Arc<AtomicBool>,
    health: Arc<Mutex<Health>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FileWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileWatcher")
            .field("last_error", &self.last_error())
            .finish()
    }
}

impl FileWatcher {
    /// Loads `path` into `state` now (an error here is returned: a service
    /// should not start on a file it cannot read), then watches it.
    pub fn start(
        path: impl AsRef<Path>,
        state: DenylistState,
        options: WatchOptions,
    ) -> Result<FileWatcher, SyncError> {
        let mut ws = WatchState {
            path: path.as_ref().to_path_buf(),
            loaded: None,
            failed: None,
            current: None,
            allow_rollback: options.allow_rollback,
        };
        poll(&mut ws, &state)?;
        let stop = Arc::new(AtomicBool::new(false));
        let health = Arc::new(Mutex::new(Health {
            last_error: None,
            healthy_since: Some(SystemTime::now()),
        }));
        let (t_stop, t_health) = (Arc::clone(&stop), Arc::clone(&health));
        let thread = std::thread::Builder::new()
            .name("jwtgate-watch".into())
            .spawn(move || {
                while !t_stop.load(Relaxed) {
                    std::thread::sleep(options.poll);
                    let result = poll(&mut ws, &state);
                    let mut h = t_health
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match result {
                        Err(e) => {
                            h.last_error = Some((e.to_string(), SystemTime::now()));
                            h.healthy_since = None;
                        }
                        Ok(Outcome::Unchanged) => {}
                        Ok(Outcome::Loaded) => {
                            if h.healthy_since.is_none() {
                                h.healthy_since = Some(SystemTime::now());
                            }
                        }
                    }
                }
            })?;
        Ok(FileWatcher {
            stop,
            health,
            thread: Some(thread),
        })
    }

    fn health(&self) -> Health {
        self.health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The last load error (a corrupt, missing or older file), kept after
    /// recovery: compare its time with [`FileWatcher::healthy_since`].
    pub fn last_error(&self) -> Option<String> {
        self.health().last_error.map(|(e, _)| e)
    }

    /// The last load error and when it happened.
    pub fn last_error_at(&self) -> Option<(String, SystemTime)> {
        self.health().last_error
    }

    /// Since when the file in force has been valid and current (`None`
    /// after an error, until a file or a heartbeat is accepted again).
    pub fn healthy_since(&self) -> Option<SystemTime> {
        self.health().healthy_since
    }

    /// Stops polling and waits for the thread.
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        self.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FileWatcher {
    fn drop(&mut self) {
        self.stop_inner();
    }
}

fn mtime_ms(meta: &std::fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What a poll found.
enum Outcome {
    /// The file did not change.
    Unchanged,
    /// A new file installed, or a heartbeat accepted.
    Loaded,
}

/// One poll: reload if the file changed. Errors are counted and returned;
/// the denylist in force and its freshness are untouched by them.
fn poll(ws: &mut WatchState, state: &DenylistState) -> Result<Outcome, SyncError> {
    let result = poll_inner(ws, state);
    if result.is_err() {
        state.metrics().reload_failures.fetch_add(1, Relaxed);
    }
    result
}

fn poll_inner(ws: &mut WatchState, state: &DenylistState) -> Result<Outcome, SyncError> {
    let meta = std::fs::metadata(&ws.path)?;
    let sig = FileSig::of(&meta);
    if ws.loaded == Some(sig) || ws.failed == Some(sig) {
        return Ok(Outcome::Unchanged);
    }
    let bytes = std::fs::read(&ws.path)?;
    if let Some(current) = &ws.current {
        if current.base_bytes() == bytes.as_slice() {
            // Touched, not changed: a heartbeat.
            ws.loaded = Some(sig);
            ws.failed = None;
            state.mark_synced_at(mtime_ms(&meta));
            return Ok(Outcome::Loaded);
        }
    }
    let checked = Snapshot::from_bytes(bytes).and_then(|snapshot| {
        match &ws.current {
            Some(current)
                if !ws.allow_rollback && snapshot.sequence() < current.sequence() =>
            {
                Err(SyncError::Protocol(format!(
                    "refused: sequence {} is older than the {} in force (an older file would un-revoke; WatchOptions::allow_rollback accepts it)",
                    snapshot.sequence(),
                    current.sequence()
                )))
            }
            _ => Ok(snapshot),
        }
    });
    match checked {
        Ok(snapshot) => {
            ws.loaded = Some(sig);
            ws.failed = None;
            state.install(snapshot);
            ws.current = Some(state.snapshot());
            state.metrics().reloads.fetch_add(1, Relaxed);
            state.mark_synced_at(mtime_ms(&meta));
            Ok(Outcome::Loaded)
        }
        Err(e) => {
            ws.failed = Some(sig);
            Err(e)
        }
    }
}
