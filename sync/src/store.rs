//! The Redis side: where revocations live ([`KeySpace`]), how to connect
//! ([`RedisSource`]) and the authority's writer ([`RedisStore`]).
//!
//! Layout, for a namespace `ns` (default `jwtgate`):
//!
//! - `{ns}:rev:t:<jti>`, `{ns}:rev:s:<sid>`, `{ns}:rev:u:<sub>`: one string
//!   per revocation, value `"<until> <issued_before> <below_version>"`
//!   (decimal), expiring at `until + max_leeway` (`SET ... EXAT`): a
//!   verifier may accept a token it covers until then;
//! - `{ns}:revocations`: a stream with one entry per change, fields
//!   `k` (`t`/`s`/`u`), `id` (the identifier, binary-safe) and `v` (the
//!   merged value), trimmed with `MAXLEN ~`.
//!
//! The braces are a Redis Cluster hash tag: every key of a namespace lives
//! in one slot, so the script that writes a key and appends to the stream
//! is atomic on a cluster too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jwtgate::{Retention, RevocationKind, TokenIds};
use redis::{Connection, RedisResult, Value};

use crate::confirm::Confirmer;
use crate::connect::{needs_reconnect, Target};
use crate::durability::{wait_for_replicas, WaitPolicy};
use crate::revocation::{Kind, OwnedRevocation};
use crate::SyncError;

/// The default stream length: followers further behind than this many
/// revocations resync from the keys.
pub const DEFAULT_STREAM_MAXLEN: u64 = 100_000;

/// The Redis key names of one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySpace {
    /// `{ns}:rev:`
    entry_prefix: Vec<u8>,
    /// `{ns}:revocations`
    stream: Vec<u8>,
}

impl Default for KeySpace {
    fn default() -> Self {
        Self::new("jwtgate")
    }
}

impl KeySpace {
    /// The keys of namespace `ns`: `{ns}:rev:...` and `{ns}:revocations`.
    pub fn new(ns: &str) -> Self {
        KeySpace {
            entry_prefix: format!("{{{ns}}}:rev:").into_bytes(),
            stream: format!("{{{ns}}}:revocations").into_bytes(),
        }
    }

    /// The stream's key.
    pub fn stream(&self) -> &[u8] {
        &self.stream
    }

    /// The key of one revocation.
    pub fn entry_key(&self, kind: Kind, id: &[u8]) -> Vec<u8> {
        let mut k = self.entry_prefix.clone();
        k.extend_from_slice(kind.tag().as_bytes());
        k.push(b':');
        k.extend_from_slice(id);
        k
    }

    /// The kind and identifier of an entry key.
    pub fn parse_entry_key(&self, key: &[u8]) -> Option<(Kind, Vec<u8>)> {
        let rest = key.strip_prefix(self.entry_prefix.as_slice())?;
        let (tag, id) = (rest.get(..1)?, rest.get(2..)?);
        (rest.get(1) == Some(&b':')).then_some(())?;
        Some((Kind::from_tag(tag)?, id.to_vec()))
    }

    /// A `SCAN MATCH` pattern for every entry key (glob characters in the
    /// namespace escaped).
    pub fn scan_pattern(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(self.entry_prefix.len() + 2);
        for &b in &self.entry_prefix {
            if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
                p.push(b'\\');
            }
            p.push(b);
        }
        p.push(b'*');
        p
    }
}

/// Opens a connection to Redis.
pub type ConnectFn = dyn Fn() -> RedisResult<Connection> + Send + Sync;

/// Where to reach Redis: a URL (one node, Sentinel or Cluster; see
/// [`RedisSource::from_url`]), or any function that opens a connection,
/// plus the namespace.
#[derive(Clone)]
pub struct RedisSource {
    connect: Connector,
    keys: KeySpace,
}

#[derive(Clone)]
enum Connector {
    Fn(Arc<ConnectFn>),
    Url(Arc<Target>),
}

impl std::fmt::Debug for RedisSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSource")
            .field("keys", &self.keys)
            .finish()
    }
}

impl RedisSource {
    /// Connects to `url`, with a one-second connect timeout per node.
    /// Nothing is opened yet. The forms (`docs/deploy.md`, "Connecting"):
    /// `redis://[user:pass@]host:port[/db]`, `rediss://...` (TLS),
    /// `redis+sentinel://[user:pass@]s1:26379,s2:26379/<master-name>`,
    /// `redis+cluster://[user:pass@]n1:7000,n2:7001`, `redis+unix:///path`;
    /// options `?tls=1&db=N&ca=PATH&sentinel_user=U&sentinel_password=P&wait=N&wait_timeout=MS`.
    /// Sentinel and Cluster rediscover the master at every reconnect.
    pub fn from_url(url: &str) -> Result<Self, SyncError> {
        Ok(RedisSource {
            connect: Connector::Url(Arc::new(Target::parse(url)?)),
            keys: KeySpace::default(),
        })
    }

    /// Connects with `connect`.
    pub fn from_fn(connect: impl Fn() -> RedisResult<Connection> + Send + Sync + 'static) -> Self {
        RedisSource {
            connect: Connector::Fn(Arc::new(connect)),
            keys: KeySpace::default(),
        }
    }

    /// Uses namespace `ns` instead of `jwtgate`. An empty namespace is
    /// refused ([`SyncError::InvalidArgument`], 909): every binding and the
    /// CLI get this one answer.
    pub fn with_namespace(mut self, ns: &str) -> Result<Self, SyncError> {
        if ns.is_empty() {
            return Err(SyncError::InvalidArgument("a namespace must not be empty"));
        }
        self.keys = KeySpace::new(ns);
        Ok(self)
    }

    /// The key names.
    pub fn keys(&self) -> &KeySpace {
        &self.keys
    }

    /// The durability the URL asked for (`?wait=N&wait_timeout=MS`), which
    /// [`RedisStore::new`] adopts.
    pub fn wait_policy(&self) -> Option<WaitPolicy> {
        match &self.connect {
            Connector::Url(t) => t.wait(),
            Connector::Fn(_) => None,
        }
    }

    /// Opens a connection, with 5-second read and write timeouts.
    pub fn connect(&self) -> Result<Connection, SyncError> {
        let con = match &self.connect {
            Connector::Fn(f) => f()?,
            Connector::Url(t) => t.connect(&self.keys)?,
        };
        con.set_read_timeout(Some(Duration::from_secs(5)))?;
        con.set_write_timeout(Some(Duration::from_secs(5)))?;
        Ok(con)
    }
}

/// Merges a revocation into its key and appends the result to the stream,
/// atomically. KEYS: entry, stream. ARGV: kind tag, id, until,
/// issued_before, below_version, stream maxlen, max_leeway.
/// Returns {1, stream id} (added), {2, ""} (already in force), {0, ""}
/// (out of force by Redis' clock: `until + max_leeway < now`). The key
/// expires at `until + max_leeway`.
const REVOKE_SCRIPT: &str = r"
local untl, ib, bv = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local old = redis.call('GET', KEYS[1])
if old then
  local a, b, c = string.match(old, '^(%d+) (%d+) (%d+)$')
  if a then
    local oa, ob, oc = tonumber(a), tonumber(b), tonumber(c)
    if oa >= untl and ob >= ib and oc >= bv then return {2, ''} end
    untl, ib, bv = math.max(untl, oa), math.max(ib, ob), math.max(bv, oc)
  end
end
local leeway = tonumber(ARGV[7])
local now = tonumber(redis.call('TIME')[1])
if untl + leeway < now then return {0, ''} end
local v = string.format('%.0f %.0f %.0f', untl, ib, bv)
redis.call('SET', KEYS[1], v, 'EXAT', string.format('%.0f', untl + leeway + 1))
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'k', ARGV[1], 'id', ARGV[2], 'v', v)
return {1, id}
";

/// What [`RedisStore::revoke`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Stored and announced on the stream under this id.
    Added {
        /// The stream entry id.
        stream_id: String,
    },
    /// An equal or wider revocation was already in force: nothing written.
    /// A first call can report this too: when the connection failed after
    /// the script ran (the master died, a failover), the store sends the
    /// round trip again and finds its own write. Either way the revocation
    /// is in force, and under a [`crate::WaitPolicy`] it was acknowledged
    /// by the replicas like an `Added` one.
    Unchanged,
}

/// The authority's writer, also usable as a [`Confirmer`]. One connection,
/// reopened after an error; `Send + Sync`.
pub struct RedisStore {
    source: RedisSource,
    con: Mutex<Option<Connection>>,
    script: redis::Script,
    maxlen: u64,
    retention: Retention,
    wait: Option<WaitPolicy>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("source", &self.source)
            .field("maxlen", &self.maxlen)
            .field("retention", &self.retention)
            .field("wait", &self.wait)
            .finish()
    }
}

impl RedisStore {
    /// A store over `source`; connects on first use. Adopts the source's
    /// [`RedisSource::wait_policy`].
    pub fn new(source: RedisSource) -> Self {
        RedisStore {
            wait: source.wait_policy(),
            source,
            con: Mutex::new(None),
            script: redis::Script::new(REVOKE_SCRIPT),
            maxlen: DEFAULT_STREAM_MAXLEN,
            retention: Retention::DEFAULT,
        }
    }

    /// Keeps revocations `max_leeway` after their `until`, fills in an
    /// omitted `until` with `max_token_lifetime` and refuses one beyond it
    /// (default [`Retention::DEFAULT`]: 300 s, 24 h). Followers should use
    /// the same `max_leeway` ([`crate::BuildOptions::retention`]).
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// [`RedisStore::with_retention`] on a store in place.
    pub fn set_retention(&mut self, retention: Retention) {
        self.retention = retention;
    }

    /// The retention rule applied to revocations.
    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// After each revocation (each round trip of [`RedisStore::revoke_many`]),
    /// waits (`WAIT`) until `replicas` replicas
    /// acknowledged it, at most `timeout_ms`; fewer is reported as
    /// [`SyncError::NotReplicated`] (the revocation is on the master; retry
    /// it). `replicas` 0 turns waiting off. See `crate::durability`.
    pub fn with_wait(mut self, replicas: u64, timeout_ms: u64) -> Self {
        self.wait = (replicas > 0).then(|| WaitPolicy::new(replicas, timeout_ms));
        self
    }

    /// A store at `url`, connected now (so that a wrong address fails here).
    pub fn connect(url: &str) -> Result<Self, SyncError> {
        let store = Self::new(RedisSource::from_url(url)?);
        store.with_con(|con| redis::cmd("PING").query::<String>(con))?;
        Ok(store)
    }

    /// Trims the stream to about `maxlen` entries (default 100 000).
    pub fn with_stream_maxlen(mut self, maxlen: u64) -> Self {
        self.maxlen = maxlen.max(1);
        self
    }

    /// The source.
    pub fn source(&self) -> &RedisSource {
        &self.source
    }

    /// Runs `f` on the connection, opening it if needed; after an error the
    /// connection is dropped and `f` is tried once more on a new one.
    fn with_con<T>(
        &self,
        mut f: impl FnMut(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, SyncError> {
        let mut slot = self
            .con
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut last = None;
        for _ in 0..2 {
            let mut con = match slot.take() {
                Some(c) => c,
                None => match self.source.connect() {
                    Ok(c) => c,
                    Err(e) => {
                        last = Some(e);
                        continue;
                    }
                },
            };
            match f(&mut con) {
                Ok(v) => {
                    *slot = Some(con);
                    return Ok(v);
                }
                // A server-side refusal is an answer: do not retry.
                Err(e) if !needs_reconnect(&e) => {
                    *slot = Some(con);
                    return Err(e.into());
                }
                Err(e) => last = Some(e.into()),
            }
        }
        Err(last.unwrap_or_else(|| SyncError::Protocol("no connection".into())))
    }

    /// Stores `rev` (merged with what is already stored for its
    /// identifier), expiring at `until + max_leeway`, and appends it to the
    /// stream, in one atomic script.
    ///
    /// Errors: [`SyncError::Denylist`] with
    /// [`jwtgate::Error::RevocationExpired`] if `until + max_leeway` is
    /// already past (by this host's clock or Redis'): it would revoke
    /// nothing, and is never stored as a no-op; with
    /// [`jwtgate::Error::RevocationTooFar`] if `until` is beyond
    /// `now + max_token_lifetime`.
    pub fn revoke(&self, rev: &OwnedRevocation) -> Result<RevokeOutcome, SyncError> {
        let mut outcomes = self.revoke_many(std::slice::from_ref(rev))?;
        outcomes
            .pop()
            .ok_or_else(|| SyncError::Protocol("no reply to a revocation".into()))
    }

    /// Revokes every entry of `revs`, [`REVOKE_PIPELINE`] per round trip
    /// (a pipeline of the same atomic script [`RedisStore::revoke`] runs:
    /// each revocation is atomic, the batch is not). Every revocation is
    /// checked as [`RedisStore::revoke`] checks it before anything is sent.
    /// Returns one outcome per entry, in order. If Redis' clock finds one
    /// out of force, the error is returned after the round trip (the others
    /// were applied; revoking again is harmless: a revocation only widens).
    /// After a connection error the unfinished round trip is sent again.
    pub fn revoke_many(&self, revs: &[OwnedRevocation]) -> Result<Vec<RevokeOutcome>, SyncError> {
        let now = crate::unix_now();
        for rev in revs {
            rev.validate()?;
            self.retention.until(Some(rev.until), now)?;
        }
        let keys = self.source.keys();
        let mut out = Vec::with_capacity(revs.len());
        for chunk in revs.chunks(REVOKE_PIPELINE) {
            let mut pipe = redis::pipe();
            pipe.cmd("SCRIPT").arg("LOAD").arg(REVOKE_SCRIPT).ignore();
            let hash = self.script.get_hash();
            for rev in chunk {
                pipe.cmd("EVALSHA")
                    .arg(hash)
                    .arg(2)
                    .arg(keys.entry_key(rev.kind, &rev.id))
                    .arg(keys.stream())
                    .arg(rev.kind.tag())
                    .arg(&rev.id)
                    .arg(rev.until)
                    .arg(rev.issued_before)
                    .arg(rev.below_version)
                    .arg(self.maxlen)
                    .arg(self.retention.max_leeway);
            }
            let (replies, acked): (Vec<Value>, Option<u64>) = self.with_con(|con| {
                let replies: Vec<Value> = pipe.query(con)?;
                // WAIT once per round trip, on the same connection, when
                // anything is in force (an unchanged one may rest on an
                // earlier write not yet replicated: write the marker).
                let codes = || replies.iter().map(script_code);
                let acked = match &self.wait {
                    Some(w) if codes().any(|c| matches!(c, Some(1 | 2))) => {
                        let touch = codes().any(|c| c == Some(2));
                        Some(wait_for_replicas(con, w, keys, touch)?)
                    }
                    _ => None,
                };
                Ok((replies, acked))
            })?;
            if replies.len() != chunk.len() {
                return Err(SyncError::Protocol(format!(
                    "{} replies to {} revocations",
                    replies.len(),
                    chunk.len()
                )));
            }
            if let (Some(w), Some(acked)) = (&self.wait, acked) {
                if acked < w.replicas {
                    return Err(SyncError::NotReplicated {
                        acked,
                        wanted: w.replicas,
                        timeout_ms: w.timeout_ms,
                    });
                }
            }
            for reply in &replies {
                out.push(outcome_of(reply)?);
            }
        }
        Ok(out)
    }

    /// The `until` of a revocation made now: `until`, or
    /// `now + max_token_lifetime` when omitted (checked by
    /// [`RedisStore::revoke`]). The bindings' "until not given" goes
    /// through here.
    pub fn until_or_lifetime(&self, until: Option<u64>) -> u64 {
        until.unwrap_or_else(|| crate::unix_now().saturating_add(self.retention.max_token_lifetime))
    }

    /// Revokes every token with this `jti` whose `exp` is at or before
    /// `until` (`None`: the maximum token lifetime from now). Errors as
    /// [`RedisStore::revoke`].
    pub fn revoke_token(&self, jti: &[u8], until: Option<u64>) -> Result<RevokeOutcome, SyncError> {
        self.revoke(&OwnedRevocation::token(jti, self.until_or_lifetime(until)))
    }

    /// Revokes every token of a session whose `exp` is at or before `until`
    /// (`None`: the maximum token lifetime from now).
    pub fn revoke_session(
        &self,
        sid: &[u8],
        until: Option<u64>,
    ) -> Result<RevokeOutcome, SyncError> {
        self.revoke(&OwnedRevocation::session(
            sid,
            self.until_or_lifetime(until),
        ))
    }

    /// Revokes every token of `sub` issued before `issued_before` and/or
    /// with `ver` below `below_version` (0: bound unused) whose `exp` is at
    /// or before `until` (`None`: the maximum token lifetime from now).
    pub fn revoke_subject(
        &self,
        sub: &[u8],
        issued_before: u64,
        below_version: u64,
        until: Option<u64>,
    ) -> Result<RevokeOutcome, SyncError> {
        self.revoke(&OwnedRevocation {
            kind: Kind::Subject,
            id: sub.to_vec(),
            until: self.until_or_lifetime(until),
            issued_before,
            below_version,
        })
    }

    /// The revocation stored for an identifier.
    pub fn get(&self, kind: Kind, id: &[u8]) -> Result<Option<OwnedRevocation>, SyncError> {
        let key = self.source.keys().entry_key(kind, id);
        let v: Option<Vec<u8>> = self.with_con(|con| redis::cmd("GET").arg(&key).query(con))?;
        v.map(|v| OwnedRevocation::decode_value(kind, id.to_vec(), &v))
            .transpose()
    }

    /// Every revocation stored (a `SCAN`; for tools and tests).
    pub fn load_all(&self) -> Result<Vec<OwnedRevocation>, SyncError> {
        let mut out = Vec::new();
        let keys = self.source.keys().clone();
        self.with_con(|con| {
            out.clear();
            scan_entries(con, &keys, 1000, |r| out.push(r)).map_err(into_redis_error)
        })?;
        Ok(out)
    }
}

impl Confirmer for RedisStore {
    fn confirm(&self, ids: &TokenIds<'_>, now: u64) -> Result<Option<RevocationKind>, SyncError> {
        for (kind, id) in [
            (Kind::Token, ids.jti),
            (Kind::Session, ids.sid),
            (Kind::Subject, ids.sub),
        ] {
            let Some(id) = id else { continue };
            if let Some(rev) = self.get(kind, id)? {
                if rev.revokes(ids, now) {
                    return Ok(Some(kind.revocation_kind()));
                }
            }
        }
        Ok(None)
    }
}

/// Revocations sent per round trip by [`RedisStore::revoke_many`].
pub const REVOKE_PIPELINE: usize = 1000;

/// The revoke script's reply as an outcome (out of force: an error).
fn outcome_of(reply: &Value) -> Result<RevokeOutcome, SyncError> {
    let bad = || SyncError::Protocol(format!("revoke script replied {reply:?}"));
    let Value::Array(items) = reply else {
        return Err(bad());
    };
    match (items.first(), items.get(1)) {
        (Some(Value::Int(1)), Some(id)) => Ok(RevokeOutcome::Added {
            stream_id: value_string(id).ok_or_else(bad)?,
        }),
        (Some(Value::Int(2)), _) => Ok(RevokeOutcome::Unchanged),
        (Some(Value::Int(0)), _) => Err(jwtgate::Error::RevocationExpired.into()),
        _ => Err(bad()),
    }
}

/// Reads every entry key with `SCAN` + `MGET`, calling `f` for each.
pub(crate) fn scan_entries(
    con: &mut Connection,
    keys: &KeySpace,
    count: usize,
    mut f: impl FnMut(OwnedRevocation),
) -> Result<(), SyncError> {
    let pattern = keys.scan_pattern();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(count)
            .query(con)?;
        if !batch.is_empty() {
            let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET").arg(&batch).query(con)?;
            for (key, value) in batch.into_iter().zip(values) {
                // Expired between SCAN and MGET: gone, and rightly so.
                let Some(value) = value else { continue };
                let (kind, id) = keys.parse_entry_key(&key).ok_or_else(|| {
                    SyncError::Protocol(format!("foreign key {:?}", String::from_utf8_lossy(&key)))
                })?;
                f(OwnedRevocation::decode_value(kind, id, &value)?);
            }
        }
        cursor = next;
        if cursor == 0 {
            return Ok(());
        }
    }
}

fn into_redis_error(e: SyncError) -> redis::RedisError {
    match e {
        SyncError::Redis(e) => e,
        other => {
            redis::RedisError::from((redis::ErrorKind::Client, "scan failed", other.to_string()))
        }
    }
}

/// The first element of the revoke script's reply.
fn script_code(reply: &Value) -> Option<i64> {
    match reply {
        Value::Array(items) => match items.first() {
            Some(Value::Int(c)) => Some(*c),
            _ => None,
        },
        _ => None,
    }
}

/// A bulk or simple string reply as text.
pub(crate) fn value_string(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_namespace_is_refused_once_for_every_binding() {
        let source = RedisSource::from_url("redis://127.0.0.1:1/");
        let Ok(source) = source else {
            panic!("a valid URL");
        };
        match source.clone().with_namespace("") {
            Err(e) => assert_eq!(e.code(), SyncError::INVALID_ARGUMENT_CODE),
            Ok(_) => panic!("an empty namespace was accepted"),
        }
        let Ok(named) = source.with_namespace("tenant-a") else {
            panic!("a namespace was refused");
        };
        assert_eq!(named.keys(), &KeySpace::new("tenant-a"));
        assert_ne!(named.keys(), &KeySpace::default());
    }
}
