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
//!
//! Layout: `values` (the value types handed out), `top` (the single pass over the top-level
//! object), `duplicates` (duplicate-name detection), `scan` (the token scanner, strings a word
//! at a time) and `unescape` (escape decoding). The NumericDate rule is in `crate::time`.

mod duplicates;
mod scan;
#[cfg(test)]
mod testutil;
mod top;
mod unescape;
mod values;

use crate::{Error, Limits};
use duplicates::*;
use scan::*;
use top::*;
use unescape::*;
use values::*;

pub(crate) use scan::Shape;
pub(crate) use top::{for_each_member, scan_members, Members, NameKey};
pub(crate) use values::digit_value;
pub use values::{Array, JsonStr, Number, Object, Value};

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
pub(super) enum Fail {
    Syntax,
    TooDeep,
}

/// Validates `doc` as one JSON value (whitespace around it allowed), nested at most
/// `limits.max_json_depth` deep: the value and, for an array, its [`Shape`].
pub(crate) fn value_document<'a>(
    doc: &'a [u8],
    limits: &Limits,
    syntax_error: Error,
) -> Result<(Value<'a>, Shape), Error> {
    let fail = |e: Fail| e.into_error(syntax_error);
    let depth = limits.max_json_depth.min(MAX_DEPTH);
    let (value, rest, shape) = top_value(skip_ws(doc), depth).map_err(fail)?;
    end_of_document(rest).map_err(fail)?;
    Ok((value, shape))
}

impl Fail {
    pub(super) fn into_error(self, syntax_error: Error) -> Error {
        match self {
            Fail::Syntax => syntax_error,
            Fail::TooDeep => Error::JsonTooDeep,
        }
    }
}
