//! The HTTPS client: scheme and redirect policy, TLS roots, timeouts and
//! the body cap. Built on `ureq` with rustls and ring.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use ureq::http::Uri;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

use super::KeySourceError;

/// How a key source talks HTTPS.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    /// The longest wait for the TCP and TLS connection.
    pub connect_timeout: Duration,
    /// The longest a whole request may take, body included (a server that
    /// trickles bytes is cut off here).
    pub timeout: Duration,
    /// The largest response body read, in bytes; a larger one fails the
    /// fetch.
    pub max_body: u64,
    /// Trust these PEM certificates (a private CA) instead of the webpki
    /// roots (Mozilla's root program, compiled in).
    pub ca_pem: Option<Vec<u8>>,
    /// Allow plain `http://` to a loopback address (tests, a local sidecar).
    /// Every other `http://` URL is refused.
    pub allow_http_loopback: bool,
    /// Same-scheme, same-host redirects followed (0: none). A redirect to
    /// another scheme or host is refused.
    pub max_redirects: u32,
}

/// The default body cap: 1 MiB (a provider's JWKS is a few KiB).
pub const DEFAULT_MAX_BODY: u64 = 1 << 20;

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_body: DEFAULT_MAX_BODY,
            ca_pem: None,
            allow_http_loopback: false,
            max_redirects: 3,
        }
    }
}

impl TransportOptions {
    /// Trusts the certificates of a PEM file instead of the webpki roots.
    pub fn with_ca_file(mut self, path: &std::path::Path) -> Result<Self, KeySourceError> {
        self.ca_pem = Some(std::fs::read(path)?);
        Ok(self)
    }
}

/// One HTTP response that passed the policy.
#[derive(Debug)]
pub(crate) enum Fetched {
    /// 304 to a conditional request.
    NotModified { max_age: Option<Duration> },
    /// 200 with its body.
    Body {
        body: Vec<u8>,
        etag: Option<String>,
        max_age: Option<Duration>,
    },
}

/// An HTTP client with the policy applied.
pub(crate) struct Transport {
    agent: ureq::Agent,
    options: TransportOptions,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("options", &self.options)
            .finish()
    }
}

impl Transport {
    pub(crate) fn new(options: TransportOptions) -> Result<Transport, KeySourceError> {
        let roots = match &options.ca_pem {
            None => RootCerts::WebPki,
            Some(pem) => {
                let mut certs = Vec::new();
                for item in ureq::tls::parse_pem(pem) {
                    if let ureq::tls::PemItem::Certificate(c) =
                        item.map_err(|e| KeySourceError::Refused(format!("CA bundle: {e}")))?
                    {
                        certs.push(c);
                    }
                }
                if certs.is_empty() {
                    return Err(KeySourceError::Refused(
                        "CA bundle: no certificate in the PEM data".into(),
                    ));
                }
                RootCerts::Specific(Arc::new(certs))
            }
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .https_only(!options.allow_http_loopback)
            // Proxies from the environment are not used: a key fetch goes
            // straight to the provider.
            .proxy(None)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.timeout))
            .user_agent("jwtgate")
            .accept("application/json, application/jwk-set+json")
            .build()
            .new_agent();
        Ok(Transport { agent, options })
    }

    /// Checks a URL against the scheme policy and parses it.
    pub(crate) fn check_url(&self, url: &str) -> Result<Uri, KeySourceError> {
        check_url(url, self.options.allow_http_loopback)
    }

    /// GETs `url` (conditionally, with `etag`), following same-scheme,
    /// same-host redirects only.
    pub(crate) fn get(&self, url: &str, etag: Option<&str>) -> Result<Fetched, KeySourceError> {
        let mut uri = self.check_url(url)?;
        let mut hops = 0u32;
        loop {
            let mut request = self.agent.get(&uri);
            if let Some(etag) = etag {
                request = request.header("If-None-Match", etag);
            }
            let response = request
                .call()
                .map_err(|e| KeySourceError::Transport(e.to_string()))?;
            let status = response.status().as_u16();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let max_age = header("cache-control").and_then(|v| max_age(&v));
            match status {
                200 => {
                    let etag = header("etag");
                    let cap = self.options.max_body;
                    if response
                        .body()
                        .content_length()
                        .is_some_and(|len| len > cap)
                    {
                        return Err(KeySourceError::Transport(format!(
                            "body over the {cap}-byte cap"
                        )));
                    }
                    let body = response
                        .into_body()
                        .into_with_config()
                        .limit(cap)
                        .read_to_vec()
                        .map_err(|e| match e {
                            ureq::Error::BodyExceedsLimit(_) => {
                                KeySourceError::Transport(format!("body over the {cap}-byte cap"))
                            }
                            e => KeySourceError::Transport(e.to_string()),
                        })?;
                    return Ok(Fetched::Body {
                        body,
                        etag,
                        max_age,
                    });
                }
                304 if etag.is_some() => return Ok(Fetched::NotModified { max_age }),
                301 | 302 | 303 | 307 | 308 => {
                    let location = header("location").ok_or(KeySourceError::Status(status))?;
                    hops += 1;
                    if hops > self.options.max_redirects {
                        return Err(KeySourceError::Refused(format!(
                            "more than {} redirects",
                            self.options.max_redirects
                        )));
                    }
                    uri = self.redirect(&uri, &location)?;
                }
                _ => return Err(KeySourceError::Status(status)),
            }
        }
    }

    /// The target of a redirect from `from`: same scheme and authority only.
    fn redirect(&self, from: &Uri, location: &str) -> Result<Uri, KeySourceError> {
        let target = if location.starts_with('/') && !location.starts_with("//") {
            format!(
                "{}://{}{location}",
                from.scheme_str().unwrap_or("https"),
                from.authority().map_or("", |a| a.as_str())
            )
        } else {
            location.to_owned()
        };
        let to = self.check_url(&target)?;
        if to.scheme_str() != from.scheme_str() || to.authority() != from.authority() {
            return Err(KeySourceError::Refused(format!(
                "redirect from {from} to another scheme or host: {to}"
            )));
        }
        Ok(to)
    }
}

/// `https://` always; `http://` only to a loopback host when allowed. No
/// user information in the URL.
pub(crate) fn check_url(url: &str, allow_http_loopback: bool) -> Result<Uri, KeySourceError> {
    let uri: Uri = url
        .parse()
        .map_err(|e| KeySourceError::Refused(format!("malformed URL {url:?}: {e}")))?;
    let authority = uri
        .authority()
        .ok_or_else(|| KeySourceError::Refused(format!("URL without a host: {url:?}")))?;
    if authority.as_str().contains('@') {
        return Err(KeySourceError::Refused(format!(
            "URL with user information: {url:?}"
        )));
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if allow_http_loopback && is_loopback(authority.host()) => Ok(uri),
        Some("http") => Err(KeySourceError::Refused(format!(
            "plain http is refused (only https; http to loopback with allow_http_loopback): {url:?}"
        ))),
        _ => Err(KeySourceError::Refused(format!(
            "only https URLs are fetched: {url:?}"
        ))),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The `max-age` of a `Cache-Control` value; `no-cache`/`no-store` count
/// as 0 (the refresh bounds then apply).
pub(crate) fn max_age(cache_control: &str) -> Option<Duration> {
    let mut found = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim();
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return Some(Duration::ZERO);
        }
        if let Some(value) = lower.strip_prefix("max-age=") {
            let value = value.trim_matches('"');
            if let Ok(secs) = value.parse::<u64>() {
                found = Some(Duration::from_secs(secs));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_policy() {
        assert!(check_url("https://idp.example/jwks", false).is_ok());
        assert!(check_url("http://idp.example/jwks", false).is_err());
        assert!(check_url("http://idp.example/jwks", true).is_err());
        assert!(check_url("http://127.0.0.1:8080/jwks", false).is_err());
        assert!(check_url("http://127.0.0.1:8080/jwks", true).is_ok());
        assert!(check_url("http://[::1]:8080/jwks", true).is_ok());
        assert!(check_url("http://localhost/jwks", true).is_ok());
        assert!(check_url("file:///etc/passwd", true).is_err());
        assert!(check_url("ftp://idp.example/jwks", true).is_err());
        assert!(check_url("https://user:pw@idp.example/jwks", false).is_err());
        assert!(check_url("/relative", false).is_err());
    }

    #[test]
    fn cache_control() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            max_age("Max-Age=60, must-revalidate"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }
}
