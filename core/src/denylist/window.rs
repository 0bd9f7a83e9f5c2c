//! Expiry windows: which segment covers which token `exp`.
//!
//! Segment `i` covers `exp` in `[base + i*width, base + (i+1)*width)`.
//! Window ends are computed in 128-bit arithmetic: the last window of a
//! denylist reaching `u64::MAX` may end just past it.

use super::MAX_SEGMENTS;

/// The windows of a denylist: `count` consecutive windows of `width` seconds from `base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Windows {
    /// Start of window 0.
    pub(crate) base: u64,
    /// Width of every window; never 0.
    pub(crate) width: u64,
    /// Number of windows; at most [`MAX_SEGMENTS`].
    pub(crate) count: usize,
}

impl Windows {
    /// The index of the window covering `t`, whether or not that window exists.
    /// `None` before `base`.
    #[inline]
    fn raw_index(&self, t: u64) -> Option<u64> {
        let offset = t.checked_sub(self.base)?;
        // The common case (offsets and widths under 136 years) takes the
        // much cheaper 32-bit division: this is on every lookup's path.
        match (u32::try_from(offset), u32::try_from(self.width)) {
            (Ok(o), Ok(w)) => o.checked_div(w).map(u64::from),
            _ => offset.checked_div(self.width),
        }
    }

    /// The window covering `exp`, if the denylist has one.
    #[inline]
    pub(crate) fn index_of(&self, exp: u64) -> Option<usize> {
        let i = usize::try_from(self.raw_index(exp)?).ok()?;
        (i < self.count).then_some(i)
    }

    /// Start of window `i` (`None` if it does not fit a `u64`).
    pub(crate) fn start(&self, i: usize) -> Option<u64> {
        self.width
            .checked_mul(u64::try_from(i).ok()?)?
            .checked_add(self.base)
    }

    /// End (exclusive) of window `i`.
    pub(crate) fn end(&self, i: usize) -> u128 {
        // Only additions: a checked 128-bit multiply is a library call, and
        // this runs on every lookup. A start past u64::MAX (no such window
        // in a valid denylist) saturates.
        u128::from(self.start(i).unwrap_or(u64::MAX)) + u128::from(self.width)
    }

    /// Whether window `i` still covers tokens that are valid at `now`: its
    /// end lies after `now`. Earlier windows hold only expired tokens.
    #[inline]
    pub(crate) fn is_live(&self, i: usize, now: u64) -> bool {
        self.end(i) > u128::from(now)
    }

    /// The first window still live at `now` (`count` if none is): the one
    /// covering `now`, since every later window ends later.
    #[inline]
    pub(crate) fn first_live(&self, now: u64) -> usize {
        match self.raw_index(now) {
            None => 0,
            Some(i) => usize::try_from(i).map_or(self.count, |i| i.min(self.count)),
        }
    }

    /// The live window covering `exp`, if any: the only segment a token
    /// with that `exp` is looked up in at `now`.
    #[inline]
    pub(crate) fn live_index_of(&self, exp: u64, now: u64) -> Option<usize> {
        let i = self.index_of(exp)?;
        // A window ends after every `exp` it covers, so a token not yet
        // expired (nearly all: the policy rejects the others before the
        // denylist is asked) needs no second division.
        (exp >= now || self.is_live(i, now)).then_some(i)
    }

    /// Format 3's one segment for a token: the window covering `exp`, the
    /// first window for an `exp` before `base` or no `exp` (it holds every
    /// entry), and none for an `exp` after the last window (no entry
    /// reaches it).
    #[inline]
    pub(crate) fn spanning_index_of(&self, exp: Option<u64>) -> Option<usize> {
        let i = match exp.map(|exp| self.raw_index(exp)) {
            Some(Some(i)) => usize::try_from(i).ok()?,
            Some(None) | None => 0,
        };
        (i < self.count).then_some(i)
    }

    /// The windows a builder needs for entries that matter from `start`
    /// (the build time minus the maximum leeway) until `max_until`
    /// (>= `start`), starting from `width` (0 is taken as 1) and doubling
    /// it until they number at most [`MAX_SEGMENTS`]. `base` is `start`
    /// rounded down to a multiple of the width, so windows line up across
    /// rebuilds.
    pub(crate) fn plan(start: u64, width: u64, max_until: Option<u64>) -> Windows {
        let mut width = width.max(1);
        let Some(max_until) = max_until else {
            return Windows {
                base: start - start % width,
                width,
                count: 0,
            };
        };
        loop {
            let base = start - start % width;
            let w = Windows {
                base,
                width,
                count: MAX_SEGMENTS,
            };
            let last = w.raw_index(max_until).unwrap_or(0);
            match usize::try_from(last) {
                Ok(last) if last < MAX_SEGMENTS => {
                    return Windows {
                        count: last + 1,
                        ..w
                    }
                }
                // Doubling terminates: once width exceeds u64::MAX / 64 the
                // whole u64 range fits in 64 windows.
                _ => width = width.saturating_mul(2),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_liveness() {
        let w = Windows {
            base: 1000,
            width: 100,
            count: 3,
        };
        assert_eq!(w.index_of(999), None);
        assert_eq!(w.index_of(1000), Some(0));
        assert_eq!(w.index_of(1099), Some(0));
        assert_eq!(w.index_of(1100), Some(1));
        assert_eq!(w.index_of(1299), Some(2));
        assert_eq!(w.index_of(1300), None);
        assert!(w.is_live(0, 1099));
        assert!(!w.is_live(0, 1100));
        assert_eq!(w.first_live(0), 0);
        assert_eq!(w.first_live(1099), 0);
        assert_eq!(w.first_live(1100), 1);
        assert_eq!(w.first_live(1299), 2);
        assert_eq!(w.first_live(1300), 3);
        assert_eq!(w.first_live(u64::MAX), 3);
        assert_eq!(w.live_index_of(1150, 1000), Some(1));
        assert_eq!(w.live_index_of(1150, 1199), Some(1));
        assert_eq!(w.live_index_of(1150, 1200), None);
        assert_eq!(w.live_index_of(1300, 0), None);
        assert_eq!(w.start(2), Some(1200));
        assert_eq!(w.end(2), 1300);
    }

    #[test]
    fn plan_aligns_and_widens() {
        let w = Windows::plan(3700, 3600, Some(3700 + 7200));
        assert_eq!(
            w,
            Windows {
                base: 3600,
                width: 3600,
                count: 3
            }
        );
        let w = Windows::plan(0, 1, Some(1000));
        assert_eq!(w.width, 16);
        assert!(w.count <= MAX_SEGMENTS && w.index_of(1000).is_some());
        let w = Windows::plan(5, 0, None);
        assert_eq!(w.count, 0);
        let w = Windows::plan(0, 3600, Some(u64::MAX));
        assert!(w.count <= MAX_SEGMENTS && w.index_of(u64::MAX).is_some());
        assert!(w.end(w.count - 1) > u128::from(u64::MAX));
        let w = Windows::plan(u64::MAX - 1, u64::MAX, Some(u64::MAX));
        assert_eq!(w.index_of(u64::MAX), Some(1));
    }

    #[test]
    fn spanning_index() {
        let w = Windows {
            base: 1000,
            width: 100,
            count: 3,
        };
        assert_eq!(w.spanning_index_of(None), Some(0));
        assert_eq!(w.spanning_index_of(Some(0)), Some(0));
        assert_eq!(w.spanning_index_of(Some(999)), Some(0));
        assert_eq!(w.spanning_index_of(Some(1100)), Some(1));
        assert_eq!(w.spanning_index_of(Some(1299)), Some(2));
        assert_eq!(w.spanning_index_of(Some(1300)), None);
        let empty = Windows { count: 0, ..w };
        assert_eq!(empty.spanning_index_of(None), None);
    }
}
