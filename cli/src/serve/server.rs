//! The HTTP side: hyper on tokio, connection limit, timeouts, SIGTERM
//! drain, SIGHUP reload, `/healthz`, `/readyz`, `/metrics`.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use jwtgate_sync::{KeySource, LiveVerifier, SourceHandle};
use tokio::sync::Semaphore;

use super::accept;
use super::answer::Answer;
use super::config::{Config, Overrides, RevocationConfig};
use super::gate::{Decision, Gate};
use super::listen::Listener;
use super::ops::{log_access, AccessEntry, ServeMetrics, OUTCOMES};
use super::source;
use crate::util::BoxError;

/// How long a reload waits for a restarted revocation source's first load
/// before it gives a larger leeway up (and puts the old source back).
const LOAD_WAIT: Duration = Duration::from_secs(10);

/// A lookup of environment variables (the process's, or a test's).
pub type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything the handlers share.
pub struct Shared {
    gate: RwLock<Arc<Gate>>,
    verifier: Arc<LiveVerifier>,
    source: Mutex<Option<SourceHandle>>,
    /// The key source (`keys.jwks_url` or `keys.issuer`), if any.
    keys: Mutex<Option<KeySource>>,
    config: Mutex<Config>,
    pub(super) metrics: ServeMetrics,
    access_log: AtomicBool,
    config_path: Option<PathBuf>,
    flags: Overrides,
    env: Env,
}

impl Shared {
    /// Builds the gate and starts the revocation source for `config`.
    pub fn new(
        config: Config,
        config_path: Option<PathBuf>,
        flags: Overrides,
        env: Env,
    ) -> Result<Shared, BoxError> {
        let loaded = Gate::load(&config, &*env)?;
        let verifier = Arc::new(
            LiveVerifier::new(loaded.keys, loaded.policy)
                .map_err(|e| crate::util::describe(&e))?
                .with_max_staleness(config.max_staleness()?)
                .with_cache_size(config.cache_size()),
        );
        verifier.set_max_key_staleness(config.max_key_staleness()?);
        let keys = source::start_keys(&config, &verifier)?;
        let source = source::start(&config.revocation, &verifier, &*env, 0)?;
        Ok(Shared {
            gate: RwLock::new(Arc::new(loaded.gate)),
            verifier,
            source: Mutex::new(source),
            keys: Mutex::new(keys),
            access_log: AtomicBool::new(config.log.access),
            config: Mutex::new(config),
            metrics: ServeMetrics::default(),
            config_path,
            flags,
            env,
        })
    }

    /// The gate of the configuration in force.
    pub fn gate(&self) -> Arc<Gate> {
        match self.gate.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Decides on a request with these headers for the forwarded `uri`,
    /// now (a phantom-mode Redis round trip moves other tasks away).
    pub fn decide(&self, gate: &Gate, headers: &HeaderMap, uri: Option<&str>) -> Decision {
        let now = jwtgate_sync::unix_now();
        if gate.blocks() || self.verifier.key_miss_wait().is_some() {
            // A Redis round trip, or a wait for the key source (at most
            // keys.miss_wait): let the runtime move other tasks away.
            tokio::task::block_in_place(|| gate.decide(&self.verifier, headers, uri, now))
        } else {
            gate.decide(&self.verifier, headers, uri, now)
        }
    }

    /// Counts an answer given since `started` and logs it (if the access
    /// log is on).
    pub fn finish(&self, method: &str, uri: &str, answer: &Answer, started: Instant) {
        let took = started.elapsed();
        let status = answer.status.as_u16();
        self.metrics.record(answer.outcome, status, took);
        if self.access_log.load(Relaxed) {
            log_access(&AccessEntry {
                method,
                uri,
                status,
                outcome: OUTCOMES.get(answer.outcome).copied().unwrap_or("other"),
                code: answer.code,
                reason: answer.reason.as_deref(),
                sub: answer.sub.as_deref(),
                took,
            });
        }
    }

    /// Re-reads the configuration and applies it; on any error the running
    /// one stays. `[server]` changes need a restart (said, not ignored).
    pub fn reload(&self) -> Result<(), BoxError> {
        let result = self.reload_inner();
        match &result {
            Ok(()) => self.metrics.reloads_ok.fetch_add(1, Relaxed),
            Err(_) => self.metrics.reloads_failed.fetch_add(1, Relaxed),
        };
        result
    }

    fn reload_inner(&self) -> Result<(), BoxError> {
        let new = Config::load(self.config_path.as_deref(), &*self.env, &self.flags)?;
        let loaded = Gate::load(&new, &*self.env)?;
        let mut config = self.config.lock().map_err(|_| "poisoned")?;
        if format!("{:?}", new.server) != format!("{:?}", config.server) {
            eprintln!("jwtgate serve: reload: [server] changes take effect at the next restart");
        }
        let before = self.verifier.config();
        let keys_changed = format!("{:?}", new.keys) != format!("{:?}", config.keys);
        let mut key_source = self.keys.lock().map_err(|_| "poisoned")?;
        if keys_changed {
            // Stopped before the new keys go in, so that it cannot install
            // the old location's keys over them.
            if let Some(old) = key_source.take() {
                old.stop();
            }
        }
        // Puts the old keys, policy and key source back.
        let restore = |key_source: &mut Option<KeySource>| -> Result<(), BoxError> {
            self.install(before.keys().clone(), *before.policy())?;
            if keys_changed {
                if let Some(new) = key_source.take() {
                    new.stop();
                }
                *key_source = source::start_keys(&config, &self.verifier)?;
            }
            Ok(())
        };
        let mut source = self.source.lock().map_err(|_| "poisoned")?;
        // The verifier refuses a leeway larger than its live denylist keeps
        // revocations for (806: a revoked token would verify again in
        // between). So the source starts again first, keeping them for the
        // new leeway, and the policy goes in once its first load is in.
        let leeway = loaded.policy.leeway;
        let outgrown = self
            .verifier
            .kept_leeway()
            .is_some_and(|kept| leeway > kept);
        // Puts the old revocation source back (after an outgrown restart).
        let put_back = |source: &mut Option<SourceHandle>| -> Result<(), BoxError> {
            if let Some(started) = source.take() {
                started.stop();
            }
            *source = source::start(&config.revocation, &self.verifier, &*self.env, 0)?;
            Ok(())
        };
        if outgrown {
            if let Err(e) = self.restart_source(&mut source, &new.revocation, leeway) {
                restore(&mut key_source)?;
                put_back(&mut source)?;
                return Err(e);
            }
        }
        if let Err(e) = self.install(loaded.keys, loaded.policy) {
            restore(&mut key_source)?;
            if outgrown {
                put_back(&mut source)?;
            }
            return Err(e);
        }
        if keys_changed {
            match source::start_keys(&new, &self.verifier) {
                Ok(started) => *key_source = started,
                Err(e) => {
                    restore(&mut key_source)?;
                    if outgrown {
                        put_back(&mut source)?;
                    }
                    return Err(e);
                }
            }
        }
        if !outgrown && format!("{:?}", new.revocation) != format!("{:?}", config.revocation) {
            if let Some(old) = source.take() {
                old.stop();
            }
            // One source at a time: the old one is stopped first, and
            // started again (with the old keys and policy) if the new one
            // cannot be.
            match source::start(&new.revocation, &self.verifier, &*self.env, 0) {
                Ok(started) => *source = started,
                Err(e) => {
                    restore(&mut key_source)?;
                    put_back(&mut source)?;
                    return Err(e);
                }
            }
        }
        self.verifier.set_max_staleness(new.max_staleness()?);
        self.verifier
            .set_max_key_staleness(new.max_key_staleness()?);
        if new.cache_size() != self.verifier.cache_size() {
            // A resize empties the cache: only when the size changed.
            self.verifier.set_cache_size(new.cache_size());
        }
        self.access_log.store(new.log.access, Relaxed);
        match self.gate.write() {
            Ok(mut g) => *g = Arc::new(loaded.gate),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(loaded.gate),
        }
        *config = new;
        Ok(())
    }

    /// Stops the revocation source and starts `c`'s keeping revocations at
    /// least `leeway` seconds past their `until`, then waits (at most
    /// [`LOAD_WAIT`]) for its first load, after which the verifier accepts
    /// that leeway. The caller starts the old source again on error.
    fn restart_source(
        &self,
        source: &mut Option<SourceHandle>,
        c: &RevocationConfig,
        leeway: u64,
    ) -> Result<(), BoxError> {
        if let Some(old) = source.take() {
            old.stop();
        }
        *source = source::start(c, &self.verifier, &*self.env, leeway)?;
        if let Some(started) = source.as_ref() {
            started.ready(LOAD_WAIT).map_err(|e| {
                format!(
                    "a leeway of {leeway} s needs the revocations kept that long: \
                     the restarted source did not load within {LOAD_WAIT:?}: {e}"
                )
            })?;
        }
        Ok(())
    }

    /// Installs keys and policy: two atomic steps, keys first unless the
    /// new keys are unusable under the old policy (then policy first). On
    /// failure the old keys and policy are put back.
    fn install(&self, keys: jwtgate::KeySet, policy: jwtgate::Policy) -> Result<(), BoxError> {
        let set_policy = |new: jwtgate::Policy| {
            self.verifier.update_policy(|p| {
                *p = new;
                Ok(())
            })
        };
        let old = self.verifier.config();
        let keys_first = self
            .verifier
            .set_keys(keys.clone())
            .and_then(|()| set_policy(policy));
        if keys_first.is_ok() {
            return Ok(());
        }
        let policy_first = set_policy(policy).and_then(|()| self.verifier.set_keys(keys));
        if let Err(e) = policy_first {
            let _ = set_policy(*old.policy());
            let _ = self.verifier.set_keys(old.keys().clone());
            return Err(crate::util::describe(&e).into());
        }
        Ok(())
    }

    /// Why the gateway is not ready (empty: ready).
    pub fn not_ready(&self) -> Vec<String> {
        let mut why = Vec::new();
        match self.source.lock() {
            Ok(s) => {
                if let Some(w) = s.as_ref().and_then(source::not_ready) {
                    why.push(w);
                }
            }
            Err(_) => why.push("revocation source poisoned".into()),
        }
        let gate = self.gate();
        if gate.blocks() {
            if let Some(w) = tokio::task::block_in_place(|| gate.phantom_not_ready()) {
                why.push(w);
            }
        }
        let v = &self.verifier;
        for (what, max, age) in [
            ("denylist", v.max_staleness(), v.staleness()),
            ("keys", v.max_key_staleness(), v.key_staleness()),
        ] {
            match (max, age) {
                (None, _) => {}
                (Some(max), Some(age)) if age <= max => {}
                (Some(max), Some(age)) => why.push(format!(
                    "{what} stale: {} ms old, maximum {} ms",
                    age.as_millis(),
                    max.as_millis()
                )),
                (Some(_), None) => why.push(format!("{what} never synced")),
            }
        }
        why
    }

    /// `/metrics`: the verifier's counters, then the HTTP side's.
    pub fn prometheus(&self) -> String {
        let mut text = self.verifier.prometheus("jwtgate").unwrap_or_default();
        if let Ok(k) = self.keys.lock() {
            if let Some(k) = k.as_ref() {
                text.push_str(&k.prometheus("jwtgate"));
            }
        }
        text.push_str(&self.metrics.prometheus("jwtgate_serve"));
        text
    }

    /// Stops the revocation and key sources.
    pub fn stop(&self) {
        if let Ok(mut k) = self.keys.lock() {
            if let Some(old) = k.take() {
                old.stop();
            }
        }
        if let Ok(mut s) = self.source.lock() {
            if let Some(old) = s.take() {
                old.stop();
            }
        }
    }
}

type Body = Full<Bytes>;

fn respond(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The forwarded URI: `X-Forwarded-Uri` (Caddy, Traefik) or
/// `X-Original-URI` (nginx), else (with `server.uri_from_path`) what follows
/// that prefix in the request's own target (Envoy). Two copies of one
/// header, or both headers with different values, are refused: the proxy
/// sets one, so the other (or a second copy) came from the client, which
/// must not choose the route rule.
fn forwarded_uri<'r>(
    headers: &'r HeaderMap,
    target: &'r hyper::Uri,
    uri_from_path: Option<&str>,
) -> Result<Option<&'r str>, &'static str> {
    let mut found: Option<&str> = None;
    for name in ["x-forwarded-uri", "x-original-uri"] {
        let mut all = headers.get_all(name).iter();
        if let Some(v) = all.next() {
            if all.next().is_some() {
                return Err("more than one forwarded URI header");
            }
            let v = v.to_str().map_err(|_| "forwarded URI is not ASCII")?;
            if found.is_some_and(|f| f != v) {
                return Err("X-Forwarded-Uri and X-Original-URI differ");
            }
            found = Some(v);
        }
    }
    if found.is_some() {
        return Ok(found);
    }
    let Some(prefix) = uri_from_path else {
        return Ok(None);
    };
    let full = target.path_and_query().map_or("", |p| p.as_str());
    Ok(full
        .strip_prefix(prefix)
        .filter(|rest| rest.starts_with('/')))
}

/// Answers one request.
pub fn handle(shared: &Shared, req: &Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    match req.uri().path() {
        "/healthz" => return respond(StatusCode::OK, "ok\n"),
        "/readyz" => {
            let why = shared.not_ready();
            let body = serde_json::json!({ "ready": why.is_empty(), "reasons": why }).to_string();
            let status = if why.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            return respond(status, body);
        }
        "/metrics" => {
            let mut r = respond(StatusCode::OK, shared.prometheus());
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            return r;
        }
        _ => {}
    }
    let gate = shared.gate();
    let headers = req.headers();
    let prefix = gate.uri_from_path.as_deref();
    let (uri, decision) = match forwarded_uri(headers, req.uri(), prefix) {
        Ok(uri) => (uri, shared.decide(&gate, headers, uri)),
        Err(why) => (
            None,
            Decision::Forbidden {
                scope: String::new(),
                description: why.into(),
                sub: None,
            },
        ),
    };
    let answer = Answer::new(decision, &gate.realm);
    let mut response = respond(answer.status, Bytes::new());
    response.headers_mut().extend(
        answer
            .headers
            .iter()
            .map(|(k, v)| (Some(k.clone()), v.clone())),
    );
    shared.finish(
        req.method().as_str(),
        uri.unwrap_or_else(|| req.uri().path()),
        &answer,
        started,
    );
    response
}

/// Binds, then serves until SIGTERM or SIGINT; SIGHUP reloads. Prints
/// `listening on ADDR` on standard error once bound.
pub async fn serve(shared: Arc<Shared>) -> Result<(), BoxError> {
    let (addr, limits) = {
        let c = shared.config.lock().map_err(|_| "poisoned")?;
        (c.listen_addr()?, c.clone())
    };
    let listener = Listener::bind(&addr, limits.server.socket_mode).await?;
    eprintln!("jwtgate serve: listening on {}", listener.local_addr()?);
    let grpc = super::grpc::start(&shared, &limits).await?;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout()?)
        .max_header_size(limits.server.max_header_bytes)
        .max_buf_size(limits.server.max_header_bytes.max(8192))
        .keep_alive(true);
    if limits.server.max_headers != 100 {
        http.max_headers(limits.server.max_headers);
    }
    let permits = Arc::new(Semaphore::new(limits.server.max_connections));
    let graceful = GracefulShutdown::new();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let reloader = Arc::clone(&shared);
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            let s = Arc::clone(&reloader);
            // Reading files and starting a source block: off the reactor.
            let done = tokio::task::spawn_blocking(move || s.reload()).await;
            match done {
                Ok(Ok(())) => eprintln!("jwtgate serve: configuration reloaded"),
                Ok(Err(e)) => {
                    eprintln!("jwtgate serve: reload refused, configuration unchanged: {e}");
                }
                Err(e) => eprintln!("jwtgate serve: reload failed: {e}"),
            }
        }
    });
    let stop = async {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    tokio::pin!(stop);
    while let Some((stream, permit)) = accept::next(&listener, &permits, &mut stop, "").await {
        let s = Arc::clone(&shared);
        let service = service_fn(move |req: Request<Incoming>| {
            let r = handle(&s, &req);
            async move { Ok::<_, Infallible>(r) }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        accept::spawn(&shared, conn, permit);
    }
    drop(listener);
    eprintln!("jwtgate serve: draining");
    let drained = async {
        tokio::join!(graceful.shutdown(), async {
            if let Some(g) = grpc {
                g.stop().await;
            }
        })
    };
    tokio::select! {
        _ = drained => eprintln!("jwtgate serve: drained"),
        () = tokio::time::sleep(limits.drain_timeout()?) => eprintln!("jwtgate serve: drain timeout, closing"),
    }
    shared.stop();
    Ok(())
}
