//! PyJWT's more precise messages for an error reading a token, where the
//! token itself tells them (which segment has bad base64url, whether a
//! header or payload that is not an object is valid JSON).

use jwtgate::Error;

/// The message for `err` on `token`, or `None` to keep the general one.
pub(super) fn refined_message(err: Error, token: &[u8]) -> Option<&'static str> {
    match err {
        Error::Base64 => base64_message(token),
        Error::HeaderJson if segment_is_json_non_object(segments(token).0) => {
            Some("Invalid header string: must be a json object")
        }
        Error::ClaimsJson if segment_is_json_non_object(segments(token).1) => {
            Some("Invalid payload string: must be a json object")
        }
        _ => None,
    }
}

/// `(header, payload, signature)` of a compact token, split as the core
/// splits it (first and last dot); empty where absent.
fn segments(token: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let first = token.iter().position(|&b| b == b'.');
    let last = token.iter().rposition(|&b| b == b'.');
    match (first, last) {
        (Some(first), Some(last)) if first < last => (
            token.get(..first).unwrap_or_default(),
            token.get(first + 1..last).unwrap_or_default(),
            token.get(last + 1..).unwrap_or_default(),
        ),
        _ => (token, &[], &[]),
    }
}

/// The core's base64url decoding of `segment`, or `None` if it is not
/// canonical unpadded base64url.
fn decode_segment(segment: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; jwtgate::base64url_decoded_len(segment.len())?];
    let len = jwtgate::base64url_decode(segment, &mut out).ok()?;
    out.truncate(len);
    Some(out)
}

/// PyJWT's message naming the first segment, in its reading order (header,
/// payload, signature), that is not valid base64url.
fn base64_message(token: &[u8]) -> Option<&'static str> {
    let (header, payload, signature) = segments(token);
    [
        (header, "Invalid header padding"),
        (payload, "Invalid payload padding"),
        (signature, "Invalid crypto padding"),
    ]
    .into_iter()
    .find(|(segment, _)| decode_segment(segment).is_none())
    .map(|(_, message)| message)
}

/// Whether `segment` decodes to one valid JSON value that is not an object
/// (checked by the core's parser, as the value of a member).
fn segment_is_json_non_object(segment: &[u8]) -> bool {
    let Some(value) = decode_segment(segment) else {
        return false;
    };
    let mut doc = Vec::with_capacity(value.len() + 6);
    doc.extend_from_slice(b"{\"\":");
    doc.extend_from_slice(&value);
    doc.push(b'}');
    let is_object = value
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'{');
    !is_object && jwtgate::Object::parse(&doc, &jwtgate::Limits::DEFAULT).is_ok()
}
