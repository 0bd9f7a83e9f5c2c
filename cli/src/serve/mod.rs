//! `jwtgate serve`: a forward-auth server for nginx `auth_request`, Caddy
//! `forward_auth`, Traefik ForwardAuth and Envoy `ext_authz` (HTTP or gRPC).
//! See docs/gateway.md.
//!
//! - [`config`]: the TOML file, environment and flag layers.
//! - [`token`]: reading the token (Bearer, header, cookie).
//! - [`rules`]: route rules on the normalized forwarded URI.
//! - [`claims`]: claim headers, scopes and roles.
//! - [`gate`]: the decision (verify, rules, headers).
//! - [`answer`]: a decision as an answer (status, headers, what is counted).
//! - [`source`]: the revocation source (Redis follower, snapshot watcher).
//! - [`phantom`]: phantom-token mode (opaque sessions to minted JWTs).
//! - [`ops`]: metrics and the access log.
//! - [`server`]: hyper/tokio, limits, timeouts, signals, health endpoints.
//! - [`listen`]: TCP or Unix domain socket listeners and connections.
//! - [`accept`]: the accept loop's steps, for both listeners.
//! - [`grpc`]: Envoy's `ext_authz` gRPC API on a second listener.

pub mod accept;
pub mod answer;
pub mod claims;
pub mod config;
pub mod gate;
pub mod grpc;
pub mod listen;
pub mod ops;
pub mod phantom;
pub mod rules;
pub mod server;
pub mod source;
pub mod token;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use crate::util::CmdResult;

/// `jwtgate serve`.
#[derive(Args, Debug)]
pub struct Serve {
    /// The TOML configuration (see examples/gateway.toml). Environment
    /// variables (JWTGATE_LISTEN, JWTGATE_JWKS_FILE, JWTGATE_SECRET_FILE,
    /// JWTGATE_SNAPSHOT, JWTGATE_MAX_STALENESS, JWTGATE_ACCESS_LOG,
    /// JWTGATE_GRPC_LISTEN) override it, and these flags override both. Secrets are never taken from
    /// flags: name a file or an environment variable in the file.
    #[arg(long, short, env = "JWTGATE_CONFIG")]
    config: Option<PathBuf>,
    /// The address to listen on (default 127.0.0.1:9181), or a Unix
    /// domain socket as `unix:/path/to.sock`.
    #[arg(long)]
    listen: Option<String>,
    /// Also serve Envoy's gRPC `ext_authz` API on this address, or
    /// `unix:/path` (HTTP/2 cleartext; default: off).
    #[arg(long)]
    grpc_listen: Option<String>,
    /// The verification keys, a JWKS file.
    #[arg(long)]
    jwks_file: Option<PathBuf>,
    /// A denylist snapshot file to watch (kept current by `jwtgate follow`).
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// No access log.
    #[arg(long)]
    no_access_log: bool,
    /// Check the configuration (and load keys) and exit.
    #[arg(long)]
    check: bool,
}

/// Runs `serve`.
pub fn run(a: Serve) -> CmdResult {
    let flags = config::Overrides {
        listen: a.listen,
        jwks_file: a.jwks_file,
        snapshot: a.snapshot,
        no_access_log: a.no_access_log,
        grpc_listen: a.grpc_listen,
    };
    let env: server::Env = Arc::new(|k: &str| std::env::var(k).ok());
    let cfg = config::Config::load(a.config.as_deref(), &*env, &flags)?;
    if a.check {
        gate::Gate::load(&cfg, &*env)?;
        eprintln!("jwtgate serve: configuration OK");
        return Ok(ExitCode::SUCCESS);
    }
    let workers = cfg.server.workers;
    let shared = Arc::new(server::Shared::new(cfg, a.config, flags, env)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .thread_name("jwtgate-serve")
        .build()?;
    runtime.block_on(server::serve(Arc::clone(&shared)))?;
    // In-flight work is drained; do not wait for idle blocking threads.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    Ok(ExitCode::SUCCESS)
}
