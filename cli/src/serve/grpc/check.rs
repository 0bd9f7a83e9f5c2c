//! One `Check` call: the gRPC request in, the gate's decision (the same
//! [`Shared::decide`] and [`Answer`] as the HTTP side), the `CheckResponse`
//! out. Denials travel as gRPC status OK with a `denied_response`, as Envoy
//! expects; a request the gateway cannot read gets a gRPC error status
//! (which Envoy treats as a failed check, closed unless
//! `failure_mode_allow`).

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::time::{Duration, Instant};

use http_body_util::combinators::WithTrailers;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use prost::Message as _;

use super::codec::{frame, percent_encode, unframe, Code};
use super::proto;
use crate::serve::answer::Answer;
use crate::serve::server::Shared;

/// The one method served.
pub const CHECK_PATH: &str = "/envoy.service.auth.v3.Authorization/Check";

/// The response body: the framed message (if any), then the trailers
/// (`grpc-status`, `grpc-message`).
pub type Body = WithTrailers<Full<Bytes>, Ready<Option<Result<hyper::HeaderMap, Infallible>>>>;

/// The limits of the gRPC listener.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest `CheckRequest` message, bytes.
    pub max_message: usize,
    /// Most request headers in one `CheckRequest`.
    pub max_headers: usize,
    /// Time to receive the whole request message.
    pub read_timeout: Duration,
}

/// A request refused before any decision: the gRPC status to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The gRPC status code.
    pub code: Code,
    /// Why (the `grpc-message`, and the access log's reason).
    pub message: String,
}

fn refusal(code: Code, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

/// Answers one HTTP/2 request on the gRPC listener.
pub async fn handle(shared: &Shared, limits: &Limits, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    if req.method() != Method::POST {
        return plain(StatusCode::METHOD_NOT_ALLOWED);
    }
    let is_grpc = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v == "application/grpc"
                || v.starts_with("application/grpc+proto")
                || v.starts_with("application/grpc;")
        });
    if !is_grpc {
        return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    if req.uri().path() != CHECK_PATH {
        let r = refusal(
            Code::Unimplemented,
            "only envoy.service.auth.v3.Authorization/Check is served",
        );
        return refuse(shared, &r, started);
    }
    let body = match read(req.into_body(), limits).await {
        Ok(b) => b,
        Err(r) => return refuse(shared, &r, started),
    };
    let http = match decode(&body, limits.max_message) {
        Ok(h) => h,
        Err(r) => return refuse(shared, &r, started),
    };
    let headers = match request_headers(&http, limits.max_headers) {
        Ok(h) => h,
        Err(r) => return refuse(shared, &r, started),
    };
    let gate = shared.gate();
    let uri = (!http.path.is_empty()).then_some(http.path.as_str());
    let answer = Answer::new(shared.decide(&gate, &headers, uri), &gate.realm);
    let message = check_response(&answer).encode_to_vec();
    shared.finish(&http.method, &http.path, &answer, started);
    match frame(&message) {
        Some(framed) => grpc(Bytes::from(framed), Code::Ok, ""),
        None => grpc(Bytes::new(), Code::Internal, "answer too large"),
    }
}

/// The request message, within the size cap and the read timeout.
async fn read(body: Incoming, limits: &Limits) -> Result<Bytes, Refusal> {
    let cap = limits.max_message.saturating_add(5);
    match tokio::time::timeout(limits.read_timeout, Limited::new(body, cap).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(refusal(
            Code::ResourceExhausted,
            format!("gRPC message over {} bytes", limits.max_message),
        )),
        Ok(Err(_)) => Err(refusal(Code::InvalidArgument, "request body unreadable")),
        Err(_) => Err(refusal(
            Code::DeadlineExceeded,
            "request not received in time",
        )),
    }
}

/// The HTTP attributes of the `CheckRequest` framed in `body`.
pub fn decode(body: &[u8], max_message: usize) -> Result<proto::HttpRequest, Refusal> {
    let message = unframe(body, max_message).map_err(|e| {
        let (code, why) = e.status();
        refusal(code, why)
    })?;
    let request = proto::CheckRequest::decode(message)
        .map_err(|e| refusal(Code::InvalidArgument, format!("not a CheckRequest: {e}")))?;
    request
        .attributes
        .and_then(|a| a.request)
        .and_then(|r| r.http)
        .ok_or_else(|| {
            refusal(
                Code::InvalidArgument,
                "CheckRequest without attributes.request.http",
            )
        })
}

/// The request's headers as the gate reads them: `header_map` when Envoy
/// sends it (`encode_raw_headers`), else `headers`. Pseudo-headers
/// (`:path`, `:authority`, ...) are left out: the path is read from
/// `path`.
pub fn request_headers(http: &proto::HttpRequest, max: usize) -> Result<hyper::HeaderMap, Refusal> {
    let pairs: Vec<(&str, &[u8])> = match &http.header_map {
        Some(m) if !m.headers.is_empty() => m
            .headers
            .iter()
            .map(|h| {
                let value = if h.raw_value.is_empty() {
                    h.value.as_bytes()
                } else {
                    h.raw_value.as_slice()
                };
                (h.key.as_str(), value)
            })
            .collect(),
        _ => http
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_bytes()))
            .collect(),
    };
    if pairs.len() > max {
        return Err(refusal(
            Code::ResourceExhausted,
            format!("more than {max} request headers"),
        ));
    }
    let mut map = hyper::HeaderMap::with_capacity(pairs.len());
    for (name, value) in pairs {
        if name.starts_with(':') {
            continue;
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| refusal(Code::InvalidArgument, "a request header name is malformed"))?;
        let value = hyper::header::HeaderValue::from_bytes(value)
            .map_err(|_| refusal(Code::InvalidArgument, "a request header value is malformed"))?;
        map.append(name, value);
    }
    Ok(map)
}

/// An [`Answer`] as a `CheckResponse`. Allowed: every claim header set on
/// the request (overwriting the client's copy), and the empty ones removed
/// from it. Refused: the status, `WWW-Authenticate` and the rest for the
/// client in a `denied_response`, and a matching `google.rpc.Code`.
pub fn check_response(answer: &Answer) -> proto::CheckResponse {
    let option =
        |(name, value): &(HeaderName, hyper::header::HeaderValue)| proto::HeaderValueOption {
            header: Some(proto::HeaderValue {
                key: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                raw_value: Vec::new(),
            }),
            append: Some(proto::BoolValue { value: false }),
        };
    if answer.status == StatusCode::OK {
        let (set, empty): (Vec<_>, Vec<_>) =
            answer.headers.iter().partition(|(_, v)| !v.is_empty());
        return proto::CheckResponse {
            status: Some(proto::Status {
                code: Code::Ok.number(),
                message: String::new(),
            }),
            http_response: Some(proto::HttpResponse::Ok(proto::OkHttpResponse {
                headers: set.into_iter().map(option).collect(),
                headers_to_remove: empty.iter().map(|(n, _)| n.as_str().to_owned()).collect(),
            })),
        };
    }
    let code = match answer.status {
        StatusCode::UNAUTHORIZED => Code::Unauthenticated,
        StatusCode::SERVICE_UNAVAILABLE => Code::Unavailable,
        _ => Code::PermissionDenied,
    };
    proto::CheckResponse {
        status: Some(proto::Status {
            code: code.number(),
            message: answer.reason.clone().unwrap_or_default(),
        }),
        http_response: Some(proto::HttpResponse::Denied(proto::DeniedHttpResponse {
            status: Some(proto::HttpStatus {
                code: i32::from(answer.status.as_u16()),
            }),
            headers: answer.headers.iter().map(option).collect(),
            body: String::new(),
        })),
    }
}

/// Counts and logs a refusal, and answers it with its gRPC status.
fn refuse(shared: &Shared, r: &Refusal, started: Instant) -> Response<Body> {
    let status = match r.code {
        Code::ResourceExhausted => StatusCode::PAYLOAD_TOO_LARGE,
        Code::DeadlineExceeded => StatusCode::REQUEST_TIMEOUT,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    shared.finish(
        "POST",
        CHECK_PATH,
        &Answer::refused(status, r.message.clone()),
        started,
    );
    grpc(Bytes::new(), r.code, &r.message)
}

/// A gRPC answer: HTTP 200, the message, then the status trailers.
fn grpc(message: Bytes, code: Code, why: &str) -> Response<Body> {
    let mut trailers = hyper::HeaderMap::new();
    trailers.insert(
        "grpc-status",
        hyper::header::HeaderValue::from(code.number()),
    );
    if !why.is_empty() {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&percent_encode(why)) {
            trailers.insert("grpc-message", v);
        }
    }
    let mut r = Response::new(Full::new(message).with_trailers(ready(Some(Ok(trailers)))));
    r.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/grpc"),
    );
    r
}

/// A plain HTTP error (not gRPC at all).
fn plain(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::new()).with_trailers(ready(None)));
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use std::collections::HashMap;

    use hyper::header::HeaderValue;

    use super::*;
    use crate::serve::gate::Decision;

    fn check_request(http: proto::HttpRequest) -> Vec<u8> {
        let request = proto::CheckRequest {
            attributes: Some(proto::AttributeContext {
                request: Some(proto::Request { http: Some(http) }),
            }),
        };
        frame(&request.encode_to_vec()).unwrap()
    }

    fn http(headers: &[(&str, &str)], path: &str) -> proto::HttpRequest {
        proto::HttpRequest {
            method: "GET".into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<HashMap<_, _>>(),
            path: path.into(),
            host: "app".into(),
            header_map: None,
        }
    }

    #[test]
    fn decodes_the_http_attributes() {
        let body = check_request(http(
            &[("authorization", "Bearer t"), (":path", "/x")],
            "/x?y",
        ));
        let h = decode(&body, 1024).unwrap();
        assert_eq!(h.path, "/x?y");
        assert_eq!(h.method, "GET");
        let map = request_headers(&h, 10).unwrap();
        assert_eq!(map.get("authorization").unwrap(), "Bearer t");
        assert_eq!(map.len(), 1, "pseudo-headers are left out");
    }

    #[test]
    fn the_wire_bytes_are_envoys_field_numbers() {
        // CheckRequest{attributes(1){request(4){http(2){method(2)="GET", path(4)="/a"}}}}.
        let wire = b"\x0a\x0d\x22\x0b\x12\x09\x12\x03GET\x22\x02/a";
        let h = decode(&frame(wire).unwrap(), 1024).unwrap();
        assert_eq!((h.method.as_str(), h.path.as_str()), ("GET", "/a"));
        // OkHttpResponse.headers is field 2, headers_to_remove 5;
        // CheckResponse.ok_response is 3, status 1.
        let answer = Answer::new(
            Decision::Allow {
                headers: vec![
                    (
                        HeaderName::from_static("x-a"),
                        HeaderValue::from_static("1"),
                    ),
                    (HeaderName::from_static("x-b"), HeaderValue::from_static("")),
                ],
                sub: None,
            },
            "r",
        );
        let bytes = check_response(&answer).encode_to_vec();
        // HeaderValueOption{header(1){key(1), value(2)}, append(2){}}: a
        // BoolValue of false is an empty message, present.
        let option = b"\x12\x0c\x0a\x08\x0a\x03x-a\x12\x011\x12\x00";
        let mut want = vec![0x0a, 0x00, 0x1a, 0x13];
        want.extend_from_slice(option);
        want.extend_from_slice(b"\x2a\x03x-b");
        assert_eq!(bytes, want);
    }

    #[test]
    fn raw_header_map_wins_and_keeps_repeats() {
        let mut h = http(&[("authorization", "Bearer ignored")], "/");
        h.header_map = Some(proto::HeaderMap {
            headers: vec![
                proto::HeaderValue {
                    key: "cookie".into(),
                    value: String::new(),
                    raw_value: b"a=1".to_vec(),
                },
                proto::HeaderValue {
                    key: "cookie".into(),
                    value: "b=2".into(),
                    raw_value: Vec::new(),
                },
            ],
        });
        let map = request_headers(&h, 10).unwrap();
        assert_eq!(map.get_all("cookie").iter().count(), 2);
        assert!(map.get("authorization").is_none());
    }

    #[test]
    fn malformed_requests_are_invalid_argument() {
        let garbage = frame(b"\xff\xff\xff").unwrap();
        assert_eq!(
            decode(&garbage, 1024).unwrap_err().code,
            Code::InvalidArgument
        );
        let empty = frame(b"").unwrap();
        assert_eq!(
            decode(&empty, 1024).unwrap_err().code,
            Code::InvalidArgument
        );
        let big = check_request(http(&[("x", &"y".repeat(2000))], "/"));
        assert_eq!(
            decode(&big, 1024).unwrap_err().code,
            Code::ResourceExhausted
        );
        let bad_name = http(&[("bad name", "v")], "/");
        assert_eq!(
            request_headers(&bad_name, 10).unwrap_err().code,
            Code::InvalidArgument
        );
        let bad_value = http(&[("x", "a\u{1}b")], "/");
        assert_eq!(
            request_headers(&bad_value, 10).unwrap_err().code,
            Code::InvalidArgument
        );
        let many = http(&[("a", "1"), ("b", "2"), ("c", "3")], "/");
        assert_eq!(
            request_headers(&many, 2).unwrap_err().code,
            Code::ResourceExhausted
        );
    }

    #[test]
    fn allow_sets_claims_and_removes_empty_ones() {
        let answer = Answer::new(
            Decision::Allow {
                headers: vec![
                    (
                        HeaderName::from_static("x-auth-subject"),
                        HeaderValue::from_static("alice"),
                    ),
                    (
                        HeaderName::from_static("x-auth-email"),
                        HeaderValue::from_static(""),
                    ),
                ],
                sub: Some("alice".into()),
            },
            "jwtgate",
        );
        let r = check_response(&answer);
        assert_eq!(r.status.unwrap().code, 0);
        let Some(proto::HttpResponse::Ok(ok)) = r.http_response else {
            panic!("not ok_response");
        };
        assert_eq!(ok.headers.len(), 1);
        let h = ok.headers[0].header.as_ref().unwrap();
        assert_eq!(
            (h.key.as_str(), h.value.as_str()),
            ("x-auth-subject", "alice")
        );
        assert_eq!(
            ok.headers[0].append,
            Some(proto::BoolValue { value: false })
        );
        assert_eq!(ok.headers_to_remove, vec!["x-auth-email".to_string()]);
    }

    #[test]
    fn refusals_are_denied_responses() {
        for (decision, http, rpc) in [
            (
                Decision::Unauthorized {
                    error: Some("invalid_token"),
                    description: "expired".into(),
                    code: 5,
                },
                401,
                16,
            ),
            (
                Decision::Forbidden {
                    scope: "admin".into(),
                    description: "needs admin".into(),
                    sub: None,
                },
                403,
                7,
            ),
            (
                Decision::Unavailable {
                    description: "stale".into(),
                    code: 0,
                },
                503,
                14,
            ),
        ] {
            let r = check_response(&Answer::new(decision, "jwtgate"));
            assert_eq!(r.status.unwrap().code, rpc);
            let Some(proto::HttpResponse::Denied(d)) = r.http_response else {
                panic!("not denied_response");
            };
            assert_eq!(d.status.unwrap().code, http);
            let name = d.headers[0].header.as_ref().unwrap().key.as_str();
            let want = if http == 503 {
                "retry-after"
            } else {
                "www-authenticate"
            };
            assert_eq!(name, want);
        }
    }
}
