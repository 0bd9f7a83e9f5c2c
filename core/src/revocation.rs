//! The bridge from verified claims to the denylist: identifiers are hashed
//! straight from the JSON text, unescaping on the fly, with no buffer.

use crate::denylist::{IdSource, KeyHasher};
use crate::json::JsonStr;
use crate::{Claims, Denylist, RevocationKind};

impl IdSource for JsonStr<'_> {
    fn feed(&self, h: &mut KeyHasher) {
        // Unescaped tokens (nearly all) hash their bytes in one call.
        match self.as_str() {
            Some(plain) => h.write(plain.as_bytes()),
            None => self.for_each_chunk(|chunk| h.write(chunk)),
        }
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
