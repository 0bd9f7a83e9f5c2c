//! Validation of Prometheus metric name prefixes.

use crate::SyncError;

/// Whether `prefix` is a valid Prometheus metric name
/// (`[a-zA-Z_:][a-zA-Z0-9_:]*`), so that every `prefix_name` is one too.
pub fn valid_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// [`SyncError::InvalidArgument`] (909) unless `prefix` is valid.
pub(crate) fn check_prefix(prefix: &str) -> Result<(), SyncError> {
    if valid_prefix(prefix) {
        Ok(())
    } else {
        Err(SyncError::InvalidArgument(
            "a metrics prefix must match [a-zA-Z_:][a-zA-Z0-9_:]*",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        for ok in ["jwtgate", "_x", "a:b_9", "A"] {
            assert!(valid_prefix(ok), "{ok}");
        }
        for bad in ["", "9a", "a-b", "a b", "é", "a.b"] {
            assert!(!valid_prefix(bad), "{bad}");
            assert_eq!(check_prefix(bad).map_err(|e| e.code()), Err(909));
        }
    }
}
