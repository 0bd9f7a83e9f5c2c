//! ES256: ECDSA on P-256 with SHA-256 (RFC 7518 section 3.4), through the
//! RustCrypto `p256` crate (no_std, no allocation, constant-time signing).
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
