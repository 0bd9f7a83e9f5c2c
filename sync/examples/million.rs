//! The million-revocation benchmark (issue 18): revokes N (default
//! 1,000,000) through the bulk path (`RedisStore::revoke_many`), paced at a
//! rate (default 20,000/s), while two followers (child processes of this
//! example, so that each one's RSS is its own) and the `jwtgate follow`
//! sidecar run against a `redis-server` it starts on loopback. Reports:
//! revocations lost by each follower and by the sidecar's file (must be 0),
//! follower lag p99 (age of the newest applied stream entry, sampled every
//! 10 ms), follower RSS above the same follower empty, resyncs, the time of
//! a full load (resync) of N keys, snapshot bytes per entry and the bulk
//! revoke throughput (time inside `revoke_many`).
//!
//! Not a test: run it by hand, bounded (about N / rate + 1 min):
//!
//! ```text
//! cargo build --release -p jwtgate-cli -p jwtgate-sync --example million
//! target/release/examples/million [N] [rate]
//! ```
//!
//! A mix of 80% tokens, 10% sessions, 10% subjects; identifiers of 10 to
//! 14 bytes.
#![allow(
    clippy::as_conversions,
    clippy::indexing_slicing,
    clippy::cast_precision_loss
)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jwtgate_sync::{
    read_snapshot_file, unix_now, DenylistState, Follower, FollowerOptions, RedisSource,
    RedisStore, REVOKE_PIPELINE,
};

mod common;

use common::{best_ns, hs256_token, revocation};

type BoxError = Box<dyn std::error::Error>;

fn proc_status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("follower") {
        return follower(&args[2], args[3].parse()?, args[4].parse()?);
    }
    let total: u64 = args.get(1).map_or(Ok(1_000_000), |a| a.parse())?;
    let rate: u64 = args.get(2).map_or(Ok(20_000), |a| a.parse())?;
    let exe = std::env::current_exe()?;
    let jwtgate = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("jwtgate"))
        .filter(|p| p.exists())
        .ok_or("build the CLI first: cargo build --release -p jwtgate-cli")?;
    let dir = std::env::temp_dir().join(format!("jwtgate-million-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&exe, &jwtgate, &dir, total, rate);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

struct Reaper(Vec<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn run(exe: &Path, jwtgate: &Path, dir: &Path, total: u64, rate: u64) -> Result<(), BoxError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut children = Reaper(Vec::new());
    children.0.push(
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()?,
    );
    let url = format!("redis://127.0.0.1:{port}/");
    let store = loop {
        if let Ok(s) = RedisStore::connect(&url) {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let base = unix_now();
    let file = dir.join("denylist.bin");
    children.0.push(
        Command::new(jwtgate)
            .args(["follow", "--redis", &url, "--out"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let mut followers = Vec::new();
    for _ in 0..2 {
        let mut c = Command::new(exe)
            .args(["follower", &url, &total.to_string(), &base.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = c.stdin.take().ok_or("stdin")?;
        let mut out = BufReader::new(c.stdout.take().ok_or("stdout")?);
        let mut line = String::new();
        out.read_line(&mut line)?;
        eprintln!("follower: {}", line.trim());
        followers.push((stdin, out));
        children.0.push(c);
    }
    eprintln!(
        "revoking {total} at {rate}/s through revoke_many ({REVOKE_PIPELINE} per round trip)..."
    );
    let started = Instant::now();
    let mut in_calls = Duration::ZERO;
    let mut batch = Vec::with_capacity(REVOKE_PIPELINE);
    let mut i = 0u64;
    while i < total {
        batch.clear();
        let n = (total - i).min(u64::try_from(REVOKE_PIPELINE)?);
        batch.extend((i..i + n).map(|k| revocation(k, base)));
        let t = Instant::now();
        store.revoke_many(&batch)?;
        in_calls += t.elapsed();
        i += n;
        // Pace: i revocations by i / rate seconds.
        let due = Duration::from_secs_f64(i as f64 / rate as f64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        if i.is_multiple_of(100_000) {
            eprintln!("  {i} revoked in {:.1?}", started.elapsed());
        }
    }
    let wall = started.elapsed();
    println!("# million: {total} revocations at {rate}/s (80% token, 10% session, 10% subject)");
    println!(
        "bulk revoke: {:.0}/s inside revoke_many ({} round trips), {:.0}/s overall (paced)",
        total as f64 / in_calls.as_secs_f64(),
        total.div_ceil(u64::try_from(REVOKE_PIPELINE)?),
        total as f64 / wall.as_secs_f64()
    );
    for (k, (stdin, out)) in followers.iter_mut().enumerate() {
        writeln!(stdin, "done")?;
        stdin.flush()?;
        let mut line = String::new();
        out.read_line(&mut line)?;
        println!("follower {}: {}", k + 1, line.trim());
    }
    // The sidecar's file: every revocation, eventually.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut entries = 0;
    while Instant::now() < deadline {
        if let Ok(s) = read_snapshot_file(&file) {
            entries = s.entries();
            if entries >= total {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let bytes = std::fs::metadata(&file)?.len();
    println!(
        "sidecar file: {entries} entries, lost {}, {bytes} bytes, {:.1} bytes/entry, caught up {:.1?} after the last revoke",
        total.saturating_sub(entries),
        bytes as f64 / entries.max(1) as f64,
        started.elapsed().saturating_sub(wall)
    );
    // A full load of every key (what a resync costs).
    let state = DenylistState::new()?;
    let t = Instant::now();
    let fresh = Follower::start(
        RedisSource::from_url(&url)?,
        state.clone(),
        FollowerOptions::default(),
    )?;
    if !fresh.wait_ready(Duration::from_secs(120)) {
        return Err("a fresh follower never loaded".into());
    }
    println!(
        "full load (resync) of {} keys: {:.2?} (scan and insert {} ms)",
        fresh.revocations().lock().len(),
        t.elapsed(),
        state.metrics_snapshot().last_resync_ms
    );
    Ok(())
}

/// A follower child: prints its empty RSS when ready, samples its lag,
/// and on `done` waits until it holds everything, then reports.
fn follower(url: &str, total: u64, base: u64) -> Result<(), BoxError> {
    let state = DenylistState::new()?;
    let source = RedisSource::from_url(url)?;
    let f = Follower::start(source, state.clone(), FollowerOptions::default())?;
    if !f.wait_ready(Duration::from_secs(30)) {
        return Err("not ready".into());
    }
    let empty_kb = proc_status_kb("VmRSS:");
    println!("ready, RSS {empty_kb} kB");
    std::io::stdout().flush()?;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (stop, state) = (Arc::clone(&stop), state.clone());
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                samples.push(state.metrics_snapshot().stream_lag_ms);
                std::thread::sleep(Duration::from_millis(10));
            }
            samples
        })
    };
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let set = f.revocations();
    let kinds = |i: u64| {
        let r = revocation(i, base);
        (r.kind, r.id)
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let t = Instant::now();
    let mut lost;
    loop {
        let s = set.lock();
        lost = (0..total)
            .filter(|&i| {
                let (kind, id) = kinds(i);
                s.get(kind, &id).is_none()
            })
            .count();
        drop(s);
        if lost == 0 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let caught_up = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut samples = sampler.join().map_err(|_| "sampler")?;
    samples.sort_unstable();
    let m = state.metrics_snapshot();
    let rss_kb = proc_status_kb("VmRSS:");
    let confirmed = state.metrics_snapshot().confirmations;
    let (bare_ns, synced_ns) = verify_cost(&state, base)?;
    let confirmed = state.metrics_snapshot().confirmations - confirmed;
    let s = set.lock();
    println!(
        "lost {lost}, caught up {caught_up:.1?} after the last revoke, lag p50 {} ms p99 {} ms max {} ms, RSS {} MB above empty (peak {} MB, VmHWM), set heap {} MB, denylist {} MB in {} levels, {} resyncs (last full load {} ms), {} compactions, HS256 verify {bare_ns:.0} ns bare, {synced_ns:.0} ns with the levels (+{:.0} ns, {confirmed} bloom hits confirmed)",
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
        samples.last().copied().unwrap_or(0),
        rss_kb.saturating_sub(empty_kb) / 1024,
        proc_status_kb("VmHWM:").saturating_sub(empty_kb) / 1024,
        s.heap_bytes() / (1 << 20),
        m.denylist_bytes / (1 << 20),
        s.level_count(),
        m.resyncs,
        m.last_resync_ms,
        m.compactions,
        synced_ns - bare_ns,
    );
    drop(s);
    f.stop();
    Ok(())
}

/// Nanoseconds per HS256 verification of a token that is not revoked (its
/// `jti`, `sid` and `sub` all looked up): bare, then against the
/// follower's levels. Interleaved rounds, the best of each kept.
fn verify_cost(state: &DenylistState, base: u64) -> Result<(f64, f64), BoxError> {
    let (bare, token) = hs256_token(base)?;
    let mut buf = [0u8; jwtgate::BUFFER_LEN];
    let mut buf2 = [0u8; jwtgate::BUFFER_LEN];
    let best = best_ns(
        5,
        100_000,
        [
            &mut || bare.verify(&token, base, &mut buf).is_ok(),
            // What a verifier of the live state adds: DenylistState::check.
            &mut || {
                bare.verify(&token, base, &mut buf2)
                    .is_ok_and(|v| state.check(&v, base, 0).is_ok())
            },
        ],
    )?;
    let [bare_ns, synced_ns] = best;
    Ok((bare_ns, synced_ns))
}
