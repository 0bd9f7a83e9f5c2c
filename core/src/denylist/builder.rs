//! [`DenylistBuilder`]: builds a denylist into a caller's buffer, without
//! allocating.
//!
//! Three passes over the entries, all linear: the latest `until` (which
//! fixes the windows), the keys per segment (which fix every size and
//! offset, so [`DenylistBuilder::required_len`] is exact), then hashing and
//! inserting. Counting first means no table ever grows or moves.

use crate::error::Error;

use super::format::{
    align_up, bloom_hash_kind, checksum, dir_entry_offset, spans_windows, DirEntry, Header,
    CHECKSUM_LEN, FLAG_FINGERPRINTS, MAGIC, VERSION,
};
use super::hash::{
    bloom_hash, key_hash, split_seed, BloomHashKind, TAG_SESSION, TAG_SUBJECT, TAG_TOKEN,
};
use super::window::Windows;
use super::{bloom, table, Retention, Revocation, MAX_SEGMENTS};

/// How a denylist is built.
///
/// ```
/// use jwtgate::DenylistConfig;
/// let mut config = DenylistConfig::new([0x5e; 16], 1_700_000_000);
/// config.sequence = 42;          // from the authority, increasing
/// config.fingerprints = false;   // smaller, with a bloom false-positive rate
/// # let _ = config;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenylistConfig {
    /// The 128-bit hash seed, stored in the output. Use a fresh random seed
    /// per build so that key positions cannot be planned in advance.
    pub seed: [u8; 16],
    /// The sequence number recorded in the output (monotonic, chosen by the caller).
    pub sequence: u64,
    /// The build time: entries with `until + max_leeway < now` are
    /// dropped, and the first window starts at `now - max_leeway` rounded
    /// down to the width.
    pub now: u64,
    /// The wanted window width in seconds (0 is taken as 1). The builder
    /// doubles it as often as needed to fit [`crate::MAX_SEGMENTS`] windows.
    pub segment_width: u64,
    /// Bloom filter bits per key (0 is taken as 1). 16 gives a
    /// false-positive rate near 0.1% per lookup (see the format document).
    pub bloom_bits_per_entry: u32,
    /// Whether to store 64-bit fingerprints of token and session keys, so
    /// that a bloom hit is confirmed exactly.
    pub fingerprints: bool,
    /// How long entries are kept after their `until` (`max_leeway`) and how
    /// far ahead they may reach (`max_token_lifetime`, plus `max_leeway` of
    /// clock skew between the revoker and this builder).
    pub retention: Retention,
}

impl DenylistConfig {
    /// The default window width: one hour.
    pub const DEFAULT_SEGMENT_WIDTH: u64 = 3600;
    /// The default bloom bits per key.
    pub const DEFAULT_BITS_PER_ENTRY: u32 = 16;

    /// A configuration with the defaults: sequence 0, one-hour windows,
    /// 16 bloom bits per key, fingerprints on, [`Retention::DEFAULT`]
    /// (300 s leeway, 24 h token lifetime).
    pub fn new(seed: [u8; 16], now: u64) -> Self {
        DenylistConfig {
            seed,
            sequence: 0,
            now,
            segment_width: Self::DEFAULT_SEGMENT_WIDTH,
            bloom_bits_per_entry: Self::DEFAULT_BITS_PER_ENTRY,
            fingerprints: true,
            retention: Retention::DEFAULT,
        }
    }
}

/// Builds denylists from revocation entries into caller-provided buffers.
///
/// ```
/// use jwtgate::{DenylistConfig, DenylistBuilder, Revocation};
/// let now = 1_700_000_000;
/// let builder = DenylistBuilder::new(DenylistConfig::new([3; 16], now));
/// let entries = [
///     Revocation::Token { jti: b"t-1", until: now + 60 },
///     Revocation::Session { sid: b"s-1", until: now + 7200 },
///     Revocation::Token { jti: b"old", until: now - 3600 }, // dropped: out of force
/// ];
/// let len = builder.required_len(&entries)?;
/// let mut buf = vec![0u8; len];
/// assert_eq!(builder.build(&entries, &mut buf)?, len);
/// # Ok::<(), jwtgate::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DenylistBuilder {
    config: DenylistConfig,
    /// The format version written; one [`bloom_hash_kind`] knows.
    version: u16,
}

/// The sizes and offsets of one segment, fixed before anything is written.
#[derive(Clone, Copy, Debug, Default)]
struct SegmentPlan {
    /// Token and session keys destined for the segment (duplicates included).
    token_session_keys: u32,
    /// Subject keys destined for the segment (duplicates included).
    subject_keys: u32,
    /// Capacities and offsets; counts are filled in while inserting.
    dir: DirEntry,
}

/// The whole output layout.
struct Plan {
    windows: Windows,
    kept: u64,
    /// Only the first `windows.count` are used.
    segments: [SegmentPlan; MAX_SEGMENTS],
    total_len: usize,
}

impl DenylistBuilder {
    /// A builder with this configuration.
    pub fn new(config: DenylistConfig) -> Self {
        DenylistBuilder {
            config,
            version: VERSION,
        }
    }

    /// The same builder writing format `version` (1, 2 or 3; the default is
    /// [`DenylistBuilder::FORMAT_VERSION`], 3), for readers that predate
    /// version 3 during a rolling upgrade. Every version gets the same
    /// placement (every entry in every window up to its `until`), which
    /// older readers look up correctly, with one gap that is theirs: they
    /// skip a token whose `exp` window has ended, so a revoked token can
    /// pass them within their leeway after `exp`. Readers of this build
    /// close that gap (they look up at `now - leeway`).
    ///
    /// Errors: [`Error::DenylistVersion`] for a version this build cannot write.
    ///
    /// ```
    /// use jwtgate::{DenylistConfig, Denylist, DenylistBuilder, Revocation};
    /// let builder = DenylistBuilder::new(DenylistConfig::new([3; 16], 0)).with_format_version(1)?;
    /// let entries = [Revocation::Token { jti: b"t", until: 60 }];
    /// let mut buf = [0u8; 512];
    /// let len = builder.build(&entries, &mut buf)?;
    /// assert_eq!(Denylist::from_bytes(&buf[..len])?.version(), 1);
    /// # Ok::<(), jwtgate::Error>(())
    /// ```
    pub fn with_format_version(mut self, version: u16) -> Result<Self, Error> {
        bloom_hash_kind(version).ok_or(Error::DenylistVersion)?;
        self.version = version;
        Ok(self)
    }

    /// The format version [`DenylistBuilder::new`] writes.
    pub const FORMAT_VERSION: u16 = VERSION;

    /// The format version this builder writes.
    pub fn format_version(&self) -> u16 {
        self.version
    }

    /// The configuration.
    pub fn config(&self) -> &DenylistConfig {
        &self.config
    }

    /// The exact number of bytes [`DenylistBuilder::build`] writes for these entries.
    ///
    /// Errors: [`Error::DenylistFull`] if a segment would exceed the format's
    /// 32-bit counts or the size would overflow; [`Error::RevocationTooFar`]
    /// if an entry's `until` is after `now + max_token_lifetime + max_leeway`
    /// (the lifetime, plus the leeway as tolerance for a revoker's clock
    /// ahead of this builder's).
    pub fn required_len(&self, entries: &[Revocation<'_>]) -> Result<usize, Error> {
        Ok(self.plan(entries)?.total_len)
    }

    /// Builds the denylist into `out` and returns the number of bytes written
    /// (the rest of `out` is untouched). Entries out of force
    /// (`until + max_leeway < config.now`) are dropped.
    ///
    /// Errors: [`Error::BufferTooSmall`] if `out` is shorter than
    /// [`DenylistBuilder::required_len`]; [`Error::DenylistFull`] and
    /// [`Error::RevocationTooFar`] as there.
    pub fn build(&self, entries: &[Revocation<'_>], out: &mut [u8]) -> Result<usize, Error> {
        let mut plan = self.plan(entries)?;
        let out = out.get_mut(..plan.total_len).ok_or(Error::BufferTooSmall)?;
        out.fill(0);
        self.insert_all(entries, &mut plan, out)?;
        self.finish(&plan, out)?;
        Ok(plan.total_len)
    }

    fn kept<'e, 'a>(
        &self,
        entries: &'e [Revocation<'a>],
    ) -> impl Iterator<Item = &'e Revocation<'a>> + 'e {
        let (now, retention) = (self.config.now, self.config.retention);
        entries
            .iter()
            .filter(move |e| retention.in_force(e.until(), now))
    }

    /// The segments an entry goes into, whatever its kind: every window
    /// from the first (which starts at or before `now - max_leeway`) to the
    /// one covering `until`. A token is then found in the window of its own
    /// `exp` by every entry whose `until` reaches that window.
    fn span(windows: &Windows, e: &Revocation<'_>) -> core::ops::Range<usize> {
        let last = windows.index_of(e.until()).unwrap_or(0);
        0..last + 1
    }

    fn plan(&self, entries: &[Revocation<'_>]) -> Result<Plan, Error> {
        let full = Error::DenylistFull;
        let retention = self.config.retention;
        let latest = self
            .config
            .now
            .saturating_add(retention.max_token_lifetime)
            .saturating_add(retention.max_leeway);
        let mut max_until = None;
        for e in self.kept(entries) {
            if e.until() > latest {
                return Err(Error::RevocationTooFar);
            }
            max_until = max_until.max(Some(e.until()));
        }
        let start = self.config.now.saturating_sub(retention.max_leeway);
        let windows = Windows::plan(start, self.config.segment_width, max_until);
        let mut segments = [SegmentPlan::default(); MAX_SEGMENTS];
        let mut kept = 0u64;
        for e in self.kept(entries) {
            kept += 1;
            let is_subject = matches!(e, Revocation::Subject { .. });
            for s in segments.get_mut(Self::span(&windows, e)).ok_or(full)? {
                let n = if is_subject {
                    &mut s.subject_keys
                } else {
                    &mut s.token_session_keys
                };
                *n = n.checked_add(1).ok_or(full)?;
            }
        }
        let bits = self.config.bloom_bits_per_entry.max(1);
        let mut cursor = dir_entry_offset(windows.count).ok_or(full)?;
        for (i, s) in segments.iter_mut().enumerate().take(windows.count) {
            let keys = u64::from(s.token_session_keys) + u64::from(s.subject_keys);
            let d = &mut s.dir;
            d.window_start = windows.start(i).ok_or(full)?;
            d.bloom_blocks = bloom::blocks_for(keys, bits).ok_or(full)?;
            if self.config.fingerprints {
                d.table_capacity =
                    table::capacity_for(u64::from(s.token_session_keys)).ok_or(full)?;
            }
            d.subject_capacity = table::capacity_for(u64::from(s.subject_keys)).ok_or(full)?;
            d.bloom_offset = place(&mut cursor, d.bloom_range().map(|r| r.len()))?;
            d.table_offset = place(&mut cursor, d.table_range().map(|r| r.len()))?;
            d.subject_offset = place(&mut cursor, d.subject_range().map(|r| r.len()))?;
        }
        let total_len = cursor.checked_add(CHECKSUM_LEN).ok_or(full)?;
        Ok(Plan {
            windows,
            kept,
            segments,
            total_len,
        })
    }

    fn insert_all(
        &self,
        entries: &[Revocation<'_>],
        plan: &mut Plan,
        out: &mut [u8],
    ) -> Result<(), Error> {
        let full = Error::DenylistFull;
        let keys = split_seed(&self.config.seed);
        let kind = bloom_hash_kind(self.version).ok_or(Error::DenylistVersion)?;
        for e in self.kept(entries) {
            let (tag, id, bounds) = match *e {
                Revocation::Token { jti, .. } => (TAG_TOKEN, jti, None),
                Revocation::Session { sid, .. } => (TAG_SESSION, sid, None),
                Revocation::Subject {
                    sub,
                    issued_before,
                    below_version,
                    ..
                } => (TAG_SUBJECT, sub, Some((issued_before, below_version))),
            };
            // `h` fills the tables; `placed` sets the bloom bits, and is
            // `h` itself only in version 1.
            let h = key_hash(keys, tag, id);
            let placed = match kind {
                BloomHashKind::SipHash => h,
                BloomHashKind::Fold => bloom_hash(keys, tag, id),
            };
            let span = Self::span(&plan.windows, e);
            for s in plan.segments.get_mut(span).ok_or(full)? {
                let d = &mut s.dir;
                let filter = out.get_mut(d.bloom_range().ok_or(full)?).ok_or(full)?;
                if !bloom::insert(filter, d.bloom_blocks, placed) {
                    return Err(full);
                }
                let new = match bounds {
                    Some(b) => {
                        let t = out.get_mut(d.subject_range().ok_or(full)?).ok_or(full)?;
                        table::insert_subject(t, d.subject_capacity, h, b).ok_or(full)?
                    }
                    None if self.config.fingerprints => {
                        let t = out.get_mut(d.table_range().ok_or(full)?).ok_or(full)?;
                        table::insert(t, d.table_capacity, h).ok_or(full)?
                    }
                    // Without a table duplicates cannot be told apart: count keys.
                    None => true,
                };
                if new {
                    let n = if bounds.is_some() {
                        &mut d.subject_count
                    } else {
                        &mut d.table_count
                    };
                    *n = n.checked_add(1).ok_or(full)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the header, the directory and the checksum.
    fn finish(&self, plan: &Plan, out: &mut [u8]) -> Result<(), Error> {
        let full = Error::DenylistFull;
        let header = Header {
            magic: MAGIC,
            version: self.version,
            flags: if self.config.fingerprints {
                FLAG_FINGERPRINTS
            } else {
                0
            },
            total_len: u64::try_from(plan.total_len).map_err(|_| full)?,
            sequence: self.config.sequence,
            seed: self.config.seed,
            base: plan.windows.base,
            width: plan.windows.width,
            segment_count: u32::try_from(plan.windows.count).map_err(|_| full)?,
            bloom_bits_per_entry: self.config.bloom_bits_per_entry.max(1),
            entry_count: plan.kept,
            max_leeway: if spans_windows(self.version) {
                self.config.retention.max_leeway
            } else {
                0
            },
        };
        header.write(out).ok_or(full)?;
        for (i, s) in plan.segments.iter().enumerate().take(plan.windows.count) {
            s.dir.write(out, i).ok_or(full)?;
        }
        let body_len = plan.total_len.checked_sub(CHECKSUM_LEN).ok_or(full)?;
        let (body, sum) = out.split_at_mut(body_len);
        sum.copy_from_slice(&checksum(body));
        Ok(())
    }
}

/// Places a section of `len` bytes at the next aligned offset after
/// `cursor`, advances `cursor` past it, and returns its offset.
fn place(cursor: &mut usize, len: Option<usize>) -> Result<u64, Error> {
    let full = Error::DenylistFull;
    let start = align_up(*cursor).ok_or(full)?;
    *cursor = start.checked_add(len.ok_or(full)?).ok_or(full)?;
    u64::try_from(start).map_err(|_| full)
}
