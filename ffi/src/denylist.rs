//! An owned copy of a denylist snapshot together with its parsed view.

use std::ptr::NonNull;

use jwtgate::Denylist;

/// A denylist the binding owns: the snapshot bytes, copied from the caller
/// and validated once (structure, version and checksum), plus the core's
/// zero-copy view of them, so a verification re-parses nothing.
pub(crate) struct OwnedDenylist {
    /// Invariant: from `Box::<[u8]>::into_raw`, freed only in `Drop`, never
    /// written. A raw pointer rather than a `Box` so that moving `self`
    /// does not assert uniqueness over bytes `view` borrows.
    bytes: NonNull<[u8]>,
    /// Borrows `*bytes`. The `'static` is confined to this type: `view()`
    /// hands it out only for as long as `&self` lives, and `Denylist` has
    /// no `Drop`, so nothing reads the bytes after `drop` frees them.
    view: Denylist<'static>,
}

// SAFETY: the bytes are immutable and owned by this value alone; `Denylist`
// is a read-only view of them. Sharing or sending it is like sharing or
// sending a `Box<[u8]>` with a `&[u8]` into it.
unsafe impl Send for OwnedDenylist {}
// SAFETY: as above: no interior mutability.
unsafe impl Sync for OwnedDenylist {}

impl OwnedDenylist {
    /// Copies and validates (checksum included) a serialized denylist.
    pub(crate) fn new(snapshot: &[u8]) -> Result<OwnedDenylist, jwtgate::Error> {
        // Validate the caller's bytes first: no copy for a bad snapshot.
        Denylist::from_bytes(snapshot)?;
        let raw = NonNull::from(Box::leak(Box::<[u8]>::from(snapshot)));
        // SAFETY: `raw` came from a live `Box` one line above and is only
        // freed in `Drop`, after which `view` is never used (see the field).
        let static_bytes: &'static [u8] = unsafe { raw.as_ref() };
        match Denylist::from_trusted_bytes(static_bytes) {
            Ok(view) => Ok(OwnedDenylist { bytes: raw, view }),
            Err(e) => {
                // SAFETY: `raw` is from `Box::leak` and nothing borrows it any more.
                drop(unsafe { Box::from_raw(raw.as_ptr()) });
                Err(e)
            }
        }
    }

    /// The parsed view, borrowed for as long as `self`.
    pub(crate) fn view(&self) -> &Denylist<'_> {
        &self.view
    }
}

impl Drop for OwnedDenylist {
    fn drop(&mut self) {
        // SAFETY: `bytes` came from `Box::leak` (see `new`) and is freed
        // exactly once, here; `view` is not used after this.
        drop(unsafe { Box::from_raw(self.bytes.as_ptr()) });
    }
}
