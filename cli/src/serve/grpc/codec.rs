//! gRPC's message framing over HTTP/2 (a compressed flag, a 4-byte
//! big-endian length, the message) and its status trailers.

/// gRPC status codes the gateway answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 0.
    Ok,
    /// 3: a message that is not a `CheckRequest` the gateway can read.
    InvalidArgument,
    /// 4: the message did not arrive in time.
    DeadlineExceeded,
    /// 7: `google.rpc.Code` in a `CheckResponse` for a 403.
    PermissionDenied,
    /// 8: a message over the size cap, or too many headers.
    ResourceExhausted,
    /// 12: another method, or a compressed message.
    Unimplemented,
    /// 13: the answer could not be encoded.
    Internal,
    /// 14: `google.rpc.Code` in a `CheckResponse` for a 503.
    Unavailable,
    /// 16: `google.rpc.Code` in a `CheckResponse` for a 401.
    Unauthenticated,
}

impl Code {
    /// The number on the wire.
    pub fn number(self) -> i32 {
        match self {
            Code::Ok => 0,
            Code::InvalidArgument => 3,
            Code::DeadlineExceeded => 4,
            Code::PermissionDenied => 7,
            Code::ResourceExhausted => 8,
            Code::Unimplemented => 12,
            Code::Internal => 13,
            Code::Unavailable => 14,
            Code::Unauthenticated => 16,
        }
    }
}

/// Why a request body is not one gRPC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than its 5-byte prefix says.
    Truncated,
    /// More than one message (Check is unary).
    Trailing,
    /// The compressed flag is set (no compression is offered).
    Compressed,
    /// A flag byte other than 0 or 1.
    BadFlag,
    /// Longer than the configured cap.
    TooLarge,
}

impl FrameError {
    /// The gRPC status and message this error is answered with.
    pub fn status(self) -> (Code, &'static str) {
        match self {
            FrameError::Truncated => (Code::InvalidArgument, "truncated gRPC message"),
            FrameError::Trailing => (Code::InvalidArgument, "more than one gRPC message"),
            FrameError::Compressed => {
                (Code::Unimplemented, "compressed messages are not supported")
            }
            FrameError::BadFlag => (Code::InvalidArgument, "bad gRPC message flag"),
            FrameError::TooLarge => (Code::ResourceExhausted, "gRPC message too large"),
        }
    }
}

/// The one message in `body`, at most `max` bytes long.
pub fn unframe(body: &[u8], max: usize) -> Result<&[u8], FrameError> {
    let Some((&[flag, a, b, c, d], message)) = body.split_first_chunk::<5>() else {
        return Err(FrameError::Truncated);
    };
    match flag {
        0 => {}
        1 => return Err(FrameError::Compressed),
        _ => return Err(FrameError::BadFlag),
    }
    let len =
        usize::try_from(u32::from_be_bytes([a, b, c, d])).map_err(|_| FrameError::TooLarge)?;
    if len > max {
        return Err(FrameError::TooLarge);
    }
    match message.len().cmp(&len) {
        std::cmp::Ordering::Less => Err(FrameError::Truncated),
        std::cmp::Ordering::Greater => Err(FrameError::Trailing),
        std::cmp::Ordering::Equal => Ok(message),
    }
}

/// `message` framed (uncompressed); `None` past 4 GiB.
pub fn frame(message: &[u8]) -> Option<Vec<u8>> {
    let len = u32::try_from(message.len()).ok()?;
    let mut out = Vec::with_capacity(message.len().saturating_add(5));
    out.push(0);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(message);
    Some(out)
}

/// `grpc-message`'s encoding: bytes outside printable ASCII, and `%`,
/// percent-encoded.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..=0x7E).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn frame_round_trip() {
        let framed = frame(b"hello").unwrap();
        assert_eq!(framed, b"\x00\x00\x00\x00\x05hello");
        assert_eq!(unframe(&framed, 5), Ok(&b"hello"[..]));
        assert_eq!(unframe(b"\x00\x00\x00\x00\x00", 0), Ok(&b""[..]));
    }

    #[test]
    fn malformed_frames_are_refused() {
        assert_eq!(unframe(b"", 100), Err(FrameError::Truncated));
        assert_eq!(unframe(b"\x00\x00\x00", 100), Err(FrameError::Truncated));
        assert_eq!(
            unframe(b"\x00\x00\x00\x00\x05hell", 100),
            Err(FrameError::Truncated)
        );
        assert_eq!(
            unframe(b"\x00\x00\x00\x00\x01ab", 100),
            Err(FrameError::Trailing)
        );
        assert_eq!(
            unframe(b"\x01\x00\x00\x00\x01a", 100),
            Err(FrameError::Compressed)
        );
        assert_eq!(
            unframe(b"\x02\x00\x00\x00\x01a", 100),
            Err(FrameError::BadFlag)
        );
        // The length alone refuses it, before the bytes arrive.
        assert_eq!(
            unframe(b"\x00\xff\xff\xff\xff", 100),
            Err(FrameError::TooLarge)
        );
        assert_eq!(
            unframe(b"\x00\x00\x00\x00\x05hello", 4),
            Err(FrameError::TooLarge)
        );
    }

    #[test]
    fn grpc_message_is_percent_encoded() {
        assert_eq!(percent_encode("a b%c\né"), "a b%25c%0A%C3%A9");
    }

    #[test]
    fn codes_are_grpc_numbers() {
        assert_eq!(Code::Unauthenticated.number(), 16);
        assert_eq!(Code::PermissionDenied.number(), 7);
        assert_eq!(Code::InvalidArgument.number(), 3);
        assert_eq!(Code::ResourceExhausted.number(), 8);
    }
}
