//! NumericDate values and the time checks (RFC 7519 sections 2, 4.1.4-4.1.6).
//!
//! There is no clock in the core: the caller passes `now` in whole seconds
//! since the Unix epoch. `numeric_date` holds the NumericDate rule (which
//! numbers are dates, and how they round); this file the checks against `now`.

mod numeric_date;

pub(crate) use numeric_date::NumericDate;

use crate::{Claim, Claims, Error, Policy};

/// The time step of a verification: `exp`, `nbf`, `iat` and the maximum age
/// against `now`, under `policy`'s switches and leeway (RFC 7519 sections
/// 4.1.4-4.1.6), each NumericDate rounded in the direction that rejects.
#[inline]
pub(crate) fn check(policy: &Policy, claims: &Claims<'_>, now: u64) -> Result<(), Error> {
    let leeway = policy.leeway;
    if let (true, Some(exp)) = (policy.check_exp, claims.exp) {
        let exp = exp.floor();
        if now >= exp.saturating_add(leeway) {
            return Err(Error::Expired { exp, now });
        }
    }
    if let (true, Some(nbf)) = (policy.check_nbf, claims.nbf) {
        let nbf = nbf.ceil();
        if nbf > now.saturating_add(leeway) {
            return Err(Error::NotYetValid { nbf, now });
        }
    }
    if let (true, Some(iat)) = (policy.check_iat, claims.iat) {
        let iat = iat.ceil();
        if iat > now.saturating_add(leeway) {
            return Err(Error::IssuedInFuture { iat, now });
        }
    }
    if let Some(max_age) = policy.max_age {
        let iat = claims.iat.ok_or(Error::MissingClaim(Claim::Iat))?.floor();
        if now > iat.saturating_add(max_age).saturating_add(leeway) {
            return Err(Error::TooOld);
        }
    }
    Ok(())
}
