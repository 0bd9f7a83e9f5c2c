//! `jwtgate bench`: verification speed and revocation propagation.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Subcommand;
use jwtgate::{Algorithm, Error, HeaderFields, Key, KeySet, Policy, Verifier};
use jwtgate_sync::{
    DenylistState, Follower, FollowerOptions, LiveVerifier, OwnedRevocation, RedisSource,
    RevocationSet, VerifyError,
};

use crate::util::{now, BoxError, CmdResult, Progress};

/// What to measure.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Nanoseconds per verification (HS256 and EdDSA), bare and through a
    /// synced verifier holding a large denylist.
    Verify {
        /// Verifications per case.
        #[arg(long, default_value_t = 200_000)]
        iterations: u64,
        /// Revocations in the denylist.
        #[arg(long, default_value_t = 100_000)]
        revocations: u64,
    },
    /// Revocation propagation through Redis, across processes: a child
    /// `jwtgate revoke ... batch` revokes tokens one at a time while this
    /// process follows the stream and verifies until each is rejected.
    /// Prints p50/p90/p99/max from the revoke call to the rejection.
    Propagation {
        /// The Redis URL.
        #[arg(long, env = "JWTGATE_REDIS")]
        redis: String,
        /// The Redis namespace (use a scratch one: the bench writes revocations).
        #[arg(long, default_value = "jwtgate-bench")]
        namespace: String,
        /// Revocations to time.
        #[arg(long, default_value_t = 200)]
        count: u32,
    },
}

/// Runs a benchmark.
pub fn run(c: BenchCommand) -> CmdResult {
    match c {
        BenchCommand::Verify {
            iterations,
            revocations,
        } => verify(iterations, revocations),
        BenchCommand::Propagation {
            redis,
            namespace,
            count,
        } => propagation(&redis, &namespace, count),
    }
}

fn sign(key: &Key, claims: &str) -> Result<String, BoxError> {
    let mut out = vec![0u8; 2048];
    let n = jwtgate::encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out)?;
    out.truncate(n);
    Ok(String::from_utf8(out)?)
}

fn time_per_op(iterations: u64, mut f: impl FnMut() -> bool) -> Result<f64, BoxError> {
    let start = Instant::now();
    for _ in 0..iterations {
        if !f() {
            return Err("verification failed during the benchmark".into());
        }
    }
    Ok(start.elapsed().as_secs_f64() * 1e9
        / f64::from(u32::try_from(iterations).unwrap_or(u32::MAX)))
}

fn verify(iterations: u64, revocations: u64) -> CmdResult {
    let iterations = iterations.clamp(1, u64::from(u32::MAX));
    let now = now();
    let hs = Key::hmac(Algorithm::HS256, b"bench secret: 32 bytes or more!!")?;
    let ed = Key::ed25519_private(&[7; 32])?;
    let claims = format!(
        r#"{{"sub":"u-1","sid":"s-1","jti":"t-1","iat":{now},"exp":{}}}"#,
        now + 900
    );
    eprintln!("building a denylist of {revocations} revocations...");
    let mut set = RevocationSet::default();
    let mut progress = Progress::new("revocations", 250_000, Some(revocations));
    for i in 0..revocations {
        set.insert(
            OwnedRevocation::token(format!("revoked-{i}"), now + 60 + i % 3600),
            now,
        );
        progress.tick();
    }
    let state = DenylistState::new()?;
    set.compact(&state, now)?;
    println!(
        "denylist: {} revocations, {} bytes",
        set.len(),
        state.snapshot().byte_len()
    );
    for (name, key) in [("HS256", &hs), ("EdDSA", &ed)] {
        let token = sign(key, &claims)?;
        let public = if key.algorithm() == Algorithm::EdDSA {
            key.to_public().ok_or("no public")?
        } else {
            key.clone()
        };
        let bare = Verifier::new(KeySet::single(public), Policy::new());
        let synced = LiveVerifier::from_verifier(&bare.clone(), state.clone());
        let mut buf = [0u8; jwtgate::BUFFER_LEN];
        let n = if name == "EdDSA" {
            (iterations / 20).max(1)
        } else {
            iterations
        };
        eprintln!("{name}: {n} verifications per case...");
        let t_bare = time_per_op(n, || bare.verify(token.as_bytes(), now, &mut buf).is_ok())?;
        let t_sync = time_per_op(n, || synced.verify(token.as_bytes(), now, &mut buf).is_ok())?;
        println!("{name:<6} verify (no denylist)          {t_bare:>9.0} ns/op");
        println!(
            "{name:<6} synced verify (base + delta)  {t_sync:>9.0} ns/op  (+{:.0} ns)",
            t_sync - t_bare
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let len = sorted.len();
    if len == 0 {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = (p / 100.0 * f64::from(u32::try_from(len).unwrap_or(u32::MAX))).ceil();
    let idx = format!("{rank:.0}")
        .parse::<usize>()
        .unwrap_or(len)
        .clamp(1, len)
        - 1;
    sorted.get(idx).copied().unwrap_or(Duration::ZERO)
}

fn unix_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn propagation(url: &str, namespace: &str, count: u32) -> CmdResult {
    let key = Key::hmac(Algorithm::HS256, b"bench secret: 32 bytes or more!!")?;
    let state = DenylistState::new()?;
    let follower = Follower::start(
        RedisSource::from_url(url)?.with_namespace(namespace)?,
        state.clone(),
        FollowerOptions::default(),
    )?;
    if !follower.wait_ready(Duration::from_secs(10)) {
        return Err(format!(
            "cannot follow {url}: {}",
            follower.last_error().unwrap_or_default()
        )
        .into());
    }
    let verifier = LiveVerifier::from_verifier(
        &Verifier::new(KeySet::single(key.clone()), Policy::new()),
        state,
    );
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .args(["revoke", "--redis", url, "--namespace", namespace, "batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut to_child = child.stdin.take().ok_or("no stdin")?;
    let mut from_child = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let run = format!("{}-{}", std::process::id(), now());
    let mut latencies = Vec::new();
    let mut progress = Progress::new("revocations", 50, Some(u64::from(count)));
    let mut buf = [0u8; jwtgate::BUFFER_LEN];
    for i in 0..count {
        let now = now();
        let jti = format!("bench-{run}-{i}");
        let token = sign(
            &key,
            &format!(r#"{{"jti":"{jti}","iat":{now},"exp":{}}}"#, now + 600),
        )?;
        if verifier.verify(token.as_bytes(), now, &mut buf).is_err() {
            return Err("token rejected before its revocation".into());
        }
        writeln!(to_child, "token {jti} +600")?;
        to_child.flush()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        let rejected_at = loop {
            match verifier.verify(token.as_bytes(), now, &mut buf) {
                Err(VerifyError::Token(Error::Revoked(_))) => break unix_ns(),
                _ if Instant::now() > deadline => {
                    return Err(format!("{jti} never rejected").into())
                }
                _ => std::thread::yield_now(),
            }
        };
        let mut line = String::new();
        from_child.read_line(&mut line)?;
        let t0: u128 = line
            .split_whitespace()
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("revoker said {line:?}"))?;
        let ns = u64::try_from(rejected_at.saturating_sub(t0)).unwrap_or(u64::MAX);
        latencies.push(Duration::from_nanos(ns));
        progress.tick();
    }
    drop(to_child);
    let _ = child.wait();
    follower.stop();
    latencies.sort();
    println!(
        "propagation over {count} revocations (revoke call in one process -> rejection in another, via Redis):"
    );
    for (name, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("max", 100.0)] {
        println!(
            "  {name:<4} {:>8.3} ms",
            percentile(&latencies, p).as_secs_f64() * 1e3
        );
    }
    Ok(ExitCode::SUCCESS)
}
