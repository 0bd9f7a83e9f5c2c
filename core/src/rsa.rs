//! RSA public keys and the two JWS signature checks on them: RS256
//! (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 section 8.2.2) and PS256
//! (RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt, RFC 7518
//! section 3.5), without allocation.
//!
//! Key rules (checked once, when the key is built):
//! - the modulus `n` has 2048 to 4096 bits and is odd; leading zero bytes
//!   of its big-endian encoding are ignored (DER and some encoders add one);
//! - the public exponent `e` is odd and `3 <= e < 2^32` (so `e = 1`, even
//!   exponents and huge exponents are refused); leading zero bytes ignored;
//! - the modulus does not carry the ROCA fingerprint (CVE-2017-15361: keys
//!   from Infineon chips whose factors can be recovered), tested as in
//!   Nemec et al., CCS 2017, on 38 small primes (false positive rate for a
//!   sound key below 2^-150).
//!
//! Verification rules: the signature has exactly as many bytes as the
//! modulus, its integer is below `n`; for RS256 the whole recovered block is
//! compared, in constant time, with the one expected encoding
//! `00 01 FF..FF 00 || DigestInfo(SHA-256) || hash` (nothing is parsed, so
//! no lax DigestInfo or padding is ever accepted).
//!
//! Big integers: `crypto-bigint` fixed-size `Uint`s in three size classes
//! (2048, 3072, 4096 bits), so a 2048-bit key costs 2048-bit arithmetic.
//! The key stores the modulus only (512 bytes) and computes the Montgomery
//! parameters on each verification (about 15% of a 2048-bit verification):
//! precomputing them would make every [`crate::Key`] about 1.7 KiB instead
//! of about 0.6 KiB, and a [`crate::KeySet`] 16 times that, for every user.
//! Everything here works on public values, so variable-time arithmetic is used.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, Uint, Word, U2048, U3072, U4096};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The longest modulus, in bytes (4096 bits).
pub(crate) const MAX_MODULUS_LEN: usize = 512;
/// The shortest modulus, in bits.
const MIN_MODULUS_BITS: usize = 2048;
/// SHA-256 output length, which is also the PS256 salt length.
const HASH_LEN: usize = 32;
/// DER of `DigestInfo { AlgorithmIdentifier { id-sha256, NULL }, OCTET STRING (32) }`
/// without the hash (RFC 8017 section 9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// An RSA public key.
#[derive(Clone)]
pub(crate) struct RsaPublicKey {
    // Invariant: `n[MAX_MODULUS_LEN - len..]` is the modulus, big-endian,
    // with a nonzero first byte; the bytes before it are zero. The modulus
    // is odd and has `bits` bits, `2048 <= bits <= 4096`.
    n: [u8; MAX_MODULUS_LEN],
    len: usize,
    bits: usize,
    // Invariant: odd and at least 3.
    e: u32,
}

impl RsaPublicKey {
    /// Checks the key rules (module docs); `None` when one fails.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Option<RsaPublicKey> {
        let n = strip_leading_zeros(n);
        let first = *n.first()?;
        let len = n.len();
        let bits = len
            .checked_mul(8)?
            .checked_sub(usize::try_from(first.leading_zeros()).ok()?)?;
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_LEN * 8).contains(&bits)
            || n.last()? & 1 == 0
            || has_roca_fingerprint(n)
        {
            return None;
        }
        let mut buf = [0u8; MAX_MODULUS_LEN];
        buf.get_mut(MAX_MODULUS_LEN - len..)?.copy_from_slice(n);

        let e = strip_leading_zeros(e);
        let mut e_buf = [0u8; 4];
        e_buf
            .get_mut(4usize.checked_sub(e.len())?..)?
            .copy_from_slice(e);
        let e = u32::from_be_bytes(e_buf);
        if e < 3 || e & 1 == 0 {
            return None;
        }
        Some(RsaPublicKey {
            n: buf,
            len,
            bits,
            e,
        })
    }

    /// The modulus length in bytes, which is also the signature length.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The modulus, big-endian, without leading zeros.
    pub(crate) fn modulus(&self) -> &[u8] {
        self.n.get(MAX_MODULUS_LEN - self.len..).unwrap_or_default()
    }

    /// The public exponent.
    pub(crate) fn exponent(&self) -> u32 {
        self.e
    }

    /// RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2.2).
    pub(crate) fn verify_pkcs1v15_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        let mut em = [0u8; MAX_MODULUS_LEN];
        let Some(em) = self.public_op(signature, &mut em) else {
            return false;
        };
        let mut expected = [0u8; MAX_MODULUS_LEN];
        let Some(expected) =
            pkcs1v15_sha256_encoding(&Sha256::digest(message), self.len, &mut expected)
        else {
            return false;
        };
        em.ct_eq(expected).into()
    }

    /// PS256: RSASSA-PSS with SHA-256, MGF1-SHA-256 and a salt of exactly
    /// 32 bytes (RFC 8017 section 8.1.2 and 9.1.2, RFC 7518 section 3.5).
    pub(crate) fn verify_pss_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        let mut buf = [0u8; MAX_MODULUS_LEN];
        let Some(em) = self.public_op(signature, &mut buf) else {
            return false;
        };
        // emBits = modBits - 1: when that is a multiple of 8 the encoded
        // message is one byte shorter than the modulus, and the integer's
        // first byte must be zero (I2OSP to emLen bytes).
        let em_bits = self.bits - 1;
        let em_len = em_bits.div_ceil(8);
        let Some((head, em)) = em.split_at_checked(self.len - em_len) else {
            return false;
        };
        if head.iter().any(|&b| b != 0) {
            return false;
        }
        emsa_pss_verify_sha256(&Sha256::digest(message), em, em_bits)
    }

    /// `signature^e mod n`, the `len`-byte big-endian block, written to the
    /// end of `out`. `None` when the signature has the wrong length or is
    /// not below `n` (RFC 8017 section 5.2.2 step 1).
    fn public_op<'o>(
        &self,
        signature: &[u8],
        out: &'o mut [u8; MAX_MODULUS_LEN],
    ) -> Option<&'o [u8]> {
        if signature.len() != self.len {
            return None;
        }
        let mut s = [0u8; MAX_MODULUS_LEN];
        s.get_mut(MAX_MODULUS_LEN - self.len..)?
            .copy_from_slice(signature);
        if self.len <= U2048::BYTES {
            modexp::<{ U2048::LIMBS }>(&self.n, self.e, &s, out)?;
        } else if self.len <= U3072::BYTES {
            modexp::<{ U3072::LIMBS }>(&self.n, self.e, &s, out)?;
        } else {
            modexp::<{ U4096::LIMBS }>(&self.n, self.e, &s, out)?;
        }
        out.get(MAX_MODULUS_LEN - self.len..)
    }
}

/// `s^e mod n` in `L` limbs: `n` and `s` are right-aligned big-endian in
/// their buffers, with zeros above `L` limbs; so is the result in `out`.
fn modexp<const L: usize>(
    n: &[u8; MAX_MODULUS_LEN],
    e: u32,
    s: &[u8; MAX_MODULUS_LEN],
    out: &mut [u8; MAX_MODULUS_LEN],
) -> Option<()> {
    let start = MAX_MODULUS_LEN.checked_sub(Uint::<L>::BYTES)?;
    let n = Uint::<L>::from_be_slice(n.get(start..)?);
    let s = Uint::<L>::from_be_slice(s.get(start..)?);
    if s >= n {
        return None;
    }
    let params = FixedMontyParams::new_vartime(Odd::new(n).into_option()?);
    let base = FixedMontyForm::new(&s, &params);
    // Left-to-right square-and-multiply on public values: for e = 65537,
    // 16 squarings and one multiplication.
    let mut acc = base;
    for bit in (0..u32::BITS - 1 - e.leading_zeros()).rev() {
        acc = acc.square();
        if (e >> bit) & 1 == 1 {
            acc = acc.mul(&base);
        }
    }
    let m = acc.retrieve();
    let tail = out.get_mut(start..)?;
    for (chunk, word) in tail
        .rchunks_exact_mut(core::mem::size_of::<Word>())
        .zip(m.as_words())
    {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    Some(())
}

/// EMSA-PKCS1-v1_5 (RFC 8017 section 9.2) of a SHA-256 hash for a
/// `len`-byte modulus: `00 01 FF..FF 00 || DigestInfo || hash`.
fn pkcs1v15_sha256_encoding<'o>(
    hash: &[u8],
    len: usize,
    out: &'o mut [u8; MAX_MODULUS_LEN],
) -> Option<&'o [u8]> {
    let t_len = SHA256_DIGEST_INFO.len() + hash.len();
    let ps_len = len.checked_sub(t_len + 3)?;
    if ps_len < 8 {
        return None;
    }
    let em = out.get_mut(..len)?;
    let (prefix, rest) = em.split_at_mut_checked(2)?;
    prefix.copy_from_slice(&[0x00, 0x01]);
    let (ps, rest) = rest.split_at_mut_checked(ps_len)?;
    ps.fill(0xff);
    let (zero, rest) = rest.split_at_mut_checked(1)?;
    zero.fill(0);
    let (info, digest) = rest.split_at_mut_checked(SHA256_DIGEST_INFO.len())?;
    info.copy_from_slice(&SHA256_DIGEST_INFO);
    digest.copy_from_slice(hash);
    out.get(..len)
}

/// EMSA-PSS-VERIFY (RFC 8017 section 9.1.2) with SHA-256, MGF1-SHA-256 and
/// `sLen = 32`, on the `emLen`-byte encoded message `em`.
fn emsa_pss_verify_sha256(m_hash: &[u8], em: &[u8], em_bits: usize) -> bool {
    let em_len = em.len();
    // Step 3: emLen >= hLen + sLen + 2 (always true from 2048 bits).
    let Some(db_len) = em_len.checked_sub(HASH_LEN + 1) else {
        return false;
    };
    if db_len < HASH_LEN + 1 {
        return false;
    }
    // Step 4: the rightmost octet is 0xbc.
    let (Some((&last, body)), Some(unused_bits)) =
        (em.split_last(), (8 * em_len).checked_sub(em_bits))
    else {
        return false;
    };
    if last != 0xbc {
        return false;
    }
    // Step 5.
    let Some((masked_db, h)) = body.split_at_checked(db_len) else {
        return false;
    };
    // Step 6: the leftmost unused bits of maskedDB are zero.
    let top_mask = 0xffu8
        .checked_shr(u32::try_from(unused_bits).unwrap_or(8))
        .unwrap_or(0);
    if masked_db.first().is_none_or(|&b| b & !top_mask != 0) {
        return false;
    }
    // Steps 7-9: DB = maskedDB xor MGF1(H), leftmost unused bits cleared.
    let mut db_buf = [0u8; MAX_MODULUS_LEN];
    let Some(db) = db_buf.get_mut(..db_len) else {
        return false;
    };
    db.copy_from_slice(masked_db);
    mgf1_sha256_xor(h, db);
    if let Some(first) = db.first_mut() {
        *first &= top_mask;
    }
    // Step 10: DB = PS (zeros) || 0x01 || salt.
    let Some((ps_and_one, salt)) = db.split_at_checked(db_len - HASH_LEN) else {
        return false;
    };
    let Some((&one, ps)) = ps_and_one.split_last() else {
        return false;
    };
    if one != 0x01 || ps.iter().any(|&b| b != 0) {
        return false;
    }
    // Steps 12-14: H' = Hash(0x00 * 8 || mHash || salt) equals H.
    let mut hasher = Sha256::new();
    hasher.update([0u8; 8]);
    hasher.update(m_hash);
    hasher.update(salt);
    hasher.finalize().as_slice().ct_eq(h).into()
}

/// `out ^= MGF1-SHA-256(seed, out.len())` (RFC 8017 appendix B.2.1).
fn mgf1_sha256_xor(seed: &[u8], out: &mut [u8]) {
    for (counter, chunk) in (0u32..).zip(out.chunks_mut(HASH_LEN)) {
        let mut hasher = Sha256::new();
        hasher.update(seed);
        hasher.update(counter.to_be_bytes());
        for (o, m) in chunk.iter_mut().zip(hasher.finalize().as_slice()) {
            *o ^= m;
        }
    }
}

/// The small primes of the ROCA fingerprint test.
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// Whether `n mod p` lies in the subgroup generated by 65537 modulo each
/// of [`ROCA_PRIMES`]: true of every modulus made of primes of the form
/// `k * M + (65537^a mod M)`, the flawed Infineon construction.
fn has_roca_fingerprint(n: &[u8]) -> bool {
    ROCA_PRIMES.iter().all(|&p| {
        let residue = n
            .iter()
            .fold(0u32, |acc, &b| (acc * 256 + u32::from(b)) % p);
        let generator = 65537 % p;
        let mut power = 1;
        loop {
            if power == residue {
                return true;
            }
            power = power * generator % p;
            if power == 1 {
                return false;
            }
        }
    })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1v15_encoding_layout() {
        let mut out = [0u8; MAX_MODULUS_LEN];
        let em = pkcs1v15_sha256_encoding(&[0xab; 32], 256, &mut out).unwrap();
        assert_eq!(em.len(), 256);
        assert_eq!(&em[..2], &[0, 1]);
        // 256 - 3 - 19 - 32 = 202 bytes of 0xff.
        assert!(em[2..204].iter().all(|&b| b == 0xff));
        assert_eq!(em[204], 0);
        assert_eq!(&em[205..224], &SHA256_DIGEST_INFO);
        assert_eq!(&em[224..], &[0xab; 32]);
    }

    #[test]
    fn key_rules() {
        let mut n = [0xffu8; 256];
        assert!(RsaPublicKey::new(&n, &[1, 0, 1]).is_some());
        // Leading zeros are ignored, on n and e.
        let mut padded = [0u8; 257];
        padded[1..].copy_from_slice(&n);
        assert!(RsaPublicKey::new(&padded, &[0, 0, 1, 0, 1]).is_some());
        // e = 1, e even, e = 0, e >= 2^32, empty e.
        for e in [&[1u8][..], &[2], &[0], &[1, 0, 0, 0, 1], &[]] {
            assert!(RsaPublicKey::new(&n, e).is_none(), "{e:?}");
        }
        assert!(RsaPublicKey::new(&n, &[3]).is_some());
        assert!(RsaPublicKey::new(&n, &[0xff, 0xff, 0xff, 0xff]).is_some());
        // 2041..2047 bits, 4097 bits, even n, empty n.
        n[0] = 0x7f;
        assert!(RsaPublicKey::new(&n, &[3]).is_none());
        assert!(RsaPublicKey::new(&[0xff; 512], &[3]).is_some());
        let mut big = [0xffu8; 513];
        big[0] = 1;
        assert!(RsaPublicKey::new(&big, &[3]).is_none());
        let mut even = [0xffu8; 256];
        even[255] = 0xfe;
        assert!(RsaPublicKey::new(&even, &[3]).is_none());
        assert!(RsaPublicKey::new(&[], &[3]).is_none());
        assert!(RsaPublicKey::new(&[0; 300], &[3]).is_none());
    }

    #[test]
    fn signature_must_have_the_modulus_length_and_be_below_it() {
        let n = [0xffu8; 256];
        let key = RsaPublicKey::new(&n, &[1, 0, 1]).unwrap();
        let mut out = [0u8; MAX_MODULUS_LEN];
        assert!(key.public_op(&[1u8; 255], &mut out).is_none());
        assert!(key.public_op(&[1u8; 257], &mut out).is_none());
        assert!(key.public_op(&n, &mut out).is_none(), "s = n");
        assert!(key.public_op(&[0xff; 256], &mut out).is_none());
        let mut one = [0u8; 256];
        one[255] = 1;
        let em = key.public_op(&one, &mut out).unwrap();
        assert_eq!(em, &one[..], "1^e = 1");
    }
}
