//! A member's latency estimate, PeakEWMA-style (as in Finagle, tower and Linkerd): a slower
//! answer than the estimate replaces it at once, a faster one pulls it down by how much time
//! has passed; and the estimate decays towards zero while the member is not used, so an idle
//! member is tried again after a while.

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct PeakEwma {
    /// Milliseconds, as of `at`.
    value: f64,
    at: Instant,
    seen: bool,
}

impl PeakEwma {
    pub fn new(now: Instant) -> Self {
        PeakEwma {
            value: 0.0,
            at: now,
            seen: false,
        }
    }

    /// The estimate in milliseconds at `now`, decayed with time constant `tau`.
    pub fn value(&self, now: Instant, tau: Duration) -> f64 {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.value * (-dt / tau.as_secs_f64()).exp()
    }

    /// Whether any answer was measured yet.
    pub fn seen(&self) -> bool {
        self.seen
    }

    /// Folds in one measured latency.
    pub fn observe(&mut self, sample: Duration, now: Instant, tau: Duration) {
        let sample = sample.as_secs_f64() * 1000.0;
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        let decayed = self.value(now, tau);
        self.value = if !self.seen || sample > decayed {
            sample
        } else {
            let recency = (-dt / tau.as_secs_f64()).exp();
            decayed * recency + sample * (1.0 - recency)
        };
        self.at = now;
        self.seen = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peak_counts_at_once_and_fades_while_idle() {
        let tau = Duration::from_secs(10);
        let t0 = Instant::now();
        let mut e = PeakEwma::new(t0);
        e.observe(Duration::from_millis(10), t0, tau);
        assert!((e.value(t0, tau) - 10.0).abs() < 1e-9);
        e.observe(Duration::from_millis(100), t0, tau);
        assert!((e.value(t0, tau) - 100.0).abs() < 1e-9);
        let later = t0 + Duration::from_secs(10);
        assert!((e.value(later, tau) - 100.0 / std::f64::consts::E).abs() < 1e-6);
        // A fast answer long after pulls it most of the way down.
        e.observe(Duration::from_millis(10), t0 + Duration::from_secs(30), tau);
        assert!(e.value(t0 + Duration::from_secs(30), tau) < 11.0);
    }
}
