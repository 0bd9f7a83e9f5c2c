//! A fetched JWKS document into a core [`KeySet`].

use jwtgate::KeySet;

use super::KeySourceError;

/// The keys of a fetched document and how many it skipped.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) keys: KeySet,
    pub(crate) skipped: usize,
}

/// Parses `document` leniently (see [`KeySet::add_jwks_lenient`]): the good
/// keys are kept and the others counted. A document that is not a JWKS, or
/// that has no usable key, is an error: it never replaces a good key set.
pub(crate) fn parse_jwks(document: &[u8]) -> Result<Parsed, (KeySourceError, usize)> {
    let mut keys = KeySet::new();
    let skipped = keys.add_jwks_lenient(document).map_err(|e| {
        (
            KeySourceError::Document(format!("not a usable JWKS: {e}")),
            0,
        )
    })?;
    if keys.is_empty() {
        return Err((
            KeySourceError::Document(format!("no usable key in the JWKS ({skipped} skipped)")),
            skipped,
        ));
    }
    Ok(Parsed { keys, skipped })
}
