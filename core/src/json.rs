//! Strict RFC 8259 JSON scanning, zero-copy, without allocation or recursion.
//!
//! A document is validated in one forward pass with an explicit nesting stack (one bit per
//! open container), so hostile input can neither grow the call stack nor make us allocate.
//! Values are handed out as spans borrowed from the document; strings are decoded only when
//! a caller asks, and then into the caller's buffer or chunk by chunk. UTF-8 is validated
//! inside strings only: the grammar admits nothing but ASCII outside them.
//!
//! Decisions callers rely on:
//! - One pass: the callback sees each top-level member as soon as that member is validated
//!   (syntax, UTF-8, escapes, depth, member count, duplicate name), and the rest of the
//!   document is scanned after the callback returns. The first error in document order is
//!   returned: a problem of the document, or an error of the callback, which therefore wins
//!   over any problem after its member. A rejected document may have been partly seen by
//!   the callback, so callers record into locals and use them only when the call returns
//!   `Ok` (the header, the claims and the JWKS parsers all do).
//! - Duplicate member names are rejected at the top level only, compared after unescaping.
//!   No header or claims can make the check expensive: names longer than seven bytes whose
//!   summary keys collide are told apart by a SipHash fingerprint, computed once per name,
//!   before any full comparison, and after a few such collisions in one document long names
//!   are kept under their fingerprint (see `is_duplicate`, `Top::rehash`). What remains is one
//!   word comparison per pair of names whose filter bits meet (at most `MAX_MEMBERS^2 / 2`).
//!   Nested objects are validated but may repeat names: JWT and JWKS rules only care about
//!   the header, the claims and the JWKS root, and checking nested objects would need
//!   unbounded bookkeeping.
//! - `\u0000` is valid JSON and is accepted; decoded strings may therefore contain NUL.
//! - Depth is bounded by [`MAX_DEPTH`] and top-level members by [`MAX_MEMBERS`], whatever
//!   larger limits the caller passes.

use crate::{Error, Limits};

/// Deepest nesting we can track (the top-level object counts as 1): the nesting stack is one
/// bit per open container in a `u128`. Larger `max_depth` values behave as this one.
pub(crate) const MAX_DEPTH: usize = 128;

/// Most top-level members we can check for duplicates: every name seen so far is kept in a
/// fixed table on the stack. Larger `max_members` values behave as this one.
pub(crate) const MAX_MEMBERS: usize = 256;

/// Size of the name table tried first. Initialising a table costs time on every call, so the
/// common case (headers, claims of mainstream identity providers) gets a small one and only
/// larger objects pay for the full one (and 4 KiB of stack).
const SMALL_MEMBERS: usize = 16;

/// Why scanning stopped; mapped to [`Error`] at the API boundary so that the caller chooses
/// which syntax error its documents produce.
///
/// Word-sized for the reason [`Escapes`] is: a one-byte `Fail` sits where a scanned value's
/// first pointer does, so the compiler moved `Result<(Value, ..), Fail>` as one byte plus
/// seven, and those loads could not be forwarded from the word stores that wrote them (13% of
/// the claims parser's cycles stalled on one such load; ~50 ns per verify).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
enum Fail {
    Syntax,
    TooDeep,
}

impl Fail {
    fn into_error(self, syntax_error: Error) -> Error {
        match self {
            Fail::Syntax => syntax_error,
            Fail::TooDeep => Error::JsonTooDeep,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public value types
// ---------------------------------------------------------------------------------------------

/// A JSON string as it appears in the document (between the quotes, escapes not decoded).
///
/// The document it comes from was validated, so the raw bytes are UTF-8 and every escape is
/// well formed (surrogates paired). Compare with [`JsonStr::eq_str`], which decodes escapes:
/// `"\u0065xp"` equals `"exp"`. Decoded strings may contain NUL (`\u0000` is valid JSON).
#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    /// Invariant: a slice of a validated document between a string's quotes (so UTF-8).
    raw: &'a [u8],
    /// Whether `raw` contains a backslash.
    escapes: Escapes,
}

/// Whether a string contains an escape, as a word-sized field: a `bool` would leave seven
/// padding bytes in [`JsonStr`] and [`Value`], which the compiler then copies piecewise on
/// every move of a scanned value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
enum Escapes {
    No = 0,
    Yes = 1,
}

impl Escapes {
    #[inline(always)]
    fn from_bool(escaped: bool) -> Escapes {
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

    /// The decoded string as exactly `N` bytes, or `None` when its decoded length is not `N`:
    /// a cheap way to match short names (`exp`, `alg`) against constants.
    #[inline]
    pub(crate) fn as_short<const N: usize>(&self) -> Option<[u8; N]> {
        if !self.is_escaped() {
            return <[u8; N]>::try_from(self.raw).ok();
        }
        let mut out = [0u8; N];
        let decoded = self.unescape_into(&mut out).ok()?.len();
        (decoded == N).then_some(out)
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
    fn eq_unescaped(&self, other: &JsonStr<'_>) -> bool {
        match (self.is_escaped(), other.is_escaped()) {
            (false, _) => other.eq_bytes(self.raw),
            (true, false) => self.eq_bytes(other.raw),
            (true, true) => self.decoded_bytes().eq(other.decoded_bytes()),
        }
    }

    fn decoded_bytes(&self) -> DecodedBytes<'a> {
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
    fn key(&self) -> u64 {
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
    fn key_escaped(&self) -> u64 {
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
fn short_eq(a: &[u8], b: &[u8]) -> bool {
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
fn key_of(len: usize, prefix: [u8; 8]) -> u64 {
    let len = u64::from(u8::try_from(len).unwrap_or(u8::MAX));
    u64::from_le_bytes(prefix) & LOW7 | len << 56
}

/// The seven low bytes of a word: the name bytes of a key.
const LOW7: u64 = 0x00ff_ffff_ffff_ffff;

/// A JSON number literal (already validated against the RFC 8259 grammar).
#[derive(Clone, Copy, Debug)]
pub struct Number<'a> {
    /// Invariant: matches `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    raw: &'a [u8],
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
        /// The largest accepted value has this many digits.
        const MAX_DIGITS: i64 = 12;
        const MAX_SECONDS: u64 = 253_402_300_799;

        // Almost every `exp`, `nbf` and `iat` is a plain integer: skip the general path.
        if let Some(seconds) = self.as_u64() {
            return (seconds <= MAX_SECONDS).then_some((seconds, false));
        }
        let (negative, rest) = match self.raw.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, self.raw),
        };
        let exp_at = rest
            .iter()
            .position(|&b| b == b'e' || b == b'E')
            .unwrap_or(rest.len());
        let (mantissa, exponent) = rest.split_at_checked(exp_at)?;
        let frac_len = match mantissa.iter().position(|&b| b == b'.') {
            Some(dot) => mantissa.len() - dot - 1,
            None => 0,
        };
        // The digits of the mantissa as one integer, leading zeros dropped: the value is
        // `significant * 10^scale`.
        let significant = || {
            mantissa
                .iter()
                .filter_map(|&b| digit_value(b))
                .skip_while(|&d| d == 0)
        };
        let sig_len = significant().count();
        if sig_len == 0 {
            return Some((0, false));
        }
        if negative {
            return None;
        }
        let scale = parse_exponent(exponent.get(1..).unwrap_or(&[]))
            .saturating_sub(i64::try_from(frac_len).ok()?);
        // How many digits the integer part has (zero or less: the value is below 1).
        let int_digits = i64::try_from(sig_len).ok()?.saturating_add(scale);
        if int_digits > MAX_DIGITS {
            return None;
        }
        let int_digits = match usize::try_from(int_digits) {
            Ok(0) | Err(_) => return Some((0, true)),
            Ok(n) => n,
        };
        let mut whole = 0u64;
        let mut fraction = false;
        for (i, d) in significant().enumerate() {
            if i < int_digits {
                whole = whole * 10 + u64::from(d);
            } else if d != 0 {
                fraction = true;
                break;
            }
        }
        // A positive exponent adds zeros after the significant digits.
        for _ in sig_len..int_digits {
            whole *= 10;
        }
        (whole <= MAX_SECONDS).then_some((whole, fraction))
    }
}

/// An exponent's digits (with optional sign) as a number, saturating far beyond any exponent
/// that still matters so that `1e999999999999999999` stays cheap and exact in its effect.
fn parse_exponent(digits: &[u8]) -> i64 {
    const CAP: i64 = 1 << 40;
    let (negative, digits) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, digits),
    };
    let magnitude = digits
        .iter()
        .filter_map(|&b| digit_value(b))
        .fold(0i64, |acc, d| (acc * 10 + i64::from(d)).min(CAP));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// Eight ASCII digits (most significant first) as their value, or `None` if any byte is not
/// a digit: the classic SWAR conversion, three multiplications instead of eight steps.
#[inline]
fn eight_digits(chunk: &[u8; 8]) -> Option<u64> {
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

fn digit_value(b: u8) -> Option<u8> {
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
    raw: &'a [u8],
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
    raw: &'a [u8],
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

// ---------------------------------------------------------------------------------------------
// Top level
// ---------------------------------------------------------------------------------------------

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
fn members_large<'a, F: Members<'a>>(
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
}

#[derive(Clone, Copy)]
struct TopLimits {
    max_depth: usize,
    max_members: usize,
}

/// A top-level name, remembered for duplicate detection.
#[derive(Clone, Copy)]
struct Name {
    /// [`JsonStr::key`] of the name.
    key: u64,
    /// [`fingerprint`] of the name, or 0 until a name with the same key needed it.
    fingerprint: u64,
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
    fn get<'a>(&self, doc: &'a [u8]) -> Option<JsonStr<'a>> {
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
enum Flow {
    /// The document is valid and every member was handed to the callback.
    Done,
    /// The name table is full: carry on with a larger one, from [`Top::rest`].
    Overflow,
}

/// The state of the single pass over the top-level object.
struct Top<'a> {
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
fn short_name(body: &[u8]) -> Option<(JsonStr<'_>, u64, &[u8])> {
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
fn long_name(body: &[u8]) -> Result<(JsonStr<'_>, u64, &[u8]), Fail> {
    let (name, rest) = string(body)?;
    Ok((name, name.key(), rest))
}

/// The colon after a name, when whitespace precedes it: what follows it.
#[inline(never)]
fn colon(s: &[u8]) -> Result<&[u8], Fail> {
    match skip_ws(s).split_first() {
        Some((b':', rest)) => Ok(rest),
        _ => Err(Fail::Syntax),
    }
}

/// What [`is_duplicate`] found.
enum Duplicate {
    Yes,
    /// Not a duplicate; carries the name's [`fingerprint`] when it was computed (else 0) and
    /// how many earlier names had its key.
    No(u64, usize),
}

/// Key collisions of long names after which [`Top::rehash`] keys them by fingerprint.
const REHASH_AFTER: usize = 8;

/// The filter bit of a table key (multiply-shift: 6 bits).
#[inline(always)]
fn filter_bit(key: u64) -> u64 {
    1u64 << (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// The table key of a long name (whose [`JsonStr::key`] is `key`) after [`Top::rehash`]:
/// its length byte and 56 bits of its [`fingerprint`]. Equal names have equal hashed keys.
fn hashed_key(key: u64, name: &JsonStr<'_>) -> u64 {
    fingerprint(name) & LOW7 | key & !LOW7
}

/// Whether `name` (whose key is `key`) equals one of the first `count` names of the table.
///
/// Linear in the name's length whatever the table holds: a key holds the whole name when it
/// has at most seven bytes; longer names with equal keys are told apart by their
/// [`fingerprint`], computed at most once per name (and kept in the table), and compared in
/// full only when the fingerprints are equal too, which for distinct names takes a SipHash
/// collision. Without fingerprints, equal-length names sharing their first seven bytes cost a
/// full (unescaping) comparison with every such name before them: quadratic work that a
/// hostile header could use to burn CPU before any signature check (issue 20).
#[inline(never)]
fn is_duplicate(
    doc: &[u8],
    names: &mut [Name],
    count: usize,
    key: u64,
    name: &JsonStr<'_>,
) -> Duplicate {
    // Names of at most seven bytes: the key is the name.
    let exact = key >> 56 <= 7;
    let mut own = 0u64;
    let mut collisions = 0usize;
    for prior in names.get_mut(..count).unwrap_or_default() {
        if prior.key != key {
            continue;
        }
        if exact {
            return Duplicate::Yes;
        }
        collisions = collisions.wrapping_add(1);
        if own == 0 {
            own = fingerprint(name);
        }
        // The prior name is looked at (a scan of its bytes) only to fingerprint it, once,
        // and when the fingerprints agree.
        if prior.fingerprint == 0 {
            prior.fingerprint = prior.get(doc).map_or(1, |p| fingerprint(&p));
        }
        if prior.fingerprint == own {
            #[cfg(test)]
            tests::FULL_COMPARISONS.with(|n| n.set(n.get() + 1));
            if prior.get(doc).is_some_and(|p| p.eq_unescaped(name)) {
                return Duplicate::Yes;
            }
        }
    }
    Duplicate::No(own, collisions)
}

/// A 64-bit fingerprint of the decoded name (never 0, which marks "not computed"): SipHash
/// under a fixed key, so that names with many equal fingerprints cannot be crafted (a single
/// colliding pair costs one extra comparison; every further name on the same fingerprint
/// needs another full collision).
// `SipHasher` is deprecated only in favour of std's `DefaultHasher`, which `no_std` lacks.
#[allow(deprecated)]
fn fingerprint(name: &JsonStr<'_>) -> u64 {
    use core::hash::Hasher;
    let mut hasher =
        core::hash::SipHasher::new_with_keys(0x6a77_7467_6174_6520, 0x6e61_6d65_7320_2032);
    name.for_each_chunk(|chunk| hasher.write(chunk));
    hasher.finish() | 1
}

/// Only JSON whitespace may follow the top-level object.
#[inline]
fn end_of_document(rest: &[u8]) -> Result<(), Fail> {
    if skip_ws(rest).is_empty() {
        Ok(())
    } else {
        Err(Fail::Syntax)
    }
}

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------
//
// Every scanning function takes the rest of the document from where its token starts and
// returns what follows the token: a cursor over a shrinking slice, so that the compiler sees
// every access in bounds and no position arithmetic can overflow.

/// The part of `s` before its suffix `rest`.
#[inline(always)]
fn before<'a>(s: &'a [u8], rest: &[u8]) -> Result<&'a [u8], Fail> {
    s.get(..s.len().wrapping_sub(rest.len()))
        .ok_or(Fail::Syntax)
}

/// Skips JSON whitespace. Tokens almost never have any, so the first byte is tested alone
/// (every whitespace byte is at most a space) before the loop.
#[inline(always)]
fn skip_ws(s: &[u8]) -> &[u8] {
    match s.first() {
        Some(&b) if b > b' ' => s,
        _ => skip_ws_loop(s),
    }
}

#[inline(never)]
fn skip_ws_loop(mut s: &[u8]) -> &[u8] {
    while let Some((b' ' | b'\t' | b'\n' | b'\r', rest)) = s.split_first() {
        s = rest;
    }
    s
}

/// Scans `"name" :` and the whitespace after it: the name and the rest from its value.
#[inline(always)]
fn member_name(s: &[u8]) -> Result<(JsonStr<'_>, &[u8]), Fail> {
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
fn value(s: &[u8], max_depth: usize) -> Result<(Value<'_>, &[u8]), Fail> {
    let (value, rest, _) = top_value(s, max_depth)?;
    Ok((value, rest))
}

/// [`value`], and the [`Shape`] of an array value.
#[inline(always)]
fn top_value(s: &[u8], max_depth: usize) -> Result<(Value<'_>, &[u8], Shape), Fail> {
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
fn value_other(s: &[u8], max_depth: usize) -> Result<(Value<'_>, &[u8], Shape), Fail> {
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
fn flat_array(s: &[u8]) -> Result<Option<(&[u8], Shape)>, Fail> {
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
fn scalar(s: &[u8]) -> Result<&[u8], Fail> {
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
fn container(s: &[u8], depth: usize, max_depth: usize) -> Result<&[u8], Fail> {
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
fn literal<'a, const N: usize>(s: &'a [u8], literal: &[u8; N]) -> Result<&'a [u8], Fail> {
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
fn number(s: &[u8]) -> Result<&[u8], Fail> {
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
fn some_digits(s: &[u8]) -> Result<&[u8], Fail> {
    let rest = skip_digits(s);
    if rest.len() == s.len() {
        Err(Fail::Syntax)
    } else {
        Ok(rest)
    }
}

/// Skips ASCII digits, eight at a time: NumericDates are ten digits long.
#[inline(always)]
fn skip_digits(s: &[u8]) -> &[u8] {
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
fn string(s: &[u8]) -> Result<(JsonStr<'_>, &[u8]), Fail> {
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
fn string_rest(s: &[u8], plain: usize) -> Result<(JsonStr<'_>, &[u8]), Fail> {
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
fn run_len(s: &[u8], flag: impl Fn(u64) -> u64) -> usize {
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
fn run_len_tail(s: &[u8], rest: &[u8], flag: impl Fn(u64) -> u64) -> usize {
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
fn attention(word: u64) -> u64 {
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Non-ASCII bytes never borrow in `attention_ascii` (see there), so or-ing them in keeps
    // the lowest flag exact.
    (attention_ascii(word) | word) & HIGHS
}

/// Like [`attention`] but leaves non-ASCII bytes unflagged: the end of a run of text to
/// validate as UTF-8.
#[inline(always)]
fn attention_ascii(word: u64) -> u64 {
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
fn first_flagged(flags: u64) -> usize {
    // Below 8 for a non-zero `flags`, 8 otherwise: the conversion cannot fail.
    usize::try_from(flags.trailing_zeros() / 8).unwrap_or(8)
}

// ---------------------------------------------------------------------------------------------
// Unescaping
// ---------------------------------------------------------------------------------------------

/// Decodes the escape at the start of `s` (which begins with a backslash): the character and
/// how many bytes the escape takes. `None` for anything RFC 8259 section 7 does not allow,
/// including a UTF-16 surrogate that is not part of a high-low pair.
fn decode_escape(s: &[u8]) -> Option<(char, usize)> {
    let simple = match s.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(s.get(2..6)?)?;
            return match unit {
                0xD800..=0xDBFF => {
                    if s.get(6..8)? != b"\\u" {
                        return None;
                    }
                    let low = hex4(s.get(8..12)?)?;
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    Some((char::from_u32(code)?, 12))
                }
                _ => Some((char::from_u32(unit)?, 6)),
            };
        }
        _ => return None,
    };
    Some((simple, 2))
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc << 4 | char::from(b).to_digit(16)?))
}

/// A piece of a decoded string: a run of bytes without escapes, or one decoded escape.
#[derive(Clone, Copy)]
enum Chunk<'a> {
    Raw(&'a [u8]),
    /// A character's UTF-8 encoding and its length.
    Char([u8; 4], usize),
}

impl Chunk<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Raw(bytes) => bytes,
            Chunk::Char(buf, len) => buf.get(..*len).unwrap_or(&[]),
        }
    }
}

/// The decoded chunks of a string's raw bytes. Stops at a malformed escape, which a
/// validated string does not have.
struct Chunks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Chunk<'a>;

    fn next(&mut self) -> Option<Chunk<'a>> {
        if self.rest.first()? != &b'\\' {
            let run = self
                .rest
                .iter()
                .position(|&b| b == b'\\')
                .unwrap_or(self.rest.len());
            let (text, rest) = self.rest.split_at_checked(run)?;
            self.rest = rest;
            return Some(Chunk::Raw(text));
        }
        let Some((c, len)) = decode_escape(self.rest) else {
            self.rest = &[];
            return None;
        };
        self.rest = self.rest.get(len..).unwrap_or(&[]);
        let mut buf = [0u8; 4];
        let encoded = c.encode_utf8(&mut buf).len();
        Some(Chunk::Char(buf, encoded))
    }
}

/// The decoded bytes of a string one at a time, to compare two escaped strings.
struct DecodedBytes<'a> {
    chunks: Chunks<'a>,
    current: Chunk<'a>,
    at: usize,
}

impl Iterator for DecodedBytes<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        loop {
            if let Some(&b) = self.current.bytes().get(self.at) {
                self.at += 1;
                return Some(b);
            }
            self.current = self.chunks.next()?;
            self.at = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::string::String;
    use std::vec::Vec;

    const SYNTAX: Error = Error::ClaimsJson;

    std::thread_local! {
        /// Full name comparisons made by `is_duplicate` on this thread.
        pub(super) static FULL_COMPARISONS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    }

    /// The review's shape (issue 20): 127 equal-length names sharing their first seven
    /// decoded bytes, escaped. Every distinct name is accepted with no full comparison (it
    /// made about 8,000 through the unescaping iterator), and a duplicate among them, spelled
    /// differently, is still found.
    #[test]
    fn duplicate_candidates_cost_no_full_comparisons() {
        let stem = "b".repeat(33);
        for escaped in [true, false] {
            let name = |i: usize| {
                if escaped {
                    std::format!("\\u0062{stem}{i:03}")
                } else {
                    std::format!("b{stem}{i:03}")
                }
            };
            let members: std::vec::Vec<std::string::String> = (0..127)
                .map(|i| std::format!("\"{}\":0", name(i)))
                .collect();
            let doc = std::format!("{{{}}}", members.join(","));
            FULL_COMPARISONS.with(|n| n.set(0));
            assert_eq!(count_with(doc.as_bytes(), 8, 256), Ok(127));
            assert_eq!(FULL_COMPARISONS.with(|n| n.get()), 0, "escaped: {escaped}");
            // The 64th name again, spelled the other way, at the end.
            let other = if escaped {
                std::format!("b{stem}063")
            } else {
                std::format!("\\u0062{stem}063")
            };
            let doc = std::format!("{{{},\"{other}\":1}}", members.join(","));
            FULL_COMPARISONS.with(|n| n.set(0));
            assert_eq!(
                count_with(doc.as_bytes(), 8, 256),
                Err(Error::DuplicateMember)
            );
            assert_eq!(FULL_COMPARISONS.with(|n| n.get()), 1, "escaped: {escaped}");
        }
    }

    /// Exactness around the switch to fingerprint keys (after `REHASH_AFTER` collisions):
    /// a duplicate of any earlier name, short or long, in either spelling, is found
    /// whether it comes before, at or after the switch, in the small and the large table.
    #[test]
    fn duplicates_are_found_across_the_rehash() {
        for n in [3usize, 4, 5, 9, 10, 14, 20, 40] {
            let mut members: std::vec::Vec<std::string::String> = (0..n)
                .map(|i| std::format!("\"candidate-{i:03}\":0"))
                .collect();
            members.insert(1, "\"iss\":0".into());
            members.push("\"a-long-other-name\":0".into());
            let doc = std::format!("{{{}}}", members.join(","));
            assert_eq!(count_with(doc.as_bytes(), 8, 256), Ok(n + 2), "{n}");
            let names: std::vec::Vec<std::string::String> = (0..n)
                .map(|i| std::format!("\\u0063andidate-{i:03}"))
                .chain(["\\u0069ss".into(), "a-long-other-nam\\u0065".into()])
                .collect();
            for again in names {
                for at in [2, members.len()] {
                    let mut with = members.clone();
                    with.insert(at.min(with.len()), std::format!("\"{again}\":1"));
                    let doc = std::format!("{{{}}}", with.join(","));
                    let got = count_with(doc.as_bytes(), 8, 256);
                    // A duplicate inserted before its original is still a duplicate.
                    assert_eq!(got, Err(Error::DuplicateMember), "{doc}");
                }
            }
        }
    }

    /// Exactness of the fingerprinted check: names equal in key (length and first seven
    /// bytes) but different later are distinct, equal ones are duplicates whatever their
    /// escaping, in the small and in the large name table.
    #[test]
    fn equal_keys_are_told_apart_exactly() {
        let spellings = [
            "abcdefgh-x",
            "\\u0061bcdefgh-x",
            "abcdefgh-\\u0078",
            "abcdefgh\\u002dx",
        ];
        for a in spellings {
            for b in spellings {
                for fill in [0usize, 40] {
                    let pad: std::string::String =
                        (0..fill).map(|i| std::format!("\"p{i}\":0,")).collect();
                    let doc = std::format!("{{{pad}\"{a}\":0,\"abcdefgh-y\":0,\"{b}\":0}}");
                    assert_eq!(
                        count_with(doc.as_bytes(), 8, 256),
                        Err(Error::DuplicateMember),
                        "{doc}"
                    );
                    let doc = std::format!("{{{pad}\"{a}\":0,\"abcdefgh-y\":0}}");
                    assert_eq!(count_with(doc.as_bytes(), 8, 256), Ok(fill + 2), "{doc}");
                }
            }
        }
    }

    /// Validates with the default limits and counts the top-level members.
    fn count(doc: &[u8]) -> Result<usize, Error> {
        count_with(doc, 32, 128)
    }

    fn count_with(doc: &[u8], max_depth: usize, max_members: usize) -> Result<usize, Error> {
        let mut n = 0;
        for_each_member(doc, max_depth, max_members, SYNTAX, |_, _| {
            n += 1;
            Ok(())
        })?;
        Ok(n)
    }

    /// RFC 8259 section 13, first example.
    const RFC_OBJECT: &[u8] = br#"{
        "Image": {
            "Width":  800,
            "Height": 600,
            "Title":  "View from 15th Floor",
            "Thumbnail": {
                "Url":    "http://www.example.com/image/481989943",
                "Height": 125,
                "Width":  100
            },
            "Animated" : false,
            "IDs": [116, 943, 234, 38793]
        }
    }"#;

    /// RFC 8259 section 13, second example, as a member (we only accept objects).
    const RFC_ARRAY: &[u8] = br#"{"a": [
        {
           "precision": "zip",
           "Latitude":  37.7668,
           "Longitude": -122.3959,
           "Address":   "",
           "City":      "SAN FRANCISCO",
           "State":     "CA",
           "Zip":       "94107",
           "Country":   "US"
        },
        {
           "precision": "zip",
           "Latitude":  37.371991,
           "Longitude": -122.026020,
           "Address":   "",
           "City":      "SUNNYVALE",
           "State":     "CA",
           "Zip":       "94085",
           "Country":   "US"
        }
    ]}"#;

    const DOCS: &[(&[u8], Result<usize, Error>)] = &[
        (RFC_OBJECT, Ok(1)),
        (RFC_ARRAY, Ok(1)),
        // Texts RFC 8259 allows but a JWT object is not.
        (br#""Hello world!""#, Err(SYNTAX)),
        (b"42", Err(SYNTAX)),
        (b"true", Err(SYNTAX)),
        (b"null", Err(SYNTAX)),
        (b"[]", Err(SYNTAX)),
        (b"[{}]", Err(SYNTAX)),
        // Framing.
        (b"{}", Ok(0)),
        (b" \t\r\n{ \t\r\n} \t\r\n", Ok(0)),
        (b"", Err(SYNTAX)),
        (b"   ", Err(SYNTAX)),
        (b"{", Err(SYNTAX)),
        (b"}", Err(SYNTAX)),
        (b"{}{}", Err(SYNTAX)),
        (b"{} x", Err(SYNTAX)),
        (b"{}\0", Err(SYNTAX)),
        (b"{},", Err(SYNTAX)),
        (b"\xef\xbb\xbf{}", Err(SYNTAX)), // a BOM is not whitespace
        (b"{\x0c}", Err(SYNTAX)),         // form feed is not JSON whitespace
        (b"{\xc2\xa0}", Err(SYNTAX)),     // nor is NBSP
        // Members.
        (br#"{"a":1}"#, Ok(1)),
        (br#"{ "a" : 1 , "b" : [ 1 , 2 ] , "c" : { } }"#, Ok(3)),
        (br#"{"a":1,}"#, Err(SYNTAX)),
        (br#"{,"a":1}"#, Err(SYNTAX)),
        (br#"{"a":1 "b":2}"#, Err(SYNTAX)),
        (br#"{"a":1,,"b":2}"#, Err(SYNTAX)),
        (br#"{"a"}"#, Err(SYNTAX)),
        (br#"{"a" 1}"#, Err(SYNTAX)),
        (br#"{"a"::1}"#, Err(SYNTAX)),
        (br#"{"a":}"#, Err(SYNTAX)),
        (br#"{a:1}"#, Err(SYNTAX)),
        (br#"{'a':1}"#, Err(SYNTAX)),
        (br#"{1:1}"#, Err(SYNTAX)),
        (br#"{"a":1"#, Err(SYNTAX)),
        (br#"{"a"#, Err(SYNTAX)),
        (br#"{"a":"x}"#, Err(SYNTAX)),
        (br#"{"a":/*c*/1}"#, Err(SYNTAX)),
        // Arrays and nesting.
        (br#"{"a":[]}"#, Ok(1)),
        (br#"{"a":[1,[2,[3]],{"b":[{}]}]}"#, Ok(1)),
        (br#"{"a":[1,]}"#, Err(SYNTAX)),
        (br#"{"a":[,1]}"#, Err(SYNTAX)),
        (br#"{"a":[,]}"#, Err(SYNTAX)),
        (br#"{"a":[1 2]}"#, Err(SYNTAX)),
        (br#"{"a":[1,,2]}"#, Err(SYNTAX)),
        (br#"{"a":[}"#, Err(SYNTAX)),
        (br#"{"a":{]}"#, Err(SYNTAX)),
        (br#"{"a":[1}]}"#, Err(SYNTAX)),
        (br#"{"a":{"b":1]}"#, Err(SYNTAX)),
        (br#"{"a":{"b":1,}}"#, Err(SYNTAX)),
        (br#"{"a":{"b"}}"#, Err(SYNTAX)),
        (br#"{"a":{1:2}}"#, Err(SYNTAX)),
        (br#"{"a":[1]]}"#, Err(SYNTAX)),
        (br#"{"a":[[1]}"#, Err(SYNTAX)),
        // Literals.
        (br#"{"a":true,"b":false,"c":null}"#, Ok(3)),
        (br#"{"a":tru}"#, Err(SYNTAX)),
        (br#"{"a":True}"#, Err(SYNTAX)),
        (br#"{"a":nul}"#, Err(SYNTAX)),
        (br#"{"a":truex}"#, Err(SYNTAX)),
        (br#"{"a":nulll}"#, Err(SYNTAX)),
        (br#"{"a":undefined}"#, Err(SYNTAX)),
        // Numbers (RFC 8259 section 6).
        (
            br#"{"a":0,"b":-0,"c":1,"d":-1,"e":10,"f":1.5,"g":-1.5,"h":0.5}"#,
            Ok(8),
        ),
        (
            br#"{"a":1e3,"b":1E3,"c":1e+3,"d":1e-3,"e":1.5e10,"f":-0.0e-0,"g":0e0}"#,
            Ok(7),
        ),
        (br#"{"a":123456789012345678901234567890,"c":[1,-2]}"#, Ok(2)),
        (br#"{"b":1e999999999}"#, Ok(1)),
        (br#"{"a":01}"#, Err(SYNTAX)),
        (br#"{"a":-01}"#, Err(SYNTAX)),
        (br#"{"a":00}"#, Err(SYNTAX)),
        (br#"{"a":+1}"#, Err(SYNTAX)),
        (br#"{"a":.5}"#, Err(SYNTAX)),
        (br#"{"a":1.}"#, Err(SYNTAX)),
        (br#"{"a":1.e3}"#, Err(SYNTAX)),
        (br#"{"a":-}"#, Err(SYNTAX)),
        (br#"{"a":-.5}"#, Err(SYNTAX)),
        (br#"{"a":--1}"#, Err(SYNTAX)),
        (br#"{"a":1e}"#, Err(SYNTAX)),
        (br#"{"a":1e+}"#, Err(SYNTAX)),
        (br#"{"a":1e+-1}"#, Err(SYNTAX)),
        (br#"{"a":1e1.5}"#, Err(SYNTAX)),
        (br#"{"a":1.5.5}"#, Err(SYNTAX)),
        (br#"{"a":NaN}"#, Err(SYNTAX)),
        (br#"{"a":Infinity}"#, Err(SYNTAX)),
        (br#"{"a":-Infinity}"#, Err(SYNTAX)),
        (br#"{"a":0x10}"#, Err(SYNTAX)),
        (br#"{"a":1_000}"#, Err(SYNTAX)),
        (br#"{"a":1 2}"#, Err(SYNTAX)),
        (br#"{"a":[01]}"#, Err(SYNTAX)),
        (br#"{"a":[1.]}"#, Err(SYNTAX)),
        // Strings: escapes (RFC 8259 section 7).
        (
            br#"{"a":"\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u00E9 \uD83D\uDE00"}"#,
            Ok(1),
        ),
        (br#"{"a":"\u0000"}"#, Ok(1)),
        (br#"{"a":"\uFFFF \uDBFF\uDFFF \uD800\uDC00"}"#, Ok(1)),
        (br#"{"a":"\x41"}"#, Err(SYNTAX)),
        (br#"{"a":"\'"}"#, Err(SYNTAX)),
        (br#"{"a":"\a"}"#, Err(SYNTAX)),
        (br#"{"a":"\U0041"}"#, Err(SYNTAX)),
        (br#"{"a":"\u12"}"#, Err(SYNTAX)),
        (br#"{"a":"\u12G4"}"#, Err(SYNTAX)),
        (br#"{"a":"\u"}"#, Err(SYNTAX)),
        (br#"{"a":"\"}"#, Err(SYNTAX)),
        (br#"{"a":"\uD800"}"#, Err(SYNTAX)),
        (br#"{"a":"\uDC00"}"#, Err(SYNTAX)),
        (br#"{"a":"\uDFFF\uD800"}"#, Err(SYNTAX)),
        (br#"{"a":"\uD800\u0041"}"#, Err(SYNTAX)),
        (br#"{"a":"\uD800x"}"#, Err(SYNTAX)),
        (br#"{"a":"\uD800\n"}"#, Err(SYNTAX)),
        (br#"{"a":"\uDBFF\uDBFF"}"#, Err(SYNTAX)),
        (br#"{"a":"\uD800\uDC0"}"#, Err(SYNTAX)),
        (br#"{"\uD800":1}"#, Err(SYNTAX)),
        (br#"{"a":["\uDC00"]}"#, Err(SYNTAX)),
        // Strings: raw control characters are not allowed, DEL is.
        (b"{\"a\":\"\x00\"}", Err(SYNTAX)),
        (b"{\"a\":\"\x01\"}", Err(SYNTAX)),
        (b"{\"a\":\"a\tb\"}", Err(SYNTAX)),
        (b"{\"a\":\"a\nb\"}", Err(SYNTAX)),
        (b"{\"a\":\"0123456789\x1f\"}", Err(SYNTAX)),
        (b"{\"a\x1f\":1}", Err(SYNTAX)),
        (b"{\"a\":\"\x7f\"}", Ok(1)),
        (b"{\"a\":\" !#[]~\"}", Ok(1)),
        // UTF-8.
        ("{\"é\":\"€😀 ünïcödé\"}".as_bytes(), Ok(1)),
        (b"{\"a\":\"\xff\"}", Err(SYNTAX)),
        (b"{\"a\":\"\xc3\"}", Err(SYNTAX)), // truncated sequence
        (b"{\"a\":\"\xc0\xaf\"}", Err(SYNTAX)), // overlong
        (b"{\"a\":\"\xed\xa0\x80\"}", Err(SYNTAX)), // surrogate encoded as UTF-8
        (b"{\"a\":\"\xf4\x90\x80\x80\"}", Err(SYNTAX)), // above U+10FFFF
        (b"{\"\xc3\xa9\":1}", Ok(1)),
        (b"{\xc3\xa9:1}", Err(SYNTAX)),
        (b"{\"a\":1}\xc3\xa9", Err(SYNTAX)),
        // Duplicates, compared after unescaping.
        (br#"{"a":1,"a":2}"#, Err(Error::DuplicateMember)),
        (br#"{"a":1,"b":2,"a":3}"#, Err(Error::DuplicateMember)),
        (br#"{"exp":1,"\u0065xp":2}"#, Err(Error::DuplicateMember)),
        (br#"{"\u0065xp":1,"exp":2}"#, Err(Error::DuplicateMember)),
        (
            br#"{"\u0065xp":1,"e\u0078\u0070":2}"#,
            Err(Error::DuplicateMember),
        ),
        (br#"{"a\/b":1,"a/b":2}"#, Err(Error::DuplicateMember)),
        (br#"{"\u00e9":1,"\u00E9":2}"#, Err(Error::DuplicateMember)),
        (
            "{\"é\":1,\"\\u00e9\":2}".as_bytes(),
            Err(Error::DuplicateMember),
        ),
        (
            "{\"😀\":1,\"\\ud83d\\ude00\":2}".as_bytes(),
            Err(Error::DuplicateMember),
        ),
        (br#"{"":1,"":2}"#, Err(Error::DuplicateMember)),
        (
            br#"{"a":1,"A":2,"ab":3,"\u0000":4,"a\u0000":5,"":6,"b":{}}"#,
            Ok(7),
        ),
        (br#"{"abcd":1,"abce":2,"abc":3,"abcde":4}"#, Ok(4)),
        // Nested objects may repeat names (documented).
        (br#"{"a":{"b":1,"b":2}}"#, Ok(1)),
        (br#"{"a":{"a":1},"b":[{"a":1,"a":2}]}"#, Ok(2)),
        // Duplicates are found before later syntax errors, in document order.
        (br#"{"a":1,"a":2,}"#, Err(Error::DuplicateMember)),
        (br#"{"a":1,,"a":2}"#, Err(SYNTAX)),
    ];

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

    /// `{"a":` + `[` * (depth - 1) ... so that the whole document has nesting `depth`.
    fn nested(depth: usize, open: &str, close: &str) -> String {
        let mut doc = String::from("{\"a\":");
        for _ in 1..depth {
            doc.push_str(open);
        }
        doc.push('1');
        for _ in 1..depth {
            doc.push_str(close);
        }
        doc.push('}');
        doc
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

    fn members(n: usize) -> String {
        let mut doc = String::from("{");
        for i in 0..n {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&std::format!("\"m{i}\":{i}"));
        }
        doc.push('}');
        doc
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

    /// `(raw string contents, decoded)`.
    const ESCAPES: &[(&str, &str)] = &[
        ("", ""),
        ("a", "a"),
        (r#"\""#, "\""),
        (r"\\", "\\"),
        (r"\/", "/"),
        (r"\b\f\n\r\t", "\u{8}\u{c}\n\r\t"),
        (r"\u0041", "A"),
        (r"\u00e9", "é"),
        (r"\u00E9", "é"),
        (r"\u20AC", "€"),
        (r"\uD83D\uDE00", "😀"),
        (r"\ud83d\ude00", "😀"),
        (r"\uD800\uDC00", "\u{10000}"),
        (r"\uDBFF\uDFFF", "\u{10ffff}"),
        (r"\uFFFF", "\u{ffff}"),
        (r"\u0000", "\0"),
        (r"\u001f", "\u{1f}"),
        (r"x\u0041y\\z", "xAy\\z"),
        (r"é\u00e9€\u20ac", "éé€€"),
        (r"https:\/\/issuer.example\/", "https://issuer.example/"),
        (r"\\u0041", "\\u0041"),
        (r#"\"\"\"\""#, "\"\"\"\""),
        (
            "plain text with no escapes at all",
            "plain text with no escapes at all",
        ),
    ];

    fn string_value(raw: &str) -> JsonStr<'_> {
        JsonStr {
            raw: raw.as_bytes(),
            escapes: Escapes::from_bool(raw.contains('\\')),
        }
    }

    #[test]
    fn unescaping_agrees_everywhere() {
        for (raw, decoded) in ESCAPES {
            // The scanner accepts it and reports the same span and escape flag.
            let doc = std::format!("{{\"{raw}\":\"{raw}\"}}");
            let mut found = 0;
            for_each_member(doc.as_bytes(), 32, 128, SYNTAX, |name, value| {
                let Value::String(value) = value else {
                    panic!()
                };
                for s in [name, value] {
                    assert_eq!(s.raw(), raw.as_bytes());
                    assert_eq!(s.is_escaped(), raw.contains('\\'));
                }
                found += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(found, 1);

            let s = string_value(raw);
            assert_eq!(s.as_str(), (!s.is_escaped()).then_some(*raw));
            assert_eq!(s.unescaped_len(), decoded.len(), "{raw}");
            let mut buf = [0u8; 64];
            assert_eq!(s.unescape_into(&mut buf), Ok(*decoded), "{raw}");
            let mut exact = std::vec![0u8; decoded.len()];
            assert_eq!(s.unescape_into(&mut exact), Ok(*decoded));
            if !decoded.is_empty() {
                let mut short = std::vec![0u8; decoded.len() - 1];
                assert_eq!(s.unescape_into(&mut short), Err(Error::BufferTooSmall));
            }
            let mut chunks = Vec::new();
            s.for_each_chunk(|c| chunks.extend_from_slice(c));
            assert_eq!(chunks, decoded.as_bytes());
            assert!(s.eq_str(decoded));
            assert!(!s.eq_str(&std::format!("{decoded}x")));
            assert!(!s.eq_str(&std::format!("x{decoded}")));
            if let Some((last, _)) = decoded.char_indices().last() {
                assert!(!s.eq_str(&decoded[..last]));
            }
            assert!(s.decoded_bytes().eq(decoded.bytes()));

            // As names, both spellings are the same member.
            let plain = serde_json::to_string(decoded).unwrap();
            let dup = std::format!("{{\"{raw}\":1,{plain}:2}}");
            assert_eq!(count(dup.as_bytes()), Err(Error::DuplicateMember), "{dup}");
            let dup = std::format!("{{{plain}:1,\"{raw}\":2}}");
            assert_eq!(count(dup.as_bytes()), Err(Error::DuplicateMember), "{dup}");
            let distinct = std::format!("{{\"{raw}\":1,\"{raw}\\u0000\":2}}");
            assert_eq!(count(distinct.as_bytes()), Ok(2), "{distinct}");
        }
        // Every pair of different decoded strings is distinct as names.
        for (i, (a, da)) in ESCAPES.iter().enumerate() {
            for (b, db) in ESCAPES.iter().skip(i + 1) {
                assert_eq!(string_value(a).eq_unescaped(&string_value(b)), da == db);
                assert_eq!(string_value(a).key() == string_value(b).key(), {
                    da.len() == db.len() && da.bytes().take(3).eq(db.bytes().take(3))
                });
            }
        }
    }

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

    fn decoded(s: &JsonStr<'_>) -> String {
        let mut buf = std::vec![0u8; s.unescaped_len()];
        String::from(s.unescape_into(&mut buf).unwrap())
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

    fn limits(max_json_depth: usize, max_members: usize) -> Limits {
        Limits {
            max_json_depth,
            max_members,
            ..Limits::DEFAULT
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
