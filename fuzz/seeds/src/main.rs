//! Writes `fuzz/corpus/<target>/` seeds for the raw-bytes targets (`verify`'s
//! and `json`'s claims also for `cache_equiv`): valid
//! tokens for every algorithm, revoked tokens, the RFC vectors, every hostile
//! case of `core/tests/hostile.rs`, JWKS documents and denylist files.
//!
//! cargo run --manifest-path fuzz/seeds/Cargo.toml -- fuzz/corpus
//!
//! The structure-aware targets (`verify_structured`, `differential`,
//! `denylist_build`) take `arbitrary`-encoded inputs: their seeds are a
//! minimized sample of their own fuzzing runs instead.
#![allow(clippy::unwrap_used)]

#[path = "../../src/lib.rs"]
#[allow(dead_code)]
mod harness;

use std::path::Path;

use harness::*;
use jwtgate::{Config, DenylistBuilder, Revocation};

const HS: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

fn claims() -> String {
    format!(
        r#"{{"iss":"{ISSUER}","sub":"user-1","aud":"{AUDIENCE}","exp":{},"iat":{},"jti":"t-1","sid":"s-1"}}"#,
        NOW + 600,
        NOW - 60
    )
}

fn claims_with(extra: &str) -> String {
    format!(
        r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{}{extra}}}"#,
        NOW + 600
    )
}

/// (name, header JSON, claims JSON, signing algorithm)
fn token_cases() -> Vec<(String, String, String, Alg)> {
    let c = claims();
    let mut v: Vec<(String, String, String, Alg)> = vec![
        ("hs256".into(), HS.into(), c.clone(), Alg::HS256),
        (
            "hs256-kid".into(),
            r#"{"alg":"HS256","kid":"hs"}"#.into(),
            c.clone(),
            Alg::HS256,
        ),
        (
            "hs384".into(),
            r#"{"alg":"HS384"}"#.into(),
            c.clone(),
            Alg::HS384,
        ),
        (
            "hs512".into(),
            r#"{"alg":"HS512"}"#.into(),
            c.clone(),
            Alg::HS512,
        ),
        (
            "eddsa".into(),
            r#"{"alg":"EdDSA","kid":"ed"}"#.into(),
            c.clone(),
            Alg::EdDSA,
        ),
        (
            "revoked-jti".into(),
            HS.into(),
            format!(
                r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{REVOKED_JTI_EXP},"jti":"{REVOKED_JTI}"}}"#
            ),
            Alg::HS256,
        ),
        (
            "revoked-jti-escaped".into(),
            HS.into(),
            format!(
                r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{REVOKED_JTI_EXP},"jti":"t\u002drevoked"}}"#
            ),
            Alg::HS256,
        ),
        (
            "revoked-sid".into(),
            HS.into(),
            claims_with(&format!(r#","sid":"{REVOKED_SID}""#)),
            Alg::HS256,
        ),
        (
            "revoked-sub".into(),
            HS.into(),
            claims_with(&format!(r#","sub":"{REVOKED_SUB}","iat":{}"#, NOW - 2000)),
            Alg::HS256,
        ),
        (
            "revoked-sub-ver".into(),
            HS.into(),
            claims_with(&format!(r#","sub":"{REVOKED_SUB}","iat":{},"ver":2"#, NOW)),
            Alg::HS256,
        ),
        (
            "sub-current-ver".into(),
            HS.into(),
            claims_with(&format!(r#","sub":"{REVOKED_SUB}","iat":{},"ver":3"#, NOW)),
            Alg::HS256,
        ),
        (
            "aud-array".into(),
            HS.into(),
            format!(
                r#"{{"iss":"{ISSUER}","aud":["x","{AUDIENCE}"],"exp":{}}}"#,
                NOW + 600
            ),
            Alg::HS256,
        ),
        (
            "frac-exp".into(),
            HS.into(),
            format!(
                r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{}.5,"nbf":1.7e9}}"#,
                NOW + 600
            ),
            Alg::HS256,
        ),
        (
            "escaped-iss".into(),
            HS.into(),
            c.replace("https://", r"https:\/\/"),
            Alg::HS256,
        ),
        (
            "alg-escaped".into(),
            r#"{"alg":"HS\u003256"}"#.into(),
            c.clone(),
            Alg::HS256,
        ),
        (
            "typ-at-jwt".into(),
            r#"{"alg":"HS256","typ":"application/at+jwt"}"#.into(),
            c.clone(),
            Alg::HS256,
        ),
        (
            "jku-ignored".into(),
            r#"{"alg":"HS256","jku":"https://attacker.example/jwks"}"#.into(),
            c.clone(),
            Alg::HS256,
        ),
    ];
    // Hostile cases (core/tests/hostile.rs), each correctly signed so the
    // rule, not the signature, rejects it.
    let hostile: &[(&str, &str, String)] = &[
        ("unknown-alg", r#"{"alg":"HS257"}"#, c.clone()),
        ("lowercase-alg", r#"{"alg":"hs256"}"#, c.clone()),
        ("missing-alg", r#"{"typ":"JWT"}"#, c.clone()),
        ("numeric-alg", r#"{"alg":256}"#, c.clone()),
        (
            "crit",
            r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
            c.clone(),
        ),
        (
            "b64-false",
            r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
            c.clone(),
        ),
        ("dup-alg", r#"{"alg":"HS256","alg":"HS256"}"#, c.clone()),
        ("dup-exp", HS, claims_with(r#","exp":1"#)),
        ("dup-exp-escaped", HS, claims_with(r#","\u0065xp":1"#)),
        (
            "dup-custom",
            HS,
            claims_with(r#","role":"user","role":"admin""#),
        ),
        ("header-not-json", "not json", c.clone()),
        ("header-array", r#"["HS256"]"#, c.clone()),
        ("claims-not-json", HS, "not json".into()),
        ("trailing-comma", HS, format!(r#"{{"exp":{},}}"#, NOW + 600)),
        (
            "trailing-garbage",
            HS,
            format!(r#"{{"exp":{}}} x"#, NOW + 600),
        ),
        ("empty-claims", HS, String::new()),
        ("exp-string", HS, r#"{"exp":"1800000000"}"#.into()),
        ("exp-bool", HS, r#"{"exp":true}"#.into()),
        ("exp-negative", HS, r#"{"exp":-1}"#.into()),
        ("exp-huge", HS, r#"{"exp":1e400}"#.into()),
        (
            "exp-too-many-digits",
            HS,
            r#"{"exp":99999999999999999999}"#.into(),
        ),
        (
            "aud-mixed",
            HS,
            claims_with(r#","aud2":["a",1]"#).replace("aud2", "x"),
        ),
        (
            "aud-bad-element",
            HS,
            format!(r#"{{"iss":"{ISSUER}","aud":["a",1],"exp":{}}}"#, NOW + 600),
        ),
        (
            "aud-substring",
            HS,
            format!(
                r#"{{"iss":"{ISSUER}","aud":"ordersX","exp":{}}}"#,
                NOW + 600
            ),
        ),
        (
            "aud-empty",
            HS,
            format!(r#"{{"iss":"{ISSUER}","aud":[],"exp":{}}}"#, NOW + 600),
        ),
        (
            "iss-prefix",
            HS,
            c.replace(ISSUER, "https://issuer.example.evil"),
        ),
        (
            "expired",
            HS,
            format!(r#"{{"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{NOW}}}"#),
        ),
        (
            "not-yet-valid",
            HS,
            claims_with(&format!(r#","nbf":{}"#, NOW + 10)),
        ),
        (
            "iat-future",
            HS,
            claims_with(&format!(r#","iat":{}"#, NOW + 10)),
        ),
        (
            "deep",
            HS,
            claims_with(&format!(r#","deep":{}{}"#, "[".repeat(40), "]".repeat(40))),
        ),
        (
            "very-deep",
            HS,
            claims_with(&format!(r#","deep":{}"#, "[".repeat(2000))),
        ),
        (
            "many-members",
            HS,
            claims_with(
                &(0..200)
                    .map(|i| format!(r#","c{i}":{i}"#))
                    .collect::<String>(),
            ),
        ),
        ("lone-surrogate", HS, claims_with(r#","x":"\ud800""#)),
        ("nul-escape", HS, claims_with(r#","jti":"a\u0000b""#)),
    ];
    for (name, h, cl) in hostile {
        v.push(((*name).into(), (*h).into(), cl.clone(), Alg::HS256));
    }
    v
}

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(name), bytes).unwrap();
    // `cache_equiv` takes the tokens of `verify`, and claims (which it signs).
    if target == "verify" || (target == "json" && name.starts_with("claims-")) {
        write(dir, "cache_equiv", name, bytes);
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/corpus".into());
    let dir = Path::new(&dir);

    let v = verifier();
    for (name, header, claims, alg) in token_cases() {
        let t = token(alg, header.as_bytes(), claims.as_bytes());
        let mut buf = [0u8; jwtgate::BUFFER_LEN];
        let r = v.verify(t.as_bytes(), NOW, &mut buf).map(|_| ());
        println!("{name}: {r:?}");
        write(dir, "verify", &name, t.as_bytes());
        write(dir, "json", &format!("claims-{name}"), claims.as_bytes());
        write(
            dir,
            "base64",
            &format!("claims-{name}"),
            b64(claims.as_bytes()).as_bytes(),
        );
    }
    for (name, header) in [
        ("hs", HS),
        ("ed", r#"{"alg":"EdDSA","kid":"ed"}"#),
        ("crit", r#"{"alg":"HS256","crit":["x"]}"#),
    ] {
        write(dir, "json", &format!("header-{name}"), header.as_bytes());
    }
    let good = token(Alg::HS256, HS.as_bytes(), claims().as_bytes());
    let (input, sig) = good.rsplit_once('.').unwrap();
    let header_b64 = input.split_once('.').unwrap().0;
    let claims_b64 = b64(claims().as_bytes());
    // Structure and encoding attacks on a valid token.
    let structural: Vec<(&str, String)> = vec![
        ("none", format!("{}.{}.", b64(br#"{"alg":"none"}"#), claims_b64)),
        ("two-parts", input.to_string()),
        ("four-parts", format!("{good}.{sig}")),
        ("jwe-five-parts", format!("{header_b64}.a.b.c.d")),
        ("empty-header", format!(".{claims_b64}.{sig}")),
        ("sig-padded", format!("{input}.{sig}=")),
        ("sig-std-alphabet", format!("{input}.{}", sig.replace('-', "+").replace('_', "/"))),
        ("leading-space", format!(" {good}")),
        ("truncated-sig", format!("{input}.{}", &sig[..20])),
        ("no-sig", format!("{input}.")),
        ("zero-ed-sig", format!("{}.{}.{}", b64(br#"{"alg":"EdDSA"}"#), claims_b64, b64(&[0u8; 64]))),
        ("confusion-hmac-with-ed-public", {
            let public = jwtgate::Key::ed25519_private(&ED_SEED).unwrap().ed25519_public_bytes().unwrap();
            use hmac::{Hmac, KeyInit, Mac};
            let input = format!("{}.{}", b64(br#"{"alg":"HS256","kid":"ed"}"#), claims_b64);
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(&public).unwrap();
            m.update(input.as_bytes());
            format!("{input}.{}", b64(&m.finalize().into_bytes()))
        }),
        ("rfc7515-a1", "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
        ("rfc8037-a4", "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg".into()),
        ("rfc7520-4-4", "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0".into()),
    ];
    for (name, t) in &structural {
        write(dir, "verify", name, t.as_bytes());
    }
    for (name, s) in [
        ("sig", sig.to_string()),
        ("padded", format!("{sig}=")),
        ("std", "Zm+v".into()),
        ("nonzero-bits", "Zh".into()),
        ("one-char", "Z".into()),
        ("space", "Zm9 v".into()),
        ("empty", String::new()),
        ("non-ascii", "Zm9\u{e9}".into()),
    ] {
        write(dir, "base64", name, s.as_bytes());
    }
    let json_extra: &[(&str, &str)] = &[
        ("escapes", r#"{"a":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#),
        (
            "numbers",
            r#"{"a":0,"b":-0,"c":1.5e-3,"d":1E+2,"e":-12.0e0,"f":123456789012345678901234567890}"#,
        ),
        ("leading-zero", r#"{"a":01}"#),
        ("control-char", "{\"a\":\"\u{1}\"}"),
        ("bad-escape", r#"{"a":"\x"}"#),
        ("unpaired-low", r#"{"a":"\udc00"}"#),
        ("nested-dup", r#"{"a":{"b":1,"b":2}}"#),
        ("ws", " \t\r\n{ \"a\" : [ 1 , true , null , { } ] } \n"),
        ("bom", "\u{feff}{}"),
        ("literals", r#"{"t":true,"f":false,"n":null,"tr":tru}"#),
    ];
    for (name, j) in json_extra {
        write(dir, "json", name, j.as_bytes());
    }

    // JWKS documents.
    let k = b64(SECRET);
    let x = b64(&jwtgate::Key::ed25519_private(&ED_SEED)
        .unwrap()
        .ed25519_public_bytes()
        .unwrap());
    let d = b64(&ED_SEED);
    let jwks: Vec<(&str, String)> = vec![
        ("oct", format!(r#"{{"keys":[{{"kty":"oct","alg":"HS256","kid":"hs","k":"{k}"}}]}}"#)),
        ("okp", format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"{x}"}}]}}"#)),
        ("okp-private", format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","d":"{d}","alg":"EdDSA","use":"sig"}}]}}"#)),
        ("okp-private-mismatch", format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{x}","d":"{k}"}}]}}"#)),
        ("rfc8037", r#"{"keys":[{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#.into()),
        ("rfc7520-oct", r#"{"keys":[{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}]}"#.into()),
        ("mixed-secret-public", format!(r#"{{"keys":[{{"kty":"oct","alg":"HS256","k":"{k}"}},{{"kty":"OKP","crv":"Ed25519","x":"{x}"}}]}}"#)),
        ("dup-kid", format!(r#"{{"keys":[{{"kty":"oct","alg":"HS256","kid":"a","k":"{k}"}},{{"kty":"oct","alg":"HS256","kid":"a","k":"{k}"}}]}}"#)),
        ("dup-member", format!(r#"{{"keys":[{{"kty":"oct","alg":"HS256","k":"{k}","k":"{k}"}}]}}"#)),
        ("short-secret", r#"{"keys":[{"kty":"oct","alg":"HS256","k":"c2hvcnQ"}]}"#.into()),
        ("no-alg", format!(r#"{{"keys":[{{"kty":"oct","k":"{k}"}}]}}"#)),
        ("skipped", r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"EC","crv":"P-256"},{"kty":"oct","alg":"HS256","use":"enc","k":"x"}]}"#.into()),
        ("key-ops", format!(r#"{{"keys":[{{"kty":"oct","alg":"HS256","key_ops":["sign"],"k":"{k}"}}]}}"#)),
        ("small-order-x", r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#.into()),
        ("escaped-k", format!(r#"{{"keys":[{{"kty":"oct","alg":"HS256","k":"\u0041{}"}}]}}"#, &k[1..])),
        ("no-keys", r#"{"other":[]}"#.into()),
        ("keys-not-array", r#"{"keys":{}}"#.into()),
        ("many", format!(r#"{{"keys":[{}]}}"#, (0..20).map(|i| format!(r#"{{"kty":"oct","alg":"HS256","kid":"{i}","k":"{k}"}}"#)).collect::<Vec<_>>().join(","))),
    ];
    for (name, doc) in &jwks {
        write(dir, "jwks", name, doc.as_bytes());
    }

    // Denylist files.
    write(dir, "denylist_load", "harness", denylist_bytes());
    let entries = [
        Revocation::Token {
            jti: b"t",
            until: NOW + 60,
        },
        Revocation::Session {
            sid: b"s",
            until: NOW + 7200,
        },
        Revocation::Subject {
            sub: b"u",
            issued_before: NOW,
            below_version: 2,
            until: NOW + 3600,
        },
    ];
    for (name, width, bits, fp) in [
        ("default", 3600, 16, true),
        ("no-fingerprints", 3600, 16, false),
        ("narrow", 1, 1, true),
        ("wide", 1 << 40, 64, true),
    ] {
        let mut config = Config::new([1; 16], NOW);
        config.segment_width = width;
        config.bloom_bits_per_entry = bits;
        config.fingerprints = fp;
        let b = DenylistBuilder::new(config);
        let mut out = vec![0u8; b.required_len(&entries).unwrap()];
        let n = b.build(&entries, &mut out).unwrap();
        write(dir, "denylist_load", name, &out[..n]);
    }
    let b = DenylistBuilder::new(Config::new([1; 16], NOW));
    let mut out = vec![0u8; b.required_len(&[]).unwrap()];
    let n = b.build(&[], &mut out).unwrap();
    write(dir, "denylist_load", "empty", &out[..n]);
    write(dir, "denylist_load", "truncated", &denylist_bytes()[..100]);
}
