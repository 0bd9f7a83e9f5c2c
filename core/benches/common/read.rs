//! Reading a verification's claims the way the C ABI hands them out, for
//! `bench/overhead.sh`'s like-for-like baseline: `Verifier::verify` leaves
//! the claims to be read on demand, while `jg_verifier_verify` with a
//! `jg_claims` (and `jg_verifier_verify_offsets`) writes every one of them
//! out. Included by `core/examples/overhead.rs` and
//! `ffi/examples/abi_overhead.rs`, each naming the core crate `jg` (it is
//! `jwtgate` in the first and `jwtgate_core` in the second).

use std::hint::black_box;

use super::jg::{Claim, JsonStr, Verified};

/// Reads every claim `jg_claims` holds from `verified`: which registered
/// claims are present, the times and `ver`, each string (unescaped into
/// `scratch` when it has escapes, as the views are), every `aud` value,
/// the header's `kid`, `typ` and algorithm, and the raw claims JSON.
pub fn read_all(verified: &Verified<'_>, scratch: &mut [u8]) {
    let claims = verified.claims();
    let header = verified.header();
    let mut read = |s: Option<JsonStr<'_>>| match s {
        Some(s) if s.is_escaped() => {
            black_box(s.unescape_into(scratch).ok());
        }
        Some(s) => {
            black_box(s.raw());
        }
        None => {}
    };
    for claim in Claim::ALL {
        black_box(claims.has(claim));
    }
    black_box((claims.exp(), claims.nbf(), claims.iat(), claims.ver()));
    read(claims.iss());
    read(claims.sub());
    read(claims.jti());
    read(claims.sid());
    read(header.kid());
    read(header.typ());
    black_box(header.alg());
    black_box(claims.raw_json());
    if let Some(aud) = claims.aud() {
        aud.any(|value| {
            read(Some(value));
            false
        });
    }
}
