//! `jwtgate follow` (the sidecar), `revoke batch` and `denylist build`
//! sequence numbers, against a real `redis-server`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../sync/tests/common/mod.rs"]
mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use common::{eventually, RedisServer, TempDir};
use jwtgate_sync::{read_snapshot_file, Kind, RedisSource, RedisStore};

const WAIT: Duration = Duration::from_secs(10);
const BIN: &str = env!("CARGO_BIN_EXE_jwtgate");

fn jwtgate(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

struct Sidecar(Child);

impl Sidecar {
    fn start(redis: &RedisServer, file: &Path, extra: &[&str]) -> Sidecar {
        let url = redis.url();
        let mut args = vec!["follow", "--redis", &url, "--out", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        Sidecar(
            Command::new(BIN)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn file_age(file: &Path) -> Duration {
    let m = std::fs::metadata(file).unwrap().modified().unwrap();
    SystemTime::now().duration_since(m).unwrap_or_default()
}

fn sequence(file: &Path) -> u64 {
    read_snapshot_file(file).unwrap().sequence()
}

/// D2: Redis hangs (SIGSTOP: connections stay open, nothing answers). The
/// sidecar stops vouching for its file at once: the file's age grows from
/// the last answer, not from when the socket is found dead.
#[test]
fn sidecar_heartbeat_follows_confirmed_freshness() {
    let redis = RedisServer::start();
    let dir = TempDir::new("hang");
    let file = dir.path().join("d.bin");
    let _sidecar = Sidecar::start(&redis, &file, &["--heartbeat", "1s"]);
    assert!(eventually(WAIT, || file.exists()));
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        file_age(&file) < Duration::from_millis(1500),
        "{:?}",
        file_age(&file)
    );
    redis.signal("STOP");
    std::thread::sleep(Duration::from_millis(3500));
    let age = file_age(&file);
    redis.signal("CONT");
    assert!(
        age >= Duration::from_millis(3000),
        "the file was vouched for while Redis hung: {age:?}"
    );
    assert!(eventually(WAIT, || file_age(&file) < Duration::from_millis(1500)));
}

/// D5: a restarted sidecar whose Redis lost data does not replace a more
/// complete file (unless told to); sequence numbers only go up.
#[test]
fn restarted_sidecar_keeps_the_more_complete_file() {
    let redis = RedisServer::start();
    let dir = TempDir::new("shrink");
    let file = dir.path().join("d.bin");
    let store = RedisStore::new(RedisSource::from_url(&redis.url()).unwrap());
    let exp = jwtgate_sync::unix_now() + 600;
    for i in 0..50 {
        store
            .revoke_token(format!("t-{i}").as_bytes(), Some(exp))
            .unwrap();
    }
    {
        let _sidecar = Sidecar::start(&redis, &file, &[]);
        assert!(eventually(WAIT, || read_snapshot_file(&file)
            .is_ok_and(|s| s.entries() == 50)));
    }
    let first = sequence(&file);
    // Redis loses everything; one new revocation arrives.
    let mut con = redis.connection();
    let _: () = jwtgate_sync::redis::cmd("FLUSHALL")
        .query(&mut con)
        .unwrap();
    store.revoke_token(b"after", Some(exp)).unwrap();
    {
        let _sidecar = Sidecar::start(&redis, &file, &[]);
        std::thread::sleep(Duration::from_millis(1500));
        let s = read_snapshot_file(&file).unwrap();
        assert_eq!(s.entries(), 50, "the more complete file was replaced");
    }
    {
        let _sidecar = Sidecar::start(&redis, &file, &["--allow-shrink"]);
        assert!(eventually(WAIT, || read_snapshot_file(&file)
            .is_ok_and(|s| s.entries() == 1)));
    }
    assert!(sequence(&file) > first, "sequence went backwards");
}

/// `denylist build` derives an increasing sequence, or takes one.
#[test]
fn build_sequence_is_monotonic() {
    let dir = TempDir::new("seqb");
    let file = dir.path().join("d.bin");
    let out = file.to_str().unwrap();
    let lines = "token a +1h\n";
    let build = |extra: &[&str]| {
        let mut args = vec!["denylist", "build", "--out", out];
        args.extend_from_slice(extra);
        let o = jwtgate(&args, lines);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    build(&[]);
    let first = sequence(&file);
    assert!(first >= jwtgate_sync::unix_now() - 5, "{first}");
    build(&[]);
    assert!(sequence(&file) > first);
    build(&["--sequence", "7"]);
    assert_eq!(sequence(&file), 7);
}

/// `revoke batch`: pipelined from a file or standard input; a `#` inside an
/// identifier, a JSON line for anything else, a clear error otherwise.
#[test]
fn revoke_batch_lines() {
    let redis = RedisServer::start();
    let url = redis.url();
    let dir = TempDir::new("batch");
    let path = dir.path().join("lines.txt");
    let mut text = String::from("# a comment\n\ntoken a#1 +1h  # trailing comment\n");
    text.push_str("{\"kind\":\"session\",\"id\":\"#s 1\",\"until\":\"+1h\"}\n");
    text.push_str("{\"kind\":\"subject\",\"id\":\"u\",\"until\":\"+1h\",\"version\":3}\n");
    for i in 0..2500 {
        text.push_str(&format!("token bulk-{i} +1h\n"));
    }
    std::fs::write(&path, &text).unwrap();
    let o = jwtgate(
        &[
            "revoke",
            "--redis",
            &url,
            "batch",
            "--file",
            path.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 2503);
    let store = RedisStore::new(RedisSource::from_url(&url).unwrap());
    assert!(store.get(Kind::Token, b"a#1").unwrap().is_some());
    assert!(store.get(Kind::Session, b"#s 1").unwrap().is_some());
    assert_eq!(
        store
            .get(Kind::Subject, b"u")
            .unwrap()
            .unwrap()
            .below_version,
        3
    );
    assert!(store.get(Kind::Token, b"bulk-2499").unwrap().is_some());
    // Standard input; a line that cannot be read says why.
    let o = jwtgate(&["revoke", "--redis", &url, "batch"], "token #x +1h\n");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 1") && err.contains("JSON"), "{err}");
    let o = jwtgate(
        &["revoke", "--redis", &url, "batch"],
        "subject u +1h version=-1\n",
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad version"));
}

/// `--max-leeway`: a revocation whose `until` is 450 s past stays in the
/// file for readers with a 600 s leeway, and is dropped with the default
/// (300 s).
#[test]
fn sidecar_keeps_revocations_for_max_leeway() {
    let redis = RedisServer::start();
    let dir = TempDir::new("leeway");
    let store = RedisStore::new(RedisSource::from_url(&redis.url()).unwrap()).with_retention(
        jwtgate::Retention {
            max_leeway: 900,
            ..jwtgate::Retention::DEFAULT
        },
    );
    let now = jwtgate_sync::unix_now();
    store.revoke_token(b"late", Some(now - 450)).unwrap();
    store.revoke_token(b"fresh", Some(now + 600)).unwrap();
    let url = redis.url();
    for (extra, kept) in [(&["--max-leeway", "10m"][..], 2), (&[][..], 1)] {
        let file = dir.path().join(format!("d{kept}.bin"));
        let mut args = vec![
            "follow",
            "--once",
            "--redis",
            &url,
            "--out",
            file.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = jwtgate(&args, "");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            read_snapshot_file(&file).unwrap().entries(),
            kept,
            "{extra:?}"
        );
    }
}
