//! ES256, RS256 and PS256 (issue 7): the RFC 7515 examples, tokens signed
//! by jsonwebtoken (both ways), a typical OIDC provider JWKS, and hostile
//! keys and signatures. Keys come from `tests/keys/` (`generate.py`).

// clippy.toml's allow-*-in-tests covers `#[test]` functions only; the
// helpers of this test crate panic on bad fixtures by design too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64ct::{Base64UrlUnpadded, Encoding};
use common::{b64, policy, CLAIMS, NOW};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use jwtgate::{encode, Algorithm, Error, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};
use serde_json::Value;

fn unb64(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

fn verify_jws(keys: KeySet, token: &str) -> Result<(), Error> {
    let mut buf = [0u8; BUFFER_LEN];
    Verifier::new(keys, Policy::new())
        .verify_jws(token.as_bytes(), &mut buf)
        .map(|_| ())
}

fn verify(keys: KeySet, token: &str) -> Result<(), Error> {
    let mut buf = [0u8; BUFFER_LEN];
    Verifier::new(keys, policy())
        .verify(token.as_bytes(), NOW, &mut buf)
        .map(|_| ())
}

/// Replaces the signature of a compact JWS.
fn with_signature(token: &str, signature: &[u8]) -> String {
    let (input, _) = token.rsplit_once('.').unwrap();
    format!("{input}.{}", b64(signature))
}

fn signature_of(token: &str) -> Vec<u8> {
    unb64(token.rsplit_once('.').unwrap().1)
}

// --- RFC 7515 appendices A.2 (RS256) and A.3 (ES256) -----------------------

const RFC7515_PAYLOAD: &str =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

/// A.2.1: the RSA key's `n` (`e` is `AQAB`).
const RFC7515_A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx\
    HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs\
    D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH\
    SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV\
    MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8\
    NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";

/// A.2.1: the signature (RS256 is deterministic, so it is the RFC's exactly).
const RFC7515_A2_SIG: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7\
    AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4\
    BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K\
    0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv\
    hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB\
    p0igcN_IoypGlUPQGe77Rw";

/// A.3.1: the P-256 key.
const RFC7515_A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const RFC7515_A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const RFC7515_A3_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
/// A.3.1: the signature (`r || s`).
const RFC7515_A3_SIG: &str =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

fn rfc7515_a2_key() -> Key {
    Key::rs256_public(&unb64(RFC7515_A2_N), &unb64("AQAB")).unwrap()
}

fn rfc7515_a2_token() -> String {
    format!("eyJhbGciOiJSUzI1NiJ9.{RFC7515_PAYLOAD}.{RFC7515_A2_SIG}")
}

fn rfc7515_a3_token() -> String {
    format!("eyJhbGciOiJFUzI1NiJ9.{RFC7515_PAYLOAD}.{RFC7515_A3_SIG}")
}

#[test]
fn rfc7515_a2_rs256() {
    let key = rfc7515_a2_key();
    assert_eq!(key.signature_len(), 256);
    let token = rfc7515_a2_token();
    let mut buf = [0u8; BUFFER_LEN];
    let verifier = Verifier::new(KeySet::single(key.clone()), Policy::new());
    let jws = verifier.verify_jws(token.as_bytes(), &mut buf).unwrap();
    assert_eq!(jws.header.alg(), Algorithm::RS256);
    assert!(jws.payload.starts_with(b"{\"iss\":\"joe\""));
    // The claims expired in 2011: the full check says so, after the signature.
    assert_eq!(
        verifier.verify(token.as_bytes(), NOW, &mut buf).err(),
        Some(Error::Expired {
            exp: 1_300_819_380,
            now: NOW
        })
    );
    // The same key as a JWK, and as PS256 (which must not accept RS256).
    let jwks = format!(r#"{{"keys":[{{"kty":"RSA","n":"{RFC7515_A2_N}","e":"AQAB"}}]}}"#);
    assert_eq!(
        verify_jws(KeySet::from_jwks(jwks.as_bytes()).unwrap(), &token),
        Ok(())
    );
    let ps = Key::ps256_public(&unb64(RFC7515_A2_N), &[1, 0, 1]).unwrap();
    assert_eq!(
        verify_jws(KeySet::single(ps), &token),
        Err(Error::AlgorithmMismatch)
    );
    let forged = token.replace("eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJQUzI1NiJ9");
    let ps = Key::ps256_public(&unb64(RFC7515_A2_N), &[1, 0, 1]).unwrap();
    assert_eq!(
        verify_jws(KeySet::single(ps), &forged),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn rfc7515_a3_es256() {
    let (x, y) = (unb64(RFC7515_A3_X), unb64(RFC7515_A3_Y));
    let public = Key::es256_public_coordinates(&x, &y).unwrap();
    let mut sec1 = vec![4u8];
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    assert_eq!(public.es256_public_sec1().unwrap().to_vec(), sec1);
    let private = Key::es256_private(&unb64(RFC7515_A3_D)).unwrap();
    assert_eq!(private.es256_public_sec1(), public.es256_public_sec1());
    let token = rfc7515_a3_token();
    for key in [public, private.clone(), Key::es256_public(&sec1).unwrap()] {
        assert_eq!(verify_jws(KeySet::single(key), &token), Ok(()));
    }
    // Our own signature with the same key verifies too (ECDSA is randomized
    // in the RFC, deterministic here: RFC 6979).
    let mut out = [0u8; 1024];
    let n = encode(&private, CLAIMS.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    let ours = std::str::from_utf8(&out[..n]).unwrap();
    assert_eq!(signature_of(ours).len(), 64);
    assert_eq!(
        verify(KeySet::single(private.to_public().unwrap()), ours),
        Ok(())
    );
}

// --- jsonwebtoken, both ways ---------------------------------------------

struct Fixture {
    jwks: Value,
}

impl Fixture {
    fn load() -> Fixture {
        Fixture {
            jwks: serde_json::from_str(include_str!("keys/jwks.json")).unwrap(),
        }
    }

    fn jwk(&self, kid: &str) -> &Value {
        self.jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
            .unwrap()
    }

    fn rsa_der(bits: u32) -> &'static [u8] {
        match bits {
            2048 => include_bytes!("keys/rsa2048.der"),
            2049 => include_bytes!("keys/rsa2049.der"),
            3072 => include_bytes!("keys/rsa3072.der"),
            _ => include_bytes!("keys/rsa4096.der"),
        }
    }

    fn rsa_key(&self, alg: Algorithm, bits: u32) -> Key {
        let jwk = self.jwk(&format!("rsa{bits}"));
        Key::rsa_public(
            alg,
            &unb64(jwk["n"].as_str().unwrap()),
            &unb64(jwk["e"].as_str().unwrap()),
        )
        .unwrap()
    }

    fn rsa_decoding(&self, bits: u32) -> DecodingKey {
        let jwk = self.jwk(&format!("rsa{bits}"));
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap()
    }

    fn es_private(&self) -> Key {
        Key::es256_private(&unb64(include_str!("keys/p256.d").trim())).unwrap()
    }

    fn es_decoding(&self) -> DecodingKey {
        let jwk = self.jwk("p256");
        DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
            .unwrap()
    }
}

fn jwt_sign(alg: jsonwebtoken::Algorithm, key: &EncodingKey, kid: Option<&str>) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    let claims: Value = serde_json::from_str(CLAIMS).unwrap();
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn jwt_verify(alg: jsonwebtoken::Algorithm, key: &DecodingKey, token: &str) -> bool {
    let mut validation = Validation::new(alg);
    validation.set_audience(&["orders"]);
    validation.set_issuer(&["https://issuer.example"]);
    jsonwebtoken::decode::<Value>(token, key, &validation).is_ok()
}

#[test]
fn rs256_and_ps256_tokens_from_jsonwebtoken_verify() {
    let fx = Fixture::load();
    // 2049 bits: the modulus takes 257 bytes and, for PSS, the encoded
    // message one byte less (emBits = modBits - 1 is a multiple of 8).
    for bits in [2048, 2049, 3072, 4096] {
        let encoding = EncodingKey::from_rsa_der(Fixture::rsa_der(bits));
        for (alg, theirs) in [
            (Algorithm::RS256, jsonwebtoken::Algorithm::RS256),
            (Algorithm::PS256, jsonwebtoken::Algorithm::PS256),
        ] {
            let token = jwt_sign(theirs, &encoding, None);
            let key = fx.rsa_key(alg, bits);
            assert_eq!(
                key.signature_len(),
                usize::try_from(bits).unwrap().div_ceil(8)
            );
            assert_eq!(
                verify(KeySet::single(key.clone()), &token),
                Ok(()),
                "{alg} {bits}"
            );
            // One flipped bit anywhere in the signature fails.
            let mut sig = signature_of(&token);
            let last = sig.len() - 1;
            sig[last] ^= 1;
            assert_eq!(
                verify(KeySet::single(key.clone()), &with_signature(&token, &sig)),
                Err(Error::InvalidSignature)
            );
            sig[last] ^= 1;
            sig[0] ^= 0x40;
            assert_eq!(
                verify(KeySet::single(key), &with_signature(&token, &sig)),
                Err(Error::InvalidSignature)
            );
        }
    }
}

#[test]
fn es256_both_ways_with_jsonwebtoken() {
    let fx = Fixture::load();
    let encoding = EncodingKey::from_ec_der(include_bytes!("keys/p256.der"));
    let private = fx.es_private();
    let public = private.to_public().unwrap();
    for _ in 0..8 {
        // jsonwebtoken signs with random nonces: several tokens, several signatures.
        let token = jwt_sign(jsonwebtoken::Algorithm::ES256, &encoding, Some("p256"));
        assert_eq!(verify(KeySet::single(public.clone()), &token), Ok(()));
    }
    let mut out = [0u8; 1024];
    let n = encode(&private, CLAIMS.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    let ours = std::str::from_utf8(&out[..n]).unwrap();
    assert!(jwt_verify(
        jsonwebtoken::Algorithm::ES256,
        &fx.es_decoding(),
        ours
    ));
    // The JWKS form of the public key verifies the same token.
    let jwks = serde_json::json!({ "keys": [fx.jwk("p256")] }).to_string();
    assert_eq!(
        verify(KeySet::from_jwks(jwks.as_bytes()).unwrap(), ours),
        Ok(())
    );
}

#[test]
fn rsa_keys_are_verification_only() {
    let fx = Fixture::load();
    let key = fx.rsa_key(Algorithm::RS256, 2048);
    assert!(!key.can_sign());
    let mut out = [0u8; 2048];
    assert_eq!(
        encode(&key, CLAIMS.as_bytes(), &HeaderFields::new(), &mut out),
        Err(Error::InvalidKey)
    );
    // jsonwebtoken accepts what it signed, with the key we publish.
    let encoding = EncodingKey::from_rsa_der(Fixture::rsa_der(2048));
    let token = jwt_sign(jsonwebtoken::Algorithm::RS256, &encoding, None);
    assert!(jwt_verify(
        jsonwebtoken::Algorithm::RS256,
        &fx.rsa_decoding(2048),
        &token
    ));
    let (n, e) = key.rsa_public_components().unwrap();
    assert_eq!(b64(n), fx.jwk("rsa2048")["n"].as_str().unwrap());
    assert_eq!(e, 65537);
}

// --- a typical OIDC provider ---------------------------------------------

/// A provider's JWKS as served: several RS256 keys (rotation), one without
/// `alg` (as Azure AD publishes them), an encryption key, an ES256 key, and
/// a key of an algorithm jwtgate does not implement.
fn provider_jwks(fx: &Fixture) -> String {
    let rsa = |kid: &str| fx.jwk(kid).clone();
    let mut no_alg = rsa("rsa3072");
    no_alg.as_object_mut().unwrap().remove("alg");
    no_alg["kid"] = "rotated-no-alg".into();
    let mut enc = rsa("rsa4096");
    enc["use"] = "enc".into();
    enc["alg"] = "RSA-OAEP".into();
    enc["kid"] = "enc".into();
    let mut rs512 = rsa("rsa2048");
    rs512["alg"] = "RS512".into();
    rs512["kid"] = "rs512".into();
    serde_json::json!({ "keys": [rsa("rsa2048"), no_alg, rsa("rsa4096"), enc, rs512, fx.jwk("p256")] })
        .to_string()
}

#[test]
fn oidc_provider_jwks_with_several_keys() {
    let fx = Fixture::load();
    let keys = KeySet::from_jwks(provider_jwks(&fx).as_bytes()).unwrap();
    // The encryption key and the RS512 key are skipped.
    assert_eq!(keys.len(), 4);
    let algs: Vec<_> = keys
        .iter()
        .map(|k| (k.kid().unwrap(), k.algorithm()))
        .collect();
    assert_eq!(
        algs,
        [
            ("rsa2048", Algorithm::RS256),
            ("rotated-no-alg", Algorithm::RS256),
            ("rsa4096", Algorithm::RS256),
            ("p256", Algorithm::ES256),
        ]
    );
    for (bits, kid) in [
        (2048, "rsa2048"),
        (3072, "rotated-no-alg"),
        (4096, "rsa4096"),
    ] {
        let encoding = EncodingKey::from_rsa_der(Fixture::rsa_der(bits));
        let token = jwt_sign(jsonwebtoken::Algorithm::RS256, &encoding, Some(kid));
        assert_eq!(verify(keys.clone(), &token), Ok(()), "{kid}");
        // Signed by one key but naming another: the signature fails.
        let wrong = jwt_sign(jsonwebtoken::Algorithm::RS256, &encoding, Some("rsa2048"));
        if kid != "rsa2048" {
            assert_eq!(verify(keys.clone(), &wrong), Err(Error::InvalidSignature));
        }
    }
    // Without `kid`, three RS256 keys are ambiguous.
    let encoding = EncodingKey::from_rsa_der(Fixture::rsa_der(2048));
    let token = jwt_sign(jsonwebtoken::Algorithm::RS256, &encoding, None);
    assert_eq!(verify(keys.clone(), &token), Err(Error::AmbiguousKey));
    // A token naming the skipped encryption key finds nothing.
    let token = jwt_sign(jsonwebtoken::Algorithm::RS256, &encoding, Some("enc"));
    assert_eq!(verify(keys.clone(), &token), Err(Error::UnknownKey));
    // The ES256 key by `kid`.
    let encoding = EncodingKey::from_ec_der(include_bytes!("keys/p256.der"));
    let token = jwt_sign(jsonwebtoken::Algorithm::ES256, &encoding, Some("p256"));
    assert_eq!(verify(keys.clone(), &token), Ok(()));
    // An ES256 token naming an RSA key, and an HS256 token naming one
    // (the classic confusion: the RSA public key used as an HMAC secret).
    let token = jwt_sign(jsonwebtoken::Algorithm::ES256, &encoding, Some("rsa2048"));
    assert_eq!(verify(keys.clone(), &token), Err(Error::AlgorithmMismatch));
    let n = unb64(fx.jwk("rsa2048")["n"].as_str().unwrap());
    let token = jwt_sign(
        jsonwebtoken::Algorithm::HS256,
        &EncodingKey::from_secret(&n),
        Some("rsa2048"),
    );
    assert_eq!(verify(keys, &token), Err(Error::AlgorithmMismatch));
}

#[test]
fn lenient_jwks_keeps_the_good_keys_and_counts_the_rest() {
    let fx = Fixture::load();
    let mut doc: Value = serde_json::from_str(&provider_jwks(&fx)).unwrap();
    let keys = doc["keys"].as_array_mut().unwrap();
    let mut malformed = fx.jwk("rsa2048").clone();
    malformed["kid"] = "malformed".into();
    malformed["n"] = "!!not base64!!".into();
    let duplicate = fx.jwk("p256").clone();
    keys.insert(0, malformed);
    keys.push(duplicate);
    let doc = doc.to_string();
    // Strict: one malformed key fails the whole set.
    assert_eq!(KeySet::from_jwks(doc.as_bytes()).err(), Some(Error::Jwks));
    // Lenient: the four good keys; the malformed key, the duplicate, the
    // encryption key and the RS512 key are skipped and counted.
    let mut lenient = KeySet::new();
    assert_eq!(lenient.add_jwks_lenient(doc.as_bytes()), Ok(4));
    assert_eq!(lenient.len(), 4);
    let encoding = EncodingKey::from_rsa_der(Fixture::rsa_der(2048));
    let token = jwt_sign(jsonwebtoken::Algorithm::RS256, &encoding, Some("rsa2048"));
    assert_eq!(verify(lenient.clone(), &token), Ok(()));
    // Structure still fails, and leaves the set unchanged.
    for bad in [
        &b"{}"[..],
        b"not json",
        br#"{"keys":[1]}"#,
        br#"{"keys":{}}"#,
    ] {
        assert_eq!(lenient.add_jwks_lenient(bad), Err(Error::Jwks));
        assert_eq!(lenient.len(), 4);
    }
    // A secret next to public keys still fails the set.
    let mixed = r#"{"keys":[{"kty":"oct","alg":"HS256","k":"c3luYyB0ZXN0czogYSAzMi1ieXRlIEhNQUMga2V5ISE"},
        {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    assert_eq!(
        KeySet::new().add_jwks_lenient(mixed.as_bytes()),
        Err(Error::Jwks)
    );
}

// --- hostile keys ----------------------------------------------------------

/// An odd modulus of `bits` bits (not a real RSA modulus: key rules only).
fn odd_modulus(bits: usize) -> Vec<u8> {
    let mut n = vec![0xc3u8; bits.div_ceil(8)];
    let top = bits % 8;
    if top != 0 {
        n[0] = 0xff >> (8 - top);
    }
    if let Some(last) = n.last_mut() {
        *last |= 1;
    }
    n
}

#[test]
fn rsa_key_rules() {
    let e = [1u8, 0, 1];
    for bits in [2048, 2049, 3000, 3072, 4095, 4096] {
        let key = Key::rs256_public(&odd_modulus(bits), &e).unwrap();
        assert_eq!(key.signature_len(), bits.div_ceil(8), "{bits}");
    }
    // Wrong modulus sizes.
    for bits in [0, 8, 512, 1024, 2047, 4097, 8192] {
        assert_eq!(
            Key::rs256_public(&odd_modulus(bits), &e).err(),
            Some(Error::InvalidKey),
            "{bits} bits"
        );
    }
    // A 2048-bit modulus with a leading zero byte (DER style) is the same key.
    let mut padded = vec![0u8];
    padded.extend_from_slice(&odd_modulus(2048));
    assert_eq!(Key::rs256_public(&padded, &e).unwrap().signature_len(), 256);
    // An even modulus.
    let mut even = odd_modulus(2048);
    *even.last_mut().unwrap() &= 0xfe;
    assert_eq!(Key::rs256_public(&even, &e).err(), Some(Error::InvalidKey));
    // Exponents: 1, 0, even, 2^32 and beyond, empty; 3 and 2^32 - 1 are fine.
    let n = odd_modulus(2048);
    for bad in [
        &[1u8][..],
        &[0],
        &[],
        &[0, 0],
        &[1, 0, 0],
        &[1, 0, 0, 0, 1],
        &[2, 0, 0, 0, 0, 1],
    ] {
        assert_eq!(
            Key::rs256_public(&n, bad).err(),
            Some(Error::InvalidKey),
            "e = {bad:?}"
        );
    }
    for good in [&[3u8][..], &[0, 0, 3], &[0xff, 0xff, 0xff, 0xff]] {
        assert!(Key::rs256_public(&n, good).is_ok(), "e = {good:?}");
    }
    // Only RS256 and PS256 take RSA keys.
    for alg in [Algorithm::HS256, Algorithm::EdDSA, Algorithm::ES256] {
        assert_eq!(Key::rsa_public(alg, &n, &e).err(), Some(Error::InvalidKey));
    }
}

#[test]
fn rsa_hostile_signatures() {
    let key = rfc7515_a2_key();
    let token = rfc7515_a2_token();
    let n = unb64(RFC7515_A2_N);
    let good = signature_of(&token);
    let reject = |sig: &[u8]| {
        assert_eq!(
            verify_jws(KeySet::single(key.clone()), &with_signature(&token, sig)),
            Err(Error::InvalidSignature),
            "{} bytes",
            sig.len()
        );
    };
    // Signature >= n: n itself, n + 1, all ones.
    reject(&n);
    let mut n_plus_1 = n.clone();
    let last = n_plus_1.last_mut().unwrap();
    *last = last.wrapping_add(1);
    reject(&n_plus_1);
    reject(&[0xff; 256]);
    // 0 and 1 (whose e-th powers are themselves).
    reject(&[0; 256]);
    let mut one = [0u8; 256];
    one[255] = 1;
    reject(&one);
    // The right value with the wrong length: a leading zero byte added, a byte dropped.
    let mut longer = vec![0u8];
    longer.extend_from_slice(&good);
    reject(&longer);
    reject(&good[1..]);
    reject(&good[..255]);
    reject(&[]);
    // The longest signature buffer the verifier holds, and past it.
    reject(&[0x11; 512]);
    reject(&[0x11; 513]);
    assert_eq!(verify_jws(KeySet::single(key), &token), Ok(()));
}

/// The order of P-256.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `a - b` for 32-byte big-endian integers, `a >= b`.
fn sub256(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = u8::try_from(d).unwrap();
    }
    assert_eq!(borrow, 0);
    out
}

/// `a + b` for 32-byte big-endian integers, wrapping.
fn add256(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = u8::try_from(s & 0xff).unwrap();
        carry = s >> 8;
    }
    out
}

#[test]
fn es256_hostile_signatures() {
    let key = Key::es256_private(&unb64(RFC7515_A3_D))
        .unwrap()
        .to_public()
        .unwrap();
    let token = rfc7515_a3_token();
    let sig = signature_of(&token);
    let (r, s) = (&sig[..32], &sig[32..]);
    let check = |r: &[u8], s: &[u8]| {
        let mut candidate = r.to_vec();
        candidate.extend_from_slice(s);
        verify_jws(
            KeySet::single(key.clone()),
            &with_signature(&token, &candidate),
        )
    };
    assert_eq!(check(r, s), Ok(()));
    // High S: (r, n - s) is the other valid signature; RFC 7518 does not
    // ask for low S, and neither do we.
    assert_eq!(check(r, &sub256(&P256_N, s)), Ok(()));
    let zero = [0u8; 32];
    for (what, r2, s2) in [
        ("r = 0", zero.to_vec(), s.to_vec()),
        ("s = 0", r.to_vec(), zero.to_vec()),
        ("r = n", P256_N.to_vec(), s.to_vec()),
        ("s = n", r.to_vec(), P256_N.to_vec()),
        // r + n and s + n (mod 2^256, when they fit) are the same values mod n:
        // accepting them would make signatures malleable.
        ("r >= n", add256(r, &P256_N), s.to_vec()),
        ("s >= n", r.to_vec(), add256(s, &P256_N)),
        ("all ones", vec![0xff; 32], vec![0xff; 32]),
    ] {
        assert_eq!(check(&r2, &s2), Err(Error::InvalidSignature), "{what}");
    }
    // Wrong lengths, and the DER form other libraries produce.
    for bad in [
        &sig[..63],
        &[sig.as_slice(), &[0]].concat(),
        &[0u8; 0][..],
        &[0x30, 0x44, 0x02, 0x20],
    ] {
        assert_eq!(
            verify_jws(KeySet::single(key.clone()), &with_signature(&token, bad)),
            Err(Error::InvalidSignature)
        );
    }
}

#[test]
fn es256_key_rules() {
    let (x, y) = (unb64(RFC7515_A3_X), unb64(RFC7515_A3_Y));
    // Point not on the curve.
    let mut y_bad = y.clone();
    y_bad[31] ^= 1;
    assert_eq!(
        Key::es256_public_coordinates(&x, &y_bad).err(),
        Some(Error::InvalidKey)
    );
    // Wrong coordinate lengths (leading zeros must be kept, RFC 7518 6.2.1.2).
    assert_eq!(
        Key::es256_public_coordinates(&x[1..], &y).err(),
        Some(Error::InvalidKey)
    );
    let mut x_long = vec![0u8];
    x_long.extend_from_slice(&x);
    assert_eq!(
        Key::es256_public_coordinates(&x_long, &y).err(),
        Some(Error::InvalidKey)
    );
    // The identity, and the point at (0, 0).
    assert_eq!(Key::es256_public(&[0]).err(), Some(Error::InvalidKey));
    let mut origin = [0u8; 65];
    origin[0] = 4;
    assert_eq!(Key::es256_public(&origin).err(), Some(Error::InvalidKey));
    // SEC1 forms: uncompressed and compressed load, a wrong tag does not.
    let mut sec1 = vec![4u8];
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    assert!(Key::es256_public(&sec1).is_ok());
    let mut compressed = vec![2 + (y[31] & 1)];
    compressed.extend_from_slice(&x);
    assert_eq!(
        Key::es256_public(&compressed)
            .unwrap()
            .es256_public_sec1()
            .unwrap()
            .to_vec(),
        sec1
    );
    sec1[0] = 5;
    assert_eq!(Key::es256_public(&sec1).err(), Some(Error::InvalidKey));
    // Private scalars: 0, n, and wrong lengths.
    for bad in [&[0u8; 32][..], &P256_N, &[1u8; 31], &[1u8; 33]] {
        assert_eq!(Key::es256_private(bad).err(), Some(Error::InvalidKey));
    }
    let mut n_minus_1 = P256_N;
    n_minus_1[31] -= 1;
    assert!(Key::es256_private(&n_minus_1).unwrap().can_sign());
}

#[test]
fn jwks_ec_and_rsa_rules() {
    let load = |key: &str| KeySet::from_jwks(format!(r#"{{"keys":[{key}]}}"#).as_bytes());
    let ec = |extra: &str| {
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{RFC7515_A3_X}","y":"{RFC7515_A3_Y}"{extra}}}"#)
    };
    assert_eq!(
        load(&ec("")).unwrap().iter().next().unwrap().algorithm(),
        Algorithm::ES256
    );
    let private = load(&ec(&format!(r#","d":"{RFC7515_A3_D}""#))).unwrap();
    assert!(private.iter().next().unwrap().can_sign());
    // A `d` of another key.
    let other_d = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
    assert_eq!(
        load(&ec(&format!(r#","d":"{other_d}""#))).err(),
        Some(Error::Jwks)
    );
    // `alg` must fit the curve; other curves are skipped.
    assert_eq!(load(&ec(r#","alg":"ES384""#)).err(), Some(Error::Jwks));
    let p384 = ec("").replace("P-256", "P-384");
    assert_eq!(load(&p384).unwrap().len(), 0);
    // Missing or short coordinates, a point off the curve.
    let no_y = format!(r#"{{"kty":"EC","crv":"P-256","x":"{RFC7515_A3_X}"}}"#);
    assert_eq!(load(&no_y).err(), Some(Error::Jwks));
    let short_x = ec("").replace(RFC7515_A3_X, &b64(&unb64(RFC7515_A3_X)[1..]));
    assert_eq!(load(&short_x).err(), Some(Error::InvalidKey));
    let off_curve = ec("").replace(RFC7515_A3_Y, &b64([7u8; 32]));
    assert_eq!(load(&off_curve).err(), Some(Error::InvalidKey));

    let rsa =
        |n: &str, e: &str, extra: &str| format!(r#"{{"kty":"RSA","n":"{n}","e":"{e}"{extra}}}"#);
    let n = RFC7515_A2_N;
    assert_eq!(
        load(&rsa(n, "AQAB", ""))
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .algorithm(),
        Algorithm::RS256
    );
    let ps = load(&rsa(n, "AQAB", r#","alg":"PS256""#)).unwrap();
    assert_eq!(ps.iter().next().unwrap().algorithm(), Algorithm::PS256);
    for skipped in ["RS384", "RS512", "PS384", "PS512", "RSA-OAEP", "RSA1_5"] {
        let extra = format!(r#","alg":"{skipped}""#);
        assert_eq!(load(&rsa(n, "AQAB", &extra)).unwrap().len(), 0, "{skipped}");
    }
    // e = 1, 1024-bit and 8200-bit moduli, a missing `e`.
    assert_eq!(load(&rsa(n, "AQ", "")).err(), Some(Error::InvalidKey));
    let n1024 = b64(odd_modulus(1024));
    assert_eq!(
        load(&rsa(&n1024, "AQAB", "")).err(),
        Some(Error::InvalidKey)
    );
    let n8200 = b64(odd_modulus(8200));
    assert_eq!(load(&rsa(&n8200, "AQAB", "")).err(), Some(Error::Jwks));
    let no_e = format!(r#"{{"kty":"RSA","n":"{n}"}}"#);
    assert_eq!(load(&no_e).err(), Some(Error::Jwks));
    // A leading zero byte on `n` is tolerated.
    let mut padded = vec![0u8];
    padded.extend_from_slice(&unb64(n));
    assert_eq!(load(&rsa(&b64(&padded), "AQAB", "")).unwrap().len(), 1);
    // A public RSA key next to a secret is refused, as for Ed25519.
    let mixed = format!(
        r#"{},{{"kty":"oct","alg":"HS256","k":"{}"}}"#,
        rsa(n, "AQAB", ""),
        b64([1u8; 32])
    );
    assert_eq!(load(&mixed).err(), Some(Error::Jwks));
}
