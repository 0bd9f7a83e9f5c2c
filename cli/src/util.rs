//! Small helpers shared by the commands.

use std::io::Read as _;
use std::path::Path;

use jwtgate::{Error, Retention};
use jwtgate_sync::{Kind, OwnedRevocation, SyncError};

/// A boxed error for command plumbing.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A command's result: the exit code on success paths.
pub type CmdResult = Result<std::process::ExitCode, BoxError>;

/// Any failure that is not a verdict (I/O, bad input).
pub const EXIT_FAILURE: u8 = 1;
/// The token was revoked (also `denylist check`'s "revoked").
pub const EXIT_REVOKED: u8 = exit_status(600);
/// The denylist cannot be used: missing, corrupt, truncated, unsupported.
pub const EXIT_DENYLIST_UNUSABLE: u8 = exit_status(800);
/// `revoke --wait-replicas N`: stored on the master, but fewer than N
/// replicas acknowledged in time.
pub const EXIT_NOT_REPLICATED: u8 = exit_status(SyncError::NOT_REPLICATED_CODE);

/// The one mapping from a stable error code (`jwtgate::Error::code`,
/// `VerifyError::code`, `SyncError::code`) to an exit status (see
/// `jwtgate verify --help`): one status per class of the core's codes
/// (1xx 10, 2xx 11, 3xx 12, 4xx 13, 5xx 14, 6xx 15, 7xx 16, 8xx 17), 18 a
/// stale denylist (900), 19 a revocation not replicated (907), 20 stale
/// keys (908), 1 anything else.
pub const fn exit_status(code: u32) -> u8 {
    match code {
        100..=199 => 10,
        200..=299 => 11,
        300..=399 => 12,
        400..=499 => 13,
        500..=599 => 14,
        600..=699 => 15,
        700..=799 => 16,
        800..=899 => 17,
        900 => 18,
        907 => 19,
        908 => 20,
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
/// token   <jti> [<until>]
/// session <sid> [<until>]
/// subject <sub> [<until>] [before=<time>] [version=<n>]
/// {"kind": "token", "id": "a#b c", "until": "+1h"}
/// ```
///
/// `until`: tokens whose `exp` is at or before it are revoked; omitted, it
/// is `now + max_token_lifetime`. Fields are separated by whitespace; a `#`
/// that begins a field starts a comment (a `#` inside an identifier,
/// `token a#1 +1h`, is part of it); times as in [`parse_time`]. An
/// identifier that starts with `#` or holds whitespace is written as a JSON
/// object (a line starting with `{`): keys `kind`, `id`, `until` (optional),
/// and for a subject `before` and/or `version`; times as numbers or as
/// [`parse_time`] strings. Returns `None` for a blank or comment line. A
/// revocation out of force (`until + max_leeway < now`) or reaching beyond
/// `now + max_token_lifetime` is an error.
pub fn parse_revocation_line(
    line: &str,
    now: u64,
    retention: &Retention,
) -> Result<Option<OwnedRevocation>, BoxError> {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        return parse_json_line(trimmed, now, retention).map(Some);
    }
    let fields: Vec<&str> = trimmed
        .split_whitespace()
        .take_while(|f| !f.starts_with('#'))
        .collect();
    if fields.is_empty() {
        return Ok(None);
    }
    let (Some(kind), Some(id)) = (fields.first(), fields.get(1)) else {
        let hint = if trimmed.contains('#') {
            " (a `#` that begins a field starts a comment: write an identifier that starts with `#` or holds spaces as a JSON line, {\"kind\":\"token\",\"id\":\"#a b\",\"until\":\"+1h\"})"
        } else {
            ""
        };
        return Err(format!("expected `<kind> <id> [<until>] ...`: {trimmed:?}{hint}").into());
    };
    let kind =
        Kind::from_name(kind).ok_or_else(|| format!("unknown kind {kind:?} in {trimmed:?}"))?;
    let mut rest = fields.iter().skip(2).peekable();
    let until = match rest.next_if(|field| !field.contains('=')) {
        Some(t) => Some(parse_time(t, now)?),
        None => None,
    };
    let until = revocation_until(until, now, retention)?;
    let mut rev = new_revocation(kind, id.as_bytes().to_vec(), until);
    for opt in rest {
        match (kind, opt.split_once('=')) {
            (Kind::Subject, Some(("before", t))) => rev.issued_before = parse_time(t, now)?,
            (Kind::Subject, Some(("version", v))) => {
                rev.below_version = parse_count(v).map_err(|e| format!("{e} in {trimmed:?}"))?;
            }
            _ => return Err(format!("unexpected {opt:?} in {trimmed:?}").into()),
        }
    }
    rev.validate()?;
    Ok(Some(rev))
}

/// A revocation's `until` by the core's rule ([`Retention::until`]), with
/// an error that says what to do.
pub fn revocation_until(
    until: Option<u64>,
    now: u64,
    retention: &Retention,
) -> Result<u64, BoxError> {
    retention.until(until, now).map_err(|e| {
        let hint = match e {
            Error::RevocationExpired => format!(
                "until {} plus the maximum leeway ({} s) is before now ({now}): no verifier \
                 accepts such a token any more",
                until.unwrap_or(0),
                retention.max_leeway
            ),
            _ => format!(
                "until {} is more than the maximum token lifetime ({} s) from now ({now}); \
                 raise --max-token-lifetime if tokens live longer",
                until.unwrap_or(0),
                retention.max_token_lifetime
            ),
        };
        format!("{} [{}]: {hint}", e, e.code()).into()
    })
}

fn new_revocation(kind: Kind, id: Vec<u8>, until: u64) -> OwnedRevocation {
    OwnedRevocation {
        kind,
        id,
        until,
        issued_before: 0,
        below_version: 0,
    }
}

fn parse_count(v: &str) -> Result<u64, BoxError> {
    v.parse()
        .map_err(|_| format!("bad version {v:?} (a whole number from 0)").into())
}

/// The JSON form of a revocation line.
fn parse_json_line(
    line: &str,
    now: u64,
    retention: &Retention,
) -> Result<OwnedRevocation, BoxError> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("bad JSON line {line:?}: {e}"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| format!("a JSON line must be an object: {line:?}"))?;
    let text = |k: &str| obj.get(k).and_then(|v| v.as_str());
    let time = |k: &str| -> Result<Option<u64>, BoxError> {
        match obj.get(k) {
            None => Ok(None),
            Some(serde_json::Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{k}: not a whole number from 0 in {line:?}").into()),
            Some(serde_json::Value::String(s)) => parse_time(s, now).map(Some),
            Some(_) => Err(format!("{k}: a number or a time string in {line:?}").into()),
        }
    };
    for k in obj.keys() {
        if !matches!(k.as_str(), "kind" | "id" | "until" | "before" | "version") {
            return Err(format!("unexpected key {k:?} in {line:?}").into());
        }
    }
    let kind = text("kind")
        .and_then(Kind::from_name)
        .ok_or_else(|| format!("\"kind\" must be token, session or subject in {line:?}"))?;
    let id = text("id").ok_or_else(|| format!("\"id\" (a string) missing in {line:?}"))?;
    let until = revocation_until(time("until")?, now, retention)?;
    let mut rev = new_revocation(kind, id.as_bytes().to_vec(), until);
    if let Some(t) = time("before")? {
        rev.issued_before = t;
    }
    if let Some(n) = obj.get("version") {
        rev.below_version = n
            .as_u64()
            .ok_or_else(|| format!("\"version\": a whole number from 0 in {line:?}"))?;
    }
    rev.validate()?;
    Ok(rev)
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

#[cfg(test)]
mod exit_tests {
    use super::*;

    #[test]
    fn exit_statuses_follow_the_codes() {
        let cases = [
            (jwtgate::Error::Malformed.code(), 10),
            (jwtgate::Error::UnknownKey.code(), 12),
            (
                jwtgate::Error::Revoked(jwtgate::RevocationKind::Token).code(),
                EXIT_REVOKED,
            ),
            (
                jwtgate::Error::DenylistChecksum.code(),
                EXIT_DENYLIST_UNUSABLE,
            ),
            (jwtgate_sync::VerifyError::STALE_CODE, 18),
            (SyncError::NOT_REPLICATED_CODE, EXIT_NOT_REPLICATED),
            (jwtgate_sync::VerifyError::KEYS_STALE_CODE, 20),
            (SyncError::SourceActive.code(), EXIT_FAILURE),
            (5, EXIT_FAILURE),
        ];
        for (code, status) in cases {
            assert_eq!(exit_status(code), status, "code {code}");
        }
        assert_eq!(
            (EXIT_REVOKED, EXIT_DENYLIST_UNUSABLE, EXIT_NOT_REPLICATED),
            (15, 17, 19)
        );
    }
}
