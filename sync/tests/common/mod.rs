//! Test support: a real `redis-server` on a free loopback port, in a
//! temporary directory, stopped (and the directory removed) on drop; and
//! helpers to issue tokens.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod ha;
pub mod https;
pub mod live;

use jwtgate_sync::redis;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jwtgate::{Algorithm, HeaderFields, Key, KeySet, Policy, Verifier};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "jwtgate-{tag}-{}-{n}-{}",
            std::process::id(),
            jwtgate_sync::unix_now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `redis-server` child process.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    pub dir: TempDir,
    persistent: bool,
}

/// SIGKILL and reap a child process, if any.
pub fn kill_child(child: &mut Option<Child>) {
    if let Some(mut c) = child.take() {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// A loopback port nothing listens on, never handed out before by this
/// process. Never twice: a test that kills a server (a failover test's
/// master) leaves its port free, and a test running beside it must not
/// start a server of its own there, where the killed node's replica,
/// followers and writer would take it for that node and copy its data.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if given.insert(port) {
            return port;
        }
    }
}

impl RedisServer {
    /// An in-memory server (no RDB, no AOF).
    pub fn start() -> RedisServer {
        Self::start_with(false)
    }

    /// A server with an append-only file fsynced on every write, so that a
    /// restart (same port, same directory) keeps every acknowledged write.
    pub fn start_persistent() -> RedisServer {
        Self::start_with(true)
    }

    fn start_with(persistent: bool) -> RedisServer {
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            dir: TempDir::new("redis"),
            persistent,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--daemonize", "no"])
            .args(["--dir"])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.persistent {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        let child = cmd
            .spawn()
            .expect("redis-server must be on PATH (scripts/setup.sh installs it)");
        self.child = Some(child);
        self.wait_ping();
    }

    fn wait_ping(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let client = redis::Client::open(self.url()).unwrap();
        loop {
            if let Ok(mut con) = client.get_connection_with_timeout(Duration::from_millis(200)) {
                if redis::cmd("PING").query::<String>(&mut con).is_ok() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL: no shutdown save).
    pub fn kill(&mut self) {
        kill_child(&mut self.child);
    }

    /// Sends a signal (`STOP`: hang without closing connections; `CONT`).
    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let ok = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .status()
                .unwrap()
                .success();
            assert!(ok, "kill -{sig}");
        }
    }

    /// Starts it again on the same port and directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub const SECRET: &[u8] = b"sync tests: a 32-byte HMAC key!!";

pub fn key() -> Key {
    Key::hmac(Algorithm::HS256, SECRET).unwrap()
}

pub fn verifier() -> Verifier<'static> {
    Verifier::new(KeySet::single(key()), Policy::new())
}

/// Signs a token with these claims (JSON object text).
pub fn token(claims: &str) -> String {
    let mut out = vec![0u8; 2048];
    let n = jwtgate::encode(&key(), claims.as_bytes(), &HeaderFields::new(), &mut out).unwrap();
    out.truncate(n);
    String::from_utf8(out).unwrap()
}

/// A token with `jti`, `sid` and `sub`, issued at `iat`, expiring at `exp`.
pub fn token_ids(jti: &str, sid: &str, sub: &str, iat: u64, exp: u64) -> String {
    token(&format!(
        r#"{{"sub":"{sub}","sid":"{sid}","jti":"{jti}","iat":{iat},"exp":{exp}}}"#
    ))
}

/// Polls `f` until it is true or `timeout` passes.
pub fn eventually(timeout: Duration, f: impl FnMut() -> bool) -> bool {
    eventually_every(timeout, Duration::from_millis(2), f)
}

/// Polls `f` every `interval` until it is true or `timeout` passes.
pub fn eventually_every(
    timeout: Duration,
    interval: Duration,
    mut f: impl FnMut() -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(interval);
    }
}

/// A TCP proxy on loopback in front of a server: it can hold every
/// server-to-client chunk for a while (a slow link that never disconnects),
/// and it can cut every connection and refuse new ones (a partition).
pub struct SlowProxy {
    pub port: u16,
    delay_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
    blocked: std::sync::Arc<AtomicBool>,
    /// Bumped to cut the connections open now.
    epoch: std::sync::Arc<AtomicUsize>,
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

use std::sync::atomic::AtomicBool;

impl SlowProxy {
    pub fn start(upstream_port: u16) -> SlowProxy {
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let delay_ms = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let blocked = Arc::new(AtomicBool::new(false));
        let epoch = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, b, e, s) = (
            Arc::clone(&delay_ms),
            Arc::clone(&blocked),
            Arc::clone(&epoch),
            Arc::clone(&stop),
        );
        let thread = std::thread::spawn(move || {
            let mut pumps = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if b.load(Ordering::Relaxed) {
                            drop(client);
                            continue;
                        }
                        let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", upstream_port))
                        else {
                            continue;
                        };
                        client.set_nonblocking(false).unwrap();
                        let born = e.load(Ordering::Relaxed);
                        for (from, to, delayed) in [
                            (
                                client.try_clone().unwrap(),
                                server.try_clone().unwrap(),
                                false,
                            ),
                            (server, client, true),
                        ] {
                            let (d, e, s) = (Arc::clone(&d), Arc::clone(&e), Arc::clone(&s));
                            pumps.push(std::thread::spawn(move || {
                                pump(from, to, delayed, &d, &e, born, &s)
                            }));
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            for p in pumps {
                let _ = p.join();
            }
        });
        SlowProxy {
            port,
            delay_ms,
            blocked,
            epoch,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Holds each server-to-client chunk this long before passing it on.
    pub fn set_delay(&self, d: Duration) {
        self.delay_ms
            .store(d.as_millis().try_into().unwrap(), Ordering::Relaxed);
    }

    /// Cuts every open connection and refuses new ones while `blocked`.
    pub fn set_blocked(&self, blocked: bool) {
        self.blocked.store(blocked, Ordering::Relaxed);
        if blocked {
            self.epoch.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn pump(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    delayed: bool,
    delay_ms: &std::sync::atomic::AtomicU64,
    epoch: &AtomicUsize,
    born: usize,
    stop: &AtomicBool,
) {
    use std::io::{Read as _, Write as _};
    from.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if stop.load(Ordering::Relaxed) || epoch.load(Ordering::Relaxed) != born {
            break;
        }
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if delayed {
                    let ms = delay_ms.load(Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(ms));
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    let _ = from.shutdown(std::net::Shutdown::Both);
    let _ = to.shutdown(std::net::Shutdown::Both);
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
