//! Live denylist sources: a Redis follower (`jg_follower`) and a
//! snapshot-file watcher (`jg_watcher`).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::time::Duration;

use jwtgate_sync::{FollowerOptions, RedisSource, SourceHandle, WatchOptions};

use super::namespace;
use crate::handle;
use crate::ptr::{self, boundary};
use crate::{jg_result, jg_verifier};

/// The poll interval `jg_verifier_watch_file` uses when given 0.
const DEFAULT_POLL_MS: u64 = 50;

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

/// The handles that hold a running source: `jg_follower` and `jg_watcher`
/// share their stop and last-error functions through it.
trait HoldsSource {
    fn source(&self) -> &SourceHandle;
}

impl HoldsSource for jg_follower {
    fn source(&self) -> &SourceHandle {
        &self.source
    }
}

impl HoldsSource for jg_watcher {
    fn source(&self) -> &SourceHandle {
        &self.source
    }
}

/// `jg_follower_last_error` and `jg_watcher_last_error`.
///
/// # Safety
/// `handle` NULL or live; `out` writable for `out_cap` bytes; `out_len`
/// NULL or writable.
unsafe fn last_error<T: HoldsSource>(
    handle: *const T,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `handle`.
        let h = unsafe { ptr::obj(handle) }?;
        let text = h.source().last_error().unwrap_or_default();
        // SAFETY: the caller's contract covers `out` and `out_len`.
        unsafe { ptr::write_text(text.as_bytes(), out, out_cap, out_len) }
    })
}

/// `jg_follower_stop` and `jg_watcher_stop`.
///
/// # Safety
/// `handle` NULL or live.
unsafe fn stop<T: HoldsSource>(handle: *const T) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `handle`.
        unsafe { ptr::obj(handle) }?.source().stop();
        Ok(())
    })
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
    // SAFETY: forwarded from this function's contract.
    unsafe { last_error(follower, out, out_cap, out_len) }
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
    // SAFETY: forwarded from this function's contract.
    unsafe { stop(follower) }
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
    // SAFETY: forwarded from this function's contract.
    unsafe { last_error(watcher, out, out_cap, out_len) }
}

/// Stops polling and waits for the thread; the live denylist keeps the
/// last version loaded. Stopping twice is harmless; the handle stays valid
/// until `jg_watcher_free`.
///
/// # Safety
/// `watcher` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_watcher_stop(watcher: *const jg_watcher) -> jg_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { stop(watcher) }
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
