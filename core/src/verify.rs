//! The data path of one verification (DESIGN.md, "The data path").

use crate::alg::MAX_SIGNATURE_LEN;
use crate::base64;
use crate::{Claims, Error, Header, KeySet, Limits, Policy};

/// The decode buffer [`Verifier::verify`] needs for tokens of up to
/// `max_token_len` bytes: the decoded header and claims together.
pub const fn buffer_len(max_token_len: usize) -> usize {
    max_token_len / 4 * 3 + 3
}

/// The decode buffer size for [`Limits::DEFAULT`] (6 KiB for 8 KiB tokens).
pub const BUFFER_LEN: usize = buffer_len(Limits::DEFAULT.max_token_len);

/// A token whose signature, claims and revocation status all checked out.
/// Everything in it is borrowed from the caller's decode buffer.
#[derive(Debug, Clone, Copy)]
pub struct Verified<'a> {
    header: Header<'a>,
    claims: Claims<'a>,
}

impl<'a> Verified<'a> {
    /// The protected header.
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// The claims.
    pub fn claims(&self) -> &Claims<'a> {
        &self.claims
    }

    /// Checks this token against one more denylist, for callers that keep
    /// revocations in several lists (a snapshot plus live additions).
    ///
    /// `now` is the lookup time of [`crate::Denylist::check`]: pass the
    /// verification time minus the policy's leeway (format 3 lists do not
    /// use it; formats 1 and 2 skip windows that ended before it).
    pub fn check_denylist(&self, denylist: &crate::Denylist<'_>, now: u64) -> Result<(), Error> {
        crate::revocation::check(denylist, &self.claims, now).map_err(Error::Revoked)
    }

    /// Checks this token against several denylists (a base and its deltas):
    /// the first revocation found wins. Identifiers are hashed once for
    /// consecutive lists built with the same seed, so this is cheaper than
    /// one [`Verified::check_denylist`] call per list.
    pub fn check_denylists(
        &self,
        denylists: &[crate::Denylist<'_>],
        now: u64,
    ) -> Result<(), Error> {
        crate::revocation::check_all(denylists, &self.claims, now).map_err(Error::Revoked)
    }
}

/// Verifies compact JWS tokens against a [`KeySet`] and a [`Policy`],
/// and, when one is attached, a revocation [`crate::Denylist`].
///
/// A `Verifier` is immutable once built, so one instance can be shared by
/// every thread. It never allocates and never reads a clock.
#[derive(Clone, Debug)]
pub struct Verifier<'d> {
    keys: KeySet,
    policy: Policy,
    limits: Limits,
    denylist: Option<crate::Denylist<'d>>,
}

impl Verifier<'static> {
    /// A verifier with [`Limits::DEFAULT`] and no denylist.
    pub fn new(keys: KeySet, policy: Policy) -> Verifier<'static> {
        Verifier {
            keys,
            policy,
            limits: Limits::DEFAULT,
            denylist: None,
        }
    }
}

impl Verifier<'static> {
    /// [`Verifier::new`], refusing a verifier that could accept no token:
    /// [`Error::EmptyKeySet`] when no key of `keys` has an algorithm that
    /// `policy` allows (an empty set included). Every binding builds its
    /// verifiers through this check.
    pub fn try_new(keys: KeySet, policy: Policy) -> Result<Verifier<'static>, Error> {
        let verifier = Verifier::new(keys, policy);
        verifier.check_usable()?;
        Ok(verifier)
    }
}

impl<'d> Verifier<'d> {
    /// [`Error::EmptyKeySet`] unless some key has an algorithm the policy allows.
    pub fn check_usable(&self) -> Result<(), Error> {
        if self.keys.iter().any(|k| self.policy.allows(k.algorithm())) {
            Ok(())
        } else {
            Err(Error::EmptyKeySet)
        }
    }

    /// The same verifier with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same verifier checking `denylist` on every call.
    pub fn with_denylist<'e>(self, denylist: crate::Denylist<'e>) -> Verifier<'e> {
        Verifier {
            keys: self.keys,
            policy: self.policy,
            limits: self.limits,
            denylist: Some(denylist),
        }
    }

    /// The keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The attached denylist.
    pub fn denylist(&self) -> Option<&crate::Denylist<'d>> {
        self.denylist.as_ref()
    }

    /// Verifies `token` at time `now` (seconds since the epoch), decoding
    /// header and claims into `buf`, which must hold at least
    /// [`buffer_len`]`(token.len())` bytes ([`BUFFER_LEN`] covers every
    /// token the default limits accept).
    pub fn verify<'b>(
        &self,
        token: &[u8],
        now: u64,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, Error> {
        self.verify_with_denylist(token, now, self.denylist.as_ref(), buf)
    }

    /// [`Verifier::verify`] with an explicit denylist instead of the
    /// attached one, for callers that swap denylists while verifying.
    pub fn verify_with_denylist<'b>(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&crate::Denylist<'_>>,
        buf: &'b mut [u8],
    ) -> Result<Verified<'b>, Error> {
        let jws = self.verify_jws(token, buf)?;
        self.check_claims(jws, now, denylist)
    }

    /// [`Verifier::verify_with_denylist`] through a verified-token `cache`
    /// (see [`crate::TokenCache`]): when this exact token verified its
    /// signature under key-set `generation` before, the signature check is
    /// skipped, and only it. Header, algorithm allow-list, key lookup,
    /// claims, policy (`exp`, `nbf`, `iat`, issuer, audience, `typ`,
    /// required claims) and `denylist` run exactly as without the cache,
    /// and the result is the same. A token is inserted only after it
    /// verified completely.
    ///
    /// `generation` names this verifier's key set: pass a new number
    /// whenever the keys change, so that no entry made under the old keys
    /// can hit.
    #[cfg(target_has_atomic = "64")]
    pub fn verify_cached<'b, S: AsRef<[crate::CacheSlot]>>(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&crate::Denylist<'_>>,
        buf: &'b mut [u8],
        cache: &crate::TokenCache<S>,
        generation: u64,
    ) -> Result<Verified<'b>, Error> {
        self.cached(token, now, denylist, buf, (cache, generation), Ok)
    }

    /// [`Verifier::verify_cached`] without a denylist of its own, for
    /// callers that check more (several denylists, a confirmation): `then`
    /// runs after every core check, on hits and misses alike, and the token
    /// is inserted only if `then` accepts it, so that no rejected token
    /// enters the cache.
    #[cfg(target_has_atomic = "64")]
    pub fn verify_cached_then<'b, S: AsRef<[crate::CacheSlot]>, E: From<Error>>(
        &self,
        token: &[u8],
        now: u64,
        buf: &'b mut [u8],
        cache: &crate::TokenCache<S>,
        generation: u64,
        then: impl FnOnce(Verified<'b>) -> Result<Verified<'b>, E>,
    ) -> Result<Verified<'b>, E> {
        self.cached(token, now, None, buf, (cache, generation), then)
    }

    #[cfg(target_has_atomic = "64")]
    fn cached<'b, S: AsRef<[crate::CacheSlot]>, E: From<Error>>(
        &self,
        token: &[u8],
        now: u64,
        denylist: Option<&crate::Denylist<'_>>,
        buf: &'b mut [u8],
        (cache, generation): (&crate::TokenCache<S>, u64),
        then: impl FnOnce(Verified<'b>) -> Result<Verified<'b>, E>,
    ) -> Result<Verified<'b>, E> {
        if token.len() > self.limits.max_token_len {
            return Err(Error::TokenTooLarge.into());
        }
        let tag = cache.tag(token);
        let hit = cache.lookup(tag, generation);
        let jws = self.verify_jws_inner(token, buf, hit)?;
        let verified = then(self.check_claims(jws, now, denylist)?)?;
        if !hit {
            cache.insert(tag, generation);
        }
        Ok(verified)
    }

    /// Everything after the JWS layer: claims, policy, denylist.
    fn check_claims<'b>(
        &self,
        jws: Jws<'b>,
        now: u64,
        denylist: Option<&crate::Denylist<'_>>,
    ) -> Result<Verified<'b>, Error> {
        let mut verified = Verified {
            header: jws.header,
            claims: Claims::unparsed(jws.payload),
        };
        verified.claims.parse_in_place(&self.limits)?;
        self.policy.check(&verified.header, &verified.claims, now)?;
        if let Some(denylist) = denylist {
            // Looked up at `now - leeway`: a token the policy still accepts
            // within its leeway after `exp` must still be found.
            let lookup = now.saturating_sub(self.policy.leeway);
            crate::revocation::check(denylist, &verified.claims, lookup).map_err(Error::Revoked)?;
        }
        Ok(verified)
    }

    /// Checks only the JWS layer: structure, header, key and signature,
    /// then decodes the payload into `buf` without reading it as claims.
    /// For payloads that are not JWT claims; everything else should use
    /// [`Verifier::verify`].
    pub fn verify_jws<'b>(&self, token: &[u8], buf: &'b mut [u8]) -> Result<Jws<'b>, Error> {
        self.verify_jws_inner(token, buf, false)
    }

    /// [`Verifier::verify_jws`]; `signature_known` (a cache hit) skips only
    /// the signature's decoding and check.
    fn verify_jws_inner<'b>(
        &self,
        token: &[u8],
        buf: &'b mut [u8],
        signature_known: bool,
    ) -> Result<Jws<'b>, Error> {
        if token.len() > self.limits.max_token_len {
            return Err(Error::TokenTooLarge);
        }
        let parts = Parts::split(token)?;
        // `split` only looked for the first and the last dot, so a token with
        // more than three parts has a dot in its payload. Decoding the payload
        // rejects that dot on every path that succeeds, so the extra scan is
        // paid only on failure, where it keeps "not three parts" the reported
        // cause whatever else is wrong.
        self.verify_parts(&parts, buf, signature_known)
            .map_err(|e| {
                if find_dot(parts.payload).is_some() {
                    Error::Malformed
                } else {
                    e
                }
            })
    }

    fn verify_parts<'b>(
        &self,
        parts: &Parts<'_>,
        buf: &'b mut [u8],
        signature_known: bool,
    ) -> Result<Jws<'b>, Error> {
        let header_len = base64::decoded_len(parts.header.len()).ok_or(Error::Base64)?;
        let (header_buf, payload_buf) = buf
            .split_at_mut_checked(header_len)
            .ok_or(Error::BufferTooSmall)?;
        base64::decode(parts.header, header_buf)?;
        let header = Header::parse(header_buf, &self.limits)?;
        if !self.policy.allows(header.alg()) {
            return Err(Error::UnsupportedAlgorithm);
        }

        // An algorithm this build compiled out (Cargo features) is
        // unsupported, not merely without a key.
        if !header.alg().is_supported() {
            return Err(Error::UnsupportedAlgorithm);
        }
        // The key is chosen by `kid` and the algorithm it is bound to; the
        // claims are not read before the signature holds.
        let key = self.keys.find_json(header.alg(), header.kid())?;
        // A cache hit: these exact bytes passed the rest of this function
        // under this key set before.
        if !signature_known {
            let mut signature = [0u8; MAX_SIGNATURE_LEN];
            let signature_len =
                base64::decode(parts.signature, &mut signature).map_err(|e| match e {
                    Error::BufferTooSmall => Error::InvalidSignature,
                    other => other,
                })?;
            key.verify(
                parts.signing_input,
                signature.get(..signature_len).unwrap_or_default(),
            )?;
        }

        let payload_len = base64::decode(parts.payload, payload_buf)?;
        let payload = payload_buf
            .get(..payload_len)
            .ok_or(Error::BufferTooSmall)?;
        Ok(Jws { header, payload })
    }
}

/// A JWS whose signature verified; the payload is not interpreted.
#[derive(Debug, Clone, Copy)]
pub struct Jws<'a> {
    /// The protected header.
    pub header: Header<'a>,
    /// The decoded payload.
    pub payload: &'a [u8],
}

/// The three dot-separated parts of a compact JWS, split at the first and
/// the last dot: the header and the signature hold no dot, the payload may
/// (see [`Verifier::verify_jws`] for why that is enough).
struct Parts<'t> {
    header: &'t [u8],
    payload: &'t [u8],
    signature: &'t [u8],
    signing_input: &'t [u8],
}

impl<'t> Parts<'t> {
    fn split(token: &'t [u8]) -> Result<Parts<'t>, Error> {
        let first = find_dot(token).ok_or(Error::Malformed)?;
        // Searching from the end reads only the signature, not the payload.
        let last = rfind_dot(token).ok_or(Error::Malformed)?;
        if first == 0 || last == first {
            return Err(Error::Malformed);
        }
        let header = token.get(..first).ok_or(Error::Malformed)?;
        let payload = token.get(first + 1..last).ok_or(Error::Malformed)?;
        let signing_input = token.get(..last).ok_or(Error::Malformed)?;
        let signature = token.get(last + 1..).ok_or(Error::Malformed)?;
        Ok(Parts {
            header,
            payload,
            signature,
            signing_input,
        })
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of every byte of `word` that is a `.`, and no other bit.
#[inline(always)]
fn dot_flags(word: u64) -> u64 {
    let x = word ^ (ONES * u64::from(b'.'));
    // Exact zero-byte test: adding 0x7f to the low seven bits carries into
    // the high bit unless they are all zero; no carry crosses bytes.
    !(((x & LOWS).wrapping_add(LOWS)) | x | LOWS)
}

/// The index of the first `.` in `bytes`, eight bytes at a time.
#[inline]
fn find_dot(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0usize;
    for word in &mut words {
        let flags = dot_flags(<[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes));
        if flags != 0 {
            // Little-endian: the first byte is the lowest.
            return usize::try_from(flags.trailing_zeros() / 8)
                .ok()
                .map(|i| at + i);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'.')
        .map(|i| at + i)
}

/// The index of the last `.` in `bytes`, eight bytes at a time from the end.
#[inline]
fn rfind_dot(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.rchunks_exact(8);
    let mut end = bytes.len();
    for word in &mut words {
        let flags = dot_flags(<[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes));
        end -= 8;
        if flags != 0 {
            // Little-endian: the last byte is the highest.
            return usize::try_from(7 - flags.leading_zeros() / 8)
                .ok()
                .map(|i| end + i);
        }
    }
    words.remainder().iter().rposition(|&b| b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dot search agrees with a byte-by-byte one at every position of every length,
    /// including dots at word boundaries and several dots per word.
    #[test]
    fn find_dot_agrees_with_position() {
        for len in 0..40usize {
            for first in 0..=len {
                for second in first..=len {
                    let mut s = std::vec![b'a'; len];
                    if let Some(b) = s.get_mut(first) {
                        *b = b'.';
                    }
                    if let Some(b) = s.get_mut(second) {
                        *b = b'.';
                    }
                    // Bytes that differ from '.' by one bit or by borrow patterns.
                    if let Some(b) = s.get_mut(0) {
                        if *b != b'.' {
                            *b = b'/';
                        }
                    }
                    let want = s.iter().position(|&b| b == b'.');
                    assert_eq!(find_dot(&s), want, "{len} {first} {second}");
                    let want = s.iter().rposition(|&b| b == b'.');
                    assert_eq!(rfind_dot(&s), want, "{len} {first} {second}");
                }
            }
        }
        let all: std::vec::Vec<u8> = (0..=255u8).collect();
        assert_eq!(find_dot(&all), Some(usize::from(b'.')));
        assert_eq!(rfind_dot(&all), Some(usize::from(b'.')));
        // A dot followed by bytes one above it: borrows must not flag them.
        assert_eq!(rfind_dot(b"a./////////"), Some(1));
        let no_dot: std::vec::Vec<u8> = (0..=255u8).filter(|&b| b != b'.').collect();
        assert_eq!(find_dot(&no_dot), None);
        assert_eq!(rfind_dot(&no_dot), None);
    }

    #[test]
    fn split_shapes() {
        type Four<'t> = (&'t [u8], &'t [u8], &'t [u8], &'t [u8]);
        fn ok(t: &[u8]) -> Result<Four<'_>, Error> {
            Parts::split(t).map(|p| (p.header, p.payload, p.signature, p.signing_input))
        }
        assert_eq!(
            ok(b"a.b.c"),
            Ok((&b"a"[..], &b"b"[..], &b"c"[..], &b"a.b"[..]))
        );
        assert_eq!(ok(b"a..").map(|p| p.1.len() + p.2.len()), Ok(0));
        for bad in [
            &b""[..],
            b"a",
            b"a.b",
            b".b.c",
            b"...",
            b"abcdefgh.ijklmnop",
        ] {
            assert!(
                matches!(Parts::split(bad), Err(Error::Malformed)),
                "{bad:?}"
            );
        }
        // More than three parts: the extra dots stay in the payload, where
        // `verify_jws` finds them (the hostile tests check the error).
        for (more, payload) in [
            (&b"a.b.c.d"[..], &b"b.c"[..]),
            (b"a.b.c.", b"b.c"),
            (b"a.b.c.d.e", b"b.c.d"),
        ] {
            assert_eq!(ok(more).map(|p| p.1), Ok(payload), "{more:?}");
        }
    }
}
