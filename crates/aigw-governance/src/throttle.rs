//! A log line that repeats at most once per interval: for faults that hit every request
//! (a store down), where one line per request would drown the log. Hand-written: one atomic
//! compare-and-swap, not worth a dependency.

use std::sync::atomic::{AtomicI64, Ordering};

/// Says yes at most once per `interval_ms`.
#[derive(Debug, Default)]
pub struct Throttle {
    last: AtomicI64,
}

impl Throttle {
    pub const fn new() -> Throttle {
        Throttle {
            last: AtomicI64::new(0),
        }
    }

    /// Whether to log now (and from now on not for `interval_ms`).
    pub fn ready(&self, interval_ms: i64) -> bool {
        let now = crate::manage::now_ms();
        let last = self.last.load(Ordering::Relaxed);
        now - last >= interval_ms
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_interval() {
        let t = Throttle::new();
        assert!(t.ready(60_000));
        assert!(!t.ready(60_000));
        assert!(t.ready(0));
    }
}
