//! The whole verify path on arbitrary bytes: HMAC and Ed25519 keys, issuer
//! and audience policy, a denylist attached. Nothing may panic, and an
//! accepted token must really satisfy the policy.
#![no_main]

use std::sync::OnceLock;

use jwtgate::{Verifier, BUFFER_LEN};
use jwtgate_fuzz::{verifier, AUDIENCE, ISSUER, NOW};
use libfuzzer_sys::fuzz_target;

fn shared() -> &'static Verifier<'static> {
    static V: OnceLock<Verifier<'static>> = OnceLock::new();
    V.get_or_init(verifier)
}

fuzz_target!(|token: &[u8]| {
    let v = shared();
    let mut buf = [0u8; BUFFER_LEN];
    if let Ok(ok) = v.verify(token, NOW, &mut buf) {
        let claims = ok.claims();
        assert!(
            claims.exp().is_some_and(|exp| exp > NOW),
            "accepted expired"
        );
        assert!(claims.iss().is_some_and(|iss| iss.eq_str(ISSUER)));
        assert!(claims.aud().is_some_and(|aud| aud.contains(AUDIENCE)));
        let json: serde_json::Value =
            serde_json::from_slice(claims.raw_json()).expect("accepted claims are JSON");
        assert!(json.is_object());
    }
    // The JWS layer alone, and a decode buffer of every size up to the token's
    // need: errors, never panics.
    let _ = v.verify_jws(token, &mut buf);
    let small = token.first().map_or(0, |&b| usize::from(b));
    let mut small_buf = vec![0u8; small];
    let _ = v.verify(token, NOW, &mut small_buf);
    // Far past and far future `now`.
    let _ = v.verify(token, 0, &mut buf);
    let _ = v.verify(token, u64::MAX, &mut buf);
});
