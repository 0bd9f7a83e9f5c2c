//! `WAIT`: how a revocation is made to survive the loss of the master.
//!
//! Redis replicates asynchronously: a write acknowledged by a master that
//! dies before sending it on is lost, and a replica promoted in its place
//! never had it. With a [`WaitPolicy`], [`crate::RedisStore`] follows every
//! revocation with `WAIT replicas timeout` on the same connection and
//! reports [`crate::SyncError::NotReplicated`] when fewer replicas
//! acknowledged in time. When the revocation was already in force
//! (written earlier, perhaps by another writer, perhaps not yet
//! replicated), the store first writes a small marker key in the same slot
//! so that `WAIT` covers the earlier write too: the master's replication
//! stream is ordered, and the marker comes after it.

use redis::Connection;

use crate::store::KeySpace;

/// How many replicas must acknowledge each revocation, within how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitPolicy {
    /// Replicas that must acknowledge (`WAIT`'s first argument).
    pub replicas: u64,
    /// The longest wait, in milliseconds (`WAIT`'s second argument; 0 would
    /// mean forever in Redis, so it is raised to 1).
    pub timeout_ms: u64,
}

impl WaitPolicy {
    /// The timeout when a URL gives `wait=N` alone.
    /// cbindgen:ignore
    pub const DEFAULT_TIMEOUT_MS: u64 = 1000;

    /// `replicas` within `timeout_ms` (at least 1 ms).
    pub const fn new(replicas: u64, timeout_ms: u64) -> Self {
        WaitPolicy {
            replicas,
            timeout_ms: if timeout_ms == 0 { 1 } else { timeout_ms },
        }
    }
}

/// The marker key written before `WAIT` when the revocation itself wrote
/// nothing: `{ns}:revocations:wait`, same hash tag as the stream, outside
/// the entries' `SCAN` pattern (`{ns}:rev:*`). It expires after a minute.
fn marker_key(keys: &KeySpace) -> Vec<u8> {
    let mut k = keys.stream().to_vec();
    k.extend_from_slice(b":wait");
    k
}

/// Runs `WAIT` on `con` (writing the marker first when `touch`) and
/// returns how many replicas acknowledged.
pub(crate) fn wait_for_replicas(
    con: &mut Connection,
    policy: &WaitPolicy,
    keys: &KeySpace,
    touch: bool,
) -> redis::RedisResult<u64> {
    if touch {
        redis::cmd("SET")
            .arg(marker_key(keys))
            .arg(crate::unix_ms())
            .arg("PX")
            .arg(60_000)
            .exec(con)?;
    }
    // The socket must outlive the wait.
    let wait = std::time::Duration::from_millis(policy.timeout_ms);
    con.set_read_timeout(Some(wait + std::time::Duration::from_secs(5)))?;
    redis::cmd("WAIT")
        .arg(policy.replicas)
        .arg(policy.timeout_ms)
        .query(con)
}
