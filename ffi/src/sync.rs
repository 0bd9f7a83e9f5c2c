//! The synced mode of `jg_verifier` (a live denylist kept current by a Redis
//! follower or a snapshot-file watcher, staleness, fail-closed, counters)
//! and the authority's `jg_store`, over `jwtgate-sync`.
//!
//! Every rule lives in `jwtgate_sync::LiveVerifier` (one source at a time,
//! staleness, counters, prefixes); this module converts. A source's handle
//! shares the verifier's live state, so the verifier and the source may be
//! freed in either order.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use jwtgate_sync::{
    FollowerOptions, Kind, MetricsSnapshot, OwnedRevocation, RedisSource, RedisStore,
    RevokeOutcome, SourceHandle, WatchOptions,
};

use crate::handle;
use crate::ptr::{self, boundary};
use crate::{jg_result, jg_verifier};

/// `jg_verifier_staleness_ms` and `jg_metrics.staleness_ms` when the live
/// denylist was never synced (no source has confirmed it current yet).
pub const JG_NEVER_SYNCED: u64 = u64::MAX;

/// The number of rejection reasons (`jg_metrics.rejected`).
pub const JG_REASON_COUNT: usize = 12;
/// `jg_metrics.rejected` index: 1xx, not a well-formed token.
pub const JG_REASON_MALFORMED: u32 = 0;
/// `jg_metrics.rejected` index: 2xx, unsupported algorithm or critical header.
pub const JG_REASON_UNSUPPORTED: u32 = 1;
/// `jg_metrics.rejected` index: 3xx, no usable key.
pub const JG_REASON_KEY: u32 = 2;
/// `jg_metrics.rejected` index: 4xx, the signature does not verify.
pub const JG_REASON_SIGNATURE: u32 = 3;
/// `jg_metrics.rejected` index: 500, expired.
pub const JG_REASON_EXPIRED: u32 = 4;
/// `jg_metrics.rejected` index: other 5xx (issuer, audience, nbf, missing claim, ...).
pub const JG_REASON_CLAIMS: u32 = 5;
/// `jg_metrics.rejected` index: 600 by `jti`.
pub const JG_REASON_REVOKED_TOKEN: u32 = 6;
/// `jg_metrics.rejected` index: 600 by `sid`.
pub const JG_REASON_REVOKED_SESSION: u32 = 7;
/// `jg_metrics.rejected` index: 600 by `sub`.
pub const JG_REASON_REVOKED_SUBJECT: u32 = 8;
/// `jg_metrics.rejected` index: 7xx, over a limit.
pub const JG_REASON_LIMITS: u32 = 9;
/// `jg_metrics.rejected` index: 8xx, the denylist itself is unusable.
pub const JG_REASON_DENYLIST: u32 = 10;
/// `jg_metrics.rejected` index: 900, the live denylist is stale.
pub const JG_REASON_STALE: u32 = 11;

/// `*outcome_out` of `jg_store_revoke_*`: stored and announced to followers.
pub const JG_REVOKE_ADDED: u32 = 1;
/// `*outcome_out` of `jg_store_revoke_*`: an equal or wider revocation was
/// already in force; nothing written.
pub const JG_REVOKE_UNCHANGED: u32 = 2;

/// `jg_revocation.kind`: one token, by `jti`.
pub const JG_KIND_TOKEN: u32 = 0;
/// `jg_revocation.kind`: every token of a session, by `sid`.
pub const JG_KIND_SESSION: u32 = 1;
/// `jg_revocation.kind`: tokens of a subject (`sub`) below a bound.
pub const JG_KIND_SUBJECT: u32 = 2;

/// One revocation for `jg_store_revoke_many`. Owned by the caller.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct jg_revocation {
    /// `JG_KIND_TOKEN`, `JG_KIND_SESSION` or `JG_KIND_SUBJECT`.
    pub kind: u32,
    /// The identifier (`jti`, `sid` or `sub`), `id_len` bytes.
    pub id: *const u8,
    /// Length of `id`.
    pub id_len: usize,
    /// Revokes tokens whose `exp` is at or before this (seconds since the
    /// epoch); 0: the store's maximum token lifetime from now.
    pub until: u64,
    /// Subject only: tokens issued before this are revoked (0: unused).
    pub issued_before: u64,
    /// Subject only: tokens whose `ver` is below this are revoked (0: unused).
    pub below_version: u64,
}

/// The poll interval `jg_verifier_watch_file` uses when given 0.
const DEFAULT_POLL_MS: u64 = 50;

/// Every counter of a verifier at one moment, filled by
/// `jg_verifier_metrics`: the sync layer's `repr(C)` snapshot itself.
/// Owned by the caller; plain numbers. `rejected` is indexed by
/// `JG_REASON_*`; `staleness_ms` is `JG_NEVER_SYNCED` when no source ever
/// confirmed the live denylist current.
pub type jg_metrics = MetricsSnapshot;

const _: () = assert!(JG_REASON_COUNT == jwtgate_sync::Reason::ALL.len());

/// A thread following a Redis revocation stream into a verifier's live
/// denylist (`jg_verifier_follow_redis`). Release with `jg_follower_free`.
pub struct jg_follower {
    source: SourceHandle,
}

/// A thread polling a snapshot file into a verifier's live denylist
/// (`jg_verifier_watch_file`). Release with `jg_watcher_free`.
pub struct jg_watcher {
    source: SourceHandle,
}

/// The authority's side: a connection to the Redis revocation store
/// (`jg_store_connect`). Internally synchronized. Release with `jg_store_free`.
pub struct jg_store {
    /// Written only by `jg_store_set_retention`.
    inner: RwLock<RedisStore>,
}

impl jg_store {
    /// The store, shared with concurrent revocations.
    fn inner(&self) -> std::sync::RwLockReadGuard<'_, RedisStore> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A C `until`: 0 means "not given" (the maximum token lifetime from now).
fn given(until: u64) -> Option<u64> {
    (until != 0).then_some(until)
}

/// The namespace argument: NULL gives the default `jwtgate`.
///
/// # Safety
/// `ptr` NULL or readable for `len` bytes.
unsafe fn namespace<'a>(ptr: *const u8, len: usize) -> Result<&'a str, jg_result> {
    // SAFETY: forwarded from this function's contract.
    match unsafe { ptr::optional_utf8(ptr, len) }? {
        None => Ok("jwtgate"),
        Some(ns) => Ok(ns),
    }
}

/// Starts a thread that keeps the verifier's live denylist current from
/// Redis: it loads every revocation of namespace `ns` (`{ns}:rev:*`), then
/// follows the stream `{ns}:revocations`, reconnecting with backoff when
/// Redis goes away. Returns at once; `jg_follower_wait_ready` waits for the
/// first full load.
///
/// - `url`: `url_len` UTF-8 bytes, for example `redis://127.0.0.1:6379/0`
///   (an unparsable URL gives `JG_SYNC_REDIS`; an unreachable server is
///   retried, see `jg_follower_last_error`).
/// - `ns`: NULL for the default namespace `jwtgate`, else `ns_len` UTF-8
///   bytes (not empty).
/// - One source per verifier: `JG_SOURCE_ACTIVE` while another follower or
///   watcher of this verifier runs.
///
/// On success `*follower_out` owns a new follower: stop it with
/// `jg_follower_stop` or `jg_follower_free`. The follower shares the
/// verifier's live state, so the two may be freed in either order.
///
/// # Safety
/// `verifier` NULL or live; `url` and `ns` NULL or readable for their
/// lengths; `follower_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_follow_redis(
    verifier: *const jg_verifier,
    url: *const u8,
    url_len: usize,
    ns: *const u8,
    ns_len: usize,
    follower_out: *mut *mut jg_follower,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers every pointer.
        let (v, url, ns) = unsafe {
            (
                ptr::obj(verifier)?,
                ptr::utf8(url, url_len)?,
                namespace(ns, ns_len)?,
            )
        };
        if follower_out.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        let source = RedisSource::from_url(url)?.with_namespace(ns)?;
        let source = v.live.follow_redis(source, FollowerOptions::default())?;
        // SAFETY: `follower_out` is non-NULL (checked) and writable (contract).
        unsafe { handle::publish(jg_follower { source }, follower_out) }
    })
}

/// Waits up to `timeout_ms` milliseconds for the follower's first full
/// load from Redis: `JG_OK` once it is installed, `JG_NOT_READY` on
/// timeout or when the follower was stopped. A concurrent
/// `jg_follower_stop` waits for this call to return.
///
/// # Safety
/// `follower` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_follower_wait_ready(
    follower: *const jg_follower,
    timeout_ms: u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `follower`.
        let f = unsafe { ptr::obj(follower) }?;
        Ok(f.source.ready(Duration::from_millis(timeout_ms))?)
    })
}

/// Copies the follower's last error message (UTF-8, not NUL-terminated)
/// to `out` and its length to `*out_len`; length 0 when there was none.
/// `JG_INSUFFICIENT_SIZE` when `out_cap` is too small (the needed length
/// is written; `out` may be NULL when `out_cap` is 0).
///
/// # Safety
/// `follower` NULL or live; `out` writable for `out_cap` bytes; `out_len`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_follower_last_error(
    follower: *const jg_follower,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `follower`.
        let f = unsafe { ptr::obj(follower) }?;
        let text = f.source.last_error().unwrap_or_default();
        // SAFETY: the caller's contract covers `out` and `out_len`.
        unsafe { ptr::write_text(text.as_bytes(), out, out_cap, out_len) }
    })
}

/// Stops the follower's thread and waits for it (at most about a quarter
/// of a second plus a connect timeout). The live denylist keeps what it
/// holds and grows stale; the verifier can take a new source. Stopping
/// twice is harmless. The handle stays valid until `jg_follower_free`.
///
/// # Safety
/// `follower` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_follower_stop(follower: *const jg_follower) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `follower`.
        let f = unsafe { ptr::obj(follower) }?;
        f.source.stop();
        Ok(())
    })
}

/// Stops the follower (as `jg_follower_stop`) and releases it. NULL is a
/// no-op; a second free of the same pointer is detected and ignored (do
/// not rely on it).
///
/// # Safety
/// `follower` NULL or from `jg_verifier_follow_redis`, used by no other
/// thread during or after this call.
#[no_mangle]
pub unsafe extern "C" fn jg_follower_free(follower: *mut jg_follower) {
    crate::ptr::boundary_or((), || {
        // SAFETY: the caller's contract. Dropping stops the thread.
        unsafe { handle::release(follower) }
    });
}

/// Loads the snapshot file at `path` (`path_len` bytes, not
/// NUL-terminated) into the verifier's live denylist now, then starts a
/// thread that polls it every `poll_ms` milliseconds (0: 50) and installs
/// each new valid version atomically (a corrupt version is skipped and the
/// previous denylist kept; see `jg_watcher_last_error`). The live
/// denylist's staleness is the file's age (its modification time): a
/// writer that rewrites or touches it regularly keeps it fresh.
///
/// An unreadable file gives `JG_SYNC_IO`, a bad one `JG_DENYLIST_*`,
/// and another running source `JG_SOURCE_ACTIVE`; nothing is started then.
/// On success `*watcher_out` owns a new watcher: stop it with
/// `jg_watcher_stop` or `jg_watcher_free` (either order with the verifier).
///
/// # Safety
/// `verifier` NULL or live; `path` NULL or readable for `path_len` bytes;
/// `watcher_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_watch_file(
    verifier: *const jg_verifier,
    path: *const u8,
    path_len: usize,
    poll_ms: u64,
    watcher_out: *mut *mut jg_watcher,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both pointers.
        let (v, path) = unsafe { (ptr::obj(verifier)?, ptr::bytes(path, path_len)?) };
        if watcher_out.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        if path.is_empty() || path.contains(&0) {
            return Err(jg_result::JG_INVALID_ARGUMENT);
        }
        let poll = Duration::from_millis(if poll_ms == 0 {
            DEFAULT_POLL_MS
        } else {
            poll_ms
        });
        let source = v.live.watch_file(
            OsStr::from_bytes(path).into(),
            WatchOptions {
                poll,
                ..WatchOptions::default()
            },
        )?;
        // SAFETY: `watcher_out` is non-NULL (checked) and writable (contract).
        unsafe { handle::publish(jg_watcher { source }, watcher_out) }
    })
}

/// Copies the watcher's last load error (a missing or corrupt file; UTF-8,
/// not NUL-terminated) like `jg_follower_last_error`.
///
/// # Safety
/// As `jg_follower_last_error`.
#[no_mangle]
pub unsafe extern "C" fn jg_watcher_last_error(
    watcher: *const jg_watcher,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `watcher`.
        let w = unsafe { ptr::obj(watcher) }?;
        let text = w.source.last_error().unwrap_or_default();
        // SAFETY: the caller's contract covers `out` and `out_len`.
        unsafe { ptr::write_text(text.as_bytes(), out, out_cap, out_len) }
    })
}

/// Stops polling and waits for the thread; the live denylist keeps the
/// last version loaded. Stopping twice is harmless; the handle stays valid
/// until `jg_watcher_free`.
///
/// # Safety
/// `watcher` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_watcher_stop(watcher: *const jg_watcher) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `watcher`.
        let w = unsafe { ptr::obj(watcher) }?;
        w.source.stop();
        Ok(())
    })
}

/// Stops the watcher and releases it. NULL is a no-op; a second free is
/// detected and ignored (do not rely on it).
///
/// # Safety
/// `watcher` NULL or from `jg_verifier_watch_file`, used by no other
/// thread during or after this call.
#[no_mangle]
pub unsafe extern "C" fn jg_watcher_free(watcher: *mut jg_watcher) {
    crate::ptr::boundary_or((), || {
        // SAFETY: the caller's contract. Dropping stops the thread.
        unsafe { handle::release(watcher) }
    });
}

/// Fails closed once the live denylist is older than `max_ms`
/// milliseconds: `jg_verifier_verify` then returns `JG_DENYLIST_STALE`
/// (900) for every token until the source catches up. A live denylist that
/// was never synced counts as infinitely stale. 0 (the default) never
/// fails closed. Takes effect for the next verification; survives
/// configuration changes.
///
/// # Safety
/// `verifier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_max_staleness(
    verifier: *const jg_verifier,
    max_ms: u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        v.live
            .set_max_staleness((max_ms != 0).then(|| Duration::from_millis(max_ms)));
        Ok(())
    })
}

/// Replaces the verified-token cache with an empty one of `entries`
/// (rounded down to a multiple of 4; 0 turns it off). On by default with
/// 4096 entries. A cache hit skips only the signature check of a token
/// that verified before under the same keys and policy; expiry, policy,
/// denylists and fail-closed rules run on every call. Its counters are in
/// `jg_metrics` (`cache_*`) and the Prometheus text.
///
/// # Safety
/// `verifier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_cache_size(
    verifier: *const jg_verifier,
    entries: usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        v.live.set_cache_size(entries);
        Ok(())
    })
}

/// Writes to `*staleness_ms_out` how many milliseconds ago the source last
/// confirmed the live denylist current, or `JG_NEVER_SYNCED` (`UINT64_MAX`)
/// if no source ever did.
///
/// # Safety
/// `verifier` NULL or live; `staleness_ms_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_staleness_ms(
    verifier: *const jg_verifier,
    staleness_ms_out: *mut u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        let ms = v.live.staleness().map_or(JG_NEVER_SYNCED, |d| {
            u64::try_from(d.as_millis()).unwrap_or(JG_NEVER_SYNCED - 1)
        });
        // SAFETY: the caller's contract covers `staleness_ms_out`.
        unsafe { ptr::write_out(staleness_ms_out, ms) }
    })
}

/// Fills `*metrics_out` with the verifier's counters (every
/// `jg_verifier_verify` call, by outcome) and the live denylist's gauges,
/// read now. Counters are relaxed atomics: a snapshot taken while other
/// threads verify is consistent per counter, not across counters.
///
/// # Safety
/// `verifier` NULL or live; `metrics_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_metrics(
    verifier: *const jg_verifier,
    metrics_out: *mut jg_metrics,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        let m = v.live.metrics();
        // SAFETY: the caller's contract covers `metrics_out`.
        unsafe { ptr::write_out(metrics_out, m) }
    })
}

/// Writes the counters in the Prometheus text exposition format (0.0.4),
/// every metric name starting with `prefix` and `_` (for example
/// `jwtgate_verifications_total`), to `out` (not NUL-terminated) and the
/// length to `*out_len`. `prefix` (`prefix_len` bytes) must be a valid
/// metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`, else `JG_INVALID_ARGUMENT`).
/// When `out_cap` is too small: `JG_INSUFFICIENT_SIZE` with the needed
/// length written (4 KiB is plenty; the text can grow between two calls).
///
/// # Safety
/// `verifier` NULL or live; `prefix` NULL or readable for `prefix_len`
/// bytes; `out` writable for `out_cap` bytes (NULL when `out_cap` is 0);
/// `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_metrics_prometheus(
    verifier: *const jg_verifier,
    prefix: *const u8,
    prefix_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both inputs.
        let (v, prefix) = unsafe { (ptr::obj(verifier)?, ptr::utf8(prefix, prefix_len)?) };
        let text = v.live.prometheus(prefix)?;
        // SAFETY: the caller's contract covers `out` and `out_len`.
        unsafe { ptr::write_text(text.as_bytes(), out, out_cap, out_len) }
    })
}

/// Connects to the Redis revocation store at `url` (`url_len` UTF-8
/// bytes), namespace `ns` (NULL: `jwtgate`; else `ns_len` UTF-8 bytes),
/// and checks the connection now (`JG_SYNC_REDIS` when unreachable). The
/// store reconnects by itself after an error. On success `*store_out` owns
/// a new store, internally synchronized; release it with `jg_store_free`.
///
/// # Safety
/// `url` and `ns` NULL or readable for their lengths; `store_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn jg_store_connect(
    url: *const u8,
    url_len: usize,
    ns: *const u8,
    ns_len: usize,
    store_out: *mut *mut jg_store,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both inputs.
        let (url, ns) = unsafe { (ptr::utf8(url, url_len)?, namespace(ns, ns_len)?) };
        if store_out.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        let source = RedisSource::from_url(url)?.with_namespace(ns)?;
        let mut con = source.connect()?;
        jwtgate_sync::redis::cmd("PING")
            .query::<String>(&mut con)
            .map_err(jwtgate_sync::SyncError::from)?;
        drop(con);
        let handle = jg_store {
            inner: RwLock::new(RedisStore::new(source)),
        };
        // SAFETY: `store_out` is non-NULL (checked) and writable (contract).
        unsafe { handle::publish(handle, store_out) }
    })
}

/// Sets how long the store keeps revocations after their `until`
/// (`max_leeway_secs`: the largest verifier leeway plus clock skew; it must
/// match the followers') and how far one may reach
/// (`max_token_lifetime_secs`: the longest token lifetime, also the reach
/// of a revocation given `until` 0). Defaults: 300 s and 86 400 s. Takes
/// effect for the next revocation.
///
/// # Safety
/// `store` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_store_set_retention(
    store: *const jg_store,
    max_leeway_secs: u64,
    max_token_lifetime_secs: u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `store`.
        let s = unsafe { ptr::obj(store) }?;
        let mut inner = s.inner.write().unwrap_or_else(PoisonError::into_inner);
        inner.set_retention(jwtgate_core::Retention {
            max_leeway: max_leeway_secs,
            max_token_lifetime: max_token_lifetime_secs,
        });
        Ok(())
    })
}

/// The `JG_REVOKE_*` value of an outcome.
fn outcome_code(o: &RevokeOutcome) -> u32 {
    match o {
        RevokeOutcome::Added { .. } => JG_REVOKE_ADDED,
        RevokeOutcome::Unchanged => JG_REVOKE_UNCHANGED,
    }
}

/// Common tail of the `jg_store_revoke_*` functions.
///
/// # Safety
/// `outcome_out` NULL or writable.
unsafe fn outcome(
    result: Result<RevokeOutcome, jwtgate_sync::SyncError>,
    outcome_out: *mut u32,
) -> Result<(), jg_result> {
    let code = outcome_code(&result?);
    if outcome_out.is_null() {
        return Ok(());
    }
    // SAFETY: non-NULL (checked) and writable (caller's contract).
    unsafe { ptr::write_out(outcome_out, code) }
}

/// Revokes every token with this `jti` (`jti_len` bytes) whose `exp` is at
/// or before `until` (seconds since the epoch; any time at or after the
/// token's `exp`; 0: now plus the store's maximum token lifetime): stored
/// in Redis (merged with what is there, expiring at `until` plus the
/// maximum leeway) and announced on the stream to every follower,
/// atomically. `*outcome_out` (may be NULL) gets a `JG_REVOKE_*` value.
/// `JG_REVOCATION_EXPIRED` (804) if `until` plus the maximum leeway is
/// already past (it would revoke nothing), `JG_REVOCATION_TOO_FAR` (805)
/// if `until` is beyond the maximum token lifetime; see
/// `jg_store_set_retention`.
///
/// # Safety
/// `store` NULL or live; `jti` NULL or readable for `jti_len` bytes;
/// `outcome_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_store_revoke_token(
    store: *const jg_store,
    jti: *const u8,
    jti_len: usize,
    until: u64,
    outcome_out: *mut u32,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both inputs.
        let (s, jti) = unsafe { (ptr::obj(store)?, ptr::bytes(jti, jti_len)?) };
        // SAFETY: the caller's contract covers `outcome_out`.
        unsafe { outcome(s.inner().revoke_token(jti, given(until)), outcome_out) }
    })
}

/// Revokes every token of a session (`sid`, `sid_len` bytes) whose `exp`
/// is at or before `until` (0: now plus the maximum token lifetime), like
/// `jg_store_revoke_token`.
///
/// # Safety
/// As `jg_store_revoke_token`.
#[no_mangle]
pub unsafe extern "C" fn jg_store_revoke_session(
    store: *const jg_store,
    sid: *const u8,
    sid_len: usize,
    until: u64,
    outcome_out: *mut u32,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both inputs.
        let (s, sid) = unsafe { (ptr::obj(store)?, ptr::bytes(sid, sid_len)?) };
        // SAFETY: the caller's contract covers `outcome_out`.
        unsafe { outcome(s.inner().revoke_session(sid, given(until)), outcome_out) }
    })
}

/// Revokes every token of subject `sub` (`sub_len` bytes) issued before
/// `issued_before` and/or whose `ver` is below `below_version` (0: that
/// bound unused; at least one must be set) whose `exp` is at or before
/// `until` (0: now plus the maximum token lifetime), like
/// `jg_store_revoke_token`.
///
/// # Safety
/// As `jg_store_revoke_token`.
#[no_mangle]
pub unsafe extern "C" fn jg_store_revoke_subject(
    store: *const jg_store,
    sub: *const u8,
    sub_len: usize,
    issued_before: u64,
    below_version: u64,
    until: u64,
    outcome_out: *mut u32,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both inputs.
        let (s, sub) = unsafe { (ptr::obj(store)?, ptr::bytes(sub, sub_len)?) };
        let result = s
            .inner()
            .revoke_subject(sub, issued_before, below_version, given(until));
        // SAFETY: the caller's contract covers `outcome_out`.
        unsafe { outcome(result, outcome_out) }
    })
}

/// Revokes `count` revocations (an array of `jg_revocation`) pipelined:
/// one round trip per 1000, each revocation atomic as in
/// `jg_store_revoke_token`. All are checked first (`JG_INVALID_ARGUMENT`
/// for an unknown kind, `JG_INVALID_REVOCATION` for a bad one; nothing is
/// sent then). `outcomes_out` (may be NULL) gets `count` `JG_REVOKE_*`
/// values, in order.
///
/// # Safety
/// `store` NULL or live; `revs` NULL or readable for `count` elements, each
/// `id` NULL or readable for its `id_len` bytes; `outcomes_out` NULL or
/// writable for `count` values.
#[no_mangle]
pub unsafe extern "C" fn jg_store_revoke_many(
    store: *const jg_store,
    revs: *const jg_revocation,
    count: usize,
    outcomes_out: *mut u32,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `store`.
        let s = unsafe { ptr::obj(store)? };
        if revs.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        if count
            .checked_mul(std::mem::size_of::<jg_revocation>())
            .is_none_or(|b| isize::try_from(b).is_err())
        {
            return Err(jg_result::JG_INVALID_ARGUMENT);
        }
        // SAFETY: non-NULL (checked), size fits isize (checked), readable
        // for `count` elements (contract); `revs` is aligned (contract: an array).
        let items = unsafe { std::slice::from_raw_parts(revs, count) };
        let store = s.inner();
        let mut owned = Vec::with_capacity(count);
        for r in items {
            let kind = match r.kind {
                JG_KIND_TOKEN => Kind::Token,
                JG_KIND_SESSION => Kind::Session,
                JG_KIND_SUBJECT => Kind::Subject,
                _ => return Err(jg_result::JG_INVALID_ARGUMENT),
            };
            // SAFETY: the caller's contract covers each `id`.
            let id = unsafe { ptr::bytes(r.id, r.id_len)? };
            owned.push(OwnedRevocation {
                kind,
                id: id.to_vec(),
                until: store.until_or_lifetime(given(r.until)),
                issued_before: r.issued_before,
                below_version: r.below_version,
            });
        }
        let outcomes = store.revoke_many(&owned)?;
        if outcomes_out.is_null() {
            return Ok(());
        }
        for (i, o) in outcomes.iter().enumerate() {
            let code = outcome_code(o);
            // SAFETY: `i < count` and `outcomes_out` is writable for
            // `count` values (contract).
            unsafe { ptr::write_out(outcomes_out.add(i), code)? };
        }
        Ok(())
    })
}

/// Releases a store and closes its connection. NULL is a no-op; a second
/// free is detected and ignored (do not rely on it).
///
/// # Safety
/// `store` NULL or from `jg_store_connect`, used by no other thread during
/// or after this call.
#[no_mangle]
pub unsafe extern "C" fn jg_store_free(store: *mut jg_store) {
    crate::ptr::boundary_or((), || {
        // SAFETY: the caller's contract.
        unsafe { handle::release(store) }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwtgate_sync::Reason;

    #[test]
    fn reason_indices_match_the_sync_layer() {
        let ours = [
            (JG_REASON_MALFORMED, Reason::Malformed),
            (JG_REASON_UNSUPPORTED, Reason::Unsupported),
            (JG_REASON_KEY, Reason::Key),
            (JG_REASON_SIGNATURE, Reason::Signature),
            (JG_REASON_EXPIRED, Reason::Expired),
            (JG_REASON_CLAIMS, Reason::Claims),
            (JG_REASON_REVOKED_TOKEN, Reason::RevokedToken),
            (JG_REASON_REVOKED_SESSION, Reason::RevokedSession),
            (JG_REASON_REVOKED_SUBJECT, Reason::RevokedSubject),
            (JG_REASON_LIMITS, Reason::Limits),
            (JG_REASON_DENYLIST, Reason::Denylist),
            (JG_REASON_STALE, Reason::Stale),
        ];
        assert_eq!(ours.len(), Reason::ALL.len());
        for (i, (idx, reason)) in ours.iter().enumerate() {
            assert_eq!(usize::try_from(*idx).unwrap(), i);
            assert_eq!(Reason::ALL[i], *reason);
            // The snapshot's array is indexed the same way.
            let mut m = MetricsSnapshot::default();
            m.rejected[i] = 7;
            assert_eq!(m.rejected_for(*reason), 7);
        }
    }

    #[test]
    fn sources_are_exclusive_and_released() {
        let mut v: *mut jg_verifier = std::ptr::null_mut();
        let dir = std::env::temp_dir().join(format!("jg-ffi-sync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.bin");
        let empty = jwtgate_sync::Snapshot::empty().unwrap();
        jwtgate_sync::write_snapshot_file(&path, empty.base_bytes()).unwrap();
        let p = path.as_os_str().as_bytes();
        // SAFETY: test of the documented contract.
        unsafe {
            assert_eq!(crate::jg_verifier_new(&mut v), jg_result::JG_OK);
            let mut w: *mut jg_watcher = std::ptr::null_mut();
            let mut w2: *mut jg_watcher = std::ptr::null_mut();
            assert_eq!(
                jg_verifier_watch_file(v, p.as_ptr(), p.len(), 5, &mut w),
                jg_result::JG_OK
            );
            assert_eq!(
                jg_verifier_watch_file(v, p.as_ptr(), p.len(), 5, &mut w2),
                jg_result::JG_SOURCE_ACTIVE
            );
            assert!(w2.is_null());
            let mut f: *mut jg_follower = std::ptr::null_mut();
            let url = b"redis://127.0.0.1:1/";
            assert_eq!(
                jg_verifier_follow_redis(v, url.as_ptr(), url.len(), std::ptr::null(), 0, &mut f),
                jg_result::JG_SOURCE_ACTIVE
            );
            let mut ms = 0u64;
            assert_eq!(jg_verifier_staleness_ms(v, &mut ms), jg_result::JG_OK);
            assert_ne!(ms, JG_NEVER_SYNCED);
            assert_eq!(jg_watcher_stop(w), jg_result::JG_OK);
            assert_eq!(jg_watcher_stop(w), jg_result::JG_OK);
            // Released: a follower may start now (Redis is not there: it retries).
            assert_eq!(
                jg_verifier_follow_redis(v, url.as_ptr(), url.len(), std::ptr::null(), 0, &mut f),
                jg_result::JG_OK
            );
            assert_eq!(jg_follower_wait_ready(f, 10), jg_result::JG_NOT_READY);
            // Free the verifier first: the follower shares its state.
            crate::jg_verifier_free(v);
            jg_follower_free(f);
            jg_follower_free(f);
            jg_watcher_free(w);
            jg_watcher_free(std::ptr::null_mut());
            jg_store_free(std::ptr::null_mut());
            let mut st: *mut jg_store = std::ptr::null_mut();
            assert_eq!(
                jg_store_connect(url.as_ptr(), url.len(), std::ptr::null(), 0, &mut st),
                jg_result::JG_SYNC_REDIS
            );
            assert!(st.is_null());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
