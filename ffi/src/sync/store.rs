//! The authority's side: `jg_store`, revocations written to Redis.

use std::sync::{PoisonError, RwLock};

use jwtgate_sync::{Kind, OwnedRevocation, RedisSource, RedisStore, RevokeOutcome};

use super::namespace;
use crate::handle;
use crate::jg_result;
use crate::ptr::{self, boundary};

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
