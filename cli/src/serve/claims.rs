//! Claims to response headers, and the scopes and roles route rules need.

use std::fmt;

use hyper::header::{HeaderName, HeaderValue};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::util::BoxError;

/// Where one claim is found: a top-level name, or a JSON pointer (`/a/b`).
#[derive(Debug, Clone)]
pub struct ClaimPath(String);

impl ClaimPath {
    /// `sub`, `https://example.com/roles`, or `/realm_access/roles`.
    pub fn new(s: &str) -> Result<Self, BoxError> {
        if s.is_empty() {
            return Err("an empty claim name".into());
        }
        Ok(ClaimPath(s.to_string()))
    }

    /// The claim's value in `claims`, if present (JSON `null` counts as absent).
    pub fn get<'v>(&self, claims: &'v Value) -> Option<&'v Value> {
        let v = if self.0.starts_with('/') {
            claims.pointer(&self.0)
        } else {
            claims.get(&self.0)
        };
        v.filter(|v| !v.is_null())
    }

    /// The top-level claim the path starts at: the name itself, or a
    /// pointer's first token unescaped (`~1` is `/`, `~0` is `~`, as
    /// [`Value::pointer`] reads it).
    pub fn top_level(&self) -> String {
        match self.0.strip_prefix('/') {
            Some(pointer) => pointer
                .split('/')
                .next()
                .unwrap_or_default()
                .replace("~1", "/")
                .replace("~0", "~"),
            None => self.0.clone(),
        }
    }
}

/// The claims JSON object with only the top-level members named in
/// `names` (sorted) built into the [`Value`]; the others are parsed the
/// way a [`Value`] would be (so a document `serde_json::from_slice`
/// refuses, such as a number out of `f64`'s range, is refused here too)
/// but not kept, and not allocated. Every [`ClaimPath`] whose
/// [`ClaimPath::top_level`] is in `names` reads the same value from it as
/// from the whole document (a repeated name: the last copy, as
/// `serde_json::from_slice` keeps). Trailing characters are an error.
pub fn parse_selected(raw: &[u8], names: &[String]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    let map = de.deserialize_map(Select(names))?;
    de.end()?;
    Ok(Value::Object(map))
}

/// The visitor of [`parse_selected`]'s object.
struct Select<'n>(&'n [String]);

impl<'de> Visitor<'de> for Select<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = members.next_key_seed(Wanted(self.0))? {
            match key {
                Some(name) => {
                    out.insert(name, members.next_value()?);
                }
                None => members.next_value_seed(Skip)?,
            }
        }
        Ok(out)
    }
}

/// A value not kept: parsed through `deserialize_any` as [`Value`] is
/// (numbers converted, strings unescaped in place), then dropped.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
        while members.next_key_seed(Skip)?.is_some() {
            members.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// A member name: owned when it is one of the wanted names, else `None`
/// (read in place, not copied).
struct Wanted<'n>(&'n [String]);

impl<'de> DeserializeSeed<'de> for Wanted<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Wanted<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .binary_search_by(|w| w.as_str().cmp(name))
            .is_ok()
            .then(|| name.to_string()))
    }
}

/// The configured `header = claim` pairs.
#[derive(Debug, Clone, Default)]
pub struct ClaimHeaders {
    pairs: Vec<(HeaderName, ClaimPath)>,
}

impl ClaimHeaders {
    /// From `[headers]`. Names the gateway or the protocol owns are refused.
    pub fn new<'a>(
        pairs: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Result<Self, BoxError> {
        let mut out = Vec::new();
        for (header, claim) in pairs {
            let name = HeaderName::from_bytes(header.as_bytes())
                .map_err(|_| format!("headers: not a header name: {header:?}"))?;
            if RESERVED.contains(&name.as_str()) {
                return Err(format!("headers: {header:?} cannot carry a claim").into());
            }
            out.push((
                name,
                ClaimPath::new(claim).map_err(|e| format!("headers.{header}: {e}"))?,
            ));
        }
        Ok(ClaimHeaders { pairs: out })
    }

    /// The top-level claims the headers read.
    pub fn top_level(&self) -> impl Iterator<Item = String> + '_ {
        self.pairs.iter().map(|(_, path)| path.top_level())
    }

    /// Every configured header, empty when its claim is absent. Strings
    /// as they are, numbers and booleans as JSON text, arrays and objects
    /// as compact JSON. A value that cannot be a header (a control
    /// character) is an error: the request is refused rather than passed
    /// on with a header left out.
    pub fn render(&self, claims: Option<&Value>) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
        let mut out = Vec::with_capacity(self.pairs.len());
        for (name, path) in &self.pairs {
            let value = match claims.and_then(|c| path.get(c)) {
                None => HeaderValue::from_static(""),
                Some(Value::String(s)) => header_value(name, s.as_bytes())?,
                Some(v) => header_value(name, v.to_string().as_bytes())?,
            };
            out.push((name.clone(), value));
        }
        Ok(out)
    }
}

/// Headers that are the protocol's, not a claim's.
const RESERVED: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "www-authenticate",
    "content-type",
    "date",
];

fn header_value(name: &HeaderName, bytes: &[u8]) -> Result<HeaderValue, String> {
    // `from_bytes` refuses control characters but allows TAB; refuse it too.
    if bytes.contains(&b'\t') {
        return Err(format!("claim for {name} holds a control character"));
    }
    HeaderValue::from_bytes(bytes)
        .map_err(|_| format!("claim for {name} holds a control character"))
}

/// The words of the first claim present among `paths`: a string split on
/// spaces, or an array of strings.
pub fn words<'v>(claims: &'v Value, paths: &[ClaimPath]) -> Vec<&'v str> {
    let Some(v) = paths.iter().find_map(|p| p.get(claims)) else {
        return Vec::new();
    };
    match v {
        Value::String(s) => s.split(' ').filter(|w| !w.is_empty()).collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use std::collections::BTreeMap;

    fn headers(pairs: &[(&str, &str)]) -> ClaimHeaders {
        let m: BTreeMap<String, String> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        ClaimHeaders::new(&m).unwrap()
    }

    #[test]
    fn every_header_always_present() {
        let h = headers(&[
            ("X-Auth-Subject", "sub"),
            ("X-Auth-Email", "email"),
            ("X-Auth-Roles", "/realm/roles"),
            ("X-Auth-Admin", "admin"),
            ("X-Auth-Exp", "exp"),
        ]);
        let claims: Value = serde_json::from_str(
            r#"{"sub":"alice","exp":17,"admin":true,"realm":{"roles":["a","b"]},"email":null}"#,
        )
        .unwrap();
        let got: BTreeMap<String, String> = h
            .render(Some(&claims))
            .unwrap()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        assert_eq!(got["x-auth-subject"], "alice");
        assert_eq!(got["x-auth-email"], "");
        assert_eq!(got["x-auth-roles"], r#"["a","b"]"#);
        assert_eq!(got["x-auth-admin"], "true");
        assert_eq!(got["x-auth-exp"], "17");
        // No claims (a public route): every header, empty.
        let empty = h.render(None).unwrap();
        assert_eq!(empty.len(), 5);
        assert!(empty.iter().all(|(_, v)| v.is_empty()));
    }

    #[test]
    fn control_characters_refuse_the_request() {
        let h = headers(&[("X-Auth-Subject", "sub")]);
        for bad in [
            r#"{"sub":"a\nX-Evil: 1"}"#,
            r#"{"sub":"a\tb"}"#,
            r#"{"sub":"a\u0000"}"#,
        ] {
            let claims: Value = serde_json::from_str(bad).unwrap();
            assert!(h.render(Some(&claims)).is_err(), "{bad}");
        }
    }

    #[test]
    fn reserved_and_bad_names_refused() {
        for name in ["Content-Length", "WWW-Authenticate", "bad name"] {
            let m = BTreeMap::from([(name.to_string(), "sub".to_string())]);
            assert!(ClaimHeaders::new(&m).is_err(), "{name}");
        }
    }

    #[test]
    fn selected_claims_read_as_the_whole_document() {
        let raw = br#"{"sub":"alice","exp":17,"aud":["a","b"],"su\u0062x":1,
            "realm":{"roles":["r1","r2"],"x":{"deep":[1,{"y":null}]}},
            "a/b":{"c~d":"slash"},"email":"first","email":"last","scope":"read write",
            "n":1.5e3,"ok":true,"nil":null,"u":"\u00e9\n"}"#;
        let whole: Value = serde_json::from_slice(raw).unwrap();
        let paths = [
            "sub",
            "email",
            "/realm/roles",
            "/realm/x/deep/1",
            "/a~1b/c~0d",
            "scope",
            "n",
            "ok",
            "nil",
            "u",
            "subx",
            "missing",
            "/realm/none",
        ];
        let paths: Vec<ClaimPath> = paths.iter().map(|p| ClaimPath::new(p).unwrap()).collect();
        let mut names: Vec<String> = paths.iter().map(ClaimPath::top_level).collect();
        names.sort_unstable();
        names.dedup();
        assert!(names.contains(&"a/b".to_string()), "{names:?}");
        let selected = parse_selected(raw, &names).unwrap();
        for p in &paths {
            assert_eq!(p.get(&selected), p.get(&whole), "{p:?}");
        }
        // Unwanted members are not kept; the whole object is still checked.
        assert!(selected.get("exp").is_none() && selected.get("aud").is_none());
        assert_eq!(selected["email"], "last");
        // Refused as the whole document is, wanted or not.
        for bad in [
            &br#"{"sub":"a","exp":}"#[..],
            br#"{"sub":"a"} x"#,
            b"{",
            br#"{"sub":"a","x":1e400}"#,
            br#"{"sub":"a","x":[{"y":-1e999}]}"#,
            br#"{"sub":"a","x":"\ud800"}"#,
            br#"{"sub":"a","x":"\q"}"#,
            br#"{"sub":"a","x":tru}"#,
        ] {
            assert!(serde_json::from_slice::<Value>(bad).is_err(), "{bad:?}");
            assert!(parse_selected(bad, &names).is_err(), "{bad:?}");
        }
        // Not an object (the core refuses such claims before this).
        assert!(parse_selected(br#"["sub"]"#, &names).is_err());
    }

    #[test]
    fn words_from_string_or_array() {
        let c: Value =
            serde_json::from_str(r#"{"scope":"a  b","scp":["x"],"roles":["r",1]}"#).unwrap();
        let scope = [
            ClaimPath::new("scope").unwrap(),
            ClaimPath::new("scp").unwrap(),
        ];
        assert_eq!(words(&c, &scope), ["a", "b"]);
        assert_eq!(words(&c, &scope[1..]), ["x"]);
        assert_eq!(words(&c, &[ClaimPath::new("roles").unwrap()]), ["r"]);
        assert!(words(&c, &[ClaimPath::new("none").unwrap()]).is_empty());
    }
}
