//! Writes the denylist the C and Go tests load (they have no builder of
//! their own: building denylists is the issuing side's job).
//!
//! `cargo run -p jwtgate-ffi --example c_fixtures -- OUT_DIR` writes
//! `OUT_DIR/denylist.bin`, built at `NOW` = 1760000000 and revoking the
//! token `jti` "t-revoked", the session `sid` "s-revoked" and every token
//! of `sub` "u-revoked" issued before `NOW`, all until `NOW + 3600`; and
//! `OUT_DIR/denylist-empty.bin`, revoking nothing (the file-watch test
//! swaps one for the other); and `OUT_DIR/rules.txt`, the cross-binding
//! rule table `tests/fixtures/rules.json` in a line format C reads with
//! `sscanf` (see `rules_text`).

// serde_json::Value indexing gives Null for a missing member; it does not panic.
#![allow(clippy::indexing_slicing)]

use std::path::PathBuf;

use jwtgate_core::{Config, DenylistBuilder, Revocation};

const NOW: u64 = 1_760_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: c_fixtures OUT_DIR")?);
    std::fs::create_dir_all(&out)?;
    let until = NOW + 3600;
    let entries = [
        Revocation::Token {
            jti: b"t-revoked",
            until,
        },
        Revocation::Session {
            sid: b"s-revoked",
            until,
        },
        Revocation::Subject {
            sub: b"u-revoked",
            issued_before: NOW,
            below_version: 0,
            until,
        },
    ];
    let builder = DenylistBuilder::new(Config::new(*b"jwtgate-c-tests!", NOW));
    let mut bytes = vec![0u8; builder.required_len(&entries)?];
    let len = builder.build(&entries, &mut bytes)?;
    bytes.truncate(len);
    std::fs::write(out.join("denylist.bin"), &bytes)?;
    let mut empty = vec![0u8; builder.required_len(&[])?];
    let len = builder.build(&[], &mut empty)?;
    empty.truncate(len);
    std::fs::write(out.join("denylist-empty.bin"), &empty)?;
    std::fs::write(out.join("rules.txt"), rules_text()?)?;
    Ok(())
}

fn hex(s: &str) -> String {
    if s.is_empty() {
        return "-".to_owned();
    }
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// `tests/fixtures/rules.json` as lines, every string hex-encoded (`-` for
/// an empty one), so that C needs no JSON parser:
///
/// ```text
/// case CODE NAME_HEX
/// key ALG KID_HEX_OR_NONE SECRET_HEX      (NONE: no kid)
/// list NAME COUNT HEX...                  (algorithms, issuers, audiences, required)
/// num NAME VALUE                          (leeway, max_age)
/// str NAME HEX                            (typ)
/// bool NAME 0|1                           (verify_*)
/// end
/// ```
fn rules_text() -> Result<String, Box<dyn std::error::Error>> {
    use std::fmt::Write as _;
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/fixtures/rules.json"))?;
    let mut out = String::new();
    for case in table["cases"].as_array().ok_or("cases")? {
        let name = case["name"].as_str().ok_or("name")?;
        writeln!(out, "case {} {}", case["code"], hex(name))?;
        for key in case["keys"].as_array().ok_or("keys")? {
            let kid = key["kid"].as_str().map_or("NONE".to_owned(), hex);
            let secret = hex(key["secret"].as_str().ok_or("secret")?);
            writeln!(
                out,
                "key {} {kid} {secret}",
                key["alg"].as_str().ok_or("alg")?
            )?;
        }
        for (option, value) in case["options"].as_object().ok_or("options")? {
            match value {
                serde_json::Value::Array(items) => {
                    let items: Vec<String> =
                        items.iter().filter_map(|v| v.as_str()).map(hex).collect();
                    writeln!(out, "list {option} {} {}", items.len(), items.join(" "))?;
                }
                serde_json::Value::Number(n) => writeln!(out, "num {option} {n}")?,
                serde_json::Value::String(s) => writeln!(out, "str {option} {}", hex(s))?,
                serde_json::Value::Bool(b) => writeln!(out, "bool {option} {}", u8::from(*b))?,
                other => return Err(format!("option {option}: {other}").into()),
            }
        }
        writeln!(out, "end")?;
    }
    Ok(out)
}
