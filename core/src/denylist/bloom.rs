//! The split-block bloom filter (SBBF), as in Apache Parquet.
//!
//! A filter is an array of 256-bit blocks, each eight little-endian `u32`
//! words. A key sets one bit in each word of one block, so a lookup reads
//! 32 contiguous bytes: one cache line (two at worst when the buffer is not
//! 32-byte aligned) instead of `k` random ones. Both the block and the bits
//! come from one 64-bit keyed hash of the key (its bloom hash, see `hash`):
//! the block from the high half (multiply-shift, so any block count works),
//! the bits from the low half times the eight Parquet salts.

/// Bytes per block: 8 words of 4 bytes.
pub(crate) const BLOCK_BYTES: usize = 32;

/// Bits per block.
pub(crate) const BLOCK_BITS: u64 = 256;

/// The Parquet SBBF salts: odd constants, one per word, in two halves of
/// four (see [`block_contains`] for why halves).
const SALT: [[u32; 4]; 2] = [
    [0x47b6_137b, 0x4497_4d91, 0x8824_ad5b, 0xa2b7_289d],
    [0x7054_95c7, 0x2df1_424b, 0x9efc_4947, 0x5c6b_fb31],
];

/// Which block of `blocks` a hash falls into: `(hash >> 32) * blocks >> 32`.
#[inline]
pub(crate) fn block_index(hash: u64, blocks: u32) -> usize {
    let i = ((hash >> 32) * u64::from(blocks)) >> 32;
    // A 64-bit index always fits usize on the 32/64-bit targets we build for;
    // if not, the out-of-range index makes the block lookup miss.
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// The bit to test in word `i` is `(key * SALT[i]) >> 27` (0..32).
#[inline(always)]
fn masks(hash: u64) -> impl Iterator<Item = u32> {
    let key = low_half(hash);
    SALT.into_iter()
        .flatten()
        .map(move |s| 1u32 << (key.wrapping_mul(s) >> 27))
}

/// The low 32 bits of a hash: the bloom key (the high 32 pick the block).
#[inline(always)]
fn low_half(hash: u64) -> u32 {
    u32::try_from(hash & 0xffff_ffff).unwrap_or(0)
}

/// The bits of `key` missing from four words (16 bytes) of a block.
#[inline(always)]
fn missing(words: &[u8; 16], salts: [u32; 4], key: u32) -> u32 {
    // Straight-line, not an iterator: inlining an iterator's fold is up to
    // the optimizer, and when it declined the probe cost twice as much.
    // No early exit per word either: which word fails first is random, so
    // a branch per word would mispredict.
    let v = u128::from_le_bytes(*words);
    let word = |i: u32| u32::try_from((v >> (32 * i)) & 0xffff_ffff).unwrap_or(0);
    let bit = |s: u32| 1u32 << (key.wrapping_mul(s) >> 27);
    let [s0, s1, s2, s3] = salts;
    (bit(s0) & !word(0)) | (bit(s1) & !word(1)) | (bit(s2) & !word(2)) | (bit(s3) & !word(3))
}

/// Whether `block` has every bit of `hash` set.
///
/// In two halves with one branch between: at the default 16 bits per key
/// about 40% of a block's bits are set, so an absent key already misses in
/// the first four words about 97% of the time. That branch predicts well,
/// and the common miss skips the other four multiplies.
#[inline(always)]
pub(crate) fn block_contains(block: &[u8; BLOCK_BYTES], hash: u64) -> bool {
    let key = low_half(hash);
    let [lo_salts, hi_salts] = SALT;
    let (lo, hi) = split_block(block);
    missing(lo, lo_salts, key) == 0 && missing(hi, hi_salts, key) == 0
}

/// A block's two halves of four words.
#[inline(always)]
fn split_block(block: &[u8; BLOCK_BYTES]) -> (&[u8; 16], &[u8; 16]) {
    let (lo, hi) = block.split_first_chunk::<16>().unwrap_or((&[0; 16], &[]));
    (lo, hi.first_chunk::<16>().unwrap_or(&[0; 16]))
}

/// Byte offset, from the start of the filter, of the block `hash` probes.
#[inline(always)]
pub(crate) fn block_offset(hash: u64, blocks: u32) -> Option<usize> {
    block_index(hash, blocks).checked_mul(BLOCK_BYTES)
}

/// The block's bytes at `index` in a filter, if the filter has that block.
#[inline]
fn block_range(index: usize) -> Option<core::ops::Range<usize>> {
    let start = index.checked_mul(BLOCK_BYTES)?;
    Some(start..start.checked_add(BLOCK_BYTES)?)
}

/// Whether the filter (its `blocks` blocks in `filter`) may contain `hash`.
///
/// A filter shorter than it claims answers "no" rather than panicking. The
/// reader locates the block itself and calls [`block_contains`]; this is the
/// whole-filter form the tests use.
#[cfg(test)]
pub(crate) fn contains(filter: &[u8], blocks: u32, hash: u64) -> bool {
    block_range(block_index(hash, blocks))
        .and_then(|r| filter.get(r))
        .and_then(|b| <&[u8; BLOCK_BYTES]>::try_from(b).ok())
        .is_some_and(|block| block_contains(block, hash))
}

/// Sets the bits of `hash` in the filter. Returns `false` if the filter is
/// shorter than `blocks` blocks (a builder bug, reported as an error).
#[inline]
pub(crate) fn insert(filter: &mut [u8], blocks: u32, hash: u64) -> bool {
    let Some(block) = block_range(block_index(hash, blocks)).and_then(|r| filter.get_mut(r)) else {
        return false;
    };
    for (w, m) in block.chunks_exact_mut(4).zip(masks(hash)) {
        let old = <[u8; 4]>::try_from(&*w).map_or(0, u32::from_le_bytes);
        w.copy_from_slice(&(old | m).to_le_bytes());
    }
    true
}

/// The block count for `keys` keys at `bits_per_key` bits each: at least one
/// block, rounded up. `None` if it does not fit the format's `u32`.
pub(crate) fn blocks_for(keys: u64, bits_per_key: u32) -> Option<u32> {
    let bits = keys.checked_mul(u64::from(bits_per_key))?;
    let blocks = bits.div_ceil(BLOCK_BITS).max(1);
    u32::try_from(blocks).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(i: u64) -> u64 {
        // splitmix64: well-spread test hashes.
        let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn inserted_keys_are_found() {
        let blocks = 64u32;
        let mut f = [0u8; 64 * BLOCK_BYTES];
        for i in 0..1000 {
            assert!(insert(&mut f, blocks, mix(i)));
        }
        for i in 0..1000 {
            assert!(contains(&f, blocks, mix(i)));
        }
    }

    #[test]
    fn each_key_sets_one_bit_per_word_of_one_block() {
        let mut f = [0u8; 4 * BLOCK_BYTES];
        insert(&mut f, 4, mix(7));
        let ones: u32 = f.iter().map(|b| b.count_ones()).sum();
        assert!((1..=8).contains(&ones));
        let touched = f
            .chunks(BLOCK_BYTES)
            .filter(|b| b.iter().any(|&x| x != 0))
            .count();
        assert_eq!(touched, 1);
        for w in f[block_index(mix(7), 4) * 32..][..32].chunks(4) {
            assert_eq!(u32::from_le_bytes(w.try_into().unwrap()).count_ones(), 1);
        }
    }

    #[test]
    fn empty_filter_contains_nothing_and_short_filter_misses() {
        let f = [0u8; BLOCK_BYTES];
        assert!(!contains(&f, 1, mix(1)));
        assert!(!contains(&[], 1, mix(1)));
        assert!(!insert(&mut [], 1, mix(1)));
    }

    #[test]
    fn block_index_is_in_range() {
        for blocks in [1u32, 2, 3, 1000, u32::MAX] {
            for i in 0..1000 {
                assert!(block_index(mix(i), blocks) < usize::try_from(blocks).unwrap());
            }
            assert!(block_index(u64::MAX, blocks) < usize::try_from(blocks).unwrap());
        }
    }

    #[test]
    fn sizing() {
        assert_eq!(blocks_for(0, 16), Some(1));
        assert_eq!(blocks_for(16, 16), Some(1));
        assert_eq!(blocks_for(17, 16), Some(2));
        assert_eq!(blocks_for(u64::MAX, 16), None);
    }
}
