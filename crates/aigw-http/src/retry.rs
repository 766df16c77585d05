//! Backoff and the servers' `Retry-After` / `retry-after-ms` headers.

use crate::config::RetryPolicy;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// Statuses worth another attempt: timeout, conflict (a concurrent update), rate limit, and
/// server errors.
pub(crate) fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// The backoff before retry number `retry` (0-based): `initial × 2^retry` capped at
/// `max_backoff`, with full jitter (uniform in [½, 1] of it, so that clients that failed
/// together do not retry together, and never zero).
pub fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let base = policy
        .initial_backoff
        .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
        .min(policy.max_backoff);
    base.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// What the server asked to wait: `retry-after-ms` (OpenAI, Anthropic) first, then
/// `Retry-After` as seconds or an HTTP date. `None` if absent or unreadable.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// How long to wait before retry number `retry` after a response with these headers, or
/// `None` when the server asks for more than the policy accepts.
pub(crate) fn delay(
    policy: &RetryPolicy,
    retry: u32,
    headers: Option<&HeaderMap>,
) -> Option<Duration> {
    match headers.and_then(|h| retry_after(h, SystemTime::now())) {
        Some(wait) if wait > policy.max_retry_after => None,
        Some(wait) => Some(wait),
        None => Some(backoff(policy, retry)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for (retry, full) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (40, 1000),
        ] {
            for _ in 0..50 {
                let wait = backoff(&policy, retry);
                let full = Duration::from_millis(full);
                assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait:?}");
            }
        }
    }

    #[test]
    fn retry_after_reads_milliseconds_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(
                &headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
                now
            ),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")]), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "0.25")]), now),
            Some(Duration::from_millis(250))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let mut map = HeaderMap::new();
        map.insert("retry-after", HeaderValue::from_str(&date).expect("ascii"));
        assert_eq!(retry_after(&map, now), Some(Duration::from_secs(30)));
        // A date in the past means now; garbage and negatives mean nothing.
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        map.insert("retry-after", HeaderValue::from_str(&past).expect("ascii"));
        assert_eq!(retry_after(&map, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-1")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn a_retry_after_beyond_the_policy_is_not_waited_for() {
        let policy = RetryPolicy::default();
        assert_eq!(
            delay(&policy, 0, Some(&headers(&[("retry-after", "3600")]))),
            None
        );
        assert_eq!(
            delay(&policy, 0, Some(&headers(&[("retry-after", "1")]))),
            Some(Duration::from_secs(1))
        );
        assert!(delay(&policy, 0, None).is_some_and(|d| d <= policy.initial_backoff));
    }

    #[test]
    fn retryable_statuses() {
        for code in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(
                retryable(StatusCode::from_u16(code).expect("status")),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 413, 422] {
            assert!(
                !retryable(StatusCode::from_u16(code).expect("status")),
                "{code}"
            );
        }
    }
}
