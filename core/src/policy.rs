//! What a verifier accepts beyond a valid signature: time, issuer,
//! audience, type and required claims.

use crate::json::JsonStr;
use crate::{Algorithm, Claim, Claims, Error, Header};

/// A set of registered claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClaimSet(u16);

impl ClaimSet {
    /// The empty set.
    pub const EMPTY: ClaimSet = ClaimSet(0);

    const fn bit(claim: Claim) -> u16 {
        match claim {
            Claim::Iss => 1 << 0,
            Claim::Sub => 1 << 1,
            Claim::Aud => 1 << 2,
            Claim::Exp => 1 << 3,
            Claim::Nbf => 1 << 4,
            Claim::Iat => 1 << 5,
            Claim::Jti => 1 << 6,
            Claim::Sid => 1 << 7,
            Claim::Ver => 1 << 8,
        }
    }

    /// The set with `claim` added.
    pub const fn with(self, claim: Claim) -> ClaimSet {
        ClaimSet(self.0 | ClaimSet::bit(claim))
    }

    /// The set without `claim`.
    pub const fn without(self, claim: Claim) -> ClaimSet {
        ClaimSet(self.0 & !ClaimSet::bit(claim))
    }

    /// Whether `claim` is in the set.
    pub const fn contains(self, claim: Claim) -> bool {
        self.0 & ClaimSet::bit(claim) != 0
    }
}

/// How many issuers or audiences a [`Policy`] can hold.
pub const MAX_POLICY_VALUES: usize = 16;
/// Total bytes of the issuers (or of the audiences) a [`Policy`] can hold.
pub const MAX_POLICY_BYTES: usize = 1024;
/// The longest `typ` a [`Policy`] can require.
pub const MAX_TYP_LEN: usize = 64;

/// A short list of strings stored inline, so a policy needs no allocation
/// and borrows nothing.
#[derive(Clone, Copy)]
struct StrList<const BYTES: usize> {
    // Invariant: `ends[..count]` is non-decreasing, each end <= BYTES, and
    // every `bytes[ends[i-1]..ends[i]]` is valid UTF-8.
    bytes: [u8; BYTES],
    ends: [usize; MAX_POLICY_VALUES],
    count: usize,
}

impl<const BYTES: usize> StrList<BYTES> {
    const EMPTY: Self = StrList {
        bytes: [0; BYTES],
        ends: [0; MAX_POLICY_VALUES],
        count: 0,
    };

    /// A list of every value of `values`, refusing an empty list or an empty value
    /// ([`Error::EmptyAllowList`]): the one rule every binding's allow-lists go through.
    fn of_all<'s>(values: impl IntoIterator<Item = &'s str>) -> Result<Self, Error> {
        let mut list = Self::EMPTY;
        for value in values {
            list.push_allowed(value)?;
        }
        if list.is_empty() {
            return Err(Error::EmptyAllowList);
        }
        Ok(list)
    }

    /// [`StrList::push`] of an allow-list value, which must not be empty.
    fn push_allowed(&mut self, value: &str) -> Result<(), Error> {
        if value.is_empty() {
            return Err(Error::EmptyAllowList);
        }
        self.push(value)
    }

    fn push(&mut self, value: &str) -> Result<(), Error> {
        let start = self.end_of_last();
        let end = start.checked_add(value.len()).ok_or(Error::FieldTooLong)?;
        let slot = self.ends.get_mut(self.count).ok_or(Error::FieldTooLong)?;
        self.bytes
            .get_mut(start..end)
            .ok_or(Error::FieldTooLong)?
            .copy_from_slice(value.as_bytes());
        *slot = end;
        self.count += 1;
        Ok(())
    }

    fn end_of_last(&self) -> usize {
        self.count
            .checked_sub(1)
            .and_then(|last| self.ends.get(last).copied())
            .unwrap_or(0)
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let ends = self.ends.get(..self.count).unwrap_or_default();
        ends.iter().scan(0usize, |start, &end| {
            let s = self.bytes.get(*start..end).unwrap_or_default();
            *start = end;
            Some(core::str::from_utf8(s).unwrap_or_default())
        })
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn contains(&self, value: JsonStr<'_>) -> bool {
        // Byte comparison: no UTF-8 check of our own strings on every verify.
        let ends = self.ends.get(..self.count).unwrap_or_default();
        let mut start = 0usize;
        ends.iter().any(|&end| {
            let s = self.bytes.get(start..end).unwrap_or_default();
            start = end;
            value.eq_bytes(s)
        })
    }
}

/// The claim checks a [`crate::Verifier`] applies after the signature.
///
/// Defaults: `exp` required, `exp`/`nbf`/`iat` checked with no leeway, any
/// issuer, no audience (a token that carries `aud` is then rejected, as
/// RFC 7519 section 4.1.3 requires of a recipient that is not named), no
/// `typ` requirement.
///
/// ```
/// use jwtgate::{Claim, Policy};
/// let mut policy = Policy::new();
/// policy.add_issuer("https://login.example.com")?;
/// policy.add_audience("orders")?;
/// policy.leeway = 30;
/// policy.required = policy.required.with(Claim::Jti);
/// # Ok::<(), jwtgate::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Policy {
    /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: u64,
    /// Claims that must be present.
    pub required: ClaimSet,
    /// Reject when `now >= exp + leeway`.
    pub check_exp: bool,
    /// Reject when `nbf > now + leeway`.
    pub check_nbf: bool,
    /// Reject when `iat > now + leeway` (issued in the future).
    pub check_iat: bool,
    /// Reject when `now > iat + max_age + leeway`; a token without `iat` is
    /// then rejected with [`Error::MissingClaim`].
    pub max_age: Option<u64>,
    /// Whether to check `aud` at all; when false any or no `aud` is accepted.
    pub check_aud: bool,
    issuers: StrList<MAX_POLICY_BYTES>,
    audiences: StrList<MAX_POLICY_BYTES>,
    typ: StrList<MAX_TYP_LEN>,
    /// Bit `i` set: `Algorithm::ALL[i]` is allowed.
    algorithms: u8,
}

/// The bit of `alg` in [`Policy`]'s algorithm set (its place in [`Algorithm::ALL`]).
#[inline]
const fn algorithm_bit(alg: Algorithm) -> u8 {
    match alg {
        Algorithm::HS256 => 1 << 0,
        Algorithm::HS384 => 1 << 1,
        Algorithm::HS512 => 1 << 2,
        Algorithm::EdDSA => 1 << 3,
        Algorithm::ES256 => 1 << 4,
        Algorithm::RS256 => 1 << 5,
        Algorithm::PS256 => 1 << 6,
    }
}

/// Every algorithm's bit.
const ALL_ALGORITHMS: u8 = u8::MAX;

impl Policy {
    /// The default policy (see the type's documentation).
    pub const fn new() -> Policy {
        Policy {
            leeway: 0,
            required: ClaimSet::EMPTY.with(Claim::Exp),
            check_exp: true,
            check_nbf: true,
            check_iat: true,
            max_age: None,
            check_aud: true,
            issuers: StrList::EMPTY,
            audiences: StrList::EMPTY,
            typ: StrList::EMPTY,
            algorithms: ALL_ALGORITHMS,
        }
    }

    /// Accepts tokens whose `iss` is `issuer` (call once per accepted issuer).
    /// Once any issuer is set, `iss` is required. An empty `issuer` is
    /// refused ([`Error::EmptyAllowList`]).
    pub fn add_issuer(&mut self, issuer: &str) -> Result<(), Error> {
        self.issuers.push_allowed(issuer)
    }

    /// Accepts tokens whose `aud` contains `audience` (call once per accepted
    /// audience). Once any audience is set, `aud` is required. An empty
    /// `audience` is refused ([`Error::EmptyAllowList`]).
    pub fn add_audience(&mut self, audience: &str) -> Result<(), Error> {
        self.audiences.push_allowed(audience)
    }

    /// Accepts exactly the issuers of `issuers` (replacing any set before).
    ///
    /// An empty collection, or an empty string in it, is refused with
    /// [`Error::EmptyAllowList`] and changes nothing: an allow-list loaded
    /// empty from a configuration is a mistake, and reading it as "any
    /// issuer" would fail open. To accept any issuer, do not set issuers.
    /// Every binding's issuer list goes through this function.
    pub fn set_issuers<'s>(
        &mut self,
        issuers: impl IntoIterator<Item = &'s str>,
    ) -> Result<(), Error> {
        self.issuers = StrList::of_all(issuers)?;
        Ok(())
    }

    /// Accepts tokens whose `aud` contains one of `audiences` (replacing any
    /// set before); refuses an empty collection or an empty string, as
    /// [`Policy::set_issuers`] does.
    pub fn set_audiences<'s>(
        &mut self,
        audiences: impl IntoIterator<Item = &'s str>,
    ) -> Result<(), Error> {
        self.audiences = StrList::of_all(audiences)?;
        Ok(())
    }

    /// Allows only the algorithms of `algorithms` (default: all): a key
    /// bound to another algorithm is unusable, and a token whose `alg` is
    /// not listed is rejected with [`Error::UnsupportedAlgorithm`] before
    /// any key is looked up. An empty collection is refused with
    /// [`Error::EmptyAllowList`] and changes nothing.
    pub fn set_algorithms(
        &mut self,
        algorithms: impl IntoIterator<Item = Algorithm>,
    ) -> Result<(), Error> {
        let set = algorithms
            .into_iter()
            .fold(0u8, |set, alg| set | algorithm_bit(alg));
        if set == 0 {
            return Err(Error::EmptyAllowList);
        }
        self.algorithms = set;
        Ok(())
    }

    /// Whether the policy allows `alg` (see [`Policy::set_algorithms`]).
    #[inline]
    pub fn allows(&self, alg: Algorithm) -> bool {
        self.algorithms & algorithm_bit(alg) != 0
    }

    /// The allowed algorithms.
    pub fn algorithms(&self) -> impl Iterator<Item = Algorithm> + '_ {
        Algorithm::ALL.into_iter().filter(|&alg| self.allows(alg))
    }

    /// Requires the header `typ` to be `typ`, compared ASCII
    /// case-insensitively with an optional `application/` prefix
    /// (RFC 7515 section 4.1.9), for example `at+jwt` (RFC 9068).
    pub fn require_typ(&mut self, typ: &str) -> Result<(), Error> {
        let mut list = StrList::EMPTY;
        list.push(typ)?;
        self.typ = list;
        Ok(())
    }

    /// The accepted issuers.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.issuers.iter()
    }

    /// The accepted audiences.
    pub fn audiences(&self) -> impl Iterator<Item = &str> {
        self.audiences.iter()
    }

    /// Applies every check to a token whose signature is valid.
    pub(crate) fn check(
        &self,
        header: &Header<'_>,
        claims: &Claims<'_>,
        now: u64,
    ) -> Result<(), Error> {
        // Bits follow `Claim::ALL`, so the lowest missing bit is the first missing claim.
        let missing = self.required.0 & !present(claims).0;
        if missing != 0 {
            let first = Claim::ALL
                .into_iter()
                .find(|&c| missing & ClaimSet::bit(c) != 0);
            if let Some(claim) = first {
                return Err(Error::MissingClaim(claim));
            }
        }
        crate::time::check(self, claims, now)?;
        if !self.issuers.is_empty() {
            let iss = claims.iss.ok_or(Error::MissingClaim(Claim::Iss))?;
            if !self.issuers.contains(iss) {
                return Err(Error::InvalidIssuer);
            }
        }
        if self.check_aud {
            self.check_audience(claims)?;
        }
        if let Some(expected) = self.typ.iter().next() {
            let typ = header.typ().ok_or(Error::InvalidType)?;
            if !typ_matches(typ, expected) {
                return Err(Error::InvalidType);
            }
        }
        Ok(())
    }

    fn check_audience(&self, claims: &Claims<'_>) -> Result<(), Error> {
        match (claims.aud, self.audiences.is_empty()) {
            (None, true) => Ok(()),
            (None, false) => Err(Error::MissingClaim(Claim::Aud)),
            (Some(_), true) => Err(Error::InvalidAudience),
            (Some(aud), false) => {
                if aud.any(|value| self.audiences.contains(value)) {
                    Ok(())
                } else {
                    Err(Error::InvalidAudience)
                }
            }
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::new()
    }
}

impl core::fmt::Debug for Policy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Policy")
            .field("leeway", &self.leeway)
            .field("required", &self.required)
            .field("issuers", &DebugList(&self.issuers))
            .field("audiences", &DebugList(&self.audiences))
            .field("typ", &self.typ.iter().next())
            .field("algorithms", &DebugAlgorithms(self))
            .finish_non_exhaustive()
    }
}

struct DebugAlgorithms<'a>(&'a Policy);

impl core::fmt::Debug for DebugAlgorithms<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.0.algorithms()).finish()
    }
}

struct DebugList<'a, const N: usize>(&'a StrList<N>);

impl<const N: usize> core::fmt::Debug for DebugList<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// The registered claims present in `claims`, as a set.
fn present(claims: &Claims<'_>) -> ClaimSet {
    let mut set = ClaimSet::EMPTY;
    let mut add = |claim: Claim, there: bool| {
        if there {
            set = set.with(claim);
        }
    };
    add(Claim::Iss, claims.iss.is_some());
    add(Claim::Sub, claims.sub.is_some());
    add(Claim::Aud, claims.aud.is_some());
    add(Claim::Exp, claims.exp.is_some());
    add(Claim::Nbf, claims.nbf.is_some());
    add(Claim::Iat, claims.iat.is_some());
    add(Claim::Jti, claims.jti.is_some());
    add(Claim::Sid, claims.sid.is_some());
    add(Claim::Ver, claims.ver.is_some());
    set
}

fn typ_matches(typ: JsonStr<'_>, expected: &str) -> bool {
    let mut buf = [0u8; MAX_TYP_LEN + 12];
    let Ok(typ) = typ.unescape_into(&mut buf) else {
        return false;
    };
    let strip = |s: &str| -> usize {
        let prefix = "application/";
        match s.get(..prefix.len()) {
            Some(p) if p.eq_ignore_ascii_case(prefix) => prefix.len(),
            _ => 0,
        }
    };
    let typ = typ.get(strip(typ)..).unwrap_or_default();
    let expected = expected.get(strip(expected)..).unwrap_or_default();
    typ.eq_ignore_ascii_case(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bitmask agrees with `Claims::has` for every claim.
    #[test]
    fn present_agrees_with_has() {
        let doc = br#"{"iss":"a","aud":"b","nbf":1,"jti":"c","ver":2}"#;
        let claims = Claims::parse(doc, &crate::Limits::DEFAULT).unwrap();
        let set = present(&claims);
        for claim in Claim::ALL {
            assert_eq!(set.contains(claim), claims.has(claim), "{claim:?}");
        }
    }

    #[test]
    fn claim_set_operations() {
        let set = ClaimSet::EMPTY.with(Claim::Jti).with(Claim::Ver);
        assert!(set.contains(Claim::Jti) && set.contains(Claim::Ver));
        assert!(!set.contains(Claim::Exp));
        assert!(!set.without(Claim::Jti).contains(Claim::Jti));
    }

    /// Issue 20 item 2: an empty issuer or audience collection, or an empty
    /// value, is refused and leaves the policy as it was (it used to accept any
    /// issuer, and no `aud` at all).
    #[test]
    fn empty_allow_lists_are_refused() {
        let mut p = Policy::new();
        p.add_issuer("https://a").unwrap();
        assert_eq!(p.set_issuers([]), Err(Error::EmptyAllowList));
        assert_eq!(p.set_issuers([""]), Err(Error::EmptyAllowList));
        assert_eq!(p.set_issuers(["https://b", ""]), Err(Error::EmptyAllowList));
        assert_eq!(p.issuers().collect::<std::vec::Vec<_>>(), ["https://a"]);
        assert_eq!(p.set_audiences([]), Err(Error::EmptyAllowList));
        assert_eq!(p.set_audiences([""]), Err(Error::EmptyAllowList));
        assert_eq!(p.add_audience(""), Err(Error::EmptyAllowList));
        assert_eq!(p.add_issuer(""), Err(Error::EmptyAllowList));
        assert_eq!(p.audiences().count(), 0);
        p.set_issuers(["x", "y"]).unwrap();
        p.set_audiences(["z"]).unwrap();
        assert_eq!(p.issuers().collect::<std::vec::Vec<_>>(), ["x", "y"]);
        assert_eq!(p.audiences().collect::<std::vec::Vec<_>>(), ["z"]);
    }

    /// Issue 12: the algorithm allow-list; empty is refused.
    #[test]
    fn algorithm_allow_list() {
        let mut p = Policy::new();
        assert!(Algorithm::ALL.iter().all(|&a| p.allows(a)));
        assert_eq!(p.set_algorithms([]), Err(Error::EmptyAllowList));
        assert!(Algorithm::ALL.iter().all(|&a| p.allows(a)));
        p.set_algorithms([Algorithm::HS384, Algorithm::PS256])
            .unwrap();
        let allowed: std::vec::Vec<Algorithm> = p.algorithms().collect();
        assert_eq!(allowed, [Algorithm::HS384, Algorithm::PS256]);
        for (i, a) in Algorithm::ALL.into_iter().enumerate() {
            assert_eq!(algorithm_bit(a), 1 << i);
        }
    }

    #[test]
    fn string_lists_are_bounded_and_ordered() {
        let mut p = Policy::new();
        for i in 0..MAX_POLICY_VALUES {
            p.add_issuer(&std::format!("iss-{i}")).unwrap();
        }
        assert_eq!(p.add_issuer("one too many"), Err(Error::FieldTooLong));
        let all: std::vec::Vec<&str> = p.issuers().collect();
        assert_eq!(all.len(), MAX_POLICY_VALUES);
        assert_eq!(all[3], "iss-3");
        let mut p = Policy::new();
        assert_eq!(
            p.add_audience(&"x".repeat(MAX_POLICY_BYTES + 1)),
            Err(Error::FieldTooLong)
        );
        assert_eq!(
            p.require_typ(&"t".repeat(MAX_TYP_LEN + 1)),
            Err(Error::FieldTooLong)
        );
    }
}
