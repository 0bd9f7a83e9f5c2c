//! Denylist loading from arbitrary bytes (checked and trusted), then
//! lookups: never panics, never reads out of bounds.
#![no_main]

use jwtgate::{Denylist, TokenIds};
use libfuzzer_sys::fuzz_target;

fn probe(d: &Denylist<'_>, data: &[u8]) {
    let _ = (
        d.sequence(),
        d.segment_count(),
        d.entry_count(),
        d.version(),
    );
    let _ = (d.seed(), d.base(), d.segment_width(), d.has_fingerprints());
    let _ = (d.configured_bits_per_entry(), d.stored_keys());
    let _ = (d.bits_per_entry(), d.bloom_bits_per_key());
    for info in d.segments() {
        let _ = (info.entries(), info.bloom_bits(), info.bits_per_entry());
    }
    let _ = d.segment(usize::MAX);
    let ids = data.get(..8).unwrap_or(data);
    for now in [
        0,
        d.base(),
        d.base().wrapping_add(d.segment_width()),
        u64::MAX,
    ] {
        let _ = d.live_segment_count(now);
        for exp in [None, Some(now), Some(now.wrapping_add(1)), Some(u64::MAX)] {
            let t = TokenIds {
                exp,
                iat: Some(now),
                ver: Some(1),
                jti: Some(ids),
                sid: Some(ids),
                sub: Some(ids),
            };
            let _ = d.check(&t, now);
            let t = TokenIds {
                iat: None,
                ver: None,
                ..t
            };
            let _ = d.check(&t, now);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = Denylist::from_bytes(data) {
        probe(&d, data);
        // Anything that passes the checksum passes the trusted path too.
        assert!(Denylist::from_trusted_bytes(data).is_ok());
    }
    if let Ok(d) = Denylist::from_trusted_bytes(data) {
        probe(&d, data);
        // A layout re-attaches to its own bytes, and to no shorter prefix.
        let layout = d.layout();
        let again = layout.view(data).expect("a layout views its own bytes");
        assert_eq!(again.layout(), layout);
        probe(&again, data);
        if let Some(shorter) = data.get(..data.len().saturating_sub(1)) {
            assert!(layout.view(shorter).is_err());
        }
    }
});
