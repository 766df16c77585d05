//! The end of a request: one [`Outcome`] per request, recorded by [`finish`] exactly once —
//! a plain answer when its response is built, a stream when it ends, fails or is dropped by a
//! client that went away.

use super::answer::ROUTE;
use crate::metrics::{ApiLabels, RequestLabels};
use crate::state::State;
use crate::usage::Usage;
use aigw_governance::{Admission, Caller};
use axum::http::{HeaderMap, StatusCode};
use std::time::{Duration, Instant};

/// Tokens an upstream reported using.
#[derive(Clone, Debug)]
pub struct Spent {
    pub provider: String,
    pub usage: Usage,
}

/// What is known about a request when it ends.
#[derive(Debug)]
pub struct Outcome {
    /// The endpoint's metrics label (`chat`, `embeddings`, `models`, …).
    pub label: &'static str,
    /// Who called; `None` when the request was refused before that was known.
    pub caller: Option<Caller>,
    /// What the request holds under its rate limits, given back by [`finish`].
    pub admission: Option<Admission>,
    /// The model the client asked for; `-` when the request ended before routing.
    pub model: String,
    pub started: Instant,
    pub status: StatusCode,
    /// The target that answered (the `x-aigw-route` header), if one did.
    pub route: Option<String>,
    /// From the request's arrival to its response (for a stream: to its headers).
    pub latency: Duration,
    /// The usage the upstream reported, as far as known (a stream's: up to where it ended).
    pub spent: Option<Spent>,
    /// The client API and the time to the first byte of a successful answer.
    pub first_byte: Option<(&'static str, Duration)>,
}

impl Outcome {
    pub fn new(label: &'static str, started: Instant) -> Outcome {
        Outcome {
            label,
            caller: None,
            admission: None,
            model: "-".to_owned(),
            started,
            status: StatusCode::OK,
            route: None,
            latency: Duration::ZERO,
            spent: None,
            first_byte: None,
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

/// Records the end of a request: its rate-limit admission settled with the usage the
/// upstream reported, the request counter, the tokens, the time to first byte and the
/// request's log line.
pub fn finish(state: &State, mut outcome: Outcome) {
    if let Some(admission) = outcome.admission.take() {
        settle(state, admission, outcome.spent.as_ref());
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
    if let Some(Spent { provider, usage }) = &outcome.spent {
        metrics.tokens(provider, usage.input, usage.output);
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
        "request"
    );
}

/// Gives the admission back: the concurrency slot, and the tokens reserved corrected to the
/// usage (unknown usage keeps the reservation). Off the request's path: with Redis counters
/// it is a round trip the client need not wait for.
fn settle(state: &State, admission: Admission, spent: Option<&Spent>) {
    let used = spent.and_then(|s| match (s.usage.input, s.usage.output) {
        (None, None) => None,
        (input, output) => Some(input.unwrap_or(0) + output.unwrap_or(0)),
    });
    if !state.governance.limiter.shared() {
        // In-process counters settle without waiting on anything.
        let limiter = &state.governance.limiter;
        futures_util::FutureExt::now_or_never(limiter.settle(admission, used));
        return;
    }
    let governance = state.governance.clone();
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move { governance.limiter.settle(admission, used).await });
        }
        Err(_) => tracing::warn!("no runtime to settle a rate-limit admission on"),
    }
}
