//! ES256: ECDSA on P-256 with SHA-256 (RFC 7518 section 3.4), through the
//! RustCrypto `p256` crate (no_std, no allocation, constant-time signing).
//! With the `ring` feature, signatures are checked by `ring` instead, about
//! five times faster (its P-256 is assembly); keys are still parsed, and
//! tokens signed, by `p256`. The two verifiers are compared in the tests.
//!
//! - Public keys are SEC1 points (`04 || x || y`, or compressed) or JWK
//!   `x`/`y` coordinates of exactly 32 bytes each; a point not on the curve
//!   or the identity is refused.
//! - A signature is exactly 64 bytes, `r || s`, each big-endian; `r` and
//!   `s` must be in `[1, n - 1]`. High `s` is accepted (RFC 7518 does not
//!   require low `s`, and JOSE signers do not normalize it).
//! - Signing is deterministic (RFC 6979), so it needs no random source.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

/// The length of an ES256 signature: `r || s`, 32 bytes each.
pub(crate) const SIGNATURE_LEN: usize = 64;

/// A public key from a SEC1 encoding (65 bytes uncompressed, 33 compressed).
pub(crate) fn public_from_sec1(sec1: &[u8]) -> Option<VerifyingKey> {
    if !matches!(sec1.len(), 33 | 65) {
        return None;
    }
    VerifyingKey::from_sec1_bytes(sec1).ok()
}

/// A public key from JWK coordinates (RFC 7518 section 6.2.1.2: each the
/// full 32 bytes, leading zeros kept).
pub(crate) fn public_from_xy(x: &[u8], y: &[u8]) -> Option<VerifyingKey> {
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut sec1 = [0u8; 65];
    let (tag, coordinates) = sec1.split_first_mut()?;
    *tag = 0x04;
    let (x_out, y_out) = coordinates.split_at_mut(32);
    x_out.copy_from_slice(x);
    y_out.copy_from_slice(y);
    public_from_sec1(&sec1)
}

/// A private key from its 32-byte big-endian scalar in `[1, n - 1]`.
pub(crate) fn private_from_scalar(scalar: &[u8]) -> Option<SigningKey> {
    if scalar.len() != 32 {
        return None;
    }
    SigningKey::from_slice(scalar).ok()
}

/// The uncompressed SEC1 encoding of a public key.
pub(crate) fn sec1_uncompressed(key: &VerifyingKey) -> [u8; 65] {
    let point = key.to_sec1_point(false);
    let mut out = [0u8; 65];
    if let Some(bytes) = out.get_mut(..point.len()) {
        bytes.copy_from_slice(point.as_bytes());
    }
    out
}

/// Checks a 64-byte `r || s` signature over `message`.
pub(crate) fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    #[cfg(feature = "ring")]
    return verify_ring(key, message, signature);
    #[cfg(not(feature = "ring"))]
    return verify_p256(key, message, signature);
}

/// [`verify`] through `ring`: the same rules (exactly 64 bytes, `r` and `s`
/// in `[1, n - 1]`, high `s` accepted), checked by its own code.
#[cfg(feature = "ring")]
pub(crate) fn verify_ring(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
    if signature.len() != SIGNATURE_LEN {
        return false;
    }
    // `ring` takes the uncompressed point; `p256` validated it when the key
    // was made, and `ring` validates it again.
    let point = sec1_uncompressed(key);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(message, signature)
        .is_ok()
}

/// [`verify`] through `p256`.
#[cfg_attr(all(feature = "ring", not(feature = "fuzzing")), allow(dead_code))]
pub(crate) fn verify_p256(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    if signature.len() != SIGNATURE_LEN {
        return false;
    }
    // `from_slice` rejects r or s equal to zero or not below the order.
    let Ok(signature) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

/// Signs `message` deterministically (RFC 6979) into a 64-byte `r || s`.
pub(crate) fn sign(key: &SigningKey, message: &[u8]) -> [u8; SIGNATURE_LEN] {
    let signature: Signature = key.sign(message);
    signature.to_bytes().into()
}

#[cfg(all(test, feature = "ring"))]
#[allow(clippy::indexing_slicing, clippy::as_conversions)]
mod tests {
    use super::*;

    /// P-256's group order `n`, big-endian.
    const ORDER: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];

    /// `a - b` for 32-byte big-endian numbers (`a >= b`).
    fn sub(a: &[u8; 32], b: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
            borrow = i16::from(d < 0);
            out[i] = (d + 256 * borrow) as u8;
        }
        out
    }

    /// The variants of a valid signature that sit on the edges of the
    /// rules: high `s`, zero and out-of-range scalars, flipped bits, wrong
    /// lengths.
    fn variants(signature: &[u8; 64]) -> std::vec::Vec<std::vec::Vec<u8>> {
        let (r, s) = signature.split_at(32);
        let mut out = std::vec![signature.to_vec()];
        let high_s = sub(&ORDER, s);
        out.push([r, &high_s[..]].concat());
        out.push([&[0u8; 32][..], s].concat());
        out.push([r, &[0u8; 32][..]].concat());
        out.push([&ORDER[..], s].concat());
        out.push([r, &ORDER[..]].concat());
        out.push([&[0xffu8; 32][..], s].concat());
        out.push([r, &[0xffu8; 32][..]].concat());
        for bit in [0usize, 7, 100, 255, 256, 300, 511] {
            let mut flipped = signature.to_vec();
            flipped[bit / 8] ^= 1 << (bit % 8);
            out.push(flipped);
        }
        out.push(signature[..63].to_vec());
        out.push([&signature[..], &[0u8][..]].concat());
        out.push(std::vec::Vec::new());
        out
    }

    /// `ring` and `p256` reach the same verdict on valid signatures, their
    /// edge-case variants and other messages, for several keys.
    #[test]
    fn ring_and_p256_agree() {
        let mut accepted = 0;
        for k in 1u8..=8 {
            let mut scalar = [0u8; 32];
            scalar[0] = 0x40;
            scalar[31] = k;
            let signing = private_from_scalar(&scalar).unwrap();
            let public = *signing.verifying_key();
            for len in [0usize, 1, 63, 64, 65, 412] {
                let message: std::vec::Vec<u8> = (0..len).map(|i| (i as u8) ^ k).collect();
                let signature = sign(&signing, &message);
                for candidate in variants(&signature) {
                    for msg in [&message[..], b"other message"] {
                        let ring = verify_ring(&public, msg, &candidate);
                        let p256 = verify_p256(&public, msg, &candidate);
                        assert_eq!(ring, p256, "key {k} len {len} {candidate:02x?}");
                        accepted += usize::from(ring);
                    }
                }
            }
        }
        // Each signature and its high-s twin verify over their own message.
        assert_eq!(accepted, 8 * 6 * 2);
    }
}
