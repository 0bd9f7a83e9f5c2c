//! Crate-private entry points for the fuzz targets in `fuzz/`. Compiled only
//! with the `fuzzing` feature; not a public API and not semver-stable.

use crate::json::{JsonStr, Value};
use crate::{Claims, Error, Header, Limits};

/// Runs the strict JSON scanner over `doc` as a top-level object with the
/// given bounds, calling `f` for every top-level member.
pub fn json_for_each_member<'a>(
    doc: &'a [u8],
    max_depth: usize,
    max_members: usize,
    f: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    crate::json::for_each_member(doc, max_depth, max_members, Error::ClaimsJson, f)
}

/// Parses a decoded JOSE header as the verifier does.
pub fn parse_header<'a>(json: &'a [u8], limits: &Limits) -> Result<Header<'a>, Error> {
    Header::parse(json, limits)
}

/// Parses decoded claims as the verifier does.
pub fn parse_claims<'a>(json: &'a [u8], limits: &Limits) -> Result<Claims<'a>, Error> {
    Claims::parse(json, limits)
}

/// The ES256 verdicts of `ring` and of `p256` on `signature` over `message`,
/// for the public key of the P-256 private scalar `scalar`, and the
/// signature `p256` makes (RFC 6979) for the same message, so that a target
/// can mutate valid signatures. `None` when `scalar` is not a valid key.
#[cfg(feature = "ring")]
pub fn es256_sign_and_verdicts(
    scalar: &[u8; 32],
    message: &[u8],
    signature: &[u8],
) -> Option<([u8; 64], bool, bool)> {
    let key = crate::ecdsa::private_from_scalar(scalar)?;
    let public = *key.verifying_key();
    Some((
        crate::ecdsa::sign(&key, message),
        crate::ecdsa::verify_ring(&public, message, signature),
        crate::ecdsa::verify_p256(&public, message, signature),
    ))
}
