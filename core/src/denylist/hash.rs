//! The keyed 64-bit hash behind every bloom position and fingerprint.
//!
//! SipHash-1-3 (the variant Rust's `HashMap` uses): keyed, so the positions
//! of a denylist's keys depend on its 128-bit seed, and fast on the short
//! identifiers JWTs carry. The interface streams, because the verifier hands
//! over JSON strings in chunks as it undoes escapes, without a buffer.

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

/// Identifier bytes that can be fed to the hasher, whole or in chunks.
///
/// The verifier implements this for its JSON string type, feeding the
/// unescaped string chunk by chunk; the hash must equal that of the
/// unescaped bytes written at once.
pub(crate) trait IdSource {
    /// Writes the identifier's bytes (without any domain tag) into `h`.
    fn feed(&self, h: &mut KeyHasher);

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
    fn feed(&self, h: &mut KeyHasher) {
        h.write(self);
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
            (TAG_TOKEN, b"9b2f6c1e-4d7a-4c1b-9a8e-3f5d2c7b1a60", GOLDEN[1]),
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
