//! Errors of the distribution layer, and the verification error that adds
//! staleness to the core's.

use core::fmt;

/// Why a snapshot, a watcher, a follower or the store failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SyncError {
    /// Building or reading a denylist failed (corrupt or truncated bytes,
    /// unsupported version, capacity).
    Denylist(jwtgate::Error),
    /// A file or system call failed.
    Io(std::io::Error),
    /// Redis could not be reached or refused a command.
    Redis(redis::RedisError),
    /// Redis answered something this crate does not understand (a foreign
    /// key under our prefix, a malformed stream entry).
    Protocol(String),
    /// A revocation that cannot be stored (empty identifier, no bound, a
    /// value past 2^53 that Redis scripts cannot represent exactly).
    InvalidRevocation(&'static str),
    /// The revocation is stored on the master, but fewer replicas than the
    /// store's `WAIT` policy asks acknowledged it in time: it could be lost
    /// if the master failed now. Revoking again is safe and waits again.
    /// Its stable code is [`SyncError::NOT_REPLICATED_CODE`].
    NotReplicated {
        /// Replicas that acknowledged.
        acked: u64,
        /// Replicas the policy asks for.
        wanted: u64,
        /// How long the store waited, in milliseconds.
        timeout_ms: u64,
    },
}

impl SyncError {
    /// The stable code of [`SyncError::NotReplicated`] in the 9xx
    /// (distribution) group, after the C ABI's other sync codes (901 to 906).
    pub const NOT_REPLICATED_CODE: u32 = 907;
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Denylist(e) => write!(f, "denylist: {e} [{}]", e.code()),
            SyncError::Io(e) => write!(f, "io: {e}"),
            SyncError::Redis(e) => write!(f, "redis: {e}"),
            SyncError::Protocol(m) => write!(f, "unexpected data in redis: {m}"),
            SyncError::InvalidRevocation(m) => write!(f, "invalid revocation: {m}"),
            SyncError::NotReplicated {
                acked,
                wanted,
                timeout_ms,
            } => write!(
                f,
                "revocation stored on the master but acknowledged by {acked} of {wanted} \
                 replicas within {timeout_ms} ms: a failover now could lose it; revoke again \
                 [{}]",
                SyncError::NOT_REPLICATED_CODE
            ),
        }
    }
}

impl std::error::Error for SyncError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SyncError::Io(e) => Some(e),
            SyncError::Redis(e) => Some(e),
            _ => None,
        }
    }
}

impl From<jwtgate::Error> for SyncError {
    fn from(e: jwtgate::Error) -> Self {
        SyncError::Denylist(e)
    }
}

impl From<std::io::Error> for SyncError {
    fn from(e: std::io::Error) -> Self {
        SyncError::Io(e)
    }
}

impl From<redis::RedisError> for SyncError {
    fn from(e: redis::RedisError) -> Self {
        SyncError::Redis(e)
    }
}

/// Why [`crate::SyncedVerifier::verify`] rejected a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The core rejected the token (signature, claims, revocation, ...).
    Token(jwtgate::Error),
    /// The denylist is older than the configured maximum staleness: the
    /// verifier fails closed until its source catches up.
    Stale {
        /// How long since the source last confirmed the denylist current,
        /// in milliseconds (`u64::MAX`: never).
        age_ms: u64,
        /// The configured maximum, in milliseconds.
        max_ms: u64,
    },
}

impl VerifyError {
    /// The stable code of [`VerifyError::Stale`]: the first of the 9xx
    /// (distribution) group, which the core's codes (1xx to 8xx) never use.
    pub const STALE_CODE: u32 = 900;

    /// The stable number: the core's [`jwtgate::Error::code`], or
    /// [`VerifyError::STALE_CODE`].
    pub const fn code(&self) -> u32 {
        match self {
            VerifyError::Token(e) => e.code(),
            VerifyError::Stale { .. } => Self::STALE_CODE,
        }
    }

    /// The core error, when it is one.
    pub const fn token_error(&self) -> Option<jwtgate::Error> {
        match *self {
            VerifyError::Token(e) => Some(e),
            VerifyError::Stale { .. } => None,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Token(e) => write!(f, "{e}"),
            VerifyError::Stale { age_ms, max_ms } if *age_ms == u64::MAX => {
                write!(f, "denylist never synced (maximum staleness {max_ms} ms)")
            }
            VerifyError::Stale { age_ms, max_ms } => {
                write!(f, "denylist is stale: {age_ms} ms old, maximum {max_ms} ms")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<jwtgate::Error> for VerifyError {
    fn from(e: jwtgate::Error) -> Self {
        VerifyError::Token(e)
    }
}
