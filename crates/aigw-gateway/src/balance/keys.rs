//! A provider's keys: each one's share of the traffic and whether it may be used now — a
//! 429 cools it down for the upstream's `retry-after`, a 401/403 takes it out.

use aigw_http::Auth;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
