//! Rate limits and budgets before anything goes upstream: the caller's key and the route,
//! each with its requests/tokens per minute and requests at once, and the key's spend in its
//! budget period, admitted in one atomic step
//! (`aigw_governance::Limiter`: this process's counters or Redis's). The tokens reserved are
//! an estimate ([`super::estimate`]) settled with the upstream's usage when the request ends
//! ([`super::finish`]). A refusal is 429 in the client's shape with `retry-after`; an
//! unreachable counter store with `on_store_error = "closed"` is 503. Every response of a
//! limited request carries OpenAI's `x-ratelimit-*` headers.

use super::{Inbound, cost, estimate};
use crate::metrics::{BudgetLabels, LimitedLabels};
use crate::protocol::GatewayError;
use crate::route::Target;
use crate::state::State;
use aigw_governance::limits::{BudgetScope, Which};
use aigw_governance::manage::rfc3339;
use aigw_governance::spend::usd;
use aigw_governance::{Admission, Caller, Refusal, Scope, Snapshot};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use std::time::Duration;

/// Admits the request under its key's and its route's limits and the key's budget.
pub async fn admit(
    state: &State,
    caller: &Caller,
    model: &str,
    inbound: &Inbound,
    targets: &[Target],
) -> Result<Admission, GatewayError> {
    let now = state.now_ms();
    let scopes = scopes(state, caller, Some(model));
    if scopes.is_empty() {
        return Ok(Admission::default());
    }
    let (input, output) = estimate::split(
        inbound.api,
        inbound.op,
        &inbound.head,
        inbound.raw.len(),
        state.default_output_tokens,
    );
    let reserve_cost = if scopes.iter().any(|s| s.budget.is_some()) {
        budget_estimate(state, targets, input, output, now)?
    } else {
        0
    };
    admit_scopes(state, caller, &scopes, input + output, reserve_cost).await
}

/// Admits a request that carries no token estimate (the passthrough: files, batches, …)
/// under its key's limits and, when it names a model, its route's: a request counted, no
/// tokens or cost reserved (settled with the usage the answer reports, if any).
pub async fn admit_request(
    state: &State,
    caller: &Caller,
    model: Option<&str>,
) -> Result<Admission, GatewayError> {
    let scopes = scopes(state, caller, model);
    if scopes.is_empty() {
        return Ok(Admission::default());
    }
    admit_scopes(state, caller, &scopes, 0, 0).await
}

/// The key's scope (when it has limits or a budget) and the route's of `model`.
fn scopes(state: &State, caller: &Caller, model: Option<&str>) -> Vec<Scope> {
    let now = state.now_ms();
    let mut scopes: Vec<Scope> = Vec::with_capacity(2);
    if let Some(key) = caller.key() {
        let budget = key.budget.as_ref().map(|b| {
            let (period_start, period_end) = b.period.bounds(now);
            BudgetScope {
                max: b.max,
                period_start,
                period_end,
            }
        });
        if !key.limits.is_unlimited() || budget.is_some() {
            scopes.push(Scope {
                name: format!("key:{}", key.id),
                limits: key.limits.clone(),
                budget,
            });
        }
    }
    if let Some(route) = model.and_then(|m| state.routes.limits(m)) {
        scopes.push(route.clone());
    }
    scopes
}

/// One atomic admission of `scopes` (a budget's counter seeded from the spend log first
/// when the store lost it or it is new).
async fn admit_scopes(
    state: &State,
    caller: &Caller,
    scopes: &[Scope],
    tokens: u64,
    reserve_cost: i64,
) -> Result<Admission, GatewayError> {
    let limiter = &state.governance.limiter;
    let mut seeded = false;
    loop {
        match limiter.admit(scopes, tokens, reserve_cost).await {
            Ok(admission) => {
                soft_threshold(state, caller, &admission);
                return Ok(admission);
            }
            Err(Refusal::Unseeded {
                scope,
                period_start,
            }) if !seeded => {
                seeded = true;
                seed(state, scopes, &scope, period_start).await?;
            }
            Err(refusal) => return Err(refused(state, caller, refusal)),
        }
    }
}

/// The cost reserved against a budget: the estimate at the first target's prices. A key
/// with a budget cannot use a model without a price (its spend could not be counted).
fn budget_estimate(
    state: &State,
    targets: &[Target],
    input: u64,
    output: u64,
    now: i64,
) -> Result<i64, GatewayError> {
    let target = targets
        .first()
        .ok_or_else(|| GatewayError::bad_request("no target"))?;
    let provider = &target.provider;
    cost::estimate(
        state,
        &provider.name,
        &provider.pricing,
        &target.model,
        input,
        output,
        now,
    )
    .map(|c| c.pico())
    .ok_or_else(|| {
        GatewayError::new(
            StatusCode::FORBIDDEN,
            format!(
                "no price is known for {}/{}: a key with a budget can only use priced models \
                 (add the model to a [pricing] file)",
                provider.name, target.model
            ),
        )
        .code("model_not_priced")
    })
}

/// Starts a budget's counter for its period from the spend log (once per replica and
/// period, or again when the counter store lost it).
async fn seed(
    state: &State,
    scopes: &[Scope],
    name: &str,
    period_start: i64,
) -> Result<(), GatewayError> {
    let Some(scope) = scopes.iter().find(|s| s.name == name) else {
        return Ok(());
    };
    let spent = match (&state.governance.store, name.strip_prefix("key:")) {
        (Some(store), Some(key)) => aigw_governance::spend::spent_since(store, key, period_start)
            .await
            .map_err(|e| {
                GatewayError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("cannot read the key's spend so far: {e}"),
                )
            })?,
        _ => 0,
    };
    state
        .governance
        .limiter
        .seed(scope, spent)
        .await
        .map_err(|e| {
            GatewayError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the rate-limit store is unreachable: {e}"),
            )
        })
}

/// Logs and counts a key whose spend passed its soft threshold (once per replica and period
/// in the log; every such request in the metric).
fn soft_threshold(state: &State, caller: &Caller, admission: &Admission) {
    let Some(key) = caller.key() else { return };
    let (Some(budget), Some(spent)) = (
        key.budget.as_ref(),
        admission.snapshot.and_then(|s| s.budget_spent),
    ) else {
        return;
    };
    let Some(soft) = budget.soft.filter(|soft| spent >= *soft) else {
        return;
    };
    state
        .metrics
        .budget_soft
        .get_or_create(&BudgetLabels {
            key: key.id.clone(),
        })
        .inc();
    let period = budget.period.bounds(state.now_ms()).0;
    let first = state
        .seeded
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((format!("soft:{}", key.id), period));
    if first {
        tracing::warn!(
            key = %key.id,
            spent = %usd(spent),
            soft = %usd(soft),
            max = %usd(budget.max),
            period = budget.period.name(),
            "a key's spend passed its soft budget threshold"
        );
    }
}

fn refused(state: &State, caller: &Caller, refusal: Refusal) -> GatewayError {
    match refusal {
        Refusal::Limited {
            which: Which::Budget,
            limit,
            snapshot,
            ..
        } => {
            // Until the period ends by the gateway's clock (a `total` budget never resets).
            let now = state.now_ms();
            let retry_after = caller
                .key()
                .and_then(|k| k.budget.as_ref())
                .and_then(|b| b.period.bounds(now).1)
                .map_or(Duration::ZERO, |end| {
                    Duration::from_millis((end - now).max(1) as u64)
                });
            state
                .metrics
                .rate_limited
                .get_or_create(&LimitedLabels { limit: "budget" })
                .inc();
            let key = caller.key();
            let period = key
                .and_then(|k| k.budget.as_ref())
                .map_or("", |b| b.period.name());
            let resets = if retry_after.is_zero() {
                "it does not reset (total)".to_owned()
            } else {
                format!(
                    "it resets at {}",
                    rfc3339(now + retry_after.as_millis() as i64)
                )
            };
            let mut error = GatewayError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "budget of ${} ({period}) exceeded for gateway key {}: ${} spent; {resets}",
                    usd(limit as i64),
                    key.map_or("-", |k| k.id.as_str()),
                    usd(snapshot.budget_spent.unwrap_or(0)),
                ),
            )
            .code("budget_exceeded")
            .kind("budget_exceeded");
            if !retry_after.is_zero() {
                let seconds = retry_after.as_millis().div_ceil(1000).max(1);
                error.headers_mut().insert(
                    HeaderName::from_static("retry-after"),
                    HeaderValue::from(seconds as u64),
                );
            }
            error
        }
        Refusal::Limited {
            scope,
            which,
            limit,
            retry_after,
            snapshot,
        } => {
            let label = match which {
                Which::Requests => "requests",
                Which::Tokens => "tokens",
                Which::Concurrency => "concurrency",
                Which::Budget => "budget",
            };
            state
                .metrics
                .rate_limited
                .get_or_create(&LimitedLabels { limit: label })
                .inc();
            let whose = match scope.split_once(':') {
                Some(("key", id)) => format!("gateway key {id}"),
                Some(("route", name)) => format!("route {name}"),
                _ => scope.clone(),
            };
            let seconds = retry_after.as_millis().div_ceil(1000).max(1);
            let mut error = GatewayError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "rate limit of {limit} {} reached for {whose}; retry in {seconds} s",
                    which.name()
                ),
            )
            .code("rate_limit_exceeded");
            headers(&snapshot, error.headers_mut());
            error.headers_mut().insert(
                HeaderName::from_static("retry-after"),
                HeaderValue::from(seconds as u64),
            );
            error.headers_mut().insert(
                HeaderName::from_static("retry-after-ms"),
                HeaderValue::from(retry_after.as_millis() as u64),
            );
            error
        }
        Refusal::Unseeded { scope, .. } => GatewayError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the budget counter of {scope} could not be started"),
        ),
        Refusal::Unavailable(why) => {
            state
                .metrics
                .rate_limited
                .get_or_create(&LimitedLabels {
                    limit: "unavailable",
                })
                .inc();
            GatewayError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("{why} (limits.on_store_error = \"closed\")"),
            )
        }
    }
}

/// A duration as OpenAI writes its resets: `250ms`, `1.5s`, `59s`.
fn reset_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.3}", d.as_secs_f64())
            .trim_end_matches('0')
            .to_owned()
            + "s"
    }
}

/// The gateway's `x-ratelimit-*` headers in place of any the upstream sent (the client's
/// limits are the gateway's, not the provider account's).
pub fn headers(snapshot: &Snapshot, to: &mut HeaderMap) {
    let upstream: Vec<HeaderName> = to
        .keys()
        .filter(|n| n.as_str().starts_with("x-ratelimit-"))
        .cloned()
        .collect();
    for name in upstream {
        to.remove(name);
    }
    let mut set = |name: &'static str, value: HeaderValue| {
        to.insert(HeaderName::from_static(name), value);
    };
    if let Some(limit) = snapshot.limit_requests {
        set("x-ratelimit-limit-requests", HeaderValue::from(limit));
        set(
            "x-ratelimit-remaining-requests",
            HeaderValue::from(snapshot.remaining_requests),
        );
        set(
            "x-ratelimit-reset-requests",
            super::answer::header_text(&reset_text(snapshot.reset_requests)),
        );
    }
    if let Some(limit) = snapshot.limit_tokens {
        set("x-ratelimit-limit-tokens", HeaderValue::from(limit));
        set(
            "x-ratelimit-remaining-tokens",
            HeaderValue::from(snapshot.remaining_tokens),
        );
        set(
            "x-ratelimit-reset-tokens",
            super::answer::header_text(&reset_text(snapshot.reset_tokens)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resets_read_like_openai_s() {
        assert_eq!(reset_text(Duration::from_millis(250)), "250ms");
        assert_eq!(reset_text(Duration::from_millis(59_000)), "59s");
        assert_eq!(reset_text(Duration::from_millis(1_500)), "1.5s");
    }

    #[test]
    fn the_gateway_s_limits_replace_the_upstream_s() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit-requests", HeaderValue::from(10_000));
        h.insert("x-ratelimit-remaining-tokens", HeaderValue::from(5));
        h.insert("x-request-id", HeaderValue::from_static("r"));
        let snapshot = Snapshot {
            limit_requests: Some(100),
            remaining_requests: 99,
            reset_requests: Duration::from_secs(60),
            ..Snapshot::default()
        };
        headers(&snapshot, &mut h);
        assert_eq!(h["x-ratelimit-limit-requests"], "100");
        assert_eq!(h["x-ratelimit-remaining-requests"], "99");
        assert_eq!(h["x-ratelimit-reset-requests"], "60s");
        assert!(!h.contains_key("x-ratelimit-remaining-tokens"));
        assert_eq!(h["x-request-id"], "r");
    }
}
