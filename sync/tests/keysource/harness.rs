//! The verifier the key source tests drive: keys installed by the source,
//! the unknown-kid notice, the key staleness rule. Codes as the bindings
//! see them (300 unknown key, 908 keys stale, ...).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use jwtgate::{Error, KeySet, Policy, Verifier};
use jwtgate_sync::{
    KeyLocation, KeyRefresher, KeySink, KeySource, KeySourceError, KeySourceOptions,
};

#[derive(Default)]
struct TestVerifier {
    keys: ArcSwap<KeySet>,
    policy: Mutex<Policy>,
    synced_ms: AtomicU64,
    max_ms: AtomicU64,
    refresher: Mutex<Option<KeyRefresher>>,
}

impl KeySink for TestVerifier {
    fn install_keys(&self, keys: KeySet) -> Result<(), Error> {
        self.keys.store(Arc::new(keys));
        Ok(())
    }
    fn mark_keys_synced(&self) {
        self.synced_ms.store(now_ms(), Relaxed);
    }
    fn require_issuer(&self, issuer: &str) -> Result<(), Error> {
        self.policy.lock().unwrap().add_issuer(issuer)
    }
}

fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

pub struct Harness {
    v: Arc<TestVerifier>,
}

impl Harness {
    pub fn new() -> Harness {
        Harness {
            v: Arc::new(TestVerifier::default()),
        }
    }

    pub fn follow(
        &self,
        location: KeyLocation,
        options: KeySourceOptions,
    ) -> Result<KeySource, KeySourceError> {
        let source = KeySource::start(location, Arc::<TestVerifier>::clone(&self.v), options)?;
        *self.v.refresher.lock().unwrap() = Some(source.refresher());
        Ok(source)
    }

    pub fn set_max_key_staleness(&self, max: Option<Duration>) {
        let ms = max.map_or(0, |d| u64::try_from(d.as_millis()).unwrap());
        self.v.max_ms.store(ms, Relaxed);
    }

    pub fn verify(&self, token: &str) -> Result<(), u32> {
        let max = self.v.max_ms.load(Relaxed);
        if max != 0 && now_ms().saturating_sub(self.v.synced_ms.load(Relaxed)) > max {
            return Err(908);
        }
        let policy = *self.v.policy.lock().unwrap();
        let verifier = Verifier::new((**self.v.keys.load()).clone(), policy);
        let mut buf = vec![0u8; jwtgate::buffer_len(token.len())];
        match verifier.verify(token.as_bytes(), jwtgate_sync::unix_now(), &mut buf) {
            Ok(_) => Ok(()),
            Err(Error::UnknownKey) => {
                let kid = kid_of(token);
                if let Some(r) = &*self.v.refresher.lock().unwrap() {
                    r.unknown_kid(kid.as_deref());
                }
                Err(300)
            }
            Err(e) => Err(e.code()),
        }
    }
}

fn kid_of(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let mut json = vec![0u8; header.len()];
    let n = jwtgate::base64url_decode(header.as_bytes(), &mut json).ok()?;
    let text = String::from_utf8(json[..n].to_vec()).ok()?;
    let at = text.find("\"kid\":\"")? + 7;
    let end = text[at..].find('"')?;
    Some(text[at..at + end].to_owned())
}
