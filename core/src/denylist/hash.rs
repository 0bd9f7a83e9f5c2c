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
        let mut s = self.clone();
        let len_byte = u64::from(self.len.to_le_bytes().first().copied().unwrap_or(0));
        let b = (len_byte << 56) | s.tail;
        s.compress(b);
        s.v2 ^= 0xff;
        for _ in 0..D {
            s.round();
        }
        s.v0 ^ s.v1 ^ s.v2 ^ s.v3
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
}

impl IdSource for [u8] {
    #[inline]
    fn feed(&self, h: &mut KeyHasher) {
        h.write(self);
    }
}

/// The keyed hash of one identifier of one kind: SipHash-1-3 over the
/// domain tag byte followed by the identifier bytes.
#[inline]
pub(crate) fn key_hash<I: IdSource + ?Sized>(keys: (u64, u64), tag: u8, id: &I) -> u64 {
    let mut h = KeyHasher::with_keys(keys.0, keys.1);
    // The tag is the first message byte: start with it pending.
    h.tail = u64::from(tag);
    h.ntail = 1;
    h.len = 1;
    id.feed(&mut h);
    h.finish()
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
