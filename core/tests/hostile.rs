//! Hand-built hostile tokens: one case per rejection rule of DESIGN.md.

mod common;

use base64ct::Encoding;
use common::*;
use jwtgate::{Algorithm, Claim, Error, Key, KeySet, Limits, Policy, Verifier, BUFFER_LEN};

const HS_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn check(verifier: &Verifier<'_>, token: &str) -> Result<(), Error> {
    let mut buf = [0u8; BUFFER_LEN];
    verifier.verify(token.as_bytes(), NOW, &mut buf).map(|_| ())
}

fn hs(token: &str) -> Result<(), Error> {
    check(&verifier(hs_key(), policy()), token)
}

fn claims_with(extra: &str) -> String {
    format!(r#"{{"iss":"https://issuer.example","aud":"orders","exp":1800000000{extra}}}"#)
}

#[test]
fn baseline_is_accepted() {
    assert_eq!(hs(&hs256(HS_HEADER, CLAIMS)), Ok(()));
    let ed = verifier(ed_public_key(), policy());
    assert_eq!(check(&ed, &eddsa(r#"{"alg":"EdDSA"}"#, CLAIMS)), Ok(()));
}

#[test]
fn none_algorithm_does_not_exist() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let token = format!("{}.{}.", b64(&header), b64(CLAIMS));
        assert_eq!(hs(&token), Err(Error::UnsupportedAlgorithm), "{alg}");
    }
}

#[test]
fn unknown_or_missing_algorithm() {
    assert_eq!(
        hs(&hs256(r#"{"alg":"HS257"}"#, CLAIMS)),
        Err(Error::UnsupportedAlgorithm)
    );
    assert_eq!(
        hs(&hs256(r#"{"alg":"hs256"}"#, CLAIMS)),
        Err(Error::UnsupportedAlgorithm)
    );
    assert_eq!(
        hs(&hs256(r#"{"typ":"JWT"}"#, CLAIMS)),
        Err(Error::MissingAlgorithm)
    );
    assert_eq!(hs(&hs256(r#"{"alg":256}"#, CLAIMS)), Err(Error::HeaderJson));
    // Escapes are decoded before the comparison: this is HS256.
    assert_eq!(hs(&hs256(r#"{"alg":"HS\u003256"}"#, CLAIMS)), Ok(()));
}

#[test]
fn algorithm_confusion_is_impossible() {
    // The classic attack: HMAC keyed with the verifier's public key bytes.
    let public = ed_public_key().ed25519_public_bytes().unwrap();
    let input = format!("{}.{}", b64(r#"{"alg":"HS256"}"#), b64(CLAIMS));
    let tag = {
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&public).unwrap();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes()
    };
    let token = format!("{input}.{}", b64(tag));
    let ed = verifier(ed_public_key(), policy());
    assert_eq!(check(&ed, &token), Err(Error::AlgorithmMismatch));
    // And the other way round: an EdDSA token against an HMAC-only set.
    assert_eq!(
        hs(&eddsa(r#"{"alg":"EdDSA"}"#, CLAIMS)),
        Err(Error::AlgorithmMismatch)
    );
    // A kid pointing at a key of another algorithm.
    let mut keys = KeySet::new();
    keys.add(hs_key().with_kid("hmac").unwrap()).unwrap();
    keys.add(ed_public_key().with_kid("ed").unwrap()).unwrap();
    let both = Verifier::new(keys, policy());
    let token = eddsa(r#"{"alg":"EdDSA","kid":"hmac"}"#, CLAIMS);
    assert_eq!(check(&both, &token), Err(Error::AlgorithmMismatch));
    let token = eddsa(r#"{"alg":"EdDSA","kid":"ed"}"#, CLAIMS);
    assert_eq!(check(&both, &token), Ok(()));
}

#[test]
fn compact_form_only() {
    let good = hs256(HS_HEADER, CLAIMS);
    let parts: Vec<&str> = good.split('.').collect();
    for bad in [
        String::new(),
        ".".into(),
        "..".into(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{good}.{}", parts[2]),
        format!(".{}.{}", parts[1], parts[2]),
        // JWE has five parts.
        format!("{}.a.b.c.d", parts[0]),
    ] {
        assert_eq!(hs(&bad), Err(Error::Malformed), "{bad:?}");
    }
}

#[test]
fn base64url_must_be_canonical_and_unpadded() {
    let good = hs256(HS_HEADER, CLAIMS);
    let (input, signature) = good.rsplit_once('.').unwrap();
    // Padding.
    assert_eq!(hs(&format!("{input}.{signature}=")), Err(Error::Base64));
    // Standard alphabet.
    let std_alphabet = signature.replace('-', "+").replace('_', "/");
    if std_alphabet != signature {
        assert_eq!(hs(&format!("{input}.{std_alphabet}")), Err(Error::Base64));
    }
    // A 32-byte tag has 43 characters; the last carries 2 unused bits.
    let last = signature.chars().last().unwrap();
    let table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let value = table.find(last).unwrap();
    let flipped = char::from(table.as_bytes()[value ^ 1]);
    let tweaked = format!("{input}.{}{flipped}", &signature[..signature.len() - 1]);
    assert_eq!(hs(&tweaked), Err(Error::Base64));
    // Whitespace inside the header, which is decoded first.
    assert_eq!(hs(&format!(" {good}")), Err(Error::Base64));
    // In the payload it breaks the signature first: the payload is not
    // decoded before the signature over its ASCII form holds.
    let spaced = good.replacen('.', ". ", 1);
    assert_eq!(hs(&spaced), Err(Error::InvalidSignature));
    // Header padding: the header is decoded before anything else.
    let claims_b64 = b64(CLAIMS);
    let padded = format!("{}=", b64(r#"{"alg":"HS256"}"#));
    assert_eq!(hs(&hs256_raw(&padded, &claims_b64)), Err(Error::Base64));
}

#[test]
fn headers_we_do_not_implement_are_rejected() {
    let crit = r#"{"alg":"HS256","crit":["exp"],"exp":1}"#;
    assert_eq!(hs(&hs256(crit, CLAIMS)), Err(Error::UnsupportedCritical));
    let b64_false = r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#;
    assert_eq!(
        hs(&hs256(b64_false, CLAIMS)),
        Err(Error::UnsupportedCritical)
    );
    let b64_false = r#"{"alg":"HS256","b64":false}"#;
    assert_eq!(
        hs(&hs256(b64_false, CLAIMS)),
        Err(Error::UnsupportedCritical)
    );
}

#[test]
fn embedded_keys_are_never_used() {
    // An attacker's own Ed25519 key in `jwk`, signing with it.
    use ed25519_dalek::Signer;
    let attacker = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let x = b64(attacker.verifying_key().to_bytes());
    let header = format!(r#"{{"alg":"EdDSA","jwk":{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}}}"#);
    let input = format!("{}.{}", b64(&header), b64(CLAIMS));
    let token = format!(
        "{input}.{}",
        b64(attacker.sign(input.as_bytes()).to_bytes())
    );
    let ed = verifier(ed_public_key(), policy());
    assert_eq!(check(&ed, &token), Err(Error::InvalidSignature));
    let header = r#"{"alg":"HS256","jku":"https://attacker.example/jwks"}"#;
    // `jku` is ignored, so a correctly signed token still verifies.
    assert_eq!(hs(&hs256(header, CLAIMS)), Ok(()));
}

#[test]
fn duplicate_members_are_rejected() {
    let dup_header = r#"{"alg":"HS256","alg":"HS256"}"#;
    assert_eq!(hs(&hs256(dup_header, CLAIMS)), Err(Error::DuplicateMember));
    let dup_exp = claims_with(r#","exp":1"#);
    assert_eq!(hs(&hs256(HS_HEADER, &dup_exp)), Err(Error::DuplicateMember));
    let escaped = claims_with(r#","\u0065xp":1"#);
    assert_eq!(hs(&hs256(HS_HEADER, &escaped)), Err(Error::DuplicateMember));
    let dup_custom = claims_with(r#","role":"user","role":"admin""#);
    assert_eq!(
        hs(&hs256(HS_HEADER, &dup_custom)),
        Err(Error::DuplicateMember)
    );
}

#[test]
fn malformed_json() {
    assert_eq!(hs(&hs256("not json", CLAIMS)), Err(Error::HeaderJson));
    assert_eq!(hs(&hs256(r#"["HS256"]"#, CLAIMS)), Err(Error::HeaderJson));
    assert_eq!(hs(&hs256(HS_HEADER, "not json")), Err(Error::ClaimsJson));
    assert_eq!(
        hs(&hs256(HS_HEADER, r#"{"exp":1800000000,}"#)),
        Err(Error::ClaimsJson)
    );
    assert_eq!(
        hs(&hs256(HS_HEADER, r#"{"exp":1800000000} x"#)),
        Err(Error::ClaimsJson)
    );
    assert_eq!(hs(&hs256(HS_HEADER, "")), Err(Error::ClaimsJson));
    // Invalid UTF-8 inside a string.
    let input = format!(
        "{}.{}",
        b64(HS_HEADER),
        b64(b"{\"sub\":\"\xff\",\"exp\":1800000000}")
    );
    let (header_b64, claims_b64) = input.split_once('.').unwrap();
    assert_eq!(
        hs(&hs256_raw(header_b64, claims_b64)),
        Err(Error::ClaimsJson)
    );
}

#[test]
fn numeric_dates_are_typed() {
    let p = Policy::new();
    let v = verifier(hs_key(), p);
    for (claims, expected) in [
        (
            r#"{"exp":"1800000000"}"#,
            Err(Error::InvalidClaimType(Claim::Exp)),
        ),
        (r#"{"exp":true}"#, Err(Error::InvalidClaimType(Claim::Exp))),
        (r#"{"exp":null}"#, Err(Error::InvalidClaimType(Claim::Exp))),
        (r#"{"exp":-1}"#, Err(Error::InvalidClaimType(Claim::Exp))),
        (r#"{"exp":1e400}"#, Err(Error::InvalidClaimType(Claim::Exp))),
        (
            r#"{"exp":99999999999999999999}"#,
            Err(Error::InvalidClaimType(Claim::Exp)),
        ),
        (
            r#"{"exp":1800000000,"nbf":"0"}"#,
            Err(Error::InvalidClaimType(Claim::Nbf)),
        ),
        (
            r#"{"exp":1800000000,"iat":[1]}"#,
            Err(Error::InvalidClaimType(Claim::Iat)),
        ),
        (
            r#"{"exp":1800000000,"ver":1.5}"#,
            Err(Error::InvalidClaimType(Claim::Ver)),
        ),
        (
            r#"{"exp":1800000000,"iss":1}"#,
            Err(Error::InvalidClaimType(Claim::Iss)),
        ),
        (
            r#"{"exp":1800000000,"sub":{}}"#,
            Err(Error::InvalidClaimType(Claim::Sub)),
        ),
        (
            r#"{"exp":1800000000,"jti":null}"#,
            Err(Error::InvalidClaimType(Claim::Jti)),
        ),
        (
            r#"{"exp":1800000000,"aud":["a",1]}"#,
            Err(Error::InvalidClaimType(Claim::Aud)),
        ),
        // Non-integer NumericDates are valid (RFC 7519 section 2).
        (r#"{"exp":1800000000.5}"#, Ok(())),
        (r#"{"exp":1.8e9}"#, Ok(())),
        (r#"{"exp":1800000000,"iat":1699999999.999}"#, Ok(())),
    ] {
        assert_eq!(check(&v, &hs256(HS_HEADER, claims)), expected, "{claims}");
    }
}

#[test]
fn time_checks_with_leeway() {
    let at = |claims: &str, leeway: u64| {
        let mut p = Policy::new();
        p.leeway = leeway;
        check(&verifier(hs_key(), p), &hs256(HS_HEADER, claims))
    };
    let exp_now = format!(r#"{{"exp":{NOW}}}"#);
    assert_eq!(at(&exp_now, 0), Err(Error::Expired { exp: NOW, now: NOW }));
    assert_eq!(at(&exp_now, 1), Ok(()));
    let exp_soon = format!(r#"{{"exp":{}}}"#, NOW + 1);
    assert_eq!(at(&exp_soon, 0), Ok(()));
    // A fractional exp just after now is still rounded down: conservative.
    let exp_frac = format!(r#"{{"exp":{NOW}.5}}"#);
    assert_eq!(at(&exp_frac, 0), Err(Error::Expired { exp: NOW, now: NOW }));
    let nbf = format!(r#"{{"exp":1800000000,"nbf":{}}}"#, NOW + 10);
    assert_eq!(
        at(&nbf, 0),
        Err(Error::NotYetValid {
            nbf: NOW + 10,
            now: NOW
        })
    );
    assert_eq!(at(&nbf, 10), Ok(()));
    let iat = format!(r#"{{"exp":1800000000,"iat":{}}}"#, NOW + 5);
    assert_eq!(
        at(&iat, 0),
        Err(Error::IssuedInFuture {
            iat: NOW + 5,
            now: NOW
        })
    );
    assert_eq!(at(&iat, 5), Ok(()));
    // exp is required by default.
    assert_eq!(
        at(r#"{"sub":"x"}"#, 0),
        Err(Error::MissingClaim(Claim::Exp))
    );
}

#[test]
fn max_age() {
    let mut p = Policy::new();
    p.max_age = Some(60);
    let v = verifier(hs_key(), p);
    let fresh = format!(r#"{{"exp":1800000000,"iat":{}}}"#, NOW - 60);
    assert_eq!(check(&v, &hs256(HS_HEADER, &fresh)), Ok(()));
    let old = format!(r#"{{"exp":1800000000,"iat":{}}}"#, NOW - 61);
    assert_eq!(check(&v, &hs256(HS_HEADER, &old)), Err(Error::TooOld));
    let none = r#"{"exp":1800000000}"#;
    assert_eq!(
        check(&v, &hs256(HS_HEADER, none)),
        Err(Error::MissingClaim(Claim::Iat))
    );
}

#[test]
fn issuer_rules() {
    let wrong = CLAIMS.replace("https://issuer.example", "https://evil.example");
    assert_eq!(hs(&hs256(HS_HEADER, &wrong)), Err(Error::InvalidIssuer));
    let missing = r#"{"aud":"orders","exp":1800000000}"#;
    assert_eq!(
        hs(&hs256(HS_HEADER, missing)),
        Err(Error::MissingClaim(Claim::Iss))
    );
    // Prefix and case are not matches.
    let prefix = CLAIMS.replace("https://issuer.example", "https://issuer.example.evil");
    assert_eq!(hs(&hs256(HS_HEADER, &prefix)), Err(Error::InvalidIssuer));
    let mut p = policy();
    p.add_issuer("https://second.example").unwrap();
    let second = CLAIMS.replace("https://issuer.example", "https://second.example");
    assert_eq!(
        check(&verifier(hs_key(), p), &hs256(HS_HEADER, &second)),
        Ok(())
    );
    // Escaped issuer compares after unescaping.
    let escaped = CLAIMS.replace("https://issuer.example", r"https:\/\/issuer.example");
    assert_eq!(hs(&hs256(HS_HEADER, &escaped)), Ok(()));
}

#[test]
fn audience_rules() {
    let with_aud =
        |aud: &str| format!(r#"{{"iss":"https://issuer.example","aud":{aud},"exp":1800000000}}"#);
    assert_eq!(hs(&hs256(HS_HEADER, &with_aud(r#""orders""#))), Ok(()));
    assert_eq!(
        hs(&hs256(HS_HEADER, &with_aud(r#"["billing","orders"]"#))),
        Ok(())
    );
    assert_eq!(
        hs(&hs256(HS_HEADER, &with_aud(r#""billing""#))),
        Err(Error::InvalidAudience)
    );
    assert_eq!(
        hs(&hs256(HS_HEADER, &with_aud("[]"))),
        Err(Error::InvalidAudience)
    );
    assert_eq!(
        hs(&hs256(HS_HEADER, &with_aud(r#"["ORDERS"]"#))),
        Err(Error::InvalidAudience)
    );
    // The "aud bypass": an array holding the accepted value as a substring.
    assert_eq!(
        hs(&hs256(HS_HEADER, &with_aud(r#""ordersX""#))),
        Err(Error::InvalidAudience)
    );
    let missing = r#"{"iss":"https://issuer.example","exp":1800000000}"#;
    assert_eq!(
        hs(&hs256(HS_HEADER, missing)),
        Err(Error::MissingClaim(Claim::Aud))
    );
    // A token for some audience, at a verifier that names none.
    let v = verifier(hs_key(), Policy::new());
    assert_eq!(
        check(&v, &hs256(HS_HEADER, CLAIMS)),
        Err(Error::InvalidAudience)
    );
    let mut p = Policy::new();
    p.check_aud = false;
    assert_eq!(
        check(&verifier(hs_key(), p), &hs256(HS_HEADER, CLAIMS)),
        Ok(())
    );
    let many = format!("[{}]", vec![r#""x""#; 33].join(","));
    assert_eq!(
        hs(&hs256(HS_HEADER, &with_aud(&many))),
        Err(Error::TooManyMembers)
    );
}

/// `"aud": null` counts as absent (PyJWT's rule; docs/decisions.md): a
/// verifier with an audience finds `aud` missing, one without accepts the
/// token, and `null` inside an array is still a type error.
#[test]
fn null_audience_counts_as_absent() {
    let null_aud = r#"{"iss":"https://issuer.example","aud":null,"exp":1800000000}"#;
    assert_eq!(
        hs(&hs256(HS_HEADER, null_aud)),
        Err(Error::MissingClaim(Claim::Aud))
    );
    let v = verifier(hs_key(), Policy::new());
    assert_eq!(check(&v, &hs256(HS_HEADER, null_aud)), Ok(()));
    let mut p = Policy::new();
    p.required = p.required.with(Claim::Aud);
    assert_eq!(
        check(&verifier(hs_key(), p), &hs256(HS_HEADER, null_aud)),
        Err(Error::MissingClaim(Claim::Aud))
    );
    for aud in ["[null]", "false", "{}"] {
        let claims = format!(r#"{{"aud":{aud},"exp":1800000000}}"#);
        assert_eq!(
            check(&v, &hs256(HS_HEADER, &claims)),
            Err(Error::InvalidClaimType(Claim::Aud)),
            "{aud}"
        );
    }
}

#[test]
fn typ_rules() {
    let mut p = policy();
    p.require_typ("at+jwt").unwrap();
    let v = verifier(hs_key(), p);
    for (header, expected) in [
        (r#"{"alg":"HS256","typ":"at+jwt"}"#, Ok(())),
        (r#"{"alg":"HS256","typ":"AT+JWT"}"#, Ok(())),
        (r#"{"alg":"HS256","typ":"application/at+jwt"}"#, Ok(())),
        (r#"{"alg":"HS256","typ":"JWT"}"#, Err(Error::InvalidType)),
        (r#"{"alg":"HS256"}"#, Err(Error::InvalidType)),
        (r#"{"alg":"HS256","typ":1}"#, Err(Error::HeaderJson)),
    ] {
        assert_eq!(check(&v, &hs256(header, CLAIMS)), expected, "{header}");
    }
}

#[test]
fn required_claims() {
    let mut p = policy();
    p.required = p.required.with(Claim::Jti).with(Claim::Sid);
    let v = verifier(hs_key(), p);
    assert_eq!(check(&v, &hs256(HS_HEADER, CLAIMS)), Ok(()));
    let no_sid = CLAIMS.replace(r#","sid":"s-1""#, "");
    assert_eq!(
        check(&v, &hs256(HS_HEADER, &no_sid)),
        Err(Error::MissingClaim(Claim::Sid))
    );
}

#[test]
fn signatures() {
    let good = hs256(HS_HEADER, CLAIMS);
    let (input, signature) = good.rsplit_once('.').unwrap();
    // Truncated tag (the Wycheproof truncated-MAC cases, at the JWS level).
    let mut tag = base64ct::Base64UrlUnpadded::decode_vec(signature).unwrap();
    tag.truncate(16);
    assert_eq!(
        hs(&format!("{input}.{}", b64(&tag))),
        Err(Error::InvalidSignature)
    );
    assert_eq!(hs(&format!("{input}.")), Err(Error::InvalidSignature));
    let mut long = base64ct::Base64UrlUnpadded::decode_vec(signature).unwrap();
    long.extend_from_slice(&[0; 64]);
    assert_eq!(
        hs(&format!("{input}.{}", b64(&long))),
        Err(Error::InvalidSignature)
    );
    // Payload changed after signing.
    let other = b64(CLAIMS.replace("user-1", "admin"));
    let (header_b64, _) = input.split_once('.').unwrap();
    assert_eq!(
        hs(&format!("{header_b64}.{other}.{signature}")),
        Err(Error::InvalidSignature)
    );
    // "Psychic signatures": all-zero EdDSA signature.
    let ed = verifier(ed_public_key(), policy());
    let input = format!("{}.{}", b64(r#"{"alg":"EdDSA"}"#), b64(CLAIMS));
    assert_eq!(
        check(&ed, &format!("{input}.{}", b64([0u8; 64]))),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn key_selection() {
    let mut keys = KeySet::new();
    keys.add(hs_key().with_kid("current").unwrap()).unwrap();
    let old = Key::hmac(Algorithm::HS256, b"an older secret, also 32 bytes!!").unwrap();
    keys.add(old.with_kid("previous").unwrap()).unwrap();
    let v = Verifier::new(keys, policy());
    let with_kid = |kid: &str| hs256(&format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#), CLAIMS);
    assert_eq!(check(&v, &with_kid("current")), Ok(()));
    // Signed with SECRET, but the kid picks the other key.
    assert_eq!(
        check(&v, &with_kid("previous")),
        Err(Error::InvalidSignature)
    );
    assert_eq!(check(&v, &with_kid("unknown")), Err(Error::UnknownKey));
    assert_eq!(
        check(&v, &hs256(HS_HEADER, CLAIMS)),
        Err(Error::AmbiguousKey)
    );
    assert_eq!(
        check(&v, &hs256(r#"{"alg":"HS256","kid":7}"#, CLAIMS)),
        Err(Error::HeaderJson)
    );
}

#[test]
fn limits_are_errors_not_work() {
    let limits = Limits {
        max_token_len: 300,
        ..Limits::DEFAULT
    };
    let v = verifier(hs_key(), policy()).with_limits(limits);
    let padding = "x".repeat(300);
    let big = hs256(HS_HEADER, &claims_with(&format!(r#","pad":"{padding}""#)));
    assert_eq!(check(&v, &big), Err(Error::TokenTooLarge));
    let deep = claims_with(&format!(r#","deep":{}{}"#, "[".repeat(40), "]".repeat(40)));
    assert_eq!(hs(&hs256(HS_HEADER, &deep)), Err(Error::JsonTooDeep));
    let very_deep = claims_with(&format!(r#","deep":{}"#, "[".repeat(5000)));
    assert_eq!(hs(&hs256(HS_HEADER, &very_deep)), Err(Error::JsonTooDeep));
    let many: String = (0..200).map(|i| format!(r#","c{i}":{i}"#)).collect();
    assert_eq!(
        hs(&hs256(HS_HEADER, &claims_with(&many))),
        Err(Error::TooManyMembers)
    );
    let mut small = [0u8; 16];
    let token = hs256(HS_HEADER, CLAIMS);
    let v = verifier(hs_key(), policy());
    assert!(matches!(
        v.verify(token.as_bytes(), NOW, &mut small),
        Err(Error::BufferTooSmall)
    ));
}

#[test]
fn a_second_denylist_can_be_checked_after_verification() {
    use jwtgate::{
        Denylist, DenylistBuilder, DenylistConfig, Retention, Revocation, RevocationKind,
    };
    let entries = [Revocation::Session {
        sid: b"s-1",
        until: 1_800_000_000,
    }];
    // CLAIMS expire years after NOW: allow such a lifetime.
    let config = DenylistConfig {
        retention: Retention {
            max_token_lifetime: u64::MAX,
            ..Retention::DEFAULT
        },
        ..DenylistConfig::new([1; 16], NOW)
    };
    let builder = DenylistBuilder::new(config);
    let mut bytes = vec![0u8; builder.required_len(&entries).unwrap()];
    let n = builder.build(&entries, &mut bytes).unwrap();
    let live = Denylist::from_bytes(&bytes[..n]).unwrap();
    let v = verifier(hs_key(), policy());
    let mut buf = [0u8; BUFFER_LEN];
    let token = hs256(HS_HEADER, CLAIMS);
    let verified = v.verify(token.as_bytes(), NOW, &mut buf).unwrap();
    assert_eq!(
        verified.check_denylist(&live, NOW),
        Err(Error::Revoked(RevocationKind::Session))
    );
    // Another session of the same user is untouched.
    let other = hs256(HS_HEADER, &CLAIMS.replace("s-1", "s-2"));
    let mut buf = [0u8; BUFFER_LEN];
    let verified = v.verify(other.as_bytes(), NOW, &mut buf).unwrap();
    assert_eq!(verified.check_denylist(&live, NOW), Ok(()));
}
