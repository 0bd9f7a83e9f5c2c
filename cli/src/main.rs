//! `jwtgate`: keys, tokens, denylists and Redis revocation from the shell.
//!
//! Run `jwtgate --help`, and `jwtgate <command> --help` for each command.

mod bench;
mod commands;
mod serve;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jwtgate: JWT verification with revocation, from the shell.
///
/// Keys are JWKS files (`keygen` writes them). Times are seconds since the
/// epoch, `now`, or relative to now: `+900`, `+15m`, `+2h`, `+7d`.
#[derive(Parser, Debug)]
#[command(name = "jwtgate", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate a signing key (a private JWKS) and its public JWKS.
    Keygen(commands::Keygen),
    /// Sign claims into a compact JWS token.
    Sign(commands::Sign),
    /// Verify a token; print its claims as JSON. Exit status per error
    /// class: 0 valid, 10 malformed, 11 unsupported, 12 key, 13 signature,
    /// 14 claims (expired, issuer, audience, ...), 15 revoked, 16 limits,
    /// 17 denylist unusable, 18 denylist stale, 20 keys stale, 1 other
    /// failure, 2 usage (one mapping from the error codes: util::exit_status).
    Verify(commands::Verify),
    /// Build, inspect and query denylist snapshot files.
    Denylist {
        #[command(subcommand)]
        command: commands::DenylistCommand,
    },
    /// Revoke a token, a session or a subject in Redis.
    Revoke(commands::Revoke),
    /// Keep a snapshot file up to date from Redis (for services that only
    /// read files), and optionally print Prometheus metrics.
    Follow(commands::Follow),
    /// Measure verification speed or revocation propagation.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Run a forward-auth server for nginx, Caddy, Traefik and Envoy
    /// (docs/gateway.md).
    Serve(serve::Serve),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen(a) => commands::keygen(a),
        Command::Sign(a) => commands::sign(a),
        Command::Verify(a) => commands::verify(a),
        Command::Denylist { command } => commands::denylist(command),
        Command::Revoke(a) => commands::revoke(a),
        Command::Follow(a) => commands::follow(a),
        Command::Bench { command } => bench::run(command),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("jwtgate: {e}");
            ExitCode::from(util::EXIT_FAILURE)
        }
    }
}
