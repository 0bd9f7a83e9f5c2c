//! [`Follower`]: keeps a [`DenylistState`] current from Redis.
//!
//! Start: read the stream's last id, *then* scan the revocation keys and
//! build the denylist (a revocation written in between is both scanned and
//! read from the stream; applying it twice is harmless). Then `XREAD BLOCK`
//! from that id and apply each entry as it arrives (a delta rebuild: tens
//! of microseconds). After an error: reconnect with exponential backoff and
//! resume from the last id applied, unless the stream no longer holds
//! everything after it (`XINFO STREAM`: `max-deleted-entry-id` past it, or
//! `last-generated-id` before it, when Redis lost its data) — then rescan
//! the keys. A rescan only adds: revocations already held stay until they
//! expire, so no revocation is ever lost to a Redis restart either.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redis::{Connection, Value};

use crate::revocation::{BuildOptions, Kind, OwnedRevocation, RevocationSet, SharedRevocations};
use crate::store::{scan_entries, value_string, RedisSource};
use crate::{DenylistState, SyncError};

/// How a [`Follower`] reads and rebuilds.
#[derive(Clone, Copy, Debug)]
pub struct FollowerOptions {
    /// The longest `XREAD BLOCK`; also how often an idle follower confirms
    /// it is current (so staleness stays below it while Redis is up), and
    /// the longest [`Follower::stop`] waits.
    pub block: Duration,
    /// Stream entries read per call.
    pub batch: usize,
    /// Keys per `SCAN` step.
    pub scan_count: usize,
    /// First reconnect delay; doubled after each failure.
    pub backoff_min: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// How the denylist is built and compacted.
    pub build: BuildOptions,
}

impl Default for FollowerOptions {
    fn default() -> Self {
        FollowerOptions {
            block: Duration::from_millis(250),
            batch: 1000,
            scan_count: 1000,
            backoff_min: Duration::from_millis(20),
            backoff_max: Duration::from_secs(2),
            build: BuildOptions::default(),
        }
    }
}

/// A stream entry id, `ms-seq`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct StreamId(u64, u64);

impl StreamId {
    fn parse(s: &str) -> Option<StreamId> {
        let (ms, seq) = s.split_once('-')?;
        Some(StreamId(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

struct Shared {
    stop: AtomicBool,
    connected: AtomicBool,
    ready: Mutex<bool>,
    ready_cv: Condvar,
    last_error: Mutex<Option<String>>,
    last_id: Mutex<StreamId>,
    set: SharedRevocations,
}

/// A thread that keeps a [`DenylistState`] current from Redis (see the
/// module documentation for the protocol). Stops when dropped.
pub struct Follower {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("connected", &self.is_connected())
            .field("ready", &self.is_ready())
            .field("last_id", &self.last_stream_id())
            .finish()
    }
}

impl Follower {
    /// Starts following `source` into `state`. Returns at once; see
    /// [`Follower::wait_ready`] for the first full load.
    pub fn start(
        source: RedisSource,
        state: DenylistState,
        options: FollowerOptions,
    ) -> Result<Follower, SyncError> {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            connected: AtomicBool::new(false),
            ready: Mutex::new(false),
            ready_cv: Condvar::new(),
            last_error: Mutex::new(None),
            last_id: Mutex::new(StreamId::default()),
            set: SharedRevocations::new(RevocationSet::new(options.build)),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("jwtgate-follower".into())
            .spawn(move || run(&thread_shared, &source, &state, &options))?;
        Ok(Follower {
            shared,
            thread: Some(thread),
        })
    }

    /// Waits until the first full load from Redis is installed; false on timeout.
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let guard = lock(&self.shared.ready);
        let (guard, _) = self
            .shared
            .ready_cv
            .wait_timeout_while(guard, timeout, |ready| !*ready)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard
    }

    /// Whether the first full load is done.
    pub fn is_ready(&self) -> bool {
        *lock(&self.shared.ready)
    }

    /// Whether the follower is connected to Redis right now.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Relaxed)
    }

    /// The last error met (cleared by nothing: a history of one).
    pub fn last_error(&self) -> Option<String> {
        lock(&self.shared.last_error).clone()
    }

    /// The id of the last stream entry applied (`0-0` before any).
    pub fn last_stream_id(&self) -> String {
        lock(&self.shared.last_id).to_string()
    }

    /// The revocations held: the exact source for
    /// [`crate::SyncedVerifier::with_confirmer`], and what `jwtgate follow`
    /// writes to its snapshot file.
    pub fn revocations(&self) -> SharedRevocations {
        self.shared.set.clone()
    }

    /// Stops the thread and waits for it (at most about
    /// [`FollowerOptions::block`] plus a connect timeout).
    pub fn stop(mut self) {
        self.stop_inner();
    }

    fn stop_inner(&mut self) {
        self.shared.stop.store(true, Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop_inner();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn run(shared: &Shared, source: &RedisSource, state: &DenylistState, opts: &FollowerOptions) {
    let mut backoff = opts.backoff_min;
    let mut synced_once = false;
    while !shared.stop.load(Relaxed) {
        let err = match session(shared, source, state, opts, &mut synced_once, &mut backoff) {
            Ok(()) => return,
            Err(e) => e,
        };
        shared.connected.store(false, Relaxed);
        state.metrics().disconnects.fetch_add(1, Relaxed);
        *lock(&shared.last_error) = Some(err.to_string());
        sleep_unless_stopped(shared, backoff);
        backoff = (backoff * 2).min(opts.backoff_max);
    }
}

fn sleep_unless_stopped(shared: &Shared, total: Duration) {
    let end = Instant::now() + total;
    while !shared.stop.load(Relaxed) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

/// One connection's life: connect, resume or resync, follow until an error
/// (returned) or a stop (`Ok`).
fn session(
    shared: &Shared,
    source: &RedisSource,
    state: &DenylistState,
    opts: &FollowerOptions,
    synced_once: &mut bool,
    backoff: &mut Duration,
) -> Result<(), SyncError> {
    let mut con = source.connect()?;
    let keys = source.keys();
    con.set_read_timeout(Some(opts.block + Duration::from_secs(5)))?;
    let info = stream_info(&mut con, keys.stream())?;
    let last = *lock(&shared.last_id);
    let resume = *synced_once
        && match info {
            // No stream: fine only if we never saw an entry.
            None => last == StreamId::default(),
            Some(info) => !info.may_have_lost_after(last),
        };
    if !resume {
        let start = info.map(|i| i.last_generated).unwrap_or_default();
        let now = crate::unix_now();
        let mut set = shared.set.lock();
        let mut added = 0u64;
        scan_entries(&mut con, keys, opts.scan_count, |rev| {
            added += u64::from(set.insert(rev, now));
        })?;
        set.compact(state, now)?;
        drop(set);
        if *synced_once {
            state.metrics().resyncs.fetch_add(1, Relaxed);
        }
        state.metrics().record_revocations(added);
        *lock(&shared.last_id) = start;
        *synced_once = true;
    }
    shared.connected.store(true, Relaxed);
    state.mark_synced();
    {
        let mut ready = lock(&shared.ready);
        *ready = true;
        shared.ready_cv.notify_all();
    }
    *backoff = opts.backoff_min;

    let block_ms = u64::try_from(opts.block.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    while !shared.stop.load(Relaxed) {
        let from = lock(&shared.last_id).to_string();
        let reply: Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(opts.batch)
            .arg("BLOCK")
            .arg(block_ms)
            .arg("STREAMS")
            .arg(keys.stream())
            .arg(&from)
            .query(&mut con)?;
        let entries = parse_xread(&reply)?;
        let now = crate::unix_now();
        let mut set = shared.set.lock();
        let mut changed = 0u64;
        let mut newest = None;
        for (id, rev) in entries {
            if let Some(rev) = rev {
                changed += u64::from(set.insert(rev, now));
            }
            newest = Some(id);
        }
        if changed > 0 {
            set.publish(state, now)?;
            state.metrics().record_revocations(changed);
        } else if set.compaction_due() {
            set.compact(state, now)?;
        }
        drop(set);
        if let Some(id) = newest {
            *lock(&shared.last_id) = id;
        }
        state.mark_synced();
    }
    Ok(())
}

#[derive(Clone, Copy, Debug)]
struct StreamInfo {
    length: u64,
    entries_added: u64,
    last_generated: StreamId,
    max_deleted: StreamId,
    first: StreamId,
}

impl StreamInfo {
    /// Whether an entry after `last` may have been removed (trimmed or
    /// deleted), or the stream was recreated behind `last`. Conservative:
    /// when entries were trimmed and the oldest kept one comes after `last`,
    /// the ones between may be gone. (Redis 7.0 does not update
    /// `max-deleted-entry-id` when `MAXLEN` trims, so that alone is not enough.)
    fn may_have_lost_after(&self, last: StreamId) -> bool {
        if self.last_generated < last || self.max_deleted > last {
            return true;
        }
        if self.entries_added <= self.length {
            return false; // nothing was ever removed
        }
        if self.length == 0 {
            return last < self.last_generated;
        }
        self.first > last
    }
}

/// `XINFO STREAM`, or `None` when the stream does not exist.
fn stream_info(con: &mut Connection, stream: &[u8]) -> Result<Option<StreamInfo>, SyncError> {
    let exists: i64 = redis::cmd("EXISTS").arg(stream).query(con)?;
    if exists == 0 {
        return Ok(None);
    }
    let reply: Value = redis::cmd("XINFO").arg("STREAM").arg(stream).query(con)?;
    let fields = pairs(&reply).ok_or_else(|| SyncError::Protocol(format!("XINFO {reply:?}")))?;
    let id_of = |name: &str| -> Result<StreamId, SyncError> {
        fields
            .iter()
            .find(|(k, _)| k.as_deref() == Some(name))
            .and_then(|(_, v)| value_string(v))
            .and_then(|s| StreamId::parse(&s))
            .ok_or_else(|| {
                SyncError::Protocol(format!(
                    "XINFO STREAM has no {name} (Redis 7 or later needed)"
                ))
            })
    };
    let int_of = |name: &str| -> Result<u64, SyncError> {
        fields
            .iter()
            .find(|(k, _)| k.as_deref() == Some(name))
            .and_then(|(_, v)| match v {
                Value::Int(i) => u64::try_from(*i).ok(),
                other => value_string(other).and_then(|s| s.parse().ok()),
            })
            .ok_or_else(|| {
                SyncError::Protocol(format!(
                    "XINFO STREAM has no {name} (Redis 7 or later needed)"
                ))
            })
    };
    Ok(Some(StreamInfo {
        length: int_of("length")?,
        entries_added: int_of("entries-added")?,
        last_generated: id_of("last-generated-id")?,
        max_deleted: id_of("max-deleted-entry-id")?,
        first: id_of("recorded-first-entry-id")?,
    }))
}

/// A flat RESP2 array or a RESP3 map as (name, value) pairs.
fn pairs(v: &Value) -> Option<Vec<(Option<String>, &Value)>> {
    match v {
        Value::Array(items) => Some(
            items
                .chunks(2)
                .filter_map(|c| match c {
                    [k, v] => Some((value_string(k), v)),
                    _ => None,
                })
                .collect(),
        ),
        Value::Map(items) => Some(items.iter().map(|(k, v)| (value_string(k), v)).collect()),
        _ => None,
    }
}

/// The entries of an `XREAD` reply on one stream; `None` for an entry that
/// is not a revocation (skipped, but its id still counts as read).
fn parse_xread(reply: &Value) -> Result<Vec<(StreamId, Option<OwnedRevocation>)>, SyncError> {
    let bad = || SyncError::Protocol(format!("XREAD {reply:?}"));
    let streams: Vec<&Value> = match reply {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(s) => s.iter().collect(),
        Value::Map(m) => m.iter().map(|(_, v)| v).collect(),
        _ => return Err(bad()),
    };
    let mut out = Vec::new();
    for s in streams {
        // RESP2: [name, entries]; RESP3 map values are the entries.
        let entries = match s {
            Value::Array(pair)
                if pair.len() == 2 && value_string(pair.first().ok_or_else(bad)?).is_some() =>
            {
                pair.get(1).ok_or_else(bad)?
            }
            other => other,
        };
        let Value::Array(entries) = entries else {
            return Err(bad());
        };
        for e in entries {
            let Value::Array(parts) = e else {
                return Err(bad());
            };
            let (Some(id), Some(fields)) = (parts.first(), parts.get(1)) else {
                return Err(bad());
            };
            let id = value_string(id)
                .and_then(|s| StreamId::parse(&s))
                .ok_or_else(bad)?;
            out.push((id, parse_entry(fields)));
        }
    }
    Ok(out)
}

fn parse_entry(fields: &Value) -> Option<OwnedRevocation> {
    let fields = pairs(fields)?;
    let get = |name: &str| -> Option<Vec<u8>> {
        fields
            .iter()
            .find(|(k, _)| k.as_deref() == Some(name))
            .and_then(|(_, v)| match v {
                Value::BulkString(b) => Some(b.clone()),
                Value::SimpleString(s) => Some(s.clone().into_bytes()),
                _ => None,
            })
    };
    let kind = Kind::from_tag(&get("k")?)?;
    OwnedRevocation::decode_value(kind, get("id")?, &get("v")?).ok()
}
