//! OpenID Connect discovery: the issuer's `jwks_uri`.

use super::transport::{Fetched, Transport};
use super::KeySourceError;

/// The discovery document's URL for `issuer` (OpenID Connect Discovery 1.0
/// §4: a trailing `/` of the issuer is removed first).
pub(crate) fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Fetches the discovery document of `issuer` and returns its `jwks_uri`.
/// The document's `issuer` must equal `issuer` exactly (§4.3), and the
/// `jwks_uri` must pass the transport's scheme policy.
pub(crate) fn discover(transport: &Transport, issuer: &str) -> Result<String, KeySourceError> {
    transport.check_url(issuer)?;
    let body = match transport.get(&discovery_url(issuer), None)? {
        Fetched::Body { body, .. } => body,
        Fetched::NotModified { .. } => return Err(KeySourceError::Status(304)),
    };
    jwks_uri_of(&body, issuer, transport)
}

fn jwks_uri_of(
    document: &[u8],
    issuer: &str,
    transport: &Transport,
) -> Result<String, KeySourceError> {
    let value: serde_json::Value = serde_json::from_slice(document)
        .map_err(|e| KeySourceError::Document(format!("discovery document: {e}")))?;
    let found = value
        .get("issuer")
        .and_then(|v| v.as_str())
        .ok_or_else(|| KeySourceError::Document("discovery document without an issuer".into()))?;
    if found != issuer {
        return Err(KeySourceError::Refused(format!(
            "discovery names issuer {found:?}, not the configured {issuer:?}"
        )));
    }
    let jwks_uri = value
        .get("jwks_uri")
        .and_then(|v| v.as_str())
        .ok_or_else(|| KeySourceError::Document("discovery document without a jwks_uri".into()))?;
    transport.check_url(jwks_uri)?;
    Ok(jwks_uri.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_drops_one_trailing_slash() {
        assert_eq!(
            discovery_url("https://tenant.example/"),
            "https://tenant.example/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://idp.example/realms/r"),
            "https://idp.example/realms/r/.well-known/openid-configuration"
        );
    }
}
