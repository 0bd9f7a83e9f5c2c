//! The slowest header and claims documents (issue 20, item 1): parses the
//! input as a header and as claims, times both against a typical claims
//! document of the same length (normal claims and a long custom string), and
//! prints every input that sets a new worst ratio to stderr, with its length
//! and the first bytes of it. Run long with `-report_slow_units=1` too (as
//! scripts/test-fuzz.sh does), so libFuzzer also lists any input slower than
//! a second. Timing under sanitizers is noisy and only reported, never
//! asserted; the release-build figures come from `core/examples/adversarial`.
#![no_main]

use std::sync::Mutex;
use std::time::Instant;

use jwtgate::fuzzing::{parse_claims, parse_header};
use jwtgate::Limits;
use libfuzzer_sys::fuzz_target;

/// Inputs shorter than this are not timed: the clock's resolution would
/// dominate.
const MIN_LEN: usize = 256;

/// The worst ratio seen so far in this process.
static WORST: Mutex<f64> = Mutex::new(0.0);

/// A typical claims document of exactly `len` bytes (at least ~40).
fn typical(len: usize) -> Vec<u8> {
    let head = br#"{"sub":"alice","exp":2000,"pad":""#;
    let mut doc = head.to_vec();
    doc.resize(len.saturating_sub(2).max(head.len()), b'p');
    doc.extend_from_slice(b"\"}");
    doc
}

/// The fastest of three timings of `f`, in nanoseconds.
fn fastest(mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e9
        })
        .fold(f64::MAX, f64::min)
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::DEFAULT;
    let parse_both = |doc: &[u8]| {
        let _ = std::hint::black_box(parse_header(doc, &limits));
        let _ = std::hint::black_box(parse_claims(doc, &limits));
    };
    if data.len() < MIN_LEN {
        parse_both(data);
        return;
    }
    let baseline = typical(data.len());
    let ours = fastest(|| parse_both(data));
    let theirs = fastest(|| parse_both(&baseline));
    let ratio = ours / theirs.max(1.0);
    let mut worst = WORST.lock().unwrap_or_else(|e| e.into_inner());
    if ratio > *worst {
        *worst = ratio;
        let shown = String::from_utf8_lossy(&data[..data.len().min(120)]);
        eprintln!(
            "slowest so far: ratio {ratio:.1} ({ours:.0} ns vs {theirs:.0} ns typical), {} bytes: {shown:?}",
            data.len()
        );
    }
});
