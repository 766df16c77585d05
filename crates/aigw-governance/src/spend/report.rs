//! Usage reports from the spend log: requests, tokens by kind and cost, grouped by key, model
//! or day, for `aigw usage` and `GET /admin/usage`.

use crate::store::{Store, StoreError};
use serde::Serialize;
use sqlx::Row;

/// How rows are grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    #[default]
    Key,
    Model,
    Day,
}

impl std::str::FromStr for By {
    type Err = String;
    fn from_str(s: &str) -> Result<By, String> {
        match s {
            "key" => Ok(By::Key),
            "model" => Ok(By::Model),
            "day" => Ok(By::Day),
            other => Err(format!("by: {other:?} is not one of key, model, day")),
        }
    }
}

/// One group's totals. Costs are USD strings (6 decimals); `unpriced_requests` had no known
/// cost and are not in `cost_usd`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    /// The key id, `provider/model`, or the day (`2026-12-06`); `-` for none.
    pub group: String,
    pub requests: i64,
    pub errors: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub reasoning_tokens: i64,
    pub cost_usd: String,
    pub unpriced_requests: i64,
    #[serde(skip)]
    pub cost_pico: i64,
}

/// A report: its filter and its rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub by: &'static str,
    pub key: Option<String>,
    /// Unix ms.
    pub since_ms: i64,
    /// Unix ms, exclusive; absent: up to now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    pub rows: Vec<ReportRow>,
}

/// USD with 6 decimals from pico-USD, rounded half up.
pub fn usd(pico: i64) -> String {
    let micro = (i128::from(pico) + 500_000).div_euclid(1_000_000);
    let sign = if micro < 0 { "-" } else { "" };
    let micro = micro.abs();
    format!("{sign}{}.{:06}", micro / 1_000_000, micro % 1_000_000)
}

/// Totals of the requests since `since_ms` (of `key` only, if given), grouped `by`.
pub async fn report(
    store: &Store,
    by: By,
    key: Option<&str>,
    since_ms: i64,
) -> Result<Report, StoreError> {
    report_between(store, by, key, since_ms, None).await
}

/// Totals of the requests from `since_ms` to before `until_ms` (no end if `None`), of `key`
/// only if given, grouped `by` — the dashboard's date range.
pub async fn report_between(
    store: &Store,
    by: By,
    key: Option<&str>,
    since_ms: i64,
    until_ms: Option<i64>,
) -> Result<Report, StoreError> {
    let group = match by {
        By::Key => "COALESCE(key_id, '-')",
        By::Model => "COALESCE(provider, '-') || '/' || COALESCE(model, requested_model)",
        By::Day => "CAST(time_ms / 86400000 AS BIGINT)",
    };
    let sum = |c: &str| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)");
    let sql = format!(
        "SELECT {group} AS g, CAST(COUNT(*) AS BIGINT) AS requests, \
         CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT) AS errors, \
         {}, {}, {}, {}, {}, {}, \
         CAST(SUM(CASE WHEN cost_pico IS NULL AND status < 400 THEN 1 ELSE 0 END) AS BIGINT) AS unpriced \
         FROM aigw_spend WHERE time_ms >= $1 AND ($2 = '' OR key_id = $2) AND time_ms < $3 \
         GROUP BY {group} ORDER BY {group}",
        sum("input_tokens"),
        sum("output_tokens"),
        sum("cache_read_tokens"),
        sum("cache_write_tokens"),
        sum("reasoning_tokens"),
        sum("cost_pico"),
    );
    let rows = sqlx::query(&sql)
        .bind(since_ms)
        .bind(key.unwrap_or("").to_owned())
        .bind(until_ms.unwrap_or(i64::MAX))
        .fetch_all(store.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let group = match by {
            By::Day => {
                let day: i64 = row.try_get(0)?;
                crate::manage::rfc3339(day * 86_400_000)[..10].to_owned()
            }
            _ => row.try_get::<String, _>(0)?,
        };
        let cost_pico: i64 = row.try_get(8)?;
        out.push(ReportRow {
            group,
            requests: row.try_get(1)?,
            errors: row.try_get(2)?,
            input_tokens: row.try_get(3)?,
            output_tokens: row.try_get(4)?,
            cache_read_tokens: row.try_get(5)?,
            cache_write_tokens: row.try_get(6)?,
            reasoning_tokens: row.try_get(7)?,
            cost_usd: usd(cost_pico),
            unpriced_requests: row.try_get(9)?,
            cost_pico,
        });
    }
    Ok(Report {
        by: match by {
            By::Key => "key",
            By::Model => "model",
            By::Day => "day",
        },
        key: key.map(str::to_owned),
        since_ms,
        until_ms,
        rows: out,
    })
}

/// Spend of `key` since `since_ms`, pico-USD (to seed a budget's counter).
pub async fn spent_since(store: &Store, key: &str, since_ms: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(cost_pico), 0) AS BIGINT) FROM aigw_spend \
         WHERE key_id = $1 AND time_ms >= $2",
    )
    .bind(key.to_owned())
    .bind(since_ms)
    .fetch_one(store.pool())
    .await?;
    Ok(row.try_get(0)?)
}

/// Rows in the spend log (tests, the crash measurement).
pub async fn count(store: &Store) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM aigw_spend")
        .fetch_one(store.pool())
        .await?;
    Ok(row.try_get(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_has_six_decimals_rounded_half_up() {
        assert_eq!(usd(0), "0.000000");
        assert_eq!(usd(3_085_000_000), "0.003085");
        assert_eq!(usd(1_500_000), "0.000002");
        assert_eq!(usd(1_499_999), "0.000001");
        assert_eq!(usd(12_345_678_000_000), "12.345678");
    }
}
