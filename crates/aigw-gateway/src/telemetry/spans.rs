//! A finished request's spans, built from its [`Trace`] and [`Outcome`]: the server span
//! (the request as the client saw it) and one client span per upstream attempt, with the
//! OpenTelemetry GenAI semantic conventions' attributes and aigw's own; each loss of the
//! translation an event of the server span.

use super::trace::{Attempt, Ended, Trace};
use crate::pipeline::Outcome;
use aigw_governance::Caller;
use aigw_translate::LossKind;
use opentelemetry::trace::{Event, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use std::borrow::Cow;
use std::time::SystemTime;

/// `gen_ai.operation.name` for an endpoint's metrics label and client API.
fn operation(label: &str, trace: &Trace) -> &'static str {
    match label {
        "embeddings" => "embeddings",
        "count_tokens" | "gemini_count_tokens" => "count_tokens",
        _ if trace.client == crate::protocol::Api::Gemini => "generate_content",
        _ => "chat",
    }
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn strings(list: &[String]) -> Value {
    Value::Array(Array::String(
        list.iter().cloned().map(StringValue::from).collect(),
    ))
}

/// The spans of `outcome`'s request, ending `now`.
pub fn spans(
    trace: &Trace,
    outcome: &Outcome,
    scope: &InstrumentationScope,
    now: SystemTime,
) -> Vec<SpanData> {
    let op = operation(outcome.label, trace);
    let answered = trace.answered();
    let usage = outcome.spent.as_ref().map(|s| &s.usage);
    let facts = &trace.facts;
    // What the answer said: on the server span and on the answering attempt's.
    let mut answer = Vec::new();
    if let Some(model) = &facts.model {
        answer.push(KeyValue::new("gen_ai.response.model", model.clone()));
    }
    if let Some(id) = &facts.id {
        answer.push(KeyValue::new("gen_ai.response.id", id.clone()));
    }
    if !facts.finish_reasons.is_empty() {
        answer.push(KeyValue::new(
            "gen_ai.response.finish_reasons",
            strings(&facts.finish_reasons),
        ));
    }
    if let Some(usage) = usage {
        let counts = [
            ("gen_ai.usage.input_tokens", usage.input),
            ("gen_ai.usage.output_tokens", usage.output),
            ("gen_ai.usage.cache_read.input_tokens", usage.cache_read),
            (
                "gen_ai.usage.cache_creation.input_tokens",
                usage.cache_write,
            ),
        ];
        for (key, count) in counts {
            if let Some(n) = count {
                answer.push(KeyValue::new(key, int(n)));
            }
        }
    }

    let mut attributes = vec![
        KeyValue::new("gen_ai.operation.name", op),
        KeyValue::new("gen_ai.request.model", outcome.model.clone()),
        KeyValue::new(
            "http.response.status_code",
            i64::from(outcome.status.as_u16()),
        ),
        KeyValue::new("aigw.request_id", outcome.request_id.clone()),
        KeyValue::new("aigw.client.api", trace.client.name()),
        KeyValue::new("aigw.losses", outcome.losses.iter().count() as i64),
        KeyValue::new("aigw.fallbacks", i64::from(outcome.fallbacks)),
    ];
    if let Some(attempt) = answered {
        attributes.push(KeyValue::new(
            "gen_ai.provider.name",
            attempt.system.clone(),
        ));
    }
    if let Some(route) = &outcome.route {
        attributes.push(KeyValue::new("aigw.route", route.clone()));
    }
    if let Some(caller) = &outcome.caller
        && let Caller::Key(key) = caller
    {
        attributes.push(KeyValue::new("aigw.key_id", key.id.clone()));
    }
    if let Some((_, after)) = outcome.first_byte {
        // The conventions' `gen_ai.server.time_to_first_token`, in seconds, on the span.
        attributes.push(KeyValue::new(
            "gen_ai.server.time_to_first_token",
            after.as_secs_f64(),
        ));
    }
    attributes.extend(answer.iter().cloned());
    if trace.capture {
        for (key, body) in [
            ("aigw.request.body", &trace.request_body),
            ("aigw.response.body", &trace.response_body),
        ] {
            if let Some(body) = body {
                attributes.push(KeyValue::new(
                    key,
                    String::from_utf8_lossy(body).into_owned(),
                ));
            }
        }
    }
    let events: Vec<Event> = outcome
        .losses
        .iter()
        .map(|loss| {
            let kind = match loss.kind {
                LossKind::Dropped => "dropped",
                LossKind::Approximated => "approximated",
                LossKind::Defaulted => "defaulted",
            };
            Event::new(
                "aigw.loss",
                now,
                vec![
                    KeyValue::new("aigw.loss.pointer", loss.pointer.clone()),
                    KeyValue::new("aigw.loss.kind", kind),
                    KeyValue::new("aigw.loss.reason", loss.reason.clone()),
                ],
                0,
            )
        })
        .collect();
    let mut span_events = SpanEvents::default();
    span_events.events = events;
    let status = if outcome.status.is_server_error() {
        attributes.push(KeyValue::new(
            "error.type",
            outcome.status.as_u16().to_string(),
        ));
        Status::error(outcome.status.to_string())
    } else {
        Status::Unset
    };
    let mut spans = Vec::with_capacity(1 + trace.attempts.len());
    spans.push(SpanData {
        span_context: context(trace, trace.server_span),
        parent_span_id: trace.parent.unwrap_or(SpanId::INVALID),
        parent_span_is_remote: trace.parent.is_some(),
        span_kind: SpanKind::Server,
        name: Cow::Owned(format!("{op} {}", outcome.model)),
        start_time: trace.start,
        end_time: now,
        attributes,
        dropped_attributes_count: 0,
        events: span_events,
        links: SpanLinks::default(),
        status,
        instrumentation_scope: scope.clone(),
    });
    for attempt in &trace.attempts {
        spans.push(client_span(trace, attempt, op, &answer, scope, now));
    }
    spans
}

fn context(trace: &Trace, span: SpanId) -> SpanContext {
    SpanContext::new(
        trace.trace_id,
        span,
        trace.flags,
        false,
        trace.state.clone(),
    )
}

/// An upstream attempt's span.
fn client_span(
    trace: &Trace,
    attempt: &Attempt,
    op: &'static str,
    answer: &[KeyValue],
    scope: &InstrumentationScope,
    now: SystemTime,
) -> SpanData {
    let mut attributes = vec![
        KeyValue::new("gen_ai.operation.name", op),
        KeyValue::new("gen_ai.provider.name", attempt.system.clone()),
        KeyValue::new("gen_ai.request.model", attempt.model.clone()),
        KeyValue::new("aigw.provider", attempt.provider.clone()),
        KeyValue::new("aigw.upstream.api", attempt.upstream.name()),
    ];
    if let Some((host, port)) = &attempt.address {
        attributes.push(KeyValue::new("server.address", host.clone()));
        attributes.push(KeyValue::new("server.port", i64::from(*port)));
    }
    let (end, status) = match &attempt.ended {
        Some(Ended::Answered(code)) => {
            attributes.push(KeyValue::new("http.response.status_code", i64::from(*code)));
            attributes.extend(answer.iter().cloned());
            (now, Status::Unset)
        }
        Some(Ended::Failed { reason, status, at }) => {
            if let Some(code) = status {
                attributes.push(KeyValue::new("http.response.status_code", i64::from(*code)));
            }
            attributes.push(KeyValue::new("error.type", *reason));
            (*at, Status::error(*reason))
        }
        // Passed over, or the request ended while it was out (the client left).
        None => (now, Status::error("cancelled")),
    };
    SpanData {
        span_context: context(trace, attempt.span),
        parent_span_id: trace.server_span,
        parent_span_is_remote: false,
        span_kind: SpanKind::Client,
        name: Cow::Owned(format!("{op} {}", attempt.model)),
        start_time: attempt.start,
        end_time: end,
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status,
        instrumentation_scope: scope.clone(),
    }
}
