//! The algorithm features (`hmac`, `eddsa`, `es256`, `rsa`): a family
//! compiled out refuses its keys and rejects its tokens with
//! `UnsupportedAlgorithm`; one compiled in works. Runs under every feature
//! set of scripts/test-features.sh, and with the defaults in `cargo test`.

// clippy.toml's allow-*-in-tests covers `#[test]` functions only; the
// helpers of this test crate panic on bad fixtures by design too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jwtgate::{
    base64url_encode, encode, Algorithm, Error, HeaderFields, Key, KeySet, Policy, Verifier,
    BUFFER_LEN,
};

/// A 2048-bit odd modulus the key rules accept (the `Key::rs256_public` doc example).
const RSA_N: [u8; 256] = [0xc5; 256];
const RSA_E: [u8; 3] = [1, 0, 1];
/// RFC 8037 appendix A.1: the Ed25519 seed and its public key.
const ED_SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];
const ED_PUBLIC_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

fn p256_scalar() -> [u8; 32] {
    let mut d = [0u8; 32];
    d[0] = 0x40;
    d[31] = 7;
    d
}

/// Which feature each algorithm belongs to, as this test crate was built.
fn feature_on(alg: Algorithm) -> bool {
    [
        (Algorithm::HS256, cfg!(feature = "hmac")),
        (Algorithm::HS384, cfg!(feature = "hmac")),
        (Algorithm::HS512, cfg!(feature = "hmac")),
        (Algorithm::EdDSA, cfg!(feature = "eddsa")),
        (Algorithm::ES256, cfg!(feature = "es256")),
        (Algorithm::RS256, cfg!(feature = "rsa")),
        (Algorithm::PS256, cfg!(feature = "rsa")),
    ]
    .into_iter()
    .any(|(a, on)| a == alg && on)
}

/// Every way to make a key of `alg`.
fn keys_of(alg: Algorithm) -> Vec<Result<Key, Error>> {
    match alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => vec![
            Key::hmac(alg, &[7u8; 64]),
            Key::hmac_allow_short_secret(alg, b"short"),
        ],
        Algorithm::EdDSA => vec![
            Key::ed25519_private(&ED_SEED),
            Key::ed25519_public(&jwtgate_decode(ED_PUBLIC_X)),
        ],
        Algorithm::ES256 => {
            let private = Key::es256_private(&p256_scalar());
            let sec1 = private
                .as_ref()
                .ok()
                .and_then(Key::es256_public_sec1)
                .map(|p| p.to_vec())
                .unwrap_or_else(|| vec![4u8; 65]);
            vec![
                private,
                Key::es256_public(&sec1),
                Key::es256_public_coordinates(&sec1[1..33], &sec1[33..65]),
            ]
        }
        Algorithm::RS256 | Algorithm::PS256 => vec![
            Key::rsa_public(alg, &RSA_N, &RSA_E),
            if alg == Algorithm::RS256 {
                Key::rs256_public(&RSA_N, &RSA_E)
            } else {
                Key::ps256_public(&RSA_N, &RSA_E)
            },
        ],
        _ => vec![],
    }
}

fn jwtgate_decode(text: &str) -> Vec<u8> {
    let mut out = vec![0u8; text.len()];
    let n = jwtgate::base64url_decode(text.as_bytes(), &mut out).unwrap();
    out.truncate(n);
    out
}

/// A token claiming `alg` whose signature is garbage of the right length.
fn token_claiming(alg: Algorithm) -> Vec<u8> {
    let header = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.name());
    let mut out = vec![0u8; 2048];
    let mut at = base64url_encode(header.as_bytes(), &mut out).unwrap();
    out[at] = b'.';
    at += 1;
    at += base64url_encode(br#"{"sub":"ada","exp":2000000000}"#, &mut out[at..]).unwrap();
    out[at] = b'.';
    at += 1;
    let signature = vec![0x5a; alg.signature_len().min(256)];
    at += base64url_encode(&signature, &mut out[at..]).unwrap();
    out.truncate(at);
    out
}

/// One key of each family this build has, so a verifier has keys at all.
fn some_supported_key() -> Key {
    Algorithm::ALL
        .into_iter()
        .filter(|a| feature_on(*a))
        .find_map(|a| keys_of(a).into_iter().find_map(Result::ok))
        .expect("at least one algorithm feature is on")
}

#[test]
fn is_supported_follows_the_features() {
    for alg in Algorithm::ALL {
        assert_eq!(alg.is_supported(), feature_on(alg), "{alg}");
        // Names stay known whatever the build: downstream code may name them.
        assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
    }
}

#[test]
fn keys_of_compiled_out_algorithms_are_refused_and_others_made() {
    for alg in Algorithm::ALL {
        for (i, key) in keys_of(alg).into_iter().enumerate() {
            if feature_on(alg) {
                let key = key.unwrap_or_else(|e| panic!("{alg} constructor {i}: {e:?}"));
                assert_eq!(key.algorithm(), alg);
            } else {
                assert!(
                    matches!(key, Err(Error::UnsupportedAlgorithm)),
                    "{alg} constructor {i}: {key:?}"
                );
            }
        }
    }
    // A constructor still refuses an algorithm of another family as before.
    assert!(matches!(
        Key::rsa_public(Algorithm::HS256, &RSA_N, &RSA_E),
        Err(Error::InvalidKey)
    ));
    assert!(matches!(
        Key::hmac(Algorithm::EdDSA, &[7u8; 64]),
        Err(Error::InvalidKey)
    ));
}

#[test]
fn tokens_of_compiled_out_algorithms_are_unsupported() {
    let verifier = Verifier::new(KeySet::single(some_supported_key()), Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    for alg in Algorithm::ALL {
        let token = token_claiming(alg);
        let got = verifier.verify(&token, 1_700_000_000, &mut buf).err();
        if feature_on(alg) {
            // Compiled in: the verifier gets as far as the key or signature.
            assert!(
                matches!(
                    got,
                    Some(Error::AlgorithmMismatch | Error::InvalidSignature | Error::UnknownKey)
                ),
                "{alg}: {got:?}"
            );
        } else {
            assert_eq!(got, Some(Error::UnsupportedAlgorithm), "{alg}");
        }
    }
}

#[test]
fn signing_round_trips_for_every_family_compiled_in() {
    let mut signed = 0;
    for alg in Algorithm::ALL.into_iter().filter(|a| feature_on(*a)) {
        for key in keys_of(alg).into_iter().map(Result::unwrap) {
            if !key.can_sign() {
                continue;
            }
            let mut out = [0u8; 1024];
            let n = encode(
                &key,
                br#"{"sub":"ada","exp":2000000000}"#,
                &HeaderFields::new(),
                &mut out,
            )
            .unwrap();
            let verifier = Verifier::new(KeySet::single(key), Policy::new());
            let mut buf = [0u8; BUFFER_LEN];
            let verified = verifier.verify(&out[..n], 1_700_000_000, &mut buf);
            assert!(verified.is_ok(), "{alg}: {verified:?}");
            signed += 1;
        }
    }
    let signers = usize::from(cfg!(feature = "hmac")) * 6
        + usize::from(cfg!(feature = "eddsa"))
        + usize::from(cfg!(feature = "es256"));
    assert_eq!(signed, signers);
}

#[test]
fn jwks_skips_keys_of_compiled_out_algorithms() {
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"{ED_PUBLIC_X}"}},
            {{"kty":"RSA","kid":"rsa","n":"{}","e":"AQAB"}}]}}"#,
        b64(&RSA_N)
    );
    let keys = KeySet::from_jwks(jwks.as_bytes()).unwrap();
    let kids: Vec<_> = keys.iter().filter_map(Key::kid).collect();
    let mut want = vec![];
    if cfg!(feature = "eddsa") {
        want.push("ed");
    }
    if cfg!(feature = "rsa") {
        want.push("rsa");
    }
    assert_eq!(kids, want);
}

fn b64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2 + 4];
    let n = base64url_encode(bytes, &mut out).unwrap();
    out.truncate(n);
    String::from_utf8(out).unwrap()
}
