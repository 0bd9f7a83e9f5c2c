//! Project Wycheproof's JOSE vectors through the public API:
//! `json_web_signature_test.json` (compact JWS) and `json_web_key_test.json`
//! (key sets). The raw Ed25519 and HMAC vectors run as unit tests in
//! `src/wycheproof_ed25519.rs`, because they sign arbitrary messages rather
//! than JWS signing inputs.
//!
//! Every case runs. Cases of groups for algorithms jwtgate implements are
//! checked twice: against an exact expected result by `tcId` (tables at the
//! bottom), and against Wycheproof's verdict, where every difference must be
//! a listed divergence (`tests/vectors/README.md`). Cases of groups for
//! algorithms jwtgate does not implement (RSA, ECDSA) must all be rejected.

// clippy.toml's allow-*-in-tests covers `#[test]` functions only; the
// helpers of this test crate panic on bad fixtures by design too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use jwtgate::{Error, KeySet, Policy, Verifier, BUFFER_LEN};
use serde_json::Value;

const JWS_VECTORS: &str = include_str!("vectors/json_web_signature_test.json");
const JWK_VECTORS: &str = include_str!("vectors/json_web_key_test.json");

/// What a case is expected to give.
type Expected = Result<(), Error>;

/// Counts for the one-line summary of a vector file.
#[derive(Default)]
struct Tally {
    run: usize,
    accepted: usize,
    rejected: usize,
    divergences: Vec<u64>,
    unsupported_valid: Vec<u64>,
}

impl Tally {
    fn print(&self, file: &str) {
        println!(
            "{file}: {} cases run, {} accepted, {} rejected, {} divergences {:?}; \
             plus {} valid cases of unsupported algorithms rejected",
            self.run,
            self.accepted,
            self.rejected,
            self.divergences.len(),
            self.divergences,
            self.unsupported_valid.len(),
        );
    }
}

fn tc_id(case: &Value) -> u64 {
    case["tcId"].as_u64().unwrap()
}

fn wycheproof_accepts(case: &Value) -> bool {
    match case["result"].as_str() {
        Some("valid") => true,
        Some("invalid") => false,
        other => panic!("tcId {}: unexpected result {other:?}", tc_id(case)),
    }
}

/// A group's key as a JWKS document: a single JWK is wrapped in `keys`.
fn jwks_document(key: &Value) -> String {
    if key.get("keys").is_some() {
        key.to_string()
    } else {
        serde_json::json!({ "keys": [key] }).to_string()
    }
}

/// Loads `key` (a JWK or a JWKS) and verifies `token` at the JWS layer.
/// A key set that does not load rejects with the load error.
fn verify(key: &Value, token: &str) -> Expected {
    let keys = KeySet::from_jwks(jwks_document(key).as_bytes())?;
    let verifier = Verifier::new(keys, Policy::new());
    let mut buf = [0u8; BUFFER_LEN];
    verifier.verify_jws(token.as_bytes(), &mut buf).map(|_| ())
}

/// The key sets of a group: `private`, then `public` when present.
fn key_sets(group: &Value) -> Vec<(&'static str, &Value)> {
    let mut sets = Vec::new();
    for name in ["private", "public"] {
        if let Some(key) = group.get(name) {
            sets.push((name, key));
        }
    }
    assert!(!sets.is_empty(), "group without keys: {}", group["comment"]);
    sets
}

/// Whether a group is one jwtgate implements (HMAC keys, Ed25519 keys).
fn supported_group(group: &Value) -> bool {
    let is_hmac = |jwk: &Value| {
        jwk["kty"] == "oct"
            && jwk["alg"]
                .as_str()
                .is_some_and(|a| ["HS256", "HS384", "HS512"].contains(&a))
    };
    let is_ed25519 = |jwk: &Value| jwk["kty"] == "OKP" && jwk["crv"] == "Ed25519";
    key_sets(group)
        .iter()
        .all(|(_, key)| match key.get("keys") {
            Some(keys) => keys
                .as_array()
                .unwrap()
                .iter()
                .any(|k| is_hmac(k) || is_ed25519(k)),
            None => is_hmac(key) || is_ed25519(key),
        })
}

/// Runs one file: every case against every key set of its group.
fn run(file: &str, text: &str, expected: &[(u64, Expected)], divergences: &[(u64, &str)]) -> Tally {
    let doc: Value = serde_json::from_str(text).unwrap();
    let mut tally = Tally::default();
    let mut checked_by_table = Vec::new();
    for group in doc["testGroups"].as_array().unwrap() {
        let supported = supported_group(group);
        for case in group["tests"].as_array().unwrap() {
            let id = tc_id(case);
            let token = case["jws"].as_str().unwrap();
            let theirs = wycheproof_accepts(case);
            let mut verdicts = Vec::new();
            for (set_name, key) in key_sets(group) {
                let res = verify(key, token);
                if supported {
                    let want = expected
                        .iter()
                        .find(|(t, _)| *t == id)
                        .map(|(_, e)| e)
                        .unwrap_or_else(|| panic!("{file} tcId {id}: no expected result"));
                    assert_eq!(
                        &res, want,
                        "{file} tcId {id} ({}) with the {set_name} key set",
                        case["comment"]
                    );
                } else {
                    // RSA/ECDSA keys are skipped (or refused), so nothing verifies.
                    assert!(
                        res.is_err(),
                        "{file} tcId {id}: unsupported-algorithm token accepted"
                    );
                }
                verdicts.push(res.is_ok());
            }
            if supported {
                checked_by_table.push(id);
            }
            // Every key set of a group reaches the same verdict.
            let ours = verdicts[0];
            assert!(
                verdicts.iter().all(|&v| v == ours),
                "{file} tcId {id}: key sets disagree"
            );
            tally.run += 1;
            if ours {
                tally.accepted += 1;
            } else {
                tally.rejected += 1;
            }
            if ours != theirs {
                if supported {
                    tally.divergences.push(id);
                    assert!(
                        divergences.iter().any(|(t, _)| *t == id),
                        "{file} tcId {id} ({}): jwtgate {} but Wycheproof says {}, and it is \
                         not a listed divergence",
                        case["comment"],
                        if ours { "accepts" } else { "rejects" },
                        case["result"],
                    );
                } else {
                    tally.unsupported_valid.push(id);
                }
            }
        }
    }
    // The file ran in full, every table entry was used, and every listed
    // divergence still diverges.
    assert_eq!(
        Some(tally.run),
        doc["numberOfTests"]
            .as_u64()
            .map(|n| usize::try_from(n).unwrap())
    );
    for (id, _) in expected {
        assert!(
            checked_by_table.contains(id),
            "{file}: table entry {id} matches no case"
        );
    }
    for (id, why) in divergences {
        assert!(
            tally.divergences.contains(id),
            "{file} tcId {id} no longer diverges ({why})"
        );
    }
    tally
}

#[test]
fn json_web_signature_vectors() {
    let tally = run(
        "json_web_signature_test.json",
        JWS_VECTORS,
        JWS_EXPECTED,
        JWS_DIVERGENCES,
    );
    tally.print("json_web_signature_test.json");
    // The groups jwtgate implements: hs256 (17), rfc7520 HMAC (2), base64 (21).
    assert_eq!(JWS_EXPECTED.len(), 40);
    assert_eq!(tally.divergences.len(), JWS_DIVERGENCES.len());
}

#[test]
fn json_web_key_vectors() {
    let tally = run(
        "json_web_key_test.json",
        JWK_VECTORS,
        JWK_EXPECTED,
        JWK_DIVERGENCES,
    );
    tally.print("json_web_key_test.json");
    assert_eq!(tally.divergences.len(), JWK_DIVERGENCES.len());
}

// --- json_web_signature_test.json ---------------------------------------

/// Cases where jwtgate's verdict differs from Wycheproof's, with the reason.
const JWS_DIVERGENCES: &[(u64, &str)] = &[
    (
        367,
        "vector defect: marked invalid (invalidBase64Padding) but byte-identical to \
         the valid tcId 357; the padding it names is absent",
    ),
    (
        370,
        "vector defect: marked invalid (invalidBase64PaddingInPayload) but \
         byte-identical to the valid tcId 357",
    ),
    (
        372,
        "marked valid, but the header contains '?', outside base64url: strict \
         decoding rejects it (RFC 7515 section 2)",
    ),
    (
        373,
        "marked valid, but the payload contains '?', outside base64url: strict \
         decoding rejects it (RFC 7515 section 2)",
    ),
];

/// The exact result of every case of the hs256, rfc7520 (HMAC) and base64
/// groups, by `tcId`.
const JWS_EXPECTED: &[(u64, Expected)] = &[
    // hs256 group, key `kid-aes-sign`.
    (1, Ok(())),                            // acceptsValid
    (2, Err(Error::InvalidSignature)),      // rejectsModifiedSignature
    (3, Err(Error::InvalidSignature)),      // rejectsMissingSignature: empty tag
    (4, Err(Error::Malformed)),             // rejectsMissingSignatureAndSeparator: two parts
    (5, Err(Error::InvalidSignature)),      // rejectsModifiedPayload
    (6, Err(Error::InvalidSignature)),      // rejectsMissingPayload: MAC over "header."
    (7, Err(Error::Malformed)),             // rejectsMissingPayloadAndSeparator: two parts
    (8, Err(Error::UnknownKey)),            // rejectsModifiedHeader: kid "Xid-aes-sign"
    (9, Err(Error::Malformed)),             // rejectsMissingHeader: empty header part
    (10, Err(Error::Malformed)),            // rejectsMissingHeaderAndSeparator: two parts
    (11, Err(Error::Malformed)),            // rejectsMissingHeaderAndSignature: ".Zm9v."
    (12, Err(Error::Malformed)),            // rejectsMissingHeaderSignatureAndSeparators: one part
    (13, Err(Error::Malformed)),            // rejectsEmptyString
    (14, Err(Error::Malformed)),            // rejectsExtraEmptyComponent: four parts
    (15, Err(Error::Malformed)),            // rejectsExtraComponent: four parts
    (16, Err(Error::UnsupportedAlgorithm)), // rejectsNoneAlgorithmAndMissingSignature
    (17, Err(Error::Malformed)),            // rejectsValidJsonSerialization: not compact
    // rfc7520 groups with the HMAC key of RFC 7520 section 3.5.
    (348, Ok(())), // Figure35
    (352, Ok(())), // Figure35 (second copy)
    // base64 group, key `hs256-key` (32 zero bytes).
    (357, Ok(())),                       // ValidMac
    (358, Ok(())),                       // ValidEdgeCaseMac: tag starts with zero bytes
    (359, Ok(())),                       // ValidEdgeCaseMac: tag starts with 0xff bytes
    (360, Err(Error::Base64)),           // rejectsSpacesInMac
    (361, Err(Error::Base64)),           // rejectsInvalidCharacterInsertedInMac: leading '?'
    (362, Err(Error::Base64)),           // rejectsInvalidCharacterInsertedInMac: trailing '?'
    (363, Err(Error::Base64)),           // rejects0ReplacedbyInvalidCharacter
    (364, Err(Error::Base64)),           // rejectsInvalidCharacters
    (365, Err(Error::Base64)),           // spacesInHeader
    (366, Err(Error::Base64)),           // invalidCharactersInHeader: '#'
    (367, Ok(())),                       // invalidBase64Padding: divergence, same bytes as 357
    (368, Err(Error::Base64)),           // spacesInPayload: MAC holds, payload does not decode
    (369, Err(Error::Base64)),           // invalidCharactersInPayload: '#'
    (370, Ok(())),                       // invalidBase64PaddingInPayload: divergence, same as 357
    (371, Err(Error::Base64)),           // InvalidCharacterInPayload: leading '?'
    (372, Err(Error::Base64)),           // InvalidCharacterInsertedInHeader: divergence
    (373, Err(Error::InvalidSignature)), // InvalidCharacterInsertedInPayload: divergence; MAC is over "VGVzdA"
    (374, Err(Error::InvalidSignature)), // ModifiedUnusedBitsInPayload: MAC is not over "AB"
    (375, Err(Error::Base64)), // MacOfIncorrectlyEncodedMessage: MAC holds over "AB", which is not canonical
    (376, Ok(())),             // ValidSpacesInJsonHeader
    (377, Ok(())),             // ValidWhiteSpaceInJsonHeader: "\n\t" in the header
];

// --- json_web_key_test.json ---------------------------------------------

/// Cases where jwtgate's verdict differs from Wycheproof's, with the reason.
const JWK_DIVERGENCES: &[(u64, &str)] = &[];

/// The exact result of every case whose group holds keys jwtgate
/// implements, by `tcId` (RSA, EC and AES groups must merely reject).
const JWK_EXPECTED: &[(u64, Expected)] = &[
    (1, Err(Error::Jwks)), // jws_mixedSymmetryKeyset: secret and public keys in one set
    (2, Ok(())),           // jws_keyset: first of two HS256 keys, by kid
    (3, Err(Error::InvalidSignature)), // jws_keyset: modified signature
    // jws_duplicate_kid: the set does not load, and fails before the
    // duplicate `kid` is seen: the second key's `k` ends in "e", whose
    // unused trailing bits are not zero (non-canonical base64url).
    (4, Err(Error::Jwks)),
    (10, Err(Error::WeakKey)), // HS256 key of 31 bytes: the set does not load
    (11, Err(Error::WeakKey)), // HS384 key of 47 bytes
    (12, Err(Error::WeakKey)), // HS512 key of 63 bytes
    (13, Ok(())),              // HS256 with a 64-byte key
    (14, Ok(())),              // HS384 with a 64-byte key
    (15, Ok(())),              // HS512 with a 64-byte key
    (16, Err(Error::WeakKey)), // HS256 with an empty key
    (17, Err(Error::WeakKey)), // HS384 with an empty key
    (18, Err(Error::WeakKey)), // HS512 with an empty key
];

/// tcId 4 never reaches the duplicate-`kid` rule (its second key does not
/// decode), so the rule is checked on the same set with that key's `k`
/// made canonical ("...Bingge" -> "...Binggg").
#[test]
fn json_web_key_duplicate_kid_with_canonical_keys() {
    let doc: Value = serde_json::from_str(JWK_VECTORS).unwrap();
    let group = doc["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["comment"] == "jws_duplicate_kid")
        .unwrap();
    let original = jwks_document(&group["private"]);
    assert!(matches!(
        KeySet::from_jwks(original.as_bytes()),
        Err(Error::Jwks)
    ));
    let fixed = original.replace("Bingge\"", "Binggg\"");
    assert_ne!(fixed, original);
    // Two HS256 keys with the same `kid`: the set does not load.
    assert!(matches!(
        KeySet::from_jwks(fixed.as_bytes()),
        Err(Error::DuplicateKeyId)
    ));
}
