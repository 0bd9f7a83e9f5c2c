//! Small helpers shared by the commands.

use std::io::Read as _;
use std::path::Path;

use jwtgate::Error;
use jwtgate_sync::{Kind, OwnedRevocation, VerifyError};

/// A boxed error for command plumbing.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A command's result: the exit code on success paths.
pub type CmdResult = Result<std::process::ExitCode, BoxError>;

/// Any failure that is not a verdict (I/O, bad input).
pub const EXIT_FAILURE: u8 = 1;
/// The token was revoked (also `denylist check`'s "revoked").
pub const EXIT_REVOKED: u8 = 15;
/// The denylist cannot be used: missing, corrupt, truncated, unsupported.
pub const EXIT_DENYLIST_UNUSABLE: u8 = 17;

/// The exit status for a verification error (see `jwtgate verify --help`).
pub fn exit_code_for(e: &VerifyError) -> u8 {
    match e {
        VerifyError::Stale { .. } => 18,
        VerifyError::Token(e) => match e.code() / 100 {
            1 => 10,
            2 => 11,
            3 => 12,
            4 => 13,
            5 => 14,
            6 => EXIT_REVOKED,
            7 => 16,
            _ => EXIT_DENYLIST_UNUSABLE,
        },
        _ => EXIT_FAILURE,
    }
}

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    jwtgate_sync::unix_now()
}

/// Parses a time: `now`, absolute seconds, or `+N[s|m|h|d]` from `now`.
pub fn parse_time(s: &str, now: u64) -> Result<u64, BoxError> {
    if s == "now" {
        return Ok(now);
    }
    match s.strip_prefix('+') {
        Some(rel) => Ok(now.saturating_add(parse_duration(rel)?)),
        None => Ok(s.parse().map_err(|_| format!("not a time: {s:?}"))?),
    }
}

/// Parses `N[s|m|h|d]` into seconds.
pub fn parse_duration(s: &str) -> Result<u64, BoxError> {
    let (num, mult) = match s.char_indices().last() {
        Some((i, 's')) => (s.get(..i), 1),
        Some((i, 'm')) => (s.get(..i), 60),
        Some((i, 'h')) => (s.get(..i), 3600),
        Some((i, 'd')) => (s.get(..i), 86_400),
        _ => (Some(s), 1),
    };
    let n: u64 = num
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("not a duration: {s:?}"))?;
    Ok(n.saturating_mul(mult))
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &str) -> Result<Vec<u8>, BoxError> {
    if path == "-" {
        let mut v = Vec::new();
        std::io::stdin().read_to_end(&mut v)?;
        Ok(v)
    } else {
        std::fs::read(path).map_err(|e| format!("{path}: {e}").into())
    }
}

/// Reads a file, naming it in the error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, BoxError> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Describes a core error with its stable code.
pub fn describe(e: &Error) -> String {
    format!("{e} [{}]", e.code())
}

/// Parses one revocation line:
///
/// ```text
/// token   <jti> <exp>
/// session <sid> <until>
/// subject <sub> <until> [before=<time>] [version=<n>]
/// ```
///
/// Fields are separated by whitespace; `#` starts a comment; times as in
/// [`parse_time`]. Returns `None` for a blank or comment line.
pub fn parse_revocation_line(line: &str, now: u64) -> Result<Option<OwnedRevocation>, BoxError> {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return Ok(None);
    }
    let mut f = line.split_whitespace();
    let (kind, id, until) = (f.next(), f.next(), f.next());
    let (Some(kind), Some(id), Some(until)) = (kind, id, until) else {
        return Err(format!("expected `<kind> <id> <until> ...`: {line:?}").into());
    };
    let kind = Kind::from_name(kind).ok_or_else(|| format!("unknown kind {kind:?} in {line:?}"))?;
    let until = parse_time(until, now)?;
    let mut rev = match kind {
        Kind::Token => OwnedRevocation::token(id, until),
        Kind::Session => OwnedRevocation::session(id, until),
        Kind::Subject => OwnedRevocation {
            kind,
            id: id.as_bytes().to_vec(),
            until,
            issued_before: 0,
            below_version: 0,
        },
    };
    for opt in f {
        match (kind, opt.split_once('=')) {
            (Kind::Subject, Some(("before", t))) => rev.issued_before = parse_time(t, now)?,
            (Kind::Subject, Some(("version", v))) => {
                rev.below_version = v.parse().map_err(|_| format!("bad version in {line:?}"))?;
            }
            _ => return Err(format!("unexpected {opt:?} in {line:?}").into()),
        }
    }
    rev.validate()?;
    Ok(Some(rev))
}

/// Prints progress to standard error every `every` items.
pub struct Progress {
    what: &'static str,
    every: u64,
    done: u64,
    total: Option<u64>,
}

impl Progress {
    /// A progress reporter.
    pub fn new(what: &'static str, every: u64, total: Option<u64>) -> Self {
        Progress {
            what,
            every: every.max(1),
            done: 0,
            total,
        }
    }

    /// Counts one item.
    pub fn tick(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(self.every) {
            match self.total {
                Some(t) => eprintln!("  {} {}/{}", self.what, self.done, t),
                None => eprintln!("  {} {}", self.what, self.done),
            }
        }
    }
}
