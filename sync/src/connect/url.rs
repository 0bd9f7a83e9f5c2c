//! Parsing the one URL form (see `docs/deploy.md`, "Connecting"):
//!
//! ```text
//! redis://[user:pass@]host[:port][/db][?options]
//! rediss://...                                       (TLS)
//! redis+sentinel://[user:pass@]h1[:26379],h2,.../<master-name>[?options]
//! redis+cluster://[user:pass@]h1[:6379],h2,...[?options]
//! redis+unix:///path/to/socket[?db=N&user=U&pass=P]  (handed to the redis crate)
//! ```
//!
//! Options: `tls=1` (same as the `rediss` scheme), `db=N`, `ca=PATH` (PEM
//! roots to trust instead of the system's), `sentinel_user=U` and
//! `sentinel_password=P` (the sentinels' own ACL credentials; the URL's
//! user and password are for the data nodes), `wait=N` and
//! `wait_timeout=MS` (the store's default durability, see
//! [`crate::RedisStore::with_wait`]). Unknown options are an error.

use crate::durability::WaitPolicy;
use crate::SyncError;

/// Which topology a URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// One node.
    Single,
    /// Ask these sentinels for the master named so.
    Sentinel {
        /// The monitored master's name.
        master: String,
    },
    /// Ask these seed nodes which master owns the namespace's slot.
    Cluster,
}

/// A parsed URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) mode: Mode,
    /// `host:port` (IPv6 hosts in brackets), at least one.
    pub(crate) nodes: Vec<String>,
    pub(crate) tls: bool,
    /// The data nodes' `user:pass`, still percent-encoded as in the URL
    /// (empty: none).
    pub(crate) userinfo: String,
    /// The sentinels' `user:pass`, percent-encoded (empty: none).
    pub(crate) sentinel_userinfo: String,
    pub(crate) db: i64,
    /// PEM file with the roots to trust.
    pub(crate) ca: Option<String>,
    pub(crate) wait: Option<WaitPolicy>,
}

impl std::fmt::Debug for Spec {
    // Never prints credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec")
            .field("mode", &self.mode)
            .field("nodes", &self.nodes)
            .field("tls", &self.tls)
            .field("auth", &!self.userinfo.is_empty())
            .field("sentinel_auth", &!self.sentinel_userinfo.is_empty())
            .field("db", &self.db)
            .field("ca", &self.ca)
            .field("wait", &self.wait)
            .finish()
    }
}

fn bad(what: impl Into<String>) -> SyncError {
    SyncError::Redis(redis::RedisError::from((
        redis::ErrorKind::InvalidClientConfig,
        "invalid redis URL",
        what.into(),
    )))
}

/// Decodes `%XX` escapes (and nothing else).
pub(crate) fn percent_decode(s: &str) -> Result<String, SyncError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(format!("bad %-escape in {s:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("a %-decoded part is not UTF-8"))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn flag(name: &str, v: &str) -> Result<bool, SyncError> {
    match v {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(bad(format!("{name}={v:?}: expected 1 or 0"))),
    }
}

fn number<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, SyncError> {
    v.parse()
        .map_err(|_| bad(format!("{name}={v:?}: expected a number")))
}

/// `host[:port]` with the default port added; `[v6]` kept in brackets.
fn node(s: &str, default_port: u16) -> Result<String, SyncError> {
    if s.is_empty() {
        return Err(bad("empty host"));
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| bad(format!("unclosed [ in {s:?}")))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| bad(format!("junk after ] in {s:?}")))?,
            ),
        };
        (format!("[{h}]"), port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (s.to_owned(), None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err(bad(format!("empty host in {s:?}")));
    }
    let port: u16 = match port {
        None => default_port,
        Some(p) => p
            .parse()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| bad(format!("bad port in {s:?}")))?,
    };
    Ok(format!("{host}:{port}"))
}

/// Parses a URL of the form above; `None` for the forms handed to the
/// redis crate as they are (`redis+unix://`, `unix://`).
pub(crate) fn parse(url: &str) -> Result<Option<Spec>, SyncError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        bad("no scheme (redis://, rediss://, redis+sentinel://, redis+cluster://)")
    })?;
    let (mode_name, mut tls) = match scheme {
        "redis" | "valkey" => ("single", false),
        "rediss" | "valkeys" => ("single", true),
        "redis+sentinel" => ("sentinel", false),
        "rediss+sentinel" => ("sentinel", true),
        "redis+cluster" => ("cluster", false),
        "rediss+cluster" => ("cluster", true),
        "redis+unix" | "unix" | "valkey+unix" => return Ok(None),
        other => return Err(bad(format!("unknown scheme {other:?}"))),
    };
    if rest.contains('#') {
        return Err(bad(
            "no #fragment is supported (use ?ca=PATH for a private CA)",
        ));
    }
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hosts) = authority.rsplit_once('@').unwrap_or(("", authority));
    let default_port = if mode_name == "sentinel" { 26379 } else { 6379 };
    let nodes = hosts
        .split(',')
        .map(|h| node(h, default_port))
        .collect::<Result<Vec<_>, _>>()?;
    let mut spec = Spec {
        mode: Mode::Single,
        nodes,
        tls: false,
        userinfo: userinfo.to_owned(),
        sentinel_userinfo: String::new(),
        db: 0,
        ca: None,
        wait: None,
    };
    // Checked now so that a bad escape fails here, not at first connect.
    if let Some((u, p)) = userinfo.split_once(':') {
        percent_decode(u)?;
        percent_decode(p)?;
    } else {
        percent_decode(userinfo)?;
    }
    let path = path.trim_end_matches('/');
    spec.mode = match mode_name {
        "sentinel" => {
            if path.is_empty() {
                return Err(bad("redis+sentinel:// needs the master name as its path"));
            }
            Mode::Sentinel {
                master: percent_decode(path)?,
            }
        }
        "cluster" if !path.is_empty() => {
            return Err(bad(
                "redis+cluster:// takes no path (a cluster has database 0 only)",
            ));
        }
        "cluster" => Mode::Cluster,
        _ => {
            if spec.nodes.len() != 1 {
                return Err(bad(
                    "several hosts need redis+sentinel:// or redis+cluster://",
                ));
            }
            if !path.is_empty() {
                spec.db = number("database", path)?;
            }
            Mode::Single
        }
    };
    let (mut s_user, mut s_pass) = (None, None);
    let (mut wait_n, mut wait_ms) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v)?;
        match k {
            "tls" => tls = tls || flag(k, &v)?,
            "db" => spec.db = number(k, &v)?,
            "ca" => spec.ca = Some(v),
            "sentinel_user" => s_user = Some(v),
            "sentinel_password" => s_pass = Some(v),
            "wait" => wait_n = Some(number::<u64>(k, &v)?),
            "wait_timeout" => wait_ms = Some(number::<u64>(k, &v)?),
            other => return Err(bad(format!("unknown option {other:?}"))),
        }
    }
    if spec.db != 0 && spec.mode == Mode::Cluster {
        return Err(bad("a cluster has database 0 only"));
    }
    if s_user.is_some() || s_pass.is_some() {
        if spec.mode == (Mode::Single) || spec.mode == Mode::Cluster {
            return Err(bad(
                "sentinel_user/sentinel_password need redis+sentinel://",
            ));
        }
        let user = s_user.as_deref().map(percent_encode).unwrap_or_default();
        spec.sentinel_userinfo = match s_pass {
            Some(p) => format!("{user}:{}", percent_encode(&p)),
            None => user,
        };
    }
    spec.wait = match (wait_n, wait_ms) {
        (None, None) => None,
        (Some(n), ms) => Some(WaitPolicy::new(
            n,
            ms.unwrap_or(WaitPolicy::DEFAULT_TIMEOUT_MS),
        )),
        (None, Some(_)) => return Err(bad("wait_timeout needs wait=N")),
    };
    spec.tls = tls;
    Ok(Some(spec))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn ok(url: &str) -> Spec {
        parse(url).unwrap().unwrap()
    }

    #[test]
    fn single_nodes() {
        let s = ok("redis://127.0.0.1:6380/2");
        assert_eq!(s.mode, Mode::Single);
        assert_eq!(s.nodes, ["127.0.0.1:6380"]);
        assert_eq!((s.db, s.tls, s.userinfo.as_str()), (2, false, ""));
        let s = ok("rediss://app:p%40ss@cache.internal/?ca=/etc/ca.pem");
        assert_eq!(s.nodes, ["cache.internal:6379"]);
        assert!(s.tls);
        assert_eq!(s.userinfo, "app:p%40ss");
        assert_eq!(s.ca.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(ok("redis://[::1]:7000").nodes, ["[::1]:7000"]);
        assert_eq!(ok("redis://h?tls=1&db=3").db, 3);
        assert!(ok("redis://h?tls=1").tls);
        assert_eq!(parse("redis+unix:///tmp/r.sock").unwrap(), None);
    }

    #[test]
    fn sentinel() {
        let s = ok("redis+sentinel://u:p@s1:26380,s2,[::1]:5/my%20master?db=1&sentinel_password=x%26y&wait=1");
        assert_eq!(
            s.mode,
            Mode::Sentinel {
                master: "my master".into()
            }
        );
        assert_eq!(s.nodes, ["s1:26380", "s2:26379", "[::1]:5"]);
        assert_eq!((s.db, s.userinfo.as_str()), (1, "u:p"));
        assert_eq!(s.sentinel_userinfo, ":x%26y");
        assert_eq!(
            s.wait,
            Some(WaitPolicy::new(1, WaitPolicy::DEFAULT_TIMEOUT_MS))
        );
        assert!(ok("rediss+sentinel://a/m").tls);
    }

    #[test]
    fn cluster() {
        let s = ok("redis+cluster://n1:7000,n2:7001?tls=1&wait=1&wait_timeout=250");
        assert_eq!(s.mode, Mode::Cluster);
        assert_eq!(s.nodes, ["n1:7000", "n2:7001"]);
        assert!(s.tls);
        assert_eq!(s.wait, Some(WaitPolicy::new(1, 250)));
    }

    #[test]
    fn rejects() {
        for url in [
            "127.0.0.1:6379",
            "http://h",
            "redis://a,b",
            "redis://h:0",
            "redis://h:99999",
            "redis://h:x",
            "redis://h/x",
            "redis://:",
            "redis://[::1",
            "redis://h?bogus=1",
            "redis://h?tls=maybe",
            "redis://h#insecure",
            "redis://u:%zz@h",
            "redis://h?sentinel_password=x",
            "redis+sentinel://s1,s2",
            "redis+sentinel://s1,s2/",
            "redis+cluster://n1/1",
            "redis+cluster://n1?db=2",
            "redis+cluster://n1,,n2",
            "redis://h?wait_timeout=5",
        ] {
            assert!(parse(url).is_err(), "{url} accepted");
        }
    }

    #[test]
    fn percent_round_trip() {
        let s = "a b/c:d@e%f&g=h~";
        assert_eq!(percent_decode(&percent_encode(s)).unwrap(), s);
    }
}
