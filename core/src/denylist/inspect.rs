//! Per-segment figures for tools (`jwtgate denylist inspect`) and metrics.

use super::bloom::BLOCK_BITS;
use super::format::DirEntry;
use super::reader::Denylist;

/// What one segment holds, as recorded in its directory entry.
///
/// ```
/// use jwtgate::{DenylistConfig, Denylist, DenylistBuilder, Revocation};
///
/// let now = 7200;
/// let entries = [Revocation::Session { sid: b"s1", until: now + 3 * 3600 }];
/// let builder = DenylistBuilder::new(DenylistConfig::new([1; 16], now));
/// let mut buf = [0u8; 4096];
/// let len = builder.build(&entries, &mut buf)?;
/// let d = Denylist::from_bytes(&buf[..len])?;
/// for s in d.segments() {
///     assert_eq!(s.token_session_entries, 1); // a session reaches every window it spans
/// }
/// // Windows start at now - max_leeway (300 s), rounded down to the hour.
/// assert_eq!(d.base(), 3600);
/// assert_eq!(d.segment_count(), 5);
/// # Ok::<(), jwtgate::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Position of the segment in the directory.
    pub index: usize,
    /// First token `exp` the segment covers.
    pub window_start: u64,
    /// First `exp` after the window (saturated at `u64::MAX`).
    pub window_end: u64,
    /// Number of 256-bit bloom blocks.
    pub bloom_blocks: u32,
    /// Token and session keys in the segment (distinct when the denylist has
    /// fingerprints).
    pub token_session_entries: u32,
    /// Slots of the fingerprint table (0 without fingerprints).
    pub table_capacity: u32,
    /// Distinct subjects in the segment.
    pub subject_entries: u32,
    /// Slots of the subject table.
    pub subject_capacity: u32,
    /// Bytes of the segment's data sections (bloom, tables; padding excluded).
    pub bytes: u64,
}

impl SegmentInfo {
    /// All keys in the segment's bloom filter.
    pub fn entries(&self) -> u64 {
        u64::from(self.token_session_entries) + u64::from(self.subject_entries)
    }

    /// Bits of the bloom filter.
    pub fn bloom_bits(&self) -> u64 {
        u64::from(self.bloom_blocks) * BLOCK_BITS
    }

    /// Whether lookups at `now` still consult this segment.
    pub fn is_live(&self, now: u64) -> bool {
        // window_end saturates, so the last window reaching u64::MAX stays live.
        self.window_end > now || self.window_end == u64::MAX
    }

    /// Bits of memory per key (bloom and tables), or 0 for an empty segment.
    pub fn bits_per_entry(&self) -> f64 {
        ratio(self.bytes.saturating_mul(8), self.entries())
    }
}

/// `num / den` as `f64` (0 when `den` is 0), without `as` casts.
pub(crate) fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        return 0.0;
    }
    to_f64(num) / to_f64(den)
}

fn to_f64(x: u64) -> f64 {
    let hi = u32::try_from(x >> 32).unwrap_or(u32::MAX);
    let lo = u32::try_from(x & 0xffff_ffff).unwrap_or(u32::MAX);
    f64::from(hi) * 4_294_967_296.0 + f64::from(lo)
}

impl<'a> Denylist<'a> {
    /// Segment `i`'s figures, or `None` past the last segment.
    pub fn segment(&self, i: usize) -> Option<SegmentInfo> {
        if i >= self.windows.count {
            return None;
        }
        let e = DirEntry::read(self.as_bytes(), i)?;
        let len = |r: Option<core::ops::Range<usize>>| {
            r.and_then(|r| u64::try_from(r.len()).ok()).unwrap_or(0)
        };
        Some(SegmentInfo {
            index: i,
            window_start: e.window_start,
            window_end: u64::try_from(self.windows.end(i)).unwrap_or(u64::MAX),
            bloom_blocks: e.bloom_blocks,
            token_session_entries: e.table_count,
            table_capacity: e.table_capacity,
            subject_entries: e.subject_count,
            subject_capacity: e.subject_capacity,
            bytes: len(e.bloom_range())
                .saturating_add(len(e.table_range()))
                .saturating_add(len(e.subject_range())),
        })
    }

    /// Every segment's figures, in window order.
    pub fn segments(&self) -> impl Iterator<Item = SegmentInfo> + 'a {
        let d = *self;
        (0..d.windows.count).filter_map(move |i| d.segment(i))
    }

    /// Keys stored over all segments (a session or subject spanning several
    /// windows counts once per window).
    pub fn stored_keys(&self) -> u64 {
        self.segments().map(|s| s.entries()).sum()
    }

    /// Bits of the whole serialized denylist per kept revocation
    /// ([`Denylist::entry_count`]), or 0 when empty.
    pub fn bits_per_entry(&self) -> f64 {
        let bits = u64::try_from(self.as_bytes().len())
            .unwrap_or(u64::MAX)
            .saturating_mul(8);
        ratio(bits, self.entry_count())
    }

    /// Bloom filter bits per stored key, over all segments: the figure that
    /// sets the false-positive rate without fingerprints.
    pub fn bloom_bits_per_key(&self) -> f64 {
        let bits = self.segments().map(|s| s.bloom_bits()).sum();
        ratio(bits, self.stored_keys())
    }
}
