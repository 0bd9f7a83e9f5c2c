//! The JOSE header: only what selects and constrains the key.

use crate::json::{self, JsonStr, Value};
use crate::{Algorithm, Error, Limits};

/// The parts of a verified token's protected header that jwtgate reads.
///
/// Embedded keys (`jwk`, `jku`, `x5u`, `x5c`) are never used to find a key
/// and are ignored; `crit` is rejected because jwtgate implements no
/// extension (RFC 7515 section 4.1.11); `b64` other than `true` is rejected
/// (RFC 7797 payloads are not JWTs).
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    alg: Algorithm,
    kid: Option<JsonStr<'a>>,
    typ: Option<JsonStr<'a>>,
    cty: Option<JsonStr<'a>>,
}

impl<'a> Header<'a> {
    /// The token's `alg`, which equals the verifying key's algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The `kid` header parameter.
    pub fn kid(&self) -> Option<JsonStr<'a>> {
        self.kid
    }

    /// The `typ` header parameter.
    pub fn typ(&self) -> Option<JsonStr<'a>> {
        self.typ
    }

    /// The `cty` header parameter.
    pub fn cty(&self) -> Option<JsonStr<'a>> {
        self.cty
    }

    /// Parses the decoded header JSON.
    // Out of line: one call per token, and profiles then show the parsing on its own.
    #[inline(never)]
    pub(crate) fn parse(json: &'a [u8], limits: &Limits) -> Result<Header<'a>, Error> {
        let mut alg = None;
        let mut kid = None;
        let mut typ = None;
        let mut cty = None;
        json::for_each_member(
            json,
            limits.max_json_depth,
            limits.max_members,
            Error::HeaderJson,
            |name, value| {
                // Every name we read has three bytes but `crit`; compared after unescaping.
                match name.as_short::<3>() {
                    Some(n) if &n == b"alg" => {
                        let Value::String(s) = value else {
                            return Err(Error::HeaderJson);
                        };
                        alg = Some(
                            Algorithm::ALL
                                .into_iter()
                                .find(|a| s.eq_str(a.name()))
                                .ok_or(Error::UnsupportedAlgorithm)?,
                        );
                    }
                    Some(n) if &n == b"kid" => kid = Some(string(value)?),
                    Some(n) if &n == b"typ" => typ = Some(string(value)?),
                    Some(n) if &n == b"cty" => cty = Some(string(value)?),
                    Some(n) if &n == b"b64" && !matches!(value, Value::Bool(true)) => {
                        return Err(Error::UnsupportedCritical);
                    }
                    Some(_) => {}
                    None if name.as_short::<4>() == Some(*b"crit") => {
                        return Err(Error::UnsupportedCritical);
                    }
                    None => {}
                }
                Ok(())
            },
        )?;
        Ok(Header {
            alg: alg.ok_or(Error::MissingAlgorithm)?,
            kid,
            typ,
            cty,
        })
    }
}

fn string(value: Value<'_>) -> Result<JsonStr<'_>, Error> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(Error::HeaderJson),
    }
}
