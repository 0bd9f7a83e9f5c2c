//! The commands other than `bench`.

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};
use jwtgate::{Denylist, DenylistConfig, HeaderFields, Key, KeySet, Policy, Retention, TokenIds};
use jwtgate_sync::{
    read_snapshot_file, write_snapshot_file, BuildOptions, DenylistState, Follower,
    FollowerOptions, LiveVerifier, OwnedRevocation, RedisSource, RedisStore, RevocationSet,
    RevokeOutcome, SyncError, REVOKE_PIPELINE,
};
use jwtgate_sync::{KeyLocation, TransportOptions};

use crate::util::{
    describe, exit_status, now, parse_duration, parse_revocation_line, parse_time, read_file,
    read_input, revocation_until, BoxError, CmdResult, Progress, EXIT_DENYLIST_UNUSABLE,
    EXIT_NOT_REPLICATED, EXIT_REVOKED,
};

// ------------------------------------------------------------------ keygen --

/// Key algorithms `keygen` can make.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeyAlg {
    /// HMAC with SHA-256 (a 32-byte random secret).
    #[value(name = "HS256")]
    Hs256,
    /// HMAC with SHA-384 (48 bytes).
    #[value(name = "HS384")]
    Hs384,
    /// HMAC with SHA-512 (64 bytes).
    #[value(name = "HS512")]
    Hs512,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}

/// `jwtgate keygen`.
#[derive(Args, Debug)]
pub struct Keygen {
    /// The algorithm.
    #[arg(long, value_enum, default_value = "EdDSA")]
    alg: KeyAlg,
    /// The key id (`kid`).
    #[arg(long)]
    kid: Option<String>,
    /// Where to write the private JWKS (mode 0600).
    #[arg(long, short)]
    out: PathBuf,
    /// Where to write the public JWKS (EdDSA only; an HMAC secret has none).
    #[arg(long)]
    public: Option<PathBuf>,
}

fn b64(bytes: &[u8]) -> Result<String, BoxError> {
    let mut out = vec![0u8; jwtgate::base64url_encoded_len(bytes.len())];
    let n = jwtgate::base64url_encode(bytes, &mut out)?;
    out.truncate(n);
    Ok(String::from_utf8(out)?)
}

/// Runs `keygen`.
pub fn keygen(a: Keygen) -> CmdResult {
    let (alg_name, len) = match a.alg {
        KeyAlg::Hs256 => ("HS256", 32),
        KeyAlg::Hs384 => ("HS384", 48),
        KeyAlg::Hs512 => ("HS512", 64),
        KeyAlg::EdDsa => ("EdDSA", 32),
    };
    let mut secret = vec![0u8; len];
    getrandom::fill(&mut secret).map_err(|e| format!("random: {e}"))?;
    let mut private = serde_json::Map::new();
    let mut public = None;
    if let KeyAlg::EdDsa = a.alg {
        let key = Key::ed25519_private(&secret)?;
        let x = key.ed25519_public_bytes().ok_or("no public key")?;
        private.insert("kty".into(), "OKP".into());
        private.insert("crv".into(), "Ed25519".into());
        private.insert("x".into(), b64(&x)?.into());
        let mut p = private.clone();
        p.insert("alg".into(), "EdDSA".into());
        p.insert("use".into(), "sig".into());
        if let Some(kid) = &a.kid {
            p.insert("kid".into(), kid.clone().into());
        }
        public = Some(p);
        private.insert("d".into(), b64(&secret)?.into());
    } else {
        private.insert("kty".into(), "oct".into());
        private.insert("k".into(), b64(&secret)?.into());
    }
    private.insert("alg".into(), alg_name.into());
    private.insert("use".into(), "sig".into());
    if let Some(kid) = &a.kid {
        private.insert("kid".into(), kid.clone().into());
    }
    let doc = serde_json::json!({ "keys": [private] });
    let text = serde_json::to_string_pretty(&doc)?;
    // Check that we can read back what we write.
    KeySet::from_jwks(text.as_bytes())
        .map_err(|e| format!("generated JWKS does not load: {}", describe(&e)))?;
    write_private(&a.out, text.as_bytes())?;
    eprintln!("wrote private {alg_name} key to {}", a.out.display());
    match (a.public, public) {
        (Some(path), Some(p)) => {
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&serde_json::json!({ "keys": [p] }))?,
            )?;
            eprintln!("wrote public JWKS to {}", path.display());
        }
        (Some(_), None) => {
            return Err(
                "an HMAC secret has no public part: share the private JWKS with verifiers".into(),
            )
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), BoxError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}

// -------------------------------------------------------------------- sign --

/// `jwtgate sign`.
#[derive(Args, Debug)]
pub struct Sign {
    /// The private JWKS (from `keygen`); its first signing key is used.
    #[arg(long, short)]
    key: PathBuf,
    /// Claims as a JSON object (`-`: standard input). Options below add to it.
    #[arg(long, default_value = "{}")]
    claims: String,
    /// `sub`.
    #[arg(long)]
    sub: Option<String>,
    /// `sid` (session id).
    #[arg(long)]
    sid: Option<String>,
    /// `jti` (token id).
    #[arg(long)]
    jti: Option<String>,
    /// `iss`.
    #[arg(long)]
    iss: Option<String>,
    /// `aud`.
    #[arg(long)]
    aud: Option<String>,
    /// `ver` (subject token version).
    #[arg(long)]
    ver: Option<u64>,
    /// `iat` (default: now, unless the claims have one).
    #[arg(long)]
    iat: Option<String>,
    /// `exp` (default: `+15m`, unless the claims have one).
    #[arg(long)]
    exp: Option<String>,
    /// Header `typ` (default `JWT`).
    #[arg(long, default_value = "JWT")]
    typ: String,
}

/// Runs `sign`.
pub fn sign(a: Sign) -> CmdResult {
    let keys = KeySet::from_jwks(&read_file(&a.key)?).map_err(|e| describe(&e))?;
    let key = keys
        .iter()
        .find(|k| k.can_sign())
        .ok_or("the JWKS has no private key")?;
    let text = if a.claims == "-" {
        String::from_utf8(read_input("-")?)?
    } else {
        a.claims.clone()
    };
    let mut claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| format!("--claims: {e}"))?;
    let now = now();
    for (name, v) in [
        ("sub", &a.sub),
        ("sid", &a.sid),
        ("jti", &a.jti),
        ("iss", &a.iss),
        ("aud", &a.aud),
    ] {
        if let Some(v) = v {
            claims.insert(name.into(), v.clone().into());
        }
    }
    if let Some(v) = a.ver {
        claims.insert("ver".into(), v.into());
    }
    match &a.iat {
        Some(t) => {
            claims.insert("iat".into(), parse_time(t, now)?.into());
        }
        None => {
            claims.entry("iat").or_insert(now.into());
        }
    }
    match &a.exp {
        Some(t) => {
            claims.insert("exp".into(), parse_time(t, now)?.into());
        }
        None => {
            claims.entry("exp").or_insert((now + 900).into());
        }
    }
    let json = serde_json::to_vec(&claims)?;
    let header = HeaderFields {
        typ: Some(&a.typ),
        ..HeaderFields::new()
    };
    let mut out = vec![0u8; jwtgate::encoded_len(key, jwtgate::MAX_HEADER_JSON_LEN, json.len())];
    let n = jwtgate::encode(key, &json, &header, &mut out).map_err(|e| describe(&e))?;
    out.truncate(n);
    println!("{}", String::from_utf8(out)?);
    Ok(ExitCode::SUCCESS)
}

// ------------------------------------------------------------------ verify --

/// `jwtgate verify`.
#[derive(Args, Debug)]
pub struct Verify {
    /// The token (`-`: standard input).
    token: String,
    /// The verification keys (a JWKS file: public keys, or an HMAC secret).
    #[arg(long, required_unless_present_any = ["jwks_url", "issuer"], conflicts_with_all = ["jwks_url", "issuer"])]
    jwks: Option<PathBuf>,
    /// Fetch the keys from this JWKS URL (https only; unusable keys in the
    /// set are skipped).
    #[arg(long, conflicts_with = "issuer")]
    jwks_url: Option<String>,
    /// Fetch the keys of this issuer through OpenID Connect discovery
    /// (`<issuer>/.well-known/openid-configuration`, whose `issuer` must
    /// match exactly); the token's `iss` must then be this issuer.
    #[arg(long)]
    issuer: Option<String>,
    /// Trust this PEM CA bundle for --jwks-url/--issuer instead of the
    /// built-in webpki roots.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Accepted issuer (repeat for several). Once given, `iss` is required.
    #[arg(long)]
    iss: Vec<String>,
    /// Accepted audience (repeat for several). Once given, `aud` is required.
    #[arg(long)]
    aud: Vec<String>,
    /// Seconds of clock skew tolerated.
    #[arg(long, default_value_t = 0)]
    leeway: u64,
    /// Verify at this time instead of now.
    #[arg(long)]
    now: Option<String>,
    /// Check a denylist snapshot file.
    #[arg(long)]
    denylist: Option<PathBuf>,
    /// Check the revocations in Redis (a one-time load, not a follower).
    #[arg(long)]
    redis: Option<String>,
    /// The Redis namespace.
    #[arg(long, default_value = "jwtgate")]
    namespace: String,
    /// Pretty-print the claims.
    #[arg(long)]
    pretty: bool,
}

/// Runs `verify`.
pub fn verify(a: Verify) -> CmdResult {
    let (keys, discovered) = verify_keys(&a)?;
    let mut policy = Policy::new();
    policy.leeway = a.leeway;
    // Through the core's list rules: `--iss ""` or `--aud ""` is refused.
    if !a.iss.is_empty() {
        policy
            .set_issuers(a.iss.iter().map(String::as_str))
            .map_err(|e| format!("--iss: {}", describe(&e)))?;
    }
    if !a.aud.is_empty() {
        policy
            .set_audiences(a.aud.iter().map(String::as_str))
            .map_err(|e| format!("--aud: {}", describe(&e)))?;
    }
    if let Some(issuer) = &discovered {
        if !policy.issuers().any(|i| i == issuer) {
            policy
                .add_issuer(issuer)
                .map_err(|e| format!("--issuer: {}", describe(&e)))?;
        }
    }
    let verifier = LiveVerifier::new(keys, policy).map_err(|e| describe(&e))?;
    let now = match &a.now {
        Some(t) => parse_time(t, now())?,
        None => now(),
    };
    let state = DenylistState::new()?;
    let mut set = RevocationSet::default();
    if let Some(path) = &a.denylist {
        // A missing, corrupt or truncated file is the documented exit 17, not
        // a generic failure: scripts tell "denylist unusable" apart.
        match jwtgate_sync::read_snapshot_file(path) {
            Ok(snapshot) => state.install(snapshot),
            Err(e) => {
                eprintln!("denylist unusable: {}: {e}", path.display());
                return Ok(ExitCode::from(EXIT_DENYLIST_UNUSABLE));
            }
        }
    }
    if let Some(url) = &a.redis {
        let store = RedisStore::new(RedisSource::from_url(url)?.with_namespace(&a.namespace)?);
        for rev in store.load_all()? {
            set.insert(rev, now);
        }
        let merged = jwtgate_sync::Snapshot::from_bytes(set.build(now)?)?;
        match &a.denylist {
            // Both: the file's list as base, Redis' as delta.
            Some(_) => state.install(
                state
                    .snapshot()
                    .with_delta(merged.base_bytes().to_vec(), set.len())?,
            ),
            None => state.install(merged),
        }
    }
    let token = if a.token == "-" {
        String::from_utf8(read_input("-")?)?.trim().to_string()
    } else {
        a.token.clone()
    };
    let verifier = verifier.with_state(state);
    let mut buf = vec![0u8; jwtgate::buffer_len(token.len())];
    match verifier.verify(token.as_bytes(), now, &mut buf) {
        Ok(v) => {
            let raw = v.claims().raw_json();
            if a.pretty {
                let value: serde_json::Value = serde_json::from_slice(raw)?;
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("{}", String::from_utf8_lossy(raw));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("invalid token: {e} [{}]", e.code());
            Ok(ExitCode::from(exit_status(e.code())))
        }
    }
}

/// The keys of `verify`: a JWKS file, or one fetch from a JWKS URL or an
/// issuer (with the discovered issuer, to require).
fn verify_keys(a: &Verify) -> Result<(KeySet, Option<String>), BoxError> {
    let location = match (&a.jwks, &a.jwks_url, &a.issuer) {
        (Some(path), _, _) => {
            let keys = KeySet::from_jwks(&read_file(path)?).map_err(|e| describe(&e))?;
            return Ok((keys, None));
        }
        (None, Some(url), _) => KeyLocation::JwksUrl(url.clone()),
        (None, None, Some(issuer)) => KeyLocation::Issuer(issuer.clone()),
        (None, None, None) => return Err("one of --jwks, --jwks-url, --issuer is needed".into()),
    };
    let mut transport = TransportOptions::default();
    if let Some(ca) = &a.ca {
        transport = transport.with_ca_file(ca)?;
    }
    let fetched = jwtgate_sync::fetch_keys(&location, &transport)?;
    if fetched.skipped > 0 {
        eprintln!(
            "{}: {} unusable key(s) skipped",
            fetched.jwks_location, fetched.skipped
        );
    }
    Ok((fetched.keys, fetched.issuer))
}

// ---------------------------------------------------------------- denylist --

/// `jwtgate denylist ...`.
#[derive(Subcommand, Debug)]
pub enum DenylistCommand {
    /// Build a snapshot file from revocation lines or from Redis.
    ///
    /// Lines: `token <jti> [<until>]`, `session <sid> [<until>]`,
    /// `subject <sub> [<until>] [before=<time>] [version=<n>]`; `#` comments.
    /// A revocation rejects matching tokens whose `exp` is at or before
    /// `until` (default: now + --max-token-lifetime); it is kept until
    /// `until + --max-leeway`.
    Build(Build),
    /// Describe a snapshot file: header, sizes, segments.
    Inspect(Inspect),
    /// Ask a snapshot file about identifiers. Exit 0: not revoked; 15: revoked.
    Check(Check),
}

/// `jwtgate denylist build`.
#[derive(Args, Debug)]
pub struct Build {
    /// Revocation lines (`-`: standard input).
    #[arg(long, short, conflicts_with = "redis")]
    input: Option<String>,
    /// Read every revocation from Redis instead.
    #[arg(long)]
    redis: Option<String>,
    /// The Redis namespace.
    #[arg(long, default_value = "jwtgate")]
    namespace: String,
    /// The snapshot file to write (atomically).
    #[arg(long, short)]
    out: PathBuf,
    /// Build time (revocations that ended before are dropped).
    #[arg(long)]
    now: Option<String>,
    /// Segment width in seconds.
    #[arg(long, default_value_t = DenylistConfig::DEFAULT_SEGMENT_WIDTH)]
    segment_width: u64,
    /// Bloom filter bits per key.
    #[arg(long, default_value_t = DenylistConfig::DEFAULT_BITS_PER_ENTRY)]
    bits: u32,
    /// Leave out the exact fingerprint tables (smaller; ~0.1% false positives at 16 bits).
    #[arg(long)]
    no_fingerprints: bool,
    /// The sequence number to record (default: above the file at `--out`
    /// if there is one, and at least the current Unix time, so that a later
    /// build always has a larger number and readers can refuse an older one).
    #[arg(long)]
    sequence: Option<u64>,
    #[command(flatten)]
    retention: RetentionArgs,
}

/// How long revocations are kept and how far they may reach.
#[derive(Args, Debug, Clone, Copy)]
pub struct RetentionArgs {
    /// How long a revocation is kept after its `until` (`N[s|m|h|d]`): the
    /// largest verifier leeway plus clock skew between this host and the
    /// verifiers.
    #[arg(long, default_value_t = Retention::DEFAULT_MAX_LEEWAY, value_parser = parse_duration)]
    max_leeway: u64,
    /// The longest token lifetime (`N[s|m|h|d]`): the reach of a revocation
    /// without `until`, and the furthest one may reach.
    #[arg(long, default_value_t = Retention::DEFAULT_MAX_TOKEN_LIFETIME, value_parser = parse_duration)]
    max_token_lifetime: u64,
}

impl RetentionArgs {
    fn retention(self) -> Retention {
        Retention {
            max_leeway: self.max_leeway,
            max_token_lifetime: self.max_token_lifetime,
        }
    }
}

/// `jwtgate denylist inspect`.
#[derive(Args, Debug)]
pub struct Inspect {
    /// The snapshot file.
    file: PathBuf,
    /// Which segments are live is judged at this time.
    #[arg(long)]
    now: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `jwtgate denylist check`.
#[derive(Args, Debug)]
pub struct Check {
    /// The snapshot file.
    file: PathBuf,
    /// `jti`.
    #[arg(long)]
    jti: Option<String>,
    /// `sid`.
    #[arg(long)]
    sid: Option<String>,
    /// `sub`.
    #[arg(long)]
    sub: Option<String>,
    /// `iat` of the token.
    #[arg(long)]
    iat: Option<String>,
    /// `ver` of the token.
    #[arg(long)]
    ver: Option<u64>,
    /// `exp` of the token (selects the segment; absent: every live one).
    #[arg(long)]
    exp: Option<String>,
    /// Check at this time.
    #[arg(long)]
    now: Option<String>,
}

/// Runs `denylist ...`.
pub fn denylist(c: DenylistCommand) -> CmdResult {
    match c {
        DenylistCommand::Build(a) => build(a),
        DenylistCommand::Inspect(a) => inspect(a),
        DenylistCommand::Check(a) => check(a),
    }
}

fn build(a: Build) -> CmdResult {
    let now = match &a.now {
        Some(t) => parse_time(t, now())?,
        None => now(),
    };
    let retention = a.retention.retention();
    let options = BuildOptions {
        segment_width: a.segment_width,
        bloom_bits_per_entry: a.bits,
        fingerprints: !a.no_fingerprints,
        retention,
        ..BuildOptions::default()
    };
    let mut set = RevocationSet::new(options);
    let sequence = match a.sequence {
        Some(n) => n,
        None => next_sequence(&a.out),
    };
    set.set_sequence_floor(sequence.saturating_sub(1));
    let started = Instant::now();
    let mut read = 0u64;
    if let Some(url) = &a.redis {
        eprintln!("reading revocations from Redis...");
        let store = RedisStore::new(RedisSource::from_url(url)?.with_namespace(&a.namespace)?);
        for rev in store.load_all()? {
            read += 1;
            set.insert(rev, now);
        }
    } else {
        let input = a.input.as_deref().unwrap_or("-");
        let reader: Box<dyn std::io::BufRead> = if input == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?,
            ))
        };
        let mut progress = Progress::new("read", 100_000, None);
        for (n, line) in reader.lines().enumerate() {
            let line = line?;
            let rev = parse_revocation_line(&line, now, &retention)
                .map_err(|e| format!("line {}: {e}", n + 1))?;
            if let Some(rev) = rev {
                read += 1;
                set.insert(rev, now);
                progress.tick();
            }
        }
    }
    eprintln!(
        "building {} revocations ({} read, expired and duplicates dropped)...",
        set.len(),
        read
    );
    let bytes = set.build(now)?;
    write_snapshot_file(&a.out, &bytes)?;
    let d = Denylist::from_bytes(&bytes).map_err(|e| describe(&e))?;
    eprintln!(
        "wrote {} ({} bytes, {} entries, {} segments, sequence {}) in {:.1?}",
        a.out.display(),
        bytes.len(),
        d.entry_count(),
        d.segment_count(),
        d.sequence(),
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

/// A sequence number above the snapshot file at `path` (if it is one) and
/// at least the current Unix time.
fn next_sequence(path: &std::path::Path) -> u64 {
    let existing = read_snapshot_file(path).map_or(0, |s| s.sequence());
    existing.saturating_add(1).max(now())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn inspect(a: Inspect) -> CmdResult {
    let bytes = read_file(&a.file)?;
    let d = Denylist::from_bytes(&bytes)
        .map_err(|e| format!("{}: {}", a.file.display(), describe(&e)))?;
    let now = match &a.now {
        Some(t) => parse_time(t, now())?,
        None => now(),
    };
    let segments: Vec<serde_json::Value> = d
        .segments()
        .map(|s| {
            serde_json::json!({
                "index": s.index, "window_start": s.window_start, "window_end": s.window_end,
                "live": s.is_live(now), "entries": s.entries(),
                "token_session_entries": s.token_session_entries, "subject_entries": s.subject_entries,
                "bloom_blocks": s.bloom_blocks, "bytes": s.bytes,
            })
        })
        .collect();
    let summary = serde_json::json!({
        "file": a.file.display().to_string(), "bytes": bytes.len(), "version": d.version(),
        "sequence": d.sequence(), "seed": hex(&d.seed()), "fingerprints": d.has_fingerprints(),
        "entries": d.entry_count(), "stored_keys": d.stored_keys(), "base": d.base(),
        "segment_width": d.segment_width(), "segments": d.segment_count(),
        "live_segments": d.live_segment_count(now), "bits_per_entry": d.bits_per_entry(),
        "configured_bloom_bits_per_entry": d.configured_bits_per_entry(),
        "max_leeway": d.max_leeway(),
    });
    if a.json {
        let mut all = summary;
        if let serde_json::Value::Object(m) = &mut all {
            m.insert("segment_list".into(), segments.into());
        }
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitCode::SUCCESS);
    }
    if let serde_json::Value::Object(m) = &summary {
        for (k, v) in m {
            println!("{k:<32} {v}");
        }
    }
    println!(
        "{:>5} {:>12} {:>12} {:>5} {:>9} {:>9} {:>10}",
        "seg", "from", "to", "live", "entries", "subjects", "bytes"
    );
    for s in d.segments() {
        println!(
            "{:>5} {:>12} {:>12} {:>5} {:>9} {:>9} {:>10}",
            s.index,
            s.window_start,
            s.window_end,
            s.is_live(now),
            s.entries(),
            s.subject_entries,
            s.bytes
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(a: Check) -> CmdResult {
    let bytes = read_file(&a.file)?;
    let d = Denylist::from_bytes(&bytes)
        .map_err(|e| format!("{}: {}", a.file.display(), describe(&e)))?;
    let now = match &a.now {
        Some(t) => parse_time(t, now())?,
        None => now(),
    };
    let ids = TokenIds {
        exp: a.exp.as_deref().map(|t| parse_time(t, now)).transpose()?,
        iat: a.iat.as_deref().map(|t| parse_time(t, now)).transpose()?,
        ver: a.ver,
        jti: a.jti.as_deref().map(str::as_bytes),
        sid: a.sid.as_deref().map(str::as_bytes),
        sub: a.sub.as_deref().map(str::as_bytes),
    };
    match d.check(&ids, now) {
        Ok(()) => {
            println!("not revoked");
            Ok(ExitCode::SUCCESS)
        }
        Err(kind) => {
            println!("revoked ({kind:?})");
            Ok(ExitCode::from(EXIT_REVOKED))
        }
    }
}

// ------------------------------------------------------------------ revoke --

/// `jwtgate revoke`.
#[derive(Args, Debug)]
pub struct Revoke {
    /// The Redis URL: `redis://[user:pass@]host:port/db`, `rediss://` (TLS),
    /// `redis+sentinel://s1:26379,s2:26379/<master-name>`,
    /// `redis+cluster://n1:7000,n2:7001` (see docs/deploy.md, "Connecting").
    #[arg(long, env = "JWTGATE_REDIS")]
    redis: String,
    /// After each revocation, wait until this many replicas acknowledged it
    /// (`WAIT`); fewer within --wait-timeout exits with status 19 (the
    /// revocation is on the master: run the command again). Overrides the
    /// URL's `?wait=`.
    #[arg(long)]
    wait_replicas: Option<u64>,
    /// The longest wait for --wait-replicas, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    wait_timeout: u64,
    /// The Redis namespace (keys `{ns}:rev:*`, stream `{ns}:revocations`).
    #[arg(long, default_value = "jwtgate")]
    namespace: String,
    /// Keep about this many entries in the stream.
    #[arg(long, default_value_t = 100_000)]
    stream_maxlen: u64,
    #[command(flatten)]
    retention: RetentionArgs,
    #[command(subcommand)]
    what: RevokeWhat,
}

/// What to revoke.
#[derive(Subcommand, Debug)]
pub enum RevokeWhat {
    /// One token, by `jti` (logout of one token, a stolen or used refresh
    /// token): every token with that `jti` whose `exp` is at or before `--until`.
    Token {
        /// The token's `jti`.
        jti: String,
        /// Revoke tokens with this `jti` and `exp` at or before this time (any
        /// time at or after the token's `exp`; default: now +
        /// --max-token-lifetime). `--exp` is an alias.
        #[arg(long, visible_alias = "exp")]
        until: Option<String>,
    },
    /// Every token of a session, by `sid` (logout on one device).
    Session {
        /// The session's `sid`.
        sid: String,
        /// The latest `exp` any token of the session can have (default: now +
        /// --max-token-lifetime).
        #[arg(long)]
        until: Option<String>,
    },
    /// Every token of a subject issued before a time ("log out everywhere")
    /// or below a version (token versioning).
    Subject {
        /// The subject's `sub`.
        sub: String,
        /// The latest `exp` any token of the subject can have (default: now +
        /// --max-token-lifetime).
        #[arg(long)]
        until: Option<String>,
        /// Tokens issued before this time are revoked (default: now, unless --below-version is given).
        #[arg(long)]
        before: Option<String>,
        /// Tokens with `ver` below this are revoked.
        #[arg(long)]
        below_version: Option<u64>,
    },
    /// Revocation lines (see `denylist build --help`; an identifier with
    /// `#` or spaces as a JSON line) from a file or standard input, sent
    /// pipelined: every line already read goes in one round trip (up to
    /// 1000). For each, prints the Unix time in nanoseconds just before its
    /// round trip and the stream id (or `unchanged`).
    Batch {
        /// Read the lines from this file (default: standard input).
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

fn outcome_text(o: &RevokeOutcome) -> String {
    match o {
        RevokeOutcome::Added { stream_id } => format!("revoked (stream id {stream_id})"),
        RevokeOutcome::Unchanged => "already revoked".into(),
    }
}

/// Runs `revoke`.
pub fn revoke(a: Revoke) -> CmdResult {
    let source = RedisSource::from_url(&a.redis)?.with_namespace(&a.namespace)?;
    let retention = a.retention.retention();
    let mut store = RedisStore::new(source)
        .with_stream_maxlen(a.stream_maxlen)
        .with_retention(retention);
    if let Some(n) = a.wait_replicas {
        store = store.with_wait(n, a.wait_timeout);
    }
    let now = now();
    let until = |t: &Option<String>| -> Result<u64, BoxError> {
        let t = t.as_deref().map(|t| parse_time(t, now)).transpose()?;
        revocation_until(t, now, &retention)
    };
    let rev = match a.what {
        RevokeWhat::Token { jti, until: t } => OwnedRevocation::token(jti, until(&t)?),
        RevokeWhat::Session { sid, until: t } => OwnedRevocation::session(sid, until(&t)?),
        RevokeWhat::Subject {
            sub,
            until: t,
            before,
            below_version,
        } => OwnedRevocation {
            kind: jwtgate_sync::Kind::Subject,
            id: sub.into_bytes(),
            until: until(&t)?,
            issued_before: match (&before, below_version) {
                (Some(t), _) => parse_time(t, now)?,
                (None, Some(_)) => 0,
                (None, None) => now,
            },
            below_version: below_version.unwrap_or(0),
        },
        RevokeWhat::Batch { file } => return revoke_batch(&store, file, &retention),
    };
    let outcome = match store.revoke(&rev) {
        Err(e @ SyncError::NotReplicated { .. }) => return Ok(not_replicated(&e)),
        other => other?,
    };
    println!(
        "{} {}: {}",
        rev.kind.name(),
        String::from_utf8_lossy(&rev.id),
        outcome_text(&outcome)
    );
    Ok(ExitCode::SUCCESS)
}

/// Reports a revocation that too few replicas acknowledged.
fn not_replicated(e: &SyncError) -> ExitCode {
    eprintln!("jwtgate: {e}");
    ExitCode::from(EXIT_NOT_REPLICATED)
}

fn unix_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn revoke_batch(store: &RedisStore, file: Option<PathBuf>, retention: &Retention) -> CmdResult {
    let reader: Box<dyn std::io::BufRead + Send> = match &file {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    // A reader thread, so that whatever has arrived goes in one round trip
    // and a lone interactive line is not held back.
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<String>>(4 * REVOKE_PIPELINE);
    let reading = std::thread::spawn(move || {
        for line in reader.lines() {
            let stop = line.is_err();
            if tx.send(line).is_err() || stop {
                return;
            }
        }
    });
    let mut out = std::io::stdout().lock();
    let mut n = 0usize;
    let mut batch = Vec::with_capacity(REVOKE_PIPELINE);
    while let Ok(first) = rx.recv() {
        let mut lines = vec![first];
        while lines.len() < REVOKE_PIPELINE {
            match rx.try_recv() {
                Ok(l) => lines.push(l),
                Err(_) => break,
            }
        }
        batch.clear();
        for line in lines {
            n += 1;
            let rev = parse_revocation_line(&line?, now(), retention)
                .map_err(|e| format!("line {n}: {e}"))?;
            batch.extend(rev);
        }
        if batch.is_empty() {
            continue;
        }
        let t0 = unix_ns();
        let outcomes = match store.revoke_many(&batch) {
            Err(e @ SyncError::NotReplicated { .. }) => {
                eprintln!("lines up to {n}:");
                return Ok(not_replicated(&e));
            }
            other => other?,
        };
        for outcome in outcomes {
            let id = match outcome {
                RevokeOutcome::Added { stream_id } => stream_id,
                RevokeOutcome::Unchanged => "unchanged".into(),
            };
            writeln!(out, "{t0} {id}")?;
        }
        out.flush()?;
    }
    let _ = reading.join();
    Ok(ExitCode::SUCCESS)
}

// ------------------------------------------------------------------ follow --

/// `jwtgate follow`.
#[derive(Args, Debug)]
pub struct Follow {
    /// The Redis URL.
    #[arg(long, env = "JWTGATE_REDIS")]
    redis: String,
    /// The Redis namespace.
    #[arg(long, default_value = "jwtgate")]
    namespace: String,
    /// The snapshot file to keep current (replaced atomically on change).
    #[arg(long, short)]
    out: PathBuf,
    /// Set the file's modification time this often to the moment Redis last
    /// answered the follower (a read round trip, not an open socket), so
    /// readers measure staleness by it (e.g. `1s`; whole units).
    #[arg(long, default_value = "1s")]
    heartbeat: String,
    /// Replace a file that holds more revocations than Redis (by default
    /// refused: Redis lost data, and the file is the more complete list).
    #[arg(long)]
    allow_shrink: bool,
    /// How long after its `until` a revocation stays in the file
    /// (`N[s|m|h|d]`): at least the largest leeway of the verifiers that
    /// read the file (a verifier accepts a token until `exp + leeway`).
    #[arg(long, default_value_t = Retention::DEFAULT_MAX_LEEWAY, value_parser = parse_duration)]
    max_leeway: u64,
    /// Print the counters in Prometheus text format to standard output.
    #[arg(long)]
    metrics: bool,
    /// Also write them to this file (node_exporter textfile collector style).
    #[arg(long)]
    metrics_file: Option<PathBuf>,
    /// Seconds between metrics outputs.
    #[arg(long, default_value = "10s")]
    metrics_interval: String,
    /// Sync once, write the file and exit.
    #[arg(long)]
    once: bool,
}

/// A lower bound of the revocations live at `now` in a snapshot: the most
/// keys any live segment holds (each is distinct within its segment).
fn live_lower_bound(snapshot: &jwtgate_sync::Snapshot, now: u64) -> u64 {
    snapshot.base().map_or(0, |d| {
        d.segments()
            .filter(|s| s.is_live(now))
            .map(|s| s.entries())
            .max()
            .unwrap_or(0)
    })
}

fn system_time_ms(ms: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_millis(ms)
}

/// Runs `follow`.
pub fn follow(a: Follow) -> CmdResult {
    let source = RedisSource::from_url(&a.redis)?.with_namespace(&a.namespace)?;
    let state = DenylistState::new()?;
    let heartbeat = Duration::from_secs(parse_duration(&a.heartbeat)?.max(1));
    let metrics_every = Duration::from_secs(parse_duration(&a.metrics_interval)?.max(1));
    // A file already there: continue its sequence, and do not replace it
    // with a less complete one.
    let existing = read_snapshot_file(&a.out).ok();
    let mut guard = match &existing {
        Some(s) if !a.allow_shrink => live_lower_bound(s, now()),
        _ => 0,
    };
    eprintln!("following {} into {}...", a.redis, a.out.display());
    let mut options = FollowerOptions::default();
    options.build.retention.max_leeway = a.max_leeway;
    let follower = Follower::start(source, state.clone(), options)?;
    while !follower.wait_ready(Duration::from_secs(5)) {
        eprintln!(
            "  waiting for Redis: {}",
            follower.last_error().unwrap_or_else(|| "connecting".into())
        );
    }
    let set = follower.revocations();
    set.lock()
        .set_sequence_floor(next_sequence(&a.out).saturating_sub(1));
    let mut written_gen = None;
    // The confirmation time the file's modification time carries.
    let mut vouched_ms = 0u64;
    let mut last_touch = Instant::now();
    let mut next_write = Instant::now();
    let mut last_refusal: Option<Instant> = None;
    let mut last_metrics: Option<Instant> = None;
    loop {
        let gen = state.generation();
        if written_gen != Some(gen) && Instant::now() >= next_write {
            // Confirmed before the copy: the file holds at least that much.
            let synced_ms = state.last_synced_ms().unwrap_or(0);
            // A copy under the lock (a memcpy); the build runs without it.
            let image = set.lock().file_image();
            let started = Instant::now();
            if u64::try_from(image.entries()).unwrap_or(u64::MAX) < guard {
                if last_refusal.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                    eprintln!(
                        "  NOT replacing {}: it holds at least {guard} live revocations, Redis {} (Redis lost data?); --allow-shrink replaces it",
                        a.out.display(),
                        image.entries()
                    );
                    last_refusal = Some(Instant::now());
                }
                written_gen = Some(gen);
            } else {
                guard = 0;
                let bytes = image.build(now())?;
                write_snapshot_file(&a.out, &bytes)?;
                std::fs::File::options()
                    .append(true)
                    .open(&a.out)?
                    .set_modified(system_time_ms(synced_ms))?;
                vouched_ms = synced_ms;
                written_gen = Some(gen);
                last_touch = Instant::now();
                eprintln!(
                    "  wrote {} revocations ({} bytes, sequence {}) in {:.0?}",
                    image.entries(),
                    bytes.len(),
                    image.sequence(),
                    started.elapsed()
                );
            }
            // Never more than about half the time building.
            next_write = Instant::now() + started.elapsed();
        } else if guard == 0 && last_touch.elapsed() >= heartbeat {
            // Vouch only for what Redis confirmed since the last time.
            let synced_ms = state.last_synced_ms().unwrap_or(0);
            if synced_ms > vouched_ms && written_gen == Some(state.generation()) {
                std::fs::File::options()
                    .append(true)
                    .open(&a.out)?
                    .set_modified(system_time_ms(synced_ms))?;
                vouched_ms = synced_ms;
            }
            last_touch = Instant::now();
        }
        if a.once {
            break;
        }
        if (a.metrics || a.metrics_file.is_some())
            && last_metrics.is_none_or(|t| t.elapsed() >= metrics_every)
        {
            let text = state.prometheus("jwtgate");
            if a.metrics {
                print!("{text}");
                std::io::stdout().flush()?;
            }
            if let Some(path) = &a.metrics_file {
                write_snapshot_file(path, text.as_bytes())?;
            }
            last_metrics = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if a.metrics {
        print!("{}", state.prometheus("jwtgate"));
    }
    follower.stop();
    Ok(ExitCode::SUCCESS)
}
