//! The panic boundary and the checks every pointer argument goes through
//! (after rustls-ffi's `panic.rs` and `ffi.rs`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::jg_result;

/// Runs `f`, turning an `Err` into its status and a panic into `JG_PANIC`.
/// Every exported function that returns a `jg_result` goes through here, so
/// no panic unwinds into C (which would be undefined behaviour).
pub(crate) fn boundary(f: impl FnOnce() -> Result<(), jg_result>) -> jg_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => jg_result::JG_OK,
        Ok(Err(e)) => e,
        Err(_) => jg_result::JG_PANIC,
    }
}

/// [`boundary`] for functions that return something other than a status:
/// a panic gives `fallback`.
pub(crate) fn boundary_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// The byte string at `ptr`, `len` bytes long.
///
/// NULL gives `JG_NULL_PARAMETER` (also when `len` is 0: an empty input is
/// passed as a non-NULL pointer with length 0); a length over `isize::MAX`
/// gives `JG_INVALID_ARGUMENT`.
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `len` bytes that nobody
/// writes for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], jg_result> {
    if ptr.is_null() {
        return Err(jg_result::JG_NULL_PARAMETER);
    }
    if isize::try_from(len).is_err() {
        return Err(jg_result::JG_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL (checked), `len <= isize::MAX` (checked), and the
    // caller guarantees `len` readable bytes for `'a`. `u8` has alignment 1.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `count` elements from `ptr`, checked as [`bytes`] does (NULL is
/// `JG_NULL_PARAMETER` even for `count` 0; a byte size over `isize::MAX`
/// is `JG_INVALID_ARGUMENT`; a misaligned pointer is `JG_INVALID_ARGUMENT`).
///
/// # Safety
/// A non-NULL `ptr` must be valid for reads of `count` initialized `T` that
/// nobody writes for `'a`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, count: usize) -> Result<&'a [T], jg_result> {
    if ptr.is_null() {
        return Err(jg_result::JG_NULL_PARAMETER);
    }
    let size = count
        .checked_mul(std::mem::size_of::<T>())
        .ok_or(jg_result::JG_INVALID_ARGUMENT)?;
    if isize::try_from(size).is_err() || !ptr.is_aligned() {
        return Err(jg_result::JG_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL and aligned (checked), at most `isize::MAX` bytes
    // (checked), and the caller guarantees `count` readable `T` for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// Like [`bytes`], and the bytes must be UTF-8 (`JG_INVALID_UTF8`).
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn utf8<'a>(ptr: *const u8, len: usize) -> Result<&'a str, jg_result> {
    // SAFETY: forwarded from this function's contract.
    let b = unsafe { bytes(ptr, len) }?;
    std::str::from_utf8(b).map_err(|_| jg_result::JG_INVALID_UTF8)
}

/// Like [`utf8`], but NULL means "absent".
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn optional_utf8<'a>(
    ptr: *const u8,
    len: usize,
) -> Result<Option<&'a str>, jg_result> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { utf8(ptr, len) }.map(Some)
}

/// A shared reference to the object behind a handle or input pointer.
///
/// # Safety
/// A non-NULL `ptr` must point to a live, properly aligned `T` for `'a`
/// that is not mutated through another pointer meanwhile (jwtgate's handle
/// types synchronize internally, so concurrent use through `&` is fine).
pub(crate) unsafe fn obj<'a, T>(ptr: *const T) -> Result<&'a T, jg_result> {
    // SAFETY: forwarded from this function's contract; `as_ref` checks NULL.
    unsafe { ptr.as_ref() }.ok_or(jg_result::JG_NULL_PARAMETER)
}

/// Writes `value` through an output pointer.
///
/// # Safety
/// A non-NULL `ptr` must be valid for a write of one properly aligned `T`.
pub(crate) unsafe fn write_out<T>(ptr: *mut T, value: T) -> Result<(), jg_result> {
    if ptr.is_null() {
        return Err(jg_result::JG_NULL_PARAMETER);
    }
    // SAFETY: non-NULL (checked) and valid for writes (caller's contract).
    // `write` does not drop or read the old, possibly uninitialized, value.
    unsafe { ptr.write(value) };
    Ok(())
}

/// The one buffer-too-small protocol: writes `text` to `out` (`out_cap`
/// bytes, not NUL-terminated) and its length to `*out_len`;
/// `JG_INSUFFICIENT_SIZE` (with the needed length written, `out` untouched)
/// when it does not fit. `out` may be NULL when `out_cap` is 0, to ask for
/// the length.
///
/// # Safety
/// `out` NULL or writable for `out_cap` bytes; `out_len` NULL or writable.
pub(crate) unsafe fn write_text(
    text: &[u8],
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> Result<(), jg_result> {
    if out_len.is_null() || (out.is_null() && out_cap != 0) {
        return Err(jg_result::JG_NULL_PARAMETER);
    }
    if isize::try_from(out_cap).is_err() {
        return Err(jg_result::JG_INVALID_ARGUMENT);
    }
    // SAFETY: `out_len` is non-NULL (checked) and writable (contract).
    unsafe { write_out(out_len, text.len()) }?;
    if text.len() > out_cap {
        return Err(jg_result::JG_INSUFFICIENT_SIZE);
    }
    if !text.is_empty() {
        // SAFETY: `out` is non-NULL (`out_cap >= text.len() > 0`, and NULL
        // with a non-zero capacity was rejected), writable for `out_cap`
        // bytes (contract); the source is a distinct Rust allocation.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), out, text.len()) };
    }
    Ok(())
}
