//! Builds Python objects from a JSON document the core already validated.
//!
//! The core's scanner has checked the claims strictly (RFC 8259 syntax,
//! UTF-8, escapes, depth, duplicate names) before this runs, so this is a
//! plain recursive-descent reader that maps JSON to what `json.loads`
//! returns: `dict`, `list`, `str`, `int` (any size), `float`, `bool`,
//! `None`. It still checks every step and never panics; the depth is
//! bounded by [`MAX_DEPTH`] (the core's limit is lower).

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString};

/// Deepest nesting read; the core rejects deeper documents long before.
const MAX_DEPTH: usize = 128;

/// Reads a JSON object into a new `dict`.
pub(crate) fn object<'py>(py: Python<'py>, json: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let mut reader = Reader { json, at: 0 };
    reader.skip_ws();
    let dict = reader.object(py, 0)?;
    reader.skip_ws();
    if reader.at != json.len() {
        return Err(invalid());
    }
    Ok(dict)
}

fn invalid() -> PyErr {
    PyValueError::new_err("invalid JSON")
}

struct Reader<'j> {
    json: &'j [u8],
    // Invariant: `at <= json.len()`.
    at: usize,
}

impl<'j> Reader<'j> {
    fn peek(&self) -> Option<u8> {
        self.json.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> PyResult<()> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(invalid())
        }
    }

    fn literal(&mut self, word: &[u8]) -> PyResult<()> {
        let end = self.at.checked_add(word.len()).ok_or_else(invalid)?;
        if self.json.get(self.at..end) == Some(word) {
            self.at = end;
            Ok(())
        } else {
            Err(invalid())
        }
    }

    fn value<'py>(&mut self, py: Python<'py>, depth: usize) -> PyResult<Bound<'py, PyAny>> {
        match self.peek() {
            Some(b'{') => Ok(self.object(py, depth)?.into_any()),
            Some(b'[') => Ok(self.array(py, depth)?.into_any()),
            Some(b'"') => Ok(self.string(py)?.into_any()),
            Some(b't') => {
                self.literal(b"true")?;
                Ok(pyo3::types::PyBool::new(py, true).to_owned().into_any())
            }
            Some(b'f') => {
                self.literal(b"false")?;
                Ok(pyo3::types::PyBool::new(py, false).to_owned().into_any())
            }
            Some(b'n') => {
                self.literal(b"null")?;
                Ok(py.None().into_bound(py))
            }
            Some(b'-' | b'0'..=b'9') => self.number(py),
            _ => Err(invalid()),
        }
    }

    fn object<'py>(&mut self, py: Python<'py>, depth: usize) -> PyResult<Bound<'py, PyDict>> {
        let depth = depth + 1;
        if depth > MAX_DEPTH {
            return Err(invalid());
        }
        self.expect(b'{')?;
        let dict = PyDict::new(py);
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(dict);
        }
        loop {
            self.skip_ws();
            let key = self.key(py)?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            let value = self.value(py, depth)?;
            dict.set_item(key, value)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(dict);
                }
                _ => return Err(invalid()),
            }
        }
    }

    fn array<'py>(&mut self, py: Python<'py>, depth: usize) -> PyResult<Bound<'py, PyList>> {
        let depth = depth + 1;
        if depth > MAX_DEPTH {
            return Err(invalid());
        }
        self.expect(b'[')?;
        let list = PyList::empty(py);
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(list);
        }
        loop {
            self.skip_ws();
            list.append(self.value(py, depth)?)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(list);
                }
                _ => return Err(invalid()),
            }
        }
    }

    /// A member name: the registered claim names come from interned
    /// strings whose hash Python has already computed.
    fn key<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let start = self.at;
        let raw = self.raw_string()?;
        let interned = match raw {
            Some(b"iss") => Some(intern!(py, "iss")),
            Some(b"sub") => Some(intern!(py, "sub")),
            Some(b"aud") => Some(intern!(py, "aud")),
            Some(b"exp") => Some(intern!(py, "exp")),
            Some(b"nbf") => Some(intern!(py, "nbf")),
            Some(b"iat") => Some(intern!(py, "iat")),
            Some(b"jti") => Some(intern!(py, "jti")),
            Some(b"sid") => Some(intern!(py, "sid")),
            Some(b"ver") => Some(intern!(py, "ver")),
            Some(b"scope") => Some(intern!(py, "scope")),
            Some(b"azp") => Some(intern!(py, "azp")),
            _ => None,
        };
        match interned {
            Some(s) => Ok(s.clone()),
            None => {
                self.at = start;
                self.string(py)
            }
        }
    }

    /// A string without escapes, as raw bytes (the reader moves past it);
    /// `None` (reader unmoved past the quote) when it has escapes.
    fn raw_string(&mut self) -> PyResult<Option<&'j [u8]>> {
        self.expect(b'"')?;
        let rest = self.json.get(self.at..).ok_or_else(invalid)?;
        let end = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .ok_or_else(invalid)?;
        if rest.get(end) == Some(&b'\\') {
            return Ok(None);
        }
        let raw = rest.get(..end).ok_or_else(invalid)?;
        self.at += end + 1;
        Ok(Some(raw))
    }

    fn string<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let start = self.at;
        if let Some(raw) = self.raw_string()? {
            let text = std::str::from_utf8(raw).map_err(|_| invalid())?;
            return Ok(PyString::new(py, text));
        }
        self.at = start + 1;
        let mut out = String::new();
        loop {
            let rest = self.json.get(self.at..).ok_or_else(invalid)?;
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .ok_or_else(invalid)?;
            let text = rest.get(..run).ok_or_else(invalid)?;
            out.push_str(std::str::from_utf8(text).map_err(|_| invalid())?);
            self.at += run;
            if self.peek() == Some(b'"') {
                self.at += 1;
                return Ok(PyString::new(py, &out));
            }
            // A backslash.
            self.at += 1;
            let escape = self.peek().ok_or_else(invalid)?;
            self.at += 1;
            let c = match escape {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode_escape()?,
                _ => return Err(invalid()),
            };
            out.push(c);
        }
    }

    /// The character of a `\uXXXX` escape (the `\u` already read), joining
    /// a surrogate pair.
    fn unicode_escape(&mut self) -> PyResult<char> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            self.literal(b"\\u")?;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(invalid());
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(invalid)
    }

    fn hex4(&mut self) -> PyResult<u32> {
        let end = self.at.checked_add(4).ok_or_else(invalid)?;
        let digits = self.json.get(self.at..end).ok_or_else(invalid)?;
        let text = std::str::from_utf8(digits).map_err(|_| invalid())?;
        let value = u32::from_str_radix(text, 16).map_err(|_| invalid())?;
        self.at = end;
        Ok(value)
    }

    /// A number: `int` when it has no fraction or exponent (any size, as
    /// `json.loads`), else `float`.
    fn number<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let start = self.at;
        let mut integer = true;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => integer = false,
                _ => break,
            }
            self.at += 1;
        }
        let raw = self.json.get(start..self.at).ok_or_else(invalid)?;
        let text = std::str::from_utf8(raw).map_err(|_| invalid())?;
        if integer {
            if let Ok(small) = text.parse::<i64>() {
                return Ok(small.into_pyobject(py)?.into_any());
            }
            return py.get_type::<PyInt>().call1((text,));
        }
        let value: f64 = text.parse().map_err(|_| invalid())?;
        Ok(PyFloat::new(py, value).into_any())
    }
}
