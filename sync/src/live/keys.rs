//! Key freshness (fail closed once no key source confirmed the keys for
//! too long) and the unknown-`kid` notice to a key source.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use jwtgate::{JsonStr, Limits, Object, Value, MAX_KID_LEN};

use crate::VerifyError;

/// Told by a [`crate::LiveVerifier`] when a token names a key it does not
/// have ([`jwtgate::Error::UnknownKey`]), so that a key source can fetch
/// the issuer's keys again.
///
/// Called on the verifying thread, inside `verify`: `unknown_kid` must not
/// block (set a flag, wake a thread), `await_kid` must not block longer
/// than its bound, and neither may call back into the verifier's
/// configuration setters.
pub trait KeyMissListener: Send + Sync {
    /// `kid` is the token's `kid` (unescaped), `None` when it has none or
    /// it is not a short string.
    fn unknown_kid(&self, kid: Option<&str>);

    /// Called before verifying when the verifier has a key-miss wait
    /// ([`crate::LiveVerifier::set_key_miss_wait`]) and the token names
    /// `kid`, which no key in force has: blocks until a fetch that may
    /// bring `kid` has completed, or `bound` has passed, whichever comes
    /// first. Returns at once when no fetch may come (a cooldown, a `kid`
    /// known to be unknown). The only listener method that may block, and
    /// never longer than `bound`. The default never waits.
    fn await_kid(&self, kid: &str, bound: Duration) {
        let _ = (kid, bound);
    }
}

/// When the keys were last confirmed current, and the maximum age.
#[derive(Debug, Default)]
pub(crate) struct KeyFreshness {
    /// Unix milliseconds of the last [`KeyFreshness::mark_synced`]; 0: never.
    synced_ms: AtomicU64,
    /// 0: no maximum.
    max_ms: AtomicU64,
}

/// A duration in milliseconds for an atomic: 0 stands for `None`, so a
/// set maximum is at least 1 ms.
pub(crate) fn max_ms(max: Option<Duration>) -> u64 {
    max.map_or(0, |d| {
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
    })
}

/// The inverse of [`max_ms`].
pub(crate) fn max_of(ms: u64) -> Option<Duration> {
    (ms != 0).then(|| Duration::from_millis(ms))
}

impl KeyFreshness {
    pub(crate) fn mark_synced(&self) {
        self.synced_ms.fetch_max(crate::unix_ms(), Relaxed);
    }

    pub(crate) fn staleness(&self) -> Option<Duration> {
        match self.synced_ms.load(Relaxed) {
            0 => None,
            at => Some(Duration::from_millis(crate::unix_ms().saturating_sub(at))),
        }
    }

    pub(crate) fn set_max(&self, max: Option<Duration>) {
        self.max_ms.store(max_ms(max), Relaxed);
    }

    pub(crate) fn max(&self) -> Option<Duration> {
        max_of(self.max_ms.load(Relaxed))
    }

    /// [`VerifyError::KeysStale`] when a maximum is set and the keys are
    /// older (never synced counts as infinitely old). `now_ms` is read only
    /// when a maximum is set.
    #[inline]
    pub(crate) fn check(&self, now_ms: impl FnOnce() -> u64) -> Result<(), VerifyError> {
        let max_ms = self.max_ms.load(Relaxed);
        if max_ms == 0 {
            return Ok(());
        }
        let age_ms = match self.synced_ms.load(Relaxed) {
            0 => u64::MAX,
            at => now_ms().saturating_sub(at),
        };
        if age_ms > max_ms {
            return Err(VerifyError::KeysStale { age_ms, max_ms });
        }
        Ok(())
    }
}

/// The longest header this decodes to find a `kid` (longer ones report
/// no `kid`): more than any header with a `kid` of [`MAX_KID_LEN`] bytes.
const MAX_HEADER_LEN: usize = 1024;

/// Calls `f` with the `kid` of `token`'s header, unescaped (`None` when
/// there is none, it is not a string, or the header does not decode).
/// Only on the miss path; no allocation.
pub(crate) fn with_token_kid(token: &[u8], f: impl FnOnce(Option<&str>)) {
    let header = token.split(|b| *b == b'.').next().unwrap_or_default();
    let mut json = [0u8; MAX_HEADER_LEN];
    let mut kid = [0u8; MAX_KID_LEN];
    let found = jwtgate::base64url_decode(header, &mut json)
        .ok()
        .and_then(|len| json.get(..len))
        .and_then(|json| Object::parse(json, &Limits::DEFAULT).ok())
        .and_then(|object| {
            let mut found: Option<JsonStr<'_>> = None;
            let _ = object.for_each_member(|name, value| {
                if let (true, Value::String(s)) = (name.eq_str("kid"), value) {
                    found = Some(s);
                }
                Ok::<(), ()>(())
            });
            found
        });
    match found {
        Some(s) => f(s.unescape_into(&mut kid).ok()),
        None => f(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kid_of(token: &str) -> Option<String> {
        let mut out = None;
        with_token_kid(token.as_bytes(), |kid| out = kid.map(str::to_owned));
        out
    }

    #[test]
    fn finds_the_kid() {
        let b64 = |s: &str| {
            let mut out = vec![0u8; jwtgate::base64url_encoded_len(s.len())];
            let n = jwtgate::base64url_encode(s.as_bytes(), &mut out).unwrap();
            String::from_utf8(out[..n].to_vec()).unwrap()
        };
        let token = |h: &str| format!("{}.e30.sig", b64(h));
        assert_eq!(
            kid_of(&token(r#"{"alg":"HS256","kid":"k-1"}"#)).as_deref(),
            Some("k-1")
        );
        assert_eq!(
            kid_of(&token(r#"{"kid":"a\u002db","alg":"HS256"}"#)).as_deref(),
            Some("a-b")
        );
        assert_eq!(kid_of(&token(r#"{"alg":"HS256"}"#)), None);
        assert_eq!(kid_of(&token(r#"{"alg":"HS256","kid":7}"#)), None);
        assert_eq!(kid_of("not base64!.x.y"), None);
        let long = "k".repeat(MAX_KID_LEN + 1);
        assert_eq!(kid_of(&token(&format!(r#"{{"kid":"{long}"}}"#))), None);
    }
}
