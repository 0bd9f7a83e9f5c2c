//! The live revocation source: a Redis follower or a snapshot-file watcher
//! feeding the gateway's [`DenylistState`].

use jwtgate_sync::{
    DenylistState, FileWatcher, Follower, FollowerOptions, RedisSource, WatchOptions,
};

use super::config::RevocationConfig;
use crate::util::BoxError;

/// The running source, if any.
#[derive(Debug)]
pub enum Source {
    /// No live revocation.
    None,
    /// Following Redis.
    Redis(Follower),
    /// Watching a snapshot file.
    File(FileWatcher),
}

impl Source {
    /// Starts the source `[revocation]` names. A snapshot file that cannot
    /// be read is an error now; Redis may come up later (not ready until).
    pub fn start(
        c: &RevocationConfig,
        state: &DenylistState,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Source, BoxError> {
        if let Some(var) = &c.redis_url_env {
            let url =
                env(var).ok_or_else(|| format!("revocation.redis_url_env: {var} is not set"))?;
            let mut source = RedisSource::from_url(&url)?;
            if let Some(ns) = &c.namespace {
                source = source.with_namespace(ns);
            }
            let follower = Follower::start(source, state.clone(), FollowerOptions::default())?;
            return Ok(Source::Redis(follower));
        }
        if let Some(path) = &c.snapshot {
            let watcher = FileWatcher::start(path, state.clone(), WatchOptions::default())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            return Ok(Source::File(watcher));
        }
        Ok(Source::None)
    }

    /// Why the source is not ready, if it is not: Redis not loaded yet.
    /// (Staleness is checked by the caller against the verifier's limit.)
    pub fn not_ready(&self) -> Option<String> {
        match self {
            Source::Redis(f) if !f.is_ready() => Some(format!(
                "revocations not loaded from Redis yet{}",
                f.last_error().map(|e| format!(": {e}")).unwrap_or_default()
            )),
            _ => None,
        }
    }

    /// Stops the source's thread.
    pub fn stop(self) {
        match self {
            Source::None => {}
            Source::Redis(f) => f.stop(),
            Source::File(w) => w.stop(),
        }
    }
}
