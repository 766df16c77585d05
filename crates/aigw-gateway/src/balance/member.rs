//! A member: one provider, model and key, with its health (breaker, latency, error rate,
//! requests in flight). Routes naming the same provider, model and key share one member.

use super::Settings;
use super::health::{Breaker, BreakerState, Pass, Transition};
use super::keys::{Key, KeyChange};
use super::latency::PeakEwma;
use crate::upstream::Provider;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How much of the error rate one attempt moves (about the last ten attempts count).
const ERROR_RATE_WEIGHT: f64 = 0.1;

#[derive(Debug)]
pub struct Member {
    pub provider: Arc<Provider>,
    /// The model as configured (`*`: the requested one).
    pub model: String,
    /// Index into the provider's keys.
    pub key: usize,
    settings: Arc<Settings>,
    in_flight: AtomicU32,
    health: Mutex<Health>,
}

#[derive(Debug)]
struct Health {
    breaker: Breaker,
    latency: PeakEwma,
    error_rate: f64,
}

/// What became of an attempt, for the member's health.
#[derive(Clone, Copy, Debug)]
pub enum Verdict {
    /// The upstream answered (time to its first byte).
    Answered(Duration),
    /// Connect error, timeout, 5xx or a broken body (the time it took).
    Failed(Duration),
    /// 429: a failure, and the key cools down for this long (or the default).
    RateLimited(Option<Duration>),
    /// 401/403: the key is taken out.
    Refused,
    /// Another 4xx: the upstream is up; the request was at fault.
    Rejected,
    /// Not sent, or abandoned: no verdict.
    Released,
}

/// What a verdict changed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Changes {
    pub breaker: Option<Transition>,
    pub key: Option<KeyChange>,
}

/// A member's health as `/admin/health` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Snapshot {
    pub provider: String,
    pub model: String,
    pub key: String,
    pub breaker: &'static str,
    /// Seconds until an open breaker lets a probe through.
    pub open_for_secs: Option<f64>,
    pub key_status: &'static str,
    pub latency_ms: Option<f64>,
    pub in_flight: u32,
    pub error_rate: f64,
}

impl Member {
    pub fn new(
        provider: Arc<Provider>,
        model: String,
        key: usize,
        settings: Arc<Settings>,
    ) -> Self {
        Member {
            provider,
            model,
            key,
            settings,
            in_flight: AtomicU32::new(0),
            health: Mutex::new(Health {
                breaker: Breaker::default(),
                latency: PeakEwma::new(Instant::now()),
                error_rate: 0.0,
            }),
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn key(&self) -> &Key {
        &self.provider.keys[self.key]
    }

    /// `provider/model` (`#KEY_VAR` when the provider has several keys), for logs.
    pub fn name(&self) -> String {
        let mut name = format!("{}/{}", self.provider.name, self.model);
        if self.provider.keys.len() > 1 {
            name.push('#');
            name.push_str(&self.key().env);
        }
        name
    }

    /// `None`: usable now; else until when not (`None` inside: not foreseeably).
    pub fn blocked_until(&self, now: Instant) -> Option<Option<Instant>> {
        let key = self.key().blocked_until(now);
        let breaker = self.health().breaker.blocked_until(now);
        match (key, breaker) {
            (None, None) => None,
            (Some(a), None) | (None, Some(a)) => Some(a),
            (Some(Some(a)), Some(Some(b))) => Some(Some(a.max(b))),
            _ => Some(None),
        }
    }

    /// Lets a request through if the member may take one now (or `forced`).
    pub fn admit(&self, now: Instant, forced: bool) -> Option<Pass> {
        if !forced && self.key().blocked_until(now).is_some() {
            return None;
        }
        let mut health = self.health();
        let pass = if forced {
            health.breaker.force()
        } else {
            health.breaker.admit(now)?
        };
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Some(pass)
    }

    /// The least-latency cost: the latency estimate times the requests in flight plus one.
    pub fn cost(&self, now: Instant) -> f64 {
        let latency = self.health().latency.value(now, self.settings.decay);
        latency * f64::from(self.in_flight.load(Ordering::Relaxed) + 1)
    }

    /// Records an admitted request's end.
    pub fn finish(&self, pass: Pass, verdict: Verdict, now: Instant) -> Changes {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let s = &self.settings;
        let mut changes = Changes::default();
        let mut health = self.health();
        let failed = match verdict {
            Verdict::Answered(latency) => {
                health.latency.observe(latency, now, s.decay);
                changes.breaker = health.breaker.succeeded(pass);
                Some(false)
            }
            Verdict::Rejected => {
                changes.breaker = health.breaker.succeeded(pass);
                Some(false)
            }
            Verdict::Failed(took) => {
                if health.latency.seen() {
                    health.latency.observe(took, now, s.decay);
                }
                changes.breaker = health.breaker.failed(pass, now, &s.breaker);
                Some(true)
            }
            Verdict::RateLimited(wait) => {
                changes.breaker = health.breaker.failed(pass, now, &s.breaker);
                changes.key = self.key().rate_limited(now, wait.unwrap_or(s.key_cooldown));
                Some(true)
            }
            Verdict::Refused => {
                health.breaker.released(pass);
                changes.key = self.key().refused(now, s.key_refused);
                Some(true)
            }
            Verdict::Released => {
                health.breaker.released(pass);
                None
            }
        };
        if let Some(failed) = failed {
            let x = if failed { 1.0 } else { 0.0 };
            health.error_rate += (x - health.error_rate) * ERROR_RATE_WEIGHT;
        }
        changes
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.health().breaker.state()
    }

    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let health = self.health();
        let open_for_secs = match &health.breaker {
            Breaker::Open { until } => Some(until.saturating_duration_since(now).as_secs_f64()),
            _ => None,
        };
        Snapshot {
            provider: self.provider.name.clone(),
            model: self.model.clone(),
            key: self.key().env.clone(),
            breaker: health.breaker.state().name(),
            open_for_secs,
            key_status: self.key().status().name(now),
            latency_ms: health
                .latency
                .seen()
                .then(|| health.latency.value(now, self.settings.decay)),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            error_rate: health.error_rate,
        }
    }
}
