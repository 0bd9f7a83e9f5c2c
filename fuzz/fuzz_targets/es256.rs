//! ES256 verification differentially: `ring` (the path the C ABI and Python
//! ship) against `p256` (the core's default), on signatures that `p256` made
//! and the fuzzer then mutated, and on raw fuzzed signatures. Both must give
//! the same verdict, and an unmutated signature must verify.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Layout: 32-byte private scalar, 1 mode byte, 64-byte mask or raw
    // signature (shorter input: what there is), then the message.
    let Some((scalar, rest)) = data.split_first_chunk::<32>() else {
        return;
    };
    let Some((&mode, rest)) = rest.split_first() else {
        return;
    };
    let sig_len = if mode & 0x80 != 0 {
        usize::from(mode & 0x7f)
    } else {
        64
    };
    let (tail, message) = rest.split_at(sig_len.min(rest.len()));
    let Some((valid, _, _)) = jwtgate::fuzzing::es256_sign_and_verdicts(scalar, message, &[])
    else {
        return;
    };
    let candidate: Vec<u8> = if mode & 0x80 != 0 {
        // A raw signature of any length up to 127 bytes.
        tail.to_vec()
    } else {
        // The valid signature XOR a mask (all zero: the signature itself).
        valid
            .iter()
            .zip(tail.iter().chain(std::iter::repeat(&0)))
            .map(|(s, m)| s ^ m)
            .collect()
    };
    let (_, ring, p256) = jwtgate::fuzzing::es256_sign_and_verdicts(scalar, message, &candidate)
        .expect("the key was valid a moment ago");
    assert_eq!(ring, p256, "ring and p256 disagree on {candidate:02x?}");
    if candidate[..] == valid[..] {
        assert!(ring, "a signature p256 made does not verify");
    }
});
