//! [`crate::LiveVerifier`] as the key source's sink and listener.

use std::sync::{Arc, Weak};

use jwtgate::{Error, KeySet};

use super::{KeyLocation, KeyRefresher, KeySink, KeySource, KeySourceError, KeySourceOptions};
use crate::{KeyMissListener, LiveVerifier};

impl KeySink for LiveVerifier {
    fn install_keys(&self, keys: KeySet) -> Result<(), Error> {
        self.set_keys(keys)
    }

    fn mark_keys_synced(&self) {
        LiveVerifier::mark_keys_synced(self);
    }

    fn require_issuer(&self, issuer: &str) -> Result<(), Error> {
        self.update_policy(|policy| {
            if policy.issuers().any(|i| i == issuer) {
                Ok(())
            } else {
                policy.add_issuer(issuer)
            }
        })
    }
}

impl KeyMissListener for KeyRefresher {
    fn unknown_kid(&self, kid: Option<&str>) {
        KeyRefresher::unknown_kid(self, kid);
    }

    fn await_kid(&self, kid: &str, bound: std::time::Duration) {
        KeyRefresher::await_kid(self, kid, bound);
    }
}

impl LiveVerifier {
    /// Keeps this verifier's keys current from `location` (a JWKS URL, an
    /// issuer through discovery, or a local JWKS file): fetches them now
    /// (an error is returned: see [`KeySource::start`]), installs them, and
    /// registers the source as the key-miss listener so that a token with
    /// an unknown `kid` asks for a refresh (waited for only up to
    /// [`LiveVerifier::set_key_miss_wait`], none by default). Key
    /// freshness is reported with [`LiveVerifier::mark_keys_synced`], so
    /// [`LiveVerifier::set_max_key_staleness`] makes verification fail
    /// closed (908) when the provider stays unreachable. Dropping the
    /// returned source stops it and unregisters the listener.
    pub fn follow_keys(
        self: &Arc<Self>,
        location: KeyLocation,
        options: KeySourceOptions,
    ) -> Result<KeySource, KeySourceError> {
        let mut source = KeySource::start(location, Arc::<LiveVerifier>::clone(self), options)?;
        let listener: Arc<dyn KeyMissListener> = Arc::new(source.refresher());
        self.set_key_miss_listener(Some(listener));
        source.live = Some(Arc::downgrade(self));
        Ok(source)
    }
}

/// Unregisters the source's listener from the verifier it fed.
pub(crate) fn detach(live: &Weak<LiveVerifier>) {
    if let Some(live) = live.upgrade() {
        live.set_key_miss_listener(None);
    }
}
