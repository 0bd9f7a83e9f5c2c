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
