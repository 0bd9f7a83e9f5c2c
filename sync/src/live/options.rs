//! [`PolicyOptions`]: a policy described by names and values, as the
//! bindings receive it (Python keyword arguments, CLI flags, a rule table),
//! turned into a core [`Policy`] by one set of rules.

use jwtgate::{Algorithm, Claim, ClaimSet, Policy};

use crate::SyncError;

/// A verifier's policy as names and plain values. Every field left `None`
/// keeps [`Policy::new`]'s default. [`PolicyOptions::policy`] applies the
/// core's rules (an empty allow-list or an empty value is refused, 309; a
/// `typ` over [`jwtgate::MAX_TYP_LEN`] bytes, 704) and this crate's name
/// rules (an unknown algorithm or claim name, 909).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// The accepted algorithms, by JOSE name (`HS256`, `EdDSA`, ...).
    pub algorithms: Option<Vec<String>>,
    /// The accepted issuers (then `iss` is required).
    pub issuers: Option<Vec<String>>,
    /// The accepted audiences (then `aud` is required).
    pub audiences: Option<Vec<String>>,
    /// Clock leeway in seconds.
    pub leeway: Option<u64>,
    /// The required claims, by name (`iss`, `sub`, `aud`, `exp`, `nbf`,
    /// `iat`, `jti`, `sid`, `ver`), replacing the default (`exp`).
    pub required: Option<Vec<String>>,
    /// The required header `typ`.
    pub typ: Option<String>,
    /// The maximum age (`iat + max_age`), in seconds.
    pub max_age: Option<u64>,
    /// Whether `exp` is checked.
    pub verify_exp: Option<bool>,
    /// Whether `nbf` is checked.
    pub verify_nbf: Option<bool>,
    /// Whether `iat` is checked.
    pub verify_iat: Option<bool>,
    /// Whether `aud` is checked.
    pub verify_aud: Option<bool>,
}

/// The algorithm named `name` (case-sensitive JOSE name), or
/// [`SyncError::InvalidArgument`] (909).
pub fn algorithm_named(name: &str) -> Result<Algorithm, SyncError> {
    Algorithm::from_name(name).ok_or(SyncError::InvalidArgument(
        "unknown algorithm name (HS256, HS384, HS512, EdDSA, ES256, RS256, PS256)",
    ))
}

/// The registered claim named `name`, or [`SyncError::InvalidArgument`] (909).
pub fn claim_named(name: &str) -> Result<Claim, SyncError> {
    Claim::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or(SyncError::InvalidArgument(
            "not a registered claim (iss, sub, aud, exp, nbf, iat, jti, sid, ver)",
        ))
}

impl PolicyOptions {
    /// The policy these options describe; the first refused option's error.
    pub fn policy(&self) -> Result<Policy, SyncError> {
        let mut policy = Policy::new();
        self.apply(&mut policy)?;
        Ok(policy)
    }

    /// Applies the options that are set to `policy` (on error, `policy` may
    /// be partly changed: apply to a copy).
    pub fn apply(&self, policy: &mut Policy) -> Result<(), SyncError> {
        if let Some(names) = &self.algorithms {
            let algorithms = names
                .iter()
                .map(|n| algorithm_named(n))
                .collect::<Result<Vec<_>, _>>()?;
            policy
                .set_algorithms(algorithms)
                .map_err(SyncError::Config)?;
        }
        if let Some(issuers) = &self.issuers {
            policy
                .set_issuers(issuers.iter().map(String::as_str))
                .map_err(SyncError::Config)?;
        }
        if let Some(audiences) = &self.audiences {
            policy
                .set_audiences(audiences.iter().map(String::as_str))
                .map_err(SyncError::Config)?;
        }
        if let Some(required) = &self.required {
            let mut set = ClaimSet::EMPTY;
            for name in required {
                set = set.with(claim_named(name)?);
            }
            policy.required = set;
        }
        if let Some(typ) = &self.typ {
            policy.require_typ(typ).map_err(SyncError::Config)?;
        }
        if let Some(leeway) = self.leeway {
            policy.leeway = leeway;
        }
        if self.max_age.is_some() {
            policy.max_age = self.max_age;
        }
        let flags = [
            (self.verify_exp, &mut policy.check_exp),
            (self.verify_nbf, &mut policy.check_nbf),
            (self.verify_iat, &mut policy.check_iat),
            (self.verify_aud, &mut policy.check_aud),
        ];
        for (option, flag) in flags {
            if let Some(value) = option {
                *flag = value;
            }
        }
        Ok(())
    }
}
