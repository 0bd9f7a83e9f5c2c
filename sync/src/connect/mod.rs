//! Reaching Redis from one URL, whatever its topology: a single node, a
//! master found through Sentinel, or the Cluster master that owns the
//! namespace's slot. The URL form is in [`url`]; every (re)connect runs
//! the discovery again, so the store's and the follower's reconnect loops
//! follow a failover by themselves.
//!
//! - Sentinel: ask each sentinel in turn `SENTINEL get-master-addr-by-name`,
//!   connect to the address given, and keep the connection only if `ROLE`
//!   says master (a sentinel may be behind a failover).
//! - Cluster: ask each seed in turn `CLUSTER KEYSLOT` of the namespace's
//!   stream key (every key of a namespace shares its hash tag, hence its
//!   slot) and `CLUSTER SLOTS`, connect to the master of that slot, and
//!   check `ROLE`. A `MOVED` or `READONLY` answer later makes the store
//!   reconnect ([`needs_reconnect`]), which rediscovers.

mod url;

use std::time::Duration;

use redis::{Connection, RedisError, RedisResult, Value};

pub(crate) use url::{Mode, Spec};

use crate::durability::WaitPolicy;
use crate::store::{value_string, KeySpace};
use crate::SyncError;

/// How long one node may take to accept a connection, and to answer a
/// discovery query.
const NODE_TIMEOUT: Duration = Duration::from_secs(1);

/// Where a [`crate::RedisSource`] built from a URL connects.
pub(crate) struct Target {
    inner: Inner,
    wait: Option<WaitPolicy>,
}

enum Inner {
    /// A form the redis crate parses itself (Unix sockets).
    Client(redis::Client),
    /// One of ours.
    Spec {
        spec: Spec,
        /// The CA file's contents, read once at parse time.
        ca: Option<Vec<u8>>,
    },
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Client(_) => f.write_str("Target(unix socket)"),
            Inner::Spec { spec, .. } => write!(f, "Target({spec:?})"),
        }
    }
}

fn client_error(what: &'static str, detail: String) -> RedisError {
    RedisError::from((redis::ErrorKind::Client, what, detail))
}

impl Target {
    /// Parses `url` (see [`url`]); reads the `ca=` file now.
    pub(crate) fn parse(url: &str) -> Result<Target, SyncError> {
        let Some(spec) = url::parse(url)? else {
            return Ok(Target {
                inner: Inner::Client(redis::Client::open(url)?),
                wait: None,
            });
        };
        let ca = match &spec.ca {
            Some(path) => Some(std::fs::read(path)?),
            None => None,
        };
        if spec.tls && !cfg!(feature = "tls") {
            return Err(SyncError::Redis(RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "TLS was requested but jwtgate-sync was built without its `tls` feature",
            ))));
        }
        Ok(Target {
            wait: spec.wait,
            inner: Inner::Spec { spec, ca },
        })
    }

    /// The durability the URL asks for (`wait=N&wait_timeout=MS`).
    pub(crate) fn wait(&self) -> Option<WaitPolicy> {
        self.wait
    }

    /// Discovers the node to use now and connects to it.
    pub(crate) fn connect(&self, keys: &KeySpace) -> RedisResult<Connection> {
        let (spec, ca) = match &self.inner {
            Inner::Client(c) => return c.get_connection_with_timeout(NODE_TIMEOUT),
            Inner::Spec { spec, ca } => (spec, ca.as_deref()),
        };
        let node = |addr: &str, userinfo: &str, db: i64| open(spec.tls, ca, addr, userinfo, db);
        match &spec.mode {
            Mode::Single => {
                let addr = spec.nodes.first().map(String::as_str).unwrap_or_default();
                node(addr, &spec.userinfo, spec.db)
            }
            Mode::Sentinel { master } => first_ok(&spec.nodes, |sentinel| {
                let mut s = node(sentinel, &spec.sentinel_userinfo, 0)?;
                let addr: Option<(String, u16)> = redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(master)
                    .query(&mut s)?;
                let (host, port) = addr.ok_or_else(|| {
                    RedisError::from((
                        redis::ErrorKind::MasterNameNotFoundBySentinel,
                        "sentinel does not know this master",
                        format!("{master:?} at {sentinel}"),
                    ))
                })?;
                let mut con = node(&host_port(&host, port), &spec.userinfo, spec.db)?;
                check_master(&mut con)?;
                Ok(con)
            }),
            Mode::Cluster => first_ok(&spec.nodes, |seed| {
                let mut s = node(seed, &spec.userinfo, 0)?;
                let slot: i64 = redis::cmd("CLUSTER")
                    .arg("KEYSLOT")
                    .arg(keys.stream())
                    .query(&mut s)?;
                let slots: Value = redis::cmd("CLUSTER").arg("SLOTS").query(&mut s)?;
                let seed_host = seed.rsplit_once(':').map_or(seed.as_str(), |(h, _)| h);
                let addr = slot_master(&slots, slot, seed_host).ok_or_else(|| {
                    RedisError::from((
                        redis::ErrorKind::ClusterConnectionNotFound,
                        "no master serves the namespace's slot",
                        format!("slot {slot}, asked {seed}"),
                    ))
                })?;
                let mut con = if addr == *seed {
                    s
                } else {
                    node(&addr, &spec.userinfo, 0)?
                };
                check_master(&mut con)?;
                Ok(con)
            }),
        }
    }
}

/// `f` on each node in order; the first success, or the last error.
fn first_ok(
    nodes: &[String],
    mut f: impl FnMut(&String) -> RedisResult<Connection>,
) -> RedisResult<Connection> {
    let mut last = None;
    for n in nodes {
        match f(n) {
            Ok(c) => return Ok(c),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| client_error("no node in the URL", String::new())))
}

/// `host:port`, with an IPv6 host in brackets.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Connects to one node (`addr` is `host:port`), authenticating with
/// `userinfo` (percent-encoded `user:pass`, possibly empty).
fn open(
    tls: bool,
    ca: Option<&[u8]>,
    addr: &str,
    userinfo: &str,
    db: i64,
) -> RedisResult<Connection> {
    let scheme = if tls { "rediss" } else { "redis" };
    let at = if userinfo.is_empty() { "" } else { "@" };
    let url = format!("{scheme}://{userinfo}{at}{addr}/{db}");
    let client = tls_client(url, ca)?;
    let con = client.get_connection_with_timeout(NODE_TIMEOUT)?;
    con.set_read_timeout(Some(NODE_TIMEOUT))?;
    con.set_write_timeout(Some(NODE_TIMEOUT))?;
    Ok(con)
}

#[cfg(feature = "tls")]
fn tls_client(url: String, ca: Option<&[u8]>) -> RedisResult<redis::Client> {
    match ca {
        Some(ca) => redis::Client::build_with_tls(
            url,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(ca.to_vec()),
            },
        ),
        None => redis::Client::open(url),
    }
}

#[cfg(not(feature = "tls"))]
fn tls_client(url: String, _ca: Option<&[u8]>) -> RedisResult<redis::Client> {
    redis::Client::open(url)
}

/// Fails unless the node says it is a master (`ROLE`).
fn check_master(con: &mut Connection) -> RedisResult<()> {
    let role: Value = redis::cmd("ROLE").query(con)?;
    let first = match &role {
        Value::Array(items) => items.first().and_then(value_string),
        _ => None,
    };
    if first.as_deref() == Some("master") {
        Ok(())
    } else {
        Err(RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly),
            "the node found is not a master (yet)",
            format!("ROLE {}", first.unwrap_or_default()),
        )))
    }
}

/// The master's `host:port` for `slot` in a `CLUSTER SLOTS` reply (an
/// empty or `?` host means the node that answered).
fn slot_master(slots: &Value, slot: i64, asked_host: &str) -> Option<String> {
    let Value::Array(ranges) = slots else {
        return None;
    };
    ranges.iter().find_map(|range| {
        let Value::Array(r) = range else { return None };
        let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(master))) =
            (r.first(), r.get(1), r.get(2))
        else {
            return None;
        };
        if !(start..=end).contains(&&slot) {
            return None;
        }
        let host = master.first().and_then(value_string)?;
        let port = match master.get(1) {
            Some(Value::Int(p)) => u16::try_from(*p).ok()?,
            _ => return None,
        };
        let host = if host.is_empty() || host == "?" {
            asked_host.trim_start_matches('[').trim_end_matches(']')
        } else {
            host.as_str()
        };
        Some(host_port(host, port))
    })
}

/// Whether an error means "this connection no longer reaches the right
/// master": I/O, timeout, or a node that moved the slot away or became a
/// replica (`MOVED`, `ASK`, `READONLY`, `MASTERDOWN`, `CLUSTERDOWN`,
/// `TRYAGAIN`, `LOADING`). The store then reconnects, which rediscovers.
pub(crate) fn needs_reconnect(e: &RedisError) -> bool {
    use redis::ServerErrorKind as S;
    if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
        return true;
    }
    matches!(
        e.kind(),
        redis::ErrorKind::Server(
            S::Moved
                | S::Ask
                | S::ReadOnly
                | S::MasterDown
                | S::ClusterDown
                | S::TryAgain
                | S::BusyLoading
        )
    ) || e.code() == Some("UNBLOCKED")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn int(i: i64) -> Value {
        Value::Int(i)
    }
    fn s(x: &str) -> Value {
        Value::BulkString(x.as_bytes().to_vec())
    }

    #[test]
    fn finds_the_slot_master() {
        let slots = Value::Array(vec![
            Value::Array(vec![
                int(0),
                int(5460),
                Value::Array(vec![s("127.0.0.1"), int(7000), s("id0")]),
                Value::Array(vec![s("127.0.0.1"), int(7003), s("id3")]),
            ]),
            Value::Array(vec![
                int(5461),
                int(10922),
                Value::Array(vec![s(""), int(7001), s("id1")]),
            ]),
            Value::Array(vec![
                int(10923),
                int(16383),
                Value::Array(vec![s("::1"), int(7002), s("id2")]),
            ]),
        ]);
        assert_eq!(
            slot_master(&slots, 0, "x").as_deref(),
            Some("127.0.0.1:7000")
        );
        assert_eq!(
            slot_master(&slots, 5460, "x").as_deref(),
            Some("127.0.0.1:7000")
        );
        assert_eq!(
            slot_master(&slots, 5461, "seed").as_deref(),
            Some("seed:7001")
        );
        assert_eq!(
            slot_master(&slots, 16383, "x").as_deref(),
            Some("[::1]:7002")
        );
        assert_eq!(slot_master(&slots, 16384, "x"), None);
        assert_eq!(slot_master(&Value::Nil, 0, "x"), None);
    }

    #[test]
    fn moved_and_readonly_reconnect_but_script_errors_do_not() {
        let moved = RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::Moved),
            "moved",
        ));
        let ro = RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ReadOnly),
            "ro",
        ));
        let err = RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::ResponseError),
            "err",
        ));
        assert!(needs_reconnect(&moved));
        assert!(needs_reconnect(&ro));
        assert!(!needs_reconnect(&err));
    }
}
