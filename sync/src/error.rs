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
    /// A follower did not finish its first full load within the time it
    /// was given (code 905).
    NotReady,
    /// The verifier's live denylist already has a source (a follower or a
    /// file watcher): one at a time; stop it first (code 906).
    SourceActive,
    /// The configuration is refused by the core (an empty key set, an empty
    /// allow-list, a short secret, ...): the core's code.
    Config(jwtgate::Error),
    /// An argument the core does not see is invalid: a metrics prefix, an
    /// algorithm or claim name (code 909).
    InvalidArgument(&'static str),
}

/// Every code of this crate (9xx: the denylist and key sources, staleness,
/// invalid arguments) with its message: the one table the C ABI's
/// `jg_result_message` and Python's `ERROR_CODES` read.
/// cbindgen:ignore
pub const CODES: [(u32, &str); 12] = [
    (
        VerifyError::STALE_CODE,
        "denylist is stale: its source has not confirmed it current within the maximum staleness",
    ),
    (SyncError::IO_CODE, "sync: a file or system call failed"),
    (
        SyncError::REDIS_CODE,
        "sync: redis is unreachable or refused a command",
    ),
    (SyncError::PROTOCOL_CODE, "sync: unexpected data in redis"),
    (
        SyncError::INVALID_REVOCATION_CODE,
        "invalid revocation (empty identifier, no bound, or a value past 2^53)",
    ),
    (
        SyncError::NOT_READY_CODE,
        "sync: the follower has not loaded the denylist from redis yet",
    ),
    (
        SyncError::SOURCE_ACTIVE_CODE,
        "sync: the verifier already has a running follower or watcher",
    ),
    (
        SyncError::NOT_REPLICATED_CODE,
        "sync: revocation stored on the master but not acknowledged by enough replicas; revoke again",
    ),
    (
        VerifyError::KEYS_STALE_CODE,
        "keys are stale: no key source confirmed them current within the maximum key staleness",
    ),
    (
        SyncError::INVALID_ARGUMENT_CODE,
        "invalid argument (a metrics prefix, an algorithm or claim name)",
    ),
    (
        crate::KeySourceError::FETCH_CODE,
        "key source: fetching the keys failed (connection, TLS, HTTP status or document)",
    ),
    (
        crate::KeySourceError::REFUSED_CODE,
        "key source: URL, redirect or issuer refused by policy",
    ),
];

impl SyncError {
    /// The stable code of [`SyncError::Io`].
    /// cbindgen:ignore
    pub const IO_CODE: u32 = 901;
    /// The stable code of [`SyncError::Redis`].
    /// cbindgen:ignore
    pub const REDIS_CODE: u32 = 902;
    /// The stable code of [`SyncError::Protocol`].
    /// cbindgen:ignore
    pub const PROTOCOL_CODE: u32 = 903;
    /// The stable code of [`SyncError::InvalidRevocation`].
    /// cbindgen:ignore
    pub const INVALID_REVOCATION_CODE: u32 = 904;
    /// The stable code of [`SyncError::NotReady`].
    /// cbindgen:ignore
    pub const NOT_READY_CODE: u32 = 905;
    /// The stable code of [`SyncError::SourceActive`].
    /// cbindgen:ignore
    pub const SOURCE_ACTIVE_CODE: u32 = 906;
    /// The stable code of [`SyncError::NotReplicated`].
    /// cbindgen:ignore
    pub const NOT_REPLICATED_CODE: u32 = 907;
    /// The stable code of [`SyncError::InvalidArgument`].
    /// cbindgen:ignore
    pub const INVALID_ARGUMENT_CODE: u32 = 909;

    /// The stable number, in the same space as [`jwtgate::Error::code`]:
    /// the core's code for [`SyncError::Denylist`] and [`SyncError::Config`],
    /// 901 to 909 otherwise (900 and 908 are [`VerifyError`]'s).
    pub const fn code(&self) -> u32 {
        match self {
            SyncError::Denylist(e) | SyncError::Config(e) => e.code(),
            SyncError::Io(_) => Self::IO_CODE,
            SyncError::Redis(_) => Self::REDIS_CODE,
            SyncError::Protocol(_) => Self::PROTOCOL_CODE,
            SyncError::InvalidRevocation(_) => Self::INVALID_REVOCATION_CODE,
            SyncError::NotReady => Self::NOT_READY_CODE,
            SyncError::SourceActive => Self::SOURCE_ACTIVE_CODE,
            SyncError::NotReplicated { .. } => Self::NOT_REPLICATED_CODE,
            SyncError::InvalidArgument(_) => Self::INVALID_ARGUMENT_CODE,
        }
    }
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
            SyncError::NotReady => write!(f, "the follower has not finished its first load"),
            SyncError::SourceActive => write!(
                f,
                "the verifier already has a denylist source (one at a time; stop it first)"
            ),
            SyncError::Config(e) => write!(f, "{e} [{}]", e.code()),
            SyncError::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
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

/// Why [`crate::LiveVerifier::verify`] rejected a token.
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
    /// The keys are older than the configured maximum key staleness: no key
    /// source confirmed them current for longer than that (or never did),
    /// so the verifier fails closed until one does.
    KeysStale {
        /// How long since a key source last confirmed the keys current, in
        /// milliseconds (`u64::MAX`: never).
        age_ms: u64,
        /// The configured maximum, in milliseconds.
        max_ms: u64,
    },
}

impl VerifyError {
    /// The stable code of [`VerifyError::Stale`]: the first of the 9xx
    /// (distribution) group, which the core's codes (1xx to 8xx) never use.
    /// cbindgen:ignore
    pub const STALE_CODE: u32 = 900;
    /// The stable code of [`VerifyError::KeysStale`].
    /// cbindgen:ignore
    pub const KEYS_STALE_CODE: u32 = 908;

    /// The stable number: the core's [`jwtgate::Error::code`],
    /// [`VerifyError::STALE_CODE`] or [`VerifyError::KEYS_STALE_CODE`].
    pub const fn code(&self) -> u32 {
        match self {
            VerifyError::Token(e) => e.code(),
            VerifyError::Stale { .. } => Self::STALE_CODE,
            VerifyError::KeysStale { .. } => Self::KEYS_STALE_CODE,
        }
    }

    /// The core error, when it is one.
    pub const fn token_error(&self) -> Option<jwtgate::Error> {
        match *self {
            VerifyError::Token(e) => Some(e),
            VerifyError::Stale { .. } | VerifyError::KeysStale { .. } => None,
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
            VerifyError::KeysStale { age_ms, max_ms } if *age_ms == u64::MAX => {
                write!(f, "keys never synced (maximum key staleness {max_ms} ms)")
            }
            VerifyError::KeysStale { age_ms, max_ms } => {
                write!(f, "keys are stale: {age_ms} ms old, maximum {max_ms} ms")
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
