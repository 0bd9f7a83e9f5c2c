//! The synced mode of `jg_verifier` (a live denylist kept current by a Redis
//! follower or a snapshot-file watcher, staleness, fail-closed, counters)
//! and the authority's `jg_store`, over `jwtgate-sync`: one concept per
//! file (`source`: followers and watchers; `metrics`: staleness, cache size
//! and counters; `store`: revocations written to Redis).
//!
//! Every rule lives in `jwtgate_sync::LiveVerifier` (one source at a time,
//! staleness, counters, prefixes); this module converts. A source's handle
//! shares the verifier's live state, so the verifier and the source may be
//! freed in either order.

mod metrics;
mod source;
mod store;

pub use metrics::*;
pub use source::*;
pub use store::*;

use crate::jg_result;
use crate::ptr;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jg_verifier;
    use jwtgate_sync::MetricsSnapshot;
    use jwtgate_sync::Reason;
    use std::os::unix::ffi::OsStrExt as _;

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
