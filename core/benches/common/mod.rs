//! What the benchmarks and the measuring examples (`core/examples/ratios.rs`,
//! `profile_verify.rs`) share, so that they all time the same token.
// Each includer uses only part of it.
#![allow(dead_code)]

/// Realistic claims: issuer, audiences, subject, ids, scope and roles. `exp`
/// is in 2096, because `jsonwebtoken` checks it against the system clock.
pub const CLAIMS: &str = r#"{"iss":"https://login.example.com/","sub":"user-4f1c9a2b","aud":["orders","billing"],"exp":4000000000,"nbf":1690000000,"iat":1690000000,"jti":"9b2f6c1e-4d7a-4c1b-9a8e-3f5d2c7b1a60","sid":"sess-77d1e0b2","scope":"orders:read orders:write profile","roles":["customer","beta-tester"]}"#;

/// What `jsonwebtoken` deserialises [`CLAIMS`] into (the registered claims it
/// checks included); the fields are read only by its deserialiser.
#[derive(serde::Deserialize)]
pub struct PeerClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub exp: u64,
    pub jti: String,
    pub sid: String,
    pub scope: String,
    pub roles: Vec<String>,
}

/// Nanoseconds per call of one block of `block` calls of `f`.
pub fn time_block(block: u32, f: &mut impl FnMut()) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..block {
        f();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(block)
}

/// Nanoseconds per call of the fastest of `rounds` blocks of `block` calls
/// of `a` and of `b`, alternating (the measuring examples' method: both
/// sides see the same noise, the minimum is the undisturbed cost).
pub fn interleaved(
    rounds: u32,
    block: u32,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (f64, f64) {
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..rounds {
        best_a = best_a.min(time_block(block, &mut a));
        best_b = best_b.min(time_block(block, &mut b));
    }
    (best_a, best_b)
}
