//! Keys bound to one algorithm each, and a fixed-capacity key set.

use core::fmt;

#[cfg(feature = "eddsa")]
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
#[cfg(feature = "hmac")]
use hmac::{Hmac, KeyInit, Mac};
#[cfg(feature = "hmac")]
use sha2::{Sha256, Sha384, Sha512};

#[cfg(feature = "es256")]
use crate::ecdsa;
use crate::json::JsonStr;
#[cfg(feature = "rsa")]
use crate::rsa::RsaPublicKey;
use crate::{Algorithm, Error};

/// The longest `kid` a key may carry, in bytes.
pub const MAX_KID_LEN: usize = 128;

/// How many keys a [`KeySet`] holds.
pub const MAX_KEYS: usize = 16;

/// A key identifier stored inline.
#[derive(Clone, Copy)]
struct KeyId {
    // Invariant: `bytes[..len]` is valid UTF-8 and `len <= MAX_KID_LEN`.
    bytes: [u8; MAX_KID_LEN],
    len: usize,
}

impl KeyId {
    fn new(kid: &str) -> Result<KeyId, Error> {
        let mut bytes = [0u8; MAX_KID_LEN];
        bytes
            .get_mut(..kid.len())
            .ok_or(Error::FieldTooLong)?
            .copy_from_slice(kid.as_bytes());
        Ok(KeyId {
            bytes,
            len: kid.len(),
        })
    }

    fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..self.len).unwrap_or_default();
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

/// The secret or public material of a key; HMAC keys keep the keyed state
/// (inner and outer pads already absorbed) so a verification hashes only the
/// signing input. Every variant holding secrets zeroizes on drop.
///
/// A family's variants exist only with its Cargo feature, so a build
/// without it links none of its code: every `match` on `Material` names
/// them under the same `cfg`.
#[derive(Clone)]
enum Material {
    #[cfg(feature = "hmac")]
    Hs256(Hmac<Sha256>),
    #[cfg(feature = "hmac")]
    Hs384(Hmac<Sha384>),
    #[cfg(feature = "hmac")]
    Hs512(Hmac<Sha512>),
    #[cfg(feature = "eddsa")]
    Ed25519Public(VerifyingKey),
    #[cfg(feature = "eddsa")]
    Ed25519Private(SigningKey),
    #[cfg(feature = "es256")]
    Es256Public(p256::ecdsa::VerifyingKey),
    #[cfg(feature = "es256")]
    Es256Private(p256::ecdsa::SigningKey),
    #[cfg(feature = "rsa")]
    Rs256(RsaPublicKey),
    #[cfg(feature = "rsa")]
    Ps256(RsaPublicKey),
}

/// One key, bound to exactly one [`Algorithm`], with an optional `kid`.
///
/// A `Key` is stored inline (688 bytes on 64-bit targets: an RSA-4096
/// modulus is the largest material), so a [`KeySet`] needs no allocation.
///
/// ```
/// use jwtgate::{Algorithm, Key};
/// let key = Key::hmac(Algorithm::HS256, b"a 32-byte secret for HS256 tests")?.with_kid("2024-01")?;
/// assert_eq!(key.algorithm(), Algorithm::HS256);
/// assert_eq!(key.kid(), Some("2024-01"));
/// # Ok::<(), jwtgate::Error>(())
/// ```
#[derive(Clone)]
pub struct Key {
    kid: Option<KeyId>,
    material: Material,
}

impl Key {
    /// An HMAC key for `HS256`, `HS384` or `HS512`.
    ///
    /// Fails with [`Error::WeakKey`] when the secret is shorter than the
    /// hash output (32, 48 or 64 bytes), as RFC 7518 section 3.2 requires,
    /// and with [`Error::InvalidKey`] when `alg` is not an HMAC algorithm
    /// ([`Error::UnsupportedAlgorithm`] when the `hmac` feature is off).
    pub fn hmac(alg: Algorithm, secret: &[u8]) -> Result<Key, Error> {
        if alg.is_symmetric() && !alg.is_supported() {
            return Err(Error::UnsupportedAlgorithm);
        }
        if secret.len() < alg.signature_len() {
            return Err(if alg.is_symmetric() {
                Error::WeakKey
            } else {
                Error::InvalidKey
            });
        }
        Key::hmac_allow_short_secret(alg, secret)
    }

    /// **Dangerous**: an HMAC key that accepts a secret shorter than the hash
    /// output, for verifying tokens of legacy issuers. A short secret can be
    /// brute-forced from any token it signed; prefer [`Key::hmac`].
    /// An empty secret is still refused.
    pub fn hmac_allow_short_secret(alg: Algorithm, secret: &[u8]) -> Result<Key, Error> {
        if alg.is_symmetric() && !alg.is_supported() {
            return Err(Error::UnsupportedAlgorithm);
        }
        if secret.is_empty() {
            return Err(Error::WeakKey);
        }
        #[cfg(feature = "hmac")]
        {
            let material = match alg {
                Algorithm::HS256 => {
                    Material::Hs256(Hmac::new_from_slice(secret).map_err(|_| Error::InvalidKey)?)
                }
                Algorithm::HS384 => {
                    Material::Hs384(Hmac::new_from_slice(secret).map_err(|_| Error::InvalidKey)?)
                }
                Algorithm::HS512 => {
                    Material::Hs512(Hmac::new_from_slice(secret).map_err(|_| Error::InvalidKey)?)
                }
                _ => return Err(Error::InvalidKey),
            };
            Ok(Key::new(material))
        }
        #[cfg(not(feature = "hmac"))]
        Err(Error::InvalidKey)
    }

    /// An Ed25519 public key (32 bytes, RFC 8032 encoding), verification only.
    ///
    /// Rejects encodings that are not a curve point and small-order points
    /// (which would accept signatures on any message) with [`Error::InvalidKey`];
    /// without the `eddsa` feature, with [`Error::UnsupportedAlgorithm`].
    pub fn ed25519_public(public: &[u8]) -> Result<Key, Error> {
        #[cfg(feature = "eddsa")]
        {
            let bytes: &[u8; 32] = public.try_into().map_err(|_| Error::InvalidKey)?;
            let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidKey)?;
            if key.is_weak() {
                return Err(Error::InvalidKey);
            }
            Ok(Key::new(Material::Ed25519Public(key)))
        }
        #[cfg(not(feature = "eddsa"))]
        unsupported(public)
    }

    /// An Ed25519 private key from its 32-byte seed (RFC 8032 section 5.1.5):
    /// signs and verifies. [`Error::UnsupportedAlgorithm`] without `eddsa`.
    pub fn ed25519_private(seed: &[u8]) -> Result<Key, Error> {
        #[cfg(feature = "eddsa")]
        {
            let seed: &[u8; 32] = seed.try_into().map_err(|_| Error::InvalidKey)?;
            Ok(Key::new(Material::Ed25519Private(SigningKey::from_bytes(
                seed,
            ))))
        }
        #[cfg(not(feature = "eddsa"))]
        unsupported(seed)
    }

    /// An ES256 (P-256) public key from its SEC1 encoding: `04 || x || y`
    /// (65 bytes, what `cryptography`'s `X962`/`UncompressedPoint` and
    /// OpenSSL produce) or the 33-byte compressed form.
    ///
    /// Fails with [`Error::InvalidKey`] for any other length, a point not on
    /// the curve, or the identity; without the `es256` feature, with
    /// [`Error::UnsupportedAlgorithm`] (so do the other ES256 constructors).
    pub fn es256_public(sec1: &[u8]) -> Result<Key, Error> {
        #[cfg(feature = "es256")]
        {
            let key = ecdsa::public_from_sec1(sec1).ok_or(Error::InvalidKey)?;
            Ok(Key::new(Material::Es256Public(key)))
        }
        #[cfg(not(feature = "es256"))]
        unsupported(sec1)
    }

    /// An ES256 public key from its affine coordinates, 32 big-endian bytes
    /// each (the JWK `x` and `y`, RFC 7518 section 6.2.1).
    pub fn es256_public_coordinates(x: &[u8], y: &[u8]) -> Result<Key, Error> {
        #[cfg(feature = "es256")]
        {
            let key = ecdsa::public_from_xy(x, y).ok_or(Error::InvalidKey)?;
            Ok(Key::new(Material::Es256Public(key)))
        }
        #[cfg(not(feature = "es256"))]
        unsupported((x, y))
    }

    /// An ES256 private key from its 32-byte big-endian scalar (the JWK
    /// `d`): signs (deterministically, RFC 6979) and verifies.
    /// Fails with [`Error::InvalidKey`] unless `1 <= d < n`.
    pub fn es256_private(scalar: &[u8]) -> Result<Key, Error> {
        #[cfg(feature = "es256")]
        {
            let key = ecdsa::private_from_scalar(scalar).ok_or(Error::InvalidKey)?;
            Ok(Key::new(Material::Es256Private(key)))
        }
        #[cfg(not(feature = "es256"))]
        unsupported(scalar)
    }

    /// An RS256 public key from the big-endian modulus `n` and public
    /// exponent `e` (the JWK `n` and `e`; leading zero bytes are ignored).
    ///
    /// Fails with [`Error::InvalidKey`] unless `n` is odd with 2048 to 4096
    /// bits and `e` is odd with `3 <= e < 2^32`.
    ///
    /// ```
    /// use jwtgate::{Algorithm, Key};
    /// let n = [0xc5; 256]; // a 2048-bit odd modulus
    /// let key = Key::rs256_public(&n, &[1, 0, 1])?;
    /// assert_eq!((key.algorithm(), key.signature_len()), (Algorithm::RS256, 256));
    /// # Ok::<(), jwtgate::Error>(())
    /// ```
    pub fn rs256_public(n: &[u8], e: &[u8]) -> Result<Key, Error> {
        Key::rsa_public(Algorithm::RS256, n, e)
    }

    /// A PS256 public key; the rules of [`Key::rs256_public`] apply.
    pub fn ps256_public(n: &[u8], e: &[u8]) -> Result<Key, Error> {
        Key::rsa_public(Algorithm::PS256, n, e)
    }

    /// An RSA public key for `alg` (`RS256` or `PS256`; any other algorithm
    /// fails with [`Error::InvalidKey`]); the rules of [`Key::rs256_public`] apply.
    /// Without the `rsa` feature, [`Error::UnsupportedAlgorithm`].
    pub fn rsa_public(alg: Algorithm, n: &[u8], e: &[u8]) -> Result<Key, Error> {
        #[cfg(feature = "rsa")]
        {
            let key = RsaPublicKey::new(n, e).ok_or(Error::InvalidKey)?;
            let material = match alg {
                Algorithm::RS256 => Material::Rs256(key),
                Algorithm::PS256 => Material::Ps256(key),
                _ => return Err(Error::InvalidKey),
            };
            Ok(Key::new(material))
        }
        #[cfg(not(feature = "rsa"))]
        match alg {
            Algorithm::RS256 | Algorithm::PS256 => unsupported((n, e)),
            _ => Err(Error::InvalidKey),
        }
    }

    fn new(material: Material) -> Key {
        Key {
            kid: None,
            material,
        }
    }

    /// The same key with a `kid` (at most [`MAX_KID_LEN`] bytes).
    pub fn with_kid(mut self, kid: &str) -> Result<Key, Error> {
        self.kid = Some(KeyId::new(kid)?);
        Ok(self)
    }

    /// The algorithm this key is bound to.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            #[cfg(feature = "hmac")]
            Material::Hs256(_) => Algorithm::HS256,
            #[cfg(feature = "hmac")]
            Material::Hs384(_) => Algorithm::HS384,
            #[cfg(feature = "hmac")]
            Material::Hs512(_) => Algorithm::HS512,
            #[cfg(feature = "eddsa")]
            Material::Ed25519Public(_) | Material::Ed25519Private(_) => Algorithm::EdDSA,
            #[cfg(feature = "es256")]
            Material::Es256Public(_) | Material::Es256Private(_) => Algorithm::ES256,
            #[cfg(feature = "rsa")]
            Material::Rs256(_) => Algorithm::RS256,
            #[cfg(feature = "rsa")]
            Material::Ps256(_) => Algorithm::PS256,
        }
    }

    /// The length of this key's signatures in bytes: the algorithm's, or
    /// for RSA the modulus length.
    pub fn signature_len(&self) -> usize {
        match &self.material {
            #[cfg(feature = "rsa")]
            Material::Rs256(key) | Material::Ps256(key) => key.len(),
            #[allow(unreachable_patterns)] // only RSA keys, when they are all there is
            _ => self.algorithm().signature_len(),
        }
    }

    /// The key's `kid`, if it has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_ref().map(KeyId::as_str)
    }

    /// Whether this key can sign (HMAC secrets, Ed25519 and ES256 private
    /// keys; RSA keys are verification-only).
    pub fn can_sign(&self) -> bool {
        match self.material {
            #[cfg(feature = "hmac")]
            Material::Hs256(_) | Material::Hs384(_) | Material::Hs512(_) => true,
            #[cfg(feature = "eddsa")]
            Material::Ed25519Private(_) => true,
            #[cfg(feature = "es256")]
            Material::Es256Private(_) => true,
            #[allow(unreachable_patterns)] // every key can sign in an HMAC-only build
            _ => false,
        }
    }

    /// The public half of an asymmetric key, as a verification-only key
    /// with the same `kid`; `None` for HMAC secrets.
    pub fn to_public(&self) -> Option<Key> {
        let material = match &self.material {
            #[cfg(feature = "eddsa")]
            Material::Ed25519Private(k) => Some(Material::Ed25519Public(k.verifying_key())),
            #[cfg(feature = "eddsa")]
            Material::Ed25519Public(k) => Some(Material::Ed25519Public(*k)),
            #[cfg(feature = "es256")]
            Material::Es256Private(k) => Some(Material::Es256Public(*k.verifying_key())),
            #[cfg(feature = "es256")]
            Material::Es256Public(k) => Some(Material::Es256Public(*k)),
            #[cfg(feature = "rsa")]
            Material::Rs256(k) => Some(Material::Rs256(k.clone())),
            #[cfg(feature = "rsa")]
            Material::Ps256(k) => Some(Material::Ps256(k.clone())),
            #[cfg(feature = "hmac")]
            Material::Hs256(_) | Material::Hs384(_) | Material::Hs512(_) => None,
        }?;
        Some(Key {
            kid: self.kid,
            material,
        })
    }

    /// The 32-byte Ed25519 public key, for publishing in a JWKS.
    pub fn ed25519_public_bytes(&self) -> Option<[u8; 32]> {
        match &self.material {
            #[cfg(feature = "eddsa")]
            Material::Ed25519Private(k) => Some(k.verifying_key().to_bytes()),
            #[cfg(feature = "eddsa")]
            Material::Ed25519Public(k) => Some(k.to_bytes()),
            #[allow(unreachable_patterns)] // in an EdDSA-only build
            _ => None,
        }
    }

    /// The uncompressed SEC1 point (`04 || x || y`) of an ES256 key, for
    /// publishing in a JWKS (`x` is bytes 1..33, `y` bytes 33..65).
    pub fn es256_public_sec1(&self) -> Option<[u8; 65]> {
        match &self.material {
            #[cfg(feature = "es256")]
            Material::Es256Private(k) => Some(ecdsa::sec1_uncompressed(k.verifying_key())),
            #[cfg(feature = "es256")]
            Material::Es256Public(k) => Some(ecdsa::sec1_uncompressed(k)),
            #[allow(unreachable_patterns)] // in an ES256-only build
            _ => None,
        }
    }

    /// The modulus (big-endian, no leading zeros) and public exponent of an
    /// RSA key.
    pub fn rsa_public_components(&self) -> Option<(&[u8], u32)> {
        match &self.material {
            #[cfg(feature = "rsa")]
            Material::Rs256(k) | Material::Ps256(k) => Some((k.modulus(), k.exponent())),
            #[allow(unreachable_patterns)] // in an RSA-only build
            _ => None,
        }
    }

    /// Checks `signature` over `signing_input` in constant time for MACs,
    /// strictly for Ed25519. Every failure is the same opaque error.
    pub(crate) fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), Error> {
        let ok = match &self.material {
            #[cfg(feature = "hmac")]
            Material::Hs256(mac) => mac_verify(mac, signing_input, signature),
            #[cfg(feature = "hmac")]
            Material::Hs384(mac) => mac_verify(mac, signing_input, signature),
            #[cfg(feature = "hmac")]
            Material::Hs512(mac) => mac_verify(mac, signing_input, signature),
            #[cfg(feature = "eddsa")]
            Material::Ed25519Public(key) => ed25519_verify(key, signing_input, signature),
            #[cfg(feature = "eddsa")]
            Material::Ed25519Private(key) => {
                ed25519_verify(&key.verifying_key(), signing_input, signature)
            }
            #[cfg(feature = "es256")]
            Material::Es256Public(key) => ecdsa::verify(key, signing_input, signature),
            #[cfg(feature = "es256")]
            Material::Es256Private(key) => {
                ecdsa::verify(key.verifying_key(), signing_input, signature)
            }
            #[cfg(feature = "rsa")]
            Material::Rs256(key) => key.verify_pkcs1v15_sha256(signing_input, signature),
            #[cfg(feature = "rsa")]
            Material::Ps256(key) => key.verify_pss_sha256(signing_input, signature),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Signs `signing_input` into the front of `out`, returning the length.
    pub(crate) fn sign(&self, signing_input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let len = self.signature_len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let signed = match &self.material {
            #[cfg(feature = "hmac")]
            Material::Hs256(mac) => put_signature(out, &mac_tag(mac, signing_input)),
            #[cfg(feature = "hmac")]
            Material::Hs384(mac) => put_signature(out, &mac_tag(mac, signing_input)),
            #[cfg(feature = "hmac")]
            Material::Hs512(mac) => put_signature(out, &mac_tag(mac, signing_input)),
            #[cfg(feature = "eddsa")]
            Material::Ed25519Private(key) => {
                put_signature(out, &key.sign(signing_input).to_bytes())
            }
            #[cfg(feature = "es256")]
            Material::Es256Private(key) => put_signature(out, &ecdsa::sign(key, signing_input)),
            #[cfg(feature = "eddsa")]
            Material::Ed25519Public(_) => false,
            #[cfg(feature = "es256")]
            Material::Es256Public(_) => false,
            #[cfg(feature = "rsa")]
            Material::Rs256(_) | Material::Ps256(_) => {
                let _ = (signing_input, out);
                false
            }
        };
        if !signed {
            return Err(Error::InvalidKey);
        }
        Ok(len)
    }
}

/// Copies a signature of the key's own length into `out`; `true`.
#[cfg(any(feature = "hmac", feature = "eddsa", feature = "es256"))]
fn put_signature(out: &mut [u8], signature: &[u8]) -> bool {
    out.copy_from_slice(signature);
    true
}

/// The constructors' answer for a family compiled out: the algorithm is not
/// implemented by this build (`inputs` are the unused arguments).
#[cfg(not(all(feature = "eddsa", feature = "es256", feature = "rsa")))]
fn unsupported<T>(inputs: T) -> Result<Key, Error> {
    let _ = inputs;
    Err(Error::UnsupportedAlgorithm)
}

#[cfg(feature = "hmac")]
fn mac_verify<M: Mac + Clone>(keyed: &M, input: &[u8], tag: &[u8]) -> bool {
    let mut mac = keyed.clone();
    mac.update(input);
    // `verify_slice` compares in constant time and rejects truncated tags.
    mac.verify_slice(tag).is_ok()
}

#[cfg(feature = "hmac")]
fn mac_tag<M: Mac + Clone>(keyed: &M, input: &[u8]) -> hmac::digest::Output<M> {
    let mut mac = keyed.clone();
    mac.update(input);
    mac.finalize().into_bytes()
}

#[cfg(feature = "eddsa")]
fn ed25519_verify(key: &VerifyingKey, input: &[u8], signature: &[u8]) -> bool {
    let Ok(bytes) = <&[u8; 64]>::try_from(signature) else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(bytes);
    key.verify_strict(input, &signature).is_ok()
}

impl fmt::Debug for Key {
    // Never prints key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("alg", &self.algorithm())
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

/// Up to [`MAX_KEYS`] keys, found by `kid` and algorithm.
///
/// Lookup rules, in order:
/// 1. a token with a `kid` uses the key with that `kid`; if that key is
///    bound to another algorithm the token is rejected
///    ([`Error::AlgorithmMismatch`]);
/// 2. otherwise the candidates are the keys of the token's algorithm that
///    could match: all of them for a token without `kid`, only keys without
///    a `kid` for a token whose `kid` is unknown. Exactly one candidate is
///    used; several give [`Error::AmbiguousKey`]; none give
///    [`Error::UnknownKey`] (or [`Error::AlgorithmMismatch`] when a key
///    would have matched but for its algorithm).
///
/// Several keys of one algorithm with distinct `kid`s are how keys rotate.
#[derive(Clone, Default)]
pub struct KeySet {
    // Invariant: `keys[..used]` are `Some`, the rest `None`.
    keys: [Option<Key>; MAX_KEYS],
    used: usize,
}

impl KeySet {
    /// An empty key set.
    pub const fn new() -> KeySet {
        KeySet {
            keys: [const { None }; MAX_KEYS],
            used: 0,
        }
    }

    /// A set holding one key.
    pub fn single(key: Key) -> KeySet {
        let mut set = KeySet::new();
        // A fresh set has room and no duplicate.
        let _ = set.add(key);
        set
    }

    /// Adds a key. Fails with [`Error::KeySetFull`] past [`MAX_KEYS`] and with
    /// [`Error::DuplicateKeyId`] if a key with the same `kid` and algorithm is present.
    pub fn add(&mut self, key: Key) -> Result<(), Error> {
        if let Some(kid) = key.kid() {
            if self
                .iter()
                .any(|k| k.kid() == Some(kid) && k.algorithm() == key.algorithm())
            {
                return Err(Error::DuplicateKeyId);
            }
        }
        let slot = self.keys.get_mut(self.used).ok_or(Error::KeySetFull)?;
        *slot = Some(key);
        self.used += 1;
        Ok(())
    }

    /// The keys, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter().flatten()
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    /// Finds the key for a token's `alg` and optional `kid` (see the type's rules).
    pub fn find(&self, alg: Algorithm, kid: Option<&str>) -> Result<&Key, Error> {
        self.find_by(alg, kid.is_some(), |k| match (k, kid) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        })
    }

    /// `find` with the token's `kid` still JSON-escaped.
    pub(crate) fn find_json(
        &self,
        alg: Algorithm,
        kid: Option<JsonStr<'_>>,
    ) -> Result<&Key, Error> {
        self.find_by(alg, kid.is_some(), |k| match (k, kid) {
            (Some(a), Some(b)) => b.eq_str(a),
            _ => false,
        })
    }

    fn find_by(
        &self,
        alg: Algorithm,
        token_has_kid: bool,
        kid_matches: impl Fn(Option<&str>) -> bool,
    ) -> Result<&Key, Error> {
        let mut by_kid_other_alg = false;
        if token_has_kid {
            for key in self.iter().filter(|k| kid_matches(k.kid())) {
                if key.algorithm() == alg {
                    return Ok(key);
                }
                by_kid_other_alg = true;
            }
            if by_kid_other_alg {
                return Err(Error::AlgorithmMismatch);
            }
        }
        let mut found = None;
        let mut other_alg = false;
        for key in self.iter() {
            if token_has_kid && key.kid().is_some() {
                continue;
            }
            if key.algorithm() != alg {
                other_alg = true;
            } else if found.is_some() {
                return Err(Error::AmbiguousKey);
            } else {
                found = Some(key);
            }
        }
        match found {
            Some(key) => Ok(key),
            None if other_alg => Err(Error::AlgorithmMismatch),
            None => Err(Error::UnknownKey),
        }
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
#[cfg(feature = "hmac")]
mod tests {
    use super::*;

    const SECRET: &[u8; 64] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn hs(alg: Algorithm, kid: Option<&str>) -> Key {
        let key = Key::hmac(alg, SECRET).unwrap();
        match kid {
            Some(kid) => key.with_kid(kid).unwrap(),
            None => key,
        }
    }

    #[test]
    fn short_hmac_secrets_are_refused_unless_opted_in() {
        assert!(matches!(
            Key::hmac(Algorithm::HS256, &SECRET[..31]),
            Err(Error::WeakKey)
        ));
        assert!(Key::hmac(Algorithm::HS256, &SECRET[..32]).is_ok());
        assert!(matches!(
            Key::hmac(Algorithm::HS384, &SECRET[..47]),
            Err(Error::WeakKey)
        ));
        assert!(matches!(
            Key::hmac(Algorithm::HS512, &SECRET[..63]),
            Err(Error::WeakKey)
        ));
        assert!(Key::hmac_allow_short_secret(Algorithm::HS256, b"short").is_ok());
        assert!(matches!(
            Key::hmac_allow_short_secret(Algorithm::HS256, b""),
            Err(Error::WeakKey)
        ));
        assert!(matches!(
            Key::hmac(Algorithm::EdDSA, SECRET),
            Err(Error::InvalidKey)
        ));
    }

    #[cfg(feature = "eddsa")]
    #[test]
    fn small_order_ed25519_keys_are_refused() {
        // The identity point and a point of order 8 (RFC 8032 test material).
        let identity = [
            1u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0,
        ];
        assert!(matches!(
            Key::ed25519_public(&identity),
            Err(Error::InvalidKey)
        ));
        assert!(matches!(
            Key::ed25519_public(&[0u8; 31]),
            Err(Error::InvalidKey)
        ));
    }

    #[test]
    fn kid_lookup_rules() {
        let mut set = KeySet::new();
        set.add(hs(Algorithm::HS256, Some("a"))).unwrap();
        set.add(hs(Algorithm::HS256, Some("b"))).unwrap();
        set.add(hs(Algorithm::HS512, Some("c"))).unwrap();
        assert_eq!(
            set.find(Algorithm::HS256, Some("b")).unwrap().kid(),
            Some("b")
        );
        assert_eq!(
            set.find(Algorithm::HS256, Some("c")).err(),
            Some(Error::AlgorithmMismatch)
        );
        assert_eq!(
            set.find(Algorithm::HS256, Some("zz")).err(),
            Some(Error::UnknownKey)
        );
        assert_eq!(
            set.find(Algorithm::HS256, None).err(),
            Some(Error::AmbiguousKey)
        );
        assert_eq!(set.find(Algorithm::HS512, None).unwrap().kid(), Some("c"));
        assert_eq!(
            set.find(Algorithm::HS384, None).err(),
            Some(Error::AlgorithmMismatch)
        );
        assert_eq!(
            set.add(hs(Algorithm::HS256, Some("a"))).err(),
            Some(Error::DuplicateKeyId)
        );
    }

    #[test]
    fn key_without_kid_matches_unknown_kid_only_when_unique() {
        let set = KeySet::single(hs(Algorithm::HS256, None));
        assert!(set.find(Algorithm::HS256, Some("whatever")).is_ok());
        assert!(set.find(Algorithm::HS256, None).is_ok());
        let mut set = KeySet::new();
        set.add(hs(Algorithm::HS256, Some("a"))).unwrap();
        assert_eq!(
            set.find(Algorithm::HS256, Some("b")).err(),
            Some(Error::UnknownKey)
        );
    }

    #[test]
    fn set_is_bounded() {
        let mut set = KeySet::new();
        for i in 0..MAX_KEYS {
            let kid = [b'a' + u8::try_from(i).unwrap()];
            set.add(hs(
                Algorithm::HS256,
                Some(core::str::from_utf8(&kid).unwrap()),
            ))
            .unwrap();
        }
        assert_eq!(
            set.add(hs(Algorithm::HS256, None)).err(),
            Some(Error::KeySetFull)
        );
        assert!(KeyId::new(&"x".repeat(MAX_KID_LEN + 1)).is_err());
    }

    #[test]
    fn keys_stay_small() {
        // The largest material is an RSA-4096 modulus (512 bytes); its
        // Montgomery parameters are computed per verification, not stored
        // (`rsa.rs`). On x86_64: Key 688 bytes, KeySet 11024.
        assert!(core::mem::size_of::<Key>() <= 704);
        assert!(core::mem::size_of::<KeySet>() <= 704 * MAX_KEYS + 16);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let text = std::format!("{:?}", hs(Algorithm::HS256, Some("k")));
        assert!(!text.contains("0123"), "{text}");
    }
}
