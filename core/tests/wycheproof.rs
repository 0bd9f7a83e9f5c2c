//! Project Wycheproof's JOSE vectors through the public API:
//! `json_web_signature_test.json` (compact JWS) and `json_web_key_test.json`
//! (key sets). The raw Ed25519 and HMAC vectors run as unit tests in
//! `src/wycheproof_primitives.rs`, because they sign arbitrary messages rather
//! than JWS signing inputs.
//!
//! Every case runs. Cases of groups for algorithms jwtgate implements (HMAC,
//! Ed25519, ES256, RS256, PS256) are checked twice: against an exact
//! expected result by `tcId` (tables at the bottom), and against
//! Wycheproof's verdict, where every difference must be a listed divergence
//! (`tests/vectors/README.md`). Cases of groups for algorithms jwtgate does
//! not implement (RS384/512, PS384/512, ES512) must all be rejected.

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

/// Whether a group is one jwtgate implements: its keys are HMAC, Ed25519,
/// P-256, or RSA keys for RS256 or PS256 (by `alg`, absent meaning RS256).
fn supported_group(group: &Value) -> bool {
    let supported = |jwk: &Value| match jwk["kty"].as_str() {
        Some("oct") => jwk["alg"]
            .as_str()
            .is_some_and(|a| ["HS256", "HS384", "HS512"].contains(&a)),
        Some("OKP") => jwk["crv"] == "Ed25519",
        Some("EC") => jwk["crv"] == "P-256",
        Some("RSA") => jwk["alg"]
            .as_str()
            .is_none_or(|a| ["RS256", "PS256"].contains(&a)),
        _ => false,
    };
    key_sets(group)
        .iter()
        .all(|(_, key)| match key.get("keys") {
            Some(keys) => keys.as_array().unwrap().iter().any(supported),
            None => supported(key),
        })
}

/// Runs one file: every case against every key set of its group.
fn run(
    file: &str,
    text: &str,
    expected: &[(u64, Expected)],
    divergences: &[(u64, &str)],
    set_overrides: &[(u64, &str, Expected)],
) -> Tally {
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
                    let want = set_overrides
                        .iter()
                        .find(|(t, s, _)| *t == id && *s == set_name)
                        .map(|(_, _, e)| e)
                        .or_else(|| expected.iter().find(|(t, _)| *t == id).map(|(_, e)| e))
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
            // Every key set of a group reaches the same verdict, but for the
            // listed overrides; the verdict is the last set's (`public`).
            let ours = verdicts[verdicts.len() - 1];
            assert!(
                verdicts.iter().all(|&v| v == ours)
                    || set_overrides.iter().any(|(t, _, _)| *t == id),
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
        JWS_SET_OVERRIDES,
    );
    tally.print("json_web_signature_test.json");
    // The groups jwtgate implements: hs256 (17), rfc7520 HMAC (2), base64
    // (21), es256 (15), rs256 (226 + 5), ps256 (48), rfc7520 RSA (4),
    // encryption keys (4), SpecialCaseEs256 (24).
    assert_eq!(JWS_EXPECTED.len(), 40 + 326);
    assert_eq!(tally.divergences.len(), JWS_DIVERGENCES.len());
}

#[test]
fn json_web_key_vectors() {
    let tally = run(
        "json_web_key_test.json",
        JWK_VECTORS,
        JWK_EXPECTED,
        JWK_DIVERGENCES,
        &[],
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
    (
        346,
        "RFC 7520 figure 20 is signed with PS384, which jwtgate does not \
         implement; the key's JWK `alg` is PS256, so a verifier binding the \
         algorithm to the key rejects it anyway",
    ),
    (350, "as 346, the same token and key with `key_ops`"),
];

/// Cases whose key sets legitimately reach different results: `(tcId, set, result)`.
const JWS_SET_OVERRIDES: &[(u64, &str, Expected)] = &[
    // rfc7520WithKeyOps Figure13: the private JWK's `key_ops` is the single
    // string "sign, verify" (not "verify"), so that key is skipped (RFC 7517
    // section 4.3); the public JWK (`key_ops: ["verify"]`) verifies.
    (349, "private", Err(Error::UnknownKey)),
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
    // es256, rs256, ps256, rfc7520 RSA, encryption-only keys and
    // SpecialCaseEs256 groups: `group: Wycheproof comment`, "(valid)" when
    // Wycheproof expects acceptance. Encryption keys (`use: enc`,
    // `key_ops: ["encrypt"]`) are skipped, so no key matches.
    (18, Ok(())),                            // es256: acceptsValid (valid)
    (19, Err(Error::InvalidSignature)),      // es256: rejectsModifiedSignature
    (20, Err(Error::InvalidSignature)),      // es256: rejectsMissingSignature
    (21, Err(Error::Malformed)),             // es256: rejectsMissingSignatureAndSeparator
    (22, Err(Error::InvalidSignature)),      // es256: rejectsModifiedPayload
    (23, Err(Error::InvalidSignature)),      // es256: rejectsMissingPayload
    (24, Err(Error::Malformed)),             // es256: rejectsMissingPayloadAndSeparator
    (25, Err(Error::UnknownKey)),            // es256: rejectsModifiedHeader
    (26, Err(Error::Malformed)),             // es256: rejectsMissingHeader
    (27, Err(Error::Malformed)),             // es256: rejectsMissingHeaderAndSeparator
    (28, Err(Error::Malformed)),             // es256: rejectsMissingHeaderAndSignature
    (29, Err(Error::Malformed)),             // es256: rejectsMissingHeaderSignatureAndSeparators
    (30, Err(Error::Malformed)),             // es256: rejectsEmptyString
    (31, Err(Error::AlgorithmMismatch)), // es256: rejectsSymmetryConfusionAttacks_aesKeyFromEcVerificationKeyBytes
    (32, Err(Error::InvalidSignature)),  // es256: rejectsAttackerProvidedEmbeddedJwk
    (33, Ok(())),                        // rs256: acceptsValid (valid)
    (34, Err(Error::InvalidSignature)),  // rs256: rejectsModifiedSignature
    (35, Err(Error::InvalidSignature)),  // rs256: rejectsMissingSignature
    (36, Err(Error::Malformed)),         // rs256: rejectsMissingSignatureAndSeparator
    (37, Err(Error::InvalidSignature)),  // rs256: rejectsModifiedPayload
    (38, Err(Error::InvalidSignature)),  // rs256: rejectsMissingPayload
    (39, Err(Error::Malformed)),         // rs256: rejectsMissingPayloadAndSeparator
    (40, Err(Error::UnknownKey)),        // rs256: rejectsModifiedHeader
    (41, Err(Error::Malformed)),         // rs256: rejectsMissingHeader
    (42, Err(Error::Malformed)),         // rs256: rejectsMissingHeaderAndSeparator
    (43, Err(Error::Malformed)),         // rs256: rejectsMissingHeaderAndSignature
    (44, Err(Error::Malformed)),         // rs256: rejectsMissingHeaderSignatureAndSeparator
    (45, Err(Error::Malformed)),         // rs256: rejectsEmptyString
    (46, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceUsesLongFormEncoding
    (47, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceContainsALeading0
    (48, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceUses50InsteadOf49
    (49, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceUses48InsteadOf49
    (50, Err(Error::InvalidSignature)),  // rs256: uint32OverflowInLengthOfSequence
    (51, Err(Error::InvalidSignature)),  // rs256: uint64OverflowInLengthOfSequence
    (52, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceIs2to31sub1
    (53, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceIs2to31
    (54, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceIs2to32sub1
    (55, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceIs2to40sub1
    (56, Err(Error::InvalidSignature)),  // rs256: lengthOfSequenceIs2to64sub1
    (57, Err(Error::InvalidSignature)),  // rs256: incorrectLengthOfSequence
    (58, Err(Error::InvalidSignature)), // rs256: replacedSequenceByAnIndefiniteLengthTagWithoutTermination
    (59, Err(Error::InvalidSignature)), // rs256: removingSequence
    (60, Err(Error::InvalidSignature)), // rs256: lonelySequenceTag
    (61, Err(Error::InvalidSignature)), // rs256: appending0'sToSequence
    (62, Err(Error::InvalidSignature)), // rs256: prepending0'sToSequence
    (63, Err(Error::InvalidSignature)), // rs256: appendingUnused0'sToSequence
    (64, Err(Error::InvalidSignature)), // rs256: appendingNullValueToSequence
    (65, Err(Error::InvalidSignature)), // rs256: prependingGarbageToSequence
    (66, Err(Error::InvalidSignature)), // rs256: prependingGarbageToSequence
    (67, Err(Error::InvalidSignature)), // rs256: appendingGarbageToSequence
    (68, Err(Error::InvalidSignature)), // rs256: includingUndefinedTags
    (69, Err(Error::InvalidSignature)), // rs256: truncatedLengthOfSequence
    (70, Err(Error::InvalidSignature)), // rs256: includingUndefinedTagsToSequence
    (71, Err(Error::InvalidSignature)), // rs256: usingCompositionWithIndefiniteLengthForSequence
    (72, Err(Error::InvalidSignature)), // rs256: usingCompositionWithWrongTagForSequence
    (73, Err(Error::InvalidSignature)), // rs256: ReplacingSequenceWithNULL
    (74, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (75, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (76, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (77, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (78, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (79, Err(Error::InvalidSignature)), // rs256: droppingValueOfSequence
    (80, Err(Error::InvalidSignature)), // rs256: usingCompositionForSequence
    (81, Err(Error::InvalidSignature)), // rs256: truncatedSequence
    (82, Err(Error::InvalidSignature)), // rs256: truncatedSequence
    (83, Err(Error::InvalidSignature)), // rs256: indefiniteLength
    (84, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithTruncatedDelimiter
    (85, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithAdditionalElement
    (86, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithTruncatedElement
    (87, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithGarbage
    (88, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithNonemptyEOC
    (89, Err(Error::InvalidSignature)), // rs256: prependEmptySequence
    (90, Err(Error::InvalidSignature)), // rs256: appendEmptySequence
    (91, Err(Error::InvalidSignature)), // rs256: appendZero
    (92, Err(Error::InvalidSignature)), // rs256: appendGarbageWithHighTagNumber
    (93, Err(Error::InvalidSignature)), // rs256: appendNullWithExplicitTag
    (94, Err(Error::InvalidSignature)), // rs256: appendNullWithImplicitTag
    (95, Err(Error::InvalidSignature)), // rs256: sequenceOfSequence
    (96, Err(Error::InvalidSignature)), // rs256: truncatedSequence:RemovedLast1Elements
    (97, Err(Error::InvalidSignature)), // rs256: repeatingElementInSequence
    (98, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceUsesLongFormEncoding
    (99, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceContainsALeading0
    (100, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceUses14InsteadOf13
    (101, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceUses12InsteadOf13
    (102, Err(Error::InvalidSignature)), // rs256: uint32OverflowInLengthOfSequence
    (103, Err(Error::InvalidSignature)), // rs256: uint64OverflowInLengthOfSequence
    (104, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceIs2to31sub1
    (105, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceIs2to31
    (106, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceIs2to32sub1
    (107, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceIs2to40sub1
    (108, Err(Error::InvalidSignature)), // rs256: lengthOfSequenceIs2to64sub1
    (109, Err(Error::InvalidSignature)), // rs256: incorrectLengthOfSequence
    (110, Err(Error::InvalidSignature)), // rs256: replacedSequenceByAnIndefiniteLengthTagWithoutTermination
    (111, Err(Error::InvalidSignature)), // rs256: removingSequence
    (112, Err(Error::InvalidSignature)), // rs256: lonelySequenceTag
    (113, Err(Error::InvalidSignature)), // rs256: appending0'sToSequence
    (114, Err(Error::InvalidSignature)), // rs256: prepending0'sToSequence
    (115, Err(Error::InvalidSignature)), // rs256: appendingUnused0'sToSequence
    (116, Err(Error::InvalidSignature)), // rs256: appendingNullValueToSequence
    (117, Err(Error::InvalidSignature)), // rs256: prependingGarbageToSequence
    (118, Err(Error::InvalidSignature)), // rs256: prependingGarbageToSequence
    (119, Err(Error::InvalidSignature)), // rs256: appendingGarbageToSequence
    (120, Err(Error::InvalidSignature)), // rs256: includingUndefinedTags
    (121, Err(Error::InvalidSignature)), // rs256: truncatedLengthOfSequence
    (122, Err(Error::InvalidSignature)), // rs256: includingUndefinedTagsToSequence
    (123, Err(Error::InvalidSignature)), // rs256: usingCompositionWithIndefiniteLengthForSequence
    (124, Err(Error::InvalidSignature)), // rs256: usingCompositionWithWrongTagForSequence
    (125, Err(Error::InvalidSignature)), // rs256: ReplacingSequenceWithNULL
    (126, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (127, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (128, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (129, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (130, Err(Error::InvalidSignature)), // rs256: changingTagValueOfSequence
    (131, Err(Error::InvalidSignature)), // rs256: droppingValueOfSequence
    (132, Err(Error::InvalidSignature)), // rs256: usingCompositionForSequence
    (133, Err(Error::InvalidSignature)), // rs256: truncatedSequence
    (134, Err(Error::InvalidSignature)), // rs256: truncatedSequence
    (135, Err(Error::InvalidSignature)), // rs256: indefiniteLength
    (136, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithTruncatedDelimiter
    (137, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithAdditionalElement
    (138, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithTruncatedElement
    (139, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithGarbage
    (140, Err(Error::InvalidSignature)), // rs256: indefiniteLengthWithNonemptyEOC
    (141, Err(Error::InvalidSignature)), // rs256: prependEmptySequence
    (142, Err(Error::InvalidSignature)), // rs256: appendEmptySequence
    (143, Err(Error::InvalidSignature)), // rs256: appendZero
    (144, Err(Error::InvalidSignature)), // rs256: appendGarbageWithHighTagNumber
    (145, Err(Error::InvalidSignature)), // rs256: appendNullWithExplicitTag
    (146, Err(Error::InvalidSignature)), // rs256: appendNullWithImplicitTag
    (147, Err(Error::InvalidSignature)), // rs256: sequenceOfSequence
    (148, Err(Error::InvalidSignature)), // rs256: lengthOfOidUsesLongFormEncoding
    (149, Err(Error::InvalidSignature)), // rs256: lengthOfOidContainsALeading0
    (150, Err(Error::InvalidSignature)), // rs256: lengthOfOidUses10InsteadOf9
    (151, Err(Error::InvalidSignature)), // rs256: lengthOfOidUses8InsteadOf9
    (152, Err(Error::InvalidSignature)), // rs256: uint32OverflowInLengthOfOid
    (153, Err(Error::InvalidSignature)), // rs256: uint64OverflowInLengthOfOid
    (154, Err(Error::InvalidSignature)), // rs256: lengthOfOidis2to31sub1
    (155, Err(Error::InvalidSignature)), // rs256: lengthOfOidis2to31
    (156, Err(Error::InvalidSignature)), // rs256: lengthOfOidis2to32sub1
    (157, Err(Error::InvalidSignature)), // rs256: lengthOfOidis2to40sub1
    (158, Err(Error::InvalidSignature)), // rs256: lengthOfOidis2to64sub1
    (159, Err(Error::InvalidSignature)), // rs256: incorrectLengthOfOid
    (160, Err(Error::InvalidSignature)), // rs256: replacedOidByAnIndefiniteLengthTagWithoutTermination
    (161, Err(Error::InvalidSignature)), // rs256: removingOid
    (162, Err(Error::InvalidSignature)), // rs256: lonelyOidTag
    (163, Err(Error::InvalidSignature)), // rs256: appending0'sToOid
    (164, Err(Error::InvalidSignature)), // rs256: prepending0'sToOid
    (165, Err(Error::InvalidSignature)), // rs256: appendingUnused0'sToOid
    (166, Err(Error::InvalidSignature)), // rs256: appendingNullValueToOid
    (167, Err(Error::InvalidSignature)), // rs256: prependingGarbageToOid
    (168, Err(Error::InvalidSignature)), // rs256: prependingGarbageToOid
    (169, Err(Error::InvalidSignature)), // rs256: appendingGarbageToOid
    (170, Err(Error::InvalidSignature)), // rs256: includingUndefinedTags
    (171, Err(Error::InvalidSignature)), // rs256: truncatedLengthOfOid
    (172, Err(Error::InvalidSignature)), // rs256: includingUndefinedTagsToOid
    (173, Err(Error::InvalidSignature)), // rs256: usingCompositionWithIndefiniteLengthForOid
    (174, Err(Error::InvalidSignature)), // rs256: usingCompositionWithWrongTagForOid
    (175, Err(Error::InvalidSignature)), // rs256: ReplacingOidWithNULL
    (176, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOid
    (177, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOid
    (178, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOid
    (179, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOid
    (180, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOid
    (181, Err(Error::InvalidSignature)), // rs256: droppingValueOfOid
    (182, Err(Error::InvalidSignature)), // rs256: usingCompositionForOid
    (183, Err(Error::InvalidSignature)), // rs256: modifyingFirstByteOfOid
    (184, Err(Error::InvalidSignature)), // rs256: modifyingLastByteOfOid
    (185, Err(Error::InvalidSignature)), // rs256: truncatedOid
    (186, Err(Error::InvalidSignature)), // rs256: truncatedOid
    (187, Err(Error::InvalidSignature)), // rs256: wrongOid
    (188, Err(Error::InvalidSignature)), // rs256: longerOid
    (189, Err(Error::InvalidSignature)), // rs256: oidWithModifiedNode
    (190, Err(Error::InvalidSignature)), // rs256: oidWithModifiedNode
    (191, Err(Error::InvalidSignature)), // rs256: largeIntegerInOid
    (192, Err(Error::InvalidSignature)), // rs256: oidWithInvalidNode
    (193, Err(Error::InvalidSignature)), // rs256: oidWithInvalidNode
    (194, Err(Error::InvalidSignature)), // rs256: lengthOfNullUsesLongFormEncoding
    (195, Err(Error::InvalidSignature)), // rs256: lengthOfNullContainsALeading0
    (196, Err(Error::InvalidSignature)), // rs256: lengthOfNullUses1InsteadOf0
    (197, Err(Error::InvalidSignature)), // rs256: uint32OverflowInLengthOfNull
    (198, Err(Error::InvalidSignature)), // rs256: uint64OverflowInLengthOfNull
    (199, Err(Error::InvalidSignature)), // rs256: lengthOfNullis2to31sub1
    (200, Err(Error::InvalidSignature)), // rs256: lengthOfNullis2to31
    (201, Err(Error::InvalidSignature)), // rs256: lengthOfNullis2to32sub1
    (202, Err(Error::InvalidSignature)), // rs256: lengthOfNullis2to40sub1
    (203, Err(Error::InvalidSignature)), // rs256: lengthOfNullis2to64sub1
    (204, Err(Error::InvalidSignature)), // rs256: incorrectLengthOfNull
    (205, Err(Error::InvalidSignature)), // rs256: appending0'sToNull
    (206, Err(Error::InvalidSignature)), // rs256: appendingNullValueToNull
    (207, Err(Error::InvalidSignature)), // rs256: prependingGarbageToNull
    (208, Err(Error::InvalidSignature)), // rs256: prependingGarbageToNull
    (209, Err(Error::InvalidSignature)), // rs256: appendingGarbageToNull
    (210, Err(Error::InvalidSignature)), // rs256: includingUndefinedTags
    (211, Err(Error::InvalidSignature)), // rs256: truncatedLengthOfNull
    (212, Err(Error::InvalidSignature)), // rs256: includingUndefinedTagsToNull
    (213, Err(Error::InvalidSignature)), // rs256: usingCompositionWithIndefiniteLengthForNull
    (214, Err(Error::InvalidSignature)), // rs256: usingCompositionWithWrongTagForNull
    (215, Err(Error::InvalidSignature)), // rs256: changingTagValueOfNull
    (216, Err(Error::InvalidSignature)), // rs256: changingTagValueOfNull
    (217, Err(Error::InvalidSignature)), // rs256: changingTagValueOfNull
    (218, Err(Error::InvalidSignature)), // rs256: changingTagValueOfNull
    (219, Err(Error::InvalidSignature)), // rs256: changingTagValueOfNull
    (220, Err(Error::InvalidSignature)), // rs256: composedNull
    (221, Err(Error::InvalidSignature)), // rs256: incorrectNull
    (222, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringUsesLongFormEncoding
    (223, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringContainsALeading0
    (224, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringUses33InsteadOf32
    (225, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringUses31InsteadOf32
    (226, Err(Error::InvalidSignature)), // rs256: uint32OverflowInLengthOfOctetString
    (227, Err(Error::InvalidSignature)), // rs256: uint64OverflowInLengthOfOctetString
    (228, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringis2to31sub1
    (229, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringis2to31
    (230, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringis2to32sub1
    (231, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringis2to40sub1
    (232, Err(Error::InvalidSignature)), // rs256: lengthOfOctetStringis2to64sub1
    (233, Err(Error::InvalidSignature)), // rs256: incorrectLengthOfOctetString
    (234, Err(Error::InvalidSignature)), // rs256: replacedOctetStringByAnIndefiniteLengthTagWithoutTermination
    (235, Err(Error::InvalidSignature)), // rs256: lonelyOctetStringTag
    (236, Err(Error::InvalidSignature)), // rs256: appending0'sToOctetString
    (237, Err(Error::InvalidSignature)), // rs256: prepending0'sToOctetString
    (238, Err(Error::InvalidSignature)), // rs256: appendingNullValueToOctetString
    (239, Err(Error::InvalidSignature)), // rs256: prependingGarbageToOctetString
    (240, Err(Error::InvalidSignature)), // rs256: prependingGarbageToOctetString
    (241, Err(Error::InvalidSignature)), // rs256: appendingGarbageToOctetString
    (242, Err(Error::InvalidSignature)), // rs256: includingUndefinedTags
    (243, Err(Error::InvalidSignature)), // rs256: truncatedLengthOfOctetString
    (244, Err(Error::InvalidSignature)), // rs256: includingUndefinedTagsToOctetString
    (245, Err(Error::InvalidSignature)), // rs256: usingCompositionWithIndefiniteLengthForOctetString
    (246, Err(Error::InvalidSignature)), // rs256: usingCompositionWithWrongTagForOctetString
    (247, Err(Error::InvalidSignature)), // rs256: ReplacingOctetStringWithNULL
    (248, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOctetString
    (249, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOctetString
    (250, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOctetString
    (251, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOctetString
    (252, Err(Error::InvalidSignature)), // rs256: changingTagValueOfOctetString
    (253, Err(Error::InvalidSignature)), // rs256: droppingValueOfOctetString
    (254, Err(Error::InvalidSignature)), // rs256: usingCompositionForOctetString
    (255, Err(Error::InvalidSignature)), // rs256: modifyingFirstByteOfOctetString
    (256, Err(Error::InvalidSignature)), // rs256: modifyingLastByteOfOctetString
    (257, Err(Error::InvalidSignature)), // rs256: truncatedOctetString
    (258, Err(Error::InvalidSignature)), // rs256: truncatedOctetString
    (259, Ok(())),                       // rs256: emptyPayload (valid)
    (260, Ok(())),                       // rs256: allZeroPayload (valid)
    (261, Ok(())),                       // rs256: oneBytePayload (valid)
    (262, Ok(())),                       // rs256: normalPayload (valid)
    (263, Ok(())),                       // rs256: normalPayload (valid)
    (272, Ok(())),                       // ps256: emptyPayload (valid)
    (273, Ok(())),                       // ps256: allZeroPayload (valid)
    (274, Ok(())),                       // ps256: oneBytePayload (valid)
    (275, Ok(())),                       // ps256: normalPayload (valid)
    (276, Err(Error::InvalidSignature)), // ps256: MhashModified
    (277, Err(Error::InvalidSignature)), // ps256: MhashModified
    (278, Err(Error::InvalidSignature)), // ps256: MhashModified
    (279, Err(Error::InvalidSignature)), // ps256: MhashModified
    (280, Err(Error::InvalidSignature)), // ps256: lastByteOfMhashModified
    (281, Err(Error::InvalidSignature)), // ps256: SaltLenChanged
    (282, Err(Error::InvalidSignature)), // ps256: SaltLenChanged
    (283, Err(Error::InvalidSignature)), // ps256: SaltLenChanged
    (284, Err(Error::InvalidSignature)), // ps256: SaltLenChanged
    (285, Err(Error::InvalidSignature)), // ps256: SaltLenChanged
    (286, Err(Error::InvalidSignature)), // ps256: SaltLenChanged
    (287, Ok(())),                       // ps256: saltIsAll0 (valid)
    (288, Ok(())),                       // ps256: saltIsAll1 (valid)
    (289, Err(Error::InvalidSignature)), // ps256: ZeroPaddingModified
    (290, Err(Error::InvalidSignature)), // ps256: ZeroPaddingModified
    (291, Err(Error::InvalidSignature)), // ps256: ZeroPaddingModified
    (292, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (293, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (294, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (295, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (296, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (297, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (298, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (299, Err(Error::InvalidSignature)), // ps256: ModifiedHash
    (300, Err(Error::InvalidSignature)), // ps256: PSModified
    (301, Err(Error::InvalidSignature)), // ps256: PSModified
    (302, Err(Error::InvalidSignature)), // ps256: PSModified
    (303, Err(Error::InvalidSignature)), // ps256: PSModified
    (304, Err(Error::InvalidSignature)), // ps256: PSModified
    (305, Err(Error::InvalidSignature)), // ps256: PSModified
    (306, Err(Error::InvalidSignature)), // ps256: SaltModified
    (307, Err(Error::InvalidSignature)), // ps256: SaltModified
    (308, Err(Error::InvalidSignature)), // ps256: MaskedDbChanged
    (309, Err(Error::InvalidSignature)), // ps256: EmModified
    (310, Err(Error::InvalidSignature)), // ps256: EmModified
    (311, Err(Error::InvalidSignature)), // ps256: EmModified
    (312, Err(Error::InvalidSignature)), // ps256: SignatureIs0
    (313, Err(Error::InvalidSignature)), // ps256: SignatureIs1
    (314, Err(Error::InvalidSignature)), // ps256: SignatureIsNsub1
    (315, Err(Error::InvalidSignature)), // ps256: SignatureIsn
    (316, Err(Error::InvalidSignature)), // ps256: SignatureIsnotReduced
    (317, Err(Error::InvalidSignature)), // ps256: prependingZerosToSignature
    (318, Err(Error::InvalidSignature)), // ps256: appendingZerosToSignature
    (319, Err(Error::InvalidSignature)), // ps256: truncatedSignature
    (345, Ok(())),                       // rfc7520: Figure13 (valid)
    (346, Err(Error::UnsupportedAlgorithm)), // rfc7520: Figure20 (valid)
    (349, Ok(())),                       // rfc7520WithKeyOps: Figure13 (valid)
    (350, Err(Error::UnsupportedAlgorithm)), // rfc7520WithKeyOps: Figure20 (valid)
    (353, Err(Error::UnknownKey)),       // rsa_encryption: rejectWrongUse
    (354, Err(Error::UnknownKey)),       // ec_key_for_encryption: rejectWrongUse
    (355, Err(Error::UnknownKey)),       // rsa_encryption: rejectWrongKeyOps
    (356, Err(Error::UnknownKey)),       // ec_key_for_encryption: rejectWrongKeyOps
    (378, Ok(())),                       // SpecialCaseEs256: valid (valid)
    (379, Err(Error::InvalidSignature)), // SpecialCaseEs256: SignatureTooLong
    (380, Err(Error::InvalidSignature)), // SpecialCaseEs256: TrailingZeros
    (381, Err(Error::InvalidSignature)), // SpecialCaseEs256: RisTooBig
    (382, Err(Error::InvalidSignature)), // SpecialCaseEs256: SisTooBig
    (383, Err(Error::InvalidSignature)), // SpecialCaseEs256: IntegerOverflow
    (384, Err(Error::InvalidSignature)), // SpecialCaseEs256: IntegerOverflow
    (385, Err(Error::InvalidSignature)), // SpecialCaseEs256: BufferOverflow
    (386, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsZero_sIsZero
    (387, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsZero_sIsOne
    (388, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsZero_sIsNminus1
    (389, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsZero_sIsN
    (390, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsOne_sIsZero
    (391, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsOne_sIsOne
    (392, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsOne_sIsNminus1
    (393, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsOne_sIsN
    (394, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsNminus1_sIsZero
    (395, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsNminus1_sIsOne
    (396, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsNminus1_sIsNminus1
    (397, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsNminus1_sIsN
    (398, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsN_sIsZero
    (399, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsN_sIsOne
    (400, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsN_sIsNminus1
    (401, Err(Error::InvalidSignature)), // SpecialCaseEs256: rIsN_sIsN
];

// --- json_web_key_test.json ---------------------------------------------

/// Cases where jwtgate's verdict differs from Wycheproof's, with the reason.
const JWK_DIVERGENCES: &[(u64, &str)] = &[];

/// The exact result of every case whose group holds keys jwtgate
/// implements, by `tcId` (other groups must merely reject).
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
    // RSA and P-256 groups. A refused key fails the whole set (module
    // rules of `jwks.rs`); a skipped key leaves no key for the token.
    (5, Ok(())),                  // rs256: acceptsValid (valid)
    (7, Err(Error::InvalidKey)), // ROCA fingerprint (CVE-2017-15361); jws_rsa_roca_key: rejectsKeyWithRocaVulnerability
    (8, Err(Error::InvalidKey)), // keysize_too_small: rejects1024bitRsaKey
    (9, Err(Error::InvalidKey)), // e = 1; exponentOne: rejectsPublicExponent1
    (19, Err(Error::Jwks)),      // P-256 key with alg ES521; wrong_algorithm: mismatchedAlgAndCurve
    (20, Err(Error::Jwks)), // P-256 key with alg ES224; invalid_algorithm: mismatchedAlgAndCurve
    (21, Err(Error::UnknownKey)), // use: enc, skipped; invalid_use: rejectsModifiedKey
    (22, Err(Error::InvalidKey)), // point not on the curve; invalid_point: rejectsModifiedKey
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
