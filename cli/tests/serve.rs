//! `jwtgate serve` as a process: real HTTP on loopback, a real
//! `redis-server` for revocation, signals for reload and drain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../sync/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[path = "support/idp.rs"]
mod idp;

use common::https::{ed_key, jwks, signed};
use common::{eventually, token, RedisServer, TempDir, SECRET};
use idp::Idp;
use jwtgate_sync::{unix_now, OwnedRevocation, RedisSource, RedisStore};

const BIN: &str = env!("CARGO_BIN_EXE_jwtgate");
const WAIT: Duration = Duration::from_secs(10);

/// A running `jwtgate serve`; killed on drop.
struct Server {
    child: Child,
    addr: String,
    stdout: mpsc::Receiver<String>,
    dir: PathBuf,
}

impl Server {
    /// Writes `config` (with the test secret as `secret_file`) and starts
    /// on a loopback port.
    fn start(dir: &TempDir, config: &str, env: &[(&str, &str)]) -> Server {
        Server::start_at(dir, config, env, "127.0.0.1:0")
    }

    /// As [`Server::start`], listening on `listen` (`unix:/path` too).
    fn start_at(dir: &TempDir, config: &str, env: &[(&str, &str)], listen: &str) -> Server {
        std::fs::write(dir.path().join("secret"), SECRET).unwrap();
        let path = dir.path().join("gateway.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--config",
                path.to_str().unwrap(),
                "--listen",
                listen,
            ])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("[serve] {line}");
                let _ = tx.send(line);
            }
        });
        let addr = loop {
            let line = rx.recv_timeout(WAIT).expect("serve did not start");
            if let Some(a) = line.strip_prefix("jwtgate serve: listening on ") {
                break a.to_string();
            }
        };
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (otx, orx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = otx.send(line);
            }
        });
        // Keep draining stderr so the child never blocks on it.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Server {
            child,
            addr,
            stdout: orx,
            dir: dir.path().to_path_buf(),
        }
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        request(
            &self.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: t\r\n"),
            headers,
        )
    }

    /// An auth check as nginx sends it.
    fn auth(&self, uri: &str, headers: &[(&str, &str)]) -> Response {
        let mut h = vec![("X-Original-URI", uri)];
        h.extend_from_slice(headers);
        self.get("/auth", &h)
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    fn rewrite_config(&self, config: &str) {
        std::fs::write(self.dir.join("gateway.toml"), config).unwrap();
    }

    /// Waits (at most `WAIT`) for the process to exit, successfully.
    fn wait_success(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                return;
            }
            assert!(started.elapsed() < WAIT, "did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_lines(&self) -> Vec<String> {
        self.stdout.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: BTreeMap<String, Vec<String>>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(|v| v[0].as_str())
    }
}

/// A connection to `addr`: `unix:/path` or a TCP address.
trait Conn: Read + Write {}
impl<T: Read + Write> Conn for T {}

fn connect(addr: &str) -> std::io::Result<Box<dyn Conn>> {
    if let Some(path) = addr.strip_prefix("unix:") {
        let s = UnixStream::connect(path)?;
        s.set_read_timeout(Some(WAIT))?;
        return Ok(Box::new(s));
    }
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(WAIT))?;
    Ok(Box::new(s))
}

/// One request on a fresh connection (`Connection: close`).
fn request(addr: &str, head: &str, headers: &[(&str, &str)]) -> Response {
    let mut s = connect(addr).unwrap();
    let mut req = head.to_string();
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &str) -> Response {
    let head = raw.split("\r\n\r\n").next().unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        let (k, v) = l.split_once(':').unwrap();
        headers
            .entry(k.to_ascii_lowercase())
            .or_default()
            .push(v.trim().to_string());
    }
    Response { status, headers }
}

const BASE: &str = r#"
[keys]
secret_file = "secret"
[policy]
audiences = ["api"]
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Email" = "email"
"X-Auth-Roles" = "roles"
[[route]]
prefix = "/admin"
scopes = ["admin"]
[[route]]
prefix = "/public"
public = true
"#;

/// `BASE` following `redis` with this staleness limit; started and ready.
fn start_following(dir: &TempDir, redis: &RedisServer, max_staleness: &str) -> Server {
    let config = format!(
        "{BASE}\n[revocation]\nredis_url_env = \"TEST_REDIS\"\nmax_staleness = \"{max_staleness}\"\n"
    );
    let s = Server::start(dir, &config, &[("TEST_REDIS", &redis.url())]);
    assert!(eventually(WAIT, || s.get("/readyz", &[]).status == 200));
    s
}

fn good(sub: &str, extra: &str) -> String {
    let now = unix_now();
    token(&format!(
        r#"{{"sub":"{sub}","aud":"api","iat":{now},"exp":{}{extra}}}"#,
        now + 600
    ))
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

#[test]
fn valid_token_gets_every_claim_header() {
    let dir = TempDir::new("serve-valid");
    let s = Server::start(&dir, BASE, &[]);
    let t = good("alice", r#","roles":["a","b"]"#);
    let r = s.auth("/app", &[("Authorization", &bearer(&t))]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-auth-subject"), Some("alice"));
    assert_eq!(r.header("x-auth-roles"), Some(r#"["a","b"]"#));
    // Absent claim: the header is there, empty.
    assert_eq!(r.header("x-auth-email"), Some(""));
    // Scheme case-insensitive.
    let r = s.auth("/app", &[("Authorization", &format!("bearer {t}"))]);
    assert_eq!(r.status, 200);
}

#[test]
fn refusals_are_401_with_rfc6750_header() {
    let dir = TempDir::new("serve-401");
    let s = Server::start(&dir, BASE, &[]);
    let now = unix_now();
    let expired = token(&format!(r#"{{"sub":"a","aud":"api","exp":{}}}"#, now - 100));
    let wrong_aud = token(&format!(
        r#"{{"sub":"a","aud":"other","exp":{}}}"#,
        now + 100
    ));
    let t = good("alice", "");
    let (head, sig) = t.rsplit_once('.').unwrap();
    let forged = format!(
        "{head}.{}",
        sig.replace(&sig[2..3], if &sig[2..3] == "A" { "B" } else { "A" })
    );
    for (token, what, code) in [
        (&expired, "expired", "[500]\""),
        (&wrong_aud, "aud", "[504]\""),
        (&forged, "forged", "]\""),
    ] {
        let r = s.auth("/app", &[("Authorization", &bearer(token))]);
        assert_eq!(r.status, 401, "{what}");
        let h = r.header("www-authenticate").unwrap();
        assert!(
            h.starts_with(
                "Bearer realm=\"jwtgate\", error=\"invalid_token\", error_description=\""
            ),
            "{what}: {h}"
        );
        assert!(h.ends_with(code), "{what}: {h}");
        assert!(r.header("x-auth-subject").is_none(), "{what}");
    }
    // No credentials: no error code (RFC 6750 3.1).
    let r = s.auth("/app", &[]);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"jwtgate\"")
    );
    // Malformed: invalid_request (still 401: auth_request knows 2xx/401/403).
    let r = s.auth("/app", &[("Authorization", "Bearer a b")]);
    assert_eq!(r.status, 401);
    assert!(r
        .header("www-authenticate")
        .unwrap()
        .contains("error=\"invalid_request\""));
    // The access log never holds a token, and is JSON.
    std::thread::sleep(Duration::from_millis(100));
    let lines = s.log_lines();
    assert!(lines.len() >= 5, "{lines:?}");
    for l in &lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["status"].as_u64().is_some());
        for tok in [&expired, &wrong_aud, &forged, &t] {
            assert!(!l.contains(tok.as_str()), "token in log: {l}");
            let sig = tok.rsplit('.').next().unwrap();
            assert!(!l.contains(sig), "signature in log: {l}");
        }
    }
}

#[test]
fn route_rules_give_403_on_the_normalized_uri() {
    let dir = TempDir::new("serve-403");
    let s = Server::start(&dir, BASE, &[]);
    let user = good("bob", r#","scope":"read""#);
    let admin = good("root", r#","scope":"read admin""#);
    let auth = |uri: &str, t: &str| s.auth(uri, &[("Authorization", &bearer(t))]).status;
    assert_eq!(auth("/admin/x", &user), 403);
    assert_eq!(auth("/admin/x", &admin), 200);
    // The raw URI cannot dodge the rule.
    for uri in [
        "/public/../admin",
        "/%61dmin?x",
        "//admin",
        "/public/%2e%2e/admin/",
    ] {
        assert_eq!(auth(uri, &user), 403, "{uri}");
    }
    assert_eq!(auth("/administrator", &user), 200);
    let r = s.auth("/admin", &[("Authorization", &bearer(&user))]);
    let h = r.header("www-authenticate").unwrap();
    assert!(
        h.contains("error=\"insufficient_scope\"") && h.contains("scope=\"admin\""),
        "{h}"
    );
    // An encoded slash cannot turn a protected path into a public one.
    assert_eq!(s.auth("/admin%2F..%2Fpublic", &[]).status, 403);
    // Public: no token needed, claim headers present and empty.
    let r = s.auth("/public/page", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-auth-subject"), Some(""));
    // With rules, no forwarded URI is refused.
    assert_eq!(
        s.get("/auth", &[("Authorization", &bearer(&admin))]).status,
        403
    );
    // A client-sent X-Forwarded-Uri beside the proxy's X-Original-URI
    // cannot choose the rule.
    let r = s.get(
        "/auth",
        &[
            ("X-Original-URI", "/admin/x"),
            ("X-Forwarded-Uri", "/app"),
            ("Authorization", &bearer(&user)),
        ],
    );
    assert_eq!(r.status, 403);
    // Two forwarded URIs (one from the client) are refused.
    let r = s.get(
        "/auth",
        &[
            ("X-Original-URI", "/app"),
            ("X-Original-URI", "/public"),
            ("Authorization", &bearer(&user)),
        ],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn envoy_style_uri_from_the_path() {
    let dir = TempDir::new("serve-envoy");
    let s = Server::start(
        &dir,
        &format!("[server]\nuri_from_path = \"/ext\"\n{BASE}"),
        &[],
    );
    let user = good("bob", r#","scope":"read""#);
    let auth = |path: &str| s.get(path, &[("Authorization", &bearer(&user))]).status;
    assert_eq!(auth("/ext/app/x"), 200);
    assert_eq!(auth("/ext/admin/x"), 403);
    assert_eq!(auth("/ext/app/../admin"), 403);
    // Not under the prefix: no URI, so the rules refuse.
    assert_eq!(auth("/extra/app"), 403);
    // A forwarded URI header still wins.
    let r = s.get(
        "/ext/app",
        &[
            ("X-Forwarded-Uri", "/admin"),
            ("Authorization", &bearer(&user)),
        ],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn revoked_through_redis_while_serving() {
    let redis = RedisServer::start();
    let dir = TempDir::new("serve-redis");
    let s = start_following(&dir, &redis, "2s");
    let now = unix_now();
    let t = token(&format!(
        r#"{{"sub":"carol","sid":"s-1","aud":"api","exp":{}}}"#,
        now + 600
    ));
    let auth = || s.auth("/app", &[("Authorization", &bearer(&t))]).status;
    assert_eq!(auth(), 200);
    let store = RedisStore::new(RedisSource::from_url(&redis.url()).unwrap());
    let started = Instant::now();
    store
        .revoke(&OwnedRevocation::session("s-1", now + 600))
        .unwrap();
    assert!(eventually(WAIT, || auth() == 401));
    eprintln!("revoked after {:?}", started.elapsed());
    let m = s.get("/metrics", &[]);
    assert_eq!(m.status, 200);
}

/// A reload to a leeway above what the Redis follower keeps (300 s): the
/// follower starts again keeping revocations for the new leeway and the
/// policy goes in only after its first load, so a token that expired 450 s
/// ago and was revoked is refused (401) as soon as the reload is counted,
/// never accepted in between.
#[test]
fn a_reload_to_a_larger_leeway_keeps_revoking() {
    let redis = RedisServer::start();
    let dir = TempDir::new("serve-reload-leeway");
    let s = start_following(&dir, &redis, "5s");
    let now = unix_now();
    let late = token(&format!(
        r#"{{"sub":"gina","jti":"late-1","aud":"api","exp":{}}}"#,
        now - 450
    ));
    let auth = || s.auth("/app", &[("Authorization", &bearer(&late))]).status;
    assert_eq!(auth(), 401, "expired, no leeway");
    let store = RedisStore::new(RedisSource::from_url(&redis.url()).unwrap()).with_retention(
        jwtgate::Retention {
            max_leeway: 900,
            ..jwtgate::Retention::DEFAULT
        },
    );
    store
        .revoke(&OwnedRevocation::token("late-1", now - 450))
        .unwrap();
    s.rewrite_config(&format!(
        "{}\n[revocation]\nredis_url_env = \"TEST_REDIS\"\nmax_staleness = \"5s\"\n",
        BASE.replace("[policy]\n", "[policy]\nleeway = 600\n")
    ));
    s.signal("HUP");
    assert!(eventually(WAIT, || metrics_text(&s.addr)
        .contains("jwtgate_serve_reloads_total 1\n")));
    assert_eq!(auth(), 401, "revoked, and kept for the 600 s leeway");
    let body = metrics_text(&s.addr);
    assert!(
        body.contains("jwtgate_serve_reload_failures_total 0\n"),
        "{body}"
    );
    // The leeway is in force: the same token unrevoked would pass.
    let other = token(&format!(
        r#"{{"sub":"gina","jti":"late-2","aud":"api","exp":{}}}"#,
        now - 450
    ));
    assert_eq!(
        s.auth("/app", &[("Authorization", &bearer(&other))]).status,
        200
    );
}

#[test]
fn a_reload_whose_source_fails_keeps_the_old_source() {
    let redis = RedisServer::start();
    let dir = TempDir::new("serve-reload-source");
    let s = start_following(&dir, &redis, "1s");
    s.rewrite_config(&format!(
        "{BASE}\n[revocation]\nsnapshot = \"missing.jwgd\"\nmax_staleness = \"1s\"\n"
    ));
    s.signal("HUP");
    assert!(eventually(WAIT, || metrics_text(&s.addr)
        .contains("jwtgate_serve_reload_failures_total 1\n")));
    // Past the staleness limit: still fresh, so the Redis follower runs.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(s.get("/readyz", &[]).status, 200);
    let t = good("fred", "");
    assert_eq!(
        s.auth("/app", &[("Authorization", &bearer(&t))]).status,
        200
    );
}

#[test]
fn stale_denylist_fails_closed_and_not_ready() {
    let redis = RedisServer::start();
    let dir = TempDir::new("serve-stale");
    let s = start_following(&dir, &redis, "1s");
    let t = good("dave", "");
    assert_eq!(
        s.auth("/app", &[("Authorization", &bearer(&t))]).status,
        200
    );
    drop(redis);
    // Redis gone: once past 1 s, 503 (fail closed) and not ready; alive.
    assert!(eventually(WAIT, || {
        s.auth("/app", &[("Authorization", &bearer(&t))]).status == 503
    }));
    assert_eq!(s.get("/readyz", &[]).status, 503);
    assert_eq!(s.get("/healthz", &[]).status, 200);
}

#[test]
fn sighup_reloads_and_keeps_the_old_config_on_error() {
    let dir = TempDir::new("serve-hup");
    let s = Server::start(&dir, BASE, &[]);
    let t = good("erin", "");
    let auth = || s.auth("/app", &[("Authorization", &bearer(&t))]).status;
    assert_eq!(auth(), 200);
    // A keep-alive connection opened before the reload stays usable.
    let mut kept = TcpStream::connect(&s.addr).unwrap();
    kept.set_read_timeout(Some(WAIT)).unwrap();
    s.rewrite_config(&BASE.replace(r#"audiences = ["api"]"#, r#"audiences = ["other"]"#));
    s.signal("HUP");
    assert!(eventually(WAIT, || auth() == 401));
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    kept.read_to_string(&mut raw).unwrap();
    assert_eq!(parse_response(&raw).status, 200);
    // A broken file: refused, the running configuration stays.
    s.rewrite_config("[keys]\nno_such_key = 1\n");
    s.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(auth(), 401);
    let m = s.get("/metrics", &[]);
    assert_eq!(m.status, 200);
    let body = metrics_text(&s.addr);
    assert!(body.contains("jwtgate_serve_reloads_total 1\n"), "{body}");
    assert!(
        body.contains("jwtgate_serve_reload_failures_total 1\n"),
        "{body}"
    );
    assert!(body.contains("jwtgate_serve_http_requests_total{outcome=\"unauthorized\"}"));
}

fn metrics_text(addr: &str) -> String {
    let mut s = connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    raw.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[test]
fn sigterm_drains_and_exits() {
    let dir = TempDir::new("serve-term");
    let mut s = Server::start(&dir, BASE, &[]);
    // A request whose head is only half sent is in flight when SIGTERM comes.
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    slow.set_read_timeout(Some(WAIT)).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.signal("TERM");
    std::thread::sleep(Duration::from_millis(100));
    slow.write_all(b"Connection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    slow.read_to_string(&mut raw).unwrap();
    assert_eq!(
        parse_response(&raw).status,
        200,
        "in-flight request finished"
    );
    s.wait_success();
    // No longer listening.
    assert!(TcpStream::connect(&s.addr).is_err());
}

#[test]
fn unix_socket_serves_checks_and_is_removed_on_sigterm() {
    let dir = TempDir::new("serve-unix");
    let sock = dir.path().join("jwtgate.sock");
    let listen = format!("unix:{}", sock.display());
    let config = format!("[server]\nsocket_mode = 0o600\n{BASE}");
    let mut s = Server::start_at(&dir, &config, &[], &listen);
    assert_eq!(s.addr, listen);
    use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
    let meta = std::fs::symlink_metadata(&sock).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(s.get("/healthz", &[]).status, 200);
    let t = good("alice", r#","email":"a@x","roles":["r1","r2"]"#);
    let r = s.auth("/api", &[("Authorization", &bearer(&t))]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("X-Auth-Subject"), Some("alice"));
    assert_eq!(r.header("X-Auth-Email"), Some("a@x"));
    let r = s.auth("/api", &[("Authorization", "Bearer not.a.jwt")]);
    assert_eq!(r.status, 401);
    assert!(r.header("WWW-Authenticate").unwrap().starts_with("Bearer"));
    let r = s.auth("/api", &[]);
    assert_eq!(r.status, 401);
    // Counted and logged as on TCP.
    let m = metrics_text(&s.addr);
    assert!(
        m.contains("jwtgate_serve_http_requests_total{outcome=\"allowed\"} 1"),
        "{m}"
    );
    assert!(eventually(WAIT, || s
        .log_lines()
        .iter()
        .any(|l| l.contains("\"status\":401"))));
    // SIGHUP reload keeps serving on the socket.
    s.signal("HUP");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(s.get("/healthz", &[]).status, 200);
    // SIGTERM: drains, exits, removes the socket.
    s.signal("TERM");
    s.wait_success();
    assert!(!sock.exists(), "socket file removed");
    // A stale socket left by a killed server is replaced at start.
    let stale = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    drop(stale);
    let s = Server::start_at(&dir, &config, &[], &listen);
    assert_eq!(s.get("/healthz", &[]).status, 200);
}

#[test]
fn unix_socket_path_holding_a_regular_file_is_refused_and_kept() {
    let dir = TempDir::new("serve-unix-file");
    std::fs::write(dir.path().join("secret"), SECRET).unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(&config, BASE).unwrap();
    let sock = dir.path().join("jwtgate.sock");
    std::fs::write(&sock, "not a socket").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config", config.to_str().unwrap(), "--listen"])
        .arg(format!("unix:{}", sock.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a socket"), "{err}");
    assert_eq!(std::fs::read_to_string(&sock).unwrap(), "not a socket");
}

#[test]
fn header_limit_gives_431() {
    let dir = TempDir::new("serve-431");
    let s = Server::start(
        &dir,
        &format!("[server]\nmax_header_bytes = 8192\n{BASE}"),
        &[],
    );
    let big = "x".repeat(20_000);
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(WAIT)).unwrap();
    let req = format!("GET /auth HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n");
    let _ = c.write_all(req.as_bytes());
    let mut raw = String::new();
    let _ = c.read_to_string(&mut raw);
    assert!(raw.starts_with("HTTP/1.1 431"), "{raw:?}");
    // The server still answers.
    assert_eq!(s.get("/healthz", &[]).status, 200);
}

#[test]
fn key_options_without_a_key_source_refuse_to_start() {
    let dir = TempDir::new("serve-key-options");
    let path = dir.path().join("g.toml");
    for (text, what) in [
        (
            "[keys]\njwks_file = \"k\"\nmax_staleness = \"1h\"\n",
            "keys.max_staleness goes with jwks_url or issuer",
        ),
        (
            "[keys]\nsecret_env = \"S\"\ncooldown = \"1s\"\n",
            "keys.cooldown goes with jwks_url or issuer",
        ),
        (
            "[keys]\njwks_file = \"k\"\n[cache]\nentries = 1\n",
            "entries",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let out = Command::new(BIN)
            .args(["serve", "--config", path.to_str().unwrap(), "--check"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(what), "{err}");
    }
}

/// The value of an unlabelled metric.
fn metric(addr: &str, name: &str) -> f64 {
    let text = metrics_text(addr);
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} not in\n{text}"))
        .parse()
        .unwrap()
}

#[test]
fn revoked_token_is_rejected_on_a_cache_hit() {
    let redis = RedisServer::start();
    let dir = TempDir::new("serve-cache");
    let config =
        format!("{BASE}\n[revocation]\nredis_url_env = \"TEST_REDIS\"\n[cache]\nsize = 64\n");
    let s = Server::start(&dir, &config, &[("TEST_REDIS", &redis.url())]);
    assert!(eventually(WAIT, || s.get("/readyz", &[]).status == 200));
    let t = good("gina", r#","sid":"s-9""#);
    let auth = || s.auth("/app", &[("Authorization", &bearer(&t))]).status;
    assert_eq!(auth(), 200);
    assert_eq!(auth(), 200);
    let hits = metric(&s.addr, "jwtgate_cache_hits_total");
    assert!(hits >= 1.0, "the second check was not a cache hit");
    RedisStore::new(RedisSource::from_url(&redis.url()).unwrap())
        .revoke(&OwnedRevocation::session("s-9", unix_now() + 600))
        .unwrap();
    assert!(eventually(WAIT, || auth() == 401));
    // The refusal came from a cache hit: the signature was not checked
    // again, the denylist was.
    assert!(metric(&s.addr, "jwtgate_cache_hits_total") > hits);
    assert_eq!(metric(&s.addr, "jwtgate_cache_entries"), 64.0);
}

#[test]
fn cache_size_zero_turns_it_off() {
    let dir = TempDir::new("serve-cache-off");
    let s = Server::start(&dir, &format!("{BASE}\n[cache]\nsize = 0\n"), &[]);
    let t = good("hal", "");
    for _ in 0..3 {
        assert_eq!(
            s.auth("/app", &[("Authorization", &bearer(&t))]).status,
            200
        );
    }
    assert_eq!(metric(&s.addr, "jwtgate_cache_hits_total"), 0.0);
    // Turned on by a reload.
    s.rewrite_config(&format!("{BASE}\n[cache]\nsize = 16\n"));
    s.signal("HUP");
    assert!(eventually(WAIT, || metrics_text(&s.addr)
        .contains("jwtgate_serve_reloads_total 1\n")));
    for _ in 0..2 {
        assert_eq!(
            s.auth("/app", &[("Authorization", &bearer(&t))]).status,
            200
        );
    }
    assert_eq!(metric(&s.addr, "jwtgate_cache_hits_total"), 1.0);
}

#[test]
fn example_config_checks() {
    let dir = TempDir::new("serve-example");
    let jwks = dir.path().join("pub.jwks");
    let out = Command::new(BIN)
        .args(["keygen", "--out"])
        .arg(dir.path().join("priv.jwks"))
        .arg("--public")
        .arg(&jwks)
        .output()
        .unwrap();
    assert!(out.status.success());
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/gateway.toml");
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&example)
        .arg("--check")
        .env("JWTGATE_JWKS_FILE", &jwks)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn phantom_token_flow_with_logout() {
    let redis = RedisServer::start();
    let dir = TempDir::new("serve-phantom");
    let out = Command::new(BIN)
        .args(["keygen", "--kid", "gw-1", "--out"])
        .arg(dir.path().join("gw.jwks"))
        .arg("--public")
        .arg(dir.path().join("gw.pub.jwks"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let config = r#"
[phantom]
redis_url_env = "TEST_REDIS"
signing_key = "gw.jwks"
issuer = "https://gateway.test"
audience = "mesh"
ttl = "60s"
[revocation]
redis_url_env = "TEST_REDIS"
[token]
cookie = "session"
[headers]
"X-Auth-Subject" = "sub"
"X-Auth-Roles" = "roles"
"#;
    let s = Server::start(&dir, config, &[("TEST_REDIS", &redis.url())]);
    assert!(eventually(WAIT, || s.get("/readyz", &[]).status == 200));
    let mut con = redis.connection();
    let _: () = jwtgate_sync::redis::cmd("SET")
        .arg("session:opaque-alice")
        .arg(r#"{"sub":"alice","sid":"s-alice","roles":["user"]}"#)
        .query(&mut con)
        .unwrap();

    // By cookie: 200, the claims as headers, and a minted JWT.
    let r = s.auth("/app", &[("Cookie", "session=opaque-alice")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-auth-subject"), Some("alice"));
    assert_eq!(r.header("x-auth-roles"), Some(r#"["user"]"#));
    let jwt = r.header("x-auth-token").unwrap().to_string();
    // A service verifies it with the gateway's public key alone.
    let keys = jwtgate::KeySet::from_jwks(&std::fs::read(dir.path().join("gw.pub.jwks")).unwrap())
        .unwrap();
    let mut policy = jwtgate::Policy::new();
    policy.add_issuer("https://gateway.test").unwrap();
    policy.add_audience("mesh").unwrap();
    let verifier = jwtgate::Verifier::new(keys, policy);
    let mut buf = vec![0u8; jwtgate::buffer_len(jwt.len())];
    let v = verifier
        .verify(jwt.as_bytes(), unix_now(), &mut buf)
        .unwrap();
    assert!(v.claims().sid().unwrap().eq_str("s-alice"));
    // Cached: the same JWT on the next request.
    let r = s.auth("/app", &[("Cookie", "session=opaque-alice")]);
    assert_eq!(r.header("x-auth-token"), Some(jwt.as_str()));
    // By bearer too.
    let r = s.auth("/app", &[("Authorization", "Bearer opaque-alice")]);
    assert_eq!(r.status, 200);
    // An unknown session: 401.
    assert_eq!(
        s.auth("/app", &[("Cookie", "session=opaque-nobody")])
            .status,
        401
    );

    // Logout: the session is deleted. The next request is 401, and the
    // minted JWT's sid is revoked for services that verify it themselves.
    let _: () = jwtgate_sync::redis::cmd("DEL")
        .arg("session:opaque-alice")
        .query(&mut con)
        .unwrap();
    assert_eq!(
        s.auth("/app", &[("Cookie", "session=opaque-alice")]).status,
        401
    );
    let store = RedisStore::new(RedisSource::from_url(&redis.url()).unwrap());
    let revoked = store
        .get(jwtgate_sync::Kind::Session, b"s-alice")
        .unwrap()
        .expect("sid revoked");
    assert!(revoked.until >= v.claims().exp().unwrap());
    // A new login with the same sid would be refused too until then: the
    // gateway verifies what it mints against the live denylist.
    let _: () = jwtgate_sync::redis::cmd("SET")
        .arg("session:opaque-again")
        .arg(r#"{"sub":"alice","sid":"s-alice"}"#)
        .query(&mut con)
        .unwrap();
    assert!(eventually(WAIT, || {
        s.auth("/app", &[("Cookie", "session=opaque-again")]).status == 401
    }));
    // The session store gone: not ready, and fail closed (503).
    drop(con);
    drop(redis);
    assert_eq!(s.get("/readyz", &[]).status, 503);
    assert_eq!(
        s.auth("/app", &[("Cookie", "session=opaque-again")]).status,
        503
    );
}

#[test]
fn idle_and_slow_connections_are_closed() {
    let dir = TempDir::new("serve-idle");
    let s = Server::start(
        &dir,
        &format!("[server]\nheader_timeout = \"1s\"\n{BASE}"),
        &[],
    );
    // Silent from the start.
    let mut silent = TcpStream::connect(&s.addr).unwrap();
    // Idle after one keep-alive request.
    let mut idle = TcpStream::connect(&s.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 17];
    idle.set_read_timeout(Some(WAIT)).unwrap();
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK\r\n");
    let started = Instant::now();
    for c in [&mut silent, &mut idle] {
        c.set_read_timeout(Some(WAIT)).unwrap();
        let mut rest = Vec::new();
        // EOF (or a reset) once the server gives up on the connection.
        let _ = c.read_to_end(&mut rest);
    }
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(5), "closed after {waited:?}");
}

/// `[keys]` with `keys` (a `jwks_url` or `issuer` line) from `idp`, fast
/// refreshes, and one claim header.
fn idp_config(idp: &Idp, keys: &str) -> String {
    format!(
        "[keys]\n{keys}\nca_file = \"{}\"\ncooldown = \"200ms\"\nrefresh_min = \"500ms\"\nrefresh_default = \"500ms\"\n[headers]\n\"X-Auth-Subject\" = \"sub\"\n",
        idp.ca
    )
}

#[test]
fn jwks_url_rotation_staleness_and_reload() {
    let dir = TempDir::new("serve-jwks");
    let (k1, k2, k3) = (ed_key("k1", 1), ed_key("k2", 2), ed_key("k3", 3));
    let mut idp = Idp::start(&[&k1]);
    let config = idp_config(
        &idp,
        &format!("jwks_url = \"{}\"\nmax_staleness = \"2s\"", idp.jwks_url()),
    );
    let s = Server::start(&dir, &config, &[]);
    let auth = |t: &str| s.auth("/app", &[("Authorization", &bearer(t))]).status;
    let (t1, t2, t3) = (signed(&k1, "i"), signed(&k2, "i"), signed(&k3, "i"));
    assert_eq!(auth(&t1), 200);
    assert_eq!(auth(&t2), 401);
    assert_eq!(s.get("/readyz", &[]).status, 200);
    // Rotation: k2 published, k1 withdrawn. The unknown kid asks for a
    // refresh (cooldown 200 ms); k2 is accepted, k1 no longer.
    *idp.doc.lock().unwrap() = jwks(&[&k2]);
    assert!(eventually(WAIT, || auth(&t2) == 200));
    assert_eq!(auth(&t1), 401);
    assert!(metrics_text(&s.addr).contains("jwtgate_keys_fetch_total{result=\"ok\"}"));
    // The provider down: past keys.max_staleness, 503 and not ready.
    idp.server.pause();
    assert!(eventually(WAIT, || auth(&t2) == 503));
    assert_eq!(s.get("/readyz", &[]).status, 503);
    idp.server.resume();
    assert!(eventually(WAIT, || auth(&t2) == 200));
    assert!(eventually(WAIT, || s.get("/readyz", &[]).status == 200));
    // SIGHUP to a location that does not answer with keys: refused, the
    // running source stays (it still fetches, k2 still passes).
    s.rewrite_config(&idp_config(
        &idp,
        &format!("jwks_url = \"{}\"", idp.server.url("/nowhere")),
    ));
    s.signal("HUP");
    assert!(eventually(WAIT, || metrics_text(&s.addr)
        .contains("jwtgate_serve_reload_failures_total 1\n")));
    let fetched = idp.server.hits("/idp/jwks");
    assert!(eventually(WAIT, || idp.server.hits("/idp/jwks") > fetched));
    assert_eq!(auth(&t2), 200);
    // SIGHUP to another provider replaces the source: k3 only.
    let other = Idp::start(&[&k3]);
    s.rewrite_config(&idp_config(
        &other,
        &format!("jwks_url = \"{}\"", other.jwks_url()),
    ));
    s.signal("HUP");
    assert!(eventually(WAIT, || auth(&t3) == 200));
    assert_eq!(auth(&t2), 401);
    // The old source is stopped: the old provider is no longer asked.
    let before = idp.server.hits("/idp/jwks");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(auth(&t2), 401);
    assert_eq!(idp.server.hits("/idp/jwks"), before);
}

#[test]
fn keys_miss_wait_accepts_a_new_key_on_the_first_request() {
    let dir = TempDir::new("serve-miss-wait");
    let (k1, k2, k3) = (ed_key("k1", 1), ed_key("k2", 2), ed_key("k3", 3));
    let idp = Idp::start(&[&k1]);
    // No timed refresh during the test: only unknown kids fetch.
    let config = |extra: &str| {
        format!(
            "[keys]\njwks_url = \"{}\"\nca_file = \"{}\"\ncooldown = \"200ms\"\nrefresh_min = \"1h\"\nrefresh_max = \"1h\"\nrefresh_default = \"1h\"\n{extra}\n",
            idp.jwks_url(),
            idp.ca
        )
    };
    let s = Server::start(&dir, &config("miss_wait = \"3s\""), &[]);
    let auth = |t: &str| s.auth("/app", &[("Authorization", &bearer(t))]).status;
    assert_eq!(auth(&signed(&k1, "i")), 200);
    // k2 published after the start: the first request with it waits for
    // the fetch it asks for, and passes.
    *idp.doc.lock().unwrap() = jwks(&[&k1, &k2]);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(auth(&signed(&k2, "i")), 200);
    assert!(metrics_text(&s.addr).contains("jwtgate_keys_miss_waits_total 1\n"));
    // Reloaded without the wait: k3's first request is refused (401), the
    // refresh behind it lets the next ones pass.
    s.rewrite_config(&config(""));
    s.signal("HUP");
    assert!(eventually(WAIT, || metrics_text(&s.addr)
        .contains("jwtgate_serve_reloads_total 1\n")));
    *idp.doc.lock().unwrap() = jwks(&[&k1, &k2, &k3]);
    std::thread::sleep(Duration::from_millis(400));
    let t3 = signed(&k3, "i");
    assert_eq!(auth(&t3), 401);
    assert!(eventually(WAIT, || auth(&t3) == 200));
}

#[test]
fn issuer_discovery_requires_the_issuer() {
    let dir = TempDir::new("serve-issuer");
    let k1 = ed_key("k1", 1);
    let idp = Idp::start(&[&k1]);
    let issuer = idp.issuer();
    let s = Server::start(
        &dir,
        &idp_config(&idp, &format!("issuer = \"{issuer}\"")),
        &[],
    );
    let auth = |t: &str| s.auth("/app", &[("Authorization", &bearer(t))]).status;
    assert_eq!(auth(&signed(&k1, &issuer)), 200);
    assert_eq!(auth(&signed(&k1, "https://someone-else")), 401);
}
