//! A provider's keys: each one's share of the traffic and whether it may be used now — a
//! 429 cools it down for the upstream's `retry-after`, a 401/403 takes it out.

use aigw_http::Auth;
use axum::http::HeaderMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// One upstream key of a provider. Its `Debug` shows the variable's name, never the key.
pub struct Key {
    /// The environment variable it came from (`-` for a provider without a key).
    pub env: String,
    pub weight: f64,
    pub auth: Auth,
    status: Mutex<Status>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("env", &self.env)
            .field("weight", &self.weight)
            .finish_non_exhaustive()
    }
}

/// Whether a key may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ready,
    /// Rate-limited (429) until then.
    Cooling(Instant),
    /// Refused (401/403): out until then, or (`None`) until restart.
    Out(Option<Instant>),
}

impl Status {
    /// The name shown in `/admin/health`.
    pub fn name(self, now: Instant) -> &'static str {
        match self {
            Status::Cooling(until) if until > now => "cooling",
            Status::Out(None) => "refused",
            Status::Out(Some(until)) if until > now => "refused",
            _ => "ready",
        }
    }
}

/// What a key's answer did to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChange {
    /// Newly cooling down for this long.
    Cooled(Duration),
    /// Newly taken out.
    TakenOut,
}

impl Key {
    pub fn new(env: String, weight: f64, auth: Auth) -> Key {
        Key {
            env,
            weight,
            auth,
            status: Mutex::new(Status::Ready),
        }
    }

    pub fn status(&self) -> Status {
        *self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `None`: usable now; else when it will be (`None` inside: not before a restart).
    pub fn blocked_until(&self, now: Instant) -> Option<Option<Instant>> {
        match self.status() {
            Status::Cooling(until) if until > now => Some(Some(until)),
            Status::Out(None) => Some(None),
            Status::Out(Some(until)) if until > now => Some(Some(until)),
            _ => None,
        }
    }

    /// A 429: cooled down for `wait` (nothing new if it already was for longer).
    pub fn rate_limited(&self, now: Instant, wait: Duration) -> Option<KeyChange> {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let until = now + wait;
        match *status {
            Status::Out(_) => None,
            Status::Cooling(old) if old >= until => None,
            _ if wait.is_zero() => None,
            _ => {
                *status = Status::Cooling(until);
                Some(KeyChange::Cooled(wait))
            }
        }
    }

    /// A 401/403: out for `out` (zero: until restart); `None` if it already was.
    pub fn refused(&self, now: Instant, out: Duration) -> Option<KeyChange> {
        let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let was_out = matches!(*status, Status::Out(None))
            || matches!(*status, Status::Out(Some(until)) if until > now);
        *status = Status::Out((!out.is_zero()).then(|| now + out));
        (!was_out).then_some(KeyChange::TakenOut)
    }
}

/// How long a 429 asks to wait: `retry-after-ms`, else `retry-after` in seconds or as an
/// HTTP date; `None` when it says neither.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_in_seconds_milliseconds_or_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        fn at(h: &[(&'static str, &str)]) -> Option<Duration> {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            retry_after(&headers(h), now)
        }
        assert_eq!(at(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(
            at(&[("retry-after-ms", "1500"), ("retry-after", "9")]),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(at(&[("retry-after", &date)]), Some(Duration::from_secs(7)));
        assert_eq!(at(&[("retry-after", "soon")]), None);
        assert_eq!(at(&[]), None);
    }

    #[test]
    fn cooling_and_refusal() {
        let key = Key::new("K".into(), 1.0, Auth::None);
        let now = Instant::now();
        assert_eq!(
            key.rate_limited(now, Duration::from_secs(2)),
            Some(KeyChange::Cooled(Duration::from_secs(2)))
        );
        assert_eq!(key.rate_limited(now, Duration::from_secs(1)), None);
        assert!(key.blocked_until(now).is_some());
        assert!(key.blocked_until(now + Duration::from_secs(3)).is_none());
        assert_eq!(key.refused(now, Duration::ZERO), Some(KeyChange::TakenOut));
        assert_eq!(key.refused(now, Duration::ZERO), None);
        assert_eq!(
            key.blocked_until(now + Duration::from_secs(999)),
            Some(None)
        );
        assert!(!format!("{key:?}").contains("auth"));
    }
}
