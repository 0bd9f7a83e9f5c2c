//! Worst-case parsing cost: adversarial headers and claims against a typical
//! rejected token of the same length (issue 20, item 1).
//!
//! Every shape is a token of (about) `len` bytes. Header shapes are unsigned
//! (what anyone can send: they are rejected, at the latest by the
//! signature); claims shapes are signed with the verifier's key (the claims
//! are parsed only after the signature holds). The baseline is a token of
//! the same length with a normal header, normal claims padded with a long
//! custom string, and a wrong signature: what a server rejects all day.
//! Each shape is timed interleaved with the baseline (short blocks
//! alternate, the fastest block of each counts), so both see the same noise.
//!
//! Run: `cargo run --release -p jwtgate --example adversarial` (prints one
//! line per shape and length, and the worst ratio). `adversarial quick` runs
//! a few rounds only and checks that every shape gets the verdict it is
//! built for (scripts/test-examples.sh; the figures of a dev build are not
//! checked).

use std::fmt::Write as _;
use std::hint::black_box;

use hmac::{Hmac, KeyInit, Mac};
use jwtgate::{Algorithm, Error, Key, KeySet, Policy, Verifier, BUFFER_LEN};
use sha2::Sha256;

#[path = "../benches/common/mod.rs"]
mod common;
use common::interleaved;

type BoxError = Box<dyn std::error::Error>;

const SECRET: &[u8; 32] = b"jwtgate bench secret, 32 bytes!!";
const NOW: u64 = 1_000;

fn b64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; jwtgate::base64url_encoded_len(bytes.len())];
    let n = jwtgate::base64url_encode(bytes, &mut out).unwrap_or(0);
    out.truncate(n);
    String::from_utf8(out).unwrap_or_default()
}

/// A compact token; signed with `SECRET` when `signed`, else a zero MAC.
fn token(header: &str, claims: &str, signed: bool) -> Vec<u8> {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let mac = if signed {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET).unwrap_or_else(|_| {
            unreachable!("any key length is valid for HMAC");
        });
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    } else {
        vec![0u8; 32]
    };
    format!("{input}.{}", b64(&mac)).into_bytes()
}

/// The JSON body of `budget` bytes (about) made of `item(i)` joined by
/// commas, at most `max` items.
fn fill(budget: usize, max: usize, item: impl Fn(usize) -> String) -> String {
    let mut out = String::new();
    for i in 0..max {
        let next = item(i);
        if out.len() + next.len() + 1 > budget {
            break;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&next);
    }
    out
}

/// Bytes of JSON that fit in a base64url part of `len` bytes.
fn json_budget(len: usize) -> usize {
    len / 4 * 3
}

/// The body shapes, each about `budget` bytes of object members (126 at
/// most: with `alg` or the registered claims, within the default 128).
fn shapes(budget: usize) -> Vec<(&'static str, String)> {
    let name_len = (budget / 127).clamp(12, 200);
    let stem = "b".repeat(name_len.saturating_sub(10).max(5));
    let depth = 30;
    let nest = |i: usize| format!("\"n{i}\":{}0{}", "[".repeat(depth), "]".repeat(depth));
    let mut escaped_value = String::new();
    while escaped_value.len() + 6 < budget.saturating_sub(20) {
        escaped_value.push_str("\\u0041");
    }
    let mut mixed_escapes = String::new();
    while mixed_escapes.len() + 8 < budget.saturating_sub(20) {
        mixed_escapes.push_str("\\n\\\"\\ud83d\\ude00a");
    }
    let mut unicode = String::new();
    while unicode.len() + 4 < budget.saturating_sub(20) {
        unicode.push('\u{1F600}');
    }
    let mut numbers = String::new();
    while numbers.len() + 24 < budget.saturating_sub(20) {
        if !numbers.is_empty() {
            numbers.push(',');
        }
        numbers.push_str("-1234567.125e-308");
    }
    let mut long_number = String::from("1");
    long_number.push_str(&"0".repeat(budget.saturating_sub(20)));
    vec![
        // The review's shape: equal-length names that share their first
        // seven decoded bytes, each starting with an escape.
        (
            "duplicate candidates, escaped",
            fill(budget, 126, |i| format!("\"\\u0062{stem}{i:03}\":0")),
        ),
        (
            "duplicate candidates, plain",
            fill(budget, 126, |i| format!("\"b{stem}{i:03}\":0")),
        ),
        (
            "duplicate candidates, escaped at the end",
            fill(budget, 126, |i| format!("\"{stem}{i:03}\\u0062\":0")),
        ),
        (
            "many short members",
            fill(budget, 126, |i| format!("\"m{i:03}\":0")),
        ),
        ("deep nesting", fill(budget, 126, nest)),
        ("long escaped string", format!("\"x\":\"{escaped_value}\"")),
        (
            "mixed escapes and surrogates",
            format!("\"x\":\"{mixed_escapes}\""),
        ),
        ("long non-ASCII string", format!("\"x\":\"{unicode}\"")),
        ("many numbers", format!("\"x\":[{numbers}]")),
        ("one long number", format!("\"x\":{long_number}")),
    ]
}

/// A typical rejected token of `len` bytes: normal header and claims padded
/// with a long custom string, wrong signature.
fn typical(len: usize) -> Vec<u8> {
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let claims = |pad: usize| {
        format!(
            r#"{{"iss":"https://login.example.com/","sub":"alice","aud":"orders","exp":2000,"jti":"t-1","pad":"{}"}}"#,
            "p".repeat(pad)
        )
    };
    let mut pad = 0usize;
    loop {
        let t = token(header, &claims(pad), false);
        if t.len() >= len {
            return t;
        }
        pad += (len - t.len()) * 3 / 4 + 1;
    }
}

fn main() -> Result<(), BoxError> {
    let quick = std::env::args().nth(1).as_deref() == Some("quick");
    let (rounds, block) = if quick { (3, 5) } else { (40, 200) };
    let mut policy = Policy::new();
    policy.add_audience("orders")?;
    let verifier = Verifier::new(KeySet::single(Key::hmac(Algorithm::HS256, SECRET)?), policy);
    let mut buf = vec![0u8; BUFFER_LEN];
    let mut verdict = |t: &[u8]| verifier.verify(t, NOW, &mut buf).map(|_| ()).err();
    let mut report = String::new();
    let mut worst = (0.0f64, String::new());
    for len in [1024usize, 2048, 2560, 3072, 4096, 8000] {
        let normal = typical(len);
        if verdict(&normal) != Some(Error::InvalidSignature) {
            return Err("the baseline token is not rejected by its signature".into());
        }
        // The header part takes what the token allows besides a short
        // payload and the signature; the claims part, besides the header.
        let header_budget = json_budget(len.saturating_sub(60)).saturating_sub(20);
        let claims_budget = json_budget(len.saturating_sub(90)).saturating_sub(40);
        let mut cases: Vec<(String, Vec<u8>, Option<Error>)> = Vec::new();
        for (name, body) in shapes(header_budget) {
            let header = format!("{{\"alg\":\"HS256\",{body}}}");
            let t = token(&header, r#"{"exp":2000}"#, false);
            cases.push((format!("header: {name}"), t, Some(Error::InvalidSignature)));
        }
        for (name, body) in shapes(claims_budget) {
            let claims = format!("{{\"exp\":2000,\"aud\":\"orders\",{body}}}");
            let t = token(r#"{"alg":"HS256","typ":"JWT"}"#, &claims, true);
            cases.push((format!("claims: {name}"), t, None));
        }
        // Exactness: a duplicate among the candidates is still found.
        let candidates = shapes(header_budget);
        let (_, body) = candidates.first().ok_or("no shapes")?;
        let first = body.split(',').next().unwrap_or_default();
        let header = format!("{{\"alg\":\"HS256\",{body},{first}}}");
        cases.push((
            "header: duplicate at the end".into(),
            token(&header, r#"{"exp":2000}"#, false),
            Some(Error::DuplicateMember),
        ));
        for (name, t, expected) in cases {
            let got = verdict(&t);
            let allowed_alternatives = [Some(Error::JsonTooDeep), Some(Error::TokenTooLarge)];
            if got != expected && !allowed_alternatives.contains(&got) {
                return Err(format!("{name} ({len}): expected {expected:?}, got {got:?}").into());
            }
            let normal = typical(t.len());
            let mut b1 = vec![0u8; BUFFER_LEN];
            let mut b2 = vec![0u8; BUFFER_LEN];
            let (adv, base) = interleaved(
                rounds,
                block,
                || {
                    black_box(verifier.verify(black_box(&t), NOW, &mut b1).is_ok());
                },
                || {
                    black_box(verifier.verify(black_box(&normal), NOW, &mut b2).is_ok());
                },
            );
            let ratio = adv / base;
            writeln!(
                report,
                "{len:>5} B  {name:<48} {adv:>9.0} ns  typical {base:>7.0} ns  ratio {ratio:>5.2}  ({got:?})",
            )?;
            if ratio > worst.0 {
                worst = (ratio, format!("{name}, {len} B"));
            }
        }
    }
    print!("{report}");
    println!("worst/typical ratio {:.2} ({})", worst.0, worst.1);
    Ok(())
}
