//! Rate limits before anything goes upstream: the caller's key and the route, each with its
//! requests/tokens per minute and requests at once, admitted in one atomic step
//! (`aigw_governance::Limiter`: this process's counters or Redis's). The tokens reserved are
//! an estimate ([`super::estimate`]) settled with the upstream's usage when the request ends
//! ([`super::finish`]). A refusal is 429 in the client's shape with `retry-after`; an
//! unreachable counter store with `on_store_error = "closed"` is 503. Every response of a
//! limited request carries OpenAI's `x-ratelimit-*` headers.

use super::{Inbound, estimate};
use crate::metrics::LimitedLabels;
use crate::protocol::GatewayError;
use crate::state::State;
use aigw_governance::limits::Which;
use aigw_governance::{Admission, Caller, Refusal, Scope, Snapshot};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use std::time::Duration;

/// Admits the request under its key's and its route's limits.
pub async fn admit(
    state: &State,
    caller: &Caller,
    model: &str,
    inbound: &Inbound,
) -> Result<Admission, GatewayError> {
    let mut scopes: Vec<Scope> = Vec::with_capacity(2);
    if let Some(key) = caller.key()
        && !key.limits.is_unlimited()
    {
        scopes.push(Scope {
            name: format!("key:{}", key.id),
            limits: key.limits.clone(),
        });
    }
    if let Some(route) = state.routes.limits(model) {
        scopes.push(route.clone());
    }
    if scopes.is_empty() {
        return Ok(Admission::default());
    }
    let reserve = estimate::tokens(
        inbound.api,
        inbound.op,
        &inbound.value,
        inbound.raw.len(),
        state.default_output_tokens,
    );
    state
        .governance
        .limiter
        .admit(&scopes, reserve)
        .await
        .map_err(|refusal| refused(state, refusal))
}

fn refused(state: &State, refusal: Refusal) -> GatewayError {
    match refusal {
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
