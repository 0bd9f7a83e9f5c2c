//! The phantom-token flow (seed 003): clients hold an opaque session; the
//! gateway checks it on every request and mints a short-lived JWT that the
//! services behind it verify with jwtgate, locally, with no call back.
//!
//! Logout deletes the opaque session (the gateway mints nothing more for
//! it) *and* revokes its `sid` for the lifetime of the tokens already
//! minted, so a JWT still in flight inside the mesh dies at once too.
//!
//! Revocations travel through Redis when `JWTGATE_REDIS` is set (a
//! follower per service), else through an in-process revocation set.
//!
//! Run: `cargo run -p jwtgate-sync --example phantom_token`
//!  or: `JWTGATE_REDIS=redis://127.0.0.1:6379/ cargo run -p jwtgate-sync --example phantom_token`

use std::collections::HashMap;
use std::time::Duration;

use jwtgate::{HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};
use jwtgate_sync::{
    unix_now, DenylistState, Follower, FollowerOptions, LiveVerifier, OwnedRevocation, RedisSource,
    RedisStore, RevocationSet,
};

/// Minted tokens live this long: the most a revocation has to cover.
const TOKEN_TTL: u64 = 60;

type BoxError = Box<dyn std::error::Error>;

/// How revocations reach the services.
enum Revoker {
    Redis(RedisStore),
    Local(RevocationSet, DenylistState),
}

impl Revoker {
    fn revoke(&mut self, rev: OwnedRevocation) -> Result<(), BoxError> {
        match self {
            Revoker::Redis(store) => {
                store.revoke(&rev)?;
            }
            Revoker::Local(set, state) => {
                set.insert(rev, unix_now());
                set.publish(state, unix_now())?;
            }
        }
        Ok(())
    }
}

/// The gateway: opaque sessions in, short-lived JWTs out.
struct Gateway {
    key: Key,
    /// cookie -> (user, session id). In production: the session store.
    sessions: HashMap<String, (String, String)>,
    revoker: Revoker,
    minted: u64,
}

impl Gateway {
    fn login(&mut self, cookie: &str, user: &str) {
        let sid = format!("sid-{cookie}");
        self.sessions.insert(cookie.into(), (user.into(), sid));
    }

    /// Checks the opaque session and mints the phantom token.
    fn exchange(&mut self, cookie: &str) -> Option<String> {
        let (user, sid) = self.sessions.get(cookie)?;
        self.minted += 1;
        let now = unix_now();
        let claims = format!(
            r#"{{"iss":"gateway","aud":"mesh","sub":"{user}","sid":"{sid}","jti":"p-{}","iat":{now},"exp":{}}}"#,
            self.minted,
            now + TOKEN_TTL
        );
        let mut out = vec![0u8; 1024];
        let n =
            jwtgate::encode(&self.key, claims.as_bytes(), &HeaderFields::new(), &mut out).ok()?;
        out.truncate(n);
        String::from_utf8(out).ok()
    }

    fn logout(&mut self, cookie: &str) -> Result<(), BoxError> {
        if let Some((_, sid)) = self.sessions.remove(cookie) {
            self.revoker
                .revoke(OwnedRevocation::session(sid, unix_now() + TOKEN_TTL))?;
        }
        Ok(())
    }
}

/// A service in the mesh: verifies phantom tokens locally.
struct Service {
    name: &'static str,
    verifier: LiveVerifier,
    _follower: Option<Follower>,
}

impl Service {
    fn handle(&self, token: &str) -> String {
        let mut buf = [0u8; BUFFER_LEN];
        match self.verifier.verify_now(token.as_bytes(), &mut buf) {
            Ok(v) => format!(
                "{}: 200 hello {}",
                self.name,
                v.claims().sub().and_then(|s| s.as_str()).unwrap_or("?")
            ),
            Err(e) => format!("{}: 401 {e} [{}]", self.name, e.code()),
        }
    }
}

fn main() -> Result<(), BoxError> {
    let key = Key::ed25519_private(&[0x42; 32])?.with_kid("gw-1")?;
    let public = key.to_public().ok_or("no public key")?;
    let mut policy = Policy::new();
    policy.add_issuer("gateway")?;
    policy.add_audience("mesh")?;
    let redis = std::env::var("JWTGATE_REDIS").ok();

    let mut services = Vec::new();
    let local_state = DenylistState::new()?;
    for name in ["orders", "billing"] {
        let (state, follower) = match &redis {
            Some(url) => {
                let state = DenylistState::new()?;
                let f = Follower::start(
                    RedisSource::from_url(url)?,
                    state.clone(),
                    FollowerOptions::default(),
                )?;
                if !f.wait_ready(Duration::from_secs(5)) {
                    return Err(format!("cannot reach Redis at {url}").into());
                }
                (state, Some(f))
            }
            None => (local_state.clone(), None),
        };
        let verifier = Verifier::new(KeySet::single(public.clone()), policy);
        services.push(Service {
            name,
            verifier: LiveVerifier::from_verifier(&verifier, state),
            _follower: follower,
        });
    }
    let revoker = match &redis {
        Some(url) => Revoker::Redis(RedisStore::connect(url)?),
        None => Revoker::Local(RevocationSet::default(), local_state),
    };
    println!(
        "phantom tokens, revocations via {}",
        redis
            .as_deref()
            .unwrap_or("an in-process set (set JWTGATE_REDIS for Redis)")
    );
    let mut gw = Gateway {
        key,
        sessions: HashMap::new(),
        revoker,
        minted: 0,
    };
    gw.login("cookie-alice", "alice");
    gw.login("cookie-bob", "bob");

    let alice = gw.exchange("cookie-alice").ok_or("alice has a session")?;
    let bob = gw.exchange("cookie-bob").ok_or("bob has a session")?;
    println!("request 1: alice and bob, through the gateway");
    for s in &services {
        println!("  {}", s.handle(&alice));
        println!("  {}", s.handle(&bob));
    }

    println!("alice logs out: the gateway drops her session and revokes its sid");
    gw.logout("cookie-alice")?;
    println!(
        "  gateway mints for alice again? {}",
        gw.exchange("cookie-alice").is_some()
    );
    // Wait for propagation (instant locally; milliseconds through Redis).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while services.iter().any(|s| s.handle(&alice).contains("200"))
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    println!("request 2: alice's phantom token minted before logout, still unexpired, replayed inside the mesh");
    let mut ok = true;
    for s in &services {
        let a = s.handle(&alice);
        let b = s.handle(&bob);
        ok &= a.contains("401") && b.contains("200");
        println!("  {a}");
        println!("  {b}");
    }
    if !ok {
        return Err("unexpected outcome".into());
    }
    Ok(())
}
