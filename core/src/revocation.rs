//! The bridge from verified claims to the denylist: identifiers are hashed
//! straight from the JSON text, unescaping on the fly, with no buffer.

use crate::denylist::{IdSource, Ids, Sink};
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

/// The verified claims' identifiers, as they are in the JSON text.
impl<'a> Ids for Claims<'a> {
    type Id = JsonStr<'a>;
    #[inline]
    fn exp(&self) -> Option<u64> {
        Claims::exp(self)
    }
    #[inline]
    fn iat(&self) -> Option<u64> {
        Claims::iat(self)
    }
    #[inline]
    fn ver(&self) -> Option<u64> {
        Claims::ver(self)
    }
    #[inline]
    fn jti(&self) -> Option<&JsonStr<'a>> {
        self.jti.as_ref()
    }
    #[inline]
    fn sid(&self) -> Option<&JsonStr<'a>> {
        self.sid.as_ref()
    }
    #[inline]
    fn sub(&self) -> Option<&JsonStr<'a>> {
        self.sub.as_ref()
    }
}

/// Checks a verified token's identifiers against `denylist` at `now`.
pub(crate) fn check(
    denylist: &Denylist<'_>,
    claims: &Claims<'_>,
    now: u64,
) -> Result<(), RevocationKind> {
    denylist.check_with(claims, now)
}

/// Checks a verified token's identifiers against several denylists at
/// `now` (a snapshot and its live delta, say), hashing them once for
/// consecutive lists that share a seed; see [`Denylist::check_all`].
pub(crate) fn check_all(
    denylists: &[Denylist<'_>],
    claims: &Claims<'_>,
    now: u64,
) -> Result<(), RevocationKind> {
    Denylist::check_all_with(denylists, claims, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DenylistBuilder, DenylistConfig, Limits, Revocation};

    const NOW: u64 = 1_000_000;

    fn build(seed: [u8; 16], entries: &[Revocation<'_>]) -> std::vec::Vec<u8> {
        let builder = DenylistBuilder::new(DenylistConfig::new(seed, NOW));
        let mut buf = std::vec![0u8; builder.required_len(entries).unwrap()];
        builder.build(entries, &mut buf).unwrap();
        buf
    }

    #[test]
    fn escaped_claims_hash_like_their_unescaped_bytes() {
        // "t\u002d1" is "t-1" and "s\/1" is "s/1": chunked hashing must
        // find both, on the one-list and the several-list paths.
        let exp = NOW + 60;
        let base = build(
            [1; 16],
            &[Revocation::Token {
                jti: b"t-1",
                until: exp,
            }],
        );
        let delta = build(
            [2; 16],
            &[Revocation::Session {
                sid: b"s/1",
                until: exp,
            }],
        );
        let (base, delta) = (
            Denylist::from_bytes(&base).unwrap(),
            Denylist::from_bytes(&delta).unwrap(),
        );
        let json = |jti: &str, sid: &str| {
            std::format!(r#"{{"exp":{exp},"jti":"{jti}","sid":"{sid}","sub":"u\u00e9"}}"#)
        };
        let revoked_jti = json(r"t\u002d1", "other");
        let claims = Claims::parse(revoked_jti.as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(check(&base, &claims, NOW), Err(RevocationKind::Token));
        assert_eq!(
            check_all(&[delta, base], &claims, NOW),
            Err(RevocationKind::Token)
        );
        let revoked_sid = json("other", r"s\/1");
        let claims = Claims::parse(revoked_sid.as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(check(&base, &claims, NOW), Ok(()));
        assert_eq!(
            check_all(&[base, delta], &claims, NOW),
            Err(RevocationKind::Session)
        );
        let fine = json("t-2", "s/2");
        let claims = Claims::parse(fine.as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(check_all(&[base, delta], &claims, NOW), Ok(()));
    }
}
