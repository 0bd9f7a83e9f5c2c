//! The bridge from verified claims to the denylist: identifiers are hashed
//! straight from the JSON text, unescaping on the fly, with no buffer.

use crate::denylist::{IdSource, Sink};
use crate::json::JsonStr;
use crate::{Claims, Denylist, RevocationKind};

impl IdSource for JsonStr<'_> {
    fn feed<S: Sink>(&self, sink: &mut S) {
        self.for_each_chunk(|chunk| sink.write(chunk));
    }

    // Not `as_str`: that re-validates UTF-8, which the parser already did
    // and the hash does not need (it hashes bytes); on short ids that
    // check cost as much as the hash.
    #[inline]
    fn contiguous(&self) -> Option<&[u8]> {
        (!self.is_escaped()).then(|| self.raw())
    }
}

/// Checks a verified token's identifiers against `denylist` at `now`.
pub(crate) fn check(
    denylist: &Denylist<'_>,
    claims: &Claims<'_>,
    now: u64,
) -> Result<(), RevocationKind> {
    denylist.check_with(
        claims.exp(),
        claims.iat(),
        claims.ver(),
        claims.jti.as_ref(),
        claims.sid.as_ref(),
        claims.sub.as_ref(),
        now,
    )
}
