//! The Rust side of `bench/overhead.sh`, which compares the core with the
//! C ABI (from C) and the Go package on the very same token.
//!
//! - `overhead` prints the token: HS256 over the claims of the benchmarks
//!   (`benches/common`), signed with the secret `bench/overhead.c` and
//!   `go/overhead_test.go` use.
//! - `overhead TOKEN` times `Verifier::verify` on it with their policy
//!   (issuer, audience `orders`, no denylist) and clock: the fastest of
//!   many short blocks, in ns per call; then the same reading every claim
//!   the C ABI writes out (the like-for-like baseline of
//!   `jg_verifier_verify` with a `jg_claims`); then the same on two threads at
//!   once, as a throughput ratio to one thread (what this machine gives a
//!   perfectly parallel workload, the yardstick for Go's `RunParallel`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};

#[path = "../benches/common/mod.rs"]
mod common;
#[path = "../benches/common/read.rs"]
mod read;
use jwtgate as jg;

type Error = Box<dyn std::error::Error>;

const SECRET: &[u8; 32] = b"jwtgate bench secret, 32 bytes!!";
const NOW: u64 = 3_999_990_000;
const BLOCK: u32 = 2000;

fn verifier() -> Result<Verifier<'static>, Error> {
    let mut policy = Policy::new();
    policy.add_issuer("https://login.example.com/")?;
    policy.add_audience("orders")?;
    Ok(Verifier::new(
        KeySet::single(Key::hmac(Algorithm::HS256, SECRET)?),
        policy,
    ))
}

/// Nanoseconds per call of the fastest block within `budget`; with
/// `read_claims`, each call also reads every claim the C ABI writes out
/// ([`read::read_all`]).
fn fastest_block(
    verifier: &Verifier<'_>,
    token: &[u8],
    read_claims: bool,
    budget: Duration,
) -> f64 {
    let mut buf = [0u8; BUFFER_LEN];
    let mut scratch = [0u8; BUFFER_LEN];
    let mut best = f64::MAX;
    let start = Instant::now();
    while start.elapsed() < budget {
        let t = Instant::now();
        for _ in 0..BLOCK {
            let result = verifier.verify(black_box(token), NOW, &mut buf);
            if let (true, Ok(verified)) = (read_claims, &result) {
                read::read_all(verified, &mut scratch);
            }
            black_box(result.is_ok());
        }
        best = best.min(t.elapsed().as_secs_f64() * 1e9 / f64::from(BLOCK));
    }
    best
}

/// Verifications per second of `threads` threads for `budget`.
fn throughput(verifier: &Verifier<'_>, token: &[u8], threads: usize, budget: Duration) -> f64 {
    let total: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut buf = [0u8; BUFFER_LEN];
                    let mut n = 0u64;
                    let start = Instant::now();
                    while start.elapsed() < budget {
                        for _ in 0..BLOCK {
                            black_box(verifier.verify(black_box(token), NOW, &mut buf).is_ok());
                        }
                        n += u64::from(BLOCK);
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    // Counts stay far below 2^53, so the conversion is exact.
    f64::from(u32::try_from(total).unwrap_or(u32::MAX)) / budget.as_secs_f64()
}

fn main() -> Result<(), Error> {
    let verifier = verifier()?;
    let Some(token) = std::env::args().nth(1) else {
        let key = Key::hmac(Algorithm::HS256, SECRET)?;
        let mut out = [0u8; 2048];
        let n = jwtgate::encode(
            &key,
            common::CLAIMS.as_bytes(),
            &HeaderFields::new(),
            &mut out,
        )?;
        println!("{}", std::str::from_utf8(out.get(..n).ok_or("short")?)?);
        return Ok(());
    };
    let mut buf = [0u8; BUFFER_LEN];
    verifier.verify(token.as_bytes(), NOW, &mut buf)?;
    let ns = fastest_block(
        &verifier,
        token.as_bytes(),
        false,
        Duration::from_millis(1500),
    );
    println!("rust_core_ns {ns:.1}");
    let read_ns = fastest_block(
        &verifier,
        token.as_bytes(),
        true,
        Duration::from_millis(1500),
    );
    println!("rust_core_read_ns {read_ns:.1}");
    let one = throughput(&verifier, token.as_bytes(), 1, Duration::from_millis(1000));
    let two = throughput(&verifier, token.as_bytes(), 2, Duration::from_millis(1000));
    println!("rust_core_parallel_scaling {:.2}", two / one);
    Ok(())
}
