//! Structure-aware: tokens built from fuzzed header and claims JSON and signed
//! with the right key, so the fuzzer works past the signature on the claims,
//! policy and denylist logic. Oracle: an accepted token's claims, read by
//! serde_json, satisfy the policy and are not revoked.
#![no_main]

use arbitrary::Arbitrary;
use jwtgate::{Claim, Error, Policy, Verifier, BUFFER_LEN};
use jwtgate_fuzz::*;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[derive(Arbitrary, Debug)]
struct Input {
    alg: Alg,
    header: HeaderSpec,
    claims: ClaimsSpec,
    /// `now` = NOW + this.
    now_delta: i16,
    leeway: u8,
    check_aud: bool,
    require_jti: bool,
    max_age: Option<u16>,
    /// Sign with this algorithm's key instead (a wrong key).
    wrong_key: Option<Alg>,
}

fn int(v: Option<&Value>) -> Option<u64> {
    v.and_then(Value::as_u64)
}

fn floor(v: Option<&Value>) -> Option<u64> {
    v.and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f.floor() as u64)))
}

fuzz_target!(|input: Input| {
    let header = input.header.render(input.alg);
    let claims = input.claims.render(NOW);
    let signer = input.wrong_key.unwrap_or(input.alg);
    let token = token(signer, &header, &claims);
    let now = NOW.saturating_add_signed(i64::from(input.now_delta));

    let mut policy: Policy = policy();
    policy.leeway = u64::from(input.leeway);
    policy.check_aud = input.check_aud;
    if input.require_jti {
        policy.required = policy.required.with(Claim::Jti);
    }
    policy.max_age = input.max_age.map(u64::from);
    let v = Verifier::new(keys(), policy).with_denylist(denylist());

    let mut buf = [0u8; BUFFER_LEN];
    let result = v.verify(token.as_bytes(), now, &mut buf);
    let verified = match result {
        Ok(verified) => verified,
        Err(Error::InvalidSignature) => {
            // Only a wrong key (or an `alg`/`kid` steering to another key of
            // the same algorithm, which the harness does not have) can fail it.
            let standard = matches!(input.header, HeaderSpec::Standard { .. });
            assert!(
                !standard || input.wrong_key.is_some_and(|w| w != input.alg),
                "a correctly signed token failed its signature"
            );
            return;
        }
        Err(_) => return,
    };
    // Accepted: the header named the algorithm of the key that signed.
    assert_eq!(verified.header().alg().name(), signer.name());
    // A second check against the same denylist agrees.
    assert_eq!(verified.check_denylist(&denylist(), now), Ok(()));

    let Ok(json) = serde_json::from_slice::<Value>(&claims) else {
        // jwtgate accepts numbers serde_json cannot hold (1e400 in a custom
        // claim); everything else it accepts is JSON.
        let text = String::from_utf8_lossy(&claims);
        assert!(
            text.contains('e') || text.contains('E') || text.len() > 300,
            "accepted claims that serde_json rejects: {text}"
        );
        return;
    };
    let obj = json.as_object().expect("accepted claims are an object");
    let leeway = u64::from(input.leeway);
    let exp = floor(obj.get("exp")).expect("exp is required");
    assert!(now < exp.saturating_add(leeway), "accepted expired");
    assert_eq!(obj.get("iss").and_then(Value::as_str), Some(ISSUER));
    if input.check_aud {
        let ok = match obj.get("aud") {
            Some(Value::String(s)) => s == AUDIENCE,
            Some(Value::Array(a)) => a.iter().any(|s| s.as_str() == Some(AUDIENCE)),
            _ => false,
        };
        assert!(ok, "accepted a token for another audience");
    }
    if let Some(nbf) = int(obj.get("nbf")) {
        assert!(nbf <= now + leeway);
    }

    // Denylist: no false negatives.
    let str_of = |k: &str| obj.get(k).and_then(Value::as_str);
    let exp_int = int(obj.get("exp"));
    if str_of("jti") == Some(REVOKED_JTI) && exp_int == Some(REVOKED_JTI_EXP) {
        panic!("revoked jti accepted");
    }
    if str_of("sid") == Some(REVOKED_SID) && exp <= REVOKED_SID_UNTIL {
        panic!("revoked sid accepted");
    }
    if str_of("sub") == Some(REVOKED_SUB) && exp <= REVOKED_SUB_UNTIL {
        let iat = obj.get("iat");
        let ver = obj.get("ver");
        let by_time = match iat {
            None => true,
            Some(i) => i.as_u64().is_some_and(|i| i < REVOKED_SUB_ISSUED_BEFORE),
        };
        let by_version = match ver {
            None => true,
            Some(v) => v.as_u64().is_some_and(|v| v < REVOKED_SUB_BELOW_VERSION),
        };
        assert!(!(by_time || by_version), "revoked subject accepted");
    }
});
