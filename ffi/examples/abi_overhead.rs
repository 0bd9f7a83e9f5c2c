//! What `jg_verifier_verify` adds to the Rust core, both called from one
//! process (issue 21): `bench/overhead.sh` compares separate programs (the
//! core's `examples/overhead.rs`, C's `bench/overhead.c`), whose code and
//! stack layouts differ; here the two run side by side on the same token,
//! in alternating short blocks, and the fastest block of each is compared.
//!
//! `abi_overhead TOKEN` (the token `core/examples/overhead.rs` prints, HS256
//! over the benchmarks' claims) times the core's `Verifier::verify`,
//! `jg_verifier_verify` writing the claims to a `jg_claims`, and
//! `jg_verifier_verify` with `claims_out` NULL, and
//! `jg_verifier_verify_offsets` (the Go package's `VerifyInto` call:
//! offsets into a reused buffer) and `jg_verifier_verify_view` (its
//! `VerifyView` call: the same, an `aud` array left unread), with the same secret,
//! issuer, audience and clock, no denylist and no token cache:
//!
//! ```sh
//! cargo build --release -p jwtgate --example overhead
//! cargo run --release -p jwtgate-ffi --example abi_overhead -- "$(target/release/examples/overhead)"
//! ```

use std::ffi::c_void;
use std::hint::black_box;
use std::ptr;
use std::time::Instant;

use jwtgate::{
    jg_claims, jg_claims_offsets, jg_offsets_buffer_len, jg_result, jg_verifier,
    jg_verifier_add_audience, jg_verifier_add_hmac_key, jg_verifier_add_issuer, jg_verifier_free,
    jg_verifier_new, jg_verifier_verify, jg_verifier_verify_offsets, jg_verifier_verify_view,
    JG_ALG_HS256,
};
use jwtgate_core::{Algorithm, Key, KeySet, Policy, Verifier, BUFFER_LEN};

// Exported by the library but not re-exported at its root (it lives with
// the sync functions); the header's declaration, with the opaque
// verifier as `c_void`.
extern "C" {
    fn jg_verifier_set_cache_size(verifier: *const c_void, entries: usize) -> jg_result;
}

#[path = "../../core/benches/common/read.rs"]
mod read;
use jwtgate_core as jg;

type Error = Box<dyn std::error::Error>;

const SECRET: &[u8; 32] = b"jwtgate bench secret, 32 bytes!!";
const ISSUER: &str = "https://login.example.com/";
const AUDIENCE: &str = "orders";
const NOW: u64 = 3_999_990_000;
const BLOCK: u32 = 2000;
const ROUNDS: u32 = 300;

fn ok(rc: jg_result, what: &str) -> Result<(), Error> {
    match rc {
        jg_result::JG_OK => Ok(()),
        rc => Err(format!("{what}: {rc:?}").into()),
    }
}

/// A C ABI verifier configured as `bench/overhead.c` configures its own.
fn c_verifier() -> Result<*mut jg_verifier, Error> {
    let mut v = ptr::null_mut();
    // SAFETY: every pointer is valid for the call (an out pointer, and
    // byte strings with their lengths); `v` is live from `jg_verifier_new`
    // on.
    unsafe {
        ok(jg_verifier_new(&mut v), "jg_verifier_new")?;
        ok(jg_verifier_set_cache_size(v.cast(), 0), "set_cache_size")?;
        let key = jg_verifier_add_hmac_key(v, JG_ALG_HS256, SECRET.as_ptr(), 32, ptr::null(), 0);
        ok(key, "add_hmac_key")?;
        ok(
            jg_verifier_add_issuer(v, ISSUER.as_ptr(), ISSUER.len()),
            "add_issuer",
        )?;
        ok(
            jg_verifier_add_audience(v, AUDIENCE.as_ptr(), AUDIENCE.len()),
            "add_audience",
        )?;
    }
    Ok(v)
}

/// Nanoseconds per call of one block of `f`; `f` returns false on a failed
/// verification, which stops the run.
fn block(f: &mut impl FnMut() -> bool) -> Result<f64, Error> {
    let start = Instant::now();
    for _ in 0..BLOCK {
        if !f() {
            return Err("a verification failed".into());
        }
    }
    Ok(start.elapsed().as_secs_f64() * 1e9 / f64::from(BLOCK))
}

fn main() -> Result<(), Error> {
    let token = std::env::args()
        .nth(1)
        .ok_or("usage: abi_overhead TOKEN (from core/examples/overhead.rs)")?;
    let token = token.as_bytes();
    let mut policy = Policy::new();
    policy.add_issuer(ISSUER)?;
    policy.add_audience(AUDIENCE)?;
    let core = Verifier::new(KeySet::single(Key::hmac(Algorithm::HS256, SECRET)?), policy);
    let c = c_verifier()?;
    let mut buf = [0u8; BUFFER_LEN];
    // SAFETY: all-zero bytes are a valid `jg_claims` (integers, NULL views).
    let mut claims: Box<jg_claims> = Box::new(unsafe { std::mem::zeroed() });
    let claims_out: *mut jg_claims = &mut *claims;

    let mut core_call = || core.verify(black_box(token), NOW, &mut buf).is_ok();
    let mut read_buf = [0u8; BUFFER_LEN];
    let mut scratch = [0u8; BUFFER_LEN];
    // The like-for-like baseline of `c_claims`: the core, then every claim
    // the `jg_claims` holds read from its result.
    let mut core_read = || match core.verify(black_box(token), NOW, &mut read_buf) {
        Ok(verified) => {
            read::read_all(&verified, &mut scratch);
            true
        }
        Err(_) => false,
    };
    // SAFETY: `c` is live until freed below; `token` is readable for its
    // length; `claims_out` points to a `jg_claims` this function owns.
    let mut c_claims = || unsafe {
        jg_verifier_verify(c, token.as_ptr(), token.len(), NOW, claims_out) == jg_result::JG_OK
    };
    // SAFETY: as above, with no output.
    let mut c_verdict = || unsafe {
        jg_verifier_verify(c, token.as_ptr(), token.len(), NOW, ptr::null_mut()) == jg_result::JG_OK
    };
    // SAFETY: all-zero bytes are a valid `jg_claims_offsets` (integers).
    let mut offsets: jg_claims_offsets = unsafe { std::mem::zeroed() };
    let mut offsets_buf = vec![0u8; jg_offsets_buffer_len(token.len())];
    // SAFETY: as above; `offsets` and `offsets_buf` are this function's,
    // the buffer `jg_offsets_buffer_len` bytes long.
    let mut c_offsets = || unsafe {
        jg_verifier_verify_offsets(
            c,
            token.as_ptr(),
            token.len(),
            NOW,
            &mut offsets,
            offsets_buf.as_mut_ptr(),
            offsets_buf.len(),
        ) == jg_result::JG_OK
    };
    // SAFETY: as above (`VerifyView`'s call: an `aud` array left unread).
    let mut view_offsets: jg_claims_offsets = unsafe { std::mem::zeroed() };
    let mut view_buf = vec![0u8; jg_offsets_buffer_len(token.len())];
    // SAFETY: as for `c_offsets`, with this closure's own output and buffer.
    let mut c_view = || unsafe {
        jg_verifier_verify_view(
            c,
            token.as_ptr(),
            token.len(),
            NOW,
            &mut view_offsets,
            view_buf.as_mut_ptr(),
            view_buf.len(),
        ) == jg_result::JG_OK
    };
    let mut best = [f64::MAX; 6];
    for _ in 0..ROUNDS {
        for (slot, t) in best.iter_mut().zip([
            block(&mut core_call)?,
            block(&mut core_read)?,
            block(&mut c_claims)?,
            block(&mut c_verdict)?,
            block(&mut c_offsets)?,
            block(&mut c_view)?,
        ]) {
            *slot = slot.min(t);
        }
    }
    let [core_ns, read_ns, claims_ns, verdict_ns, offsets_ns, view_ns] = best;
    println!("rust_core_ns {core_ns:.1}");
    println!("rust_core_read_ns {read_ns:.1} (the core reading every claim)");
    println!(
        "c_abi_ns {claims_ns:.1} ({:.3}x, +{:.0} ns; {:.3}x the core reading every claim)",
        claims_ns / core_ns,
        claims_ns - core_ns,
        claims_ns / read_ns
    );
    println!(
        "c_abi_verdict_ns {verdict_ns:.1} ({:.3}x, +{:.0} ns)",
        verdict_ns / core_ns,
        verdict_ns - core_ns
    );
    println!(
        "c_abi_offsets_ns {offsets_ns:.1} ({:.3}x, +{:.0} ns; {:.3}x the core reading every claim)",
        offsets_ns / core_ns,
        offsets_ns - core_ns,
        offsets_ns / read_ns
    );
    println!(
        "c_abi_view_ns {view_ns:.1} ({:.3}x, +{:.0} ns; aud left unread)",
        view_ns / core_ns,
        view_ns - core_ns
    );
    // SAFETY: `c` came from `jg_verifier_new` and is not used after this.
    unsafe { jg_verifier_free(c) };
    Ok(())
}
