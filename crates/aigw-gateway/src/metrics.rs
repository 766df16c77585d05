//! Prometheus metrics (`GET /metrics`, OpenMetrics text format).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The client API (`chat`, `responses`, `messages`, `gemini`, `embeddings`, …).
    pub api: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProviderLabels {
    pub provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    pub api: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    pub provider: String,
    /// `in` (prompt) or `out` (completion).
    pub direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FallbackLabels {
    /// The provider that failed.
    pub provider: String,
    /// `connect`, `timeout`, `status_429`, `status_5xx`, `stream`.
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LossLabels {
    pub api: &'static str,
    /// `dropped`, `approximated`, `defaulted`.
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitedLabels {
    /// `requests`, `tokens`, `concurrency`, `unavailable`.
    pub limit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CostLabels {
    /// The key's id, `-` without one.
    pub key: String,
    pub provider: String,
    pub model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BudgetLabels {
    pub key: String,
}

/// A balancing member: provider, model (as configured) and key (its variable's name).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MemberLabels {
    pub provider: String,
    pub model: String,
    pub key: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KeyCooldownLabels {
    pub provider: String,
    /// The key's variable name.
    pub key: String,
    /// `rate_limited` (429) or `refused` (401/403).
    pub reason: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~65 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 18))
}

/// Every metric the gateway keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub upstream_latency: Family<ProviderLabels, Histogram, fn() -> Histogram>,
    pub time_to_first_byte: Family<ApiLabels, Histogram, fn() -> Histogram>,
    pub tokens: Family<TokenLabels, Counter>,
    pub fallbacks: Family<FallbackLabels, Counter>,
    pub losses: Family<LossLabels, Counter>,
    pub in_flight: Gauge,
    pub rate_limited: Family<LimitedLabels, Counter>,
    pub limiter: aigw_governance::limits::LimiterMetrics,
    pub cost: Family<CostLabels, Counter<f64, std::sync::atomic::AtomicU64>>,
    pub cost_unknown: Family<CostLabels, Counter>,
    pub budget_soft: Family<BudgetLabels, Counter>,
    pub spend: aigw_governance::spend::SpendMetrics,
    pub balance_member_state: Family<MemberLabels, Gauge>,
    pub balance_breaker_opens: Family<MemberLabels, Counter>,
    pub balance_probes: Family<MemberLabels, Counter>,
    pub balance_key_cooldowns: Family<KeyCooldownLabels, Counter>,
    pub traces: crate::telemetry::TraceMetrics,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("aigw");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests answered, by client API and status",
            requests.clone(),
        );
        let upstream_latency =
            Family::<ProviderLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "upstream_latency_seconds",
            "Upstream response time: to the whole body, or to the first chunk of a stream",
            upstream_latency.clone(),
        );
        let time_to_first_byte =
            Family::<ApiLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "time_to_first_byte_seconds",
            "From the request's arrival to the first byte of the response to the client",
            time_to_first_byte.clone(),
        );
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register(
            "tokens",
            "Tokens reported by upstreams, prompt (in) and completion (out)",
            tokens.clone(),
        );
        let fallbacks = Family::<FallbackLabels, Counter>::default();
        registry.register(
            "fallbacks",
            "Times a target failed before the first byte and the next one was tried",
            fallbacks.clone(),
        );
        let losses = Family::<LossLabels, Counter>::default();
        registry.register(
            "losses",
            "Fields dropped, approximated or defaulted by translation or provider quirks",
            losses.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "in_flight",
            "Requests being handled, open streams included",
            in_flight.clone(),
        );
        let rate_limited = Family::<LimitedLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused by a key's or route's rate limit (unavailable: counter store down)",
            rate_limited.clone(),
        );
        let limiter = aigw_governance::limits::LimiterMetrics::default();
        registry.register(
            "limiter_store_errors",
            "Times the rate-limit counter store did not answer",
            limiter.store_errors.clone(),
        );
        registry.register(
            "limiter_failed_open",
            "Requests served without limits because the counter store did not answer \
             (on_store_error = \"open\")",
            limiter.failed_open.clone(),
        );
        let cost = Family::<CostLabels, Counter<f64, std::sync::atomic::AtomicU64>>::default();
        registry.register(
            "cost_usd",
            "What requests cost, in USD, from the usage upstreams reported and the price table",
            cost.clone(),
        );
        let cost_unknown = Family::<CostLabels, Counter>::default();
        registry.register(
            "cost_unknown",
            "Answered requests whose cost is unknown (no price for the model, or no usage)",
            cost_unknown.clone(),
        );
        let budget_soft = Family::<BudgetLabels, Counter>::default();
        registry.register(
            "budget_soft_exceeded",
            "Requests admitted while their key's spend was past its soft budget threshold",
            budget_soft.clone(),
        );
        let spend = aigw_governance::spend::SpendMetrics::default();
        registry.register(
            "spend_records_written",
            "Rows written to the spend log",
            spend.written.clone(),
        );
        registry.register(
            "spend_records_dropped",
            "Spend-log rows lost: queue full, or the store refused them too long",
            spend.dropped.clone(),
        );
        registry.register(
            "spend_store_errors",
            "Times the store refused a batch of the spend log (kept and retried)",
            spend.store_errors.clone(),
        );
        let balance_member_state = Family::<MemberLabels, Gauge>::default();
        registry.register(
            "balance_member_state",
            "Each member's circuit breaker (this replica): 0 closed, 1 half-open, 2 open",
            balance_member_state.clone(),
        );
        let balance_breaker_opens = Family::<MemberLabels, Counter>::default();
        registry.register(
            "balance_breaker_opens",
            "Times a member's circuit breaker opened (failures in the window, or a failed probe)",
            balance_breaker_opens.clone(),
        );
        let balance_probes = Family::<MemberLabels, Counter>::default();
        registry.register(
            "balance_probes",
            "Requests let through to a member whose breaker was open (half-open probes, and \
             the soonest member when all were open)",
            balance_probes.clone(),
        );
        let balance_key_cooldowns = Family::<KeyCooldownLabels, Counter>::default();
        registry.register(
            "balance_key_cooldowns",
            "Times an upstream key was cooled down (429) or taken out (401/403)",
            balance_key_cooldowns.clone(),
        );
        let traces = crate::telemetry::TraceMetrics::default();
        registry.register(
            "trace_spans",
            "Spans queued for export to the OTLP collector ([telemetry])",
            traces.queued.clone(),
        );
        registry.register(
            "trace_spans_exported",
            "Spans the OTLP collector accepted",
            traces.exported.clone(),
        );
        registry.register(
            "trace_export_errors",
            "Span batches whose export failed (collector unreachable, refusing or too slow)",
            traces.export_errors.clone(),
        );
        registry.register(
            "trace_spans_lost",
            "Spans in the batches whose export failed",
            traces.lost.clone(),
        );
        Metrics {
            traces,
            registry,
            balance_member_state,
            balance_breaker_opens,
            balance_probes,
            balance_key_cooldowns,
            rate_limited,
            limiter,
            cost,
            cost_unknown,
            budget_soft,
            spend,
            requests,
            upstream_latency,
            time_to_first_byte,
            tokens,
            fallbacks,
            losses,
            in_flight,
        }
    }

    /// The OpenMetrics text.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The first byte of a response to a client of `api` went out.
    pub fn first_byte(&self, api: &'static str, started: std::time::Instant) {
        self.time_to_first_byte
            .get_or_create(&ApiLabels { api })
            .observe(started.elapsed().as_secs_f64());
    }

    pub fn tokens(&self, provider: &str, input: Option<u64>, output: Option<u64>) {
        for (direction, count) in [("in", input), ("out", output)] {
            if let Some(count) = count {
                self.tokens
                    .get_or_create(&TokenLabels {
                        provider: provider.to_owned(),
                        direction,
                    })
                    .inc_by(count);
            }
        }
    }

    pub fn losses(&self, api: &'static str, report: &aigw_translate::LossReport) {
        for loss in report.iter() {
            let kind = match loss.kind {
                aigw_translate::LossKind::Dropped => "dropped",
                aigw_translate::LossKind::Approximated => "approximated",
                aigw_translate::LossKind::Defaulted => "defaulted",
            };
            self.losses.get_or_create(&LossLabels { api, kind }).inc();
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
