//! Duplicate top-level names: the name table's keys, filter bits and SipHash fingerprints.

use super::*;

/// What [`is_duplicate`] found.
pub(super) enum Duplicate {
    Yes,
    /// Not a duplicate; carries the name's [`fingerprint`] when it was computed (else 0) and
    /// how many earlier names had its key.
    No(u64, usize),
}

/// Key collisions of long names after which [`Top::rehash`] keys them by fingerprint.
pub(super) const REHASH_AFTER: usize = 8;

/// The filter bit of a table key (multiply-shift: 6 bits).
#[inline(always)]
pub(super) fn filter_bit(key: u64) -> u64 {
    1u64 << (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// The table key of a long name (whose [`JsonStr::key`] is `key`) after [`Top::rehash`]:
/// its length byte and 56 bits of its [`fingerprint`]. Equal names have equal hashed keys.
pub(super) fn hashed_key(key: u64, name: &JsonStr<'_>) -> u64 {
    fingerprint(name) & LOW7 | key & !LOW7
}

/// Whether `name` (whose key is `key`) equals one of the first `count` names of the table.
///
/// Linear in the name's length whatever the table holds: a key holds the whole name when it
/// has at most seven bytes; longer names with equal keys are told apart by their
/// [`fingerprint`], computed at most once per name (and kept in the table), and compared in
/// full only when the fingerprints are equal too, which for distinct names takes a SipHash
/// collision. Without fingerprints, equal-length names sharing their first seven bytes cost a
/// full (unescaping) comparison with every such name before them: quadratic work that a
/// hostile header could use to burn CPU before any signature check (issue 20).
#[inline(never)]
pub(super) fn is_duplicate(
    doc: &[u8],
    names: &mut [Name],
    count: usize,
    key: u64,
    name: &JsonStr<'_>,
) -> Duplicate {
    // Names of at most seven bytes: the key is the name.
    let exact = key >> 56 <= 7;
    let mut own = 0u64;
    let mut collisions = 0usize;
    for prior in names.get_mut(..count).unwrap_or_default() {
        if prior.key != key {
            continue;
        }
        if exact {
            return Duplicate::Yes;
        }
        collisions = collisions.wrapping_add(1);
        if own == 0 {
            own = fingerprint(name);
        }
        // The prior name is looked at (a scan of its bytes) only to fingerprint it, once,
        // and when the fingerprints agree.
        if prior.fingerprint == 0 {
            prior.fingerprint = prior.get(doc).map_or(1, |p| fingerprint(&p));
        }
        if prior.fingerprint == own {
            #[cfg(test)]
            super::testutil::FULL_COMPARISONS.with(|n| n.set(n.get() + 1));
            if prior.get(doc).is_some_and(|p| p.eq_unescaped(name)) {
                return Duplicate::Yes;
            }
        }
    }
    Duplicate::No(own, collisions)
}

/// A 64-bit fingerprint of the decoded name (never 0, which marks "not computed"): SipHash
/// under a fixed key, so that names with many equal fingerprints cannot be crafted (a single
/// colliding pair costs one extra comparison; every further name on the same fingerprint
/// needs another full collision).
// `SipHasher` is deprecated only in favour of std's `DefaultHasher`, which `no_std` lacks.
#[allow(deprecated)]
pub(super) fn fingerprint(name: &JsonStr<'_>) -> u64 {
    use core::hash::Hasher;
    let mut hasher =
        core::hash::SipHasher::new_with_keys(0x6a77_7467_6174_6520, 0x6e61_6d65_7320_2032);
    name.for_each_chunk(|chunk| hasher.write(chunk));
    hasher.finish() | 1
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::json::testutil::*;

    /// The review's shape (issue 20): 127 equal-length names sharing their first seven
    /// decoded bytes, escaped. Every distinct name is accepted with no full comparison (it
    /// made about 8,000 through the unescaping iterator), and a duplicate among them, spelled
    /// differently, is still found.
    #[test]
    fn duplicate_candidates_cost_no_full_comparisons() {
        let stem = "b".repeat(33);
        for escaped in [true, false] {
            let name = |i: usize| {
                if escaped {
                    std::format!("\\u0062{stem}{i:03}")
                } else {
                    std::format!("b{stem}{i:03}")
                }
            };
            let members: std::vec::Vec<std::string::String> = (0..127)
                .map(|i| std::format!("\"{}\":0", name(i)))
                .collect();
            let doc = std::format!("{{{}}}", members.join(","));
            FULL_COMPARISONS.with(|n| n.set(0));
            assert_eq!(count_with(doc.as_bytes(), 8, 256), Ok(127));
            assert_eq!(FULL_COMPARISONS.with(|n| n.get()), 0, "escaped: {escaped}");
            // The 64th name again, spelled the other way, at the end.
            let other = if escaped {
                std::format!("b{stem}063")
            } else {
                std::format!("\\u0062{stem}063")
            };
            let doc = std::format!("{{{},\"{other}\":1}}", members.join(","));
            FULL_COMPARISONS.with(|n| n.set(0));
            assert_eq!(
                count_with(doc.as_bytes(), 8, 256),
                Err(Error::DuplicateMember)
            );
            assert_eq!(FULL_COMPARISONS.with(|n| n.get()), 1, "escaped: {escaped}");
        }
    }

    /// Exactness around the switch to fingerprint keys (after `REHASH_AFTER` collisions):
    /// a duplicate of any earlier name, short or long, in either spelling, is found
    /// whether it comes before, at or after the switch, in the small and the large table.
    #[test]
    fn duplicates_are_found_across_the_rehash() {
        for n in [3usize, 4, 5, 9, 10, 14, 20, 40] {
            let mut members: std::vec::Vec<std::string::String> = (0..n)
                .map(|i| std::format!("\"candidate-{i:03}\":0"))
                .collect();
            members.insert(1, "\"iss\":0".into());
            members.push("\"a-long-other-name\":0".into());
            let doc = std::format!("{{{}}}", members.join(","));
            assert_eq!(count_with(doc.as_bytes(), 8, 256), Ok(n + 2), "{n}");
            let names: std::vec::Vec<std::string::String> = (0..n)
                .map(|i| std::format!("\\u0063andidate-{i:03}"))
                .chain(["\\u0069ss".into(), "a-long-other-nam\\u0065".into()])
                .collect();
            for again in names {
                for at in [2, members.len()] {
                    let mut with = members.clone();
                    with.insert(at.min(with.len()), std::format!("\"{again}\":1"));
                    let doc = std::format!("{{{}}}", with.join(","));
                    let got = count_with(doc.as_bytes(), 8, 256);
                    // A duplicate inserted before its original is still a duplicate.
                    assert_eq!(got, Err(Error::DuplicateMember), "{doc}");
                }
            }
        }
    }

    /// Exactness of the fingerprinted check: names equal in key (length and first seven
    /// bytes) but different later are distinct, equal ones are duplicates whatever their
    /// escaping, in the small and in the large name table.
    #[test]
    fn equal_keys_are_told_apart_exactly() {
        let spellings = [
            "abcdefgh-x",
            "\\u0061bcdefgh-x",
            "abcdefgh-\\u0078",
            "abcdefgh\\u002dx",
        ];
        for a in spellings {
            for b in spellings {
                for fill in [0usize, 40] {
                    let pad: std::string::String =
                        (0..fill).map(|i| std::format!("\"p{i}\":0,")).collect();
                    let doc = std::format!("{{{pad}\"{a}\":0,\"abcdefgh-y\":0,\"{b}\":0}}");
                    assert_eq!(
                        count_with(doc.as_bytes(), 8, 256),
                        Err(Error::DuplicateMember),
                        "{doc}"
                    );
                    let doc = std::format!("{{{pad}\"{a}\":0,\"abcdefgh-y\":0}}");
                    assert_eq!(count_with(doc.as_bytes(), 8, 256), Ok(fill + 2), "{doc}");
                }
            }
        }
    }
}
