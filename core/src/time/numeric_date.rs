//! The NumericDate rule (RFC 7519 section 2): which JSON numbers are dates,
//! as whole seconds and whether a fraction was dropped.

use crate::json::{digit_value, Number};

/// A NumericDate claim: whole seconds, and whether a fraction followed.
///
/// Non-integer values are valid (RFC 7519 section 2). Each check rounds in
/// the direction that rejects: `exp` down, `nbf` and `iat` up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumericDate {
    pub(crate) secs: u64,
    pub(crate) fractional: bool,
}

impl NumericDate {
    /// The NumericDate rule (RFC 7519 section 2): a non-negative number of seconds, integer
    /// or not (`1.5`, `1.5e9` and `1e3` are all valid), as whole seconds rounded down and
    /// whether a non-zero fraction was dropped. See [`Number::as_numeric_date`], which
    /// documents the cases and calls this.
    #[inline]
    pub(crate) fn parse(number: &Number<'_>) -> Option<NumericDate> {
        /// The largest accepted value has this many digits.
        const MAX_DIGITS: i64 = 12;
        const MAX_SECONDS: u64 = 253_402_300_799;

        // Almost every `exp`, `nbf` and `iat` is a plain integer: skip the general path.
        if let Some(seconds) = number.as_u64() {
            return (seconds <= MAX_SECONDS).then_some(NumericDate {
                secs: seconds,
                fractional: false,
            });
        }
        let (negative, rest) = match number.raw().split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, number.raw()),
        };
        let exp_at = rest
            .iter()
            .position(|&b| b == b'e' || b == b'E')
            .unwrap_or(rest.len());
        let (mantissa, exponent) = rest.split_at_checked(exp_at)?;
        let frac_len = match mantissa.iter().position(|&b| b == b'.') {
            Some(dot) => mantissa.len() - dot - 1,
            None => 0,
        };
        // The digits of the mantissa as one integer, leading zeros dropped: the value is
        // `significant * 10^scale`.
        let significant = || {
            mantissa
                .iter()
                .filter_map(|&b| digit_value(b))
                .skip_while(|&d| d == 0)
        };
        let sig_len = significant().count();
        if sig_len == 0 {
            return Some(NumericDate {
                secs: 0,
                fractional: false,
            });
        }
        if negative {
            return None;
        }
        let scale = parse_exponent(exponent.get(1..).unwrap_or(&[]))
            .saturating_sub(i64::try_from(frac_len).ok()?);
        // How many digits the integer part has (zero or less: the value is below 1).
        let int_digits = i64::try_from(sig_len).ok()?.saturating_add(scale);
        if int_digits > MAX_DIGITS {
            return None;
        }
        let int_digits = match usize::try_from(int_digits) {
            Ok(0) | Err(_) => {
                return Some(NumericDate {
                    secs: 0,
                    fractional: true,
                })
            }
            Ok(n) => n,
        };
        let mut whole = 0u64;
        let mut fraction = false;
        for (i, d) in significant().enumerate() {
            if i < int_digits {
                whole = whole * 10 + u64::from(d);
            } else if d != 0 {
                fraction = true;
                break;
            }
        }
        // A positive exponent adds zeros after the significant digits.
        for _ in sig_len..int_digits {
            whole *= 10;
        }
        (whole <= MAX_SECONDS).then_some(NumericDate {
            secs: whole,
            fractional: fraction,
        })
    }

    pub(crate) fn floor(self) -> u64 {
        self.secs
    }

    pub(crate) fn ceil(self) -> u64 {
        self.secs.saturating_add(u64::from(self.fractional))
    }
}

/// An exponent's digits (with optional sign) as a number, saturating far beyond any exponent
/// that still matters so that `1e999999999999999999` stays cheap and exact in its effect.
fn parse_exponent(digits: &[u8]) -> i64 {
    const CAP: i64 = 1 << 40;
    let (negative, digits) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, digits),
    };
    let magnitude = digits
        .iter()
        .filter_map(|&b| digit_value(b))
        .fold(0i64, |acc, d| (acc * 10 + i64::from(d)).min(CAP));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}
