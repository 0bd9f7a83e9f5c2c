//! The verified-token cache changes no verdict (issue 15): each input is
//! verified once without a cache and twice through one (a miss, then a hit
//! when it verified), at the fixed time and at a later one (expiry crossing
//! between calls, on a hit), and the results must be identical. An input
//! that starts with `{` is taken as claims and signed with the HS256 key,
//! so that the fuzzer reaches the claims, policy and denylist on hits. The
//! cache lives across inputs (small: entries are evicted and overwritten),
//! and a second verifier without the HS256 key shares it under another
//! generation: a token cached under the first must never hit there.
#![no_main]

use std::sync::OnceLock;

use jwtgate::{CacheSlot, Error, KeySet, TokenCache, Verifier, BUFFER_LEN};
use jwtgate_fuzz::{denylist, keys, policy, token, verifier, Alg, NOW};
use libfuzzer_sys::fuzz_target;

type Cache = TokenCache<Vec<CacheSlot>>;

fn shared() -> &'static (Verifier<'static>, Verifier<'static>, Cache) {
    static S: OnceLock<(Verifier<'static>, Verifier<'static>, Cache)> = OnceLock::new();
    S.get_or_init(|| {
        let mut without_hs256 = KeySet::new();
        for key in keys().iter().filter(|k| k.kid() != Some("hs")) {
            without_hs256.add(key.clone()).unwrap();
        }
        let other = Verifier::new(without_hs256, policy()).with_denylist(denylist());
        let slots = (0..64).map(|_| CacheSlot::new()).collect();
        (verifier(), other, TokenCache::new(slots, [0x17; 16]))
    })
}

/// A result that outlives the decode buffer: the raw claims on success.
fn outcome(r: Result<jwtgate::Verified<'_>, Error>) -> Result<Vec<u8>, Error> {
    r.map(|v| v.claims().raw_json().to_vec())
}

fuzz_target!(|data: &[u8]| {
    let signed;
    let token: &[u8] = if data.first() == Some(&b'{') {
        signed = token(Alg::HS256, br#"{"alg":"HS256","kid":"hs"}"#, data);
        signed.as_bytes()
    } else {
        data
    };
    let (v, other, cache) = shared();
    let mut buf = [0u8; BUFFER_LEN];
    let later = NOW + 1_000 * (u64::from(data.last().copied().unwrap_or(0)) + 1);
    for (v, generation) in [(v, 1), (other, 2), (v, 1)] {
        for now in [NOW, later] {
            let want = outcome(v.verify(token, now, &mut buf));
            for _ in 0..2 {
                let got =
                    outcome(v.verify_cached(token, now, v.denylist(), &mut buf, cache, generation));
                assert_eq!(got, want, "generation {generation}, now {now}");
            }
        }
    }
});
