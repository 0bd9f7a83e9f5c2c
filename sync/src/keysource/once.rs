//! [`fetch_keys`]: one fetch, no background refresh (the CLI's `verify`).

use jwtgate::KeySet;

use super::document::parse_jwks;
use super::file::FilePoll;
use super::refresh::{resolve, Resolved};
use super::transport::Fetched;
use super::{KeyLocation, KeySourceError, TransportOptions};

/// The keys of one fetch.
#[derive(Debug)]
#[non_exhaustive]
pub struct FetchedKeys {
    /// The usable keys (never empty).
    pub keys: KeySet,
    /// Keys of the document that were skipped (unsupported, malformed,
    /// `use: enc`, ...).
    pub skipped: usize,
    /// The JWKS URL fetched (discovered for an issuer), or the file's path.
    pub jwks_location: String,
    /// The issuer, when discovery confirmed it: tokens should be required
    /// to name it.
    pub issuer: Option<String>,
}

/// Fetches the keys at `location` once, with the same policy, limits and
/// parsing as a [`super::KeySource`] (discovery and its issuer check
/// included), and no background refresh.
pub fn fetch_keys(
    location: &KeyLocation,
    transport: &TransportOptions,
) -> Result<FetchedKeys, KeySourceError> {
    let Resolved {
        jwks,
        transport: client,
        issuer,
        file,
    } = resolve(location, transport)?;
    let body = match (client, file) {
        (Some(client), _) => match client.get(&jwks, None)? {
            Fetched::Body { body, .. } => body,
            Fetched::NotModified { .. } => return Err(KeySourceError::Status(304)),
        },
        (None, Some(mut file)) => match file.poll(transport.max_body)? {
            FilePoll::Changed(body) => body,
            FilePoll::Unchanged { .. } => Vec::new(),
        },
        (None, None) => Vec::new(),
    };
    let parsed = parse_jwks(&body).map_err(|(e, _)| e)?;
    Ok(FetchedKeys {
        keys: parsed.keys,
        skipped: parsed.skipped,
        jwks_location: jwks,
        issuer,
    })
}
