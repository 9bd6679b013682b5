//! Exact money: integer paise, never binary floating point.
//!
//! Requests carry rupees as decimal text with exactly two decimals (`"123.45"`). Responses arrive in many spellings:
//! `"5000"`, `"5000.0"`, `"5050.00"`, `"7.1"`, and even exponent notation such as Eko's `"2.22263731286E9"`
//! (= ₹2,222,637,312.86). [`Money::parse_rupees`] accepts every spelling that denotes a whole number of paise and
//! rejects, with a reason, anything that would need rounding or is not a number at all.

use std::fmt;
use std::str::FromStr;

/// An amount of Indian rupees held as an exact, signed number of paise (1 rupee = 100 paise).
///
/// Signed because provider balances may be negative; request builders require a positive amount where the
/// provider does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    paise: i64,
}

/// Why a decimal string is not an exact amount of money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The text is empty (or only white space).
    #[error("the amount is empty")]
    Empty,
    /// The text is not a decimal number (`"12a"`, `"1.2.3"`, `"."`, `"NaN"`, `"1e"`).
    #[error("`{0}` is not a decimal number")]
    Malformed(String),
    /// The number has a fraction of a paisa (`"1.005"`): refundkit never rounds money.
    #[error("`{0}` is not a whole number of paise; refundkit never rounds money")]
    Inexact(String),
    /// The number does not fit in a signed 64-bit count of paise.
    #[error("`{0}` is too large")]
    Overflow(String),
}

impl Money {
    /// Zero rupees.
    pub const ZERO: Money = Money { paise: 0 };

    /// An amount from a count of paise.
    pub const fn from_paise(paise: i64) -> Self {
        Money { paise }
    }

    /// The amount as a count of paise.
    pub const fn paise(self) -> i64 {
        self.paise
    }

    /// Whether the amount is greater than zero.
    pub const fn is_positive(self) -> bool {
        self.paise > 0
    }

    /// Rupees with exactly two decimals, as request bodies carry them: `12345` paise ⇒ `"123.45"`, `-5` ⇒ `"-0.05"`.
    pub fn to_rupees_string(self) -> String {
        let sign = if self.paise < 0 { "-" } else { "" };
        let abs = self.paise.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Parses a decimal rupee amount exactly.
    ///
    /// Accepted: an optional sign, digits with an optional fraction (`"5000"`, `"5000.0"`, `"5050.00"`, `".5"`,
    /// `"7."`), and an optional exponent (`"2.22263731286E9"`, `"5e-2"`). Surrounding ASCII white space is ignored.
    /// The value must be a whole number of paise: `"1.005"` is [`MoneyError::Inexact`], never rounded.
    pub fn parse_rupees(text: &str) -> Result<Money, MoneyError> {
        let s = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let malformed = || MoneyError::Malformed(text.to_string());
        let (negative, unsigned) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
            Some(i) => {
                let exp_text = &unsigned[i + 1..];
                let digits = exp_text.strip_prefix(['+', '-']).unwrap_or(exp_text);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(malformed());
                }
                // Exponents beyond a few dozen can only overflow or be inexact; cap before parsing.
                let exp: i64 = if digits.len() > 6 {
                    return Err(if exp_text.starts_with('-') {
                        MoneyError::Inexact(text.to_string())
                    } else {
                        MoneyError::Overflow(text.to_string())
                    });
                } else {
                    digits.parse().map_err(|_| malformed())?
                };
                (&unsigned[..i], if exp_text.starts_with('-') { -exp } else { exp })
            }
            None => (unsigned, 0),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(malformed());
        }
        // value = digits × 10^(exponent − frac_len); paise = value × 100.
        let digits: String = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        let mut scale: i64 = exponent + 2 - frac_part.len() as i64;
        let mut digits = digits.to_string();
        // Drop trailing zeros while the scale is negative: they are exact.
        while scale < 0 && digits.ends_with('0') {
            digits.pop();
            scale += 1;
        }
        if digits.is_empty() {
            return Ok(Money::ZERO);
        }
        if scale < 0 {
            return Err(MoneyError::Inexact(text.to_string()));
        }
        let overflow = || MoneyError::Overflow(text.to_string());
        if digits.len() as i64 + scale > 19 {
            return Err(overflow());
        }
        let mut value: i64 = digits.parse().map_err(|_| overflow())?;
        for _ in 0..scale {
            value = value.checked_mul(10).ok_or_else(overflow)?;
        }
        Ok(Money::from_paise(if negative { -value } else { value }))
    }

    /// Checked addition: `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.paise.checked_add(other.paise).map(Money::from_paise)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse_rupees(s)
    }
}

impl fmt::Display for Money {
    /// Formats as `₹123.45`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.to_rupees_string();
        match s.strip_prefix('-') {
            Some(rest) => write!(f, "-₹{rest}"),
            None => write!(f, "₹{s}"),
        }
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.to_rupees_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<i64, MoneyError> {
        Money::parse_rupees(s).map(Money::paise)
    }

    #[test]
    fn parses_provider_spellings_exactly() {
        assert_eq!(p("5000"), Ok(500_000));
        assert_eq!(p("5000.0"), Ok(500_000));
        assert_eq!(p("5050.00"), Ok(505_000));
        assert_eq!(p("7.1"), Ok(710));
        assert_eq!(p("28.38"), Ok(2838));
        assert_eq!(p("2.22263731286E9"), Ok(222_263_731_286));
        assert_eq!(p("2.22263731286e+9"), Ok(222_263_731_286));
        assert_eq!(p("5e-2"), Ok(5));
        assert_eq!(p("1.50000"), Ok(150));
        assert_eq!(p(".5"), Ok(50));
        assert_eq!(p("7."), Ok(700));
        assert_eq!(p("-12.30"), Ok(-1230));
        assert_eq!(p("+1"), Ok(100));
        assert_eq!(p(" 1.00 "), Ok(100));
        assert_eq!(p("0"), Ok(0));
        assert_eq!(p("0.00E5"), Ok(0));
        assert_eq!(p("000123.40"), Ok(12340));
        assert_eq!(p("92233720368547758.07"), Ok(i64::MAX));
    }

    #[test]
    fn rejects_inexact_amounts_instead_of_rounding() {
        for s in ["1.005", "0.001", "2.222637312861E9", "1e-3", "5e-1000000000"] {
            assert!(matches!(p(s), Err(MoneyError::Inexact(_))), "{s}: {:?}", p(s));
        }
    }

    #[test]
    fn rejects_malformed_text() {
        assert_eq!(p(""), Err(MoneyError::Empty));
        assert_eq!(p("   "), Err(MoneyError::Empty));
        for s in [
            "abc", "1.2.3", ".", "-", "1e", "1e+", "e5", "NaN", "inf", "1,000.00", "₹10", "0x10", "1 000", "--1",
            "1e5.0",
        ] {
            assert!(matches!(p(s), Err(MoneyError::Malformed(_))), "{s}: {:?}", p(s));
        }
    }

    #[test]
    fn rejects_overflow() {
        for s in ["92233720368547758.08", "1e17", "99999999999999999999999", "1e9999999"] {
            assert!(matches!(p(s), Err(MoneyError::Overflow(_))), "{s}: {:?}", p(s));
        }
    }

    #[test]
    fn formats_two_decimals() {
        assert_eq!(Money::from_paise(12345).to_rupees_string(), "123.45");
        assert_eq!(Money::from_paise(5).to_rupees_string(), "0.05");
        assert_eq!(Money::from_paise(100).to_rupees_string(), "1.00");
        assert_eq!(Money::from_paise(-5).to_rupees_string(), "-0.05");
        assert_eq!(Money::from_paise(i64::MIN).to_rupees_string(), "-92233720368547758.08");
        assert_eq!(Money::from_paise(505_000).to_string(), "₹5050.00");
        assert_eq!(format!("{:?}", Money::from_paise(-1)), "Money(-0.01)");
    }

    #[test]
    fn round_trips_every_small_amount() {
        for paise in -10_000..10_000 {
            let m = Money::from_paise(paise);
            assert_eq!(Money::parse_rupees(&m.to_rupees_string()), Ok(m));
        }
    }
}
