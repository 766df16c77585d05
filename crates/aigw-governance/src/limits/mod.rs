//! Rate limits: requests and tokens in any rolling minute, and requests at once, per scope
//! (a key; a route) — and budgets, a scope's spend in a period (pico-USD). Counted in the process, or in Redis so that every replica counts
//! against the same numbers.
//!
//! The window is the last 60 one-second buckets: a request is admitted while the requests
//! counted in them are below `rpm`, the tokens below `tpm` and the open requests below
//! `max_concurrency`; all checks and the increments are one atomic step (one Redis round
//! trip). Tokens are reserved from an estimate at admission and settled with the usage the
//! upstream reported when the request ends — so a limit of N requests lets exactly N through
//! in any minute, on one replica or many.

mod local;
mod redis;

use crate::key::KeyLimits;
use prometheus_client::metrics::counter::Counter;
use std::time::Duration;

pub use local::LocalCounters;
pub use redis::RedisCounters;

/// The width of the rolling window.
pub const WINDOW_SECS: i64 = 60;

/// What to do when the counter store cannot be reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnStoreError {
    /// Refuse (503): a limit never silently stops holding. The default.
    #[default]
    Closed,
    /// Serve without limits, log once per interval and count it.
    Open,
}

/// One set of limits and the name it is counted under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// `key:<id>`, `route:<name>`.
    pub name: String,
    pub limits: KeyLimits,
    /// A spend cap for the current period.
    pub budget: Option<BudgetScope>,
}

impl Scope {
    fn counts(&self) -> bool {
        !self.limits.is_unlimited() || self.budget.is_some()
    }
}

/// A budget in force: its cap and the period now counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetScope {
    /// Pico-USD.
    pub max: i64,
    /// Unix ms.
    pub period_start: i64,
    /// Unix ms; `None`: the budget never resets.
    pub period_end: Option<i64>,
}

/// Which limit refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Requests,
    Tokens,
    Concurrency,
    Budget,
}

impl Which {
    pub fn name(self) -> &'static str {
        match self {
            Which::Requests => "requests per minute",
            Which::Tokens => "tokens per minute",
            Which::Concurrency => "concurrent requests",
            Which::Budget => "USD",
        }
    }
}

/// The first scope's counters after a decision: the `x-ratelimit-*` headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub limit_requests: Option<u64>,
    pub remaining_requests: u64,
    pub limit_tokens: Option<u64>,
    pub remaining_tokens: u64,
    /// Until the oldest counted request leaves the window.
    pub reset_requests: Duration,
    pub reset_tokens: Duration,
    /// The first budgeted scope's spend in its period, pico-USD (reservations included).
    pub budget_spent: Option<i64>,
}

/// A request let through: what to give back when it ends.
#[derive(Debug, Default)]
pub struct Admission {
    pub(crate) id: String,
    pub(crate) scopes: Vec<String>,
    /// The second the request was counted in.
    pub(crate) bucket: i64,
    pub(crate) reserved: u64,
    /// Pico-USD reserved against budgets.
    pub(crate) cost_reserved: i64,
    /// Per scope, the budget period it was counted in.
    pub(crate) periods: Vec<Option<i64>>,
    /// The counters, for the response headers; `None` when nothing was counted.
    pub snapshot: Option<Snapshot>,
}

/// Why a request is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Limited {
        scope: String,
        which: Which,
        limit: u64,
        retry_after: Duration,
        snapshot: Snapshot,
    },
    /// The counter store is unreachable and `on_store_error = "closed"`.
    Unavailable(String),
    /// A budget's counter for this period is not there yet: seed it from the spend log
    /// ([`Limiter::seed`]) and admit again.
    Unseeded { scope: String, period_start: i64 },
}

/// What counts; each answer is one atomic step.
#[derive(Debug)]
pub enum Counters {
    Local(LocalCounters),
    Redis(Box<RedisCounters>),
}

/// The one raw answer both counter stores give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Raw {
    Admitted {
        bucket: i64,
        snapshot: Snapshot,
    },
    Limited {
        index: usize,
        which: Which,
        retry_after: Duration,
        snapshot: Snapshot,
    },
    Unseeded {
        index: usize,
    },
}

/// Counters the gateway exports.
#[derive(Clone, Debug, Default)]
pub struct LimiterMetrics {
    /// The counter store failed to answer.
    pub store_errors: Counter,
    /// Requests served without limits because the store failed (`on_store_error = "open"`).
    pub failed_open: Counter,
}

/// Rate limiting for every scope.
#[derive(Debug)]
pub struct Limiter {
    counters: Counters,
    on_error: OnStoreError,
    metrics: LimiterMetrics,
    /// The "store down" log line, once per 10 s.
    log_throttle: crate::throttle::Throttle,
}

impl Limiter {
    pub fn new(counters: Counters, on_error: OnStoreError, metrics: LimiterMetrics) -> Limiter {
        Limiter {
            counters,
            on_error,
            metrics,
            log_throttle: crate::throttle::Throttle::new(),
        }
    }

    /// Checks that the counter store answers (`aigw check`); where it is.
    pub async fn ping(&self) -> Result<String, String> {
        match &self.counters {
            Counters::Local(_) => Ok("in this process".into()),
            Counters::Redis(redis) => redis.ping().await.map(|()| redis.url().to_owned()),
        }
    }

    pub fn shared(&self) -> bool {
        matches!(self.counters, Counters::Redis(_))
    }

    /// Admits a request under every scope at once, reserving `estimate` tokens and `cost`
    /// pico-USD, or says which limit it would break.
    pub async fn admit(
        &self,
        scopes: &[Scope],
        estimate: u64,
        cost: i64,
    ) -> Result<Admission, Refusal> {
        let scopes: Vec<&Scope> = scopes.iter().filter(|s| s.counts()).collect();
        if scopes.is_empty() {
            return Ok(Admission::default());
        }
        let id = crate::secret::new_id().unwrap_or_default();
        let now = now_ms();
        let raw = match &self.counters {
            Counters::Local(local) => Ok(local.admit(&scopes, estimate, cost, now)),
            Counters::Redis(redis) => redis.admit(&scopes, &id, estimate, cost).await,
        };
        match raw {
            Ok(Raw::Admitted { bucket, snapshot }) => Ok(Admission {
                id,
                scopes: scopes.iter().map(|s| s.name.clone()).collect(),
                bucket,
                reserved: estimate,
                cost_reserved: cost,
                periods: scopes
                    .iter()
                    .map(|s| s.budget.map(|b| b.period_start))
                    .collect(),
                snapshot: Some(snapshot),
            }),
            Ok(Raw::Unseeded { index }) => {
                let scope = scopes[index.min(scopes.len() - 1)];
                Err(Refusal::Unseeded {
                    scope: scope.name.clone(),
                    period_start: scope.budget.map_or(0, |b| b.period_start),
                })
            }
            Ok(Raw::Limited {
                index,
                which,
                retry_after,
                snapshot,
            }) => {
                let scope = scopes[index.min(scopes.len() - 1)];
                let limit = match which {
                    Which::Requests => scope.limits.rpm,
                    Which::Tokens => scope.limits.tpm,
                    Which::Concurrency => scope.limits.max_concurrency,
                    Which::Budget => scope.budget.map(|b| b.max.max(0) as u64),
                };
                let retry_after = match (which, scope.budget) {
                    // Until the period ends (a `total` budget never resets: 0).
                    (Which::Budget, Some(b)) => b.period_end.map_or(Duration::ZERO, |end| {
                        Duration::from_millis((end - now).max(1) as u64)
                    }),
                    _ => retry_after,
                };
                Err(Refusal::Limited {
                    scope: scope.name.clone(),
                    which,
                    limit: limit.unwrap_or_default(),
                    retry_after,
                    snapshot,
                })
            }
            Err(error) => {
                self.metrics.store_errors.inc();
                self.log_store_error(&error);
                match self.on_error {
                    OnStoreError::Closed => Err(Refusal::Unavailable(format!(
                        "the rate-limit store is unreachable: {error}"
                    ))),
                    OnStoreError::Open => {
                        self.metrics.failed_open.inc();
                        Ok(Admission::default())
                    }
                }
            }
        }
    }

    /// Starts `scope`'s budget counter for its period at `spent` pico-USD (from the spend
    /// log), unless another replica did first.
    pub async fn seed(&self, scope: &Scope, spent: i64) -> Result<(), String> {
        let Some(budget) = scope.budget else {
            return Ok(());
        };
        match &self.counters {
            Counters::Local(local) => {
                local.seed(&scope.name, budget.period_start, spent);
                Ok(())
            }
            Counters::Redis(redis) => redis.seed(&scope.name, budget, spent).await,
        }
    }

    /// Gives back what `admission` held: its concurrency slot, the difference between the
    /// reserved estimate and `used` tokens, and between the reserved and the exact `cost`
    /// (`None`: unknown, the reservation stays).
    pub async fn settle(&self, admission: Admission, used: Option<u64>, cost: Option<i64>) {
        if admission.scopes.is_empty() {
            return;
        }
        let delta = used.map_or(0, |u| u as i64 - admission.reserved as i64);
        let cost_delta = cost.map_or(0, |c| c - admission.cost_reserved);
        let result = match &self.counters {
            Counters::Local(local) => {
                local.settle(&admission, delta, cost_delta);
                Ok(())
            }
            Counters::Redis(redis) => redis.settle(&admission, delta, cost_delta).await,
        };
        if let Err(error) = result {
            self.metrics.store_errors.inc();
            self.log_store_error(&error);
        }
    }

    fn log_store_error(&self, error: &str) {
        if self.log_throttle.ready(10_000) {
            tracing::error!(
                error,
                policy = ?self.on_error,
                "the rate-limit store is unreachable (logged once per 10 s; counted in \
                 aigw_limiter_store_errors_total)"
            );
        }
    }
}

fn now_ms() -> i64 {
    crate::manage::now_ms()
}

/// The snapshot for the first scope, from its counts after the decision.
pub(crate) fn snapshot(
    limits: &KeyLimits,
    requests: u64,
    tokens: u64,
    reset_requests_ms: i64,
    reset_tokens_ms: i64,
) -> Snapshot {
    let ms = |v: i64| Duration::from_millis(v.max(0) as u64);
    Snapshot {
        limit_requests: limits.rpm,
        remaining_requests: limits.rpm.map_or(0, |l| l.saturating_sub(requests)),
        limit_tokens: limits.tpm,
        remaining_tokens: limits.tpm.map_or(0, |l| l.saturating_sub(tokens)),
        reset_requests: ms(reset_requests_ms),
        reset_tokens: ms(reset_tokens_ms),
        budget_spent: None,
    }
}
