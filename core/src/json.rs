//! TEMPORARY typecheck stub; replaced by the real scanner from branch `json`.
#![allow(
    missing_docs,
    dead_code,
    unused_variables,
    clippy::missing_const_for_fn
)]

#[derive(Clone, Copy, Debug)]
pub struct JsonStr<'a> {
    raw: &'a [u8],
    escaped: bool,
}
impl<'a> JsonStr<'a> {
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    pub fn is_escaped(&self) -> bool {
        self.escaped
    }
    pub fn as_str(&self) -> Option<&'a str> {
        None
    }
    pub fn eq_str(&self, s: &str) -> bool {
        false
    }
    pub fn unescaped_len(&self) -> usize {
        0
    }
    pub fn unescape_into<'b>(&self, out: &'b mut [u8]) -> Result<&'b str, crate::Error> {
        Err(crate::Error::BufferTooSmall)
    }
    pub fn for_each_chunk(&self, f: impl FnMut(&[u8])) {}
}
#[derive(Clone, Copy, Debug)]
pub struct Number<'a> {
    raw: &'a [u8],
}
impl<'a> Number<'a> {
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    pub fn as_u64(&self) -> Option<u64> {
        None
    }
    pub fn as_numeric_date(&self) -> Option<(u64, bool)> {
        None
    }
}
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    String(JsonStr<'a>),
    Number(Number<'a>),
    Bool(bool),
    Null,
    Array(Array<'a>),
    Object(Object<'a>),
}
#[derive(Clone, Copy, Debug)]
pub struct Array<'a> {
    raw: &'a [u8],
}
impl<'a> Array<'a> {
    pub fn for_each_element<E>(&self, f: impl FnMut(Value<'a>) -> Result<(), E>) -> Result<(), E> {
        Ok(())
    }
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    raw: &'a [u8],
}
impl<'a> Object<'a> {
    pub fn for_each_member<E>(
        &self,
        f: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        Ok(())
    }
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}
pub(crate) fn for_each_member<'a>(
    doc: &'a [u8],
    max_depth: usize,
    max_members: usize,
    syntax_error: crate::Error,
    f: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), crate::Error>,
) -> Result<(), crate::Error> {
    Err(syntax_error)
}
