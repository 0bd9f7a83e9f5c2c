//! TEMPORARY stub; replaced by branch `denylist`.
#![allow(missing_docs, dead_code, unused_variables)]
use crate::{Claims, RevocationKind};
#[derive(Clone, Copy, Debug)]
pub struct Denylist<'a> {
    bytes: &'a [u8],
}
pub(crate) fn check_claims(
    d: &Denylist<'_>,
    c: &Claims<'_>,
    now: u64,
) -> Result<(), RevocationKind> {
    Ok(())
}
