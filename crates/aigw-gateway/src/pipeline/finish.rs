//! The end of a request: one [`Outcome`] per request, recorded by [`finish`] exactly once —
//! a plain answer when its response is built, a stream when it ends, fails or is dropped by a
//! client that went away. Recording it: the rate-limit and budget admission settled with the
//! exact usage and cost, the metrics, the spend log, the request's log line.

use super::answer::ROUTE;
use super::{cost, record};
use crate::metrics::{ApiLabels, CostLabels, RequestLabels};
use crate::state::State;
use crate::usage::Usage;
use aigw_governance::cost::Money;
use aigw_governance::{Admission, Caller};
use aigw_translate::LossReport;
use axum::http::{HeaderMap, StatusCode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Tokens an upstream reported using, and which target it was.
#[derive(Clone, Debug)]
pub struct Spent {
    /// The provider's configured name.
    pub provider: String,
    /// The name its prices are listed under.
    pub pricing: String,
    /// The model the target was sent.
    pub model: String,
    pub usage: Usage,
}

/// What is known about a request when it ends.
#[derive(Debug)]
pub struct Outcome {
    /// `req_…`, also the `x-aigw-request-id` response header.
    pub request_id: String,
    /// The endpoint's metrics label (`chat`, `embeddings`, `models`, …).
    pub label: &'static str,
    /// Who called; `None` when the request was refused before that was known.
    pub caller: Option<Caller>,
    /// What the request holds under its rate limits, given back by [`finish`].
    pub admission: Option<Admission>,
    /// The model the client asked for; `-` when the request ended before routing.
    pub model: String,
    pub started: Instant,
    /// Unix ms of the arrival.
    pub started_ms: i64,
    pub status: StatusCode,
    /// The target that answered (the `x-aigw-route` header), if one did.
    pub route: Option<String>,
    /// From the request's arrival to its response (for a stream: to its headers).
    pub latency: Duration,
    /// The usage the upstream reported, as far as known (a stream's: up to where it ended).
    pub spent: Option<Spent>,
    /// The client API and the time to the first byte of a successful answer.
    pub first_byte: Option<(&'static str, Duration)>,
    /// Targets that failed before one answered (or all of them).
    pub fallbacks: u32,
    /// What translation or provider quirks lost, request and response.
    pub losses: LossReport,
    /// The request's trace (`None`: traces are off).
    pub trace: Option<Box<crate::telemetry::Trace>>,
}

/// A request id: a random prefix for this process and a counter (unique across replicas
/// with overwhelming probability, and cheap).
fn request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom::fill(&mut b);
        u32::from_le_bytes(b)
    });
    format!(
        "req_{prefix:08x}{:010x}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl Outcome {
    pub fn new(label: &'static str, started: Instant) -> Outcome {
        Outcome {
            request_id: request_id(),
            label,
            caller: None,
            admission: None,
            model: "-".to_owned(),
            started,
            started_ms: aigw_governance::manage::now_ms(),
            status: StatusCode::OK,
            route: None,
            latency: Duration::ZERO,
            spent: None,
            first_byte: None,
            fallbacks: 0,
            losses: LossReport::default(),
            trace: None,
        }
    }

    /// The response is ready: its status, the route it names, the time it took.
    pub fn answered(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.status = status;
        self.route = headers
            .get(ROUTE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.latency = self.started.elapsed();
    }

    /// The first byte of a successful answer to a client of `api` goes out now (the first
    /// time only).
    pub fn first_byte(&mut self, api: &'static str) {
        if self.first_byte.is_none() {
            self.first_byte = Some((api, self.started.elapsed()));
        }
    }
}

/// Records the end of a request.
pub fn finish(state: &State, mut outcome: Outcome) {
    let cost = outcome
        .spent
        .as_ref()
        .and_then(|spent| cost::of(state, spent, outcome.started_ms));
    if let Some(admission) = outcome.admission.take() {
        settle(state, admission, outcome.spent.as_ref(), cost);
    }
    let metrics = &state.metrics;
    let status = outcome.status.as_u16();
    metrics
        .requests
        .get_or_create(&RequestLabels {
            api: outcome.label,
            status,
        })
        .inc();
    if let Some(spent) = &outcome.spent {
        metrics.tokens(&spent.provider, spent.usage.input, spent.usage.output);
        let labels = CostLabels {
            key: outcome.caller.as_ref().map_or("-", Caller::id).to_owned(),
            provider: spent.provider.clone(),
            model: spent.model.clone(),
        };
        match cost {
            Some(cost) => {
                metrics
                    .cost
                    .get_or_create(&labels)
                    .inc_by(cost.pico() as f64 / 1e12);
            }
            None => {
                metrics.cost_unknown.get_or_create(&labels).inc();
            }
        }
    }
    if let Some((api, after)) = outcome.first_byte {
        metrics
            .time_to_first_byte
            .get_or_create(&ApiLabels { api })
            .observe(after.as_secs_f64());
    }
    tracing::info!(
        api = outcome.label,
        key = outcome.caller.as_ref().map_or("-", Caller::id),
        model = outcome.model.as_str(),
        route = outcome.route.as_deref().unwrap_or("-"),
        status,
        latency_ms = outcome.latency.as_secs_f64() * 1000.0,
        cost = cost.map_or_else(|| "-".to_owned(), Money::to_usd_string),
        request_id = outcome.request_id.as_str(),
        "request"
    );
    record::record(state, &outcome, cost);
    state.telemetry.end(&outcome);
}

/// Gives the admission back: the concurrency slot, the tokens reserved corrected to the
/// usage and the cost reserved to the exact cost (unknown: the reservation stays). Off the
/// request's path: with Redis counters it is a round trip the client need not wait for.
fn settle(state: &State, admission: Admission, spent: Option<&Spent>, cost: Option<Money>) {
    let used = spent.and_then(|s| s.usage.total());
    let cost = cost.map(Money::pico);
    if !state.governance.limiter.shared() {
        // In-process counters settle without waiting on anything.
        let limiter = &state.governance.limiter;
        futures_util::FutureExt::now_or_never(limiter.settle(admission, used, cost));
        return;
    }
    let governance = state.governance.clone();
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move { governance.limiter.settle(admission, used, cost).await });
        }
        Err(_) => tracing::warn!("no runtime to settle a rate-limit admission on"),
    }
}
