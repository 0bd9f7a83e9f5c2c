//! base64url decoding differentially against base64ct's and the base64
//! crate's strict unpadded URL-safe decoders, plus encode/decode round trips.
#![no_main]

use base64::Engine as _;
use base64ct::{Base64UrlUnpadded, Encoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Decode `data` as base64url text.
    let mut out = vec![0u8; data.len()];
    let ours = jwtgate::base64url_decode(data, &mut out).map(|n| out[..n].to_vec());
    let ct = Base64UrlUnpadded::decode_vec(&String::from_utf8_lossy(data)).ok();
    let ct = if std::str::from_utf8(data).is_ok() {
        ct
    } else {
        None
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data)
        .ok();
    assert_eq!(ours.clone().ok(), ct, "base64ct disagrees on {data:?}");
    assert_eq!(ours.clone().ok(), b64, "base64 disagrees on {data:?}");
    if let Ok(decoded) = &ours {
        assert_eq!(
            jwtgate::base64url_decoded_len(data.len()),
            Some(decoded.len())
        );
    }
    // A buffer one byte short is an error, never a panic.
    if let Some(len) = jwtgate::base64url_decoded_len(data.len()) {
        if len > 0 {
            let mut short = vec![0u8; len - 1];
            assert!(jwtgate::base64url_decode(data, &mut short).is_err());
        }
    }

    // Encode `data` as bytes, and back.
    let mut enc = vec![0u8; jwtgate::base64url_encoded_len(data.len())];
    let n = jwtgate::base64url_encode(data, &mut enc).unwrap();
    assert_eq!(n, enc.len());
    assert_eq!(enc, Base64UrlUnpadded::encode_string(data).as_bytes());
    let mut back = vec![0u8; data.len()];
    let m = jwtgate::base64url_decode(&enc, &mut back).unwrap();
    assert_eq!(&back[..m], data);
});
