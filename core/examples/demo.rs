//! The whole flow in one process: issue tokens, revoke some, verify.
//!
//! It also writes what it issued to a folder (default `target/demo`) so
//! the C, Go and Python demos verify the very same tokens against the very
//! same denylist:
//!
//! - `hs256.secret`: the HMAC secret (raw bytes)
//! - `jwks.json`: the public Ed25519 key as a JWKS
//! - `denylist.bin`: the denylist snapshot
//! - `tokens.tsv`: `name <TAB> expected outcome <TAB> token`, one a line
//! - `now`: the time every demo verifies at
//!
//! Run: `cargo run -p jwtgate --example demo [-- OUT_DIR]`

// The workspace denies slicing in library code; an example slices buffers
// it sized itself, which reads better than `.get()` chains.
#![allow(clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::path::PathBuf;

use jwtgate::{
    Algorithm, Denylist, DenylistBuilder, DenylistConfig, HeaderFields, Key, KeySet, Policy,
    Revocation, Verifier, BUFFER_LEN,
};

const NOW: u64 = 1_760_000_000;
const EXP: u64 = NOW + 900;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/demo".into()),
    );
    std::fs::create_dir_all(&out_dir)?;

    // The issuer's keys: a shared HMAC secret and an Ed25519 key pair.
    let secret = *b"demo secret: 32 bytes or longer!";
    let hs = Key::hmac(Algorithm::HS256, &secret)?.with_kid("hs-1")?;
    let ed = Key::ed25519_private(&[0x5a; 32])?.with_kid("ed-1")?;

    // Tokens: alice logs in twice (two sessions), bob once, carol once.
    let issue = |key: &Key, sub: &str, sid: &str, jti: &str| -> Result<String, jwtgate::Error> {
        let claims = format!(
            r#"{{"iss":"https://auth.demo","aud":"api","sub":"{sub}","sid":"{sid}","jti":"{jti}","iat":{},"exp":{EXP}}}"#,
            NOW - 60
        );
        let mut out = [0u8; 1024];
        let n = jwtgate::encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out)?;
        Ok(String::from_utf8_lossy(&out[..n]).into_owned())
    };
    let tokens = [
        (
            "alice-laptop",
            "valid",
            issue(&hs, "alice", "s-alice-1", "t-1")?,
        ),
        (
            "alice-phone",
            "revoked",
            issue(&ed, "alice", "s-alice-2", "t-2")?,
        ),
        ("bob", "revoked", issue(&hs, "bob", "s-bob-1", "t-3")?),
        ("carol", "revoked", issue(&ed, "carol", "s-carol-1", "t-4")?),
        ("dave", "valid", issue(&ed, "dave", "s-dave-1", "t-5")?),
    ];

    // Revocations: alice logs out on her phone (session), bob's token is
    // stolen (token), carol is logged out everywhere (subject).
    let revocations = [
        Revocation::Session {
            sid: b"s-alice-2",
            until: EXP,
        },
        Revocation::Token {
            jti: b"t-3",
            until: EXP,
        },
        Revocation::Subject {
            sub: b"carol",
            issued_before: NOW,
            below_version: 0,
            until: EXP,
        },
    ];
    let builder = DenylistBuilder::new(DenylistConfig::new(*b"demo-seed-16byte", NOW));
    let mut snapshot = vec![0u8; builder.required_len(&revocations)?];
    let len = builder.build(&revocations, &mut snapshot)?;
    snapshot.truncate(len);
    let denylist = Denylist::from_bytes(&snapshot)?;

    // The service side: public keys only, and the denylist.
    let mut keys = KeySet::new();
    keys.add(hs.clone())?;
    keys.add(ed.to_public().ok_or("no public key")?)?;
    let mut policy = Policy::new();
    policy.add_issuer("https://auth.demo")?;
    policy.add_audience("api")?;
    let verifier = Verifier::new(keys, policy).with_denylist(denylist);

    println!(
        "jwtgate demo (Rust): {} revocations, denylist {} bytes",
        revocations.len(),
        snapshot.len()
    );
    let mut tsv = String::new();
    let mut buf = [0u8; BUFFER_LEN];
    let mut mismatches = 0;
    for (name, expected, token) in &tokens {
        let (class, detail) = match verifier.verify(token.as_bytes(), NOW, &mut buf) {
            Ok(v) => (
                "valid",
                format!(
                    "sub {}",
                    v.claims().sub().and_then(|s| s.as_str()).unwrap_or("?")
                ),
            ),
            Err(e @ jwtgate::Error::Revoked(_)) => ("revoked", format!("{e} [{}]", e.code())),
            Err(e) => ("rejected", format!("{e} [{}]", e.code())),
        };
        let ok = class == *expected;
        mismatches += usize::from(!ok);
        println!(
            "  {name:<13} {class:<8} {detail}{}",
            if ok { "" } else { "  <-- UNEXPECTED" }
        );
        writeln!(tsv, "{name}\t{expected}\t{token}")?;
    }

    let x = ed.ed25519_public_bytes().ok_or("no public key")?;
    let mut x_b64 = [0u8; 43];
    let x_len = jwtgate::base64url_encode(&x, &mut x_b64)?;
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"ed-1","x":"{}"}}]}}"#,
        std::str::from_utf8(&x_b64[..x_len])?
    );
    std::fs::write(out_dir.join("hs256.secret"), secret)?;
    std::fs::write(out_dir.join("jwks.json"), jwks)?;
    std::fs::write(out_dir.join("denylist.bin"), &snapshot)?;
    std::fs::write(out_dir.join("tokens.tsv"), tsv)?;
    std::fs::write(out_dir.join("now"), NOW.to_string())?;
    println!("  wrote tokens, keys and denylist to {}", out_dir.display());
    if mismatches != 0 {
        return Err(format!("{mismatches} unexpected outcomes").into());
    }
    Ok(())
}
