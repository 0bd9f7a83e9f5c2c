//! JSON Web Key Sets (RFC 7517) into a [`KeySet`], without allocating.
//!
//! Rules (each key is an object in the top-level `keys` array):
//! - `kty: "oct"` with `k` and an `alg` of `HS256`/`HS384`/`HS512` (required:
//!   a secret does not imply its algorithm); the secret length rule of
//!   [`Key::hmac`] applies.
//! - `kty: "OKP"`, `crv: "Ed25519"`, `x` (and optionally the private `d`);
//!   `alg`, when present, must be `EdDSA`.
//! - `kty: "EC"`, `crv: "P-256"`, `x` and `y` of exactly 32 bytes each (and
//!   optionally the private `d`, whose public half must be `x`/`y`); `alg`,
//!   when present, must be `ES256`. Other curves are skipped.
//! - `kty: "RSA"`, `n` and `e` (the rules of [`Key::rs256_public`]; private
//!   members are ignored): `alg` `RS256` or absent gives an RS256 key (most
//!   providers' sets, Azure AD's among them, omit `alg`; RS256 is what they
//!   sign with), `PS256` a PS256 key; any other `alg` (RS384, RSA-OAEP, ...)
//!   is skipped. Keys with a known-weak modulus (ROCA, CVE-2017-15361) fail.
//! - Keys with `use` other than `sig`, or `key_ops` without `verify`, are
//!   skipped: they are not signature-verification keys.
//! - Keys of a `kty` or `alg` this build does not implement are skipped, so
//!   a provider's set that also lists other key types still loads; so are
//!   keys of an algorithm whose Cargo feature is off.
//! - A malformed key of a supported type fails the whole set
//!   ([`Error::Jwks`]; key material that decodes but is refused, such as a
//!   point not on the curve or a 1024-bit modulus, fails with the key
//!   constructor's error, [`Error::InvalidKey`] or [`Error::WeakKey`]), as
//!   does a set mixing secret (`oct`) and public keys: such a set is either
//!   a leaked secret or a confusion waiting to happen.
//! - Duplicate `kid` for one algorithm fails with [`Error::DuplicateKeyId`].
//!
//! [`KeySet::add_jwks_lenient`] is the mode for sets fetched from an
//! identity provider (RFC 7517 §5: a set with keys the reader does not
//! understand is still usable): a malformed, refused, duplicate or
//! surplus key is skipped and counted instead of failing the set; the
//! document's structure and the secret/public mixing rule still fail it.

use crate::json::{self, JsonStr, Object, Value};
use crate::{base64, Algorithm, Error, Key, KeySet, Limits, MAX_KID_LEN};

/// The longest HMAC secret accepted from a JWKS, in bytes.
const MAX_SECRET_LEN: usize = 512;

/// The longest RSA modulus decoded from a JWKS, in bytes: beyond the 4096
/// bits jwtgate accepts, so that a larger key fails as [`Error::InvalidKey`].
const MAX_MODULUS_DECODE_LEN: usize = 1024;

/// The longest RSA public exponent decoded from a JWKS, in bytes.
const MAX_EXPONENT_DECODE_LEN: usize = 16;

impl KeySet {
    /// Parses a JWKS document (`{"keys": [...]}`) into a new key set.
    ///
    /// ```
    /// let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1",
    ///   "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    /// let keys = jwtgate::KeySet::from_jwks(jwks)?;
    /// assert_eq!(keys.len(), 1);
    /// # Ok::<(), jwtgate::Error>(())
    /// ```
    pub fn from_jwks(document: &[u8]) -> Result<KeySet, Error> {
        let mut set = KeySet::new();
        set.add_jwks(document)?;
        Ok(set)
    }

    /// Adds every usable key of a JWKS document (see the module rules).
    /// On error the set is left unchanged.
    pub fn add_jwks(&mut self, document: &[u8]) -> Result<(), Error> {
        self.add_jwks_mode(document, false).map(|_| ())
    }

    /// Adds the usable keys of a JWKS document and returns how many keys it
    /// skipped: keys the strict [`KeySet::add_jwks`] skips silently (another
    /// `use`, `kty`, curve or `alg`) and keys it would fail the whole set on
    /// (malformed or refused key material, a duplicate `kid`, a key past
    /// [`crate::MAX_KEYS`]). A document that is not a JWKS, or that mixes
    /// secret and public keys, still fails with [`Error::Jwks`] and leaves
    /// the set unchanged. The set may gain no key at all: the caller decides
    /// whether an empty result may replace anything.
    ///
    /// ```
    /// let jwks = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"bad","x":"!!"},
    ///   {"kty":"OKP","crv":"Ed25519","kid":"k1",
    ///   "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    /// let mut keys = jwtgate::KeySet::new();
    /// assert_eq!(keys.add_jwks_lenient(jwks)?, 1);
    /// assert_eq!(keys.len(), 1);
    /// # Ok::<(), jwtgate::Error>(())
    /// ```
    pub fn add_jwks_lenient(&mut self, document: &[u8]) -> Result<usize, Error> {
        self.add_jwks_mode(document, true)
    }

    fn add_jwks_mode(&mut self, document: &[u8], lenient: bool) -> Result<usize, Error> {
        let limits = Limits::DEFAULT;
        let mut staged = self.clone();
        let mut saw_keys = false;
        let mut skipped = 0usize;
        let (mut secret_keys, mut public_keys) = (false, false);
        json::for_each_member(
            document,
            limits.max_json_depth,
            limits.max_members,
            Error::Jwks,
            |name, value| {
                if !name.eq_str("keys") {
                    return Ok(());
                }
                let Value::Array(keys) = value else {
                    return Err(Error::Jwks);
                };
                saw_keys = true;
                keys.for_each_element(|element| {
                    let Value::Object(object) = element else {
                        return Err(Error::Jwks);
                    };
                    let parsed = match parse_key(object) {
                        Ok(parsed) => parsed,
                        Err(_) if lenient => {
                            // Malformed: its kind is unknown, so it does not
                            // count towards the mixing rule.
                            skipped = skipped.saturating_add(1);
                            return Ok(());
                        }
                        Err(e) => return Err(e),
                    };
                    let (kind, key) = parsed;
                    secret_keys |= kind == KeyKind::Secret;
                    public_keys |= kind == KeyKind::Public;
                    let added = match key {
                        Some(key) => staged.add(key),
                        None => {
                            skipped = skipped.saturating_add(usize::from(lenient));
                            Ok(())
                        }
                    };
                    match added {
                        Err(_) if lenient => {
                            skipped = skipped.saturating_add(1);
                            Ok(())
                        }
                        other => other,
                    }
                })
            },
        )?;
        if !saw_keys {
            return Err(Error::Jwks);
        }
        // Counted over every key in the document, also the ones skipped:
        // a secret published next to public keys is a leak either way.
        if secret_keys && public_keys {
            return Err(Error::Jwks);
        }
        *self = staged;
        Ok(skipped)
    }
}

/// The members of one JWK that jwtgate reads.
#[derive(Default)]
struct Jwk<'a> {
    kty: Option<JsonStr<'a>>,
    alg: Option<JsonStr<'a>>,
    kid: Option<JsonStr<'a>>,
    use_: Option<JsonStr<'a>>,
    crv: Option<JsonStr<'a>>,
    k: Option<JsonStr<'a>>,
    x: Option<JsonStr<'a>>,
    y: Option<JsonStr<'a>>,
    d: Option<JsonStr<'a>>,
    n: Option<JsonStr<'a>>,
    e: Option<JsonStr<'a>>,
    can_verify: bool,
}

/// Whether a JWK holds a shared secret or (half of) an asymmetric key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Secret,
    Public,
    Other,
}

fn parse_key(object: Object<'_>) -> Result<(KeyKind, Option<Key>), Error> {
    let mut jwk = Jwk {
        can_verify: true,
        ..Jwk::default()
    };
    object.for_each_member(|name, value| jwk.set(name, value))?;
    let kty = jwk.kty.ok_or(Error::Jwks)?;
    let kind = if kty.eq_str("oct") {
        KeyKind::Secret
    } else if ["OKP", "EC", "RSA"].iter().any(|k| kty.eq_str(k)) {
        KeyKind::Public
    } else {
        KeyKind::Other
    };
    if jwk.use_.is_some_and(|u| !u.eq_str("sig")) || !jwk.can_verify {
        return Ok((kind, None));
    }
    match key_of(&jwk, kty) {
        // A key of an algorithm compiled out of this build (Cargo features)
        // is skipped like a `kty` jwtgate does not implement.
        Err(Error::UnsupportedAlgorithm) => Ok((kind, None)),
        key => Ok((kind, key?)),
    }
}

fn key_of(jwk: &Jwk<'_>, kty: JsonStr<'_>) -> Result<Option<Key>, Error> {
    let key = if kty.eq_str("oct") {
        let Some(alg) = jwk.alg.and_then(|a| hmac_alg(a)) else {
            return match jwk.alg {
                // A secret with no algorithm cannot be bound to one.
                None => Err(Error::Jwks),
                Some(_) => Ok(None),
            };
        };
        let mut secret = zeroize::Zeroizing::new([0u8; MAX_SECRET_LEN]);
        let len = decode_member(jwk.k, &mut secret[..])?;
        Key::hmac(alg, secret.get(..len).ok_or(Error::Jwks)?)?
    } else if kty.eq_str("OKP") {
        if !jwk.crv.is_some_and(|c| c.eq_str("Ed25519")) {
            return Ok(None);
        }
        if jwk.alg.is_some_and(|a| !a.eq_str(Algorithm::EdDSA.name())) {
            return Err(Error::Jwks);
        }
        let mut x = [0u8; 32];
        let x_len = decode_member(jwk.x, &mut x)?;
        let public = Key::ed25519_public(x.get(..x_len).ok_or(Error::Jwks)?)?;
        match jwk.d {
            None => public,
            Some(_) => {
                let mut d = zeroize::Zeroizing::new([0u8; 32]);
                let d_len = decode_member(jwk.d, &mut d[..])?;
                let private = Key::ed25519_private(d.get(..d_len).ok_or(Error::Jwks)?)?;
                // A private key whose public half differs from `x` is corrupt.
                if private.ed25519_public_bytes() != Some(x) {
                    return Err(Error::Jwks);
                }
                private
            }
        }
    } else if kty.eq_str("EC") {
        match ec_key(jwk)? {
            Some(key) => key,
            None => return Ok(None),
        }
    } else if kty.eq_str("RSA") {
        match rsa_key(jwk)? {
            Some(key) => key,
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    match jwk.kid {
        None => Ok(Some(key)),
        Some(kid) => {
            let mut buf = [0u8; MAX_KID_LEN];
            let kid = kid
                .unescape_into(&mut buf)
                .map_err(|_| Error::FieldTooLong)?;
            Ok(Some(key.with_kid(kid)?))
        }
    }
}

/// A `kty: "EC"` key: P-256 only, other curves are skipped.
fn ec_key(jwk: &Jwk<'_>) -> Result<Option<Key>, Error> {
    if !jwk.crv.is_some_and(|c| c.eq_str("P-256")) {
        return Ok(None);
    }
    if jwk.alg.is_some_and(|a| !a.eq_str(Algorithm::ES256.name())) {
        return Err(Error::Jwks);
    }
    let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
    let x_len = decode_member(jwk.x, &mut x)?;
    let y_len = decode_member(jwk.y, &mut y)?;
    let public = Key::es256_public_coordinates(
        x.get(..x_len).ok_or(Error::Jwks)?,
        y.get(..y_len).ok_or(Error::Jwks)?,
    )?;
    if jwk.d.is_none() {
        return Ok(Some(public));
    }
    let mut d = zeroize::Zeroizing::new([0u8; 32]);
    let d_len = decode_member(jwk.d, &mut d[..])?;
    let private = Key::es256_private(d.get(..d_len).ok_or(Error::Jwks)?)?;
    // A private key whose public half differs from `x`/`y` is corrupt.
    if private.es256_public_sec1() != public.es256_public_sec1() {
        return Err(Error::Jwks);
    }
    Ok(Some(private))
}

/// A `kty: "RSA"` key for RS256 (also when `alg` is absent) or PS256;
/// other algorithms are skipped.
fn rsa_key(jwk: &Jwk<'_>) -> Result<Option<Key>, Error> {
    let alg = match jwk.alg {
        None => Algorithm::RS256,
        Some(a) if a.eq_str(Algorithm::RS256.name()) => Algorithm::RS256,
        Some(a) if a.eq_str(Algorithm::PS256.name()) => Algorithm::PS256,
        Some(_) => return Ok(None),
    };
    let mut n = [0u8; MAX_MODULUS_DECODE_LEN];
    let mut e = [0u8; MAX_EXPONENT_DECODE_LEN];
    let n_len = decode_member(jwk.n, &mut n)?;
    let e_len = decode_member(jwk.e, &mut e)?;
    Key::rsa_public(
        alg,
        n.get(..n_len).ok_or(Error::Jwks)?,
        e.get(..e_len).ok_or(Error::Jwks)?,
    )
    .map(Some)
}

impl<'a> Jwk<'a> {
    fn set(&mut self, name: JsonStr<'a>, value: Value<'a>) -> Result<(), Error> {
        let slot = if name.eq_str("kty") {
            &mut self.kty
        } else if name.eq_str("alg") {
            &mut self.alg
        } else if name.eq_str("kid") {
            &mut self.kid
        } else if name.eq_str("use") {
            &mut self.use_
        } else if name.eq_str("crv") {
            &mut self.crv
        } else if name.eq_str("k") {
            &mut self.k
        } else if name.eq_str("x") {
            &mut self.x
        } else if name.eq_str("y") {
            &mut self.y
        } else if name.eq_str("d") {
            &mut self.d
        } else if name.eq_str("n") {
            &mut self.n
        } else if name.eq_str("e") {
            &mut self.e
        } else if name.eq_str("key_ops") {
            let Value::Array(ops) = value else {
                return Err(Error::Jwks);
            };
            let mut verify = false;
            ops.for_each_element(|op| match op {
                Value::String(s) => {
                    verify |= s.eq_str("verify");
                    Ok(())
                }
                _ => Err(Error::Jwks),
            })?;
            self.can_verify = verify;
            return Ok(());
        } else {
            return Ok(());
        };
        match (value, &slot) {
            // The scanner checks duplicates at the top level only; a key
            // member given twice is ambiguous, so it is rejected here.
            (Value::String(s), None) => {
                *slot = Some(s);
                Ok(())
            }
            _ => Err(Error::Jwks),
        }
    }
}

fn hmac_alg(alg: JsonStr<'_>) -> Option<Algorithm> {
    [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]
        .into_iter()
        .find(|a| alg.eq_str(a.name()))
}

/// Decodes a base64url member into `out`; base64url never needs escapes,
/// so an escaped value is malformed.
fn decode_member(value: Option<JsonStr<'_>>, out: &mut [u8]) -> Result<usize, Error> {
    let value = value.ok_or(Error::Jwks)?;
    if value.is_escaped() {
        return Err(Error::Jwks);
    }
    base64::decode(value.raw(), out).map_err(|_| Error::Jwks)
}
