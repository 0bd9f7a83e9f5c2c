//! Differential: HS256 tokens over fuzzed claims, verified by jwtgate and by
//! the `jsonwebtoken` crate under the same rules (issuer, audience, exp and
//! nbf, no leeway or a fuzzed one). They must agree on accept/reject, except
//! where jwtgate is deliberately stricter (each case below, and in
//! docs/security.md, "Differential against jsonwebtoken").
#![no_main]

use std::time::{SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use jsonwebtoken::{DecodingKey, Validation};
use jwtgate::{Algorithm, Claim, Error, Key, KeySet, Verifier, BUFFER_LEN};
use jwtgate_fuzz::{policy, token, Alg, ClaimsSpec, AUDIENCE, ISSUER, SECRET};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Arbitrary, Debug)]
struct Input {
    claims: ClaimsSpec,
    leeway: u8,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Why jwtgate may reject what jsonwebtoken accepts; `None` if it may not.
fn stricter(err: Error, claims: &Value, leeway: u64) -> Option<&'static str> {
    let get = |k: &str| claims.get(k);
    let is_int = |k: &str| get(k).is_none_or(Value::is_u64);
    match err {
        // RFC 7519 4.1.4: the current time MUST be *before* exp;
        // jsonwebtoken also accepts now == exp (+ leeway).
        Error::Expired { exp, now } if now == exp + leeway => Some("exp boundary"),
        // Fractional exp: jwtgate rounds down, jsonwebtoken to nearest.
        Error::Expired { .. } if !is_int("exp") => Some("fractional exp floored"),
        // Fractional nbf: jwtgate rounds up, jsonwebtoken to nearest.
        Error::NotYetValid { .. } if !is_int("nbf") => Some("fractional nbf ceiled"),
        // jsonwebtoken does not check iat.
        Error::IssuedInFuture { .. } => Some("iat in the future"),
        // jsonwebtoken ignores the types of claims it does not validate,
        // accepts an array `iss`, accepts a non-string `aud` it cannot parse
        // when `aud` is not required, and any u64 as exp/nbf.
        Error::InvalidClaimType(
            Claim::Sub | Claim::Jti | Claim::Sid | Claim::Iat | Claim::Ver | Claim::Iss,
        ) => Some("type of a claim jsonwebtoken ignores"),
        Error::InvalidClaimType(Claim::Aud) => Some("aud with non-string elements"),
        Error::InvalidClaimType(Claim::Exp | Claim::Nbf) => Some("NumericDate beyond year 9999"),
        // serde keeps the last of duplicate names it does not know.
        Error::DuplicateMember => Some("duplicate member"),
        // Bounds of `Limits` (8 KiB tokens, depth 32, 128 members).
        Error::TokenTooLarge | Error::JsonTooDeep | Error::TooManyMembers => Some("limits"),
        _ => None,
    }
}

fuzz_target!(|input: Input| {
    let now = unix_now();
    let claims = input.claims.render(now);
    let token = token(Alg::HS256, br#"{"alg":"HS256","typ":"JWT"}"#, &claims);
    let leeway = u64::from(input.leeway % 8);

    let mut p = policy();
    p.leeway = leeway;
    let ours = Verifier::new(
        KeySet::single(Key::hmac(Algorithm::HS256, SECRET).unwrap()),
        p,
    );
    let mut buf = [0u8; BUFFER_LEN];
    let ours = ours.verify(token.as_bytes(), now, &mut buf).map(|_| ());

    let mut v = Validation::new(jsonwebtoken::Algorithm::HS256);
    v.leeway = leeway;
    v.validate_nbf = true;
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    let theirs = jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_secret(SECRET), &v);

    if unix_now() != now {
        return; // the clock ticked between the two: not comparable
    }
    match (ours, theirs) {
        (Ok(()), Ok(_)) | (Err(_), Err(_)) => {}
        (Ok(()), Err(e)) => {
            // jsonwebtoken reads claims with serde_json, which refuses
            // numbers beyond f64 (1e400) in any claim; jwtgate only checks
            // the syntax of claims it does not interpret.
            let out_of_range = serde_json::from_slice::<Value>(&claims).is_err();
            assert!(
                out_of_range,
                "jwtgate accepted what jsonwebtoken rejects ({e:?}): {}",
                String::from_utf8_lossy(&claims)
            );
        }
        (Err(err), Ok(data)) => {
            let why = stricter(err, &data.claims, leeway);
            assert!(
                why.is_some(),
                "jwtgate rejected ({err:?}) what jsonwebtoken accepts: {}",
                String::from_utf8_lossy(&claims)
            );
        }
    }
});
