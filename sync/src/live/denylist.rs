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

/// How many lists one core call checks; more are checked in several calls.
const BATCH: usize = 8;

/// Checks `verified` against every list of `lists` at `now` (the lookup
/// time: verification time minus leeway) through the core's
/// [`Verified::check_denylists`], which hashes the identifiers once for
/// consecutive lists built with the same seed. No allocation: the views
/// are batched in a fixed array.
pub(crate) fn check_all<'l>(
    verified: &Verified<'_>,
    lists: impl IntoIterator<Item = Result<Denylist<'l>, Error>>,
    now: u64,
) -> Result<(), Error> {
    // A list without segments holds no entry and the core would skip it
    // (no hashing, no probe); skipping it here also spares copying it into
    // the batch (an empty live denylist, the common case without a source,
    // cost the C ABI ten copies of a view per call).
    let mut lists = lists
        .into_iter()
        .filter(|list| !matches!(list, Ok(list) if list.segment_count() == 0));
    let Some(first) = lists.next() else {
        return Ok(());
    };
    let first = first?;
    // One list (a static list alone, a snapshot without deltas): no batch
    // to fill, which would copy the view into every slot.
    let Some(second) = lists.next() else {
        return verified.check_denylists(std::slice::from_ref(&first), now);
    };
    let mut batch = [first; BATCH];
    if let Some(slot) = batch.get_mut(1) {
        *slot = second?;
    }
    let mut used = 2;
    for list in lists {
        if used == BATCH {
            verified.check_denylists(&batch, now)?;
            used = 0;
        }
        if let Some(slot) = batch.get_mut(used) {
            *slot = list?;
            used += 1;
        }
    }
    verified.check_denylists(batch.get(..used).unwrap_or_default(), now)
}
