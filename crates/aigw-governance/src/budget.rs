//! Budgets: a key's spend cap in USD over a period — `daily`, `weekly` (from Monday),
//! `monthly` (calendar month) or `total` — all in UTC, with an optional soft threshold that is
//! logged and counted but not enforced. Amounts are exact pico-USD; the USD text has at most
//! 6 decimals.

use serde::{Deserialize, Serialize};

/// The period a budget resets on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
    Total,
}

impl Period {
    pub fn name(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
            Period::Total => "total",
        }
    }

    pub fn parse(text: &str) -> Result<Period, String> {
        match text {
            "daily" => Ok(Period::Daily),
            "weekly" => Ok(Period::Weekly),
            "monthly" => Ok(Period::Monthly),
            "total" => Ok(Period::Total),
            other => Err(format!(
                "budget.period: {other:?} is not one of daily, weekly, monthly, total"
            )),
        }
    }

    /// The period containing `now` (Unix ms): its start, and its end (`None`: never).
    pub fn bounds(self, now: i64) -> (i64, Option<i64>) {
        const DAY: i64 = 86_400_000;
        let day = now.div_euclid(DAY);
        match self {
            Period::Daily => (day * DAY, Some((day + 1) * DAY)),
            Period::Weekly => {
                // 1970-01-01 was a Thursday: Monday is 3 days later in the week's count.
                let monday = day - (day + 3).rem_euclid(7);
                (monday * DAY, Some((monday + 7) * DAY))
            }
            Period::Monthly => {
                let (y, m, _) = civil_from_days(day);
                let start = days_from_civil(y, m, 1);
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                (start * DAY, Some(days_from_civil(ny, nm, 1) * DAY))
            }
            Period::Total => (0, None),
        }
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm; hand-written: three
/// lines of arithmetic, not worth a date crate).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Pico-USD from a USD amount (`"10"`, `"0.25"`, `12.5`): at most 6 decimals, not negative.
pub fn pico_from_usd(field: &str, text: &str) -> Result<i64, String> {
    let bad = || format!("{field}: {text:?} is not a USD amount with at most 6 decimals");
    let text = text.trim();
    if text.starts_with('-') {
        return Err(format!("{field}: must not be negative"));
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 6
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(frac))
        .and_then(|micro| micro.checked_mul(1_000_000))
        .ok_or_else(bad)
}

/// A key's budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Pico-USD per period.
    pub max: i64,
    pub period: Period,
    /// Pico-USD from which spend is logged and counted as near the cap.
    pub soft: Option<i64>,
}

/// A budget as the admin API, the CLI and the file write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// USD per period, e.g. `"25.00"` (a number is accepted too).
    #[serde(deserialize_with = "usd_text")]
    pub max_usd: String,
    pub period: String,
    /// USD from which spend is logged and counted (not refused).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "usd_opt"
    )]
    pub soft_usd: Option<String>,
}

fn usd_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a USD amount, got {other}"
        ))),
    }
}

fn usd_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    usd_text(d).map(Some)
}

impl BudgetSpec {
    pub fn validate(&self) -> Result<Budget, String> {
        let max = pico_from_usd("budget.max_usd", &self.max_usd)?;
        if max == 0 {
            return Err("budget.max_usd: must be more than 0 (omit the budget for none)".into());
        }
        let soft = self
            .soft_usd
            .as_deref()
            .map(|s| pico_from_usd("budget.soft_usd", s))
            .transpose()?;
        Ok(Budget {
            max,
            period: Period::parse(&self.period)?,
            soft,
        })
    }
}

impl Budget {
    pub fn spec(&self) -> BudgetSpec {
        BudgetSpec {
            max_usd: crate::spend::usd(self.max),
            period: self.period.name().to_owned(),
            soft_usd: self.soft.map(crate::spend::usd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn periods_start_and_end_in_utc() {
        // 2026-12-06 (a Sunday) 15:00 UTC.
        let now = days_from_civil(2026, 12, 6) * DAY + 15 * 3_600_000;
        assert_eq!(
            Period::Daily.bounds(now),
            (
                days_from_civil(2026, 12, 6) * DAY,
                Some(days_from_civil(2026, 12, 7) * DAY)
            )
        );
        assert_eq!(
            Period::Weekly.bounds(now).0,
            days_from_civil(2026, 11, 30) * DAY
        );
        assert_eq!(
            Period::Monthly.bounds(now),
            (
                days_from_civil(2026, 12, 1) * DAY,
                Some(days_from_civil(2027, 1, 1) * DAY)
            )
        );
        assert_eq!(Period::Total.bounds(now), (0, None));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn amounts_are_exact_and_typos_are_named() {
        assert_eq!(pico_from_usd("x", "10"), Ok(10_000_000_000_000));
        assert_eq!(pico_from_usd("x", "0.000001"), Ok(1_000_000));
        assert!(pico_from_usd("x", "0.0000001").is_err());
        assert!(pico_from_usd("x", "-1").is_err_and(|e| e.contains("negative")));
        assert!(pico_from_usd("x", "ten").is_err());
        let spec = BudgetSpec {
            max_usd: "5".into(),
            period: "dayly".into(),
            soft_usd: None,
        };
        assert!(
            spec.validate()
                .is_err_and(|e| e.contains("budget.period") && e.contains("dayly"))
        );
    }
}
