//! The open-addressing tables that confirm bloom hits.
//!
//! Both tables use a power-of-two capacity, linear probing from
//! `fingerprint & (capacity - 1)`, and a fingerprint of 0 for an empty slot
//! (a hash of 0 is stored as 1). The load is at most [`MAX_LOAD_NUM`] /
//! [`MAX_LOAD_DEN`], so an honest table always has an empty slot; probing is
//! still bounded by the capacity, so a dishonest one costs time, never a hang.
//!
//! - The fingerprint table stores the 64-bit keyed hash of each token and
//!   session key: 8-byte slots.
//! - The subject table stores, per subject, its fingerprint and its two
//!   bounds: 24-byte slots `(fingerprint, issued_before, below_version)`.

use core::ops::Range;

/// Bytes per fingerprint slot.
pub(crate) const SLOT_BYTES: usize = 8;
/// Bytes per subject slot.
pub(crate) const SUBJECT_SLOT_BYTES: usize = 24;
/// Maximum load factor numerator: `count * DEN <= capacity * NUM`.
pub(crate) const MAX_LOAD_NUM: u64 = 7;
/// Maximum load factor denominator.
pub(crate) const MAX_LOAD_DEN: u64 = 10;

/// The stored form of a hash: 0 means "empty", so 0 becomes 1.
#[inline]
pub(crate) fn fingerprint(hash: u64) -> u64 {
    hash.max(1)
}

/// The smallest valid capacity (0, or a power of two) holding `count` entries
/// within the maximum load. `None` if it would not fit the format's `u32`.
pub(crate) fn capacity_for(count: u64) -> Option<u32> {
    if count == 0 {
        return Some(0);
    }
    let min = count.checked_mul(MAX_LOAD_DEN)?.div_ceil(MAX_LOAD_NUM);
    u32::try_from(min.checked_next_power_of_two()?).ok()
}

/// Whether `count` entries in `capacity` slots is a valid table shape.
pub(crate) fn valid_shape(capacity: u32, count: u32) -> bool {
    (capacity == 0 || capacity.is_power_of_two())
        && u64::from(count) * MAX_LOAD_DEN <= u64::from(capacity) * MAX_LOAD_NUM
}

/// The probe sequence: slot byte ranges, starting at the fingerprint's home
/// slot, visiting each slot at most once.
#[inline]
fn probe(fp: u64, capacity: u32, slot: usize) -> impl Iterator<Item = Range<usize>> {
    let cap = u64::from(capacity);
    let mask = cap.wrapping_sub(1);
    (0..cap).filter_map(move |i| {
        let idx = usize::try_from(fp.wrapping_add(i) & mask).ok()?;
        let start = idx.checked_mul(slot)?;
        Some(start..start.checked_add(slot)?)
    })
}

#[inline]
fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let end = at.checked_add(8)?;
    bytes
        .get(at..end)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_le_bytes)
}

/// Whether the fingerprint table contains the key hashed to `hash`.
#[inline]
pub(crate) fn contains(table: &[u8], capacity: u32, hash: u64) -> bool {
    let fp = fingerprint(hash);
    for r in probe(fp, capacity, SLOT_BYTES) {
        match u64_at(table, r.start) {
            Some(0) | None => return false,
            Some(x) if x == fp => return true,
            Some(_) => {}
        }
    }
    false
}

/// Inserts a key's hash. `Some(true)` if it was new, `Some(false)` if it was
/// already there, `None` if the table is full or short (a builder bug).
pub(crate) fn insert(table: &mut [u8], capacity: u32, hash: u64) -> Option<bool> {
    let fp = fingerprint(hash);
    for r in probe(fp, capacity, SLOT_BYTES) {
        let slot = table.get_mut(r)?;
        match u64_at(slot, 0)? {
            0 => {
                slot.copy_from_slice(&fp.to_le_bytes());
                return Some(true);
            }
            x if x == fp => return Some(false),
            _ => {}
        }
    }
    None
}

/// A subject's bounds: `(issued_before, below_version)`.
pub(crate) type Bounds = (u64, u64);

/// The bounds recorded for the subject hashed to `hash`, if any.
#[inline]
pub(crate) fn find_subject(table: &[u8], capacity: u32, hash: u64) -> Option<Bounds> {
    let fp = fingerprint(hash);
    for r in probe(fp, capacity, SUBJECT_SLOT_BYTES) {
        match u64_at(table, r.start)? {
            0 => return None,
            x if x == fp => {
                let ib = u64_at(table, r.start.checked_add(8)?)?;
                let bv = u64_at(table, r.start.checked_add(16)?)?;
                return Some((ib, bv));
            }
            _ => {}
        }
    }
    None
}

/// Records a subject's bounds, keeping the larger of each bound when the
/// subject is already present (a later revocation never un-revokes).
/// `Some(true)` if the subject was new, `None` if the table is full or short.
pub(crate) fn insert_subject(
    table: &mut [u8],
    capacity: u32,
    hash: u64,
    bounds: Bounds,
) -> Option<bool> {
    let fp = fingerprint(hash);
    for r in probe(fp, capacity, SUBJECT_SLOT_BYTES) {
        let slot = table.get_mut(r)?;
        let x = u64_at(slot, 0)?;
        if x == 0 || x == fp {
            let ib = u64_at(slot, 8)?.max(bounds.0);
            let bv = u64_at(slot, 16)?.max(bounds.1);
            let mut rec = [0u8; SUBJECT_SLOT_BYTES];
            let (a, rest) = rec.split_at_mut(8);
            let (b, c) = rest.split_at_mut(8);
            a.copy_from_slice(&fp.to_le_bytes());
            b.copy_from_slice(&ib.to_le_bytes());
            c.copy_from_slice(&bv.to_le_bytes());
            slot.copy_from_slice(&rec);
            return Some(x == 0);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities() {
        assert_eq!(capacity_for(0), Some(0));
        assert_eq!(capacity_for(1), Some(2));
        assert_eq!(capacity_for(7), Some(16)); // 7 in 8 would exceed 0.7
        assert_eq!(capacity_for(11), Some(16));
        assert_eq!(capacity_for(12), Some(32));
        assert_eq!(capacity_for(1_000_000), Some(1 << 21));
        assert_eq!(capacity_for(u64::MAX), None);
        for n in 1..2000u64 {
            let c = capacity_for(n).unwrap();
            assert!(valid_shape(c, u32::try_from(n).unwrap()), "{n}");
            assert!(
                !valid_shape(c / 2, u32::try_from(n).unwrap()),
                "{n} not minimal"
            );
        }
    }

    #[test]
    fn shapes() {
        assert!(valid_shape(0, 0));
        assert!(!valid_shape(0, 1));
        assert!(!valid_shape(3, 0));
        assert!(valid_shape(16, 11));
        assert!(!valid_shape(16, 12));
    }

    #[test]
    fn insert_find_and_zero_hash() {
        let mut t = [0u8; 16 * SLOT_BYTES];
        assert_eq!(insert(&mut t, 16, 0), Some(true));
        assert_eq!(insert(&mut t, 16, 1), Some(false)); // 0 and 1 share fingerprint 1
        for h in [5u64, 21, 37, u64::MAX] {
            // 5, 21 and 37 share a home slot: linear probing resolves it.
            assert_eq!(insert(&mut t, 16, h), Some(true));
            assert_eq!(insert(&mut t, 16, h), Some(false));
        }
        for h in [0u64, 1, 5, 21, 37, u64::MAX] {
            assert!(contains(&t, 16, h));
        }
        assert!(!contains(&t, 16, 53));
        assert!(!contains(&t, 0, 5));
    }

    #[test]
    fn full_table_is_bounded() {
        let mut t = [0u8; 2 * SLOT_BYTES];
        assert_eq!(insert(&mut t, 2, 2), Some(true));
        assert_eq!(insert(&mut t, 2, 3), Some(true));
        assert_eq!(insert(&mut t, 2, 4), None);
        assert!(!contains(&t, 2, 4));
        assert_eq!(insert(&mut [0u8; 4], 2, 4), None);
    }

    #[test]
    fn subjects_merge_to_the_max() {
        let mut t = [0u8; 4 * SUBJECT_SLOT_BYTES];
        assert_eq!(insert_subject(&mut t, 4, 9, (100, 0)), Some(true));
        assert_eq!(insert_subject(&mut t, 4, 9, (50, 7)), Some(false));
        assert_eq!(insert_subject(&mut t, 4, 13, (1, 1)), Some(true));
        assert_eq!(find_subject(&t, 4, 9), Some((100, 7)));
        assert_eq!(find_subject(&t, 4, 13), Some((1, 1)));
        assert_eq!(find_subject(&t, 4, 10), None);
    }
}
