//! Wycheproof vectors for the raw signature primitives behind every JWS:
//! Ed25519 (`ed25519_test.json`) and HMAC-SHA-2 (`hmac_sha{256,384,512}_test.json`).
//!
//! These vectors sign arbitrary messages, not JWS signing inputs, so they
//! run as unit tests against the crate-private [`Key::verify`], the exact
//! function [`crate::Verifier`] calls on `header.payload`. The JWS-level
//! Wycheproof vectors live in `tests/wycheproof.rs`; every divergence from
//! Wycheproof's verdict is listed in `tests/vectors/README.md` and asserted
//! here by `tcId`.
#![cfg(all(feature = "eddsa", feature = "hmac"))]

use std::collections::BTreeMap;
use std::println;
use std::string::ToString;
use std::vec::Vec;

use serde_json::Value;

use crate::{Algorithm, Error, Key, KeySet};

const ED25519: &str = include_str!("../tests/vectors/ed25519_test.json");
const HMAC_SHA256: &str = include_str!("../tests/vectors/hmac_sha256_test.json");
const HMAC_SHA384: &str = include_str!("../tests/vectors/hmac_sha384_test.json");
const HMAC_SHA512: &str = include_str!("../tests/vectors/hmac_sha512_test.json");

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length: {s}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key}"))
}

fn tc_id(case: &Value) -> u64 {
    case["tcId"].as_u64().unwrap()
}

/// Wycheproof's verdict: `valid` accepts, `invalid` rejects. These files
/// use no `acceptable` results; one appearing is a vector change to review.
fn wycheproof_accepts(case: &Value) -> bool {
    match str_of(case, "result") {
        "valid" => true,
        "invalid" => false,
        other => panic!("tcId {}: unexpected result {other}", tc_id(case)),
    }
}

/// Counts for the one-line summary of a vector file.
#[derive(Default)]
struct Tally {
    run: usize,
    accepted: usize,
    rejected: usize,
    divergences: Vec<u64>,
}

impl Tally {
    fn record(&mut self, id: u64, ours: bool, theirs: bool) {
        self.run += 1;
        if ours {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
        if ours != theirs {
            self.divergences.push(id);
        }
    }

    fn print(&self, file: &str) {
        println!(
            "{file}: {} cases run, {} accepted, {} rejected, {} divergences {:?}",
            self.run,
            self.accepted,
            self.rejected,
            self.divergences.len(),
            self.divergences
        );
    }
}

#[test]
fn ed25519_strict_verification_matches_wycheproof() {
    let doc: Value = serde_json::from_str(ED25519).unwrap();
    assert_eq!(doc["algorithm"], "EDDSA");
    let mut tally = Tally::default();
    let mut groups = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        groups += 1;
        let pk = hex(str_of(&group["publicKey"], "pk"));
        // A key jwtgate refuses (not a point, small order) rejects every case.
        let key = Key::ed25519_public(&pk);
        if let Err(e) = &key {
            assert_eq!(
                *e,
                Error::InvalidKey,
                "pk {}",
                str_of(&group["publicKey"], "pk")
            );
        }
        for case in group["tests"].as_array().unwrap() {
            let id = tc_id(case);
            let msg = hex(str_of(case, "msg"));
            let sig = hex(str_of(case, "sig"));
            let ours = match &key {
                Ok(key) => match key.verify(&msg, &sig) {
                    Ok(()) => true,
                    Err(e) => {
                        // Signature failure is one opaque error.
                        assert_eq!(e, Error::InvalidSignature, "tcId {id}");
                        false
                    }
                },
                Err(_) => false,
            };
            let theirs = wycheproof_accepts(case);
            tally.record(id, ours, theirs);
            assert_eq!(
                ours,
                theirs,
                "ed25519 tcId {id} ({}): jwtgate {} but Wycheproof says {}",
                str_of(case, "comment"),
                if ours { "accepts" } else { "rejects" },
                str_of(case, "result"),
            );
        }
    }
    tally.print("ed25519_test.json");
    // Every case of the file ran (151 at the pinned commit).
    assert_eq!(groups, doc["testGroups"].as_array().unwrap().len());
    assert_eq!(
        Some(tally.run),
        doc["numberOfTests"]
            .as_u64()
            .map(|n| usize::try_from(n).unwrap())
    );
    assert!(tally.accepted > 0 && tally.rejected > 0);
}

/// Each group also carries its key as a JWK: loading it through
/// [`KeySet::from_jwks`] must give the same key, or fail when
/// [`Key::ed25519_public`] refuses the bytes.
#[test]
fn ed25519_group_jwks_load_the_same_key() {
    let doc: Value = serde_json::from_str(ED25519).unwrap();
    let mut checked = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let pk = hex(str_of(&group["publicKey"], "pk"));
        check_group_jwk(group, Key::ed25519_public(&pk).ok().as_ref());
        checked += 1;
    }
    assert!(checked > 0);
}

fn check_group_jwk(group: &Value, key: Option<&Key>) {
    let jwk = &group["publicKeyJwk"];
    assert_eq!(jwk["kty"], "OKP");
    let document = serde_json::json!({ "keys": [jwk] }).to_string();
    match (KeySet::from_jwks(document.as_bytes()), key) {
        (Ok(set), Some(key)) => {
            assert_eq!(set.len(), 1);
            let loaded = set.iter().next().unwrap();
            assert_eq!(loaded.algorithm(), Algorithm::EdDSA);
            assert_eq!(loaded.ed25519_public_bytes(), key.ed25519_public_bytes());
        }
        (Err(e), None) => assert_eq!(e, Error::InvalidKey, "{document}"),
        (Ok(_), None) => panic!("JWKS accepted a key Key::ed25519_public refuses: {document}"),
        (Err(e), Some(_)) => panic!("JWKS refused ({e:?}) a valid key: {document}"),
    }
}

/// Runs one `hmac_sha*_test.json` file. Groups whose `tagSize` is shorter
/// than the hash output are truncated MACs: Wycheproof marks them valid for
/// the raw primitive, but a JWS carries the full tag (RFC 7518 section 3.2),
/// so jwtgate must reject every one of them. That is the only divergence.
fn run_hmac(file: &str, text: &str, alg: Algorithm, algorithm_name: &str) {
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc["algorithm"], algorithm_name);
    let full_bits = alg.signature_len() * 8;
    let mut tally = Tally::default();
    let mut truncated_valid = 0;
    let mut sizes: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    for group in doc["testGroups"].as_array().unwrap() {
        let key_bits = group["keySize"].as_u64().unwrap();
        let tag_bits = group["tagSize"].as_u64().unwrap();
        let truncated = tag_bits < u64::try_from(full_bits).unwrap();
        for case in group["tests"].as_array().unwrap() {
            let id = tc_id(case);
            let secret = hex(str_of(case, "key"));
            assert_eq!(
                secret.len() * 8,
                usize::try_from(key_bits).unwrap(),
                "tcId {id}"
            );
            let msg = hex(str_of(case, "msg"));
            let tag = hex(str_of(case, "tag"));
            // Wycheproof keys can be shorter than the hash output.
            let key = Key::hmac_allow_short_secret(alg, &secret).unwrap();
            let result = key.verify(&msg, &tag);
            let ours = result.is_ok();
            if let Err(e) = result {
                assert_eq!(e, Error::InvalidSignature, "{file} tcId {id}");
            }
            let theirs = wycheproof_accepts(case);
            tally.record(id, ours, theirs);
            *sizes.entry((key_bits, tag_bits)).or_default() += 1;
            if truncated {
                // Deliberate divergence: a truncated tag never verifies.
                assert!(!ours, "{file} tcId {id}: truncated tag accepted");
                truncated_valid += usize::from(theirs);
            } else {
                assert_eq!(
                    ours,
                    theirs,
                    "{file} tcId {id} ({}): jwtgate {} but Wycheproof says {}",
                    str_of(case, "comment"),
                    if ours { "accepts" } else { "rejects" },
                    str_of(case, "result"),
                );
            }
        }
    }
    tally.print(file);
    println!("{file}: (key bits, tag bits) -> cases {sizes:?}");
    // Every case ran, and the divergences are exactly the valid truncated tags.
    assert_eq!(
        Some(tally.run),
        doc["numberOfTests"]
            .as_u64()
            .map(|n| usize::try_from(n).unwrap())
    );
    assert_eq!(tally.divergences.len(), truncated_valid);
    assert!(truncated_valid > 0, "{file}: no truncated-tag group left");
    assert!(tally.accepted > 0);
}

#[test]
fn hmac_sha256_matches_wycheproof_except_truncated_tags() {
    run_hmac(
        "hmac_sha256_test.json",
        HMAC_SHA256,
        Algorithm::HS256,
        "HMACSHA256",
    );
}

#[test]
fn hmac_sha384_matches_wycheproof_except_truncated_tags() {
    run_hmac(
        "hmac_sha384_test.json",
        HMAC_SHA384,
        Algorithm::HS384,
        "HMACSHA384",
    );
}

#[test]
fn hmac_sha512_matches_wycheproof_except_truncated_tags() {
    run_hmac(
        "hmac_sha512_test.json",
        HMAC_SHA512,
        Algorithm::HS512,
        "HMACSHA512",
    );
}

/// A key the vectors would accept with the tag truncated must still accept
/// the full tag, so the truncation rule is not hiding a broken MAC.
#[test]
fn truncated_tag_rejected_but_full_tag_accepted() {
    let doc: Value = serde_json::from_str(HMAC_SHA256).unwrap();
    let group = doc["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["tagSize"] == 128 && g["keySize"] == 256)
        .unwrap();
    let case = &group["tests"][0];
    let secret = hex(str_of(case, "key"));
    let msg = hex(str_of(case, "msg"));
    let tag = hex(str_of(case, "tag"));
    let key = Key::hmac_allow_short_secret(Algorithm::HS256, &secret).unwrap();
    let mut full = [0u8; 32];
    let n = key.sign(&msg, &mut full).unwrap();
    assert_eq!(n, 32);
    // Wycheproof's truncated tag is the prefix of the full one.
    assert_eq!(&full[..16], &tag[..]);
    assert!(matches!(key.verify(&msg, &full), Ok(())));
    assert!(matches!(
        key.verify(&msg, &tag),
        Err(Error::InvalidSignature)
    ));
}
