//! An owned copy of a denylist snapshot together with its parsed layout.

use jwtgate::{Denylist, DenylistLayout};

/// A denylist the binding owns: the snapshot bytes, copied from the caller
/// and validated once (structure, version and checksum), plus their layout,
/// which re-attaches to them in O(1) on every verification.
pub(crate) struct OwnedDenylist {
    bytes: Box<[u8]>,
    layout: DenylistLayout,
}

impl OwnedDenylist {
    /// Copies and validates (checksum included) a serialized denylist.
    pub(crate) fn new(snapshot: &[u8]) -> Result<OwnedDenylist, jwtgate::Error> {
        // Validate the caller's bytes first: no copy for a bad snapshot.
        let layout = Denylist::from_bytes(snapshot)?.layout();
        Ok(OwnedDenylist {
            bytes: snapshot.into(),
            layout,
        })
    }

    /// The view, borrowed for as long as `self`.
    pub(crate) fn view(&self) -> Result<Denylist<'_>, jwtgate::Error> {
        self.layout.view(&self.bytes)
    }
}
