//! End to end, across processes: the `jwtgate` binary revokes (or writes
//! snapshot files), services in this process follow Redis or watch files
//! and reject. One test per logout scenario of the seed documents.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../sync/tests/common/mod.rs"]
mod common;

use jwtgate_sync::redis;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{eventually, RedisServer, TempDir};
use jwtgate::{Error, KeySet, Policy, RevocationKind, Verifier, BUFFER_LEN};
use jwtgate_sync::{
    DenylistState, FileWatcher, Follower, FollowerOptions, LiveVerifier, RedisSource, VerifyError,
    WatchOptions,
};

const WAIT: Duration = Duration::from_secs(10);
const BIN: &str = env!("CARGO_BIN_EXE_jwtgate");

fn jwtgate(args: &[&str]) -> Output {
    let out = Command::new(BIN).args(args).output().unwrap();
    if !out.status.success() {
        eprintln!("jwtgate {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .trim()
        .to_string()
}

/// An issuer: a key pair made by `jwtgate keygen`, tokens by `jwtgate sign`.
struct Issuer {
    dir: TempDir,
}

impl Issuer {
    fn new() -> Issuer {
        let dir = TempDir::new("issuer");
        let (private, public) = (dir.path().join("priv.json"), dir.path().join("pub.json"));
        let out = jwtgate(&[
            "keygen",
            "--alg",
            "EdDSA",
            "--kid",
            "k1",
            "--out",
            private.to_str().unwrap(),
            "--public",
            public.to_str().unwrap(),
        ]);
        assert!(out.status.success());
        Issuer { dir }
    }

    fn jwks(&self) -> String {
        self.dir
            .path()
            .join("pub.json")
            .to_str()
            .unwrap()
            .to_string()
    }

    /// Signs a token; `extra` are `sign` options (`--sub x`, ...).
    fn sign(&self, extra: &[&str]) -> String {
        let key = self.dir.path().join("priv.json");
        let mut args = vec!["sign", "--key", key.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = jwtgate(&args);
        assert!(out.status.success());
        stdout(&out)
    }

    fn keys(&self) -> KeySet {
        KeySet::from_jwks(&std::fs::read(self.jwks()).unwrap()).unwrap()
    }

    fn verifier(&self, state: DenylistState) -> LiveVerifier {
        LiveVerifier::from_verifier(&Verifier::new(self.keys(), Policy::new()), state)
    }
}

/// A service following Redis.
struct Service {
    verifier: Arc<LiveVerifier>,
    _follower: Follower,
}

fn service(issuer: &Issuer, redis: &RedisServer) -> Service {
    let state = DenylistState::new().unwrap();
    let follower = Follower::start(
        RedisSource::from_url(&redis.url()).unwrap(),
        state.clone(),
        FollowerOptions::default(),
    )
    .unwrap();
    assert!(follower.wait_ready(WAIT));
    Service {
        verifier: Arc::new(issuer.verifier(state)),
        _follower: follower,
    }
}

fn check(v: &LiveVerifier, token: &str) -> Result<(), VerifyError> {
    let mut buf = [0u8; BUFFER_LEN];
    v.verify_now(token.as_bytes(), &mut buf).map(|_| ())
}

fn revoked(kind: RevocationKind) -> Result<(), VerifyError> {
    Err(VerifyError::Token(Error::Revoked(kind)))
}

fn revoke(redis: &RedisServer, args: &[&str]) {
    let url = redis.url();
    let mut all = vec!["revoke", "--redis", url.as_str()];
    all.extend_from_slice(args);
    let out = jwtgate(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn rejected_soon(v: &LiveVerifier, token: &str, kind: RevocationKind) {
    assert!(
        eventually(WAIT, || check(v, token) == revoked(kind)),
        "{:?}",
        check(v, token)
    );
}

#[test]
fn help_for_every_command() {
    let commands: &[&[&str]] = &[
        &[],
        &["keygen"],
        &["sign"],
        &["verify"],
        &["denylist"],
        &["denylist", "build"],
        &["denylist", "inspect"],
        &["denylist", "check"],
        &["revoke"],
        &["revoke", "token"],
        &["revoke", "session"],
        &["revoke", "subject"],
        &["revoke", "batch"],
        &["follow"],
        &["bench"],
        &["bench", "verify"],
        &["bench", "propagation"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let out = jwtgate(&args);
        assert!(out.status.success(), "{c:?}");
        assert!(stdout(&out).contains("Usage:"), "{c:?}");
    }
}

/// Exit status per error class, claims as JSON.
#[test]
fn verify_exit_codes() {
    let issuer = Issuer::new();
    let good = issuer.sign(&["--sub", "ada", "--jti", "j1"]);
    let out = jwtgate(&["verify", "--jwks", &issuer.jwks(), &good]);
    assert!(out.status.success());
    let claims: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(claims["sub"], "ada");
    let expired = issuer.sign(&["--iat", "1000", "--exp", "2000"]);
    assert_eq!(
        jwtgate(&["verify", "--jwks", &issuer.jwks(), &expired])
            .status
            .code(),
        Some(14)
    );
    // Change a signature character away from the end: the last one carries
    // unused bits, and changing those is a base64 error, not a bad signature.
    let at = good.len() - 10;
    let mut tampered = good.clone();
    let replacement = if &good[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, replacement);
    assert_eq!(
        jwtgate(&["verify", "--jwks", &issuer.jwks(), &tampered])
            .status
            .code(),
        Some(13)
    );
    assert_eq!(
        jwtgate(&["verify", "--jwks", &issuer.jwks(), "not.a-token"])
            .status
            .code(),
        Some(10)
    );
    let other = Issuer::new();
    assert_eq!(
        jwtgate(&["verify", "--jwks", &other.jwks(), &good])
            .status
            .code(),
        Some(13)
    );
}

/// Revoke in one process (the CLI), reject in another (this one, following
/// Redis) and in a third (`jwtgate verify --redis`).
#[test]
fn revoke_in_one_process_reject_in_another() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let svc = service(&issuer, &redis);
    let t = issuer.sign(&["--sub", "ada", "--sid", "s1", "--jti", "stolen-1"]);
    assert_eq!(check(&svc.verifier, &t), Ok(()));
    let out = jwtgate(&[
        "verify",
        "--jwks",
        &issuer.jwks(),
        "--redis",
        &redis.url(),
        &t,
    ]);
    assert!(out.status.success());
    revoke(&redis, &["token", "stolen-1", "--exp", "+15m"]);
    rejected_soon(&svc.verifier, &t, RevocationKind::Token);
    let out = jwtgate(&[
        "verify",
        "--jwks",
        &issuer.jwks(),
        "--redis",
        &redis.url(),
        &t,
    ]);
    assert_eq!(out.status.code(), Some(15));
}

/// Seed 004, scenario 3 ("logout"): the user logs out on one device; that
/// session's tokens die at once, the other device's live on.
#[test]
fn scenario_logout_one_device() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let svc = service(&issuer, &redis);
    let laptop = issuer.sign(&["--sub", "alice", "--sid", "laptop", "--jti", "a1"]);
    let phone = issuer.sign(&["--sub", "alice", "--sid", "phone", "--jti", "a2"]);
    revoke(&redis, &["session", "phone", "--until", "+15m"]);
    rejected_soon(&svc.verifier, &phone, RevocationKind::Session);
    assert_eq!(check(&svc.verifier, &laptop), Ok(()));
}

/// Seed 004, scenarios 3/6 ("forced logout" by an admin, blacklist with
/// TTL = token expiry): one token, by `jti`, until its `exp`.
#[test]
fn scenario_forced_logout_by_admin() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let svc = service(&issuer, &redis);
    let exp = (jwtgate_sync::unix_now() + 600).to_string();
    let t = issuer.sign(&[
        "--sub", "mallory", "--sid", "m1", "--jti", "m-tok", "--exp", &exp,
    ]);
    let sibling = issuer.sign(&[
        "--sub", "mallory", "--sid", "m1", "--jti", "m-tok2", "--exp", &exp,
    ]);
    revoke(&redis, &["token", "m-tok", "--exp", &exp]);
    rejected_soon(&svc.verifier, &t, RevocationKind::Token);
    assert_eq!(check(&svc.verifier, &sibling), Ok(()));
    // The Redis key lives as long as a verifier may accept the token: its
    // `until` (the token's exp here) plus the maximum leeway (300 s).
    let mut con = redis.connection();
    let ttl: i64 = redis::cmd("TTL")
        .arg("{jwtgate}:rev:t:m-tok")
        .query(&mut con)
        .unwrap();
    assert!((890..=901).contains(&ttl), "ttl {ttl}");
}

/// Seed 004, scenarios 4/6 ("log out everywhere", `lastLogoutTime`): every
/// token of the user issued before now, on every device; a new login works.
#[test]
fn scenario_logout_everywhere() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let svc = service(&issuer, &redis);
    let past = (jwtgate_sync::unix_now() - 5).to_string();
    let a = issuer.sign(&["--sub", "bob", "--sid", "b1", "--iat", &past]);
    let b = issuer.sign(&["--sub", "bob", "--sid", "b2", "--iat", &past]);
    let other_user = issuer.sign(&["--sub", "carol", "--iat", &past]);
    revoke(&redis, &["subject", "bob", "--until", "+15m"]);
    rejected_soon(&svc.verifier, &a, RevocationKind::Subject);
    assert_eq!(check(&svc.verifier, &b), revoked(RevocationKind::Subject));
    assert_eq!(check(&svc.verifier, &other_user), Ok(()));
    // Logging in again after the revocation: iat >= the bound.
    std::thread::sleep(Duration::from_millis(1100));
    let fresh = issuer.sign(&["--sub", "bob", "--sid", "b3"]);
    assert_eq!(check(&svc.verifier, &fresh), Ok(()));
}

/// Seed 004, scenario 4 (token versioning, `tokenVersion`): bumping the
/// user's version to 3 revokes every token with `ver` < 3.
#[test]
fn scenario_token_versioning() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let svc = service(&issuer, &redis);
    let v2 = issuer.sign(&["--sub", "dave", "--ver", "2"]);
    let v3 = issuer.sign(&["--sub", "dave", "--ver", "3"]);
    let unversioned = issuer.sign(&["--sub", "dave"]);
    revoke(
        &redis,
        &["subject", "dave", "--until", "+15m", "--below-version", "3"],
    );
    rejected_soon(&svc.verifier, &v2, RevocationKind::Subject);
    assert_eq!(
        check(&svc.verifier, &unversioned),
        revoked(RevocationKind::Subject)
    );
    assert_eq!(check(&svc.verifier, &v3), Ok(()));
}

/// Seed 004, scenarios 2/6 (short-lived access token + refresh-token
/// revocation): logout revokes the long-lived refresh token by `jti`; the
/// refresh endpoint (which requires `typ: refresh+jwt`) rejects it at once,
/// and can no longer mint access tokens.
#[test]
fn scenario_refresh_token_revocation() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let state = DenylistState::new().unwrap();
    let follower = Follower::start(
        RedisSource::from_url(&redis.url()).unwrap(),
        state.clone(),
        FollowerOptions::default(),
    )
    .unwrap();
    assert!(follower.wait_ready(WAIT));
    let mut refresh_policy = Policy::new();
    refresh_policy.require_typ("refresh+jwt").unwrap();
    let refresh_endpoint =
        LiveVerifier::from_verifier(&Verifier::new(issuer.keys(), refresh_policy), state.clone());
    let api = issuer.verifier(state);
    let refresh = issuer.sign(&[
        "--sub",
        "erin",
        "--sid",
        "e1",
        "--jti",
        "r-77",
        "--exp",
        "+30d",
        "--typ",
        "refresh+jwt",
    ]);
    let access = issuer.sign(&[
        "--sub", "erin", "--sid", "e1", "--jti", "acc-1", "--exp", "+5m",
    ]);
    assert_eq!(check(&refresh_endpoint, &refresh), Ok(()));
    // An access token is not a refresh token.
    assert!(matches!(
        check(&refresh_endpoint, &access),
        Err(VerifyError::Token(Error::InvalidType))
    ));
    // Refresh tokens live 30 days: say so (the default bound is 24 h).
    // `--exp` is the documented alias of `--until`.
    revoke(
        &redis,
        &[
            "--max-token-lifetime",
            "30d",
            "token",
            "r-77",
            "--exp",
            "+30d",
        ],
    );
    rejected_soon(&refresh_endpoint, &refresh, RevocationKind::Token);
    // Plain scenario 2: the short-lived access token runs out on its own.
    assert_eq!(check(&api, &access), Ok(()));
}

/// Without Redis: `jwtgate denylist build` writes a snapshot file; a
/// service watching it rejects once the file is replaced.
#[test]
fn snapshot_file_without_redis() {
    let issuer = Issuer::new();
    let dir = TempDir::new("snap");
    let file = dir.path().join("denylist.bin");
    let lines = dir.path().join("revocations.txt");
    std::fs::write(&lines, "token first +15m\n").unwrap();
    build(&lines, &file);
    let state = DenylistState::new().unwrap();
    let _watcher = FileWatcher::start(&file, state.clone(), WatchOptions::default()).unwrap();
    let svc = issuer.verifier(state);
    let first = issuer.sign(&["--jti", "first"]);
    let second = issuer.sign(&["--jti", "second"]);
    assert_eq!(check(&svc, &first), revoked(RevocationKind::Token));
    assert_eq!(check(&svc, &second), Ok(()));
    std::fs::write(&lines, "token first +15m\ntoken second +15m\n").unwrap();
    build(&lines, &file);
    rejected_soon(&svc, &second, RevocationKind::Token);
    let out = jwtgate(&[
        "verify",
        "--jwks",
        &issuer.jwks(),
        "--denylist",
        file.to_str().unwrap(),
        &second,
    ]);
    assert_eq!(out.status.code(), Some(15));
}

fn build(lines: &Path, file: &Path) {
    let out = jwtgate(&[
        "denylist",
        "build",
        "--input",
        lines.to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
}

/// `jwtgate follow` keeps a file current from Redis for services that only
/// read files: revoke through the CLI, reject through the file.
#[test]
fn follow_keeps_a_snapshot_file_current() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let dir = TempDir::new("follow");
    let file = dir.path().join("denylist.bin");
    let mut follow = Command::new(BIN)
        .args([
            "follow",
            "--redis",
            &redis.url(),
            "--out",
            file.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(eventually(WAIT, || file.exists()));
    let state = DenylistState::new().unwrap();
    let watcher = FileWatcher::start(&file, state.clone(), WatchOptions::default()).unwrap();
    let svc = issuer.verifier(state.clone());
    let t = issuer.sign(&["--sub", "frank", "--sid", "f1"]);
    assert_eq!(check(&svc, &t), Ok(()));
    revoke(&redis, &["session", "f1", "--until", "+15m"]);
    rejected_soon(&svc, &t, RevocationKind::Session);
    // The heartbeat keeps the file's staleness low.
    std::thread::sleep(Duration::from_millis(2500));
    let staleness = state.staleness().unwrap();
    assert!(staleness < Duration::from_millis(2000), "{staleness:?}");
    assert!(watcher.last_error().is_none());
    let _ = follow.kill();
    let _ = follow.wait();
}

/// `echo <line> | jwtgate denylist build -i - --out <file>`.
fn build_stdin(line: &str, file: &Path) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(BIN)
        .args([
            "denylist",
            "build",
            "-i",
            "-",
            "--out",
            file.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{line}").unwrap();
    child.wait_with_output().unwrap()
}

/// Issue 12's scenario: a token signed `--exp +15m` (and one whose `exp`
/// is one second before a window boundary), revoked by `jti` with
/// `until` +15m, +20m, +1h, +2h, +1d or none at all, is rejected (exit 15)
/// through a snapshot file and through Redis, also within the verifier's
/// leeway after `exp`. Before the fix, +1h, +2h and +1d gave exit 0.
#[test]
fn issue_12_revocation_by_until_through_file_and_redis() {
    let redis = RedisServer::start();
    let issuer = Issuer::new();
    let dir = TempDir::new("until");
    let file = dir.path().join("dl.bin");
    let n = jwtgate_sync::unix_now();
    // One second before the next boundary of the default one-hour windows,
    // at least two minutes away.
    let mut edge = n - n % 3600 + 3599;
    if edge < n + 120 {
        edge += 3600;
    }
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            // `--exp +15m`, as the issue signs it (in absolute seconds, to
            // know it below).
            (n + 900).to_string(),
            ["+15m", "+20m", "+1h", "+2h", "+1d"]
                .map(String::from)
                .to_vec(),
        ),
        (
            edge.to_string(),
            vec![edge.to_string(), (edge + 1).to_string(), "+1d".into()],
        ),
    ];
    let jwks = issuer.jwks();
    let verify = |token: &str, extra: &[&str]| -> Option<i32> {
        let mut args = vec!["verify", "--jwks", jwks.as_str()];
        args.extend_from_slice(extra);
        args.push(token);
        Command::new(BIN)
            .args(&args)
            .output()
            .unwrap()
            .status
            .code()
    };
    let url = redis.url();
    let mut k = 0;
    for (exp, untils) in &cases {
        for until in untils.iter().map(Some).chain([None]) {
            k += 1;
            let jti = format!("t-{k}");
            let t = issuer.sign(&["--sub", "alice", "--jti", &jti, "--exp", exp]);
            let exp_at: u64 = exp.parse().unwrap();
            let within_leeway = (exp_at + 29).to_string();
            let late = ["--leeway", "30", "--now", within_leeway.as_str()];
            // Through a file.
            let line = match until {
                Some(u) => format!("token {jti} {u}"),
                None => format!("token {jti}"),
            };
            let out = build_stdin(&line, &file);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let f = file.to_str().unwrap();
            assert_eq!(verify(&t, &["--denylist", f]), Some(15), "file: {line}");
            let mut args = late.to_vec();
            args.extend_from_slice(&["--denylist", f]);
            assert_eq!(verify(&t, &args), Some(15), "file, exp+29: {line}");
            let other = issuer.sign(&["--sub", "alice", "--jti", "other", "--exp", exp]);
            assert_eq!(verify(&other, &["--denylist", f]), Some(0), "{line}");
            // Through Redis.
            let mut rargs = vec!["token", jti.as_str()];
            if let Some(u) = until {
                rargs.extend_from_slice(&["--until", u.as_str()]);
            }
            revoke(&redis, &rargs);
            assert_eq!(verify(&t, &["--redis", &url]), Some(15), "redis: {line}");
            let mut args = late.to_vec();
            args.extend_from_slice(&["--redis", &url]);
            assert_eq!(verify(&t, &args), Some(15), "redis, exp+29: {line}");
        }
    }
    // A revocation that would revoke nothing, or reach beyond the maximum
    // token lifetime, is refused with an error, never a silent no-op.
    let past = (n - 3600).to_string();
    let far = (n + 2 * 86_400).to_string();
    for until in [&past, &far] {
        let out = build_stdin(&format!("token x {until}"), &file);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains("line 1") && err.contains("until"), "{err}");
        let out = jwtgate(&["revoke", "--redis", &url, "token", "x", "--until", until]);
        assert_eq!(out.status.code(), Some(1));
    }
    let out = jwtgate(&["revoke", "--redis", &url, "token", "x", "--until", &past]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("[804]"));
    let out = jwtgate(&["revoke", "--redis", &url, "token", "x", "--until", &far]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("[805]"));
}

/// Sentinel from the command line: `revoke` takes the same
/// `redis+sentinel://` URL as the libraries, waits for the replica with
/// `--wait-replicas 1`, and exits 19 when more replicas are asked for
/// than exist (the revocation is still stored on the master).
#[test]
fn revoke_through_sentinel_with_wait() {
    let group = common::ha::SentinelGroup::start();
    let url = group.url();
    let issuer = Issuer::new();
    let state = DenylistState::new().unwrap();
    let follower = Follower::start(
        RedisSource::from_url(&url).unwrap(),
        state.clone(),
        FollowerOptions::default(),
    )
    .unwrap();
    assert!(follower.wait_ready(WAIT));
    let v = issuer.verifier(state);
    let t = issuer.sign(&["--sub", "ada", "--sid", "s1", "--jti", "ha-1"]);
    let out = jwtgate(&[
        "revoke",
        "--redis",
        &url,
        "--wait-replicas",
        "1",
        "token",
        "ha-1",
        "--exp",
        "+15m",
    ]);
    assert!(out.status.success());
    rejected_soon(&v, &t, RevocationKind::Token);
    let t2 = issuer.sign(&["--sub", "ada", "--sid", "s1", "--jti", "ha-2"]);
    let out = jwtgate(&[
        "revoke",
        "--redis",
        &url,
        "--wait-replicas",
        "2",
        "--wait-timeout",
        "100",
        "token",
        "ha-2",
        "--exp",
        "+15m",
    ]);
    assert_eq!(out.status.code(), Some(19));
    assert!(String::from_utf8_lossy(&out.stderr).contains("acknowledged by 1 of 2 replicas"));
    rejected_soon(&v, &t2, RevocationKind::Token);
    // The URL's own option does the same.
    let out = jwtgate(&[
        "revoke",
        "--redis",
        &format!("{url}?wait=2&wait_timeout=100"),
        "token",
        "ha-3",
        "--exp",
        "+15m",
    ]);
    assert_eq!(out.status.code(), Some(19));
}

/// Issue 20 item 5: `verify --denylist` with a missing, corrupt or truncated
/// file exits 17 ("denylist unusable"), as documented, not 1.
#[test]
fn verify_with_an_unusable_denylist_exits_17() {
    let issuer = Issuer::new();
    let token = issuer.sign(&["--jti", "j1"]);
    let dir = TempDir::new("unusable");
    let good = dir.path().join("good.bin");
    let lines = dir.path().join("revocations.txt");
    std::fs::write(&lines, "token other +15m\n").unwrap();
    build(&lines, &good);
    let verify_with = |file: &Path| {
        jwtgate(&[
            "verify",
            "--jwks",
            &issuer.jwks(),
            "--denylist",
            file.to_str().unwrap(),
            &token,
        ])
        .status
        .code()
    };
    assert_eq!(verify_with(&good), Some(0));
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.bin");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let corrupt = dir.path().join("corrupt.bin");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    std::fs::write(&corrupt, &flipped).unwrap();
    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"not a denylist").unwrap();
    for file in [dir.path().join("missing.bin"), truncated, corrupt, garbage] {
        assert_eq!(verify_with(&file), Some(17), "{}", file.display());
    }
}

/// Issue 20 item 2: an empty `--iss` or `--aud` value is refused (exit 1,
/// with the reason), not read as "any issuer".
#[test]
fn verify_refuses_empty_issuer_and_audience() {
    let issuer = Issuer::new();
    let token = issuer.sign(&["--jti", "j1"]);
    for flag in ["--iss", "--aud"] {
        let out = jwtgate(&["verify", "--jwks", &issuer.jwks(), flag, "", &token]);
        assert_eq!(out.status.code(), Some(1), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("allow-list"), "{flag}: {err}");
    }
}
