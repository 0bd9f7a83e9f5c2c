//! [`Follower`]: keeps a [`DenylistState`] current from Redis.
//!
//! Start: read the stream's `XINFO` (last id *and* `entries-added`, the
//! number of that entry), *then* scan the revocation keys into the set (a
//! revocation written in between is both scanned and read from the stream;
//! applying it twice is harmless). The follower's position is that pair:
//! the id of the last entry applied and its number in the stream's history.
//!
//! Then, per batch, one atomic round trip `MULTI; XREAD COUNT n ...; XINFO
//! STREAM; EXEC` returns the entries after the position *and* the stream's
//! counters at the same instant. The batch is continuous when no more
//! entries were ever removed (`entries-added - length`) than the position's
//! number, none after it was deleted (`max-deleted-entry-id`), and the
//! stream did not go backwards (`entries-added`, `last-generated-id`).
//! Otherwise entries after the position may be gone (the follower lagged
//! further than `MAXLEN`, or Redis was replaced): the follower rescans the
//! keys, counts a resync and says why (metrics, [`Follower::last_resync`],
//! standard error). The check runs on every batch, whatever the lag, not
//! only on reconnect. When a batch comes back empty, a blocking `XREAD`
//! waits for the next entry (or `block`), and a successful round trip marks
//! the state synced: freshness is confirmed by Redis, not by the socket.
//!
//! After an error: reconnect with exponential backoff and run the same
//! check, plus one more: if the entry at the position should still be in
//! the stream, it must be there (`XRANGE id id`) — a stream with enough new
//! entries but not ours belongs to a Redis that lost its data. A rescan
//! only adds: revocations already held stay until they expire, so no
//! revocation is ever lost to a Redis restart either.
//!
//! Applying a batch inserts into the set's log (O(1) each) and builds one
//! level of the denylist, merged geometrically (see `revocation::set`).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

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

/// Where the follower is: the last entry applied and its number in the
/// stream's history (`entries-added` when it was added).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Position {
    id: StreamId,
    number: u64,
}

struct Shared {
    stop: AtomicBool,
    connected: AtomicBool,
    ready: Mutex<bool>,
    ready_cv: Condvar,
    health: Mutex<Health>,
    position: Mutex<Position>,
    set: SharedRevocations,
}

/// The last error and the last recovery.
#[derive(Clone, Debug, Default)]
struct Health {
    last_error: Option<(String, SystemTime)>,
    healthy_since: Option<SystemTime>,
    last_resync: Option<(String, SystemTime)>,
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
            health: Mutex::new(Health::default()),
            position: Mutex::new(Position::default()),
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

    /// The last error met, kept after recovery (a history of one): compare
    /// its time with [`Follower::healthy_since`].
    pub fn last_error(&self) -> Option<String> {
        self.last_error_at().map(|(e, _)| e)
    }

    /// The last error met and when.
    pub fn last_error_at(&self) -> Option<(String, SystemTime)> {
        lock(&self.shared.health).last_error.clone()
    }

    /// Since when the follower has been connected and confirming the
    /// denylist current (`None` while it is not: before the first load and
    /// after an error until the next successful read).
    pub fn healthy_since(&self) -> Option<SystemTime> {
        lock(&self.shared.health).healthy_since
    }

    /// The last resync after the first load: why, and when it finished.
    pub fn last_resync(&self) -> Option<(String, SystemTime)> {
        lock(&self.shared.health).last_resync.clone()
    }

    /// The id of the last stream entry applied (`0-0` before any).
    pub fn last_stream_id(&self) -> String {
        lock(&self.shared.position).id.to_string()
    }

    /// The revocations held: the exact source for
    /// [`crate::LiveVerifier::with_confirmer`], and what `jwtgate follow`
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
        {
            let mut h = lock(&shared.health);
            h.last_error = Some((err.to_string(), SystemTime::now()));
            h.healthy_since = None;
        }
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
    let pos = *lock(&shared.position);
    if *synced_once {
        let mut broken = discontinuity(info.as_ref(), pos);
        if broken.is_none() && still_there(info.as_ref(), pos) {
            let found: Value = redis::cmd("XRANGE")
                .arg(keys.stream())
                .arg(pos.id.to_string())
                .arg(pos.id.to_string())
                .query(&mut con)?;
            if matches!(&found, Value::Array(a) if a.is_empty()) {
                broken = Some(
                    "the entry at our position is missing: Redis lost its data or was replaced"
                        .into(),
                );
            }
        }
        if let Some(why) = broken {
            resync(shared, &mut con, source, state, opts, Some(&why), info)?;
        }
    } else {
        resync(shared, &mut con, source, state, opts, None, info)?;
        *synced_once = true;
    }
    shared.connected.store(true, Relaxed);
    state.mark_synced();
    lock(&shared.health).healthy_since = Some(SystemTime::now());
    {
        let mut ready = lock(&shared.ready);
        *ready = true;
        shared.ready_cv.notify_all();
    }
    *backoff = opts.backoff_min;

    let block_ms = u64::try_from(opts.block.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    // Whether the last read found nothing: wait with a blocking read.
    let mut idle = info.is_none();
    while !shared.stop.load(Relaxed) {
        let pos = *lock(&shared.position);
        if idle {
            let asked = Instant::now();
            let reply: Value = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(block_ms)
                .arg("STREAMS")
                .arg(keys.stream())
                .arg(pos.id.to_string())
                .query(&mut con)?;
            if matches!(reply, Value::Nil) || parse_xread(&reply)?.is_empty() {
                // Nothing after our position as of `asked`.
                state.mark_synced_at(crate::unix_ms().saturating_sub(elapsed_ms(asked)));
                shared.set.maintain(state, crate::unix_now())?;
                continue;
            }
        }
        let asked_ms = crate::unix_ms();
        let (reply, info): (Value, Value) = redis::pipe()
            .atomic()
            .cmd("XREAD")
            .arg("COUNT")
            .arg(opts.batch)
            .arg("STREAMS")
            .arg(keys.stream())
            .arg(pos.id.to_string())
            .cmd("XINFO")
            .arg("STREAM")
            .arg(keys.stream())
            .query(&mut con)?;
        let entries = parse_xread(&reply)?;
        let info = parse_stream_info(&info)?;
        let count = u64::try_from(entries.len()).unwrap_or(u64::MAX);
        idle = entries.is_empty();
        let broken = discontinuity(Some(&info), pos);
        apply(shared, state, entries, pos, count)?;
        if let Some(why) = broken {
            resync(shared, &mut con, source, state, opts, Some(&why), None)?;
        }
        // Everything up to the instant of the read is applied.
        state.mark_synced_at(asked_ms);
    }
    Ok(())
}

fn elapsed_ms(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Applies one batch read after `pos` and moves the position past it.
fn apply(
    shared: &Shared,
    state: &DenylistState,
    entries: Vec<(StreamId, Option<OwnedRevocation>)>,
    pos: Position,
    count: u64,
) -> Result<(), SyncError> {
    let Some(newest) = entries.last().map(|(id, _)| *id) else {
        return Ok(());
    };
    let now = crate::unix_now();
    let mut set = shared.set.lock();
    let mut changed = 0u64;
    for (_, rev) in entries {
        if let Some(rev) = rev {
            changed += u64::from(set.insert(rev, now));
        }
    }
    drop(set);
    if changed > 0 {
        // Levels build under the read lock: confirmations go on.
        shared.set.publish(state, now)?;
        state.metrics().record_revocations(changed);
    }
    *lock(&shared.position) = Position {
        id: newest,
        number: pos.number.saturating_add(count),
    };
    let lag = crate::unix_ms().saturating_sub(newest.0);
    state.metrics().stream_lag_ms.store(lag, Relaxed);
    Ok(())
}

/// Why entries after `pos` may be gone from the stream described by
/// `info` (`None`: no stream), or `None` when it provably holds them all.
fn discontinuity(info: Option<&StreamInfo>, pos: Position) -> Option<String> {
    let Some(info) = info else {
        return (pos != Position::default())
            .then(|| "the stream is gone: Redis lost its data or was replaced".to_string());
    };
    if info.last_generated < pos.id || info.entries_added < pos.number {
        return Some(format!(
            "the stream went backwards (last id {}, {} entries ever, we are at {} #{}): Redis lost its data or was replaced",
            info.last_generated, info.entries_added, pos.id, pos.number
        ));
    }
    if info.max_deleted > pos.id {
        return Some(format!(
            "entries after {} were deleted (max-deleted-entry-id {})",
            pos.id, info.max_deleted
        ));
    }
    let removed = info.entries_added.saturating_sub(info.length);
    if removed > pos.number {
        return Some(format!(
            "the stream was trimmed past our position ({removed} entries removed, we had read {})",
            pos.number
        ));
    }
    None
}

/// Whether the entry at `pos` should still be in the stream (not trimmed).
fn still_there(info: Option<&StreamInfo>, pos: Position) -> bool {
    info.is_some_and(|i| pos.number > 0 && i.entries_added.saturating_sub(i.length) < pos.number)
}

/// Rescans every revocation key into the set (adding only), then installs
/// it and moves the position to where the stream was before the scan.
/// `why` is `None` for the first load.
fn resync(
    shared: &Shared,
    con: &mut Connection,
    source: &RedisSource,
    state: &DenylistState,
    opts: &FollowerOptions,
    why: Option<&str>,
    info: Option<StreamInfo>,
) -> Result<(), SyncError> {
    let started = Instant::now();
    let keys = source.keys();
    if let Some(why) = why {
        eprintln!("jwtgate follower: resync from the keys: {why}");
    }
    // The position first: anything written during the scan is read again.
    let info = match info {
        Some(i) if why.is_none() => Some(i),
        _ => stream_info(con, keys.stream())?,
    };
    let start = info.map_or(Position::default(), |i| Position {
        id: i.last_generated,
        number: i.entries_added,
    });
    let now = crate::unix_now();
    let mut added = 0u64;
    let mut batch = Vec::with_capacity(opts.scan_count);
    let mut flush = |batch: &mut Vec<OwnedRevocation>| {
        let mut set = shared.set.lock();
        for rev in batch.drain(..) {
            added += u64::from(set.insert(rev, now));
        }
    };
    scan_entries(con, keys, opts.scan_count, |rev| {
        batch.push(rev);
        if batch.len() >= opts.scan_count {
            flush(&mut batch);
        }
    })?;
    flush(&mut batch);
    if why.is_none() {
        shared.set.compact(state, now)?;
    } else {
        shared.set.publish(state, now)?;
    }
    state.metrics().record_revocations(added);
    let took = elapsed_ms(started);
    state.metrics().last_resync_ms.store(took, Relaxed);
    if let Some(why) = why {
        state.metrics().resyncs.fetch_add(1, Relaxed);
        lock(&shared.health).last_resync = Some((why.to_string(), SystemTime::now()));
        eprintln!("jwtgate follower: resync done in {took} ms ({added} revocations added)");
    }
    // Last, so that whoever sees the new position also sees the resync
    // counted.
    *lock(&shared.position) = start;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
struct StreamInfo {
    length: u64,
    entries_added: u64,
    last_generated: StreamId,
    max_deleted: StreamId,
}

/// `XINFO STREAM`, or `None` when the stream does not exist.
fn stream_info(con: &mut Connection, stream: &[u8]) -> Result<Option<StreamInfo>, SyncError> {
    let exists: i64 = redis::cmd("EXISTS").arg(stream).query(con)?;
    if exists == 0 {
        return Ok(None);
    }
    let reply: Value = redis::cmd("XINFO").arg("STREAM").arg(stream).query(con)?;
    parse_stream_info(&reply).map(Some)
}

/// An `XINFO STREAM` reply.
fn parse_stream_info(reply: &Value) -> Result<StreamInfo, SyncError> {
    let fields = pairs(reply).ok_or_else(|| SyncError::Protocol(format!("XINFO {reply:?}")))?;
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
    Ok(StreamInfo {
        length: int_of("length")?,
        entries_added: int_of("entries-added")?,
        last_generated: id_of("last-generated-id")?,
        max_deleted: id_of("max-deleted-entry-id")?,
    })
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
