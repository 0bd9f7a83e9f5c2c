//! A local JWKS file, polled like the denylist snapshot (see
//! [`crate::FileWatcher`]): its metadata every poll, the whole file when it
//! changed.

use std::io::Read as _;
use std::path::PathBuf;

use super::KeySourceError;
use crate::watch::FileSig;

/// What one poll found.
pub(crate) enum FilePoll {
    /// The file did not change; `good`: the version in force loaded.
    Unchanged { good: bool },
    /// The file changed: its bytes.
    Changed(Vec<u8>),
}

/// The file and the version last read.
pub(crate) struct FileState {
    path: PathBuf,
    seen: Option<FileSig>,
    good: bool,
}

impl FileState {
    pub(crate) fn new(path: PathBuf) -> FileState {
        FileState {
            path,
            seen: None,
            good: false,
        }
    }

    /// Reads the file when its metadata changed, at most `max` bytes (a
    /// larger file fails).
    pub(crate) fn poll(&mut self, max: u64) -> Result<FilePoll, KeySourceError> {
        let meta = std::fs::metadata(&self.path)?;
        let sig = FileSig::of(&meta);
        if self.seen == Some(sig) {
            return Ok(FilePoll::Unchanged { good: self.good });
        }
        self.seen = Some(sig);
        let mut bytes = Vec::new();
        std::fs::File::open(&self.path)?
            .take(max.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max {
            return Err(KeySourceError::Document(format!(
                "{} is over the {max}-byte cap",
                self.path.display()
            )));
        }
        Ok(FilePoll::Changed(bytes))
    }

    /// Whether the version just read was installed.
    pub(crate) fn loaded(&mut self, good: bool) {
        self.good = good;
    }
}
