//! The targets in order: prepare the request for each, let its member's health admit it,
//! try it, record the outcome to the member, and fall back on connect errors, timeouts, 429,
//! 401/403 and 5xx (only before anything went to the client); when none answers, the last
//! failure in the client's shape.

use super::answer::{self, Answer, forwarded};
use super::attempt::{Attempt, Failure};
use super::finish::Outcome;
use super::{Inbound, Op};
use crate::balance::{self, Verdict};
use crate::convert::{self, ConvertError, Prepared};
use crate::extra;
use crate::metrics::FallbackLabels;
use crate::protocol::{Api, GatewayError, Wire};
use crate::route::Target;
use crate::state::State;
use crate::telemetry::Ended;
use aigw_translate::Options;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Runs `inbound` through `targets`: the first answer, or why none came.
pub async fn forward(
    state: &Arc<State>,
    inbound: &Inbound,
    targets: Vec<Target>,
    outcome: &mut Outcome,
) -> Answer {
    let opts = options(inbound.strict);
    let mut failures: Vec<(String, Failure)> = Vec::new();
    let mut targets = targets.into_iter().peekable();
    while let Some(target) = targets.next() {
        let provider = &target.provider;
        let upstream = provider.api_for(inbound.api);
        let prepared = match prepare(inbound, &target, upstream, &opts) {
            Ok(p) => p,
            Err(ConvertError::Invalid(message)) => {
                return Answer::Plain(
                    GatewayError::bad_request(message).into_response(inbound.api.wire()),
                );
            }
            Err(e) => {
                failures.push((provider.name.clone(), Failure::Skipped(e)));
                continue;
            }
        };
        // A member that went out since the plan was made (or whose probe another request
        // took) is passed over.
        let Some(admitted) = balance::admit(&target, &state.metrics) else {
            continue;
        };
        let trace_headers = outcome
            .trace
            .as_mut()
            .map(|trace| trace.attempt(&target, upstream));
        let attempt = Attempt {
            state,
            inbound,
            target: &target,
            upstream,
            prepared,
            opts: &opts,
            trace_headers,
        };
        let started = Instant::now();
        let sent = attempt.send().await;
        if let Some(trace) = outcome.trace.as_mut() {
            trace.attempt_ended(match &sent {
                Ok(reply) => Ended::Answered(reply.status.as_u16()),
                Err(failure) => Ended::Failed {
                    reason: failure.reason(),
                    status: failure.status().map(|s| s.as_u16()),
                    at: SystemTime::now(),
                },
            });
        }
        match sent {
            Ok(reply) => {
                admitted.finish(Verdict::Answered(started.elapsed()));
                outcome.fallbacks = failures.len() as u32;
                let answer = answer::answer(&attempt, reply, outcome);
                state
                    .metrics
                    .losses(inbound.api.name(), &attempt.prepared.losses);
                return answer;
            }
            Err(failure) => {
                admitted.finish(failure.verdict(started.elapsed()));
                let fall_back = failure.falls_back();
                tracing::warn!(
                    provider = %provider.name,
                    model = %target.model,
                    key_env = %provider.keys[target.key].env,
                    reason = failure.reason(),
                    fall_back,
                    "target failed"
                );
                // Counted only when there is a next target to try.
                if fall_back && targets.peek().is_some() {
                    state
                        .metrics
                        .fallbacks
                        .get_or_create(&FallbackLabels {
                            provider: provider.name.clone(),
                            reason: failure.reason(),
                        })
                        .inc();
                }
                failures.push((provider.name.clone(), failure));
                if !fall_back {
                    break;
                }
            }
        }
    }
    outcome.fallbacks = failures.len() as u32;
    if failures.is_empty() {
        // Every target was passed over: each went out of rotation after the plan was made.
        return Answer::Plain(
            GatewayError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "every upstream for this model is out of rotation (circuit breaker open or key \
                 cooling down); try again shortly",
            )
            .code("upstreams_unavailable")
            .into_response(inbound.api.wire()),
        );
    }
    Answer::Plain(no_target_answered(inbound.api.wire(), failures))
}

/// The translation options for one request.
fn options(strict: bool) -> Options {
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Options {
        strict,
        created,
        ..Options::default()
    }
}

/// The request for `target` (which is called with `upstream`) made from the client's.
fn prepare(
    inbound: &Inbound,
    target: &Target,
    upstream: Api,
    opts: &Options,
) -> Result<Prepared, ConvertError> {
    let provider = &target.provider;
    let tree = || inbound.value();
    let request = convert::ClientBody {
        raw: &inbound.raw,
        head: &inbound.head,
        tree: &tree,
    };
    match inbound.op {
        Op::Generate => convert::prepare_request(
            inbound.api,
            upstream,
            provider,
            &target.model,
            &request,
            inbound.stream,
            opts,
        ),
        Op::Embeddings => extra::prepare_embeddings(provider, &target.model, &request),
        Op::CountTokens => extra::prepare_count(
            inbound.api == Api::Messages,
            provider,
            &target.model,
            &request,
            opts,
        ),
    }
}

/// The answer when no target answered: the last upstream error in the client's shape, or
/// the gateway's own (strict refusal 400, unreachable 502, timeout 504).
fn no_target_answered(client: Wire, failures: Vec<(String, Failure)>) -> Response {
    let summary: Vec<String> = failures
        .iter()
        .map(|(provider, failure)| match failure {
            Failure::Connect(e) => format!("{provider}: cannot connect ({e})"),
            Failure::Timeout => format!("{provider}: timed out"),
            Failure::Status(status, ..) => format!("{provider}: {status}"),
            Failure::Body(e) => format!("{provider}: {e}"),
            Failure::Skipped(e) => format!("{provider}: {e}"),
        })
        .collect();
    let Some((provider, last)) = failures.into_iter().last() else {
        return GatewayError::new(StatusCode::BAD_GATEWAY, "no target").into_response(client);
    };
    match last {
        Failure::Status(status, headers, body) => {
            let wire = upstream_wire(&body);
            let (status, body) = convert::error(wire, client, status, &body, &provider);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            forwarded(client, &headers, response.headers_mut());
            response
        }
        Failure::Skipped(ConvertError::Strict { .. }) => {
            GatewayError::bad_request(summary.join("; ")).into_response(client)
        }
        Failure::Skipped(_) => GatewayError::bad_request(summary.join("; ")).into_response(client),
        Failure::Timeout => GatewayError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!("no upstream answered in time: {}", summary.join("; ")),
        )
        .into_response(client),
        Failure::Connect(_) | Failure::Body(_) => GatewayError::new(
            StatusCode::BAD_GATEWAY,
            format!("no upstream could answer: {}", summary.join("; ")),
        )
        .into_response(client),
    }
}

/// Which protocol an upstream error body is in (told apart by shape, so that an OpenAI-style
/// error from any provider is read right).
fn upstream_wire(body: &[u8]) -> Wire {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) if v.get("type").and_then(Value::as_str) == Some("error") => Wire::Anthropic,
        Ok(v) if v.pointer("/error/status").is_some() || v.is_array() => Wire::Gemini,
        _ => Wire::Openai,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_error_bodies_are_told_apart_by_shape() {
        assert_eq!(
            upstream_wire(br#"{"type":"error","error":{"type":"x","message":"m"}}"#),
            Wire::Anthropic
        );
        assert_eq!(
            upstream_wire(br#"{"error":{"code":429,"message":"m","status":"RESOURCE_EXHAUSTED"}}"#),
            Wire::Gemini
        );
        assert_eq!(
            upstream_wire(br#"[{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT"}}]"#),
            Wire::Gemini
        );
        assert_eq!(
            upstream_wire(br#"{"error":{"message":"m","type":"invalid_request_error"}}"#),
            Wire::Openai
        );
        assert_eq!(upstream_wire(b"<html>bad gateway</html>"), Wire::Openai);
    }
}
