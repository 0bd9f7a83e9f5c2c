//! The byte layout of a denylist, field by field (see `docs/denylist-format.md`).
//!
//! Everything is little-endian. Reads go through `get` and return `None`
//! when a field is out of range, so no input can make them panic; writes
//! likewise return `None` when the output is too short.

use core::ops::Range;

use sha2::{Digest, Sha256};

use super::bloom::BLOCK_BYTES;
use super::hash::BloomHashKind;
use super::table::{SLOT_BYTES, SUBJECT_SLOT_BYTES};

/// The first four bytes of every denylist.
pub(crate) const MAGIC: [u8; 4] = *b"JGDL";
/// The format version the builder writes unless told otherwise.
pub(crate) const VERSION: u16 = 3;
/// Flag bit: segments carry a token/session fingerprint table.
pub(crate) const FLAG_FINGERPRINTS: u16 = 1;
/// Every flag bit versions 1 to 3 define; others must be clear.
pub(crate) const KNOWN_FLAGS: u16 = FLAG_FINGERPRINTS;

/// The hash that places bloom bits in a version this build reads; `None`
/// for any other version. Versions 1 and 2 differ in nothing else;
/// version 3 hashes like 2 and differs in placement and lookup (see
/// [`spans_windows`]).
pub(crate) fn bloom_hash_kind(version: u16) -> Option<BloomHashKind> {
    match version {
        1 => Some(BloomHashKind::SipHash),
        2 | 3 => Some(BloomHashKind::Fold),
        _ => None,
    }
}

/// Whether a denylist of this version guarantees that every entry is in
/// every segment from the first to the one covering its `until` (version
/// 3), so that one segment answers every lookup. Versions 1 and 2 promised
/// that only for sessions and subjects, and keep their lookup rule.
pub(crate) const fn spans_windows(version: u16) -> bool {
    version >= 3
}

/// Size of the fixed header.
pub(crate) const HEADER_LEN: usize = 80;
/// Size of one segment directory entry.
pub(crate) const DIR_ENTRY_LEN: usize = 64;
/// Size of the trailing checksum.
pub(crate) const CHECKSUM_LEN: usize = 8;
/// Alignment of every data section, relative to the start of the bytes:
/// a bloom block then never straddles a 64-byte cache line when the buffer
/// itself is 64-byte aligned.
pub(crate) const SECTION_ALIGN: usize = 32;

/// The smallest possible denylist: a header, no segments, a checksum.
pub(crate) const MIN_LEN: usize = HEADER_LEN + CHECKSUM_LEN;

#[inline]
fn field<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    bytes.get(at..end).and_then(|b| <[u8; N]>::try_from(b).ok())
}

#[inline]
fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    field(bytes, at).map(u16::from_le_bytes)
}

#[inline]
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    field(bytes, at).map(u32::from_le_bytes)
}

#[inline]
fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    field(bytes, at).map(u64::from_le_bytes)
}

fn put(out: &mut [u8], at: usize, value: &[u8]) -> Option<()> {
    let end = at.checked_add(value.len())?;
    out.get_mut(at..end)?.copy_from_slice(value);
    Some(())
}

/// The fixed header at offset 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// Offset 0, 4 bytes.
    pub(crate) magic: [u8; 4],
    /// Offset 4, u16.
    pub(crate) version: u16,
    /// Offset 6, u16.
    pub(crate) flags: u16,
    /// Offset 8, u64: length of the whole denylist, checksum included.
    pub(crate) total_len: u64,
    /// Offset 16, u64.
    pub(crate) sequence: u64,
    /// Offset 24, 16 bytes: hash keys k0 (LE) then k1 (LE).
    pub(crate) seed: [u8; 16],
    /// Offset 40, u64: start of window 0.
    pub(crate) base: u64,
    /// Offset 48, u64: width of every window, > 0.
    pub(crate) width: u64,
    /// Offset 56, u32.
    pub(crate) segment_count: u32,
    /// Offset 60, u32: bloom bits per entry the builder was configured with.
    pub(crate) bloom_bits_per_entry: u32,
    /// Offset 64, u64: revocations the builder kept.
    pub(crate) entry_count: u64,
    /// Offset 72, u64: version 3, the builder's `max_leeway` (informational);
    /// versions 1 and 2, reserved (must be 0).
    pub(crate) max_leeway: u64,
}

impl Header {
    pub(crate) fn read(b: &[u8]) -> Option<Header> {
        Some(Header {
            magic: field(b, 0)?,
            version: u16_at(b, 4)?,
            flags: u16_at(b, 6)?,
            total_len: u64_at(b, 8)?,
            sequence: u64_at(b, 16)?,
            seed: field(b, 24)?,
            base: u64_at(b, 40)?,
            width: u64_at(b, 48)?,
            segment_count: u32_at(b, 56)?,
            bloom_bits_per_entry: u32_at(b, 60)?,
            entry_count: u64_at(b, 64)?,
            max_leeway: u64_at(b, 72)?,
        })
    }

    pub(crate) fn write(&self, out: &mut [u8]) -> Option<()> {
        put(out, 0, &self.magic)?;
        put(out, 4, &self.version.to_le_bytes())?;
        put(out, 6, &self.flags.to_le_bytes())?;
        put(out, 8, &self.total_len.to_le_bytes())?;
        put(out, 16, &self.sequence.to_le_bytes())?;
        put(out, 24, &self.seed)?;
        put(out, 40, &self.base.to_le_bytes())?;
        put(out, 48, &self.width.to_le_bytes())?;
        put(out, 56, &self.segment_count.to_le_bytes())?;
        put(out, 60, &self.bloom_bits_per_entry.to_le_bytes())?;
        put(out, 64, &self.entry_count.to_le_bytes())?;
        put(out, 72, &self.max_leeway.to_le_bytes())
    }
}

/// One segment directory entry; entry `i` is at `HEADER_LEN + i * DIR_ENTRY_LEN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DirEntry {
    /// +0, u64: `base + i * width`.
    pub(crate) window_start: u64,
    /// +8, u32: bloom blocks, >= 1.
    pub(crate) bloom_blocks: u32,
    /// +12, u32: fingerprint table slots, 0 or a power of two.
    pub(crate) table_capacity: u32,
    /// +16, u32: token/session keys in the segment.
    pub(crate) table_count: u32,
    /// +20, u32: subject table slots, 0 or a power of two.
    pub(crate) subject_capacity: u32,
    /// +24, u32: subject records in the segment.
    pub(crate) subject_count: u32,
    /// +28, u32: must be 0.
    pub(crate) reserved0: u32,
    /// +32, u64: byte offset of the bloom filter.
    pub(crate) bloom_offset: u64,
    /// +40, u64: byte offset of the fingerprint table.
    pub(crate) table_offset: u64,
    /// +48, u64: byte offset of the subject table.
    pub(crate) subject_offset: u64,
    /// +56, u64: must be 0.
    pub(crate) reserved1: u64,
}

/// Where directory entry `i` starts.
pub(crate) fn dir_entry_offset(i: usize) -> Option<usize> {
    i.checked_mul(DIR_ENTRY_LEN)?.checked_add(HEADER_LEN)
}

fn section(offset: u64, items: u32, item_len: usize) -> Option<Range<usize>> {
    let start = usize::try_from(offset).ok()?;
    let len = usize::try_from(items).ok()?.checked_mul(item_len)?;
    Some(start..start.checked_add(len)?)
}

impl DirEntry {
    pub(crate) fn read(b: &[u8], i: usize) -> Option<DirEntry> {
        let at = dir_entry_offset(i)?;
        let e: &[u8; DIR_ENTRY_LEN] = b.get(at..at.checked_add(DIR_ENTRY_LEN)?)?.try_into().ok()?;
        Some(Self::read_array(e))
    }

    /// The entry in `e`. As a fixed-size array, the field reads need no
    /// bounds checks (the `unwrap_or`s are never taken).
    #[inline(always)]
    pub(crate) fn read_array(e: &[u8; DIR_ENTRY_LEN]) -> DirEntry {
        DirEntry {
            window_start: u64_at(e, 0).unwrap_or(0),
            bloom_blocks: Self::bloom_blocks_of(e),
            table_capacity: u32_at(e, 12).unwrap_or(0),
            table_count: u32_at(e, 16).unwrap_or(0),
            subject_capacity: u32_at(e, 20).unwrap_or(0),
            subject_count: u32_at(e, 24).unwrap_or(0),
            reserved0: u32_at(e, 28).unwrap_or(0),
            bloom_offset: Self::bloom_offset_of(e),
            table_offset: u64_at(e, 40).unwrap_or(0),
            subject_offset: u64_at(e, 48).unwrap_or(0),
            reserved1: u64_at(e, 56).unwrap_or(0),
        }
    }

    /// `bloom_blocks` of entry `e`, without reading the rest: an absent key
    /// needs only the bloom fields.
    #[inline(always)]
    pub(crate) fn bloom_blocks_of(e: &[u8; DIR_ENTRY_LEN]) -> u32 {
        u32_at(e, 8).unwrap_or(0)
    }

    /// `bloom_offset` of entry `e`.
    #[inline(always)]
    pub(crate) fn bloom_offset_of(e: &[u8; DIR_ENTRY_LEN]) -> u64 {
        u64_at(e, 32).unwrap_or(0)
    }

    pub(crate) fn write(&self, out: &mut [u8], i: usize) -> Option<()> {
        let at = dir_entry_offset(i)?;
        let e = out.get_mut(at..at.checked_add(DIR_ENTRY_LEN)?)?;
        put(e, 0, &self.window_start.to_le_bytes())?;
        put(e, 8, &self.bloom_blocks.to_le_bytes())?;
        put(e, 12, &self.table_capacity.to_le_bytes())?;
        put(e, 16, &self.table_count.to_le_bytes())?;
        put(e, 20, &self.subject_capacity.to_le_bytes())?;
        put(e, 24, &self.subject_count.to_le_bytes())?;
        put(e, 28, &self.reserved0.to_le_bytes())?;
        put(e, 32, &self.bloom_offset.to_le_bytes())?;
        put(e, 40, &self.table_offset.to_le_bytes())?;
        put(e, 48, &self.subject_offset.to_le_bytes())?;
        put(e, 56, &self.reserved1.to_le_bytes())
    }

    /// Bytes of the bloom filter.
    pub(crate) fn bloom_range(&self) -> Option<Range<usize>> {
        section(self.bloom_offset, self.bloom_blocks, BLOCK_BYTES)
    }

    /// Bytes of the fingerprint table.
    pub(crate) fn table_range(&self) -> Option<Range<usize>> {
        section(self.table_offset, self.table_capacity, SLOT_BYTES)
    }

    /// Bytes of the subject table.
    pub(crate) fn subject_range(&self) -> Option<Range<usize>> {
        section(
            self.subject_offset,
            self.subject_capacity,
            SUBJECT_SLOT_BYTES,
        )
    }
}

/// The checksum of a denylist's body (everything before the checksum): the
/// first 8 bytes of its SHA-256. It detects corruption and truncation; it
/// is not a signature (authenticity is the transport's job).
pub(crate) fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(body);
    let mut out = [0u8; CHECKSUM_LEN];
    for (o, d) in out.iter_mut().zip(digest.iter()) {
        *o = *d;
    }
    out
}

/// `n` rounded up to a multiple of [`SECTION_ALIGN`].
pub(crate) fn align_up(n: usize) -> Option<usize> {
    n.checked_next_multiple_of(SECTION_ALIGN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = Header {
            magic: MAGIC,
            version: VERSION,
            flags: 1,
            total_len: 2,
            sequence: 3,
            seed: [4; 16],
            base: 5,
            width: 6,
            segment_count: 7,
            bloom_bits_per_entry: 8,
            entry_count: 9,
            max_leeway: 300,
        };
        let mut b = [0u8; HEADER_LEN];
        h.write(&mut b).unwrap();
        assert_eq!(Header::read(&b), Some(h));
        assert_eq!(Header::read(&b[..HEADER_LEN - 1]), None);
        assert!(h.write(&mut [0u8; HEADER_LEN - 1]).is_none());
        assert_eq!(&b[..4], b"JGDL");
        assert_eq!(b[56], 7); // little-endian
    }

    #[test]
    fn dir_entry_round_trip() {
        let e = DirEntry {
            window_start: 1,
            bloom_blocks: 2,
            table_capacity: 4,
            table_count: 2,
            subject_capacity: 8,
            subject_count: 3,
            reserved0: 0,
            bloom_offset: 160,
            table_offset: 224,
            subject_offset: 256,
            reserved1: 0,
        };
        let mut b = [0u8; HEADER_LEN + 2 * DIR_ENTRY_LEN];
        e.write(&mut b, 1).unwrap();
        assert_eq!(DirEntry::read(&b, 1), Some(e));
        assert_eq!(DirEntry::read(&b, 2), None);
        assert_eq!(e.bloom_range(), Some(160..224));
        assert_eq!(e.table_range(), Some(224..256));
        assert_eq!(e.subject_range(), Some(256..448));
    }

    #[test]
    fn checksum_is_sha256_prefix() {
        // SHA-256("abc") = ba7816bf 8f01cfea ...
        assert_eq!(
            checksum(b"abc"),
            [0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea]
        );
    }
}
