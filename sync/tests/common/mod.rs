//! Test support: a real `redis-server` on a free loopback port, in a
//! temporary directory, stopped (and the directory removed) on drop; and
//! helpers to issue tokens.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod ha;

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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
