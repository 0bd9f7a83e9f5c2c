//! Every bound the core enforces, in one place.

/// Bounds on the work and memory one verification may take.
///
/// Every limit has its own error, so a rejection says which bound was hit.
/// The defaults accept every token a mainstream identity provider issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum token length in bytes ([`crate::Error::TokenTooLarge`]). Default 8192.
    pub max_token_len: usize,
    /// Maximum JSON nesting depth, the top-level object counting as 1
    /// ([`crate::Error::JsonTooDeep`]). Default 32.
    pub max_json_depth: usize,
    /// Maximum number of members in the header or the claims object
    /// ([`crate::Error::TooManyMembers`]). Default 128.
    pub max_members: usize,
    /// Maximum number of `aud` array elements ([`crate::Error::TooManyMembers`]). Default 32.
    pub max_audiences: usize,
}

impl Limits {
    /// The default limits (see each field).
    pub const DEFAULT: Limits = Limits {
        max_token_len: 8192,
        max_json_depth: 32,
        max_members: 128,
        max_audiences: 32,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
