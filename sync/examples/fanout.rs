//! Benchmark: propagation from one revocation to its rejection at N
//! follower *processes* (this program run again as children, each with its
//! own `Follower` and `LiveVerifier`). For each revocation the parent
//! tells every child the `jti` first, then revokes it through a
//! `RedisStore`; each child polls until the token is rejected and reports
//! the Unix time in nanoseconds. Prints p50/p99/max over every
//! (revocation, follower) pair and of the slowest follower per revocation.
//! Any URL form works (`redis://`, `redis+sentinel://`, `redis+cluster://`).
//!
//! Run: `cargo run --release -p jwtgate-sync --example fanout -- URL [FOLLOWERS [COUNT]]`
//! (defaults: 20 followers, 200 revocations).

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, Policy, Verifier, BUFFER_LEN};
use jwtgate_sync::{
    unix_now, DenylistState, Follower, FollowerOptions, LiveVerifier, RedisSource, RedisStore,
};

type BoxError = Box<dyn std::error::Error>;

const NS: &str = "jwtgate-fanout";
const SECRET: &[u8] = b"fanout benchmark: 32-byte key!!!";

fn unix_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn token(key: &Key, jti: &str) -> Result<String, BoxError> {
    let claims = format!(
        r#"{{"sub":"u","jti":"{jti}","iat":{},"exp":{}}}"#,
        unix_now() - 1,
        unix_now() + 600
    );
    let mut out = vec![0u8; 1024];
    let n = jwtgate::encode(key, claims.as_bytes(), &HeaderFields::new(), &mut out)?;
    out.truncate(n);
    Ok(String::from_utf8(out)?)
}

/// A follower process: "ready", then for each `jti` line on stdin, polls
/// until that token is rejected and prints `<jti> <unix ns>`.
fn child(url: &str) -> Result<(), BoxError> {
    let key = Key::hmac(Algorithm::HS256, SECRET)?;
    let state = DenylistState::new()?;
    let source = RedisSource::from_url(url)?.with_namespace(NS)?;
    let follower = Follower::start(source, state.clone(), FollowerOptions::default())?;
    if !follower.wait_ready(Duration::from_secs(30)) {
        return Err("follower not ready".into());
    }
    let v = LiveVerifier::from_verifier(
        &Verifier::new(KeySet::single(key.clone()), Policy::new()),
        state,
    );
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    let mut buf = [0u8; BUFFER_LEN];
    for line in std::io::stdin().lock().lines() {
        let jti = line?;
        let t = token(&key, &jti)?;
        while v.verify(t.as_bytes(), unix_now(), &mut buf).is_ok() {
            std::thread::sleep(Duration::from_micros(50));
        }
        writeln!(out, "{jti} {}", unix_ns())?;
        out.flush()?;
    }
    Ok(())
}

fn percentile(sorted: &[u128], p: usize) -> f64 {
    let i = (sorted.len().saturating_sub(1) * p) / 100;
    // Microseconds fit an f64 exactly for any realistic latency.
    sorted.get(i).map_or(0.0, |&ns| {
        f64::from(u32::try_from(ns / 1000).unwrap_or(u32::MAX)) / 1e3
    })
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return child(args.get(2).ok_or("--child URL")?);
    }
    let url = args.get(1).ok_or("usage: fanout URL [FOLLOWERS [COUNT]]")?;
    let followers: usize = args.get(2).map_or(Ok(20), |s| s.parse())?;
    let count: usize = args.get(3).map_or(Ok(200), |s| s.parse())?;
    let exe = std::env::current_exe()?;
    let mut children: Vec<(Child, ChildStdin, BufReader<ChildStdout>)> = Vec::new();
    for _ in 0..followers {
        let mut c = Command::new(&exe)
            .args(["--child", url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = c.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(c.stdout.take().ok_or("no stdout")?);
        children.push((c, stdin, stdout));
    }
    for (_, _, out) in &mut children {
        let mut line = String::new();
        out.read_line(&mut line)?;
        if line.trim() != "ready" {
            return Err(format!("child said {line:?}").into());
        }
    }
    let store = RedisStore::new(RedisSource::from_url(url)?.with_namespace(NS)?);
    let run = unix_ns();
    let (mut all, mut slowest) = (Vec::new(), Vec::new());
    for i in 0..count {
        let jti = format!("fanout-{run}-{i}");
        for (_, stdin, _) in &mut children {
            writeln!(stdin, "{jti}")?;
            stdin.flush()?;
        }
        std::thread::sleep(Duration::from_millis(20));
        let t0 = unix_ns();
        store.revoke_token(jti.as_bytes(), Some(unix_now() + 600))?;
        let mut worst = 0;
        for (_, _, out) in &mut children {
            let mut line = String::new();
            out.read_line(&mut line)?;
            let (got, ns) = line.trim().split_once(' ').ok_or("bad child line")?;
            if got != jti {
                return Err(format!("child answered {got}, expected {jti}").into());
            }
            let d = ns.parse::<u128>()?.saturating_sub(t0);
            worst = worst.max(d);
            all.push(d);
        }
        slowest.push(worst);
    }
    for (mut c, stdin, _) in children {
        drop(stdin);
        let _ = c.wait();
    }
    all.sort_unstable();
    slowest.sort_unstable();
    println!(
        "{followers} follower processes, {count} revocations: per follower p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
         all followers p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&all, 50),
        percentile(&all, 99),
        percentile(&all, 100),
        percentile(&slowest, 50),
        percentile(&slowest, 99),
        percentile(&slowest, 100),
    );
    Ok(())
}
