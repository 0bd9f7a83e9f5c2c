//! The verifier the key source tests drive: a [`LiveVerifier`] fed by the
//! source. Codes as the bindings see them (300 unknown key, 908 keys stale).

use std::sync::Arc;
use std::time::Duration;

use jwtgate::Policy;
use jwtgate_sync::{KeyLocation, KeySource, KeySourceError, KeySourceOptions, LiveVerifier};

pub struct Harness {
    pub live: Arc<LiveVerifier>,
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            live: Arc::new(LiveVerifier::pending(Policy::new()).unwrap()),
        }
    }

    pub fn follow(
        &self,
        location: KeyLocation,
        options: KeySourceOptions,
    ) -> Result<KeySource, KeySourceError> {
        self.live.follow_keys(location, options)
    }

    pub fn set_max_key_staleness(&self, max: Option<Duration>) {
        self.live.set_max_key_staleness(max);
    }

    pub fn verify(&self, token: &str) -> Result<(), u32> {
        let mut buf = vec![0u8; jwtgate::buffer_len(token.len())];
        self.live
            .verify_now(token.as_bytes(), &mut buf)
            .map(|_| ())
            .map_err(|e| e.code())
    }
}
