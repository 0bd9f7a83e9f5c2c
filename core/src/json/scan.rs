//! The scanner: validates tokens in one forward pass, strings a word at a time (SWAR).
//!
//! Every scanning function takes the rest of the document from where its token starts and
//! returns what follows the token: a cursor over a shrinking slice, so that the compiler sees
//! every access in bounds and no position arithmetic can overflow.

use super::*;

/// The part of `s` before its suffix `rest`.
#[inline(always)]
pub(super) fn before<'a>(s: &'a [u8], rest: &[u8]) -> Result<&'a [u8], Fail> {
    s.get(..s.len().wrapping_sub(rest.len()))
        .ok_or(Fail::Syntax)
}

/// Skips JSON whitespace. Tokens almost never have any, so the first byte is tested alone
/// (every whitespace byte is at most a space) before the loop.
#[inline(always)]
pub(super) fn skip_ws(s: &[u8]) -> &[u8] {
    match s.first() {
        Some(&b) if b > b' ' => s,
        _ => skip_ws_loop(s),
    }
}

#[inline(never)]
pub(super) fn skip_ws_loop(mut s: &[u8]) -> &[u8] {
    while let Some((b' ' | b'\t' | b'\n' | b'\r', rest)) = s.split_first() {
        s = rest;
    }
    s
}

/// Scans `"name" :` and the whitespace after it: the name and the rest from its value.
#[inline(always)]
pub(super) fn member_name(s: &[u8]) -> Result<(JsonStr<'_>, &[u8]), Fail> {
    let Some((b'"', body)) = s.split_first() else {
        return Err(Fail::Syntax);
    };
    let (name, rest) = string(body)?;
    let Some((b':', rest)) = skip_ws(rest).split_first() else {
        return Err(Fail::Syntax);
    };
    Ok((name, skip_ws(rest)))
}

/// Validates the value at the start of `s` (whitespace skipped) inside the top-level object
/// or a validated span: the value and what follows it.
#[inline(always)]
pub(super) fn value(s: &[u8], max_depth: usize) -> Result<(Value<'_>, &[u8]), Fail> {
    let (value, rest, _) = top_value(s, max_depth)?;
    Ok((value, rest))
}

/// [`value`], and the [`Shape`] of an array value.
#[inline(always)]
pub(super) fn top_value(s: &[u8], max_depth: usize) -> Result<(Value<'_>, &[u8], Shape), Fail> {
    match s.split_first() {
        Some((b'"', body)) => {
            let (string, rest) = string(body)?;
            Ok((Value::String(string), rest, Shape::UNKNOWN))
        }
        Some((b'-' | b'0'..=b'9', _)) => {
            let rest = number(s)?;
            let raw = before(s, rest)?;
            Ok((Value::Number(Number { raw }), rest, Shape::UNKNOWN))
        }
        _ => value_other(s, max_depth),
    }
}

/// What the scanner learnt about an array value on the way: the number of its elements when
/// every one is a string, so that `aud` is type-checked without walking it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The element count when all elements are strings, `u32::MAX` when unknown.
    strings: u32,
}

impl Shape {
    /// Nothing known (the value is not an array, or has a non-string element).
    pub(crate) const UNKNOWN: Shape = Shape { strings: u32::MAX };

    /// The number of elements, when the value is an array of strings only.
    pub(crate) fn string_count(self) -> Option<usize> {
        if self == Shape::UNKNOWN {
            return None;
        }
        usize::try_from(self.strings).ok()
    }
}

/// [`top_value`] when it is neither a string nor a number: out of line, to keep the common
/// paths' loops small.
#[inline(never)]
pub(super) fn value_other(s: &[u8], max_depth: usize) -> Result<(Value<'_>, &[u8], Shape), Fail> {
    let Some((&first, tail)) = s.split_first() else {
        return Err(Fail::Syntax);
    };
    match first {
        b'{' => {
            let rest = container(s, 1, max_depth)?;
            let raw = before(s, rest)?;
            Ok((Value::Object(Object { raw }), rest, Shape::UNKNOWN))
        }
        b'[' => {
            if max_depth < 2 {
                return Err(Fail::TooDeep);
            }
            let (rest, shape) = match flat_array(tail)? {
                Some(flat) => flat,
                None => (container(s, 1, max_depth)?, Shape::UNKNOWN),
            };
            let raw = before(s, rest)?;
            Ok((Value::Array(Array { raw }), rest, shape))
        }
        b't' => Ok((Value::Bool(true), literal(s, b"true")?, Shape::UNKNOWN)),
        b'f' => Ok((Value::Bool(false), literal(s, b"false")?, Shape::UNKNOWN)),
        b'n' => Ok((Value::Null, literal(s, b"null")?, Shape::UNKNOWN)),
        _ => Err(Fail::Syntax),
    }
}

/// Validates the array whose opening bracket was just consumed when none of its elements is
/// a container (`aud`, `roles`, `amr`: arrays of strings): what follows it, and its shape.
/// `None` as soon as an element is a container, to start over with [`container`]. The caller
/// checks the depth.
#[inline(always)]
pub(super) fn flat_array(s: &[u8]) -> Result<Option<(&[u8], Shape)>, Fail> {
    let mut s = skip_ws(s);
    if let Some((b']', rest)) = s.split_first() {
        return Ok(Some((rest, Shape { strings: 0 })));
    }
    // Every element takes at least two bytes of a document shorter than 4 GiB: the count
    // stays below `u32::MAX`.
    let mut strings = 0u32;
    let mut all_strings = true;
    loop {
        let rest = match s.split_first() {
            Some((b'"', body)) => string(body)?.1,
            Some((b'{' | b'[', _)) => return Ok(None),
            _ => {
                all_strings = false;
                scalar(s)?
            }
        };
        strings = strings.wrapping_add(1);
        match skip_ws(rest).split_first() {
            Some((b',', rest)) => s = skip_ws(rest),
            Some((b']', rest)) => {
                let shape = if all_strings {
                    Shape { strings }
                } else {
                    Shape::UNKNOWN
                };
                return Ok(Some((rest, shape)));
            }
            _ => return Err(Fail::Syntax),
        }
    }
}

/// A string, number or literal at the start of `s`: what follows it.
#[inline]
pub(super) fn scalar(s: &[u8]) -> Result<&[u8], Fail> {
    match s.split_first() {
        Some((b'"', body)) => Ok(string(body)?.1),
        Some((b't', _)) => literal(s, b"true"),
        Some((b'f', _)) => literal(s, b"false"),
        Some((b'n', _)) => literal(s, b"null"),
        Some((b'-' | b'0'..=b'9', _)) => number(s),
        _ => Err(Fail::Syntax),
    }
}

/// Validates the object or array at the start of `s`, inside a container of depth `depth`:
/// what follows it.
///
/// Nested containers are tracked on a bit stack instead of by recursion: bit 0 of `stack`
/// says whether the innermost open container is an object.
pub(super) fn container(s: &[u8], depth: usize, max_depth: usize) -> Result<&[u8], Fail> {
    // `max_depth <= MAX_DEPTH` keeps `level` within the 128 bits of `stack`.
    let max_level = max_depth.min(MAX_DEPTH).saturating_sub(depth);
    let mut stack: u128 = 0;
    let mut level = 0usize;
    let mut s = s;
    'value: loop {
        match s.split_first() {
            Some((&open @ (b'{' | b'['), inner)) => {
                if level >= max_level {
                    return Err(Fail::TooDeep);
                }
                let is_object = open == b'{';
                let close = if is_object { b'}' } else { b']' };
                let inner = skip_ws(inner);
                match inner.split_first() {
                    // Empty: a complete value, nothing to push.
                    Some((&b, rest)) if b == close => s = rest,
                    Some(_) => {
                        stack = stack << 1 | u128::from(is_object);
                        level += 1;
                        s = if is_object {
                            member_name(inner)?.1
                        } else {
                            inner
                        };
                        continue 'value;
                    }
                    None => return Err(Fail::Syntax),
                }
            }
            _ => s = scalar(s)?,
        }
        // A value just ended: close containers until one expects another item.
        loop {
            if level == 0 {
                return Ok(s);
            }
            s = skip_ws(s);
            let in_object = stack & 1 == 1;
            match s.split_first() {
                Some((b',', rest)) => {
                    let rest = skip_ws(rest);
                    s = if in_object {
                        member_name(rest)?.1
                    } else {
                        rest
                    };
                    continue 'value;
                }
                Some((b'}', rest)) if in_object => s = rest,
                Some((b']', rest)) if !in_object => s = rest,
                _ => return Err(Fail::Syntax),
            }
            stack >>= 1;
            level -= 1;
        }
    }
}

#[inline(always)]
pub(super) fn literal<'a, const N: usize>(
    s: &'a [u8],
    literal: &[u8; N],
) -> Result<&'a [u8], Fail> {
    // Fixed-size arrays compare as integers, without a call to `memcmp`.
    match s.split_first_chunk::<N>() {
        Some((found, rest)) if found == literal => Ok(rest),
        _ => Err(Fail::Syntax),
    }
}

/// RFC 8259 section 6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at the start
/// of `s`: what follows it. Whatever follows is the container's business (so `01` fails
/// there, on the `1`).
#[inline(always)]
pub(super) fn number(s: &[u8]) -> Result<&[u8], Fail> {
    let unsigned = match s.split_first() {
        Some((b'-', rest)) => rest,
        _ => s,
    };
    let rest = match unsigned.split_first() {
        Some((b'0', rest)) => rest,
        Some((b'1'..=b'9', rest)) => skip_digits(rest),
        _ => return Err(Fail::Syntax),
    };
    let rest = match rest.split_first() {
        Some((b'.', fraction)) => some_digits(fraction)?,
        _ => rest,
    };
    match rest.split_first() {
        Some((b'e' | b'E', exponent)) => match exponent.split_first() {
            Some((b'+' | b'-', digits)) => some_digits(digits),
            _ => some_digits(exponent),
        },
        _ => Ok(rest),
    }
}

/// One or more digits.
pub(super) fn some_digits(s: &[u8]) -> Result<&[u8], Fail> {
    let rest = skip_digits(s);
    if rest.len() == s.len() {
        Err(Fail::Syntax)
    } else {
        Ok(rest)
    }
}

/// Skips ASCII digits, eight at a time: NumericDates are ten digits long.
#[inline(always)]
pub(super) fn skip_digits(s: &[u8]) -> &[u8] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut rest = s;
    while let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
        // Digits become 0..=9. A byte is flagged when it is 10 or more: its low seven bits
        // plus 0x76 reach 0x80 (never carrying into the next byte), or its top bit is set.
        let x = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'0'));
        let flags = ((x & !HIGHS).wrapping_add(ONES * 0x76) | x) & HIGHS;
        if flags != 0 {
            return rest.get(first_flagged(flags)..).unwrap_or(rest);
        }
        rest = tail;
    }
    let digits = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    rest.get(digits..).unwrap_or(rest)
}

/// Scans the string whose opening quote was just consumed: the string and what follows its
/// closing quote. This is where UTF-8 is validated: outside strings the grammar only admits
/// ASCII, so no other byte of the document can be non-ASCII.
#[inline(always)]
pub(super) fn string(s: &[u8]) -> Result<(JsonStr<'_>, &[u8]), Fail> {
    let plain = run_len(s, attention);
    match s.split_at_checked(plain) {
        // Almost every string: no escape, no non-ASCII character.
        Some((raw, [b'"', rest @ ..])) => Ok((
            JsonStr {
                raw,
                escapes: Escapes::No,
            },
            rest,
        )),
        _ => string_rest(s, plain),
    }
}

/// [`string`] from `s[plain]`, the first byte that needs attention when it is not the closing
/// quote.
#[inline(never)]
pub(super) fn string_rest(s: &[u8], plain: usize) -> Result<(JsonStr<'_>, &[u8]), Fail> {
    let mut escaped = false;
    let mut rest = s.get(plain..).ok_or(Fail::Syntax)?;
    loop {
        match rest {
            [b'"', after @ ..] => {
                let raw = before(s, rest)?;
                return Ok((
                    JsonStr {
                        raw,
                        escapes: Escapes::from_bool(escaped),
                    },
                    after,
                ));
            }
            [b'\\', ..] => {
                // The decoder itself validates, so scanning and decoding cannot disagree.
                let (_, len) = decode_escape(rest).ok_or(Fail::Syntax)?;
                rest = rest.get(len..).ok_or(Fail::Syntax)?;
                escaped = true;
            }
            [lead, ..] if *lead >= 0x80 => {
                // The run up to the next quote, backslash or control byte, all of them ASCII:
                // it cannot end inside a valid UTF-8 sequence, so the standard validator
                // (shortest form, no surrogates, at most U+10FFFF) checks it whole.
                let (text, after) = rest
                    .split_at_checked(run_len(rest, attention_ascii))
                    .ok_or(Fail::Syntax)?;
                core::str::from_utf8(text).map_err(|_| Fail::Syntax)?;
                rest = after;
            }
            // A control character (RFC 8259 section 7) or the end of the input.
            _ => return Err(Fail::Syntax),
        }
        rest = rest.get(run_len(rest, attention)..).ok_or(Fail::Syntax)?;
    }
}

/// The length of the run of bytes at the start of `s` that `flag` does not flag, eight at a
/// time: strings are most of a JWT's bytes, so this loop is most of the scanning time.
/// `flag` must flag zero bytes.
#[inline(always)]
pub(super) fn run_len(s: &[u8], flag: impl Fn(u64) -> u64) -> usize {
    let mut rest = s;
    while let Some((chunk, tail)) = rest.split_first_chunk::<8>() {
        let flags = flag(u64::from_le_bytes(*chunk));
        if flags != 0 {
            // `rest` is a suffix of `s`: no overflow.
            return s
                .len()
                .wrapping_sub(rest.len())
                .wrapping_add(first_flagged(flags));
        }
        rest = tail;
    }
    s.len()
        .wrapping_sub(rest.len())
        .wrapping_add(run_len_tail(s, rest, flag))
}

/// [`run_len`] on `rest`, the last 0 to 7 bytes of `s` (the end of a document or of a span).
#[inline(never)]
pub(super) fn run_len_tail(s: &[u8], rest: &[u8], flag: impl Fn(u64) -> u64) -> usize {
    // The last eight bytes of `s`, shifted so that those of `rest` come first. The zeros
    // shifted in are flagged, so a flag is always found, at `rest.len()` at the latest.
    match s.last_chunk::<8>() {
        Some(last) if !rest.is_empty() => {
            // `rest.len()` is 1 to 7: a shift of 8 to 56 bits.
            let kept = u32::try_from(rest.len()).unwrap_or(8).wrapping_mul(8);
            let word = u64::from_le_bytes(*last).wrapping_shr(64u32.wrapping_sub(kept));
            first_flagged(flag(word)).min(rest.len())
        }
        // Fewer than eight bytes in all: one at a time.
        _ => rest
            .iter()
            .position(|&b| flag(u64::from(b)) & 0x80 != 0)
            .unwrap_or(rest.len()),
    }
}

/// Flags (top bit of the byte) the bytes of `word` that end a run of plain string bytes: the
/// closing quote, an escape, a control character (an error) or the start of a non-ASCII
/// character (to validate). Only the lowest flag is reliable, which is all [`first_flagged`]
/// needs.
#[inline(always)]
pub(super) fn attention(word: u64) -> u64 {
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Non-ASCII bytes never borrow in `attention_ascii` (see there), so or-ing them in keeps
    // the lowest flag exact.
    (attention_ascii(word) | word) & HIGHS
}

/// Like [`attention`] but leaves non-ASCII bytes unflagged: the end of a run of text to
/// validate as UTF-8.
#[inline(always)]
pub(super) fn attention_ascii(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The classic "has a zero byte" test, `(x - 1) & !x & 0x80`, per byte: the lowest
    // flagged byte is always a real match (borrows only propagate upwards, and only from
    // flagged bytes), which is all we need. `word - 0x20` flags bytes below 0x20 the same
    // way. XOR with an ASCII byte keeps the top bit, so one `!word` serves all three tests;
    // bytes of 0x80 and above are never flagged and never borrow.
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES) | word.wrapping_sub(ONES * 0x20))
        & !word
        & HIGHS
}

/// The index of the lowest flagged byte (little-endian: the first in the document).
#[inline(always)]
pub(super) fn first_flagged(flags: u64) -> usize {
    // Below 8 for a non-zero `flags`, 8 otherwise: the conversion cannot fail.
    usize::try_from(flags.trailing_zeros() / 8).unwrap_or(8)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::json::testutil::*;
    use std::string::String;
    use std::vec::Vec;

    /// serde_json's view, as a reference: the document parses and is an object whose
    /// top-level names are unique.
    fn serde_accepts(doc: &[u8]) -> bool {
        use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

        struct Names(Vec<String>);
        impl<'de> Deserialize<'de> for Names {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Names;
                    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                        let mut names = Vec::new();
                        while let Some(name) = map.next_key::<String>()? {
                            map.next_value::<IgnoredAny>()?;
                            names.push(name);
                        }
                        Ok(Names(names))
                    }
                }
                d.deserialize_map(V)
            }
        }

        let Ok(Names(mut names)) = serde_json::from_slice::<Names>(doc) else {
            return false;
        };
        if serde_json::from_slice::<serde_json::Value>(doc).is_err() {
            return false;
        }
        let len = names.len();
        names.sort();
        names.dedup();
        names.len() == len
    }

    #[test]
    fn same_decisions_as_serde_json_on_the_tables() {
        for (doc, expected) in DOCS {
            if SERDE_DIFFERENCES.iter().any(|(d, ..)| d == doc) {
                continue;
            }
            // Top-level non-objects and duplicates are rejected by `serde_accepts` itself.
            assert_eq!(
                serde_accepts(doc),
                expected.is_ok(),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    /// Where we deliberately differ from `serde_json::from_slice::<serde_json::Value>`.
    /// `(document, we accept, serde_json accepts)`.
    const SERDE_DIFFERENCES: &[(&[u8], bool, bool)] = &[
        // JWT headers, claims and JWKS are objects; serde_json takes any JSON text.
        (b"[1]", false, true),
        (b"\"a\"", false, true),
        (b"1", false, true),
        (b"null", false, true),
        // RFC 7515 section 5.2 / RFC 7519 section 4: we reject duplicates; serde_json keeps
        // the last one, which is the classic claim-smuggling hole.
        (br#"{"exp":1,"exp":2}"#, false, true),
        (br#"{"exp":1,"\u0065xp":2}"#, false, true),
        // RFC 8259 allows any number; serde_json fails when it does not fit an f64. A
        // NumericDate this large is then refused by `as_numeric_date` instead.
        (br#"{"exp":1e400}"#, true, false),
        (br#"{"exp":-1e400}"#, true, false),
        (br#"{"b":1e999999999}"#, true, false),
        // Both bound nesting, at different depths (ours is the caller's limit, 32 here;
        // serde_json's recursion limit is 128).
        (DEEP_40, false, true),
    ];

    const DEEP_40: &[u8] =
        b"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}";

    /// Where we agree with serde_json on documents other parsers get wrong.
    const SERDE_AGREEMENTS: &[(&[u8], bool)] = &[
        (br#"{"a":"\uD800"}"#, false), // lone high surrogate
        (br#"{"a":"\uDC00"}"#, false), // lone low surrogate
        (br#"{"a":"\uD800\u0041"}"#, false),
        (br#"{"a":"\u0000"}"#, true),
        (b"\xef\xbb\xbf{}", false),
        (b"{\"a\":\"\xed\xa0\x80\"}", false),
        (br#"{"a":1.}"#, false),
        (br#"{"a":-0}"#, true),
        (br#"{"a":123456789012345678901234567890}"#, true),
        (br#"{"a":1e308}"#, true),
        (b"{\"a\":\"\x7f\"}", true),
    ];

    #[test]
    fn deliberate_differences_from_serde_json() {
        for (doc, ours, theirs) in SERDE_DIFFERENCES {
            let text = String::from_utf8_lossy(doc);
            assert_eq!(count(doc).is_ok(), *ours, "{text}");
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(doc).is_ok(),
                *theirs,
                "{text}"
            );
        }
        for (doc, both) in SERDE_AGREEMENTS {
            let text = String::from_utf8_lossy(doc);
            assert_eq!(count(doc).is_ok(), *both, "{text}");
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(doc).is_ok(),
                *both,
                "{text}"
            );
        }
    }

    /// Every one-byte mutation of a few documents: we accept exactly what serde_json
    /// accepts as an object with unique names, outside the listed differences.
    /// The word-at-a-time string scan on every special byte at every offset of a string, in
    /// names, values and array elements, and with the string ending anywhere within the
    /// last eight bytes of the document (the shifted last-word path and the byte-at-a-time
    /// path for documents shorter than a word): the same decisions and the same decoded
    /// text as serde_json.
    #[test]
    fn special_bytes_at_every_offset_of_a_word() {
        let specials: [&[u8]; 14] = [
            b"\"",
            b"\\\\",
            b"\\n",
            b"\\u00e9",
            b"\\",
            b"\x00",
            b"\x01",
            b"\x1f",
            b"\x7f",
            b" ",
            "\u{e9}".as_bytes(),
            "\u{1f600}".as_bytes(),
            b"\xff",
            b"\xe2\x82",
        ];
        let mut checked = 0;
        for len in 0..18 {
            for at in 0..=len {
                for special in specials {
                    let mut text = std::vec![b'a'; len];
                    text.splice(at..at, special.iter().copied());
                    let mut docs = Vec::new();
                    for (open, close) in [
                        (&b"{\"k\":\""[..], &b"\"}"[..]),
                        (b"{\"", b"\":1}"),
                        (b"{\"k\":[\"", b"\"]}"),
                        (b"{\"k\":\"", b"\"}   "),
                        (b"{\"", b"\":0,\"z\":[]}"),
                    ] {
                        docs.push([open, &text, close].concat());
                    }
                    // Truncated: the string runs into the end of the document.
                    docs.push([&b"{\"k\":\""[..], &text].concat());
                    for doc in docs {
                        let mut seen = Vec::new();
                        let ours = for_each_member(&doc, 8, 8, SYNTAX, |name, value| {
                            seen.push(decoded(&name));
                            if let Value::String(s) = value {
                                seen.push(decoded(&s));
                            }
                            if let Value::Array(a) = value {
                                a.for_each_element(|v| {
                                    if let Value::String(s) = v {
                                        seen.push(decoded(&s));
                                    }
                                    Ok::<_, Error>(())
                                })?;
                            }
                            Ok(())
                        });
                        let theirs = serde_json::from_slice::<serde_json::Value>(&doc);
                        assert_eq!(
                            ours.is_ok(),
                            theirs.is_ok(),
                            "{:?}",
                            String::from_utf8_lossy(&doc)
                        );
                        if let Ok(serde_json::Value::Object(map)) = theirs {
                            let mut expected = Vec::new();
                            for (name, value) in map {
                                expected.push(name);
                                match value {
                                    serde_json::Value::String(s) => expected.push(s),
                                    serde_json::Value::Array(items) => expected.extend(
                                        items
                                            .into_iter()
                                            .filter_map(|v| v.as_str().map(String::from)),
                                    ),
                                    _ => {}
                                }
                            }
                            seen.sort();
                            expected.sort();
                            assert_eq!(seen, expected, "{:?}", String::from_utf8_lossy(&doc));
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn mutations_agree_with_serde_json() {
        let seeds: [&[u8]; 3] = [
            br#"{"iss":"a\/b","aud":["x","\u00e9"],"exp":1.5e3,"n":null,"o":{"t":true,"f":false}}"#,
            br#"{"a":[0,-1,2.25,3e-1,{"b":"\ud83d\ude00"}],"ab":"\"\\"}"#,
            "{ \"é\" : [ ] , \"e\" : { } }".as_bytes(),
        ];
        let replacements = b" \t\n\"\\/{}[],:.-+0129eEtfnulxu\x00\x1f\x7f\xc3\xa9";
        let mut checked = 0;
        for seed in seeds {
            for at in 0..seed.len() {
                for &r in replacements.iter() {
                    let mut doc = seed.to_vec();
                    doc[at] = r;
                    for variant in [
                        doc.clone(),
                        {
                            let mut d = seed.to_vec();
                            d.insert(at, r);
                            d
                        },
                        {
                            let mut d = seed.to_vec();
                            d.remove(at);
                            d
                        },
                    ] {
                        let ours = count_with(&variant, 128, 256).is_ok();
                        assert_eq!(
                            ours,
                            serde_accepts(&variant),
                            "{:?}",
                            String::from_utf8_lossy(&variant)
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }
}
