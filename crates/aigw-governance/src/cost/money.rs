//! `Money`: an exact amount of US dollars in pico-USD (10⁻¹² USD).
//!
//! A price of at most 6 decimals per million tokens is a whole number of pico-USD per token
//! ($2.50 / 1M tokens = 2,500,000 pico-USD per token), so every cost is an exact integer and
//! no float is ever involved in adding costs up. Arithmetic saturates at the `i64` bounds
//! (about ±$9.2 million) instead of wrapping; `checked_*` report the overflow instead.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::str::FromStr;

/// Pico-USD in one US dollar.
pub const PICO_PER_USD: i64 = 1_000_000_000_000;

/// Pico-USD in one micro-USD (the last digit [`Money::to_usd_string`] shows).
const PICO_PER_MICRO: i128 = 1_000_000;

/// An exact amount of US dollars, in pico-USD.
///
/// Shown (`Display`, [`Money::to_usd_string`]) and serialized as USD with 6 decimals
/// (`"0.001234"`), rounded half away from zero; parsed from USD with up to 12 decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);
    pub const MAX: Money = Money(i64::MAX);

    pub const fn from_pico(pico: i64) -> Money {
        Money(pico)
    }

    /// Whole micro-USD (10⁻⁶ USD), saturating.
    pub const fn from_micro(micro: i64) -> Money {
        Money(micro.saturating_mul(1_000_000))
    }

    /// Whole US dollars, saturating.
    pub const fn from_usd(usd: i64) -> Money {
        Money(usd.saturating_mul(PICO_PER_USD))
    }

    pub const fn pico(self) -> i64 {
        self.0
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `self` × `n` (the price of `n` tokens when `self` is a per-token rate).
    pub fn checked_mul(self, n: u64) -> Option<Money> {
        let product = i128::from(self.0).checked_mul(i128::from(n))?;
        i64::try_from(product).ok().map(Money)
    }

    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }

    pub fn saturating_mul(self, n: u64) -> Money {
        // |i64| × u64 < 2^127: the product always fits an i128.
        saturate(i128::from(self.0) * i128::from(n))
    }

    /// USD with 6 decimals, rounded half away from zero: `0.001234`, `-1.500000`.
    pub fn to_usd_string(self) -> String {
        let pico = i128::from(self.0);
        let abs = pico.unsigned_abs();
        let micro = (abs + (PICO_PER_MICRO as u128) / 2) / PICO_PER_MICRO as u128;
        let sign = if pico < 0 && micro != 0 { "-" } else { "" };
        format!("{sign}{}.{:06}", micro / 1_000_000, micro % 1_000_000)
    }
}

/// An `i128` clamped to the `i64` range.
pub(crate) fn saturate(v: i128) -> Money {
    Money(i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX }))
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_usd_string())
    }
}

/// Why a string is not an amount of USD.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an amount of USD like 0.001234 (at most 12 decimals)")]
pub struct ParseMoneyError(String);

impl FromStr for Money {
    type Err = ParseMoneyError;

    /// USD: `12`, `0.001234`, `-3.5`; at most 12 decimals (one pico-USD).
    fn from_str(s: &str) -> Result<Money, ParseMoneyError> {
        let err = || ParseMoneyError(s.to_owned());
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) if !f.is_empty() => (w, f),
            Some(_) => return Err(err()),
            None => (digits, ""),
        };
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || frac.len() > 12 {
            return Err(err());
        }
        let whole: i128 = whole.parse().map_err(|_| err())?;
        let mut frac_pico: i128 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_pico += i128::from(b - b'0') * 10i128.pow(11 - i as u32);
        }
        let pico = whole
            .checked_mul(i128::from(PICO_PER_USD))
            .and_then(|w| w.checked_add(frac_pico))
            .ok_or_else(err)?;
        let pico = if negative { -pico } else { pico };
        i64::try_from(pico).map(Money).map_err(|_| err())
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_usd_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Saturating.
impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        self.saturating_add(other)
    }
}

/// Saturating.
impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        self.saturating_sub(other)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = self.saturating_add(other);
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        *self = self.saturating_sub(other);
    }
}

/// Saturating.
impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Money::saturating_add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_six_decimals_rounding_half_away_from_zero() {
        assert_eq!(Money::ZERO.to_usd_string(), "0.000000");
        assert_eq!(Money::from_pico(1_234_000_000).to_string(), "0.001234");
        // 0.0000005 USD = 500,000 pico: half a micro-USD rounds up.
        assert_eq!(Money::from_pico(500_000).to_string(), "0.000001");
        assert_eq!(Money::from_pico(499_999).to_string(), "0.000000");
        assert_eq!(Money::from_pico(1_500_000).to_string(), "0.000002");
        assert_eq!(Money::from_pico(-500_000).to_string(), "-0.000001");
        assert_eq!(Money::from_pico(-499_999).to_string(), "0.000000");
        assert_eq!(Money::from_usd(12).to_string(), "12.000000");
        assert_eq!(Money::MAX.to_string(), "9223372.036855");
        assert_eq!(Money::from_pico(i64::MIN).to_string(), "-9223372.036855");
    }

    #[test]
    fn parses_usd() {
        assert_eq!("0.001234".parse(), Ok(Money::from_pico(1_234_000_000)));
        assert_eq!("12".parse(), Ok(Money::from_usd(12)));
        assert_eq!("-3.5".parse(), Ok(Money::from_pico(-3_500_000_000_000)));
        assert_eq!("0.000000000001".parse(), Ok(Money::from_pico(1)));
        for bad in [
            "",
            ".5",
            "1.",
            "1.2.3",
            "abc",
            "1e3",
            "+1",
            "0.0000000000001",
            "99999999999",
        ] {
            assert!(bad.parse::<Money>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn arithmetic_saturates_or_reports() {
        let rate = Money::from_pico(2_500_000); // $2.50 per million tokens
        assert_eq!(rate.saturating_mul(1_234), Money::from_pico(3_085_000_000));
        assert_eq!(
            rate.checked_mul(1_234),
            Some(Money::from_pico(3_085_000_000))
        );
        assert_eq!(Money::MAX.checked_mul(2), None);
        assert_eq!(Money::MAX.saturating_mul(u64::MAX), Money::MAX);
        assert_eq!(
            Money::from_pico(-1).saturating_mul(u64::MAX).pico(),
            i64::MIN
        );
        assert_eq!(Money::MAX.checked_add(Money::from_pico(1)), None);
        assert_eq!(Money::MAX + Money::from_pico(1), Money::MAX);
        assert_eq!(
            Money::from_pico(i64::MIN) - Money::from_pico(1),
            Money::from_pico(i64::MIN)
        );
        let total: Money = [Money::from_micro(1), Money::from_micro(2)].iter().sum();
        assert_eq!(total, Money::from_micro(3));
    }

    #[test]
    fn serde_as_a_usd_string() -> Result<(), serde_json::Error> {
        let m = Money::from_pico(1_234_000_000);
        assert_eq!(serde_json::to_string(&m)?, r#""0.001234""#);
        assert_eq!(serde_json::from_str::<Money>(r#""0.001234""#)?, m);
        assert!(serde_json::from_str::<Money>("0.001234").is_err());
        assert!(serde_json::from_str::<Money>(r#""1e-3""#).is_err());
        Ok(())
    }
}
