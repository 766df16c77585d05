//! A member's circuit breaker: `failures` failures within `window` open it for `cooldown`;
//! then exactly one probe request goes through (half-open); its success closes the breaker,
//! its failure opens it again.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The breaker's settings (from `[health]`).
#[derive(Clone, Copy, Debug)]
pub struct BreakerSettings {
    pub failures: u32,
    pub window: Duration,
    pub cooldown: Duration,
}

/// Where a breaker is.
#[derive(Clone, Debug)]
pub enum Breaker {
    Closed {
        /// When each failure within the window happened, oldest first.
        failures: VecDeque<Instant>,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        /// Whether the one probe is out.
        probing: bool,
    },
}

/// The breaker's state by name (the `/metrics` gauge's value and `/admin/health`'s text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

impl BreakerState {
    pub fn name(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::HalfOpen => "half_open",
            BreakerState::Open => "open",
        }
    }
}

/// How a request was let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// The breaker is closed.
    Normal,
    /// The one half-open probe.
    Probe,
    /// Every member was open: this one's cooldown ended first (`when_all_open = "soonest"`).
    Forced,
}

/// A change worth counting and logging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Opened,
    Closed,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker::Closed {
            failures: VecDeque::new(),
        }
    }
}

impl Breaker {
    pub fn state(&self) -> BreakerState {
        match self {
            Breaker::Closed { .. } => BreakerState::Closed,
            Breaker::Open { .. } => BreakerState::Open,
            Breaker::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// `None`: a request may go now (closed, or a probe is due); else when one may
    /// (`None` inside: when the probe out now has finished).
    pub fn blocked_until(&self, now: Instant) -> Option<Option<Instant>> {
        match self {
            Breaker::Closed { .. } | Breaker::HalfOpen { probing: false } => None,
            Breaker::Open { until } if *until <= now => None,
            Breaker::Open { until } => Some(Some(*until)),
            Breaker::HalfOpen { probing: true } => Some(None),
        }
    }

    /// Lets a request through if the breaker allows one now (taking the probe when due).
    pub fn admit(&mut self, now: Instant) -> Option<Pass> {
        match self {
            Breaker::Closed { .. } => Some(Pass::Normal),
            Breaker::Open { until } if *until <= now => {
                *self = Breaker::HalfOpen { probing: true };
                Some(Pass::Probe)
            }
            Breaker::HalfOpen { probing: false } => {
                *self = Breaker::HalfOpen { probing: true };
                Some(Pass::Probe)
            }
            _ => None,
        }
    }

    /// Lets a request through whatever the state (every member is open).
    pub fn force(&mut self) -> Pass {
        if !matches!(self, Breaker::Closed { .. }) {
            *self = Breaker::HalfOpen { probing: true };
        }
        Pass::Forced
    }

    /// The request answered: a probe (or forced request) closes the breaker.
    pub fn succeeded(&mut self, pass: Pass) -> Option<Transition> {
        match (pass, &self) {
            (Pass::Probe | Pass::Forced, Breaker::HalfOpen { .. }) => {
                *self = Breaker::default();
                Some(Transition::Closed)
            }
            _ => None,
        }
    }

    /// The request failed: counted in the window (opening the breaker at `failures`), or a
    /// probe's failure opens it again.
    pub fn failed(
        &mut self,
        pass: Pass,
        now: Instant,
        settings: &BreakerSettings,
    ) -> Option<Transition> {
        let open = Breaker::Open {
            until: now + settings.cooldown,
        };
        match self {
            Breaker::HalfOpen { .. } if pass != Pass::Normal => {
                *self = open;
                Some(Transition::Opened)
            }
            Breaker::Closed { failures } => {
                while failures
                    .front()
                    .is_some_and(|t| now.saturating_duration_since(*t) > settings.window)
                {
                    failures.pop_front();
                }
                failures.push_back(now);
                if failures.len() >= settings.failures as usize {
                    *self = open;
                    Some(Transition::Opened)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The request ended with no verdict on the member (not sent, or dropped): a probe is
    /// given back so that the next request probes.
    pub fn released(&mut self, pass: Pass) {
        if pass != Pass::Normal && matches!(self, Breaker::HalfOpen { probing: true }) {
            *self = Breaker::HalfOpen { probing: false };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: BreakerSettings = BreakerSettings {
        failures: 3,
        window: Duration::from_secs(10),
        cooldown: Duration::from_secs(5),
    };

    #[test]
    fn opens_after_n_failures_in_the_window_then_one_probe_closes_it() {
        let t0 = Instant::now();
        let mut b = Breaker::default();
        assert_eq!(b.failed(Pass::Normal, t0, &S), None);
        // The first failure leaves the window before the third.
        let t1 = t0 + Duration::from_secs(11);
        assert_eq!(b.failed(Pass::Normal, t1, &S), None);
        assert_eq!(b.failed(Pass::Normal, t1, &S), None);
        assert_eq!(b.failed(Pass::Normal, t1, &S), Some(Transition::Opened));
        assert_eq!(b.admit(t1), None);
        assert_eq!(b.blocked_until(t1), Some(Some(t1 + S.cooldown)));
        let t2 = t1 + S.cooldown;
        assert_eq!(b.admit(t2), Some(Pass::Probe));
        assert_eq!(b.admit(t2), None, "only one probe");
        assert_eq!(b.failed(Pass::Probe, t2, &S), Some(Transition::Opened));
        let t3 = t2 + S.cooldown;
        assert_eq!(b.admit(t3), Some(Pass::Probe));
        b.released(Pass::Probe);
        assert_eq!(
            b.admit(t3),
            Some(Pass::Probe),
            "a dropped probe is given back"
        );
        assert_eq!(b.succeeded(Pass::Probe), Some(Transition::Closed));
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.admit(t3), Some(Pass::Normal));
    }
}
