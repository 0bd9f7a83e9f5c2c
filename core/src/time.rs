//! NumericDate values and the time checks (RFC 7519 sections 2, 4.1.4-4.1.6).
//!
//! There is no clock in the core: the caller passes `now` in whole seconds
//! since the Unix epoch.

/// A NumericDate claim: whole seconds, and whether a fraction followed.
///
/// Non-integer values are valid (RFC 7519 section 2). Each check rounds in
/// the direction that rejects: `exp` down, `nbf` and `iat` up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumericDate {
    pub(crate) secs: u64,
    pub(crate) fractional: bool,
}

impl NumericDate {
    pub(crate) fn floor(self) -> u64 {
        self.secs
    }

    pub(crate) fn ceil(self) -> u64 {
        self.secs.saturating_add(u64::from(self.fractional))
    }
}
