//! [`OwnedDenylist`]: the one owned denylist type (a static list attached
//! by hand, a snapshot's base, a delta), and the hash-once check of a
//! verified token against several of them.

use std::sync::Arc;

use jwtgate::{Denylist, DenylistLayout, Error, Verified};

/// Serialized denylist bytes, validated once (structure, version and
/// checksum), with the core's [`DenylistLayout`], which re-attaches to them
/// in O(1) on every verification. Immutable; cloning shares the bytes.
#[derive(Clone, Debug)]
pub struct OwnedDenylist {
    bytes: Arc<[u8]>,
    layout: DenylistLayout,
}

impl OwnedDenylist {
    /// Takes and validates (checksum included) a serialized denylist.
    pub fn new(bytes: Vec<u8>) -> Result<OwnedDenylist, Error> {
        let layout = Denylist::from_bytes(&bytes)?.layout();
        Ok(OwnedDenylist {
            bytes: bytes.into(),
            layout,
        })
    }

    /// Validates `bytes` first, then copies them (no copy of a bad list).
    pub fn from_slice(bytes: &[u8]) -> Result<OwnedDenylist, Error> {
        let layout = Denylist::from_bytes(bytes)?.layout();
        Ok(OwnedDenylist {
            bytes: bytes.into(),
            layout,
        })
    }

    /// The denylist, borrowed for as long as `self`.
    pub fn view(&self) -> Result<Denylist<'_>, Error> {
        self.layout.view(&self.bytes)
    }

    /// The serialized bytes (the core's format).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many revocations the list holds.
    pub fn entry_count(&self) -> u64 {
        self.view().map_or(0, |d| d.entry_count())
    }

    /// The list's sequence number.
    pub fn sequence(&self) -> u64 {
        self.view().map_or(0, |d| d.sequence())
    }
}

/// Checks `verified` against every list of `lists` at `now` (the lookup
/// time: verification time minus leeway) through the core's
/// [`Verified::check_denylists`]; the first revocation found wins.
///
/// One list per call: the core hashes the identifiers once across lists
/// built with the same seed, but every build of this crate draws a fresh
/// seed, so consecutive lists never share one, and gathering the views
/// into an array to pass them together cost more (copying each view's
/// header) than it could save. No allocation.
pub(crate) fn check_all<'l>(
    verified: &Verified<'_>,
    lists: impl IntoIterator<Item = Result<Denylist<'l>, Error>>,
    now: u64,
) -> Result<(), Error> {
    for list in lists {
        verified.check_denylists(std::slice::from_ref(&list?), now)?;
    }
    Ok(())
}
