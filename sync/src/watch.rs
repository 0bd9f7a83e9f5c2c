//! [`FileWatcher`]: keeps a [`DenylistState`] current from a snapshot file.
//!
//! The watcher polls the file's metadata. When the file was replaced (a new
//! inode or length), or modified in place and its header or checksum bytes
//! differ from the snapshot in force, it reads and validates the whole file
//! and swaps it in. A file that does not validate (corrupt, truncated,
//! half-written by a non-atomic writer) is reported — counted in
//! `reload_failures`, kept in [`FileWatcher::last_error`] — and the previous
//! denylist stays in force; the next change is tried again.
//!
//! Freshness: the file's modification time is taken as the moment its
//! writer last confirmed it current. `jwtgate follow` touches the file every
//! heartbeat, so a reader's staleness stays near the heartbeat while the
//! writer is healthy, and grows when it is not.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, UNIX_EPOCH};

use crate::snapshot::{read_snapshot_file, Snapshot};
use crate::{DenylistState, SyncError};

/// How a [`FileWatcher`] polls.
#[derive(Clone, Copy, Debug)]
pub struct WatchOptions {
    /// How often the file's metadata is read.
    pub poll: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            poll: Duration::from_millis(50),
        }
    }
}

/// The bytes compared to tell a touched file from a changed one.
const HEAD: usize = 80;
const TAIL: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FileSig {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileSig {
    fn of(meta: &std::fs::Metadata) -> Self {
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
    head: Vec<u8>,
    tail: Vec<u8>,
}

/// Polls a snapshot file and installs each new valid version (see the
/// module documentation). Stops when dropped.
pub struct FileWatcher {
    stop: Arc<AtomicBool>,
    last_error: Arc<Mutex<Option<String>>>,
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
            head: Vec::new(),
            tail: Vec::new(),
        };
        poll(&mut ws, &state)?;
        let stop = Arc::new(AtomicBool::new(false));
        let last_error = Arc::new(Mutex::new(None));
        let (t_stop, t_err) = (Arc::clone(&stop), Arc::clone(&last_error));
        let thread = std::thread::Builder::new()
            .name("jwtgate-watch".into())
            .spawn(move || {
                while !t_stop.load(Relaxed) {
                    std::thread::sleep(options.poll);
                    if let Err(e) = poll(&mut ws, &state) {
                        *t_err
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) =
                            Some(e.to_string());
                    }
                }
            })?;
        Ok(FileWatcher {
            stop,
            last_error,
            thread: Some(thread),
        })
    }

    /// The last load error (a corrupt or missing file), if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
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

/// One poll: reload if the file changed. Errors are counted and returned;
/// the denylist in force is untouched by them.
fn poll(ws: &mut WatchState, state: &DenylistState) -> Result<(), SyncError> {
    let result = poll_inner(ws, state);
    if result.is_err() {
        state.metrics().reload_failures.fetch_add(1, Relaxed);
    }
    result
}

fn poll_inner(ws: &mut WatchState, state: &DenylistState) -> Result<(), SyncError> {
    let meta = std::fs::metadata(&ws.path)?;
    let sig = FileSig::of(&meta);
    if ws.loaded == Some(sig) || ws.failed == Some(sig) {
        return Ok(());
    }
    if let Some(old) = ws.loaded {
        let same_file = old.dev == sig.dev && old.ino == sig.ino && old.len == sig.len;
        if same_file && same_edges(&ws.path, &ws.head, &ws.tail).unwrap_or(false) {
            // Touched, not changed: a heartbeat.
            ws.loaded = Some(sig);
            state.mark_synced_at(mtime_ms(&meta));
            return Ok(());
        }
    }
    match read_snapshot_file(&ws.path) {
        Ok(snapshot) => {
            remember_edges(ws, &snapshot);
            ws.loaded = Some(sig);
            ws.failed = None;
            state.install(snapshot);
            state.metrics().reloads.fetch_add(1, Relaxed);
            state.mark_synced_at(mtime_ms(&meta));
            Ok(())
        }
        Err(e) => {
            ws.failed = Some(sig);
            Err(e)
        }
    }
}

fn remember_edges(ws: &mut WatchState, snapshot: &Snapshot) {
    let b = snapshot.base_bytes();
    ws.head = b.get(..HEAD.min(b.len())).unwrap_or_default().to_vec();
    ws.tail = b
        .get(b.len().saturating_sub(TAIL)..)
        .unwrap_or_default()
        .to_vec();
}

fn same_edges(path: &Path, head: &[u8], tail: &[u8]) -> std::io::Result<bool> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let mut h = vec![0u8; head.len()];
    f.read_exact(&mut h)?;
    let mut t = vec![0u8; tail.len()];
    f.seek(SeekFrom::End(-i64::try_from(tail.len()).unwrap_or(0)))?;
    f.read_exact(&mut t)?;
    Ok(h == head && t == tail)
}
