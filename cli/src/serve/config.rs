//! The gateway's configuration: a TOML file, then `JWTGATE_*` environment
//! variables, then command-line flags, each overriding the one before.
//!
//! Secrets (the HMAC secret, a Redis URL with a password) come from a file
//! or the environment, never from argv: no flag takes one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jwtgate_sync::{KeyLocation, KeySourceOptions, TransportOptions, DEFAULT_CACHE_SIZE};
use serde::Deserialize;

use super::listen::Listen;
use crate::util::{parse_duration, BoxError};

/// The whole file. Unknown keys are errors (a typo is never ignored).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listening socket, limits, timeouts.
    #[serde(default)]
    pub server: ServerConfig,
    /// Where the verification keys come from.
    #[serde(default)]
    pub keys: KeysConfig,
    /// Issuers, audiences, leeway, algorithms.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Where the token is read from.
    #[serde(default)]
    pub token: TokenConfig,
    /// The live revocation source.
    #[serde(default)]
    pub revocation: RevocationConfig,
    /// The verified-token cache.
    #[serde(default)]
    pub cache: CacheConfig,
    /// Response header name -> claim (`sub`, or a JSON pointer `/a/b`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Route rules, by path prefix of the forwarded URI.
    #[serde(default, rename = "route")]
    pub routes: Vec<RouteConfig>,
    /// Where scopes and roles are read from in the claims.
    #[serde(default)]
    pub claims: ClaimsConfig,
    /// JSON access log.
    #[serde(default)]
    pub log: LogConfig,
    /// Phantom-token mode (seed 003): opaque sessions in, minted JWTs out.
    #[serde(default)]
    pub phantom: Option<PhantomConfig>,
}

/// `[phantom]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhantomConfig {
    /// The variable holding the Redis URL of the session store (also where
    /// the `sid` of a logged-out session is revoked).
    pub redis_url_env: String,
    /// The revocation namespace (default `jwtgate`).
    pub namespace: Option<String>,
    /// A session is the Redis string at `<prefix><opaque token>`: a JSON
    /// object of claims with at least a string `sid`.
    #[serde(default = "default_session_prefix")]
    pub session_prefix: String,
    /// A private JWKS; its first signing key signs the minted JWTs.
    pub signing_key: PathBuf,
    /// `iss` of the minted JWTs.
    pub issuer: String,
    /// `aud` of the minted JWTs.
    pub audience: String,
    /// Lifetime of a minted JWT.
    #[serde(default = "default_ttl")]
    pub ttl: String,
    /// A cached JWT is replaced this long before it expires.
    #[serde(default = "default_renew_before")]
    pub renew_before: String,
    /// The response header carrying the minted JWT.
    #[serde(default = "default_token_header")]
    pub token_header: String,
}

fn default_session_prefix() -> String {
    "session:".into()
}
fn default_ttl() -> String {
    "60s".into()
}
fn default_renew_before() -> String {
    "10s".into()
}
fn default_token_header() -> String {
    "X-Auth-Token".into()
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The socket to listen on: `ADDR:PORT` (loopback by default), or a
    /// Unix domain socket as `unix:/path/to.sock`.
    pub listen: String,
    /// Permission bits of a Unix socket (`listen` or `grpc_listen` with
    /// `unix:`), set right after it is bound. Default `0o660`.
    pub socket_mode: u32,
    /// Tokio worker threads.
    pub workers: usize,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Largest request head (request line plus headers), bytes (at least 8192).
    pub max_header_bytes: usize,
    /// Most header lines in one request.
    pub max_headers: usize,
    /// Time to receive a request's head, and the idle time between requests.
    pub header_timeout: String,
    /// Time to finish in-flight requests after SIGTERM.
    pub drain_timeout: String,
    /// The `realm` of `WWW-Authenticate`.
    pub realm: String,
    /// For proxies that append the original path to the auth request's
    /// (Envoy's HTTP `ext_authz` with `path_prefix`): without a forwarded
    /// URI header, a request to `<this prefix><path>` is checked for `<path>`.
    pub uri_from_path: Option<String>,
    /// Envoy's gRPC `ext_authz` (`envoy.service.auth.v3.Authorization/Check`,
    /// HTTP/2 cleartext): the socket to listen on (`ADDR:PORT` or
    /// `unix:/path`). Off when unset.
    pub grpc_listen: Option<String>,
    /// Largest gRPC request message (a `CheckRequest`), bytes.
    pub grpc_max_message_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:9181".into(),
            socket_mode: 0o660,
            workers: 2,
            max_connections: 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            header_timeout: "10s".into(),
            drain_timeout: "10s".into(),
            realm: "jwtgate".into(),
            uri_from_path: None,
            grpc_listen: None,
            grpc_max_message_bytes: 64 * 1024,
        }
    }
}

/// `[keys]`: exactly one source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// A JWKS file (public keys, or HMAC secrets).
    pub jwks_file: Option<PathBuf>,
    /// A file holding a raw HMAC secret (one trailing newline is removed).
    pub secret_file: Option<PathBuf>,
    /// The name of an environment variable holding a raw HMAC secret.
    pub secret_env: Option<String>,
    /// The secret's algorithm: HS256 (default), HS384 or HS512.
    pub secret_alg: Option<String>,
    /// The secret's `kid`, if tokens carry one.
    pub secret_kid: Option<String>,
    /// A JWKS URL (HTTPS), refetched in the background.
    pub jwks_url: Option<String>,
    /// An issuer: the JWKS URL comes from its OpenID Connect discovery
    /// document, and tokens must name this issuer.
    pub issuer: Option<String>,
    /// A PEM bundle trusted instead of the built-in roots, for `jwks_url`
    /// or `issuer` (a private CA).
    pub ca_file: Option<PathBuf>,
    /// Shortest interval between scheduled refreshes (default 60s).
    pub refresh_min: Option<String>,
    /// Longest interval between scheduled refreshes (default 24h).
    pub refresh_max: Option<String>,
    /// Interval when the answer has no `max-age` (default 5m).
    pub refresh_default: Option<String>,
    /// Shortest interval between fetches asked for by unknown `kid`s, and
    /// the wait before retrying a failed fetch (default 30s).
    pub cooldown: Option<String>,
    /// Fail closed (503) once the keys were not confirmed current for this
    /// long (the provider unreachable). Default: no limit.
    pub max_staleness: Option<String>,
    /// The longest a request whose token names an unknown `kid` waits for
    /// the fetch that may bring it (the one in flight, or the one it asks
    /// for outside the cooldown). Default `"0"`: no wait, 401 at once and
    /// the refresh behind it.
    pub miss_wait: Option<String>,
}

/// `[cache]`: the verified-token cache (a hit skips the signature check
/// only; claims, policy and denylists are checked on every request).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Entries (0: off). Default: the live verifier's default, 4096.
    pub size: Option<usize>,
}

/// `[policy]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Accepted issuers; once given, `iss` is required.
    #[serde(default)]
    pub issuers: Vec<String>,
    /// Accepted audiences; once given, `aud` is required.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Seconds of clock skew tolerated.
    #[serde(default)]
    pub leeway: u64,
    /// Accepted algorithms (default: every one the keys allow).
    #[serde(default)]
    pub algorithms: Vec<String>,
}

/// `[token]`: where the token is read from, in this order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// `Authorization: Bearer <token>`.
    pub bearer: bool,
    /// A request header holding the bare token.
    pub header: Option<String>,
    /// A cookie holding the bare token.
    pub cookie: Option<String>,
}

impl Default for TokenConfig {
    fn default() -> Self {
        TokenConfig {
            bearer: true,
            header: None,
            cookie: None,
        }
    }
}

/// `[revocation]`: at most one source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationConfig {
    /// The name of an environment variable holding the Redis URL (it may
    /// hold a password, so it is never written in the file or on argv).
    pub redis_url_env: Option<String>,
    /// The Redis namespace.
    pub namespace: Option<String>,
    /// A snapshot file to watch (kept current by `jwtgate follow`).
    pub snapshot: Option<PathBuf>,
    /// Fail closed (503) once the denylist is staler than this. Default
    /// with a source: 30s.
    pub max_staleness: Option<String>,
}

/// `[[route]]`: what a path prefix requires beyond a valid token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// A path prefix, matched on whole segments (`/admin` matches
    /// `/admin` and `/admin/x`, not `/administrator`).
    pub prefix: String,
    /// Every one of these scopes is required.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// At least one of these roles is required.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Let requests through without a token (no claim headers but empty ones).
    #[serde(default)]
    pub public: bool,
}

/// `[claims]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimsConfig {
    /// Claims holding scopes (a space-separated string or an array);
    /// the first present is used.
    pub scopes: Vec<String>,
    /// Claims holding roles (an array or a space-separated string); the
    /// first present is used. JSON pointers (`/realm_access/roles`) work.
    pub roles: Vec<String>,
}

impl Default for ClaimsConfig {
    fn default() -> Self {
        ClaimsConfig {
            scopes: vec!["scope".into(), "scp".into()],
            roles: vec!["roles".into()],
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// One JSON line per request on standard output.
    pub access: bool,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { access: true }
    }
}

/// Overrides from flags (the highest layer); `None` keeps the value below.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<String>,
    /// `--jwks-file`.
    pub jwks_file: Option<PathBuf>,
    /// `--snapshot`.
    pub snapshot: Option<PathBuf>,
    /// `--no-access-log`.
    pub no_access_log: bool,
    /// `--grpc-listen`.
    pub grpc_listen: Option<String>,
}

impl Config {
    /// Parses TOML text.
    pub fn parse(text: &str) -> Result<Config, BoxError> {
        Ok(toml::from_str(text)?)
    }

    /// Reads the file (if any), then applies `env` (a lookup, so tests need
    /// not touch the process environment) and `flags`. Relative paths in
    /// the file are taken from the file's directory.
    pub fn load(
        path: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Config, BoxError> {
        let mut config = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                let mut c = Config::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
                c.resolve_paths(p.parent().unwrap_or(Path::new(".")));
                c
            }
            None => Config::default(),
        };
        if let Some(v) = env("JWTGATE_LISTEN") {
            config.server.listen = v;
        }
        if let Some(v) = env("JWTGATE_GRPC_LISTEN") {
            config.server.grpc_listen = Some(v);
        }
        if let Some(v) = env("JWTGATE_JWKS_FILE") {
            config.keys.jwks_file = Some(v.into());
        }
        if let Some(v) = env("JWTGATE_SECRET_FILE") {
            config.keys.secret_file = Some(v.into());
        }
        if let Some(v) = env("JWTGATE_SNAPSHOT") {
            config.revocation.snapshot = Some(v.into());
        }
        if let Some(v) = env("JWTGATE_MAX_STALENESS") {
            config.revocation.max_staleness = Some(v);
        }
        if let Some(v) = env("JWTGATE_ACCESS_LOG") {
            config.log.access = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => return Err(format!("JWTGATE_ACCESS_LOG: not 0 or 1: {v:?}").into()),
            };
        }
        if let Some(v) = &flags.listen {
            config.server.listen = v.clone();
        }
        if let Some(v) = &flags.grpc_listen {
            config.server.grpc_listen = Some(v.clone());
        }
        if let Some(v) = &flags.jwks_file {
            config.keys.jwks_file = Some(v.clone());
        }
        if let Some(v) = &flags.snapshot {
            config.revocation.snapshot = Some(v.clone());
        }
        if flags.no_access_log {
            config.log.access = false;
        }
        config.check()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, dir: &Path) {
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        for p in [
            &mut self.keys.jwks_file,
            &mut self.keys.secret_file,
            &mut self.keys.ca_file,
            &mut self.revocation.snapshot,
        ]
        .into_iter()
        .flatten()
        {
            resolve(p);
        }
        if let Some(ph) = &mut self.phantom {
            resolve(&mut ph.signing_key);
        }
    }

    /// Refuses what cannot work: no key source or two, options without
    /// the source they go with, bad durations or addresses.
    pub fn check(&self) -> Result<(), BoxError> {
        let k = &self.keys;
        let sources = usize::from(k.jwks_file.is_some())
            + usize::from(k.secret_file.is_some())
            + usize::from(k.secret_env.is_some())
            + usize::from(k.jwks_url.is_some())
            + usize::from(k.issuer.is_some());
        if self.phantom.is_some() {
            // The gateway verifies what it mints, with its own key.
            if sources != 0 || !self.policy.issuers.is_empty() || !self.policy.audiences.is_empty()
            {
                return Err("[phantom]: keys and policy issuers/audiences come from [phantom]; leave [keys], policy.issuers and policy.audiences unset".into());
            }
        } else if sources != 1 {
            return Err(format!(
                "[keys]: exactly one of jwks_file, secret_file, secret_env, jwks_url, issuer is needed ({sources} given)"
            )
            .into());
        }
        if k.jwks_file.is_some() && (k.secret_alg.is_some() || k.secret_kid.is_some()) {
            return Err(
                "[keys]: secret_alg and secret_kid go with secret_file or secret_env".into(),
            );
        }
        if self.key_location().is_none() {
            for (set, name) in [
                (k.ca_file.is_some(), "ca_file"),
                (k.refresh_min.is_some(), "refresh_min"),
                (k.refresh_max.is_some(), "refresh_max"),
                (k.refresh_default.is_some(), "refresh_default"),
                (k.cooldown.is_some(), "cooldown"),
                (k.max_staleness.is_some(), "max_staleness"),
                (k.miss_wait.is_some(), "miss_wait"),
            ] {
                if set {
                    return Err(format!("keys.{name} goes with jwks_url or issuer").into());
                }
            }
        }
        self.key_source_options()?;
        self.max_key_staleness()?;
        self.key_miss_wait()?;
        let r = &self.revocation;
        if r.redis_url_env.is_some() && r.snapshot.is_some() {
            return Err("[revocation]: one source: redis_url_env or snapshot, not both".into());
        }
        if r.namespace.is_some() && r.redis_url_env.is_none() {
            return Err("[revocation]: namespace needs redis_url_env".into());
        }
        if !self.token.bearer && self.token.header.is_none() && self.token.cookie.is_none() {
            return Err("[token]: no token source (bearer = false, no header, no cookie)".into());
        }
        self.listen_addr()?;
        self.grpc_listen_addr()?;
        if self.server.socket_mode > 0o777 {
            return Err(format!(
                "server.socket_mode {:#o}: permission bits only (at most 0o777)",
                self.server.socket_mode
            )
            .into());
        }
        if self.server.grpc_max_message_bytes < 1024 {
            return Err("server.grpc_max_message_bytes: at least 1024".into());
        }
        self.header_timeout()?;
        self.drain_timeout()?;
        self.max_staleness()?;
        if let Some(p) = &self.server.uri_from_path {
            if !p.starts_with('/') || p.len() < 2 || p.ends_with('/') {
                return Err(format!("server.uri_from_path {p:?}: a path like \"/auth\"").into());
            }
        }
        if self.server.workers == 0 || self.server.max_connections == 0 {
            return Err("[server]: workers and max_connections must be at least 1".into());
        }
        Ok(())
    }

    /// The parsed listening address.
    pub fn listen_addr(&self) -> Result<Listen, BoxError> {
        Listen::parse("server.listen", &self.server.listen)
    }

    /// The parsed gRPC listening address, if the gRPC API is on.
    pub fn grpc_listen_addr(&self) -> Result<Option<Listen>, BoxError> {
        match &self.server.grpc_listen {
            None => Ok(None),
            Some(a) => Listen::parse("server.grpc_listen", a).map(Some),
        }
    }

    /// `server.header_timeout`.
    pub fn header_timeout(&self) -> Result<Duration, BoxError> {
        duration("server.header_timeout", &self.server.header_timeout)
    }

    /// `server.drain_timeout`.
    pub fn drain_timeout(&self) -> Result<Duration, BoxError> {
        duration("server.drain_timeout", &self.server.drain_timeout)
    }

    /// The denylist staleness limit: as set, or 30 s when a source is
    /// configured (`"0"` turns it off).
    pub fn max_staleness(&self) -> Result<Option<Duration>, BoxError> {
        let r = &self.revocation;
        let has_source = r.redis_url_env.is_some() || r.snapshot.is_some();
        match &r.max_staleness {
            Some(s) => {
                let d = duration("revocation.max_staleness", s)?;
                Ok((!d.is_zero()).then_some(d))
            }
            None => Ok(has_source.then_some(Duration::from_secs(30))),
        }
    }
}

impl Config {
    /// Where a key source fetches the keys (`jwks_url` or `issuer`); `None`
    /// for fixed keys.
    pub fn key_location(&self) -> Option<KeyLocation> {
        let k = &self.keys;
        match (&k.jwks_url, &k.issuer) {
            (Some(url), _) => Some(KeyLocation::JwksUrl(url.clone())),
            (None, Some(issuer)) => Some(KeyLocation::Issuer(issuer.clone())),
            (None, None) => None,
        }
    }

    /// The key source's options from `[keys]`, the library's defaults for
    /// what is not set. Reads `ca_file`.
    pub fn key_source_options(&self) -> Result<KeySourceOptions, BoxError> {
        let k = &self.keys;
        let mut o = KeySourceOptions::default();
        for (field, value, slot) in [
            ("keys.refresh_min", &k.refresh_min, &mut o.refresh_min),
            ("keys.refresh_max", &k.refresh_max, &mut o.refresh_max),
            (
                "keys.refresh_default",
                &k.refresh_default,
                &mut o.refresh_default,
            ),
            ("keys.cooldown", &k.cooldown, &mut o.cooldown),
        ] {
            if let Some(v) = value {
                *slot = duration(field, v)?;
            }
        }
        if o.refresh_min > o.refresh_max {
            return Err("[keys]: refresh_min is longer than refresh_max".into());
        }
        if let Some(ca) = &k.ca_file {
            o.transport = TransportOptions::default()
                .with_ca_file(ca)
                .map_err(|e| format!("keys.ca_file {}: {e}", ca.display()))?;
        }
        Ok(o)
    }

    /// `keys.max_staleness` (`"0"` or unset: no limit).
    pub fn max_key_staleness(&self) -> Result<Option<Duration>, BoxError> {
        optional_duration("keys.max_staleness", self.keys.max_staleness.as_deref())
    }

    /// `keys.miss_wait` (`"0"` or unset: no wait).
    pub fn key_miss_wait(&self) -> Result<Option<Duration>, BoxError> {
        optional_duration("keys.miss_wait", self.keys.miss_wait.as_deref())
    }

    /// `[cache] size`, or the live verifier's default.
    pub fn cache_size(&self) -> usize {
        self.cache.size.unwrap_or(DEFAULT_CACHE_SIZE)
    }
}

/// An optional duration: `"0"` or unset is `None`.
fn optional_duration(field: &str, s: Option<&str>) -> Result<Option<Duration>, BoxError> {
    match s {
        Some(s) => {
            let d = duration(field, s)?;
            Ok((!d.is_zero()).then_some(d))
        }
        None => Ok(None),
    }
}

/// Parses `N[ms|s|m|h|d]`.
pub fn duration(field: &str, s: &str) -> Result<Duration, BoxError> {
    if let Some(ms) = s.strip_suffix("ms") {
        let n: u64 = ms
            .parse()
            .map_err(|_| format!("{field}: not a duration: {s:?}"))?;
        return Ok(Duration::from_millis(n));
    }
    parse_duration(s)
        .map(Duration::from_secs)
        .map_err(|e| format!("{field}: {e}").into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn key_source_options_need_a_key_source() {
        let url = "[keys]\njwks_url = \"https://x/jwks\"\n";
        let c = Config::parse(&format!(
            "{url}refresh_min = \"5s\"\ncooldown = \"2s\"\nmax_staleness = \"1h\""
        ))
        .unwrap();
        c.check().unwrap();
        let o = c.key_source_options().unwrap();
        assert_eq!(o.refresh_min, Duration::from_secs(5));
        assert_eq!(o.cooldown, Duration::from_secs(2));
        assert_eq!(o.refresh_max, KeySourceOptions::default().refresh_max);
        assert_eq!(
            c.max_key_staleness().unwrap(),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            c.key_location(),
            Some(KeyLocation::JwksUrl("https://x/jwks".into()))
        );
        for text in [
            "[keys]\njwks_file = \"k\"\nmax_staleness = \"1h\"",
            "[keys]\nsecret_env = \"S\"\ncooldown = \"1s\"",
            "[keys]\njwks_url = \"https://x\"\nissuer = \"https://x\"",
            "[keys]\nissuer = \"https://x\"\nrefresh_min = \"2h\"\nrefresh_max = \"1h\"",
            "[keys]\nissuer = \"https://x\"\nca_file = \"/nonexistent/ca.pem\"",
        ] {
            assert!(Config::parse(text).unwrap().check().is_err(), "{text}");
        }
    }

    #[test]
    fn miss_wait_is_parsed_and_goes_with_a_key_source() {
        let url = "[keys]\njwks_url = \"https://x/jwks\"\n";
        let c = Config::parse(url).unwrap();
        assert_eq!(c.key_miss_wait().unwrap(), None);
        let c = Config::parse(&format!("{url}miss_wait = \"200ms\"")).unwrap();
        c.check().unwrap();
        assert_eq!(c.key_miss_wait().unwrap(), Some(Duration::from_millis(200)));
        let c = Config::parse(&format!("{url}miss_wait = \"0\"")).unwrap();
        assert_eq!(c.key_miss_wait().unwrap(), None);
        for text in [
            format!("{url}miss_wait = \"soon\""),
            "[keys]\njwks_file = \"k\"\nmiss_wait = \"1s\"".to_owned(),
        ] {
            assert!(Config::parse(&text).unwrap().check().is_err(), "{text}");
        }
    }

    #[test]
    fn cache_size_defaults_to_the_verifier_default() {
        let c = Config::parse("[keys]\njwks_file = \"k\"").unwrap();
        assert_eq!(c.cache_size(), DEFAULT_CACHE_SIZE);
        let c = Config::parse("[keys]\njwks_file = \"k\"\n[cache]\nsize = 0").unwrap();
        assert_eq!(c.cache_size(), 0);
        assert!(Config::parse("[cache]\nentries = 1").is_err());
    }

    #[test]
    fn phantom_takes_keys_and_policy_from_itself() {
        let phantom = "[phantom]\nredis_url_env = \"R\"\nsigning_key = \"k\"\nissuer = \"i\"\naudience = \"a\"\n";
        assert!(Config::parse(phantom).unwrap().check().is_ok());
        for extra in [
            "[keys]\njwks_file = \"k\"\n",
            "[policy]\naudiences = [\"x\"]\n",
        ] {
            let c = Config::parse(&format!("{phantom}{extra}")).unwrap();
            assert!(c.check().is_err(), "{extra}");
        }
    }

    #[test]
    fn typos_are_errors() {
        assert!(Config::parse("[server]\nlisten_addr = \"x\"").is_err());
        assert!(Config::parse("[keys]\njwks = \"x\"").is_err());
    }

    #[test]
    fn layers_env_then_flags() {
        let env = |k: &str| (k == "JWTGATE_LISTEN").then(|| "127.0.0.1:1".to_string());
        let flags = Overrides {
            jwks_file: Some("k.json".into()),
            ..Overrides::default()
        };
        let c = Config::load(None, &env, &flags).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:1");
        let flags = Overrides {
            listen: Some("127.0.0.1:2".into()),
            ..flags
        };
        let c = Config::load(None, &env, &flags).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:2");
        // No key source at all.
        assert!(Config::load(None, &no_env, &Overrides::default()).is_err());
    }

    #[test]
    fn grpc_listener_off_by_default_then_layered() {
        let c = Config::parse("[keys]\njwks_file = \"k\"").unwrap();
        assert_eq!(c.grpc_listen_addr().unwrap(), None);
        let file = "[keys]\njwks_file = \"k\"\n[server]\ngrpc_listen = \"127.0.0.1:7\"";
        let c = Config::parse(file).unwrap();
        assert_eq!(
            c.grpc_listen_addr().unwrap(),
            Some(Listen::Tcp("127.0.0.1:7".parse().unwrap()))
        );
        let env = |k: &str| (k == "JWTGATE_GRPC_LISTEN").then(|| "127.0.0.1:8".to_string());
        let flags = Overrides {
            jwks_file: Some("k.json".into()),
            ..Overrides::default()
        };
        let c = Config::load(None, &env, &flags).unwrap();
        assert_eq!(c.server.grpc_listen.as_deref(), Some("127.0.0.1:8"));
        let flags = Overrides {
            grpc_listen: Some("127.0.0.1:9".into()),
            ..flags
        };
        let c = Config::load(None, &env, &flags).unwrap();
        assert_eq!(c.server.grpc_listen.as_deref(), Some("127.0.0.1:9"));
        let bad = Overrides {
            grpc_listen: Some("nowhere".into()),
            ..flags
        };
        assert!(Config::load(None, &no_env, &bad).is_err());
    }

    #[test]
    fn unix_socket_listen_and_mode() {
        let file = "[keys]\njwks_file = \"k\"\n[server]\nlisten = \"unix:/run/j.sock\"\nsocket_mode = 0o600";
        let c = Config::parse(file).unwrap();
        c.check().unwrap();
        assert_eq!(c.listen_addr().unwrap(), Listen::Unix("/run/j.sock".into()));
        assert_eq!(c.server.socket_mode, 0o600);
        let c = Config::parse("[keys]\njwks_file = \"k\"").unwrap();
        assert_eq!(c.server.socket_mode, 0o660);
        let env = |k: &str| (k == "JWTGATE_LISTEN").then(|| "unix:/tmp/e.sock".to_string());
        let flags = Overrides {
            jwks_file: Some("k.json".into()),
            grpc_listen: Some("unix:/tmp/g.sock".into()),
            ..Overrides::default()
        };
        let c = Config::load(None, &env, &flags).unwrap();
        assert_eq!(c.listen_addr().unwrap(), Listen::Unix("/tmp/e.sock".into()));
        assert_eq!(
            c.grpc_listen_addr().unwrap(),
            Some(Listen::Unix("/tmp/g.sock".into()))
        );
        let bad = "[keys]\njwks_file = \"k\"\n[server]\nsocket_mode = 0o1777";
        assert!(Config::parse(bad).unwrap().check().is_err());
        let bad = "[keys]\njwks_file = \"k\"\n[server]\nlisten = \"unix:\"";
        assert!(Config::parse(bad).unwrap().check().is_err());
    }

    #[test]
    fn staleness_default_only_with_a_source() {
        let mut c = Config::parse("[keys]\njwks_file = \"k\"").unwrap();
        assert_eq!(c.max_staleness().unwrap(), None);
        c.revocation.snapshot = Some("d".into());
        assert_eq!(c.max_staleness().unwrap(), Some(Duration::from_secs(30)));
        c.revocation.max_staleness = Some("250ms".into());
        assert_eq!(c.max_staleness().unwrap(), Some(Duration::from_millis(250)));
        c.revocation.max_staleness = Some("0".into());
        assert_eq!(c.max_staleness().unwrap(), None);
    }
}
