//! Staleness, the token cache's size and the counters of a verifier.

use jwtgate_sync::{LiveVerifier, MetricsSnapshot};

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

/// Every counter of a verifier at one moment, filled by
/// `jg_verifier_metrics`: the sync layer's `repr(C)` snapshot itself.
/// Owned by the caller; plain numbers. `rejected` is indexed by
/// `JG_REASON_*`; `staleness_ms` is `JG_NEVER_SYNCED` when no source ever
/// confirmed the live denylist current.
pub type jg_metrics = MetricsSnapshot;

const _: () = assert!(JG_REASON_COUNT == jwtgate_sync::Reason::ALL.len());

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
    // SAFETY: forwarded from this function's contract.
    unsafe { crate::keysource::set_optional_ms(verifier, max_ms, LiveVerifier::set_max_staleness) }
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
