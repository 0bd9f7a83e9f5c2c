#![forbid(unsafe_code)]
#![doc = include_str!("../README.md")]

mod confirm;
mod connect;
mod durability;
mod error;
mod follower;
mod keysource;
mod live;
mod metrics;
mod revocation;
mod snapshot;
mod store;
mod watch;

/// The `redis` crate this one is built on, for custom [`RedisSource::from_fn`]
/// connectors and tests (Sentinel, Cluster, TLS and ACL users need none:
/// see [`RedisSource::from_url`]).
pub use redis;

pub use confirm::{token_ids_of, Confirmer, OwnedTokenIds};
pub use durability::WaitPolicy;
pub use error::{SyncError, VerifyError, CODES};
pub use follower::{Follower, FollowerOptions};
pub use keysource::{
    fetch_keys, FetchedKeys, KeyLocation, KeyRefresher, KeySink, KeySource, KeySourceError,
    KeySourceMetrics, KeySourceOptions, KeySourceSnapshot, TransportOptions, DEFAULT_MAX_BODY,
};
pub use live::{
    algorithm_named, claim_named, valid_prefix, KeyMissListener, LiveConfig, LiveVerifier,
    OwnedDenylist, PolicyOptions, SourceHandle, DEFAULT_CACHE_SIZE,
};
pub use metrics::{Metrics, MetricsSnapshot, Reason};
pub use revocation::{
    BuildOptions, FileImage, Kind, OwnedRevocation, RevocationSet, SharedRevocations,
};
pub use snapshot::{read_snapshot_file, write_snapshot_file, DenylistState, Snapshot};
pub use store::{KeySpace, RedisSource, RedisStore, RevokeOutcome, REVOKE_PIPELINE};
pub use watch::{FileWatcher, WatchOptions};

/// Seconds since the Unix epoch, from the system clock (0 before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Milliseconds since the Unix epoch, from the system clock.
pub(crate) fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A fresh random 128-bit hash seed for a denylist build.
pub(crate) fn random_seed() -> Result<[u8; 16], SyncError> {
    let mut seed = [0u8; 16];
    getrandom::fill(&mut seed).map_err(|e| SyncError::Io(std::io::Error::other(e.to_string())))?;
    Ok(seed)
}
