//! The JOSE header: only what selects and constrains the key.

use crate::json::{self, JsonStr, NameKey, Shape, Value};
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
        let mut fields = Fields::default();
        json::scan_members(
            json,
            limits.max_json_depth,
            limits.max_members,
            Error::HeaderJson,
            &mut fields,
        )?;
        Ok(Header {
            alg: fields.alg.ok_or(Error::MissingAlgorithm)?,
            kid: fields.kid,
            typ: fields.typ,
            cty: fields.cty,
        })
    }
}

/// The header parameters seen so far, filled from the scanner, inside its loop.
#[derive(Default)]
struct Fields<'a> {
    alg: Option<Algorithm>,
    kid: Option<JsonStr<'a>>,
    typ: Option<JsonStr<'a>>,
    cty: Option<JsonStr<'a>>,
}

impl<'a> json::Members<'a> for &mut Fields<'a> {
    #[inline(always)]
    fn member(
        &mut self,
        _: JsonStr<'a>,
        key: NameKey,
        value: Value<'a>,
        _: Shape,
    ) -> Result<(), Error> {
        const ALG: NameKey = NameKey::of(b"alg");
        const KID: NameKey = NameKey::of(b"kid");
        const TYP: NameKey = NameKey::of(b"typ");
        const CTY: NameKey = NameKey::of(b"cty");
        const B64: NameKey = NameKey::of(b"b64");
        const CRIT: NameKey = NameKey::of(b"crit");
        // Names compared by key, so after unescaping.
        match key {
            ALG => {
                let Value::String(s) = value else {
                    return Err(Error::HeaderJson);
                };
                self.alg = Some(algorithm(s).ok_or(Error::UnsupportedAlgorithm)?);
            }
            KID => self.kid = Some(string(value)?),
            TYP => self.typ = Some(string(value)?),
            CTY => self.cty = Some(string(value)?),
            B64 if !matches!(value, Value::Bool(true)) => {
                return Err(Error::UnsupportedCritical);
            }
            CRIT => return Err(Error::UnsupportedCritical),
            _ => {}
        }
        Ok(())
    }
}

/// Every algorithm with the [`NameKey`] of its `alg` name, derived from [`Algorithm::ALL`]:
/// a name is recognised by one word comparison per algorithm, after unescaping, whatever its
/// length. Nothing here is written per algorithm, so a new one (`ES256K`, six bytes) is matched
/// as soon as it is in the list; a name longer than seven bytes, which a key does not hold
/// exactly, stops the build (the assertion in [`NameKey::of`], evaluated for this constant).
const ALGORITHMS: [(NameKey, Algorithm); Algorithm::ALL.len()] = {
    let mut table = [(NameKey::of(b""), Algorithm::HS256); Algorithm::ALL.len()];
    let mut i = 0;
    while i < table.len() {
        // Constant evaluation: an index out of range would stop the build, not panic at run
        // time, and `i` is below the length of both arrays.
        #[allow(clippy::indexing_slicing)]
        {
            let alg = Algorithm::ALL[i];
            table[i] = (NameKey::of(alg.name().as_bytes()), alg);
        }
        i += 1;
    }
    table
};

/// The algorithm `alg` names (compared after unescaping), from [`ALGORITHMS`].
#[inline]
fn algorithm(alg: JsonStr<'_>) -> Option<Algorithm> {
    let key = NameKey::of_str(&alg);
    ALGORITHMS
        .iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, alg)| alg)
}

fn string(value: Value<'_>) -> Result<JsonStr<'_>, Error> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(Error::HeaderJson),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table knows every algorithm by its name, and nothing else.
    #[test]
    fn algorithm_match_agrees_with_the_names() {
        for alg in Algorithm::ALL {
            let doc = std::format!(r#"{{"alg":"{}"}}"#, alg.name());
            let header = Header::parse(doc.as_bytes(), &Limits::DEFAULT).unwrap();
            assert_eq!(header.alg(), alg);
        }
        for name in [
            "",
            "HS25",
            "HS2566",
            "hs256",
            "none",
            "ES384",
            "EDDSA",
            "ES256K",
            "HS256\\u0000",
        ] {
            let doc = std::format!(r#"{{"alg":"{name}"}}"#);
            assert_eq!(
                Header::parse(doc.as_bytes(), &Limits::DEFAULT).map(|h| h.alg()),
                Err(Error::UnsupportedAlgorithm),
                "{name}"
            );
        }
        let escaped = br#"{"alg":"\u0045dDSA"}"#;
        let header = Header::parse(escaped, &Limits::DEFAULT).unwrap();
        assert_eq!(header.alg(), Algorithm::EdDSA);
    }

    /// Names of any length up to seven bytes are told apart: a six-byte name (ES256K, should
    /// it be added) cannot be half-matched by its five-byte prefix, nor the reverse.
    #[test]
    fn keys_tell_lengths_apart() {
        for (name, _) in ALGORITHMS {
            assert_ne!(name, NameKey::of(b"ES256K"));
            assert_ne!(name, NameKey::of(b"ES25"));
        }
        let longest = Algorithm::ALL.iter().map(|a| a.name().len()).max();
        assert!(longest.is_some_and(|n| n <= 7), "{longest:?}");
    }
}
