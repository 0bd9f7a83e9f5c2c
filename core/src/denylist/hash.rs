//! The keyed 64-bit hashes behind every bloom position and fingerprint.
//!
//! SipHash-1-3 (the variant Rust's `HashMap` uses) makes the fingerprints
//! and table slots: keyed by the denylist's 128-bit seed, and with no known
//! way faster than about 2^64 tries to find an identifier with a given
//! fingerprint, even knowing the seed (it is stored in the file). Its
//! rounds were still most of the cost of a
//! lookup, so format version 2 places the bloom bits with a cheaper keyed
//! hash, [`bloom_hash`] (two 64-bit multiplies for a short id), and
//! computes SipHash only when the bloom filter says "maybe": a bloom hit
//! decides nothing on its own when fingerprints confirm it, so a bloom hash
//! that could be steered costs an attacker's token a SipHash, no more.
//!
//! Both hashes stream, because the verifier hands over JSON strings in
//! chunks as it undoes escapes, without a buffer; contiguous ids (nearly
//! all) take one-pass versions of each.

/// Domain tag of a token (`jti`) key: the first byte hashed.
pub(crate) const TAG_TOKEN: u8 = 1;
/// Domain tag of a session (`sid`) key.
pub(crate) const TAG_SESSION: u8 = 2;
/// Domain tag of a subject (`sub`) key.
pub(crate) const TAG_SUBJECT: u8 = 3;

/// SipHash with `C` compression and `D` finalization rounds.
///
/// Only SipHash-1-3 ships ([`KeyHasher`]); SipHash-2-4 exists so the tests can
/// check the shared code against the reference vectors of the SipHash paper.
#[derive(Clone, Debug)]
pub(crate) struct SipHasher<const C: usize, const D: usize> {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
    /// Pending message bytes, little-endian; invariant: only the low
    /// `8 * ntail` bits may be set.
    tail: u64,
    /// Number of pending bytes in `tail`, always `< 8` between calls.
    ntail: u32,
    /// Total bytes written; only its low byte enters the hash.
    len: usize,
}

/// The hasher of the denylist format: SipHash-1-3 keyed by the file's seed.
pub(crate) type KeyHasher = SipHasher<1, 3>;

impl<const C: usize, const D: usize> SipHasher<C, D> {
    /// A hasher keyed by a 16-byte seed (k0 = first 8 bytes, k1 = last 8, little-endian).
    #[cfg(test)]
    pub(crate) fn new(seed: &[u8; 16]) -> Self {
        let (k0, k1) = split_seed(seed);
        Self::with_keys(k0, k1)
    }

    pub(crate) fn with_keys(k0: u64, k1: u64) -> Self {
        Self {
            v0: k0 ^ 0x736f_6d65_7073_6575,
            v1: k1 ^ 0x646f_7261_6e64_6f6d,
            v2: k0 ^ 0x6c79_6765_6e65_7261,
            v3: k1 ^ 0x7465_6462_7974_6573,
            tail: 0,
            ntail: 0,
            len: 0,
        }
    }

    #[inline(always)]
    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13);
        self.v1 ^= self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16);
        self.v3 ^= self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21);
        self.v3 ^= self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17);
        self.v1 ^= self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    #[inline(always)]
    fn compress(&mut self, m: u64) {
        self.v3 ^= m;
        for _ in 0..C {
            self.round();
        }
        self.v0 ^= m;
    }

    /// Appends bytes to the message; any split of a message into chunks
    /// gives the same hash as writing it whole.
    #[inline]
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len());
        let mut rest = bytes;
        if self.ntail != 0 {
            // Complete the partial word left by the previous chunk.
            let need = usize::try_from(8 - self.ntail).unwrap_or(0);
            let (head, tail) = rest.split_at(need.min(rest.len()));
            self.tail |= load_partial(head) << (8 * self.ntail);
            self.ntail += u32::try_from(head.len()).unwrap_or(0);
            if self.ntail < 8 {
                return;
            }
            let m = self.tail;
            self.compress(m);
            rest = tail;
        }
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            if let Ok(w) = <[u8; 8]>::try_from(w) {
                self.compress(u64::from_le_bytes(w));
            }
        }
        let rem = words.remainder();
        self.tail = load_partial(rem);
        self.ntail = u32::try_from(rem.len()).unwrap_or(0);
    }

    /// The hash of everything written so far.
    #[inline]
    pub(crate) fn finish(&self) -> u64 {
        let len_byte = u64::from(self.len.to_le_bytes().first().copied().unwrap_or(0));
        self.clone().final_word((len_byte << 56) | self.tail)
    }

    /// Absorbs the last message word `b` (length byte and pending bytes)
    /// and finalizes.
    #[inline(always)]
    fn final_word(mut self, b: u64) -> u64 {
        self.compress(b);
        self.v2 ^= 0xff;
        for _ in 0..D {
            self.round();
        }
        self.v0 ^ self.v1 ^ self.v2 ^ self.v3
    }
}

/// Up to 7 bytes as a little-endian integer, loaded 4, 2 and 1 bytes at a
/// time rather than byte by byte (as Rust's own SipHash does).
#[inline(always)]
fn load_partial(bytes: &[u8]) -> u64 {
    let mut out = 0u64;
    let mut shift = 0;
    let mut rest = bytes;
    if let Some((four, r)) = rest.split_first_chunk::<4>() {
        out = u64::from(u32::from_le_bytes(*four));
        shift = 32;
        rest = r;
    }
    if let Some((two, r)) = rest.split_first_chunk::<2>() {
        out |= u64::from(u16::from_le_bytes(*two)) << shift;
        shift += 16;
        rest = r;
    }
    if let Some(&one) = rest.first() {
        out |= u64::from(one) << shift;
    }
    out
}

/// The seed's two SipHash keys.
pub(crate) fn split_seed(seed: &[u8; 16]) -> (u64, u64) {
    let mut k0 = [0u8; 8];
    let mut k1 = [0u8; 8];
    let (a, b) = seed.split_at(8);
    k0.copy_from_slice(a);
    k1.copy_from_slice(b);
    (u64::from_le_bytes(k0), u64::from_le_bytes(k1))
}

/// Something identifier bytes can be written into, in chunks.
pub(crate) trait Sink {
    /// Appends bytes; any split of a message into chunks gives the same result.
    fn write(&mut self, bytes: &[u8]);
}

impl<const C: usize, const D: usize> Sink for SipHasher<C, D> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        SipHasher::write(self, bytes);
    }
}

/// Identifier bytes that can be fed to the hashers, whole or in chunks.
///
/// The verifier implements this for its JSON string type, feeding the
/// unescaped string chunk by chunk; the hash must equal that of the
/// unescaped bytes written at once.
pub(crate) trait IdSource {
    /// Writes the identifier's bytes (without any domain tag) into `sink`.
    fn feed<S: Sink>(&self, sink: &mut S);

    /// The identifier's bytes, when they are already contiguous (a JSON
    /// string without escapes: nearly all of them). They then hash in one
    /// pass ([`hash_tagged`]) instead of through the streaming hasher,
    /// whose bookkeeping for chunks costs as much as the rounds themselves
    /// on ids this short.
    #[inline]
    fn contiguous(&self) -> Option<&[u8]> {
        None
    }
}

impl IdSource for [u8] {
    #[inline]
    fn feed<S: Sink>(&self, sink: &mut S) {
        sink.write(self);
    }

    #[inline]
    fn contiguous(&self) -> Option<&[u8]> {
        Some(self)
    }
}

/// The keyed hash of one identifier of one kind: SipHash-1-3 over the
/// domain tag byte followed by the identifier bytes.
#[inline]
pub(crate) fn key_hash<I: IdSource + ?Sized>(keys: (u64, u64), tag: u8, id: &I) -> u64 {
    if let Some(bytes) = id.contiguous() {
        return hash_tagged(keys, tag, bytes);
    }
    let mut h = KeyHasher::with_keys(keys.0, keys.1);
    // The tag is the first message byte: start with it pending.
    h.tail = u64::from(tag);
    h.ntail = 1;
    h.len = 1;
    id.feed(&mut h);
    h.finish()
}

/// [`key_hash`] of contiguous bytes, in one pass: the same SipHash-1-3 of
/// `tag || id`, with every message word loaded straight from `id`.
///
/// The tag shifts the identifier by one byte, so message word 0 is the tag
/// and `id[0..7]`, and word `k >= 1` is `id[8k-1..8k+7]`: after the first
/// word the identifier is read in place, 8 bytes at a time, from offset 7.
#[inline]
pub(crate) fn hash_tagged(keys: (u64, u64), tag: u8, id: &[u8]) -> u64 {
    let mut s = KeyHasher::with_keys(keys.0, keys.1);
    let tag = u64::from(tag);
    let tail = match id.split_first_chunk::<7>() {
        // The whole message fits in the final word.
        None => tag | (load_partial(id) << 8),
        Some((&[a, b, c, d, e, f, g], rest)) => {
            s.compress(tag | (u64::from_le_bytes([a, b, c, d, e, f, g, 0]) << 8));
            let mut words = rest.chunks_exact(8);
            for w in &mut words {
                if let Ok(w) = <[u8; 8]>::try_from(w) {
                    s.compress(u64::from_le_bytes(w));
                }
            }
            last_bytes(id, words.remainder().len())
        }
    };
    // Only the low byte of the message length enters the hash.
    let len_byte = u64::try_from(id.len().wrapping_add(1) & 0xff).unwrap_or(0);
    s.final_word((len_byte << 56) | tail)
}

/// The last `n` (< 8) bytes of `id` as a little-endian integer. When `id`
/// has 8 bytes or more, one load of its last 8 shifted down replaces
/// [`load_partial`]'s three length tests.
#[inline(always)]
fn last_bytes(id: &[u8], n: usize) -> u64 {
    let Some(last) = id.last_chunk::<8>() else {
        return load_partial(id.get(id.len().saturating_sub(n)..).unwrap_or_default());
    };
    let keep = u32::try_from(n).unwrap_or(0).min(7);
    // n == 0 keeps nothing: a shift by 64 is None, hence 0.
    u64::from_le_bytes(*last)
        .checked_shr(64 - 8 * keep)
        .unwrap_or(0)
}

/// Multipliers of [`bloom_hash`]: odd, with well-spread bits (the golden
/// ratio and splitmix64's two), nothing up the sleeve.
const BLOOM_G: u64 = 0x9e37_79b9_7f4a_7c15;
const BLOOM_M1: u64 = 0xbf58_476d_1ce4_e5b9;
const BLOOM_M2: u64 = 0x94d0_49bb_1331_11eb;

/// Bytes per block of [`bloom_hash`].
const BLOOM_BLOCK: usize = 16;

/// The high and low halves of the 128-bit product, XORed: every output bit
/// depends on every input bit of both factors.
#[inline(always)]
fn fold(x: u64, y: u64) -> u64 {
    let p = u128::from(x).wrapping_mul(u128::from(y));
    let lo = u64::try_from(p & u128::from(u64::MAX)).unwrap_or(0);
    let hi = u64::try_from(p >> 64).unwrap_or(0);
    lo ^ hi
}

/// The bloom hash's state before any identifier byte.
#[inline(always)]
fn bloom_init(keys: (u64, u64), tag: u8) -> u64 {
    keys.0 ^ (u64::from(tag) << 56)
}

/// One 16-byte block `(a, b)` (two little-endian words, the last block of
/// an identifier zero-padded) into the state.
#[inline(always)]
fn bloom_block(state: u64, k1: u64, a: u64, b: u64) -> u64 {
    fold(a ^ state, b ^ k1 ^ BLOOM_M1)
}

/// The bloom hash of everything absorbed, `len` being the identifier's
/// length (which tells a zero-padded block from one ending in zeros).
#[inline(always)]
fn bloom_finish(state: u64, len: usize) -> u64 {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    fold(state ^ len ^ BLOOM_G, BLOOM_M2)
}

/// A full block's two words.
#[inline(always)]
fn full_block(block: &[u8; BLOOM_BLOCK]) -> (u64, u64) {
    let (a, b) = block.split_first_chunk::<8>().unwrap_or((&[0; 8], &[]));
    let b = b.first_chunk::<8>().copied().unwrap_or_default();
    (u64::from_le_bytes(*a), u64::from_le_bytes(b))
}

/// Fewer than 16 bytes (a whole short identifier) as a zero-padded block,
/// with overlapping loads rather than a byte loop.
#[inline(always)]
fn short_block(bytes: &[u8]) -> (u64, u64) {
    let n = bytes.len();
    if let (Some(a), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        // 8 to 15 bytes: the last 8, shifted down past the overlap with
        // the first 8, are the second word (n == 8: a shift by 64, so 0).
        let overlap = u32::try_from(16usize.saturating_sub(n)).unwrap_or(0);
        let b = u64::from_le_bytes(*last)
            .checked_shr(8 * overlap)
            .unwrap_or(0);
        return (u64::from_le_bytes(*a), b);
    }
    if let (Some(a), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        // 4 to 7 bytes: the overlap holds the same bytes in both loads.
        let shift = 8 * u32::try_from(n.saturating_sub(4)).unwrap_or(0);
        let a = u64::from(u32::from_le_bytes(*a)) | (u64::from(u32::from_le_bytes(*last)) << shift);
        return (a, 0);
    }
    (load_partial(bytes), 0)
}

/// The bloom hash of format version 2 (docs/denylist-format.md, "Hash"):
/// over `id` in 16-byte blocks, the last one zero-padded,
/// `state = fold(a ^ state, b ^ k1 ^ M1)` from `state = k0 ^ tag << 56`,
/// then `fold(state ^ len ^ G, M2)`.
///
/// Not `#[inline(always)]`: a lookup hashes up to three identifiers, and
/// three inlined copies cost 3 KB of flash (issue 21's HS256-only budget)
/// for about 12 instructions of call overhead each (docs/benchmarks.md).
#[inline]
pub(crate) fn bloom_hash(keys: (u64, u64), tag: u8, id: &[u8]) -> u64 {
    let mut state = bloom_init(keys, tag);
    let mut blocks = id.chunks_exact(BLOOM_BLOCK);
    for block in &mut blocks {
        let (a, b) = block.first_chunk().map(full_block).unwrap_or_default();
        state = bloom_block(state, keys.1, a, b);
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let (a, b) = match id.last_chunk::<16>() {
            // A long id's last partial block: one load of its last 16
            // bytes, shifted down past those already absorbed.
            Some(last) => {
                let drop = 8 * u32::try_from(BLOOM_BLOCK - rest.len()).unwrap_or(0);
                let v = u128::from_le_bytes(*last) >> drop;
                let a = u64::try_from(v & u128::from(u64::MAX)).unwrap_or(0);
                (a, u64::try_from(v >> 64).unwrap_or(0))
            }
            None => short_block(rest),
        };
        state = bloom_block(state, keys.1, a, b);
    }
    bloom_finish(state, id.len())
}

/// [`bloom_hash`] fed in chunks, for identifiers with escapes. Byte by
/// byte: escaped identifiers are rare, and this keeps it obviously right.
#[derive(Clone, Debug)]
pub(crate) struct BloomHasher {
    keys: (u64, u64),
    state: u64,
    /// The block being filled; bytes past `pending` are zero.
    block: [u8; BLOOM_BLOCK],
    pending: usize,
    len: usize,
}

impl BloomHasher {
    pub(crate) fn new(keys: (u64, u64), tag: u8) -> Self {
        BloomHasher {
            keys,
            state: bloom_init(keys, tag),
            block: [0; BLOOM_BLOCK],
            pending: 0,
            len: 0,
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        let mut state = self.state;
        if self.pending != 0 {
            let (a, b) = full_block(&self.block);
            state = bloom_block(state, self.keys.1, a, b);
        }
        bloom_finish(state, self.len)
    }
}

impl Sink for BloomHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len());
        for &byte in bytes {
            if let Some(slot) = self.block.get_mut(self.pending) {
                *slot = byte;
            }
            self.pending += 1;
            if self.pending == BLOOM_BLOCK {
                let (a, b) = full_block(&self.block);
                self.state = bloom_block(self.state, self.keys.1, a, b);
                self.block = [0; BLOOM_BLOCK];
                self.pending = 0;
            }
        }
    }
}

/// Both hashes of a chunked identifier in one pass over its chunks.
struct BothHashers(KeyHasher, BloomHasher);

impl Sink for BothHashers {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
        self.1.write(bytes);
    }
}

/// Which hash places a key's bloom bits: the format version decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BloomHashKind {
    /// Version 1: the SipHash fingerprint itself.
    SipHash,
    /// Version 2: [`bloom_hash`].
    Fold,
}

/// One identifier's hashes for one lookup: the bloom hash now, the SipHash
/// fingerprint (`exact`) when a bloom hit needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IdHash<'i> {
    /// Places the bloom bits.
    pub(crate) bloom: u64,
    /// The SipHash, if already known (version 1, or a chunked identifier).
    exact: Option<u64>,
    /// The identifier, to compute the SipHash from when `exact` is `None`.
    bytes: &'i [u8],
    tag: u8,
}

impl<'i> IdHash<'i> {
    /// Hashes `id` for a denylist with these keys and bloom hash.
    #[inline(always)]
    pub(crate) fn new<I: IdSource + ?Sized>(
        keys: (u64, u64),
        kind: BloomHashKind,
        tag: u8,
        id: &'i I,
    ) -> Self {
        match (kind, id.contiguous()) {
            (BloomHashKind::Fold, Some(bytes)) => IdHash {
                bloom: bloom_hash(keys, tag, bytes),
                exact: None,
                bytes,
                tag,
            },
            _ => Self::eager(keys, kind, tag, id),
        }
    }

    /// Version 1 (one hash does both jobs) and chunked identifiers (one
    /// pass feeds both hashers, as the chunks cannot be re-read cheaply):
    /// out of line, to keep the common path above short.
    #[inline(never)]
    fn eager<I: IdSource + ?Sized>(
        keys: (u64, u64),
        kind: BloomHashKind,
        tag: u8,
        id: &I,
    ) -> IdHash<'static> {
        let (bloom, exact) = match kind {
            BloomHashKind::SipHash => {
                let h = key_hash(keys, tag, id);
                (h, h)
            }
            BloomHashKind::Fold => {
                let mut both = BothHashers(
                    KeyHasher::with_keys(keys.0, keys.1),
                    BloomHasher::new(keys, tag),
                );
                both.0.write(&[tag]);
                id.feed(&mut both);
                (both.1.finish(), both.0.finish())
            }
        };
        IdHash {
            bloom,
            exact: Some(exact),
            bytes: &[],
            tag,
        }
    }

    /// The SipHash fingerprint hash (computed now if it was deferred).
    #[inline]
    pub(crate) fn exact(&self, keys: (u64, u64)) -> u64 {
        match self.exact {
            Some(h) => h,
            None => deferred_siphash(keys, self.tag, self.bytes),
        }
    }
}

/// [`hash_tagged`] out of line: only a bloom hit (rare) needs it, so the
/// probe path stays short.
#[cold]
#[inline(never)]
fn deferred_siphash(keys: (u64, u64), tag: u8, id: &[u8]) -> u64 {
    hash_tagged(keys, tag, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Sip24 = SipHasher<2, 4>;

    // From the SipHash paper (Aumasson, Bernstein), appendix A: key
    // 00 01 .. 0f, message 00 01 .. (len-1).
    const SIP24_VECTORS: &[(usize, u64)] = &[
        (0, 0x726f_db47_dd0e_0e31),
        (1, 0x74f8_39c5_93dc_67fd),
        (7, 0xab02_00f5_8b01_d137),
        (8, 0x93f5_f579_9a93_2462),
        (15, 0xa129_ca61_49be_45e5),
    ];

    fn key() -> [u8; 16] {
        core::array::from_fn(|i| u8::try_from(i).unwrap())
    }

    fn msg() -> [u8; 64] {
        core::array::from_fn(|i| u8::try_from(i).unwrap())
    }

    #[test]
    fn siphash24_reference_vectors() {
        for &(len, want) in SIP24_VECTORS {
            let mut h = Sip24::new(&key());
            h.write(&msg()[..len]);
            assert_eq!(h.finish(), want, "len {len}");
        }
    }

    #[test]
    #[allow(deprecated)]
    fn siphash24_matches_core_siphasher() {
        use core::hash::Hasher;
        let (k0, k1) = split_seed(&key());
        for len in 0..64 {
            let mut ours = Sip24::with_keys(k0, k1);
            ours.write(&msg()[..len]);
            let mut theirs = core::hash::SipHasher::new_with_keys(k0, k1);
            theirs.write(&msg()[..len]);
            assert_eq!(ours.finish(), theirs.finish(), "len {len}");
        }
    }

    #[test]
    fn chunking_does_not_change_the_hash() {
        let m = msg();
        for len in 0..40 {
            let mut whole = KeyHasher::new(&key());
            whole.write(&m[..len]);
            for a in 0..=len {
                for b in a..=len {
                    let mut parts = KeyHasher::new(&key());
                    parts.write(&m[..a]);
                    parts.write(&m[a..b]);
                    parts.write(&m[b..len]);
                    assert_eq!(parts.finish(), whole.finish(), "{len} split {a} {b}");
                }
            }
        }
    }

    /// The streaming hasher, fed the tag then the id in one write: the
    /// definition `hash_tagged` must match.
    fn streamed(keys: (u64, u64), tag: u8, id: &[u8]) -> u64 {
        let mut h = KeyHasher::with_keys(keys.0, keys.1);
        h.write(&[tag]);
        h.write(id);
        h.finish()
    }

    #[test]
    fn one_pass_hash_matches_the_streaming_hasher() {
        let keys = split_seed(&key());
        let m = msg();
        for tag in [TAG_TOKEN, TAG_SESSION, TAG_SUBJECT, 0xff] {
            for len in 0..m.len() {
                let id = &m[..len];
                let want = streamed(keys, tag, id);
                assert_eq!(hash_tagged(keys, tag, id), want, "tag {tag} len {len}");
                assert_eq!(key_hash(keys, tag, id), want, "tag {tag} len {len}");
                // Unaligned starts: the loads must not depend on alignment.
                let id = &m[1..=len];
                assert_eq!(hash_tagged(keys, tag, id), streamed(keys, tag, id));
            }
        }
    }

    #[test]
    fn one_pass_hash_of_long_ids() {
        // The length byte wraps at 256: cover lengths around it.
        let keys = split_seed(&[0xa5; 16]);
        let long: [u8; 600] = core::array::from_fn(|i| u8::try_from(i % 251).unwrap());
        for len in (0..600).step_by(7).chain(250..262) {
            let id = &long[..len];
            assert_eq!(hash_tagged(keys, 1, id), streamed(keys, 1, id), "len {len}");
        }
    }

    /// Frozen outputs of the format's hash (docs/denylist-format.md), so a
    /// change to either hashing path that kept them equal to each other but
    /// not to the format would still fail.
    #[test]
    fn format_hash_vectors() {
        let keys = split_seed(&key());
        let cases: &[(u8, &[u8], u64)] = &[
            (TAG_TOKEN, b"", GOLDEN[0]),
            (
                TAG_TOKEN,
                b"9b2f6c1e-4d7a-4c1b-9a8e-3f5d2c7b1a60",
                GOLDEN[1],
            ),
            (TAG_SESSION, b"sess-77d1e0b2", GOLDEN[2]),
            (TAG_SUBJECT, b"user-4f1c9a2b", GOLDEN[3]),
            (TAG_SUBJECT, b"1234567", GOLDEN[4]),
        ];
        for &(tag, id, want) in cases {
            assert_eq!(hash_tagged(keys, tag, id), want, "{tag} {id:?}");
        }
    }

    // Computed with an independent SipHash-1-3 (a few lines of Python from
    // the paper's description), key 00 01 .. 0f, message tag || id.
    const GOLDEN: [u64; 5] = [
        0x0732_543e_9e14_e772,
        0x39e8_eafc_5cc1_b088,
        0xa61d_2b63_e54a_b474,
        0xbbd4_50c9_9b7e_9091,
        0xce06_9193_c4d7_887c,
    ];

    #[test]
    fn bloom_hash_vectors() {
        let keys = split_seed(&key());
        let long: [u8; 32] = core::array::from_fn(|i| u8::try_from(i).unwrap());
        let cases: &[(u8, &[u8], u64)] = &[
            (TAG_TOKEN, b"", 0x709a_ed99_5f31_d535),
            (
                TAG_TOKEN,
                b"9b2f6c1e-4d7a-4c1b-9a8e-3f5d2c7b1a60",
                0x8334_c08d_643a_5259,
            ),
            (TAG_SESSION, b"sess-77d1e0b2", 0x4526_3454_2f52_d3ec),
            (TAG_SUBJECT, b"user-4f1c9a2b", 0xf8ce_3e64_542a_c2a0),
            (TAG_SUBJECT, b"1234567", 0xa176_a554_e71f_3e34),
            (TAG_TOKEN, &long, 0xbd78_ddf2_dfe9_9448),
        ];
        // Computed with an independent implementation (a few lines of
        // Python following docs/denylist-format.md), key 00 01 .. 0f.
        for &(tag, id, want) in cases {
            assert_eq!(bloom_hash(keys, tag, id), want, "{tag} {id:?}");
        }
    }

    #[test]
    fn bloom_hash_streams() {
        let keys = split_seed(&[0x3c; 16]);
        let m: [u8; 80] = core::array::from_fn(|i| u8::try_from((i * 7 + 1) % 256).unwrap());
        for len in 0..m.len() {
            let whole = bloom_hash(keys, TAG_SESSION, &m[..len]);
            // Unaligned starts must not matter either.
            if len > 0 {
                let shifted = bloom_hash(keys, TAG_SESSION, &m[1..len]);
                let mut h = BloomHasher::new(keys, TAG_SESSION);
                h.write(&m[1..len]);
                assert_eq!(h.finish(), shifted, "len {len} shifted");
            }
            for a in 0..=len.min(40) {
                for b in a..=len {
                    let mut h = BloomHasher::new(keys, TAG_SESSION);
                    h.write(&m[..a]);
                    h.write(&m[a..b]);
                    h.write(&m[b..len]);
                    assert_eq!(h.finish(), whole, "{len} split {a} {b}");
                }
            }
        }
    }

    #[test]
    fn bloom_hash_separates_lengths_tags_and_seeds() {
        let keys = split_seed(&key());
        // Zero padding must not make "ab" and "ab\0" collide.
        assert_ne!(bloom_hash(keys, 1, b"ab"), bloom_hash(keys, 1, b"ab\0"));
        let sixteen = [0u8; 16];
        assert_ne!(
            bloom_hash(keys, 1, &sixteen[..15]),
            bloom_hash(keys, 1, &sixteen)
        );
        assert_ne!(bloom_hash(keys, 1, b"id"), bloom_hash(keys, 2, b"id"));
        let other = split_seed(&[1; 16]);
        assert_ne!(bloom_hash(keys, 1, b"id"), bloom_hash(other, 1, b"id"));
    }

    #[test]
    fn id_hash_defers_siphash_only_when_it_can() {
        let keys = split_seed(&key());
        let id: &[u8] = b"sess-77d1e0b2";
        let exact = hash_tagged(keys, TAG_SESSION, id);
        let v2 = IdHash::new(keys, BloomHashKind::Fold, TAG_SESSION, id);
        assert_eq!(v2.bloom, bloom_hash(keys, TAG_SESSION, id));
        assert_eq!(v2.exact, None);
        assert_eq!(v2.exact(keys), exact);
        let v1 = IdHash::new(keys, BloomHashKind::SipHash, TAG_SESSION, id);
        assert_eq!((v1.bloom, v1.exact), (exact, Some(exact)));

        /// An id that is never contiguous, as an escaped JSON string.
        struct Pieces<'a>(&'a [&'a [u8]]);
        impl IdSource for Pieces<'_> {
            fn feed<S: Sink>(&self, sink: &mut S) {
                for p in self.0 {
                    sink.write(p);
                }
            }
        }
        let pieces = Pieces(&[b"sess-", b"", b"77d1e0b2"]);
        let chunked = IdHash::new(keys, BloomHashKind::Fold, TAG_SESSION, &pieces);
        assert_eq!(chunked.bloom, v2.bloom);
        assert_eq!(chunked.exact, Some(exact));
        let chunked = IdHash::new(keys, BloomHashKind::SipHash, TAG_SESSION, &pieces);
        assert_eq!(chunked.exact(keys), exact);
    }

    #[test]
    fn domain_tags_separate_kinds() {
        let keys = split_seed(&key());
        let id: &[u8] = b"same-id";
        let t = key_hash(keys, TAG_TOKEN, id);
        let s = key_hash(keys, TAG_SESSION, id);
        let u = key_hash(keys, TAG_SUBJECT, id);
        assert!(t != s && s != u && t != u);
    }

    #[test]
    fn seed_changes_the_hash() {
        let id: &[u8] = b"id";
        let a = key_hash(split_seed(&[0; 16]), TAG_TOKEN, id);
        let b = key_hash(split_seed(&[1; 16]), TAG_TOKEN, id);
        assert_ne!(a, b);
    }
}
