//! Ownership of every handle type (`jg_verifier`, `jg_follower`,
//! `jg_watcher`, `jg_store`), after rustls-ffi's `BoxCastPtr`: a handle is a
//! `Box` handed to C by [`publish`] and taken back once by [`release`].
//!
//! Live handles are registered by type and address, so that a second
//! `_free` of the same pointer (or a pointer of another handle type) is
//! detected and ignored instead of freeing twice. That is a safety net
//! for a caller's bug, not a guarantee: an address can be reused by a
//! new handle after a free.

use std::any::TypeId;
use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use crate::{jg_result, ptr};

/// The live handles: (type, address).
static LIVE: Mutex<BTreeSet<(TypeId, usize)>> = Mutex::new(BTreeSet::new());

fn live() -> std::sync::MutexGuard<'static, BTreeSet<(TypeId, usize)>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Boxes `value`, registers it and writes the pointer to `*out` (which the
/// caller then owns and releases with the type's `_free`).
/// `JG_NULL_PARAMETER` (and nothing allocated) when `out` is NULL.
///
/// # Safety
/// `out` must be NULL or valid for writing a pointer.
pub(crate) unsafe fn publish<T: 'static>(value: T, out: *mut *mut T) -> Result<(), jg_result> {
    if out.is_null() {
        return Err(jg_result::JG_NULL_PARAMETER);
    }
    let raw = Box::into_raw(Box::new(value));
    live().insert((TypeId::of::<T>(), raw.addr()));
    // SAFETY: `out` is non-NULL (checked) and writable (contract).
    unsafe { ptr::write_out(out, raw) }
}

/// Unregisters and drops a handle from [`publish`]; NULL, and addresses
/// that are not a live handle of type `T`, are ignored.
///
/// # Safety
/// `handle` must be NULL or from [`publish`] for the same `T`, and no other
/// thread may use it during or after this call.
pub(crate) unsafe fn release<T: 'static>(handle: *mut T) {
    if handle.is_null() {
        return;
    }
    if live().remove(&(TypeId::of::<T>(), handle.addr())) {
        // SAFETY: registered by `publish` from `Box::into_raw` and
        // unregistered exactly once (just now): this is its only release.
        drop(unsafe { Box::from_raw(handle) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_and_foreign_frees_are_ignored() {
        struct A(#[allow(dead_code)] u64);
        struct B(#[allow(dead_code)] u64);
        let mut a: *mut A = std::ptr::null_mut();
        // SAFETY: test of the documented contract.
        unsafe {
            assert_eq!(
                publish(A(1), std::ptr::null_mut()),
                Err(jg_result::JG_NULL_PARAMETER)
            );
            publish(A(1), &mut a).unwrap();
            // The same address as another type: not a live B.
            release(a.cast::<B>());
            assert!(live().contains(&(TypeId::of::<A>(), a.addr())));
            release(a);
            release(a);
            release(std::ptr::null_mut::<A>());
        }
        assert!(!live().contains(&(TypeId::of::<A>(), a.addr())));
    }
}
