//! The value types handed out from a validated document: strings, numbers, arrays, objects.

use super::*;
use crate::time::NumericDate;

/// A JSON string as it appears in the document (between the quotes, escapes not decoded).
///
/// The document it comes from was validated, so the raw bytes are UTF-8 and every escape is
/// well formed (surrogates paired). Compare with [`JsonStr::eq_str`], which decodes escapes:
/// `"\u0065xp"` equals `"exp"`. Decoded strings may contain NUL (`\u0000` is valid JSON).
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    /// Invariant: a slice of a validated document between a string's quotes (so UTF-8).
    pub(super) raw: &'a [u8],
    /// Whether `raw` contains a backslash.
    pub(super) escapes: Escapes,
}

/// Whether a string contains an escape, as a word-sized field: a `bool` would leave seven
/// padding bytes in [`JsonStr`] and [`Value`], which the compiler then copies piecewise on
/// every move of a scanned value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(super) enum Escapes {
    No = 0,
    Yes = 1,
}

impl Escapes {
    #[inline(always)]
    pub(super) fn from_bool(escaped: bool) -> Escapes {
        if escaped {
            Escapes::Yes
        } else {
            Escapes::No
        }
    }
}

impl<'a> JsonStr<'a> {
    /// The bytes between the quotes, escapes not decoded.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether the string contains at least one escape (a backslash).
    pub fn is_escaped(&self) -> bool {
        self.escapes == Escapes::Yes
    }

    /// The string without copying, when it has no escapes; `None` otherwise (decode it with
    /// [`JsonStr::unescape_into`] or [`JsonStr::for_each_chunk`]).
    pub fn as_str(&self) -> Option<&'a str> {
        if self.is_escaped() {
            return None;
        }
        // Cannot fail: validated strings are UTF-8, but proving it needs `unsafe`.
        core::str::from_utf8(self.raw).ok()
    }

    /// Whether the decoded string equals `s`, without allocating.
    pub fn eq_str(&self, s: &str) -> bool {
        self.eq_bytes(s.as_bytes())
    }

    /// The length in bytes of the decoded (UTF-8) string.
    pub fn unescaped_len(&self) -> usize {
        if self.is_escaped() {
            self.chunks().map(|c| c.bytes().len()).sum()
        } else {
            self.raw.len()
        }
    }

    /// Decodes the string into `out` and returns the decoded part of it.
    ///
    /// Fails with [`Error::BufferTooSmall`] when `out` is shorter than
    /// [`JsonStr::unescaped_len`]; `out` may then hold a partial result.
    pub fn unescape_into<'b>(&self, out: &'b mut [u8]) -> Result<&'b str, Error> {
        let mut len = 0;
        for chunk in self.chunks() {
            let bytes = chunk.bytes();
            let end = len + bytes.len();
            out.get_mut(len..end)
                .ok_or(Error::BufferTooSmall)?
                .copy_from_slice(bytes);
            len = end;
        }
        let out: &'b [u8] = out;
        let decoded = out.get(..len).ok_or(Error::BufferTooSmall)?;
        // Cannot fail: the chunks are whole UTF-8 sequences (runs of a validated string cut
        // at ASCII backslashes, and encoded chars), but proving it needs `unsafe`.
        core::str::from_utf8(decoded).map_err(|_| Error::Malformed)
    }

    /// Feeds the decoded UTF-8 bytes to `f` in order, in chunks (runs of unescaped text and
    /// single decoded characters), for hashing or comparing without a buffer.
    pub fn for_each_chunk(&self, mut f: impl FnMut(&[u8])) {
        for chunk in self.chunks() {
            f(chunk.bytes());
        }
    }

    fn chunks(&self) -> Chunks<'a> {
        Chunks { rest: self.raw }
    }

    /// Whether the decoded string equals the bytes `s`.
    #[inline]
    pub(crate) fn eq_bytes(&self, mut s: &[u8]) -> bool {
        if !self.is_escaped() {
            return short_eq(self.raw, s);
        }
        for chunk in self.chunks() {
            match s.strip_prefix(chunk.bytes()) {
                Some(rest) => s = rest,
                None => return false,
            }
        }
        s.is_empty()
    }

    /// Equality of the decoded strings.
    pub(super) fn eq_unescaped(&self, other: &JsonStr<'_>) -> bool {
        match (self.is_escaped(), other.is_escaped()) {
            (false, _) => other.eq_bytes(self.raw),
            (true, false) => self.eq_bytes(other.raw),
            (true, true) => self.decoded_bytes().eq(other.decoded_bytes()),
        }
    }

    pub(super) fn decoded_bytes(&self) -> DecodedBytes<'a> {
        DecodedBytes {
            chunks: self.chunks(),
            current: Chunk::Raw(&[]),
            at: 0,
        }
    }

    /// A cheap summary of the decoded name (its first seven bytes and its length) that differs
    /// for most distinct names, so duplicate detection rarely compares whole strings. Equal
    /// names always have equal keys, whatever their escaping; names of at most seven bytes
    /// have equal keys only when they are equal.
    #[inline]
    pub(super) fn key(&self) -> u64 {
        if self.is_escaped() {
            return self.key_escaped();
        }
        let mut prefix = [0u8; 8];
        for (slot, &b) in prefix.iter_mut().zip(self.raw.iter().take(7)) {
            *slot = b;
        }
        key_of(self.raw.len(), prefix)
    }

    #[inline(never)]
    pub(super) fn key_escaped(&self) -> u64 {
        // Chunk by chunk (runs of text and decoded characters), not byte by byte: this runs
        // for every escaped name, so its cost per byte bounds what escaped names cost.
        let mut prefix = [0u8; 8];
        let mut len = 0usize;
        for chunk in self.chunks() {
            let bytes = chunk.bytes();
            if let Some(room) = prefix.get_mut(len.min(7)..7) {
                for (slot, &b) in room.iter_mut().zip(bytes) {
                    *slot = b;
                }
            }
            len = len.saturating_add(bytes.len());
        }
        key_of(len, prefix)
    }
}

/// Slice equality without a call to `memcmp` for the short strings that issuers and
/// audiences usually are: two overlapping word compares cover 4 to 16 bytes.
#[inline]
pub(super) fn short_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let words = |x: &[u8]| -> Option<(u64, u64)> {
        match (x.first_chunk::<8>(), x.last_chunk::<8>()) {
            (Some(first), Some(last)) => {
                Some((u64::from_le_bytes(*first), u64::from_le_bytes(*last)))
            }
            _ => {
                let (first, last) = (x.first_chunk::<4>()?, x.last_chunk::<4>()?);
                Some((
                    u64::from(u32::from_le_bytes(*first)),
                    u64::from(u32::from_le_bytes(*last)),
                ))
            }
        }
    };
    match a.len() {
        4..=16 => words(a) == words(b),
        _ => a == b,
    }
}

/// The key of a name of `len` bytes whose first seven (zero-padded) are `prefix`.
#[inline]
pub(super) fn key_of(len: usize, prefix: [u8; 8]) -> u64 {
    let len = u64::from(u8::try_from(len).unwrap_or(u8::MAX));
    u64::from_le_bytes(prefix) & LOW7 | len << 56
}

/// The seven low bytes of a word: the name bytes of a key.
pub(super) const LOW7: u64 = 0x00ff_ffff_ffff_ffff;

/// A JSON number literal (already validated against the RFC 8259 grammar).
#[derive(Clone, Copy, Debug)]
pub struct Number<'a> {
    /// Invariant: matches `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    pub(super) raw: &'a [u8],
}

impl<'a> Number<'a> {
    /// The literal as written in the document.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The value, when the literal is a plain non-negative integer (digits only: no sign,
    /// fraction or exponent, so `1.0` and `1e3` give `None`) that fits in a `u64`.
    #[inline]
    pub fn as_u64(&self) -> Option<u64> {
        // Nineteen digits or fewer cannot overflow (u64::MAX has twenty): no checked steps.
        let (head, tail) = match self.raw.split_last_chunk::<8>() {
            Some((head, eight)) if head.len() <= 11 => (head, eight_digits(eight)?),
            Some(_) => return self.as_u64_long(),
            None if self.raw.is_empty() => return None,
            None => (self.raw, 0),
        };
        // Eight digits at a time at the end (NumericDates have ten), the first ones singly.
        let mut acc = 0u64;
        for &b in head {
            acc = acc
                .wrapping_mul(10)
                .wrapping_add(u64::from(digit_value(b)?));
        }
        let scale = if self.raw.len() > 8 { 100_000_000 } else { 1 };
        Some(acc.wrapping_mul(scale).wrapping_add(tail))
    }

    /// [`Number::as_u64`] for twenty digits or more, with overflow checks.
    #[inline(never)]
    fn as_u64_long(&self) -> Option<u64> {
        self.raw.iter().try_fold(0u64, |acc, &b| {
            let digit = u64::from(digit_value(b)?);
            acc.checked_mul(10)?.checked_add(digit)
        })
    }

    /// The value as an RFC 7519 NumericDate: a non-negative number of seconds, integer or not
    /// (`1.5`, `1.5e9` and `1e3` are all valid).
    ///
    /// Returns the whole seconds rounded down and whether a non-zero fraction was dropped:
    /// `1e3` gives `(1000, false)`, `15e-1` gives `(1, true)`, `0.5` gives `(0, true)`.
    /// Negative zero (`-0`, `-0.0e5`) is zero and gives `(0, false)`. Returns `None` for any
    /// other negative value and for values above 253402300799 (9999-12-31T23:59:59Z).
    ///
    /// The conversion is exact (integer arithmetic on the digits, no floating point), and
    /// its work is linear in the literal's length however large the exponent.
    pub fn as_numeric_date(&self) -> Option<(u64, bool)> {
        NumericDate::parse(self).map(|date| (date.secs, date.fractional))
    }
}

/// Eight ASCII digits (most significant first) as their value, or `None` if any byte is not
/// a digit: the classic SWAR conversion, three multiplications instead of eight steps.
#[inline]
pub(super) fn eight_digits(chunk: &[u8; 8]) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Little-endian: the first (most significant) digit is the low byte.
    let x = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'0'));
    // A byte that was a digit is now 0..=9; flag any other (see `skip_digits`).
    if (((x & !HIGHS) + ONES * 0x76) | x) & HIGHS != 0 {
        return None;
    }
    // Pairs, then quads, then the whole: each step multiplies the higher-order half by a
    // power of ten and adds the lower-order one, lane-wise.
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00ff_00ff_00ff_00ff;
    let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_ffff_0000_ffff;
    Some((x.wrapping_mul(10_000) + (x >> 32)) & 0xffff_ffff)
}

pub(crate) fn digit_value(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

/// A JSON value borrowed from a validated document.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// A string.
    String(JsonStr<'a>),
    /// A number.
    Number(Number<'a>),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array.
    Array(Array<'a>),
    /// An object.
    Object(Object<'a>),
}

/// An already-validated array span (including brackets).
#[derive(Clone, Copy, Debug)]
pub struct Array<'a> {
    /// Invariant: a validated array, `[` to `]`, from a validated document.
    pub(super) raw: &'a [u8],
}

impl<'a> Array<'a> {
    /// Calls `f` for every element in order; stops at and returns the first error of `f`.
    ///
    /// The span was validated with its document, so iteration cannot fail; were it ever
    /// handed malformed bytes, iteration would stop early (without panicking).
    pub fn for_each_element<E>(
        &self,
        mut f: impl FnMut(Value<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some((b'[', inner)) = self.raw.split_first() else {
            return Ok(());
        };
        let mut s = skip_ws(inner);
        if let Some((b']', _)) = s.split_first() {
            return Ok(());
        }
        while let Ok((value, rest)) = value(s, MAX_DEPTH) {
            f(value)?;
            match skip_ws(rest).split_first() {
                Some((b',', rest)) => s = skip_ws(rest),
                _ => break,
            }
        }
        Ok(())
    }

    /// The array as written in the document, brackets included.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

/// An already-validated object span (including braces).
///
/// Duplicate member names are not checked in nested objects: each is reported in order.
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    /// Invariant: a validated object, `{` to `}`, from a validated document.
    pub(super) raw: &'a [u8],
}

impl<'a> Object<'a> {
    /// Validates `doc` as one strict JSON object, under the same rules and `limits` as a
    /// token's claims, and returns it for walking with [`Object::for_each_member`].
    ///
    /// JSON whitespace may surround the object; nothing else may. Of `limits`, only
    /// `max_json_depth` and `max_members` (top-level members) apply. Duplicate names are
    /// rejected at the top level only, as for the claims.
    ///
    /// Errors: [`Error::ClaimsJson`] when `doc` is not one RFC 8259 object (syntax, UTF-8 or
    /// escapes, or 4 GiB or more), [`Error::JsonTooDeep`], [`Error::TooManyMembers`],
    /// [`Error::DuplicateMember`].
    ///
    /// ```
    /// use jwtgate::{Error, Limits, Object, Value};
    ///
    /// // Writes the leaves of a value, with the path of names to each.
    /// fn walk(value: Value<'_>, path: &str, out: &mut Vec<String>) {
    ///     match value {
    ///         Value::Object(object) => {
    ///             let _ = object.for_each_member(|name, value| {
    ///                 let mut buf = [0u8; 16];
    ///                 let name = name.unescape_into(&mut buf)?;
    ///                 walk(value, &format!("{path}.{name}"), out);
    ///                 Ok::<(), Error>(())
    ///             });
    ///         }
    ///         Value::Array(array) => {
    ///             let _ = array.for_each_element(|value| {
    ///                 walk(value, &format!("{path}[]"), out);
    ///                 Ok::<(), Error>(())
    ///             });
    ///         }
    ///         Value::String(s) => out.push(format!("{path}={:?}", s.as_str())),
    ///         Value::Number(n) => out.push(format!("{path}={}", String::from_utf8_lossy(n.raw()))),
    ///         Value::Bool(b) => out.push(format!("{path}={b}")),
    ///         Value::Null => out.push(format!("{path}=null")),
    ///     }
    /// }
    ///
    /// let doc = br#" {"sub": "ada", "ro\u006ces": ["admin", {"team": null}], "n": -1.5e3} "#;
    /// let object = Object::parse(doc, &Limits::DEFAULT)?;
    /// let mut seen = Vec::new();
    /// walk(Value::Object(object), "", &mut seen);
    /// assert_eq!(
    ///     seen,
    ///     [r#".sub=Some("ada")"#, r#".roles[]=Some("admin")"#, ".roles[].team=null", ".n=-1.5e3"],
    /// );
    ///
    /// let parse = |doc: &[u8]| Object::parse(doc, &Limits::DEFAULT).map(|_| ());
    /// assert_eq!(parse(br#"{"a": 1,}"#), Err(Error::ClaimsJson));
    /// assert_eq!(parse(br#"[1]"#), Err(Error::ClaimsJson));
    /// assert_eq!(parse(br#"{"a": 1, "\u0061": 2}"#), Err(Error::DuplicateMember));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn parse(doc: &'a [u8], limits: &Limits) -> Result<Object<'a>, Error> {
        for_each_member(
            doc,
            limits.max_json_depth,
            limits.max_members,
            Error::ClaimsJson,
            |_, _| Ok(()),
        )?;
        Ok(Object::of_document(doc))
    }

    /// The object of a document that was validated as one: `doc` without the whitespace
    /// around it, as [`Object::for_each_member`] expects the brace first.
    fn of_document(doc: &'a [u8]) -> Object<'a> {
        let start = skip_ws(doc);
        let end = start
            .iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .map_or(0, |last| last.wrapping_add(1));
        Object {
            raw: start.get(..end).unwrap_or_default(),
        }
    }

    /// Calls `f` for every member in order; stops at and returns the first error of `f`.
    ///
    /// The span was validated with its document, so iteration cannot fail; were it ever
    /// handed malformed bytes, iteration would stop early (without panicking).
    pub fn for_each_member<E>(
        &self,
        mut f: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some((b'{', inner)) = self.raw.split_first() else {
            return Ok(());
        };
        let mut s = skip_ws(inner);
        while let Ok((name, rest)) = member_name(s) {
            let Ok((value, rest)) = value(rest, MAX_DEPTH) else {
                break;
            };
            f(name, value)?;
            match skip_ws(rest).split_first() {
                Some((b',', rest)) => s = skip_ws(rest),
                _ => break,
            }
        }
        Ok(())
    }

    /// The object as written in the document, braces included.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::json::testutil::*;
    use std::string::String;
    use std::vec::Vec;

    /// `(literal, as_u64, as_numeric_date)`.
    #[allow(clippy::type_complexity)]
    const NUMBERS: &[(&str, Option<u64>, Option<(u64, bool)>)] = &[
        ("0", Some(0), Some((0, false))),
        ("-0", None, Some((0, false))),
        ("-0.0e5", None, Some((0, false))),
        ("0e999999999", None, Some((0, false))),
        ("1", Some(1), Some((1, false))),
        ("1516239022", Some(1516239022), Some((1516239022, false))),
        ("1516239022.123", None, Some((1516239022, true))),
        ("1e3", None, Some((1000, false))),
        ("1E+2", None, Some((100, false))),
        ("1.5", None, Some((1, true))),
        ("1.50", None, Some((1, true))),
        ("1.0", None, Some((1, false))),
        ("0.5", None, Some((0, true))),
        ("0.5e1", None, Some((5, false))),
        ("0.1e1", None, Some((1, false))),
        ("15e-1", None, Some((1, true))),
        ("100e-2", None, Some((1, false))),
        ("1.5e9", None, Some((1_500_000_000, false))),
        ("0.0000001", None, Some((0, true))),
        ("1e-999999999", None, Some((0, true))),
        ("1.000000000000000000000000000001", None, Some((1, true))),
        ("1000000000000e-1", None, Some((100_000_000_000, false))),
        (
            "253402300799",
            Some(253402300799),
            Some((253402300799, false)),
        ),
        ("253402300799.0", None, Some((253402300799, false))),
        ("253402300799.5", None, Some((253402300799, true))),
        ("2534023007990e-1", None, Some((253402300799, false))),
        ("2.53402300799e11", None, Some((253402300799, false))),
        ("253402300800", Some(253402300800), None),
        ("999999999999", Some(999999999999), None),
        ("99999999999999999999e-8", None, None),
        ("1e12", None, None),
        ("1e400", None, None),
        ("1e999999999", None, None),
        ("1e99999999999999999999999999", None, None),
        ("12345678901234567890123", None, None),
        ("-1", None, None),
        ("-0.5", None, None),
        ("-1e-999", None, None),
        ("18446744073709551615", Some(u64::MAX), None),
        ("18446744073709551616", None, None),
    ];

    /// The eight-at-a-time integer conversion agrees with digit-by-digit folding, around
    /// every length and the `u64` overflow boundary, and rejects any non-digit anywhere.
    #[test]
    fn as_u64_agrees_with_folding() {
        let slow = |s: &[u8]| -> Option<u64> {
            if s.is_empty() {
                return None;
            }
            s.iter().try_fold(0u64, |acc, &b| {
                acc.checked_mul(10)?.checked_add(u64::from(digit_value(b)?))
            })
        };
        let mut cases: Vec<String> = Vec::new();
        for len in 0..=24 {
            cases.push("9".repeat(len));
            cases.push("1".repeat(len));
            cases.push(
                (0..len)
                    .map(|i| char::from(b'0' + (i * 7 % 10) as u8))
                    .collect(),
            );
        }
        for s in [
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "00000000000000000001",
            "12345678",
            "1234567.",
            "1234567e",
            "/2345678",
            ":2345678",
            "1234567:",
            "12345678/",
            "123456789:",
            "-1234567",
            "1800000000",
        ] {
            cases.push(s.into());
        }
        for s in &cases {
            let n = Number { raw: s.as_bytes() };
            assert_eq!(n.as_u64(), slow(s.as_bytes()), "{s}");
            for at in 0..s.len() {
                for bad in [b'/', b':', b'.', b'e', b'-', 0x80, 0xb0, 0x20] {
                    let mut t = s.clone().into_bytes();
                    t[at] = bad;
                    let n = Number { raw: &t };
                    assert_eq!(n.as_u64(), None, "{t:?}");
                }
            }
        }
    }

    #[test]
    fn numbers() {
        for (raw, int, date) in NUMBERS {
            // Every literal here is valid JSON.
            let doc = std::format!("{{\"n\":{raw}}}");
            assert_eq!(count(doc.as_bytes()), Ok(1), "{raw}");
            let n = Number {
                raw: raw.as_bytes(),
            };
            assert_eq!(n.as_u64(), *int, "{raw}");
            assert_eq!(n.as_numeric_date(), *date, "{raw}");
        }
    }

    #[test]
    fn numeric_date_matches_integers() {
        for v in [
            0u64,
            1,
            9,
            10,
            99,
            1000,
            1_700_000_000,
            253402300799,
            253402300800,
        ] {
            let expected = (v <= 253402300799).then_some((v, false));
            for text in [
                std::format!("{v}"),
                std::format!("{v}.0"),
                std::format!("{v}0e-1"),
                std::format!("{v}e0"),
                std::format!("0.{v}e{}", std::format!("{v}").len()),
            ] {
                let n = Number {
                    raw: text.as_bytes(),
                };
                assert_eq!(n.as_numeric_date(), expected, "{text}");
            }
        }
    }

    /// Spans built by hand that no validated document produces: iteration stops quietly.
    #[test]
    fn garbage_spans_never_panic() {
        let garbage = [
            "",
            "[",
            "]",
            "{",
            "}",
            "[1",
            "[1,",
            "[1,]",
            "[,",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1,",
            "{\"a\":1",
            "[\"\\",
            "[\"\\u",
            "[\"\\uD800\"]",
            "[\"",
            "x",
            "[}",
            "{]",
            "[[[[",
            "{1:2}",
            "[01]",
            "[1e]",
            "[nul]",
            "[1 2]",
        ];
        for raw in garbage {
            let _ = Array {
                raw: raw.as_bytes(),
            }
            .for_each_element(|_| Ok::<_, ()>(()));
            let _ = Object {
                raw: raw.as_bytes(),
            }
            .for_each_member(|_, _| Ok::<_, ()>(()));
            let s = JsonStr {
                raw: raw.as_bytes(),
                escapes: Escapes::Yes,
            };
            let _ = s.unescaped_len();
            let _ = s.unescape_into(&mut [0u8; 8]);
            let _ = s.eq_str(raw);
            s.for_each_chunk(|_| ());
            let _ = s.key();
            let n = Number {
                raw: raw.as_bytes(),
            };
            let _ = (n.as_u64(), n.as_numeric_date());
        }
        // Every truncation of a valid array or object, too.
        let doc = r#"{"a":[1,"\u0041\ud83d\ude00",{"b":[true,null]},-1.5e3],"c":"d"}"#;
        for end in 0..=doc.len() {
            let raw = &doc[..end];
            let _ = Object {
                raw: raw.as_bytes(),
            }
            .for_each_member(|_, _| Ok::<_, ()>(()));
            let _ = Array {
                raw: &raw.as_bytes()[raw.len().min(5)..],
            }
            .for_each_element(|_| Ok::<_, ()>(()));
            let _ = JsonStr {
                raw: raw.as_bytes(),
                escapes: Escapes::Yes,
            }
            .unescaped_len();
        }
    }

    /// A value walked into compact JSON: names and strings decoded (not re-escaped), numbers
    /// as written.
    fn render(value: Value<'_>, out: &mut String) {
        match value {
            Value::Object(object) => {
                out.push('{');
                let mut first = true;
                object
                    .for_each_member(|name, value| {
                        if !core::mem::take(&mut first) {
                            out.push(',');
                        }
                        out.push_str(&std::format!("{:?}:", decoded(&name)));
                        render(value, out);
                        Ok::<(), ()>(())
                    })
                    .unwrap();
                out.push('}');
            }
            Value::Array(array) => {
                out.push('[');
                let mut first = true;
                array
                    .for_each_element(|value| {
                        if !core::mem::take(&mut first) {
                            out.push(',');
                        }
                        render(value, out);
                        Ok::<(), ()>(())
                    })
                    .unwrap();
                out.push(']');
            }
            Value::String(s) => out.push_str(&std::format!("{:?}", decoded(&s))),
            Value::Number(n) => out.push_str(core::str::from_utf8(n.raw()).unwrap()),
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::Null => out.push_str("null"),
        }
    }

    #[test]
    fn object_parse_decides_as_the_scanner() {
        for (doc, expected) in DOCS {
            let shown = String::from_utf8_lossy(doc);
            match (Object::parse(doc, &Limits::DEFAULT), expected) {
                (Ok(object), Ok(n)) => {
                    assert_eq!(object.raw().first(), Some(&b'{'), "{shown}");
                    assert_eq!(object.raw().last(), Some(&b'}'), "{shown}");
                    let mut walked = 0;
                    object
                        .for_each_member(|_, _| {
                            walked += 1;
                            Ok::<(), ()>(())
                        })
                        .unwrap();
                    assert_eq!(walked, *n, "{shown}");
                }
                (Err(e), Err(expected)) => assert_eq!(e, *expected, "{shown}"),
                (got, expected) => panic!("{shown}: {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn object_parse_walks_nested_values() {
        let doc = b" \r\n{\"s\" : \"a\\u00e9\\ud83d\\ude00\\/\\n\", \"e\\u0078p\": 1e+2,\n\
            \"n\": [-0, 0.5, 12345678901234567890123, -1.5E-3, true, false, null],\n\
            \"o\": {\"k\": {\"k\": [[], {}, [{\"deep\": \"\"}]]}, \"k\": 2}}\t ";
        let object = Object::parse(doc, &Limits::DEFAULT).unwrap();
        let mut out = String::new();
        render(Value::Object(object), &mut out);
        assert_eq!(
            out,
            "{\"s\":\"a\u{e9}\u{1f600}/\\n\",\"exp\":1e+2,\
             \"n\":[-0,0.5,12345678901234567890123,-1.5E-3,true,false,null],\
             \"o\":{\"k\":{\"k\":[[],{},[{\"deep\":\"\"}]]},\"k\":2}}"
        );
    }

    #[test]
    fn object_parse_applies_the_limits() {
        let deep = nested(4, "[", "]");
        assert!(Object::parse(deep.as_bytes(), &limits(4, 128)).is_ok());
        assert_eq!(
            Object::parse(deep.as_bytes(), &limits(3, 128)).map(|_| ()),
            Err(Error::JsonTooDeep)
        );
        let wide = members(20);
        assert!(Object::parse(wide.as_bytes(), &limits(32, 20)).is_ok());
        assert_eq!(
            Object::parse(wide.as_bytes(), &limits(32, 19)).map(|_| ()),
            Err(Error::TooManyMembers)
        );
        // Nested members are not counted, nor checked for duplicates.
        let inner = std::format!("{{\"a\":{}}}", members(20));
        assert!(Object::parse(inner.as_bytes(), &limits(32, 1)).is_ok());
        assert!(Object::parse(br#"{"a":{"b":1,"b":2}}"#, &Limits::DEFAULT).is_ok());
    }
}
