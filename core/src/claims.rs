//! The registered claims, borrowed from the decoded payload.

use crate::json::{self, Array, JsonStr, NameKey, Shape, Value};
use crate::time::NumericDate;
use crate::{Claim, Error, Limits};

/// The `aud` claim: one string or an array of strings (RFC 7519 section 4.1.3).
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// `"aud": "x"`.
    One(JsonStr<'a>),
    /// `"aud": ["x", "y"]`; every element is a string (checked while parsing).
    Many(Array<'a>),
}

impl<'a> Audience<'a> {
    /// Calls `f` for every audience value, stopping early when it returns `true`;
    /// returns whether any call did.
    pub fn any(&self, mut f: impl FnMut(JsonStr<'a>) -> bool) -> bool {
        match self {
            Audience::One(s) => f(*s),
            Audience::Many(array) => {
                let found = array.for_each_element(|value| match value {
                    Value::String(s) if f(s) => Err(()),
                    _ => Ok(()),
                });
                found.is_err()
            }
        }
    }

    /// Whether `aud` contains `value` (compared after unescaping).
    pub fn contains(&self, value: &str) -> bool {
        self.any(|s| s.eq_str(value))
    }

    /// Parses `json`, one JSON value, as an `aud` claim under the rules a token's `aud` is
    /// parsed by: a string, or an array of at most `limits.max_audiences` strings. For a
    /// reader that kept the claim's text and reads the values later (the C ABI's deferred
    /// `aud`): the text is validated again, as any input is.
    ///
    /// Errors: [`Error::ClaimsJson`] for text that is not one JSON value,
    /// [`Error::JsonTooDeep`], [`Error::InvalidClaimType`] for a value of another type, and
    /// [`Error::TooManyMembers`].
    pub fn parse(json: &'a [u8], limits: &Limits) -> Result<Audience<'a>, Error> {
        let (value, shape) = json::value_document(json, limits, Error::ClaimsJson)?;
        audience(value, shape, limits)
    }
}

/// The claims of a verified token, borrowed zero-copy from the caller's buffer.
///
/// Registered claims are type-checked while parsing (`exp` must be a
/// NumericDate, `iss` a string, ...). Custom claims are read from
/// [`Claims::raw_json`], with [`crate::Object::parse`] (no allocation) or
/// into your own types with `serde-json-core`.
#[derive(Debug, Clone, Copy)]
pub struct Claims<'a> {
    raw: &'a [u8],
    pub(crate) iss: Option<JsonStr<'a>>,
    pub(crate) sub: Option<JsonStr<'a>>,
    pub(crate) jti: Option<JsonStr<'a>>,
    pub(crate) sid: Option<JsonStr<'a>>,
    pub(crate) aud: Option<Audience<'a>>,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) ver: Option<u64>,
}

impl<'a> Claims<'a> {
    /// The decoded claims JSON object exactly as signed.
    pub fn raw_json(&self) -> &'a [u8] {
        self.raw
    }

    /// `iss`.
    pub fn iss(&self) -> Option<JsonStr<'a>> {
        self.iss
    }

    /// `sub`.
    pub fn sub(&self) -> Option<JsonStr<'a>> {
        self.sub
    }

    /// `jti`.
    pub fn jti(&self) -> Option<JsonStr<'a>> {
        self.jti
    }

    /// `sid`.
    pub fn sid(&self) -> Option<JsonStr<'a>> {
        self.sid
    }

    /// `aud`.
    pub fn aud(&self) -> Option<Audience<'a>> {
        self.aud
    }

    /// `exp` in whole seconds (a fractional value rounded down).
    pub fn exp(&self) -> Option<u64> {
        self.exp.map(NumericDate::floor)
    }

    /// `nbf` in whole seconds (a fractional value rounded up).
    pub fn nbf(&self) -> Option<u64> {
        self.nbf.map(NumericDate::ceil)
    }

    /// `iat` in whole seconds (a fractional value rounded down).
    pub fn iat(&self) -> Option<u64> {
        self.iat.map(NumericDate::floor)
    }

    /// `ver`, the subject's token version (a non-negative integer).
    pub fn ver(&self) -> Option<u64> {
        self.ver
    }

    /// Whether a registered claim is present.
    pub fn has(&self, claim: Claim) -> bool {
        match claim {
            Claim::Iss => self.iss.is_some(),
            Claim::Sub => self.sub.is_some(),
            Claim::Aud => self.aud.is_some(),
            Claim::Exp => self.exp.is_some(),
            Claim::Nbf => self.nbf.is_some(),
            Claim::Iat => self.iat.is_some(),
            Claim::Jti => self.jti.is_some(),
            Claim::Sid => self.sid.is_some(),
            Claim::Ver => self.ver.is_some(),
        }
    }

    /// Parses and type-checks the decoded claims JSON.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn parse(raw: &'a [u8], limits: &Limits) -> Result<Claims<'a>, Error> {
        let mut claims = Claims::unparsed(raw);
        claims.parse_in_place(limits)?;
        Ok(claims)
    }

    /// Claims with only the raw JSON set, for [`Claims::parse_in_place`].
    pub(crate) fn unparsed(raw: &'a [u8]) -> Claims<'a> {
        Claims {
            raw,
            iss: None,
            sub: None,
            jti: None,
            sid: None,
            aud: None,
            exp: None,
            nbf: None,
            iat: None,
            ver: None,
        }
    }

    /// Parses and type-checks the raw claims JSON into `self`, which is
    /// [`Claims::unparsed`]: filled where it lies, because the 200-byte
    /// `Claims` cost two `memcpy` calls per verification when returned.
    // Out of line: one call per token, and profiles then show the parsing on its own.
    #[inline(never)]
    pub(crate) fn parse_in_place(&mut self, limits: &Limits) -> Result<(), Error> {
        let raw = self.raw;
        let mut parser = Parser {
            claims: self,
            limits,
        };
        json::scan_members(
            raw,
            limits.max_json_depth,
            limits.max_members,
            Error::ClaimsJson,
            &mut parser,
        )
    }

    #[inline(always)]
    fn set(
        &mut self,
        key: NameKey,
        value: Value<'a>,
        shape: Shape,
        limits: &Limits,
    ) -> Result<(), Error> {
        let Some(claim) = registered(key) else {
            return Ok(());
        };
        let wrong = Error::InvalidClaimType(claim);
        match claim {
            Claim::Iss => self.iss = Some(string(value).ok_or(wrong)?),
            Claim::Sub => self.sub = Some(string(value).ok_or(wrong)?),
            Claim::Jti => self.jti = Some(string(value).ok_or(wrong)?),
            Claim::Sid => self.sid = Some(string(value).ok_or(wrong)?),
            Claim::Exp => self.exp = Some(numeric_date(value).ok_or(wrong)?),
            Claim::Nbf => self.nbf = Some(numeric_date(value).ok_or(wrong)?),
            Claim::Iat => self.iat = Some(numeric_date(value).ok_or(wrong)?),
            Claim::Ver => match value {
                Value::Number(n) => self.ver = Some(n.as_u64().ok_or(wrong)?),
                _ => return Err(wrong),
            },
            // `"aud": null` counts as absent, as in PyJWT (docs/decisions.md):
            // required where an audience is configured, accepted where not.
            Claim::Aud if matches!(value, Value::Null) => {}
            Claim::Aud => self.aud = Some(audience(value, shape, limits)?),
        }
        Ok(())
    }
}

/// Fills [`Claims`] from the scanner, inside its loop.
struct Parser<'c, 'a, 'l> {
    claims: &'c mut Claims<'a>,
    limits: &'l Limits,
}

impl<'a> json::Members<'a> for &mut Parser<'_, 'a, '_> {
    #[inline(always)]
    fn member(
        &mut self,
        name: JsonStr<'a>,
        key: NameKey,
        value: Value<'a>,
        shape: Shape,
    ) -> Result<(), Error> {
        let _ = name;
        self.claims.set(key, value, shape, self.limits)
    }
}

/// The registered claim a member name denotes, compared after unescaping (so `"\u0065xp"`
/// is `exp`), by its [`NameKey`]: one word compare per candidate.
#[inline]
fn registered(key: NameKey) -> Option<Claim> {
    const ISS: NameKey = NameKey::of(b"iss");
    const SUB: NameKey = NameKey::of(b"sub");
    const AUD: NameKey = NameKey::of(b"aud");
    const EXP: NameKey = NameKey::of(b"exp");
    const NBF: NameKey = NameKey::of(b"nbf");
    const IAT: NameKey = NameKey::of(b"iat");
    const JTI: NameKey = NameKey::of(b"jti");
    const SID: NameKey = NameKey::of(b"sid");
    const VER: NameKey = NameKey::of(b"ver");
    let claim = match key {
        ISS => Claim::Iss,
        SUB => Claim::Sub,
        AUD => Claim::Aud,
        EXP => Claim::Exp,
        NBF => Claim::Nbf,
        IAT => Claim::Iat,
        JTI => Claim::Jti,
        SID => Claim::Sid,
        VER => Claim::Ver,
        _ => return None,
    };
    Some(claim)
}

fn string(value: Value<'_>) -> Option<JsonStr<'_>> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

// Out of line, like `audience`, so that `set` stays small enough to be inlined into the
// scanner's loop: most members are strings or not registered claims at all.
#[inline(never)]
fn numeric_date(value: Value<'_>) -> Option<NumericDate> {
    match value {
        Value::Number(n) => NumericDate::parse(&n),
        _ => None,
    }
}

#[inline(never)]
fn audience<'a>(value: Value<'a>, shape: Shape, limits: &Limits) -> Result<Audience<'a>, Error> {
    match value {
        Value::String(s) => Ok(Audience::One(s)),
        Value::Array(array) => {
            // The scanner counted the elements when all are strings (the usual `aud`): no
            // walk. The walk below gives the same errors, in the same order, otherwise.
            if let Some(count) = shape.string_count() {
                if count > limits.max_audiences {
                    return Err(Error::TooManyMembers);
                }
                return Ok(Audience::Many(array));
            }
            let mut count = 0usize;
            array.for_each_element(|element| {
                count += 1;
                if count > limits.max_audiences {
                    return Err(Error::TooManyMembers);
                }
                match element {
                    Value::String(_) => Ok(()),
                    _ => Err(Error::InvalidClaimType(Claim::Aud)),
                }
            })?;
            Ok(Audience::Many(array))
        }
        _ => Err(Error::InvalidClaimType(Claim::Aud)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Audience::parse` accepts exactly what a token's `aud` may be, with the errors the
    /// claims parser gives, and rejects anything that is not one JSON value.
    #[test]
    fn audience_parse_follows_the_token_rule() {
        let values = |json: &str| -> Result<([u8; 64], usize), Error> {
            let aud = Audience::parse(json.as_bytes(), &Limits::DEFAULT)?;
            let (mut out, mut n) = ([0u8; 64], 0);
            aud.any(|s| {
                let mut buf = [0u8; 16];
                let v = s.unescape_into(&mut buf).unwrap_or("?");
                for b in v.bytes().chain([b',']) {
                    out[n] = b;
                    n += 1;
                }
                false
            });
            Ok((out, n))
        };
        let ok = |json: &str, want: &str| {
            let (out, n) = values(json).unwrap_or_else(|e| panic!("{json}: {e:?}"));
            assert_eq!(&out[..n], want.as_bytes(), "{json}");
        };
        ok(r#""api""#, "api,");
        ok(r#" ["a", "b\/c"] "#, "a,b/c,");
        ok("[]", "");
        let err = |json: &str, want: Error| {
            assert_eq!(values(json).map(|_| ()), Err(want), "{json}");
        };
        err(r#"["a",1]"#, Error::InvalidClaimType(Claim::Aud));
        err(r#"["a",["b"]]"#, Error::InvalidClaimType(Claim::Aud));
        err("7", Error::InvalidClaimType(Claim::Aud));
        err("{}", Error::InvalidClaimType(Claim::Aud));
        err(r#"["a""#, Error::ClaimsJson);
        err(r#"["a"] x"#, Error::ClaimsJson);
        err(r#""a" "b""#, Error::ClaimsJson);
        err("", Error::ClaimsJson);
        err(r#"["\x"]"#, Error::ClaimsJson);
        let many = [r#""v""#; 33].join(",");
        err(&std::format!("[{many}]"), Error::TooManyMembers);
        let deep = std::format!("{}{}", "[".repeat(40), "]".repeat(40));
        err(&deep, Error::JsonTooDeep);
    }

    /// The three-byte dispatch agrees with comparing against every registered name, for the
    /// names themselves, escaped spellings, near misses and custom claims.
    #[test]
    fn registered_names_match_like_eq_str() {
        let docs = [
            r#"{"iss":0}"#,
            r#"{"sub":0}"#,
            r#"{"aud":0}"#,
            r#"{"exp":0}"#,
            r#"{"nbf":0}"#,
            r#"{"iat":0}"#,
            r#"{"jti":0}"#,
            r#"{"sid":0}"#,
            r#"{"ver":0}"#,
            r#"{"\u0065xp":0}"#,
            r#"{"ex\u0070":0}"#,
            r#"{"\u0069\u0073\u0073":0}"#,
            r#"{"exp\u0000":0}"#,
            r#"{"\u0000exp":0}"#,
            r#"{"ex":0}"#,
            r#"{"expp":0}"#,
            r#"{"EXP":0}"#,
            r#"{"":0}"#,
            r#"{"scope":0}"#,
            r#"{"\u00e9xp":0}"#,
            r#"{"\n":0}"#,
            r#"{"issuer":0}"#,
            r#"{"iss\u0000":0}"#,
            r#"{"expires":0}"#,
            r#"{"subject_":0}"#,
        ];
        /// Checks the key the scanner hands over, not one recomputed from the name.
        struct Check<'d>(&'d str);
        impl<'a> json::Members<'a> for Check<'_> {
            fn member(
                &mut self,
                name: JsonStr<'a>,
                key: NameKey,
                _: Value<'a>,
                _: Shape,
            ) -> Result<(), Error> {
                let slow = Claim::ALL.into_iter().find(|c| name.eq_str(c.name()));
                assert_eq!(registered(key), slow, "{}", self.0);
                Ok(())
            }
        }
        for doc in docs {
            // Names near the end of the document take the scanner's general path; padded,
            // its one-word path for short names.
            let padded = std::format!("{}        }}", doc.strip_suffix('}').unwrap());
            for doc in [doc, padded.as_str()] {
                json::scan_members(doc.as_bytes(), 8, 8, Error::ClaimsJson, Check(doc)).unwrap();
            }
        }
    }
}
