//! Phantom-token mode (seed 003): the client holds an opaque session; the
//! gateway looks it up in Redis on every request, mints a short-lived JWT
//! signed by its own key (carrying the session's claims and `sid`), caches
//! it per session until shortly before it expires, and hands it to the
//! proxy in a response header, which forwards it upstream.
//!
//! A session that is gone (logout) is a 401 at once, and the gateway
//! revokes its `sid` until the last minted JWT expires, so services that
//! verify the JWT themselves reject it too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use hyper::header::HeaderName;
use jwtgate::{HeaderFields, Key, KeySet};
use jwtgate_sync::redis::{self, Commands as _};
use jwtgate_sync::{OwnedRevocation, RedisSource, RedisStore};
use serde_json::{Map, Value};

use super::config::{duration, PhantomConfig};
use crate::util::{describe, read_file, BoxError};

/// Most sessions whose minted JWT is cached; past it, expired ones are
/// dropped, then everything.
const MAX_CACHED: usize = 100_000;
/// Redis round trips of the session lookup fail after this.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// A JWT minted for one session.
#[derive(Clone, Debug)]
struct Minted {
    jwt: String,
    exp: u64,
    sid: String,
    /// The session value it was minted from (a change mints anew).
    session: String,
}

/// Why an exchange failed.
#[derive(Debug)]
pub enum ExchangeError {
    /// No such session (never, expired, or logged out): 401.
    NoSession,
    /// The session's value is not a JSON object with a string `sid`: 401.
    BadSession(&'static str),
    /// Redis or signing failed: 503.
    Unavailable(String),
}

/// The phantom-token exchanger.
pub struct Phantom {
    sessions: RedisSource,
    store: RedisStore,
    pool: Mutex<Vec<redis::Connection>>,
    key: Key,
    issuer: String,
    audience: String,
    ttl: u64,
    renew_before: u64,
    prefix: String,
    /// The response header carrying the minted JWT.
    pub header: HeaderName,
    cache: Mutex<HashMap<Vec<u8>, Minted>>,
}

impl std::fmt::Debug for Phantom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phantom")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Phantom {
    /// From `[phantom]`; the Redis URL from the variable it names.
    pub fn new(c: &PhantomConfig, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, BoxError> {
        let url = env(&c.redis_url_env)
            .ok_or_else(|| format!("phantom.redis_url_env: {} is not set", c.redis_url_env))?;
        let keys = KeySet::from_jwks(&read_file(&c.signing_key)?)
            .map_err(|e| format!("{}: {}", c.signing_key.display(), describe(&e)))?;
        let key = keys
            .iter()
            .find(|k| k.can_sign())
            .ok_or_else(|| format!("{}: no private key", c.signing_key.display()))?
            .clone();
        let ttl = duration("phantom.ttl", &c.ttl)?.as_secs();
        let renew_before = duration("phantom.renew_before", &c.renew_before)?.as_secs();
        if ttl == 0 || renew_before >= ttl {
            return Err("phantom: ttl must be at least 1 s and above renew_before".into());
        }
        let mut store_source = RedisSource::from_url(&url)?;
        if let Some(ns) = &c.namespace {
            store_source = store_source.with_namespace(ns)?;
        }
        Ok(Phantom {
            sessions: RedisSource::from_url(&url)?,
            store: RedisStore::new(store_source),
            pool: Mutex::new(Vec::new()),
            key,
            issuer: c.issuer.clone(),
            audience: c.audience.clone(),
            ttl,
            renew_before,
            prefix: c.session_prefix.clone(),
            header: HeaderName::from_bytes(c.token_header.as_bytes())
                .map_err(|_| format!("phantom.token_header: {:?}", c.token_header))?,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The key set that verifies what this gateway mints.
    pub fn verification_keys(&self) -> Result<KeySet, BoxError> {
        let public = self
            .key
            .to_public()
            .ok_or("the signing key has no public half")?;
        Ok(KeySet::single(public))
    }

    /// The issuer and audience minted tokens carry.
    pub fn issuer_audience(&self) -> (&str, &str) {
        (&self.issuer, &self.audience)
    }

    /// The JWT for the session `opaque`, minted or from the cache. Blocks
    /// on one Redis round trip (the session is checked on every request).
    pub fn exchange(&self, opaque: &[u8], now: u64) -> Result<String, ExchangeError> {
        let session = self.lookup(opaque)?;
        let cached = self.cache.lock().ok().and_then(|c| c.get(opaque).cloned());
        let Some(session) = session else {
            if let Some(gone) = cached {
                // Logged out: revoke what was minted, for services that
                // verify it themselves, then forget it. If Redis refuses,
                // keep it to try again on the next request; the answer is
                // 401 either way.
                match self.revoke(&gone, now) {
                    Ok(()) => {
                        if let Ok(mut c) = self.cache.lock() {
                            c.remove(opaque);
                        }
                    }
                    Err(e) => eprintln!("jwtgate serve: phantom: {e}"),
                }
            }
            return Err(ExchangeError::NoSession);
        };
        if let Some(m) = cached {
            if m.session == session && m.exp > now.saturating_add(self.renew_before) {
                return Ok(m.jwt);
            }
        }
        let minted = self.mint(&session, now)?;
        if let Ok(mut c) = self.cache.lock() {
            if c.len() >= MAX_CACHED {
                c.retain(|_, m| m.exp > now);
                if c.len() >= MAX_CACHED {
                    c.clear();
                }
            }
            c.insert(opaque.to_vec(), minted.clone());
        }
        Ok(minted.jwt)
    }

    /// Why the session store is unusable, if it is (a `PING`).
    pub fn not_ready(&self) -> Option<String> {
        let result = self.with_con(|con| redis::cmd("PING").query::<String>(con));
        result.err().map(|e| match e {
            ExchangeError::Unavailable(why) => why,
            other => format!("{other:?}"),
        })
    }

    fn lookup(&self, opaque: &[u8]) -> Result<Option<String>, ExchangeError> {
        let mut key = self.prefix.as_bytes().to_vec();
        key.extend_from_slice(opaque);
        self.with_con(|con| con.get(&key))
    }

    /// Runs `f` on a pooled connection (a new one if none is free); a
    /// connection that failed is dropped, not pooled.
    fn with_con<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, ExchangeError> {
        let pooled = self.pool.lock().ok().and_then(|mut p| p.pop());
        let mut con = match pooled {
            Some(c) => c,
            None => {
                let c = self
                    .sessions
                    .connect()
                    .map_err(|e| ExchangeError::Unavailable(format!("session store: {e}")))?;
                let _ = c.set_read_timeout(Some(REDIS_TIMEOUT));
                let _ = c.set_write_timeout(Some(REDIS_TIMEOUT));
                c
            }
        };
        let value =
            f(&mut con).map_err(|e| ExchangeError::Unavailable(format!("session store: {e}")))?;
        if let Ok(mut p) = self.pool.lock() {
            p.push(con);
        }
        Ok(value)
    }

    fn mint(&self, session: &str, now: u64) -> Result<Minted, ExchangeError> {
        let parsed: Value = serde_json::from_str(session)
            .map_err(|_| ExchangeError::BadSession("session is not JSON"))?;
        let Value::Object(mut claims) = parsed else {
            return Err(ExchangeError::BadSession("session is not a JSON object"));
        };
        let sid = match claims.get("sid") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(ExchangeError::BadSession("session has no string sid")),
        };
        let exp = now.saturating_add(self.ttl);
        let mut jti = [0u8; 12];
        getrandom::fill(&mut jti).map_err(|e| ExchangeError::Unavailable(e.to_string()))?;
        let set: Map<String, Value> = [
            ("iss", Value::from(self.issuer.as_str())),
            ("aud", Value::from(self.audience.as_str())),
            ("iat", Value::from(now)),
            ("exp", Value::from(exp)),
            ("jti", Value::from(hex(&jti))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        claims.remove("nbf");
        claims.extend(set);
        let json =
            serde_json::to_vec(&claims).map_err(|e| ExchangeError::Unavailable(e.to_string()))?;
        let mut out =
            vec![0u8; jwtgate::encoded_len(&self.key, jwtgate::MAX_HEADER_JSON_LEN, json.len())];
        let n = jwtgate::encode(&self.key, &json, &HeaderFields::new(), &mut out)
            .map_err(|e| ExchangeError::Unavailable(format!("signing: {}", describe(&e))))?;
        out.truncate(n);
        let jwt = String::from_utf8(out).map_err(|e| ExchangeError::Unavailable(e.to_string()))?;
        Ok(Minted {
            jwt,
            exp,
            sid,
            session: session.to_string(),
        })
    }

    fn revoke(&self, gone: &Minted, now: u64) -> Result<(), String> {
        if gone.exp <= now {
            return Ok(());
        }
        self.store
            .revoke(&OwnedRevocation::session(gone.sid.as_bytes(), gone.exp))
            .map(|_| ())
            .map_err(|e| format!("revoking sid {:?}: {e}", gone.sid))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
