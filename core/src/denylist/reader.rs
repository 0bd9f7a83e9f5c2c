//! [`Denylist`]: a validated, zero-copy view of denylist bytes, and lookup.

use crate::error::{Error, RevocationKind};

use core::ops::Range;

use super::bloom::BLOCK_BYTES;
use super::format::{
    bloom_hash_kind, checksum, dir_entry_offset, spans_windows, DirEntry, Header, CHECKSUM_LEN,
    DIR_ENTRY_LEN, FLAG_FINGERPRINTS, KNOWN_FLAGS, MAGIC, MIN_LEN, SECTION_ALIGN,
};
use super::hash::{
    bloom_hash, hash_tagged, split_seed, BloomHashKind, IdHash, IdSource, TAG_SESSION, TAG_SUBJECT,
    TAG_TOKEN,
};
use super::table::valid_shape;
use super::window::Windows;
use super::{bloom, subject_revokes, table, Ids, TokenIds, MAX_SEGMENTS};

/// A revocation denylist, read in place from its serialized bytes.
///
/// Construction validates the structure once (O(segments)); lookups then
/// read the bytes directly. The view is `Copy` and cheap: share it freely.
///
/// ```
/// use jwtgate::{DenylistConfig, Denylist, DenylistBuilder, Revocation, RevocationKind, TokenIds};
///
/// let now = 1_700_000_000;
/// let builder = DenylistBuilder::new(DenylistConfig::new([7; 16], now));
/// let entries = [Revocation::Token { jti: b"abc", until: now + 600 }];
/// let mut buf = [0u8; 1024];
/// let len = builder.build(&entries, &mut buf)?;
///
/// let denylist = Denylist::from_bytes(&buf[..len])?;
/// let revoked = TokenIds { exp: Some(now + 600), jti: Some(b"abc"), ..TokenIds::default() };
/// assert_eq!(denylist.check(&revoked, now), Err(RevocationKind::Token));
/// let fine = TokenIds { exp: Some(now + 600), jti: Some(b"xyz"), ..TokenIds::default() };
/// assert_eq!(denylist.check(&fine, now), Ok(()));
/// # Ok::<(), jwtgate::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Denylist<'a> {
    /// The whole denylist, checksum included; its structure is validated.
    bytes: &'a [u8],
    pub(super) header: Header,
    /// Hash keys from `header.seed`.
    keys: (u64, u64),
    /// The hash placing bloom bits, from `header.version`.
    bloom_hash: BloomHashKind,
    /// Invariant: `windows.count == header.segment_count`.
    pub(super) windows: Windows,
}

impl core::fmt::Debug for Denylist<'_> {
    // A summary: the bytes can be megabytes.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Denylist")
            .field("len", &self.bytes.len())
            .field("sequence", &self.header.sequence)
            .field("entries", &self.header.entry_count)
            .field("segments", &self.windows.count)
            .field("base", &self.windows.base)
            .field("width", &self.windows.width)
            .field("fingerprints", &self.has_fingerprints())
            .finish()
    }
}

/// One segment as a lookup sees it: its directory entry, read field by
/// field only as far as the lookup needs (bloom fields always, table fields
/// on a bloom hit), and the bytes its offsets point into.
#[derive(Clone, Copy)]
struct Segment<'a> {
    bytes: &'a [u8],
    dir: &'a [u8; DIR_ENTRY_LEN],
}

impl<'a> Segment<'a> {
    /// Segment `i`; `None` only if `i` is out of range (validation rules it out).
    #[inline(always)]
    fn at(bytes: &'a [u8], i: usize) -> Option<Self> {
        let start = dir_entry_offset(i)?;
        let dir = bytes.get(start..start.checked_add(DIR_ENTRY_LEN)?)?;
        Some(Segment {
            bytes,
            dir: dir.try_into().ok()?,
        })
    }

    /// Whether the bloom filter may hold `hash`: one 32-byte block read.
    /// A block out of range (which validation rules out) reads as "no".
    #[inline(always)]
    fn may_contain(&self, hash: u64) -> bool {
        let blocks = DirEntry::bloom_blocks_of(self.dir);
        let block = usize::try_from(DirEntry::bloom_offset_of(self.dir))
            .ok()
            .zip(bloom::block_offset(hash, blocks))
            .and_then(|(filter, block)| filter.checked_add(block))
            .and_then(|start| self.bytes.get(start..start.checked_add(BLOCK_BYTES)?))
            .and_then(|b| <&[u8; BLOCK_BYTES]>::try_from(b).ok());
        block.is_some_and(|b| bloom::block_contains(b, hash))
    }

    /// Whether the fingerprint table holds `hash` (after a bloom hit).
    #[inline(never)]
    fn in_table(&self, hash: u64) -> bool {
        let e = DirEntry::read_array(self.dir);
        let table = e
            .table_range()
            .and_then(|r| self.bytes.get(r))
            .unwrap_or_default();
        table::contains(table, e.table_capacity, hash)
    }

    /// The bounds of the subject hashed to `hash` (after a bloom hit).
    #[inline(never)]
    fn subject(&self, hash: u64) -> Option<table::Bounds> {
        let e = DirEntry::read_array(self.dir);
        let subjects = self.bytes.get(e.subject_range()?)?;
        table::find_subject(subjects, e.subject_capacity, hash)
    }
}

/// A token's identifiers, hashed for one denylist's seed and bloom hash:
/// what a lookup in any list with those needs, so several lists hash them
/// only once.
#[derive(Clone, Copy)]
struct Hashed<'i> {
    /// The keys the hashes were made with.
    keys: (u64, u64),
    bloom_hash: BloomHashKind,
    jti: Option<IdHash<'i>>,
    sid: Option<IdHash<'i>>,
    sub: Option<IdHash<'i>>,
    iat: Option<u64>,
    ver: Option<u64>,
}

impl<'i> Hashed<'i> {
    #[inline]
    fn new<T: Ids + ?Sized>(list: &Denylist<'_>, ids: &'i T) -> Self {
        let (keys, kind) = (list.keys, list.bloom_hash);
        Hashed {
            keys,
            bloom_hash: kind,
            jti: ids.jti().map(|id| IdHash::new(keys, kind, TAG_TOKEN, id)),
            sid: ids.sid().map(|id| IdHash::new(keys, kind, TAG_SESSION, id)),
            sub: ids.sub().map(|id| IdHash::new(keys, kind, TAG_SUBJECT, id)),
            iat: ids.iat(),
            ver: ids.ver(),
        }
    }

    /// Whether these hashes are valid for `list`.
    #[inline]
    fn fit(&self, list: &Denylist<'_>) -> bool {
        self.keys == list.keys && self.bloom_hash == list.bloom_hash
    }
}

impl<'a> Denylist<'a> {
    /// Reads a denylist, validating its structure, version and checksum.
    ///
    /// Errors: [`Error::DenylistMalformed`] (not a denylist, or inconsistent),
    /// [`Error::DenylistVersion`] (another format version, or flags this
    /// build does not know), [`Error::DenylistChecksum`] (corrupt or truncated).
    /// The checksum hashes the whole input: about 10 ms for a 15 MB,
    /// million-entry denylist (see `docs/denylist-format.md`).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(bytes, true)
    }

    /// Reads a denylist whose bytes were already checked once by
    /// [`Denylist::from_bytes`] (for example, kept in memory and re-viewed).
    ///
    /// The structure is still validated (O(segments)), so no input, however
    /// corrupt, can make it or a later lookup panic or read out of bounds;
    /// only corruption inside the filters and tables goes unnoticed.
    pub fn from_trusted_bytes(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse(bytes, false)
    }

    fn parse(bytes: &'a [u8], verify: bool) -> Result<Self, Error> {
        let header = Header::read(bytes).ok_or(Error::DenylistMalformed)?;
        if header.magic != MAGIC || bytes.len() < MIN_LEN {
            return Err(Error::DenylistMalformed);
        }
        // Version before checksum: a newer file may checksum differently,
        // and "unsupported version" is the useful answer.
        let bloom_hash = bloom_hash_kind(header.version).ok_or(Error::DenylistVersion)?;
        if header.flags & !KNOWN_FLAGS != 0 {
            return Err(Error::DenylistVersion);
        }
        let body_len = bytes.len() - CHECKSUM_LEN;
        let length_ok = u64::try_from(bytes.len()).ok() == Some(header.total_len);
        if verify {
            let (body, sum) = bytes.split_at(body_len);
            if !length_ok || checksum(body) != *sum {
                return Err(Error::DenylistChecksum);
            }
        } else if !length_ok {
            return Err(Error::DenylistMalformed);
        }
        let windows = check_header(&header)?;
        check_directory(bytes, &header, &windows, body_len)?;
        Ok(Denylist {
            bytes,
            header,
            keys: split_seed(&header.seed),
            bloom_hash,
            windows,
        })
    }

    /// This denylist's parsed structure without its bytes, to re-view the
    /// same bytes later in O(1) with [`DenylistLayout::view`] (for holders
    /// that keep the bytes in an `Arc` and cannot keep a borrowing view).
    pub fn layout(&self) -> DenylistLayout {
        let mut checksum = [0u8; CHECKSUM_LEN];
        let start = self.bytes.len().saturating_sub(CHECKSUM_LEN);
        if let Some(tail) = self.bytes.get(start..) {
            for (slot, byte) in checksum.iter_mut().zip(tail) {
                *slot = *byte;
            }
        }
        DenylistLayout {
            header: self.header,
            keys: self.keys,
            bloom_hash: self.bloom_hash,
            windows: self.windows,
            checksum,
        }
    }

    /// Checks a token's identifiers against the denylist at lookup time
    /// `now`.
    ///
    /// `Err(kind)` names what revoked the token: an entry for one of its
    /// identifiers whose `until` reaches the window of the token's `exp`.
    ///
    /// - Format 3 (what the builder writes): the one segment covering `exp`
    ///   is read (the first segment for an `exp` before it, or for a token
    ///   without `exp`); `now` is not used. An entry revokes for as long
    ///   as it is in the list, expired tokens included (for callers that do
    ///   not check `exp`).
    /// - Formats 1 and 2: the segment covering `exp`, if its window ends
    ///   after `now`; without `exp`, every such segment. Pass the
    ///   verification time minus the policy's leeway as `now`, so a token
    ///   still accepted within the leeway is still looked up (the
    ///   [`crate::Verifier`] does).
    pub fn check(&self, ids: &TokenIds<'_>, now: u64) -> Result<(), RevocationKind> {
        self.check_with(ids, now)
    }

    /// [`Denylist::check`] for any [`Ids`], such as identifiers that arrive
    /// in chunks (JSON strings with escapes): each is hashed through
    /// [`IdSource::feed`].
    pub(crate) fn check_with<T: Ids + ?Sized>(
        &self,
        ids: &T,
        now: u64,
    ) -> Result<(), RevocationKind> {
        if ids.is_empty() {
            return Ok(());
        }
        // Segments first: a token no live segment covers needs no hashing.
        let segments = self.segments_for(ids.exp(), now);
        if segments.len() == 1 {
            // Nearly every token has an `exp`, hence one segment: hash and
            // probe each id in turn, every hash kept in registers.
            let Some(seg) = Segment::at(self.bytes, segments.start) else {
                return Ok(());
            };
            if ids.jti().is_some_and(|id| self.has_id(seg, TAG_TOKEN, id)) {
                return Err(RevocationKind::Token);
            }
            if ids
                .sid()
                .is_some_and(|id| self.has_id(seg, TAG_SESSION, id))
            {
                return Err(RevocationKind::Session);
            }
            if ids
                .sub()
                .is_some_and(|id| self.id_revokes_subject(seg, id, ids.iat(), ids.ver()))
            {
                return Err(RevocationKind::Subject);
            }
            return Ok(());
        }
        if segments.is_empty() {
            return Ok(());
        }
        let hashed = Hashed::new(self, ids);
        self.check_hashed(segments, &hashed)
    }

    /// Whether segment `seg` holds the token or session key `tag || id`.
    ///
    /// The common case (version 2, contiguous id) computes only the bloom
    /// hash and tests one block; the SipHash and the table, and the other
    /// cases, are out of line, so nothing is spilled around the hash.
    #[inline(always)]
    fn has_id<I: IdSource + ?Sized>(&self, seg: Segment<'_>, tag: u8, id: &I) -> bool {
        match (self.bloom_hash, id.contiguous()) {
            (BloomHashKind::Fold, Some(bytes)) => {
                seg.may_contain(bloom_hash(self.keys, tag, bytes))
                    && (!self.has_fingerprints() || self.confirm_id(seg, tag, bytes))
            }
            _ => self.has_id_eager(seg, tag, id),
        }
    }

    /// After a bloom hit: the fingerprint table's answer.
    #[cold]
    #[inline(never)]
    fn confirm_id(&self, seg: Segment<'_>, tag: u8, id: &[u8]) -> bool {
        seg.in_table(hash_tagged(self.keys, tag, id))
    }

    /// [`Denylist::has_id`] for version 1 and chunked ids, which need
    /// SipHash up front.
    #[inline(never)]
    fn has_id_eager<I: IdSource + ?Sized>(&self, seg: Segment<'_>, tag: u8, id: &I) -> bool {
        self.has_key(seg, IdHash::new(self.keys, self.bloom_hash, tag, id))
    }

    /// Whether segment `seg` has a subject record for `id` that revokes a
    /// token with this `iat` and `ver`; shaped like [`Denylist::has_id`].
    #[inline(always)]
    fn id_revokes_subject<I: IdSource + ?Sized>(
        &self,
        seg: Segment<'_>,
        id: &I,
        iat: Option<u64>,
        ver: Option<u64>,
    ) -> bool {
        match (self.bloom_hash, id.contiguous()) {
            (BloomHashKind::Fold, Some(bytes)) => {
                seg.may_contain(bloom_hash(self.keys, TAG_SUBJECT, bytes))
                    && self.confirm_subject(seg, bytes, iat, ver)
            }
            _ => self.id_revokes_subject_eager(seg, id, iat, ver),
        }
    }

    /// After a bloom hit: the subject record's answer.
    #[cold]
    #[inline(never)]
    fn confirm_subject(
        &self,
        seg: Segment<'_>,
        id: &[u8],
        iat: Option<u64>,
        ver: Option<u64>,
    ) -> bool {
        let h = hash_tagged(self.keys, TAG_SUBJECT, id);
        seg.subject(h)
            .is_some_and(|(ib, bv)| subject_revokes(ib, bv, iat, ver))
    }

    /// [`Denylist::id_revokes_subject`] for version 1 and chunked ids.
    #[inline(never)]
    fn id_revokes_subject_eager<I: IdSource + ?Sized>(
        &self,
        seg: Segment<'_>,
        id: &I,
        iat: Option<u64>,
        ver: Option<u64>,
    ) -> bool {
        let h = IdHash::new(self.keys, self.bloom_hash, TAG_SUBJECT, id);
        self.revokes_subject(seg, h, iat, ver)
    }

    /// A token or session key: bloom first (almost every lookup ends there),
    /// then the fingerprint table when the denylist has one.
    #[inline(always)]
    fn has_key(&self, seg: Segment<'_>, h: IdHash<'_>) -> bool {
        seg.may_contain(h.bloom) && (!self.has_fingerprints() || seg.in_table(h.exact(self.keys)))
    }

    /// Whether the subject record of `h`, if any, revokes a token with
    /// this `iat` and `ver`.
    #[inline(always)]
    fn revokes_subject(
        &self,
        seg: Segment<'_>,
        h: IdHash<'_>,
        iat: Option<u64>,
        ver: Option<u64>,
    ) -> bool {
        seg.may_contain(h.bloom)
            && seg
                .subject(h.exact(self.keys))
                .is_some_and(|(ib, bv)| subject_revokes(ib, bv, iat, ver))
    }

    /// Checks a token's identifiers against several denylists (a base and
    /// its deltas, say) at `now`: the first revocation found wins.
    ///
    /// Identifiers are hashed once for consecutive lists that share a seed
    /// (a base and deltas built with the base's seed), instead of once per
    /// list as separate [`Denylist::check`] calls would.
    pub fn check_all(
        lists: &[Denylist<'_>],
        ids: &TokenIds<'_>,
        now: u64,
    ) -> Result<(), RevocationKind> {
        Self::check_all_with(lists, ids, now)
    }

    /// [`Denylist::check_all`] for any [`Ids`] (identifiers that arrive in
    /// chunks, say).
    pub(crate) fn check_all_with<T: Ids + ?Sized>(
        lists: &[Denylist<'_>],
        ids: &T,
        now: u64,
    ) -> Result<(), RevocationKind> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut hashed: Option<Hashed> = None;
        for list in lists {
            let segments = list.segments_for(ids.exp(), now);
            if segments.is_empty() {
                continue;
            }
            let these = match hashed {
                Some(h) if h.fit(list) => h,
                _ => Hashed::new(list, ids),
            };
            hashed = Some(these);
            list.check_hashed(segments, &these)?;
        }
        Ok(())
    }

    /// The segments a token with this `exp` is looked up in at `now`.
    ///
    /// Version 3: one segment, the one covering `exp` (the first for an
    /// `exp` before it or no `exp`), whatever `now`: it holds every entry
    /// reaching that `exp`, and the builder decided which entries are still
    /// in force. Versions 1 and 2: the live one covering `exp`, or every
    /// live one without `exp`.
    #[inline]
    fn segments_for(&self, exp: Option<u64>, now: u64) -> Range<usize> {
        if spans_windows(self.header.version) {
            return match self.windows.spanning_index_of(exp) {
                Some(i) => i..i.saturating_add(1),
                None => 0..0,
            };
        }
        match exp {
            Some(exp) => match self.windows.live_index_of(exp, now) {
                Some(i) => i..i.saturating_add(1),
                None => 0..0,
            },
            None => self.windows.first_live(now)..self.windows.count,
        }
    }

    /// The lookup in several segments, in the order of the format's
    /// "Lookup" section, with the identifiers hashed beforehand.
    fn check_hashed(&self, segments: Range<usize>, ids: &Hashed<'_>) -> Result<(), RevocationKind> {
        for i in segments {
            let Some(seg) = Segment::at(self.bytes, i) else {
                continue;
            };
            if ids.jti.is_some_and(|h| self.has_key(seg, h)) {
                return Err(RevocationKind::Token);
            }
            if ids.sid.is_some_and(|h| self.has_key(seg, h)) {
                return Err(RevocationKind::Session);
            }
            if ids
                .sub
                .is_some_and(|h| self.revokes_subject(seg, h, ids.iat, ids.ver))
            {
                return Err(RevocationKind::Subject);
            }
        }
        Ok(())
    }

    /// The sequence number the builder's caller assigned (monotonic across
    /// rebuilds, so a reloader can refuse to go backwards).
    pub fn sequence(&self) -> u64 {
        self.header.sequence
    }

    /// Number of segments (expiry windows), live or not.
    pub fn segment_count(&self) -> usize {
        self.windows.count
    }

    /// Number of revocations the builder kept (before spreading them over
    /// segments and merging duplicates).
    pub fn entry_count(&self) -> u64 {
        self.header.entry_count
    }

    /// The serialized bytes this view reads, checksum included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether token/session bloom hits are confirmed by 64-bit fingerprints
    /// (exact in practice) rather than trusted alone.
    pub fn has_fingerprints(&self) -> bool {
        self.header.flags & FLAG_FINGERPRINTS != 0
    }

    /// The format version: 1, 2 or 3, the versions this build reads.
    pub fn version(&self) -> u16 {
        self.header.version
    }

    /// The `max_leeway` the builder kept entries for (format 3; `None`
    /// for earlier versions, which do not record it). A verifier whose
    /// leeway exceeds it may accept a revoked token once the entry has aged
    /// out of a rebuilt list.
    pub fn max_leeway(&self) -> Option<u64> {
        spans_windows(self.header.version).then_some(self.header.max_leeway)
    }

    /// The 16-byte hash seed. It spreads keys, it is not a secret: forging a
    /// collision still needs a signed token.
    pub fn seed(&self) -> [u8; 16] {
        self.header.seed
    }

    /// Start of segment 0's window.
    pub fn base(&self) -> u64 {
        self.windows.base
    }

    /// Width in seconds of every segment's window (possibly widened by the builder).
    pub fn segment_width(&self) -> u64 {
        self.windows.width
    }

    /// The bloom bits per entry the builder was configured with.
    pub fn configured_bits_per_entry(&self) -> u32 {
        self.header.bloom_bits_per_entry
    }

    /// Number of segments whose window has not ended at `now`.
    pub fn live_segment_count(&self, now: u64) -> usize {
        self.windows
            .count
            .saturating_sub(self.windows.first_live(now))
    }
}

/// Validates the header fields that do not depend on the directory.
fn check_header(h: &Header) -> Result<Windows, Error> {
    let count = usize::try_from(h.segment_count).map_err(|_| Error::DenylistMalformed)?;
    let reserved_ok = spans_windows(h.version) || h.max_leeway == 0;
    if h.width == 0 || count > MAX_SEGMENTS || !reserved_ok {
        return Err(Error::DenylistMalformed);
    }
    Ok(Windows {
        base: h.base,
        width: h.width,
        count,
    })
}

/// Validates every directory entry against the header and the byte length:
/// each section aligned, in range, after the previous one (so none overlap),
/// every capacity a power of two (or 0), every count within the maximum load.
fn check_directory(bytes: &[u8], h: &Header, w: &Windows, body_len: usize) -> Result<(), Error> {
    let bad = Error::DenylistMalformed;
    let fingerprints = h.flags & FLAG_FINGERPRINTS != 0;
    let mut cursor = dir_entry_offset(w.count).ok_or(bad)?;
    if cursor > body_len {
        return Err(bad);
    }
    for i in 0..w.count {
        let e = DirEntry::read(bytes, i).ok_or(bad)?;
        let shape_ok = w.start(i) == Some(e.window_start)
            && e.reserved0 == 0
            && e.reserved1 == 0
            && e.bloom_blocks >= 1
            && valid_shape(e.subject_capacity, e.subject_count)
            && if fingerprints {
                valid_shape(e.table_capacity, e.table_count)
            } else {
                e.table_capacity == 0
            };
        if !shape_ok {
            return Err(bad);
        }
        for r in [e.bloom_range(), e.table_range(), e.subject_range()] {
            let r = r.ok_or(bad)?;
            if r.start % SECTION_ALIGN != 0 || r.start < cursor || r.end > body_len {
                return Err(bad);
            }
            cursor = r.end;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::denylist::hash::Sink;
    use crate::denylist::{DenylistBuilder, DenylistConfig, Revocation};

    /// An identifier delivered in pieces, as the JSON parser does around escapes.
    struct Chunks<'a>(&'a [&'a [u8]]);

    impl IdSource for Chunks<'_> {
        fn feed<S: Sink>(&self, sink: &mut S) {
            for c in self.0 {
                sink.write(c);
            }
        }
    }

    const NOW: u64 = 1_000_000;

    fn build(buf: &mut [u8]) -> Denylist<'_> {
        build_version(buf, 3)
    }

    fn build_version(buf: &mut [u8], version: u16) -> Denylist<'_> {
        let entries = [
            Revocation::Token {
                jti: b"token-\"1\"",
                until: NOW + 10,
            },
            Revocation::Session {
                sid: b"session",
                until: NOW + 10,
            },
            Revocation::Subject {
                sub: b"alice",
                issued_before: NOW,
                below_version: 0,
                until: NOW + 10,
            },
        ];
        let len = DenylistBuilder::new(DenylistConfig::new([9; 16], NOW))
            .with_format_version(version)
            .unwrap()
            .build(&entries, buf)
            .unwrap();
        Denylist::from_bytes(&buf[..len]).unwrap()
    }

    #[test]
    fn chunked_ids_hash_like_whole_ids() {
        for version in [1, 2, 3] {
            let mut buf = [0u8; 2048];
            chunked_ids_in(build_version(&mut buf, version));
        }
    }

    /// A token's identifiers, each delivered in pieces.
    #[derive(Default)]
    struct ChunkIds<'a> {
        iat: Option<u64>,
        jti: Option<Chunks<'a>>,
        sid: Option<Chunks<'a>>,
        sub: Option<Chunks<'a>>,
    }

    impl<'a> Ids for ChunkIds<'a> {
        type Id = Chunks<'a>;
        fn exp(&self) -> Option<u64> {
            Some(NOW + 10)
        }
        fn iat(&self) -> Option<u64> {
            self.iat
        }
        fn ver(&self) -> Option<u64> {
            None
        }
        fn jti(&self) -> Option<&Chunks<'a>> {
            self.jti.as_ref()
        }
        fn sid(&self) -> Option<&Chunks<'a>> {
            self.sid.as_ref()
        }
        fn sub(&self) -> Option<&Chunks<'a>> {
            self.sub.as_ref()
        }
    }

    fn chunked_ids_in(d: Denylist<'_>) {
        let jti = Chunks(&[b"tok", b"en-\"", b"", b"1\""]);
        let r = d.check_with(
            &ChunkIds {
                jti: Some(jti),
                ..ChunkIds::default()
            },
            NOW,
        );
        assert_eq!(r, Err(RevocationKind::Token));
        let sid = Chunks(&[b"ses", b"sion"]);
        let r = d.check_with(
            &ChunkIds {
                sid: Some(sid),
                ..ChunkIds::default()
            },
            NOW,
        );
        assert_eq!(r, Err(RevocationKind::Session));
        let sub = || Some(Chunks(&[b"a", b"l", b"i", b"c", b"e"]));
        let ids = ChunkIds {
            iat: Some(NOW - 1),
            sub: sub(),
            ..ChunkIds::default()
        };
        assert_eq!(d.check_with(&ids, NOW), Err(RevocationKind::Subject));
        let ids = ChunkIds {
            iat: Some(NOW),
            sub: sub(),
            ..ChunkIds::default()
        };
        assert_eq!(d.check_with(&ids, NOW), Ok(()));
        let other = Chunks(&[b"token-", b"2"]);
        let r = d.check_with(
            &ChunkIds {
                jti: Some(other),
                ..ChunkIds::default()
            },
            NOW,
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn kinds_do_not_cross() {
        let mut buf = [0u8; 2048];
        let d = build(&mut buf);
        // The session's id presented as a jti, and the subject's as a sid.
        let ids = TokenIds {
            exp: Some(NOW + 10),
            jti: Some(b"session"),
            sid: Some(b"alice"),
            ..TokenIds::default()
        };
        assert_eq!(d.check(&ids, NOW), Ok(()));
    }
}

/// The parsed structure of a [`Denylist`] without the bytes it was read
/// from: `Copy`, `'static`, and re-attached to those bytes in O(1).
///
/// Holders that keep a denylist's bytes alive themselves (an `Arc<[u8]>`,
/// a buffer owned by a foreign caller) cannot store a `Denylist<'_>` next
/// to them; re-reading the structure with [`Denylist::from_trusted_bytes`]
/// costs O(segments) on every verification. They keep a layout instead.
///
/// ```
/// use jwtgate::{DenylistConfig, Denylist, DenylistBuilder, Revocation, TokenIds};
/// let now = 1_700_000_000;
/// let revoked = [Revocation::Token { jti: b"t-1", until: now + 600 }];
/// let builder = DenylistBuilder::new(DenylistConfig::new([7; 16], now));
/// let mut bytes = vec![0u8; builder.required_len(&revoked)?];
/// let len = builder.build(&revoked, &mut bytes)?;
/// bytes.truncate(len);
///
/// let layout = Denylist::from_bytes(&bytes)?.layout(); // validated once
/// let denylist = layout.view(&bytes)?; // O(1), on every use
/// let ids = TokenIds { exp: Some(now + 600), jti: Some(b"t-1"), ..TokenIds::default() };
/// assert!(denylist.check(&ids, now).is_err());
/// # Ok::<(), jwtgate::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenylistLayout {
    header: Header,
    keys: (u64, u64),
    bloom_hash: BloomHashKind,
    windows: Windows,
    /// The stored checksum: tells these bytes from others with the same
    /// header.
    checksum: [u8; CHECKSUM_LEN],
}

impl DenylistLayout {
    /// The denylist over `bytes`, which must be the bytes this layout was
    /// taken from. Checked in O(1): the length, the header and the stored
    /// checksum must match ([`Error::DenylistMalformed`] otherwise). Bytes
    /// that match all three but differ inside cannot cause a panic or an
    /// out-of-bounds read (every lookup is bounds-checked), only wrong
    /// answers, as with [`Denylist::from_trusted_bytes`].
    pub fn view<'a>(&self, bytes: &'a [u8]) -> Result<Denylist<'a>, Error> {
        let same_len = u64::try_from(bytes.len()).ok() == Some(self.header.total_len);
        let start = bytes.len().saturating_sub(CHECKSUM_LEN);
        let same_sum = bytes.get(start..) == Some(&self.checksum[..]);
        let same_header = Header::read(bytes) == Some(self.header);
        if !(same_len && same_sum && same_header) {
            return Err(Error::DenylistMalformed);
        }
        Ok(Denylist {
            bytes,
            header: self.header,
            keys: self.keys,
            bloom_hash: self.bloom_hash,
            windows: self.windows,
        })
    }
}
