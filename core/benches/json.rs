//! `json::for_each_member` on a realistic claims set, against serde-json-core (the usual
//! no_std choice) and serde_json deserializing the same claims into a struct.

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Deserialize;
use serde_json_core::heapless;
use std::hint::black_box;

// The scanner is crate-private; compile the same files into the bench instead of widening
// the library's API. `crate::Error` and `crate::Limits` in them resolve to these imports,
// `crate::time::NumericDate` (the NumericDate rule, which `Number` calls) to the module below.
use jwtgate::{Error, Limits};
// Checked with `--all-targets`, its test modules keep only their imports here.
#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../src/json/mod.rs"]
mod json;
#[allow(dead_code, unreachable_pub)]
#[path = "../src/time/numeric_date.rs"]
mod time;

use json::Value;

/// 300 bytes, shaped like an access token of a mainstream identity provider.
const CLAIMS: &[u8] = br#"{"iss":"https://id.example.com/","sub":"248289761001","aud":["api://orders","api://billing"],"exp":1767225600,"nbf":1767222000,"iat":1767222000,"jti":"b4f1c2d3-e5f6-4789-a0b1","sid":"s-5f2a9c1e","scope":"orders:read orders:write","roles":["admin","auditor"],"ctx":{"tenant":"acme","mfa":true,"amr":["pwd","otp"]}}"#;

#[derive(Deserialize, Default)]
#[allow(dead_code)]
struct Ctx<'a> {
    tenant: &'a str,
    mfa: bool,
    #[serde(borrow)]
    amr: heapless::Vec<&'a str, 4>,
}

#[derive(Deserialize, Default)]
#[allow(dead_code)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    #[serde(borrow)]
    aud: heapless::Vec<&'a str, 4>,
    exp: u64,
    nbf: u64,
    iat: u64,
    jti: &'a str,
    sid: &'a str,
    scope: &'a str,
    #[serde(borrow)]
    roles: heapless::Vec<&'a str, 8>,
    #[serde(borrow)]
    ctx: Ctx<'a>,
}

fn strings<'a, const N: usize>(
    value: Value<'a>,
    out: &mut heapless::Vec<&'a str, N>,
) -> Result<(), Error> {
    let Value::Array(array) = value else {
        return Err(Error::ClaimsJson);
    };
    array.for_each_element(|v| match v {
        Value::String(s) => out
            .push(s.as_str().ok_or(Error::ClaimsJson)?)
            .map_err(|_| Error::TooManyMembers),
        _ => Err(Error::ClaimsJson),
    })
}

fn string(value: Value<'_>) -> Result<&str, Error> {
    match value {
        Value::String(s) => s.as_str().ok_or(Error::ClaimsJson),
        _ => Err(Error::ClaimsJson),
    }
}

fn date(value: Value<'_>) -> Result<u64, Error> {
    match value {
        Value::Number(n) => n.as_numeric_date().map(|(s, _)| s).ok_or(Error::ClaimsJson),
        _ => Err(Error::ClaimsJson),
    }
}

/// The same struct as serde fills, through the scanner.
fn extract(doc: &[u8]) -> Result<Claims<'_>, Error> {
    let mut c = Claims::default();
    json::for_each_member(doc, 32, 128, Error::ClaimsJson, |name, value| {
        match name.as_str().unwrap_or("") {
            "iss" => c.iss = string(value)?,
            "sub" => c.sub = string(value)?,
            "aud" => strings(value, &mut c.aud)?,
            "exp" => c.exp = date(value)?,
            "nbf" => c.nbf = date(value)?,
            "iat" => c.iat = date(value)?,
            "jti" => c.jti = string(value)?,
            "sid" => c.sid = string(value)?,
            "scope" => c.scope = string(value)?,
            "roles" => strings(value, &mut c.roles)?,
            "ctx" => {
                let Value::Object(o) = value else {
                    return Err(Error::ClaimsJson);
                };
                o.for_each_member(|k, v| {
                    match k.as_str().unwrap_or("") {
                        "tenant" => c.ctx.tenant = string(v)?,
                        "mfa" => c.ctx.mfa = matches!(v, Value::Bool(true)),
                        "amr" => strings(v, &mut c.ctx.amr)?,
                        _ => {}
                    }
                    Ok(())
                })?;
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(c)
}

fn bench(c: &mut Criterion) {
    // The three decoders agree on the input.
    let ours = extract(CLAIMS)
        .ok()
        .map(|c| (c.exp, c.aud.len(), c.ctx.amr.len()));
    let theirs = serde_json_core::from_slice::<Claims>(CLAIMS)
        .ok()
        .map(|(c, _)| (c.exp, c.aud.len(), c.ctx.amr.len()));
    assert!(ours.is_some() && ours == theirs, "decoders disagree");

    let mut group = c.benchmark_group(format!("claims_{}B", CLAIMS.len()));
    group.bench_function("jwtgate_validate_iterate", |b| {
        b.iter(|| {
            let mut n = 0u32;
            let r = json::for_each_member(black_box(CLAIMS), 32, 128, Error::ClaimsJson, |_, v| {
                n += u32::from(matches!(v, Value::Number(_)));
                Ok(())
            });
            black_box((r, n))
        })
    });
    group.bench_function("jwtgate_extract_struct", |b| {
        b.iter(|| black_box(extract(black_box(CLAIMS)).map(|c| c.exp)))
    });
    group.bench_function("serde_json_core_from_slice", |b| {
        b.iter(|| {
            let r = serde_json_core::from_slice::<Claims>(black_box(CLAIMS));
            black_box(r.map(|(c, _)| c.exp))
        })
    });
    group.bench_function("serde_json_from_slice", |b| {
        b.iter(|| {
            let r = serde_json::from_slice::<Claims>(black_box(CLAIMS));
            black_box(r.map(|c| c.exp).ok())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
