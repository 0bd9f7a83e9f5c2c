//! Helpers and documents shared by the JSON tests.

extern crate std;

use super::*;
use std::string::String;

pub(super) const SYNTAX: Error = Error::ClaimsJson;

std::thread_local! {
    /// Full name comparisons made by `is_duplicate` on this thread.
    pub(super) static FULL_COMPARISONS: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Validates with the default limits and counts the top-level members.
pub(super) fn count(doc: &[u8]) -> Result<usize, Error> {
    count_with(doc, 32, 128)
}

pub(super) fn count_with(doc: &[u8], max_depth: usize, max_members: usize) -> Result<usize, Error> {
    let mut n = 0;
    for_each_member(doc, max_depth, max_members, SYNTAX, |_, _| {
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// RFC 8259 section 13, first example.
pub(super) const RFC_OBJECT: &[u8] = br#"{
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
pub(super) const RFC_ARRAY: &[u8] = br#"{"a": [
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

pub(super) const DOCS: &[(&[u8], Result<usize, Error>)] = &[
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
    (b"{\"a\":\"\xc3\"}", Err(SYNTAX)),     // truncated sequence
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

/// `{"a":` + `[` * (depth - 1) ... so that the whole document has nesting `depth`.
pub(super) fn nested(depth: usize, open: &str, close: &str) -> String {
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

pub(super) fn members(n: usize) -> String {
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

pub(super) fn string_value(raw: &str) -> JsonStr<'_> {
    JsonStr {
        raw: raw.as_bytes(),
        escapes: Escapes::from_bool(raw.contains('\\')),
    }
}

pub(super) fn decoded(s: &JsonStr<'_>) -> String {
    let mut buf = std::vec![0u8; s.unescaped_len()];
    String::from(s.unescape_into(&mut buf).unwrap())
}

pub(super) fn limits(max_json_depth: usize, max_members: usize) -> Limits {
    Limits {
        max_json_depth,
        max_members,
        ..Limits::DEFAULT
    }
}
