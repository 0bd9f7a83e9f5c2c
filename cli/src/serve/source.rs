//! The live sources: a Redis follower or a snapshot-file watcher feeding
//! the live verifier's denylist, and the key source (a JWKS URL or an
//! issuer's discovery) feeding its keys.

use std::sync::Arc;
use std::time::Duration;

use jwtgate_sync::{
    FollowerOptions, KeySource, LiveVerifier, RedisSource, SourceHandle, WatchOptions,
};

use super::config::{Config, RevocationConfig};
use crate::util::BoxError;

/// Starts the source `[revocation]` names, if any. A snapshot file that
/// cannot be read is an error now; Redis may come up later (the gateway is
/// not ready until its first load). A Redis follower keeps revocations at
/// least `leeway` seconds past their `until` (and at least the verifier's
/// leeway: `LiveVerifier::follow_redis`).
pub fn start(
    c: &RevocationConfig,
    verifier: &Arc<LiveVerifier>,
    env: &dyn Fn(&str) -> Option<String>,
    leeway: u64,
) -> Result<Option<SourceHandle>, BoxError> {
    if let Some(var) = &c.redis_url_env {
        let url = env(var).ok_or_else(|| format!("revocation.redis_url_env: {var} is not set"))?;
        let mut source = RedisSource::from_url(&url)?;
        if let Some(ns) = &c.namespace {
            source = source.with_namespace(ns)?;
        }
        let mut options = FollowerOptions::default();
        let retention = &mut options.build.retention;
        retention.max_leeway = retention.max_leeway.max(leeway);
        return Ok(Some(verifier.follow_redis(source, options)?));
    }
    if let Some(path) = &c.snapshot {
        let handle = verifier
            .watch_file(path.clone(), WatchOptions::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Some(handle));
    }
    Ok(None)
}

/// Why the source is not ready, if it is not: its first load is not
/// installed yet (staleness is checked by the caller).
pub fn not_ready(handle: &SourceHandle) -> Option<String> {
    if handle.wait_ready(Duration::ZERO) {
        return None;
    }
    Some(format!(
        "revocations not loaded yet{}",
        handle
            .last_error()
            .map(|e| format!(": {e}"))
            .unwrap_or_default()
    ))
}

/// Starts the key source `[keys]` names (`jwks_url` or `issuer`), if any:
/// it fetches and installs the keys now (an error is returned), then keeps
/// them current and hears of unknown `kid`s, waited for up to
/// `keys.miss_wait` (set here: a reload that changes it restarts the source).
pub fn start_keys(
    config: &Config,
    verifier: &Arc<LiveVerifier>,
) -> Result<Option<KeySource>, BoxError> {
    verifier.set_key_miss_wait(config.key_miss_wait()?);
    let Some(location) = config.key_location() else {
        return Ok(None);
    };
    let source = verifier
        .follow_keys(location, config.key_source_options()?)
        .map_err(|e| format!("[keys]: {e}"))?;
    Ok(Some(source))
}
