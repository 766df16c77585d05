//! A target's successful answer as the client's response: a plain body passed through or
//! translated whole, or a stream (`ClientStream`) with its headers.

use super::Op;
use super::attempt::{Attempt, Received, Reply};
use super::finish::{Outcome, Spent};
use crate::convert;
use crate::extra;
use crate::peek::Found;
use crate::protocol::{Api, GatewayError, Wire};
use crate::stream::{ClientStream, Framing, StreamContext, Upstream};
use crate::usage::Usage;
use aigw_translate::LossReport;
use axum::http::response::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

/// The response header summarising what translation or provider quirks lost.
pub const ADJUSTMENTS: &str = "x-aigw-adjustments";
/// The response header naming the target that answered (`provider/model`).
pub const ROUTE: &str = "x-aigw-route";
/// The prefix of a loss in the response (the others are in the request).
pub const RESPONSE: &str = "(response)";

/// The client's response.
pub enum Answer {
    /// Whole: the request is over once it is built.
    Plain(Response),
    /// The head of a streamed response and its body, which ends the request when it ends
    /// (boxed while it travels back: it is large).
    Stream(Parts, Box<ClientStream>),
}

/// The client's response to a target's successful `reply`; a plain answer's usage and first
/// byte go into `outcome`.
pub fn answer(attempt: &Attempt<'_>, reply: Reply, outcome: &mut Outcome) -> Answer {
    match reply.body {
        Received::Whole(body) => Answer::Plain(plain(attempt, &reply.headers, body, outcome)),
        Received::Stream { first, rest, raw } => {
            outcome.losses = attempt.prepared.losses.clone();
            stream(attempt, &reply.headers, first, rest, raw)
        }
    }
}

/// A plain answer: the body as it came, or translated (a translation failure is a 502).
fn plain(
    attempt: &Attempt<'_>,
    upstream_headers: &HeaderMap,
    body: Bytes,
    outcome: &mut Outcome,
) -> Response {
    let Attempt {
        state,
        inbound,
        target,
        upstream,
        prepared,
        ..
    } = attempt;
    if let Some(trace) = outcome.trace.as_mut()
        && let Ok(value) = serde_json::from_slice::<Value>(&body)
    {
        trace.facts.body(*upstream, &value);
    }
    // A body that is not JSON reports nothing, not even "unknown" usage.
    if let Some(found) = Found::read(*upstream, &body) {
        outcome.spent = Some(Spent {
            provider: target.provider.name.clone(),
            pricing: target.provider.pricing.clone(),
            model: target.model.clone(),
            usage: Usage::from_found(*upstream, found),
        });
    }
    let cost = outcome
        .spent
        .as_ref()
        .and_then(|spent| super::cost::of(state, spent, outcome.started_ms));
    let (body, losses) = match translated(attempt, &body) {
        None => (body, prepared.losses.clone()),
        Some(Ok((body, response_losses))) => {
            state.metrics.losses(inbound.api.name(), &response_losses);
            let mut losses = prepared.losses.clone();
            losses.extend_prefixed(RESPONSE, response_losses);
            (body, losses)
        }
        Some(Err(message)) => {
            return GatewayError::new(StatusCode::BAD_GATEWAY, message)
                .into_response(inbound.api.wire());
        }
    };
    // Only with `capture_content`: the body as the client gets it.
    let response_body = outcome
        .trace
        .as_ref()
        .filter(|t| t.capture)
        .map(|_| body.clone());
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        HeaderName::from_static(ADJUSTMENTS),
        adjustments_header(&losses),
    );
    h.insert(HeaderName::from_static(ROUTE), route(attempt));
    h.insert(
        HeaderName::from_static(super::COST),
        match cost {
            Some(cost) => header_text(&cost.to_usd_string()),
            None => HeaderValue::from_static("unknown"),
        },
    );
    forwarded(inbound.api.wire(), upstream_headers, h);
    if let Some(trace) = outcome.trace.as_mut() {
        trace.response_body = response_body;
    }
    outcome.first_byte(inbound.api.name());
    outcome.losses = losses;
    response
}

/// A plain body in the client's protocol, with what the translation lost; `None`: passed
/// through as it came.
fn translated(attempt: &Attempt<'_>, body: &[u8]) -> Option<Result<(Bytes, LossReport), String>> {
    let Attempt {
        inbound,
        target,
        upstream,
        prepared,
        opts,
        ..
    } = attempt;
    if prepared.passthrough {
        return None;
    }
    Some(match inbound.op {
        Op::Generate => convert::response(*upstream, inbound.api, body, &target.model, opts),
        Op::Embeddings => {
            extra::embeddings_response(body, &target.model).map(|b| (b, LossReport::default()))
        }
        Op::CountTokens => extra::count_response(inbound.api == Api::Messages, body)
            .map(|b| (b, LossReport::default())),
    })
}

/// A streamed answer: passthrough, or translated by a `convert::Pipe` (none for the pair: a
/// 502).
fn stream(
    attempt: &Attempt<'_>,
    upstream_headers: &HeaderMap,
    first: Bytes,
    rest: Upstream,
    raw: bool,
) -> Answer {
    let Attempt {
        state,
        inbound,
        target,
        upstream,
        prepared,
        opts,
        ..
    } = attempt;
    let upstream = *upstream;
    let include_usage = inbound.head.include_usage.unwrap_or(false);
    let pipe = if inbound.api == upstream {
        None
    } else {
        convert::stream_pipe(upstream, inbound.api, &target.model, include_usage, opts)
    };
    if inbound.api != upstream && pipe.is_none() {
        return Answer::Plain(
            GatewayError::new(
                StatusCode::BAD_GATEWAY,
                format!(
                    "no stream translation from {} to {}",
                    upstream.name(),
                    inbound.api.name()
                ),
            )
            .into_response(inbound.api.wire()),
        );
    }
    // Passthrough keeps the upstream's framing; a translated Gemini stream is SSE unless the
    // client asked for the JSON-array form.
    let (framing, raw) = if pipe.is_none() {
        (Framing::Sse, raw)
    } else {
        (inbound.framing, false)
    };
    let content_type = if (pipe.is_none() && raw) || framing == Framing::JsonArray {
        "application/json"
    } else {
        "text/event-stream"
    };
    let ctx = StreamContext {
        state: (*state).clone(),
        client: inbound.api,
        upstream,
        provider: target.provider.name.clone(),
        pricing: target.provider.pricing.clone(),
        model: target.model.clone(),
        framing,
        pipe,
        want_cost: inbound
            .headers
            .get(super::COST)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
    };
    let body = ClientStream::new(ctx, rest, first, raw);
    let (mut head, ()) = Response::new(()).into_parts();
    let h = &mut head.headers;
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        HeaderName::from_static(ADJUSTMENTS),
        adjustments_header(&prepared.losses),
    );
    h.insert(HeaderName::from_static(ROUTE), route(attempt));
    forwarded(inbound.api.wire(), upstream_headers, h);
    Answer::Stream(head, Box::new(body))
}

/// The `x-aigw-route` value: the target that answered.
fn route(attempt: &Attempt<'_>) -> HeaderValue {
    let target = attempt.target;
    header_text(&format!("{}/{}", target.provider.name, target.model))
}

/// A header value from arbitrary text: non-visible-ASCII becomes `?`, at most 4 KB.
pub fn header_text(text: &str) -> HeaderValue {
    let mut clean: String = text
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    if clean.len() > 4096 {
        clean.truncate(4093);
        clean.push_str("...");
    }
    HeaderValue::from_str(&clean).unwrap_or(HeaderValue::from_static("?"))
}

fn adjustments_header(losses: &LossReport) -> HeaderValue {
    if losses.is_empty() {
        HeaderValue::from_static("none")
    } else {
        header_text(&losses.summary())
    }
}

/// Upstream headers a client may want: rate-limit hints, `retry-after`, and the request id
/// under the name the client's protocol uses (OpenAI `x-request-id`, Anthropic `request-id`).
pub fn forwarded(client: Wire, upstream: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in upstream {
        let n = name.as_str();
        if n == "retry-after"
            || n.starts_with("x-ratelimit-")
            || n.starts_with("anthropic-ratelimit-")
        {
            to.append(name.clone(), value.clone());
        }
    }
    let id = ["x-request-id", "request-id", "x-goog-request-id"]
        .iter()
        .find_map(|name| upstream.get(*name));
    if let Some(id) = id {
        let name = match client {
            Wire::Openai => "x-request-id",
            Wire::Anthropic => "request-id",
            Wire::Gemini => "x-goog-request-id",
        };
        to.insert(HeaderName::from_static(name), id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_is_always_a_valid_header_value() {
        assert_eq!(header_text("1 dropped (/seed)"), "1 dropped (/seed)");
        assert_eq!(header_text("dropped (/caf\u{e9}\n)"), "dropped (/caf??)");
        let long = header_text(&"x".repeat(10_000));
        assert_eq!(long.len(), 4096);
        assert!(long.to_str().unwrap_or_default().ends_with("..."));
    }
}
