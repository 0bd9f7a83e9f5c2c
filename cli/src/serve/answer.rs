//! A [`Decision`] as an answer, whatever carries it: the HTTP status, the
//! headers (the claim headers to pass on, or the RFC 6750 challenge for the
//! client), and what the metrics and the access log count. The HTTP side
//! ([`super::server`]) and Envoy's gRPC API ([`super::grpc`]) both answer
//! through this, so they cannot disagree.

use hyper::header::{HeaderName, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use hyper::StatusCode;

use super::gate::{qdtext, Decision};

/// Index into [`super::ops::OUTCOMES`]: allowed.
pub const ALLOWED: usize = 0;
/// Index into [`super::ops::OUTCOMES`]: unauthorized.
pub const UNAUTHORIZED: usize = 1;
/// Index into [`super::ops::OUTCOMES`]: forbidden.
pub const FORBIDDEN: usize = 2;
/// Index into [`super::ops::OUTCOMES`]: unavailable.
pub const UNAVAILABLE: usize = 3;
/// Index into [`super::ops::OUTCOMES`]: other (a request refused before
/// any decision, such as a malformed gRPC message).
pub const OTHER: usize = 4;

/// What the gateway answers to one request.
#[derive(Debug)]
pub struct Answer {
    /// 200, 401, 403 or 503 (or 4xx for a request refused before any
    /// decision).
    pub status: StatusCode,
    /// For 200: every configured claim header (empty when the claim is
    /// absent), for the upstream. Otherwise: the headers for the client
    /// (`WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The outcome counted ([`ALLOWED`] .. [`OTHER`]).
    pub outcome: usize,
    /// The verification error's stable code (0: none).
    pub code: u32,
    /// Why, for refusals.
    pub reason: Option<String>,
    /// The token's subject, when verified.
    pub sub: Option<String>,
}

impl Answer {
    /// The answer to `decision`, with `realm` in `WWW-Authenticate`.
    pub fn new(decision: Decision, realm: &str) -> Answer {
        let challenge = |value: String| -> Vec<(HeaderName, HeaderValue)> {
            HeaderValue::from_str(&value)
                .map(|v| vec![(WWW_AUTHENTICATE, v)])
                .unwrap_or_default()
        };
        match decision {
            Decision::Allow { headers, sub } => Answer {
                status: StatusCode::OK,
                headers,
                outcome: ALLOWED,
                code: 0,
                reason: None,
                sub,
            },
            Decision::Unauthorized {
                error,
                description,
                code,
            } => {
                let mut value = format!("Bearer realm=\"{realm}\"");
                if let Some(error) = error {
                    value.push_str(&format!(
                        ", error=\"{error}\", error_description=\"{}\"",
                        quoted(&description)
                    ));
                }
                Answer {
                    status: StatusCode::UNAUTHORIZED,
                    headers: challenge(value),
                    outcome: UNAUTHORIZED,
                    code,
                    reason: Some(description),
                    sub: None,
                }
            }
            Decision::Forbidden {
                scope,
                description,
                sub,
            } => Answer {
                status: StatusCode::FORBIDDEN,
                headers: challenge(format!(
                    "Bearer realm=\"{realm}\", error=\"insufficient_scope\", error_description=\"{}\", scope=\"{}\"",
                    quoted(&description),
                    quoted(&scope)
                )),
                outcome: FORBIDDEN,
                code: 0,
                reason: Some(description),
                sub,
            },
            Decision::Unavailable { description, code } => Answer {
                status: StatusCode::SERVICE_UNAVAILABLE,
                headers: vec![(RETRY_AFTER, HeaderValue::from_static("1"))],
                outcome: UNAVAILABLE,
                code,
                reason: Some(description),
                sub: None,
            },
        }
    }

    /// A request refused before any decision (counted as "other").
    pub fn refused(status: StatusCode, reason: impl Into<String>) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            outcome: OTHER,
            code: 0,
            reason: Some(reason.into()),
            sub: None,
        }
    }
}

/// `s` as the inside of a quoted string: anything but RFC 6750's
/// `error_description` characters becomes `?`.
fn quoted(s: &str) -> String {
    s.bytes()
        .map(|b| if qdtext(b) { char::from(b) } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn unauthorized_carries_the_rfc6750_challenge() {
        let a = Answer::new(
            Decision::Unauthorized {
                error: Some("invalid_token"),
                description: "bad \"sig\"".into(),
                code: 7,
            },
            "jg",
        );
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.outcome, UNAUTHORIZED);
        assert_eq!(a.headers.len(), 1);
        assert_eq!(a.headers[0].0, WWW_AUTHENTICATE);
        assert_eq!(
            a.headers[0].1,
            "Bearer realm=\"jg\", error=\"invalid_token\", error_description=\"bad ?sig?\""
        );
    }

    #[test]
    fn forbidden_names_the_scope() {
        let a = Answer::new(
            Decision::Forbidden {
                scope: "admin".into(),
                description: "needs admin".into(),
                sub: Some("alice".into()),
            },
            "jg",
        );
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(a.sub.as_deref(), Some("alice"));
        assert!(a.headers[0]
            .1
            .to_str()
            .is_ok_and(|v| v.ends_with("scope=\"admin\"")));
    }
}
