//! Denylist benchmarks at a million entries: lookup (absent and present key,
//! with and without fingerprints), build time, load (checksum) time, size.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::as_conversions
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use jwtgate::{Denylist, DenylistBuilder, DenylistConfig, Revocation, TokenIds};

const NOW: u64 = 1_700_000_000;
const N: usize = 1_000_000;
const DAY: u64 = 86_400;

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A UUID-like 36-byte jti, the common shape in practice.
fn jti(prefix: u8, i: u64) -> [u8; 36] {
    let mut out = [b'-'; 36];
    out[0] = prefix;
    let hex = b"0123456789abcdef";
    let (a, b) = (mix(i), mix(i ^ 0xdead_beef));
    for (k, o) in out.iter_mut().enumerate().skip(1) {
        let nib = if k < 17 {
            a >> (4 * (k - 1))
        } else {
            b >> (4 * (k % 16))
        };
        *o = hex[(nib & 15) as usize];
    }
    out
}

fn entries(ids: &[[u8; 36]]) -> Vec<Revocation<'_>> {
    ids.iter()
        .enumerate()
        .map(|(i, j)| Revocation::Token {
            jti: j,
            until: NOW + 1 + mix(i as u64) % DAY,
        })
        .collect()
}

fn exp_of(e: &Revocation<'_>) -> u64 {
    let Revocation::Token { until: exp, .. } = *e else {
        unreachable!()
    };
    exp
}

fn build(entries: &[Revocation<'_>], fingerprints: bool) -> Vec<u8> {
    let builder = DenylistBuilder::new(DenylistConfig {
        fingerprints,
        ..DenylistConfig::new([7; 16], NOW)
    });
    let mut buf = vec![0u8; builder.required_len(entries).unwrap()];
    builder.build(entries, &mut buf).unwrap();
    buf
}

fn benches(c: &mut Criterion) {
    let ids: Vec<_> = (0..N as u64).map(|i| jti(b'p', i)).collect();
    let entries = entries(&ids);
    let absent: Vec<_> = (0..4096u64).map(|i| jti(b'a', i)).collect();

    for fingerprints in [true, false] {
        let bytes = build(&entries, fingerprints);
        let d = Denylist::from_bytes(&bytes).unwrap();
        let tag = if fingerprints {
            "fingerprints"
        } else {
            "bloom-only"
        };
        eprintln!(
            "{tag}: {} bytes for {N} entries = {:.1} bits/entry (bloom {:.1} bits/key), {} segments",
            bytes.len(),
            d.bits_per_entry(),
            d.bloom_bits_per_key(),
            d.segment_count()
        );
        let mut i = 0usize;
        c.bench_function(&format!("lookup/absent/{tag}"), |b| {
            b.iter(|| {
                i = (i + 1) & 4095;
                let exp = NOW + 1 + mix(i as u64) % DAY;
                let ids = TokenIds {
                    exp: Some(exp),
                    jti: Some(&absent[i]),
                    ..TokenIds::default()
                };
                black_box(d.check(black_box(&ids), NOW))
            })
        });
        let mut i = 0usize;
        c.bench_function(&format!("lookup/present/{tag}"), |b| {
            b.iter(|| {
                i = (i + 7919) % N;
                let Revocation::Token { jti, until: exp } = entries[i] else {
                    unreachable!()
                };
                let ids = TokenIds {
                    exp: Some(exp),
                    jti: Some(jti),
                    ..TokenIds::default()
                };
                black_box(d.check(black_box(&ids), NOW))
            })
        });
        // The same present keys in the same order, copied into one array
        // read sequentially: the line above also pays the harness's own
        // cache misses (a random `entries[i]`, then its jti elsewhere),
        // which the prefetcher hides here, leaving the denylist's own
        // (bloom block, then table slot).
        let in_order: Vec<([u8; 36], u64)> = (0..N)
            .map(|k| {
                let j = (k * 7919) % N;
                (ids[j], exp_of(&entries[j]))
            })
            .collect();
        let mut i = 0usize;
        c.bench_function(&format!("lookup/present-ids-in-order/{tag}"), |b| {
            b.iter(|| {
                i = (i + 1) % N;
                let (jti, exp) = &in_order[i];
                let ids = TokenIds {
                    exp: Some(*exp),
                    jti: Some(jti),
                    ..TokenIds::default()
                };
                black_box(d.check(black_box(&ids), NOW))
            })
        });
    }

    // A small denylist stays in cache: the pure compute cost of a lookup.
    let small = build(&entries[..1000], true);
    let d = Denylist::from_bytes(&small).unwrap();
    let mut i = 0usize;
    c.bench_function("lookup/absent/1k-in-cache", |b| {
        b.iter(|| {
            i = (i + 1) & 4095;
            let exp = NOW + 1 + mix(i as u64) % DAY;
            let ids = TokenIds {
                exp: Some(exp),
                jti: Some(&absent[i]),
                ..TokenIds::default()
            };
            black_box(d.check(black_box(&ids), NOW))
        })
    });

    let mut g = c.benchmark_group("1M");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let builder = DenylistBuilder::new(DenylistConfig::new([7; 16], NOW));
    let mut buf = vec![0u8; builder.required_len(&entries).unwrap()];
    g.bench_function("build", |b| {
        b.iter(|| builder.build(black_box(&entries), &mut buf).unwrap())
    });
    let bytes = build(&entries, true);
    g.bench_function("from_bytes", |b| {
        b.iter(|| Denylist::from_bytes(black_box(&bytes)).is_ok())
    });
    g.bench_function("from_trusted_bytes", |b| {
        b.iter(|| Denylist::from_trusted_bytes(black_box(&bytes)).is_ok())
    });
    g.finish();
}

criterion_group!(denylist, benches);
criterion_main!(denylist);
