//! The protobuf messages of `envoy.service.auth.v3.Authorization/Check`,
//! kept by hand (prost's derive, no protoc, no build script) and cut to the
//! fields the gateway reads or writes; unknown fields are skipped when
//! decoding, as protobuf requires. Field numbers are those of Envoy's
//! `api/envoy/service/auth/v3/{external_auth,attribute_context}.proto`,
//! `api/envoy/config/core/v3/base.proto`, `api/envoy/type/v3/http_status.proto`
//! and `google/rpc/status.proto`; the tests in `scripts/test-gateway.sh`
//! encode and decode them with Python's `envoy-data-plane`, generated from
//! those files.

use std::collections::HashMap;

/// `envoy.service.auth.v3.CheckRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CheckRequest {
    /// `attributes = 1`.
    #[prost(message, optional, tag = "1")]
    pub attributes: Option<AttributeContext>,
}

/// `envoy.service.auth.v3.AttributeContext` (only `request`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeContext {
    /// `request = 4`.
    #[prost(message, optional, tag = "4")]
    pub request: Option<Request>,
}

/// `envoy.service.auth.v3.AttributeContext.Request` (only `http`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    /// `http = 2`.
    #[prost(message, optional, tag = "2")]
    pub http: Option<HttpRequest>,
}

/// `envoy.service.auth.v3.AttributeContext.HttpRequest` (the fields read).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HttpRequest {
    /// `method = 2`.
    #[prost(string, tag = "2")]
    pub method: String,
    /// `headers = 3`: lower-case names; Envoy merges repeated headers.
    #[prost(map = "string, string", tag = "3")]
    pub headers: HashMap<String, String>,
    /// `path = 4`: the request target (path and query), not decoded.
    #[prost(string, tag = "4")]
    pub path: String,
    /// `host = 5`.
    #[prost(string, tag = "5")]
    pub host: String,
    /// `header_map = 13`: instead of `headers` when Envoy's
    /// `encode_raw_headers` is on (repeated headers kept apart).
    #[prost(message, optional, tag = "13")]
    pub header_map: Option<HeaderMap>,
}

/// `envoy.config.core.v3.HeaderMap`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderMap {
    /// `headers = 1`.
    #[prost(message, repeated, tag = "1")]
    pub headers: Vec<HeaderValue>,
}

/// `envoy.config.core.v3.HeaderValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderValue {
    /// `key = 1`.
    #[prost(string, tag = "1")]
    pub key: String,
    /// `value = 2`.
    #[prost(string, tag = "2")]
    pub value: String,
    /// `raw_value = 3` (what `encode_raw_headers` fills instead of `value`).
    #[prost(bytes = "vec", tag = "3")]
    pub raw_value: Vec<u8>,
}

/// `envoy.config.core.v3.HeaderValueOption` (`header`, `append`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderValueOption {
    /// `header = 1`.
    #[prost(message, optional, tag = "1")]
    pub header: Option<HeaderValue>,
    /// `append = 2` (`google.protobuf.BoolValue`). Sent as `false`: every
    /// Envoy version then overwrites the request's copy (newer ones map it
    /// to `OVERWRITE_IF_EXISTS_OR_ADD`; left unset, `append_action`'s
    /// default would be `APPEND_IF_EXISTS_OR_ADD`).
    #[prost(message, optional, tag = "2")]
    pub append: Option<BoolValue>,
}

/// `google.protobuf.BoolValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct BoolValue {
    /// `value = 1`.
    #[prost(bool, tag = "1")]
    pub value: bool,
}

/// `envoy.service.auth.v3.CheckResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CheckResponse {
    /// `status = 1`: `OK` allows the request, anything else denies it.
    #[prost(message, optional, tag = "1")]
    pub status: Option<Status>,
    /// `oneof http_response { denied_response = 2; ok_response = 3; }`.
    #[prost(oneof = "HttpResponse", tags = "2, 3")]
    pub http_response: Option<HttpResponse>,
}

/// `CheckResponse.http_response`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum HttpResponse {
    /// `denied_response = 2`.
    #[prost(message, tag = "2")]
    Denied(DeniedHttpResponse),
    /// `ok_response = 3`.
    #[prost(message, tag = "3")]
    Ok(OkHttpResponse),
}

/// `google.rpc.Status` (without `details`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    /// `code = 1`: a `google.rpc.Code`.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// `message = 2`.
    #[prost(string, tag = "2")]
    pub message: String,
}

/// `envoy.service.auth.v3.DeniedHttpResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DeniedHttpResponse {
    /// `status = 1`: the HTTP status Envoy answers the client.
    #[prost(message, optional, tag = "1")]
    pub status: Option<HttpStatus>,
    /// `headers = 2`: for the client.
    #[prost(message, repeated, tag = "2")]
    pub headers: Vec<HeaderValueOption>,
    /// `body = 3`.
    #[prost(string, tag = "3")]
    pub body: String,
}

/// `envoy.type.v3.HttpStatus`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HttpStatus {
    /// `code = 1`: an `envoy.type.v3.StatusCode`, whose values are the
    /// HTTP status numbers.
    #[prost(int32, tag = "1")]
    pub code: i32,
}

/// `envoy.service.auth.v3.OkHttpResponse` (`headers`, `headers_to_remove`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct OkHttpResponse {
    /// `headers = 2`: set on the request before it goes upstream.
    #[prost(message, repeated, tag = "2")]
    pub headers: Vec<HeaderValueOption>,
    /// `headers_to_remove = 5`: removed from the request.
    #[prost(string, repeated, tag = "5")]
    pub headers_to_remove: Vec<String>,
}
