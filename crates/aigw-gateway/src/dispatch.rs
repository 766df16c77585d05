//! One generation request through its targets: prepare the upstream body, send, fall back on
//! connect errors, timeouts, 429 and 5xx (only before anything went to the client), and answer
//! in the client's protocol — passthrough or translated, plain or streamed.

use crate::convert::{self, ConvertError, Prepared};
use crate::extra;
use crate::metrics::{FallbackLabels, ProviderLabels};
use crate::protocol::{Api, GatewayError, Wire};
use crate::route::Target;
use crate::state::{Slot, State};
use crate::stream::{ClientStream, Framing, StreamContext};
use crate::upstream::Call;
use crate::usage::Usage;
use aigw_translate::{LossReport, Options};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The response header summarising what translation or provider quirks lost.
pub const ADJUSTMENTS: &str = "x-aigw-adjustments";
/// The response header naming the target that answered (`provider/model`).
pub const ROUTE: &str = "x-aigw-route";
/// The prefix of a loss in the response (the others are in the request).
pub const RESPONSE: &str = "(response)";
/// The request header that turns any loss into a 400.
pub const STRICT: &str = "x-aigw-strict";

/// What a client asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Generate,
    Embeddings,
    CountTokens,
}

/// A client request, read and checked.
pub struct Inbound {
    /// The client's protocol (embeddings: Chat; token counting: Messages or Gemini).
    pub api: Api,
    pub op: Op,
    pub headers: HeaderMap,
    pub raw: Bytes,
    pub value: Value,
    pub stream: bool,
    pub framing: Framing,
    pub strict: bool,
    pub started: Instant,
    /// Held until the response (a stream: its last byte) is done.
    pub permit: Option<Slot>,
}

/// Why one target did not answer.
#[derive(Debug)]
enum Failure {
    Connect(String),
    Timeout,
    /// An HTTP error status, with the body.
    Status(StatusCode, HeaderMap, Bytes),
    /// The body (or a stream's first chunk) failed.
    Body(String),
    /// Not sent: this target cannot take the request (strict losses, no such API).
    Skipped(ConvertError),
}

impl Failure {
    /// Whether the next target may be tried.
    fn falls_back(&self) -> bool {
        match self {
            Failure::Status(status, ..) => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            _ => true,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Failure::Connect(_) => "connect",
            Failure::Timeout => "timeout",
            Failure::Status(s, ..) if *s == StatusCode::TOO_MANY_REQUESTS => "status_429",
            Failure::Status(..) => "status_5xx",
            Failure::Body(_) => "body",
            Failure::Skipped(_) => "skipped",
        }
    }
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
fn forwarded(client: Wire, upstream: &HeaderMap, to: &mut HeaderMap) {
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

/// Runs `inbound` through `targets`.
pub async fn generate(state: Arc<State>, mut inbound: Inbound, targets: Vec<Target>) -> Response {
    let mut permit = inbound.permit.take();
    let opts = options(inbound.strict);
    let mut failures: Vec<(String, Failure)> = Vec::new();
    let mut targets = targets.into_iter().peekable();
    while let Some(target) = targets.next() {
        let provider = &target.provider;
        let upstream = provider.api_for(inbound.api);
        let prepared = match inbound.op {
            Op::Generate => convert::prepare_request(
                inbound.api,
                upstream,
                provider,
                &target.model,
                &inbound.raw,
                &inbound.value,
                inbound.stream,
                &opts,
            ),
            Op::Embeddings => {
                extra::prepare_embeddings(provider, &target.model, &inbound.raw, &inbound.value)
            }
            Op::CountTokens => extra::prepare_count(
                inbound.api == Api::Messages,
                provider,
                &target.model,
                &inbound.raw,
                &inbound.value,
                &opts,
            ),
        };
        let prepared = match prepared {
            Ok(p) => p,
            Err(ConvertError::Invalid(message)) => {
                return GatewayError::bad_request(message).into_response(inbound.api.wire());
            }
            Err(e) => {
                failures.push((provider.name.clone(), Failure::Skipped(e)));
                continue;
            }
        };
        let call = match inbound.op {
            Op::Generate => Call::Generate {
                api: upstream,
                stream: inbound.stream,
            },
            Op::Embeddings => Call::Embeddings,
            Op::CountTokens => Call::CountTokens,
        };
        let sent = attempt(
            &state,
            &inbound,
            &target,
            (upstream, call),
            &prepared,
            &opts,
            &mut permit,
        );
        match sent.await {
            Ok(response) => {
                state.metrics.losses(inbound.api.name(), &prepared.losses);
                return response;
            }
            Err(failure) => {
                let fall_back = failure.falls_back();
                tracing::warn!(
                    provider = %provider.name,
                    model = %target.model,
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
    no_target_answered(inbound.api.wire(), failures)
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

/// Sends to one target; an answer for the client, or why there is none.
async fn attempt(
    state: &Arc<State>,
    inbound: &Inbound,
    target: &Target,
    (upstream, call): (Api, Call),
    prepared: &Prepared,
    opts: &Options,
    permit: &mut Option<Slot>,
) -> Result<Response, Failure> {
    let provider = &target.provider;
    let mut url = provider.url(call, &target.model);
    if inbound.api == Api::Gemini
        && upstream == Api::Gemini
        && inbound.framing == Framing::JsonArray
    {
        // The client asked for the JSON-array form: so does the passthrough.
        url = url.replace("?alt=sse", "");
    }
    let headers = provider
        .headers(&inbound.headers)
        .map_err(Failure::Connect)?;
    let sent = Instant::now();
    let deadline = tokio::time::Instant::now() + state.limits.request_timeout;
    let request = state
        .http
        .post(&url)
        .headers(headers)
        .body(prepared.body.clone())
        .send();
    let response = match tokio::time::timeout_at(deadline, request).await {
        Err(_) => return Err(Failure::Timeout),
        Ok(Err(e)) if e.is_timeout() => return Err(Failure::Timeout),
        Ok(Err(e)) => return Err(Failure::Connect(provider.redact(&e.to_string()))),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    let upstream_headers = response.headers().clone();
    if !status.is_success() {
        let body = match tokio::time::timeout_at(deadline, response.bytes()).await {
            Ok(Ok(body)) => body,
            _ => Bytes::new(),
        };
        let body = Bytes::from(provider.redact(&String::from_utf8_lossy(&body)));
        return Err(Failure::Status(status, upstream_headers, body));
    }
    let route = header_text(&format!("{}/{}", provider.name, target.model));
    let latency = |state: &State| {
        state
            .metrics
            .upstream_latency
            .get_or_create(&ProviderLabels {
                provider: provider.name.clone(),
            })
            .observe(sent.elapsed().as_secs_f64());
    };
    if !inbound.stream {
        let body = match tokio::time::timeout_at(deadline, response.bytes()).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(Err(e)) => return Err(Failure::Body(e.to_string())),
            Ok(Ok(body)) => body,
        };
        latency(state);
        if let Ok(value) = serde_json::from_slice::<Value>(&body) {
            let usage = Usage::of(upstream, &value);
            state
                .metrics
                .tokens(&provider.name, usage.input, usage.output);
        }
        let converted = match inbound.op {
            _ if prepared.passthrough => None,
            Op::Generate => Some(convert::response(
                upstream,
                inbound.api,
                &body,
                &target.model,
                opts,
            )),
            Op::Embeddings => Some(
                extra::embeddings_response(&body, &target.model)
                    .map(|b| (b, LossReport::default())),
            ),
            Op::CountTokens => Some(
                extra::count_response(inbound.api == Api::Messages, &body)
                    .map(|b| (b, LossReport::default())),
            ),
        };
        let (body, losses) = match converted {
            None => (body, prepared.losses.clone()),
            Some(converted) => match converted {
                Ok((body, response_losses)) => {
                    state.metrics.losses(inbound.api.name(), &response_losses);
                    let mut losses = prepared.losses.clone();
                    losses.extend_prefixed(RESPONSE, response_losses);
                    (body, losses)
                }
                Err(message) => {
                    return Ok(GatewayError::new(StatusCode::BAD_GATEWAY, message)
                        .into_response(inbound.api.wire()));
                }
            },
        };
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
        h.insert(HeaderName::from_static(ROUTE), route);
        forwarded(inbound.api.wire(), &upstream_headers, h);
        state
            .metrics
            .first_byte(inbound.api.name(), inbound.started);
        return Ok(response);
    }

    // A stream: its first chunk decides whether this target answered.
    let raw = upstream == Api::Gemini
        && !upstream_headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
    let redacting = provider.clone();
    let mut body = response
        .bytes_stream()
        .map(move |chunk| chunk.map_err(|e| redacting.redact(&e.to_string())))
        .boxed();
    let first = loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(None) => return Err(Failure::Body("the upstream stream was empty".into())),
            Ok(Some(Err(e))) => return Err(Failure::Body(e)),
            Ok(Some(Ok(chunk))) if chunk.is_empty() => continue,
            Ok(Some(Ok(chunk))) => break chunk,
        }
    };
    latency(state);
    let include_usage = inbound
        .value
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let pipe = if inbound.api == upstream {
        None
    } else {
        convert::stream_pipe(upstream, inbound.api, &target.model, include_usage, opts)
    };
    if inbound.api != upstream && pipe.is_none() {
        return Ok(GatewayError::new(
            StatusCode::BAD_GATEWAY,
            format!(
                "no stream translation from {} to {}",
                upstream.name(),
                inbound.api.name()
            ),
        )
        .into_response(inbound.api.wire()));
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
        state: state.clone(),
        client: inbound.api,
        upstream,
        provider: provider.name.clone(),
        framing,
        pipe,
        started: inbound.started,
        permit: permit.take(),
    };
    let stream = ClientStream::new(ctx, body, first, raw);
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        HeaderName::from_static(ADJUSTMENTS),
        adjustments_header(&prepared.losses),
    );
    h.insert(HeaderName::from_static(ROUTE), route);
    forwarded(inbound.api.wire(), &upstream_headers, h);
    Ok(response)
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

    #[test]
    fn only_connection_failures_timeouts_429_and_5xx_fall_back() {
        let status = |s: u16| {
            Failure::Status(
                StatusCode::from_u16(s).unwrap_or(StatusCode::OK),
                HeaderMap::new(),
                Bytes::new(),
            )
        };
        assert!(status(429).falls_back());
        assert!(status(500).falls_back());
        assert!(status(529).falls_back());
        assert!(!status(400).falls_back());
        assert!(!status(401).falls_back());
        assert!(!status(404).falls_back());
        assert!(Failure::Timeout.falls_back());
        assert!(Failure::Connect("refused".into()).falls_back());
    }
}
