//! The single pass over the top-level object: members, limits and duplicate detection.

use super::*;

/// Validate `doc` as exactly one JSON object (JSON whitespace around it allowed, nothing else)
/// and call `f` for every top-level member, in document order, in a single pass.
///
/// Each member is fully validated (name, value, member count, duplicate name) before `f`
/// sees it, and the rest of the document is scanned only after `f` returns: the first error,
/// in document order, is returned, whether it is a problem of the document or an error of
/// `f`. So `f` may have seen the members before a syntax error later in the document, and an
/// error of `f` wins over any problem after its member: callers must only use what `f`
/// recorded when the whole call returns `Ok`.
///
/// Errors: `syntax_error` for any syntax, UTF-8 or escape problem (and for documents of
/// 4 GiB or more); [`Error::JsonTooDeep`] when nesting exceeds `max_depth` (top-level object
/// = depth 1, capped at [`MAX_DEPTH`]); [`Error::TooManyMembers`] beyond `max_members`
/// top-level members (capped at [`MAX_MEMBERS`]); [`Error::DuplicateMember`] when two
/// top-level names are equal after unescaping. Within one member the name and value are
/// checked first, then the count, then duplicates.
pub(crate) fn for_each_member<'a>(
    doc: &'a [u8],
    max_depth: usize,
    max_members: usize,
    syntax_error: Error,
    f: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    scan_members(doc, max_depth, max_members, syntax_error, f)
}

/// [`for_each_member`] with any [`Members`], not only a closure.
#[inline(always)]
pub(crate) fn scan_members<'a>(
    doc: &'a [u8],
    max_depth: usize,
    max_members: usize,
    syntax_error: Error,
    mut f: impl Members<'a>,
) -> Result<(), Error> {
    // Member names are stored as `u32` offsets to keep the name table small.
    if u32::try_from(doc.len()).is_err() {
        return Err(syntax_error);
    }
    let limits = TopLimits {
        max_depth: max_depth.min(MAX_DEPTH),
        max_members: max_members.min(MAX_MEMBERS),
    };
    let mut top = Top::open(doc, limits).map_err(|e| e.into_error(syntax_error))?;
    let mut names = [Name::EMPTY; SMALL_MEMBERS];
    match top.members(&mut names, syntax_error, &mut f)? {
        Flow::Done => Ok(()),
        Flow::Overflow => members_large(top, &names, syntax_error, &mut f),
    }
}

/// The slow path for objects with more members than the small table holds: carry on where
/// the small table filled up, with the full table. Kept out of line so that the common path
/// does not reserve its stack.
#[inline(never)]
pub(super) fn members_large<'a, F: Members<'a>>(
    mut top: Top<'a>,
    small: &[Name],
    syntax_error: Error,
    f: &mut F,
) -> Result<(), Error> {
    let mut names = [Name::EMPTY; MAX_MEMBERS];
    for (slot, name) in names.iter_mut().zip(small) {
        *slot = *name;
    }
    match top.members(&mut names, syntax_error, f)? {
        Flow::Done => Ok(()),
        // Cannot happen: the table holds `MAX_MEMBERS` names and the count is capped there.
        Flow::Overflow => Err(Error::TooManyMembers),
    }
}

/// What [`for_each_member`] hands every top-level member to: any closure, or a parser whose
/// `member` is marked `#[inline(always)]`, so that it is compiled into the scanning loop
/// (closures are inlined at the compiler's discretion, and a large one is not).
pub(crate) trait Members<'a> {
    /// Takes one validated member, the [`NameKey`] of its name, and what the scanner saw of
    /// its value's shape; an error stops the scan and is returned.
    fn member(
        &mut self,
        name: JsonStr<'a>,
        key: NameKey,
        value: Value<'a>,
        shape: Shape,
    ) -> Result<(), Error>;
}

impl<'a, F: FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>> Members<'a> for F {
    #[inline(always)]
    fn member(
        &mut self,
        name: JsonStr<'a>,
        _: NameKey,
        value: Value<'a>,
        _: Shape,
    ) -> Result<(), Error> {
        self(name, value)
    }
}

/// The scanner's [`JsonStr::key`] of a member name, which it computes anyway for duplicate
/// detection: names of at most seven bytes have equal keys exactly when their decoded bytes
/// are equal, whatever their escaping. So a member is recognised by comparing one word with a
/// constant from [`NameKey::of`], with no string comparison and no unescaping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameKey(u64);

impl NameKey {
    /// The key of the name `name` (at most seven bytes, checked at compile time when used
    /// in a constant).
    pub(crate) const fn of(name: &[u8]) -> NameKey {
        assert!(
            name.len() <= 7,
            "only names of at most seven bytes have exact keys"
        );
        let mut prefix = 0u64;
        let mut i = 0;
        while i < name.len() {
            // `as` widens a byte and a small index: no loss, and `From` is not const.
            #[allow(clippy::as_conversions, clippy::indexing_slicing)]
            {
                prefix |= (name[i] as u64) << (8 * i);
            }
            i += 1;
        }
        #[allow(clippy::as_conversions)]
        NameKey(prefix | (name.len() as u64) << 56)
    }

    /// The key of a string value (decoded), to compare with constants from [`NameKey::of`].
    #[inline]
    pub(crate) fn of_str(s: &JsonStr<'_>) -> NameKey {
        NameKey(s.key())
    }
}

#[derive(Clone, Copy)]
pub(super) struct TopLimits {
    max_depth: usize,
    max_members: usize,
}

/// A top-level name, remembered for duplicate detection.
#[derive(Clone, Copy)]
pub(super) struct Name {
    /// [`JsonStr::key`] of the name.
    pub(super) key: u64,
    /// [`fingerprint`] of the name, or 0 until a name with the same key needed it.
    pub(super) fingerprint: u64,
    /// Where the name's raw bytes sit in the document.
    start: u32,
    len: u32,
}

impl Name {
    const EMPTY: Name = Name {
        key: 0,
        fingerprint: 0,
        start: 0,
        len: 0,
    };

    /// The name, for the rare full comparison (its escape flag recomputed from the bytes).
    #[inline]
    pub(super) fn get<'a>(&self, doc: &'a [u8]) -> Option<JsonStr<'a>> {
        let start = usize::try_from(self.start).ok()?;
        let end = start.checked_add(usize::try_from(self.len).ok()?)?;
        let raw = doc.get(start..end)?;
        Some(JsonStr {
            raw,
            escapes: Escapes::from_bool(raw.contains(&b'\\')),
        })
    }
}

/// How [`Top::members`] stopped without an error.
pub(super) enum Flow {
    /// The document is valid and every member was handed to the callback.
    Done,
    /// The name table is full: carry on with a larger one, from [`Top::rest`].
    Overflow,
}

/// The state of the single pass over the top-level object.
pub(super) struct Top<'a> {
    doc: &'a [u8],
    /// The document from the next member's opening quote on (whitespace skipped), or `None`
    /// once the closing brace is consumed.
    rest: Option<&'a [u8]>,
    /// Members handed to the callback so far; also the next free slot of the name table.
    count: usize,
    /// A 64-bit filter of the table keys seen so far.
    filter: u64,
    /// Long names seen with the key of an earlier, different name.
    collisions: usize,
    /// Whether long names are kept under [`hashed_key`] (after [`REHASH_AFTER`] collisions).
    hashed: bool,
    limits: TopLimits,
}

impl<'a> Top<'a> {
    /// Consumes the opening brace (and a closing one, for an empty object).
    fn open(doc: &'a [u8], limits: TopLimits) -> Result<Self, Fail> {
        let Some((b'{', inner)) = skip_ws(doc).split_first() else {
            return Err(Fail::Syntax);
        };
        if limits.max_depth == 0 {
            return Err(Fail::TooDeep);
        }
        let inner = skip_ws(inner);
        let rest = match inner.split_first() {
            Some((b'}', after)) => {
                end_of_document(after)?;
                None
            }
            Some(_) => Some(inner),
            None => return Err(Fail::Syntax),
        };
        Ok(Top {
            doc,
            rest,
            count: 0,
            filter: 0,
            collisions: 0,
            hashed: false,
            limits,
        })
    }

    /// The key a name is kept under in the table: its [`JsonStr::key`], or for a long name
    /// once [`Top::rehash`] ran, its [`hashed_key`].
    #[inline(always)]
    fn table_key(&self, key: u64, name: &JsonStr<'_>) -> u64 {
        if self.hashed && key >> 56 > 7 {
            hashed_key(key, name)
        } else {
            key
        }
    }

    /// Keys every long name of the table by its fingerprint from now on: names crafted to
    /// share their summary key (the first seven bytes and the length) would otherwise cost a
    /// fingerprint comparison with each other, quadratic in their number. Runs at most once
    /// per document, after [`REHASH_AFTER`] collisions, which documents that are not built
    /// for it do not reach.
    #[inline(never)]
    fn rehash(&mut self, names: &mut [Name]) {
        let doc = self.doc;
        let mut filter = 0;
        for prior in names.get_mut(..self.count).unwrap_or_default() {
            if prior.key >> 56 > 7 {
                if let Some(name) = prior.get(doc) {
                    prior.key = hashed_key(prior.key, &name);
                }
            }
            filter |= filter_bit(prior.key);
        }
        self.filter = filter;
        self.hashed = true;
    }

    /// Scans the members from [`Top::rest`], calling `f` for each as soon as it is validated.
    ///
    /// One straight loop over the top-level members (the common JWT shape: short names, flat
    /// values), with nested containers handed to [`container`]. Duplicate names are found
    /// through a 64-bit filter of name keys: only a member whose key's bit is already set is
    /// compared with the members before it.
    #[inline(always)]
    fn members<F: Members<'a>>(
        &mut self,
        names: &mut [Name],
        syntax_error: Error,
        f: &mut F,
    ) -> Result<Flow, Error> {
        let doc = self.doc;
        let Some(mut s) = self.rest else {
            return Ok(Flow::Done);
        };
        let fail = |e: Fail| e.into_error(syntax_error);
        loop {
            let Some((b'"', body)) = s.split_first() else {
                return Err(syntax_error);
            };
            let (name, key, after) = match short_name(body) {
                Some(short) => short,
                None => long_name(body).map_err(fail)?,
            };
            let after = match after.split_first() {
                Some((b':', rest)) => rest,
                _ => colon(after).map_err(fail)?,
            };
            let (value, after, shape) =
                top_value(skip_ws(after), self.limits.max_depth).map_err(fail)?;
            if self.count >= self.limits.max_members {
                return Err(Error::TooManyMembers);
            }
            // Long names are kept under their fingerprint once keys collided too often.
            let mut table_key = self.table_key(key, &name);
            let mut bit = filter_bit(table_key);
            let mut fingerprint = 0;
            if self.filter & bit != 0 {
                match is_duplicate(doc, names, self.count, table_key, &name) {
                    Duplicate::Yes => return Err(Error::DuplicateMember),
                    Duplicate::No(computed, collisions) => {
                        fingerprint = computed;
                        self.collisions = self.collisions.saturating_add(collisions);
                        if !self.hashed && self.collisions > REHASH_AFTER {
                            self.rehash(names);
                            table_key = self.table_key(key, &name);
                            bit = filter_bit(table_key);
                        }
                    }
                }
            }
            let Some(slot) = names.get_mut(self.count) else {
                // Resume at this member with a larger table; `f` has not seen it.
                self.rest = Some(s);
                return Ok(Flow::Overflow);
            };
            // `body` is a suffix of `doc`, which is shorter than 4 GiB: no overflow, and the
            // conversions cannot fail.
            *slot = Name {
                key: table_key,
                fingerprint,
                start: u32::try_from(doc.len().wrapping_sub(body.len())).unwrap_or(u32::MAX),
                len: u32::try_from(name.raw.len()).unwrap_or(0),
            };
            self.filter |= bit;
            self.count = self.count.wrapping_add(1);
            f.member(name, NameKey(key), value, shape)?;
            match skip_ws(after).split_first() {
                Some((b',', rest)) => s = skip_ws(rest),
                Some((b'}', rest)) => {
                    self.rest = None;
                    end_of_document(rest).map_err(fail)?;
                    return Ok(Flow::Done);
                }
                _ => return Err(syntax_error),
            }
        }
    }
}

/// The name whose opening quote was just consumed, when it is short (at most seven bytes,
/// the usual claim or header name), unescaped, ASCII and not near the end of the document:
/// the name, its [`JsonStr::key`] and what follows its closing quote. One word load both
/// finds the closing quote and gives the key.
#[inline(always)]
pub(super) fn short_name(body: &[u8]) -> Option<(JsonStr<'_>, u64, &[u8])> {
    let word = u64::from_le_bytes(*body.first_chunk::<8>()?);
    let flags = attention(word);
    let (raw, rest) = body.split_at_checked(first_flagged(flags))?;
    let [b'"', rest @ ..] = rest else {
        return None;
    };
    // The bytes before the lowest flag (all of them when there is none, which the closing
    // quote's test above turned away unless the name has eight bytes).
    let before = (flags & flags.wrapping_neg())
        .wrapping_shr(7)
        .wrapping_sub(1);
    let len = u64::from(flags.trailing_zeros() / 8);
    let key = word & before & LOW7 | len << 56;
    let name = JsonStr {
        raw,
        escapes: Escapes::No,
    };
    Some((name, key, rest))
}

/// [`short_name`] for every other name.
#[inline(never)]
pub(super) fn long_name(body: &[u8]) -> Result<(JsonStr<'_>, u64, &[u8]), Fail> {
    let (name, rest) = string(body)?;
    Ok((name, name.key(), rest))
}

/// The colon after a name, when whitespace precedes it: what follows it.
#[inline(never)]
pub(super) fn colon(s: &[u8]) -> Result<&[u8], Fail> {
    match skip_ws(s).split_first() {
        Some((b':', rest)) => Ok(rest),
        _ => Err(Fail::Syntax),
    }
}

/// Only JSON whitespace may follow the top-level object.
#[inline]
pub(super) fn end_of_document(rest: &[u8]) -> Result<(), Fail> {
    if skip_ws(rest).is_empty() {
        Ok(())
    } else {
        Err(Fail::Syntax)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::json::testutil::*;
    use std::string::String;
    use std::vec::Vec;

    #[test]
    fn documents() {
        for (doc, expected) in DOCS {
            assert_eq!(count(doc), *expected, "{}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn prefixes_of_valid_documents_are_rejected() {
        for (doc, expected) in DOCS {
            if expected.is_err() {
                continue;
            }
            let end = doc.iter().rposition(|&b| b == b'}').unwrap();
            for len in 0..end {
                assert!(count(&doc[..len]).is_err(), "{:?}", &doc[..len]);
            }
        }
    }

    #[test]
    fn syntax_error_is_the_callers() {
        for e in [Error::HeaderJson, Error::ClaimsJson, Error::Jwks] {
            assert_eq!(for_each_member(b"[]", 32, 128, e, |_, _| Ok(())), Err(e));
            assert_eq!(
                for_each_member(b"{\"\xff\":1}", 32, 128, e, |_, _| Ok(())),
                Err(e)
            );
        }
    }

    #[test]
    fn members_in_order_with_values() {
        let doc = br#"{"s":"x\ty","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,"\u0041",[]],"o":{"k":{}}}"#;
        let mut seen = Vec::new();
        for_each_member(doc, 32, 128, SYNTAX, |name, value| {
            let kind = match value {
                Value::String(s) => {
                    assert!(s.is_escaped());
                    assert_eq!(s.raw(), br"x\ty");
                    assert!(s.eq_str("x\ty"));
                    "string"
                }
                Value::Number(n) => {
                    assert_eq!(n.raw(), b"-1.5e3");
                    "number"
                }
                Value::Bool(true) => "true",
                Value::Bool(false) => "false",
                Value::Null => "null",
                Value::Array(a) => {
                    assert_eq!(a.raw(), br#"[1,"\u0041",[]]"#);
                    let mut kinds = String::new();
                    a.for_each_element(|v| {
                        kinds.push(match v {
                            Value::Number(n) => {
                                assert_eq!(n.as_u64(), Some(1));
                                'n'
                            }
                            Value::String(s) => {
                                assert!(s.is_escaped() && s.eq_str("A"));
                                's'
                            }
                            Value::Array(inner) => {
                                inner.for_each_element(|_| -> Result<(), ()> { panic!() })?;
                                'a'
                            }
                            _ => '?',
                        });
                        Ok::<_, ()>(())
                    })
                    .unwrap();
                    assert_eq!(kinds, "nsa");
                    "array"
                }
                Value::Object(o) => {
                    assert_eq!(o.raw(), br#"{"k":{}}"#);
                    let mut names = Vec::new();
                    o.for_each_member(|k, v| {
                        names.push(k.as_str().unwrap());
                        assert!(matches!(v, Value::Object(inner) if inner.raw() == b"{}"));
                        Ok::<_, ()>(())
                    })
                    .unwrap();
                    assert_eq!(names, ["k"]);
                    "object"
                }
            };
            seen.push((name.as_str().unwrap(), kind));
            Ok(())
        })
        .unwrap();
        let expected = [
            ("s", "string"),
            ("n", "number"),
            ("t", "true"),
            ("f", "false"),
            ("z", "null"),
            ("a", "array"),
            ("o", "object"),
        ];
        assert_eq!(seen, expected);
    }

    #[test]
    fn callback_error_stops_iteration() {
        let mut calls = 0;
        let res = for_each_member(br#"{"a":1,"b":2,"c":3}"#, 32, 128, SYNTAX, |name, _| {
            calls += 1;
            if name.eq_str("b") {
                Err(Error::InvalidClaimType(crate::Claim::Exp))
            } else {
                Ok(())
            }
        });
        assert_eq!(res, Err(Error::InvalidClaimType(crate::Claim::Exp)));
        assert_eq!(calls, 2);

        let mut calls = 0;
        let res = Object {
            raw: br#"{"a":1,"b":2}"#,
        }
        .for_each_member(|_, _| {
            calls += 1;
            Err("stop")
        });
        assert_eq!((res, calls), (Err("stop"), 1));
        let mut calls = 0;
        let res = Array { raw: b"[1,2]" }.for_each_element(|_| {
            calls += 1;
            Err("stop")
        });
        assert_eq!((res, calls), (Err("stop"), 1));
    }

    /// One pass: the callback sees exactly the members before the first problem, each only
    /// once it is valid itself, and the first error in document order is returned.
    #[test]
    fn callback_sees_valid_members_before_the_first_error() {
        let cases: [(&[u8], Error, &[&str]); 7] = [
            (br#"{"a":1,}"#, SYNTAX, &["a"]),
            (br#"{"a":1,"a":2}"#, Error::DuplicateMember, &["a"]),
            (br#"{"a":1} x"#, SYNTAX, &["a"]),
            (br#"{"a":1,"b":[[[]]]}"#, Error::JsonTooDeep, &["a"]),
            (br#"{"a":"\uD800","b":1}"#, SYNTAX, &[]),
            (b"{\"a\":1,\"b\":\"\xff\"}", SYNTAX, &["a"]),
            (
                br#"{"a":1,"b":2,"c":3}"#,
                Error::TooManyMembers,
                &["a", "b"],
            ),
        ];
        for (doc, error, expected) in cases {
            let mut seen = Vec::new();
            let res = for_each_member(doc, 3, 2, SYNTAX, |name, _| {
                seen.push(name.as_str().unwrap());
                Ok(())
            });
            let text = String::from_utf8_lossy(doc);
            assert_eq!(res, Err(error), "{text}");
            assert_eq!(seen, expected, "{text}");
        }
        // An error of the callback wins over any problem after its member, which is then
        // never scanned; a problem before it wins over the callback.
        let reject_b = |name: JsonStr<'_>, _: Value<'_>| {
            if name.eq_str("b") {
                Err(Error::InvalidClaimType(crate::Claim::Exp))
            } else {
                Ok(())
            }
        };
        let callback = Err(Error::InvalidClaimType(crate::Claim::Exp));
        for doc in [
            &br#"{"a":1,"b":2,}"#[..],
            br#"{"a":1,"b":2,"a":3}"#,
            br#"{"a":1,"b":2} x"#,
            br#"{"a":1,"b":2,"c":[[[[]]]]}"#,
            // What follows a member's value, the comma included, comes after it.
            br#"{"a":1,"b":2 "c":3}"#,
            b"{\"a\":1,\"b\":2,\"\xff\":3",
        ] {
            let res = for_each_member(doc, 3, 128, SYNTAX, reject_b);
            assert_eq!(res, callback, "{}", String::from_utf8_lossy(doc));
        }
        for (doc, error) in [
            (&br#"{"a":1,,"b":2}"#[..], SYNTAX),
            (br#"{"a":1,"a":2,"b":3}"#, Error::DuplicateMember),
            (br#"{"a":[[[]]],"b":2}"#, Error::JsonTooDeep),
            (br#"{"a":1 "b":2}"#, SYNTAX),
        ] {
            let res = for_each_member(doc, 3, 128, SYNTAX, reject_b);
            assert_eq!(res, Err(error), "{}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn depth_limit() {
        for (open, close) in [("[", "]"), ("{\"b\":", "}"), ("[{\"c\":", "}]")] {
            let step = if open.len() == 6 { 2 } else { 1 };
            for limit in 1..=130usize {
                for depth in 1..=(limit + 2) {
                    let repeat = depth.div_ceil(step);
                    let doc = nested(repeat, open, close);
                    let actual = 1 + (repeat - 1) * step;
                    let expected = if actual <= limit.min(MAX_DEPTH) {
                        Ok(1)
                    } else {
                        Err(Error::JsonTooDeep)
                    };
                    assert_eq!(count_with(doc.as_bytes(), limit, 128), expected, "{doc}");
                }
            }
        }
        assert_eq!(count_with(b"{}", 0, 128), Err(Error::JsonTooDeep));
        assert_eq!(count_with(b"{}", 1, 128), Ok(0));
        assert_eq!(count_with(br#"{"a":1}"#, 1, 128), Ok(1));
        assert_eq!(count_with(br#"{"a":[]}"#, 1, 128), Err(Error::JsonTooDeep));
        assert_eq!(count_with(br#"{"a":{}}"#, 2, 128), Ok(1));
        // Limits above the stack capacity are clamped, never unsafe.
        let doc = nested(MAX_DEPTH, "[", "]");
        assert_eq!(count_with(doc.as_bytes(), usize::MAX, 128), Ok(1));
        let doc = nested(MAX_DEPTH + 1, "[", "]");
        assert_eq!(
            count_with(doc.as_bytes(), usize::MAX, 128),
            Err(Error::JsonTooDeep)
        );
    }

    #[test]
    fn very_deep_nesting_is_rejected_early() {
        let mut doc = String::from("{\"a\":");
        for _ in 0..100_000 {
            doc.push('[');
        }
        let start = std::time::Instant::now();
        assert_eq!(count(doc.as_bytes()), Err(Error::JsonTooDeep));
        assert_eq!(
            count_with(doc.as_bytes(), usize::MAX, 128),
            Err(Error::JsonTooDeep)
        );
        // Unclosed garbage after the limit is never looked at.
        doc.push_str("]]]");
        assert_eq!(count(doc.as_bytes()), Err(Error::JsonTooDeep));
        // Far below what scanning 100 kB would take in a debug build.
        assert!(start.elapsed() < std::time::Duration::from_millis(50));
        // A nested object of the same depth, too.
        let deep = "{\"a\":".repeat(100_000);
        assert_eq!(count(deep.as_bytes()), Err(Error::JsonTooDeep));
    }

    #[test]
    fn member_limit() {
        for n in [0, 1, 2, 31, 32, 33, 100, 255, 256] {
            let doc = members(n);
            assert_eq!(count_with(doc.as_bytes(), 32, n), Ok(n));
            assert_eq!(count_with(doc.as_bytes(), 32, usize::MAX), Ok(n));
            if n > 0 {
                assert_eq!(
                    count_with(doc.as_bytes(), 32, n - 1),
                    Err(Error::TooManyMembers)
                );
            }
        }
        // Clamped to MAX_MEMBERS.
        let doc = members(MAX_MEMBERS + 1);
        assert_eq!(
            count_with(doc.as_bytes(), 32, usize::MAX),
            Err(Error::TooManyMembers)
        );
        // The count is checked before duplicates.
        assert_eq!(
            count_with(br#"{"a":1,"a":2}"#, 32, 1),
            Err(Error::TooManyMembers)
        );
        // The large table finds duplicates, syntax errors and calls back in order too.
        let dup = std::format!("{},\"m0\":0}}", members(MAX_MEMBERS).trim_end_matches('}'));
        assert_eq!(
            count_with(dup.as_bytes(), 32, 1000),
            Err(Error::TooManyMembers)
        );
        for n in [33, 200, 255] {
            let mut doc = members(n);
            doc.pop();
            let dup = std::format!("{doc},\"m{}\":0}}", n / 2);
            assert_eq!(
                count_with(dup.as_bytes(), 32, 1000),
                Err(Error::DuplicateMember)
            );
            let bad = std::format!("{doc},}}");
            assert_eq!(count_with(bad.as_bytes(), 32, 1000), Err(SYNTAX));
            doc.push('}');
            let mut i = 0;
            for_each_member(doc.as_bytes(), 32, 1000, SYNTAX, |name, value| {
                assert!(name.eq_str(&std::format!("m{i}")));
                assert!(matches!(value, Value::Number(v) if v.as_u64() == Some(i)));
                i += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(usize::try_from(i).unwrap(), n);
        }
    }
}
