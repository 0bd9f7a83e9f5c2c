//! Unescaping: JSON escapes decoded into characters, chunks and bytes.

/// Decodes the escape at the start of `s` (which begins with a backslash): the character and
/// how many bytes the escape takes. `None` for anything RFC 8259 section 7 does not allow,
/// including a UTF-16 surrogate that is not part of a high-low pair.
pub(super) fn decode_escape(s: &[u8]) -> Option<(char, usize)> {
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

pub(super) fn hex4(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |acc, &b| Some(acc << 4 | char::from(b).to_digit(16)?))
}

/// A piece of a decoded string: a run of bytes without escapes, or one decoded escape.
#[derive(Clone, Copy)]
pub(super) enum Chunk<'a> {
    Raw(&'a [u8]),
    /// A character's UTF-8 encoding and its length.
    Char([u8; 4], usize),
}

impl Chunk<'_> {
    pub(super) fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Raw(bytes) => bytes,
            Chunk::Char(buf, len) => buf.get(..*len).unwrap_or(&[]),
        }
    }
}

/// The decoded chunks of a string's raw bytes. Stops at a malformed escape, which a
/// validated string does not have.
pub(super) struct Chunks<'a> {
    pub(super) rest: &'a [u8],
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
pub(super) struct DecodedBytes<'a> {
    pub(super) chunks: Chunks<'a>,
    pub(super) current: Chunk<'a>,
    pub(super) at: usize,
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

    use crate::json::testutil::*;
    use crate::json::*;
    use std::vec::Vec;

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
}
