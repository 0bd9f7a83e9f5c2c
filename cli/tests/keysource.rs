//! `jwtgate verify --jwks-url` / `--issuer` (+ `--ca`) against a real HTTPS
//! server on loopback (sync/tests/common/https.rs): rotation, discovery,
//! outage and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../sync/tests/common/mod.rs"]
mod common;

#[path = "support/idp.rs"]
mod idp;

use std::process::{Command, Output};

use common::https::{ed_key, jwks, signed};
use idp::Idp;

const BIN: &str = env!("CARGO_BIN_EXE_jwtgate");

fn jwtgate(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn verify_with_a_jwks_url_follows_rotation() {
    let (k1, k2) = (ed_key("k1", 1), ed_key("k2", 2));
    let idp = Idp::start(&[&k1]);
    let url = idp.jwks_url();
    let t1 = signed(&k1, "https://any.test");
    let out = jwtgate(&["verify", "--jwks-url", &url, "--ca", &idp.ca, &t1]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"sub\":\"ada\""));
    // Rotated: k1 removed, k2 published.
    *idp.doc.lock().unwrap() = jwks(&[&k2]);
    let out = jwtgate(&["verify", "--jwks-url", &url, "--ca", &idp.ca, &t1]);
    assert_eq!(code(&out), 12, "{}", stderr(&out));
    assert!(stderr(&out).contains("[300]"), "{}", stderr(&out));
    let t2 = signed(&k2, "https://any.test");
    let out = jwtgate(&["verify", "--jwks-url", &url, "--ca", &idp.ca, &t2]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn verify_with_an_issuer_uses_discovery_and_requires_the_issuer() {
    let k1 = ed_key("k1", 1);
    let idp = Idp::start(&[&k1]);
    let issuer = idp.issuer();
    let good = signed(&k1, &issuer);
    let out = jwtgate(&["verify", "--issuer", &issuer, "--ca", &idp.ca, &good]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let other = signed(&k1, "https://evil.test");
    let out = jwtgate(&["verify", "--issuer", &issuer, "--ca", &idp.ca, &other]);
    assert_eq!(code(&out), 14, "{}", stderr(&out));
    // A discovery document naming another issuer is refused.
    let out = jwtgate(&[
        "verify",
        "--issuer",
        &format!("{issuer}/"),
        "--ca",
        &idp.ca,
        &good,
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("[911]"), "{}", stderr(&out));
}

#[test]
fn verify_fails_when_the_provider_is_down_or_refused() {
    let k1 = ed_key("k1", 1);
    let mut idp = Idp::start(&[&k1]);
    let t1 = signed(&k1, "https://any.test");
    let url = idp.jwks_url();
    // Not trusted without the CA.
    let out = jwtgate(&["verify", "--jwks-url", &url, &t1]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("[910]"), "{}", stderr(&out));
    // Plain http.
    let http = url.replace("https://", "http://");
    let out = jwtgate(&["verify", "--jwks-url", &http, "--ca", &idp.ca, &t1]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("[911]"), "{}", stderr(&out));
    // Down.
    idp.server.pause();
    let out = jwtgate(&["verify", "--jwks-url", &url, "--ca", &idp.ca, &t1]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("[910]"), "{}", stderr(&out));
    idp.server.resume();
    let out = jwtgate(&["verify", "--jwks-url", &url, "--ca", &idp.ca, &t1]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Exactly one key source.
    let out = jwtgate(&["verify", "--jwks-url", &url, "--issuer", &idp.issuer(), &t1]);
    assert_eq!(code(&out), 2);
}
