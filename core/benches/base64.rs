//! Strict base64url decoding of a realistic claims payload: ours against
//! `base64ct` (the design card's default), the measured reason we replaced it.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, Criterion};

mod common;
use common::CLAIMS;

fn benches(c: &mut Criterion) {
    let encoded = Base64UrlUnpadded::encode_string(CLAIMS.as_bytes());
    let mut out = [0u8; 512];
    let mut group = c.benchmark_group("base64url decode (claims)");
    group.bench_function("jwtgate", |b| {
        b.iter(|| jwtgate::base64url_decode(black_box(encoded.as_bytes()), &mut out).unwrap())
    });
    group.bench_function("base64ct", |b| {
        b.iter(|| {
            Base64UrlUnpadded::decode(black_box(encoded.as_bytes()), &mut out)
                .unwrap()
                .len()
        })
    });
    group.finish();
}

criterion_group!(base64, benches);
criterion_main!(base64);
