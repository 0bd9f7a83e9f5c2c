//! The Rust runner of the cross-binding rule table,
//! `tests/fixtures/rules.json`: every case builds a verifier from its keys
//! and options and must fail with the case's code (0: build succeeds).
//! The C, Go and Python runners read the same file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jwtgate::{Key, KeySet};
use jwtgate_sync::{algorithm_named, LiveVerifier, PolicyOptions, SyncError};
use serde_json::Value;

const TABLE: &str = include_str!("../../tests/fixtures/rules.json");

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|s| s.as_str().expect("a string").to_owned())
            .collect()
    })
}

fn options(o: &Value) -> PolicyOptions {
    let known = [
        "algorithms",
        "issuers",
        "audiences",
        "leeway",
        "required",
        "typ",
        "max_age",
        "verify_exp",
        "verify_nbf",
        "verify_iat",
        "verify_aud",
    ];
    for name in o.as_object().expect("options is an object").keys() {
        assert!(known.contains(&name.as_str()), "unknown option {name}");
    }
    PolicyOptions {
        algorithms: strings(&o["algorithms"]),
        issuers: strings(&o["issuers"]),
        audiences: strings(&o["audiences"]),
        leeway: o["leeway"].as_u64(),
        required: strings(&o["required"]),
        typ: o["typ"].as_str().map(str::to_owned),
        max_age: o["max_age"].as_u64(),
        verify_exp: o["verify_exp"].as_bool(),
        verify_nbf: o["verify_nbf"].as_bool(),
        verify_iat: o["verify_iat"].as_bool(),
        verify_aud: o["verify_aud"].as_bool(),
    }
}

fn key(k: &Value) -> Result<Key, SyncError> {
    let alg = algorithm_named(k["alg"].as_str().expect("alg"))?;
    let key = Key::hmac(alg, k["secret"].as_str().expect("secret").as_bytes())
        .map_err(SyncError::Config)?;
    match k["kid"].as_str() {
        Some(kid) => key.with_kid(kid).map_err(SyncError::Config),
        None => Ok(key),
    }
}

/// What building the case's verifier gives: 0 or the first error's code.
fn build(case: &Value) -> u32 {
    let result = (|| {
        let mut keys = KeySet::new();
        for k in case["keys"].as_array().expect("keys") {
            keys.add(key(k)?).map_err(SyncError::Config)?;
        }
        let policy = options(&case["options"]).policy()?;
        LiveVerifier::new(keys, policy).map_err(SyncError::Config)
    })();
    result.map_or_else(|e| e.code(), |_| 0)
}

#[test]
fn every_case_gives_its_code() {
    let table: Value = serde_json::from_str(TABLE).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 20, "the table lost its cases");
    let mut failures = Vec::new();
    for case in cases {
        let (name, want) = (
            case["name"].as_str().unwrap(),
            case["code"].as_u64().unwrap(),
        );
        let got = build(case);
        if u64::from(got) != want {
            failures.push(format!("{name}: expected {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A rule that changes must change the table: both outcomes appear.
#[test]
fn the_table_has_successes_and_every_error_class() {
    let table: Value = serde_json::from_str(TABLE).unwrap();
    let codes: Vec<u64> = table["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_u64().unwrap())
        .collect();
    for code in [0, 304, 305, 307, 308, 309, 704, 909] {
        assert!(codes.contains(&code), "no case with code {code}");
    }
}
