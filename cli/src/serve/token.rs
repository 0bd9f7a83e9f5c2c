//! Reading the token from a request: `Authorization: Bearer`, a configured
//! header, or a configured cookie, in that order.

use hyper::header::{HeaderMap, AUTHORIZATION, COOKIE};

use super::config::TokenConfig;

/// Why no token could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No credentials at all (RFC 6750 3.1: answer without an error code).
    Absent,
    /// Credentials present but malformed (`invalid_request`).
    Malformed(&'static str),
}

/// Where tokens are read from.
#[derive(Debug, Clone)]
pub struct TokenSources {
    bearer: bool,
    header: Option<hyper::header::HeaderName>,
    cookie: Option<String>,
}

impl TokenSources {
    /// From `[token]`.
    pub fn new(c: &TokenConfig) -> Result<Self, crate::util::BoxError> {
        let header = match &c.header {
            Some(h) => Some(
                hyper::header::HeaderName::from_bytes(h.as_bytes())
                    .map_err(|_| format!("token.header: not a header name: {h:?}"))?,
            ),
            None => None,
        };
        if let Some(name) = &c.cookie {
            if name.is_empty() || name.bytes().any(|b| b <= b' ' || b"=;,\"".contains(&b)) {
                return Err(format!("token.cookie: not a cookie name: {name:?}").into());
            }
        }
        Ok(TokenSources {
            bearer: c.bearer,
            header,
            cookie: c.cookie.clone(),
        })
    }

    /// The token, from the first source present. A source that is present
    /// but malformed is an error (never skipped for the next source).
    pub fn extract<'h>(&self, headers: &'h HeaderMap) -> Result<&'h [u8], Missing> {
        if self.bearer {
            if let Some(t) = bearer(headers)? {
                return Ok(t);
            }
        }
        if let Some(name) = &self.header {
            let mut values = headers.get_all(name).iter();
            if let Some(v) = values.next() {
                if values.next().is_some() {
                    return Err(Missing::Malformed("more than one token header"));
                }
                return token68(v.as_bytes().trim_ascii())
                    .ok_or(Missing::Malformed("malformed token header"));
            }
        }
        if let Some(name) = &self.cookie {
            if let Some(t) = cookie(headers, name)? {
                return Ok(t);
            }
        }
        Err(Missing::Absent)
    }
}

/// `Authorization: Bearer <token>`: one header, the scheme compared
/// case-insensitively, one or more spaces, a b64token (RFC 6750 2.1).
/// Another scheme (`Basic ...`) counts as no bearer token.
fn bearer(headers: &HeaderMap) -> Result<Option<&[u8]>, Missing> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(Missing::Malformed("more than one Authorization header"));
    }
    let v = value.as_bytes();
    let Some((scheme, rest)) = v.split_at_checked(6) else {
        return scheme_only(v);
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Ok(None);
    }
    if rest.first() != Some(&b' ') {
        // `Bearerx`: another scheme.
        return if rest.is_empty() {
            Err(Missing::Malformed("Bearer without a token"))
        } else {
            Ok(None)
        };
    }
    let token = rest.trim_ascii();
    token68(token)
        .map(Some)
        .ok_or(Missing::Malformed("malformed Bearer token"))
}

fn scheme_only(v: &[u8]) -> Result<Option<&[u8]>, Missing> {
    if v.trim_ascii().eq_ignore_ascii_case(b"bearer") {
        Err(Missing::Malformed("Bearer without a token"))
    } else {
        Ok(None)
    }
}

/// A non-empty b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn token68(t: &[u8]) -> Option<&[u8]> {
    let body_len = t.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let body = t.get(..body_len)?;
    let ok = !body.is_empty()
        && body
            .iter()
            .all(|&b| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'/'));
    ok.then_some(t)
}

/// The cookie `name`, from every `Cookie` header. Two cookies of that name
/// are an error (which one the application sees is not ours to guess).
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h [u8]>, Missing> {
    let mut found = None;
    for value in headers.get_all(COOKIE) {
        for pair in value.as_bytes().split(|&b| b == b';') {
            let pair = pair.trim_ascii();
            let Some(eq) = pair.iter().position(|&b| b == b'=') else {
                continue;
            };
            let (n, v) = pair.split_at(eq);
            if n != name.as_bytes() {
                continue;
            }
            let v = v.get(1..).unwrap_or_default();
            let v = v
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(v);
            if found.is_some() {
                return Err(Missing::Malformed("more than one token cookie"));
            }
            found = Some(token68(v).ok_or(Missing::Malformed("malformed token cookie"))?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hyper::header::HeaderValue;

    fn sources(header: Option<&str>, cookie: Option<&str>) -> TokenSources {
        TokenSources::new(&TokenConfig {
            bearer: true,
            header: header.map(Into::into),
            cookie: cookie.map(Into::into),
        })
        .unwrap()
    }

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    /// Request headers, and the token read (or why none).
    type Case = (
        &'static [(&'static str, &'static str)],
        Result<&'static str, Missing>,
    );

    const CASES: &[Case] = &[
        (&[("authorization", "Bearer a.b.c")], Ok("a.b.c")),
        (&[("authorization", "bEaReR   a.b.c")], Ok("a.b.c")),
        (&[("authorization", "Bearer a.b.c==")], Ok("a.b.c==")),
        // Another scheme is no bearer token.
        (&[("authorization", "Basic dXNlcg==")], Err(Missing::Absent)),
        (&[("authorization", "Bearerx a.b.c")], Err(Missing::Absent)),
        (
            &[("authorization", "Bearer")],
            Err(Missing::Malformed("Bearer without a token")),
        ),
        (
            &[("authorization", "Bearer ")],
            Err(Missing::Malformed("malformed Bearer token")),
        ),
        (
            &[("authorization", "Bearer a b")],
            Err(Missing::Malformed("malformed Bearer token")),
        ),
        (
            &[
                ("authorization", "Bearer a.b.c"),
                ("authorization", "Bearer x.y.z"),
            ],
            Err(Missing::Malformed("more than one Authorization header")),
        ),
        (&[], Err(Missing::Absent)),
        (&[("x-token", "t.u.v")], Ok("t.u.v")),
        (&[("cookie", "a=1; sess=c.o.k; b=2")], Ok("c.o.k")),
        (&[("cookie", "sess=\"q.u.o\"")], Ok("q.u.o")),
        (
            &[("cookie", "sess=x"), ("cookie", "sess=y")],
            Err(Missing::Malformed("more than one token cookie")),
        ),
        // Bearer first.
        (
            &[("authorization", "Bearer a.b.c"), ("cookie", "sess=c.o.k")],
            Ok("a.b.c"),
        ),
    ];

    #[test]
    fn extraction_table() {
        let s = sources(Some("x-token"), Some("sess"));
        for (pairs, want) in CASES {
            let h = map(pairs);
            let got = s.extract(&h).map(|t| std::str::from_utf8(t).unwrap());
            assert_eq!(got, *want, "{pairs:?}");
        }
    }

    #[test]
    fn bad_cookie_names_are_refused() {
        for name in ["", "a b", "a=b", "a;"] {
            let c = TokenConfig {
                bearer: true,
                header: None,
                cookie: Some(name.into()),
            };
            assert!(TokenSources::new(&c).is_err(), "{name:?}");
        }
    }
}
