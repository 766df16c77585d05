//! The upstream's answer passed back: its status, its headers (hop-by-hop ones aside; a
//! Gemini resumable upload's `x-goog-upload-url` pointed at the gateway) and its body
//! streamed as it comes, with the idle timeout between chunks. An error answer is read
//! whole (it is small) so that a key it echoes can be cut out. Where a plain JSON answer
//! carries usage, it is read as the bytes pass (up to [`USAGE_CAP`]) and recorded when the
//! body ends; the request's [`Outcome`] is finished then — or when the client leaves.

use super::choose::Chosen;
use super::send::DROPPED_BACK;
use crate::peek::Found;
use crate::pipeline::{Outcome, Spent, finish};
use crate::protocol::{Api, Wire};
use crate::state::{Slot, State};
use crate::usage::Usage;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// The largest JSON answer read for its usage (a larger one passes unread).
pub const USAGE_CAP: usize = 4 << 20;

/// Gemini's resumable-upload header: the URL the client sends the file's bytes to.
const UPLOAD_URL: &str = "x-goog-upload-url";

/// What the reply needs to know about the request.
pub struct Context {
    pub caller: aigw_governance::Caller,
    pub wire: Wire,
    pub chosen: Chosen,
    /// The operation may stream: its time to the first byte is recorded.
    pub streams: bool,
    /// `scheme://host` as the client reached the gateway (for upload URLs).
    pub public_origin: Option<String>,
}

/// The client's response; `outcome` is finished when its body ends.
pub async fn reply(
    state: Arc<State>,
    ctx: Context,
    upstream: reqwest::Response,
    mut outcome: Outcome,
    slot: Slot,
    extra: HeaderMap,
) -> Response {
    let status = upstream.status();
    let mut headers = HeaderMap::with_capacity(upstream.headers().len() + extra.len());
    for (name, value) in upstream.headers() {
        if !DROPPED_BACK.contains(&name.as_str()) {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Some(url) = rewrite_upload_url(&ctx, &mut headers) {
        state.passthrough.uploads.grant(
            &url,
            ctx.caller.clone(),
            ctx.chosen.provider.name.clone(),
            ctx.chosen.key,
        );
    }
    headers.extend(extra);
    if !status.is_success() {
        // Read whole (within the idle timeout) to cut out any key it quotes.
        let body = tokio::time::timeout(state.limits.idle_timeout, upstream.bytes())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let body = ctx.chosen.provider.redact(&String::from_utf8_lossy(&body));
        headers.remove(header::CONTENT_LENGTH);
        outcome.answered(status, &headers);
        finish(&state, outcome);
        drop(slot);
        return build(status, headers, Body::from(body));
    }
    let tap = usage_tap(&ctx, &headers);
    if ctx.wire == Wire::Anthropic && tap.is_some() {
        // A message batch's `results_url` is absolute, on the provider's host: read the
        // (small) JSON whole and point it at the gateway, which serves the results with the
        // client's key.
        drop(slot);
        return whole_with_urls(state, ctx, upstream, outcome, headers, tap).await;
    }
    outcome.answered(status, &headers);
    let tail = Tail {
        first_byte: ctx.streams,
        state: state.clone(),
        outcome: Some(outcome),
        _slot: Some(slot),
        tap,
        chosen: ctx.chosen,
    };
    let idle = state.limits.idle_timeout;
    let body = stream(upstream, tail, idle);
    build(status, headers, body)
}

fn build(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// A JSON answer read whole, the provider's origin in it replaced by the gateway's.
async fn whole_with_urls(
    state: Arc<State>,
    ctx: Context,
    upstream: reqwest::Response,
    mut outcome: Outcome,
    mut headers: HeaderMap,
    mut tap: Option<Tap>,
) -> Response {
    let status = upstream.status();
    let read = tokio::time::timeout(state.limits.request_timeout, upstream.bytes()).await;
    let Ok(Ok(body)) = read else {
        let error = crate::protocol::GatewayError::new(
            StatusCode::BAD_GATEWAY,
            format!("{}'s answer could not be read", ctx.chosen.provider.name),
        );
        let response = error.into_response(ctx.wire);
        outcome.answered(response.status(), response.headers());
        finish(&state, outcome);
        return response;
    };
    let body = match (&ctx.public_origin, std::str::from_utf8(&body)) {
        (Some(public), Ok(text)) if text.contains(origin(&ctx.chosen.provider.base_url)) => {
            Bytes::from(text.replace(origin(&ctx.chosen.provider.base_url), public))
        }
        _ => body,
    };
    if let Some(tap) = tap.as_mut() {
        tap.observe(&body);
    }
    headers.remove(header::CONTENT_LENGTH);
    outcome.answered(status, &headers);
    drop(Tail {
        first_byte: false,
        state,
        outcome: Some(outcome),
        _slot: None,
        tap,
        chosen: ctx.chosen,
    });
    build(status, headers, Body::from(body))
}

/// `scheme://host[:port]` of a base URL.
fn origin(base: &str) -> &str {
    base.find("://")
        .and_then(|i| base[i + 3..].find('/').map(|j| &base[..i + 3 + j]))
        .unwrap_or(base)
}

/// Points a Gemini upload URL on the provider's host at the gateway: the new URL.
fn rewrite_upload_url(ctx: &Context, headers: &mut HeaderMap) -> Option<String> {
    let (Wire::Gemini, Some(public)) = (ctx.wire, &ctx.public_origin) else {
        return None;
    };
    let url = headers.get(UPLOAD_URL)?.to_str().ok()?;
    let rest = url.strip_prefix(origin(&ctx.chosen.provider.base_url))?;
    let new = format!("{public}{rest}");
    headers.insert(UPLOAD_URL, HeaderValue::from_str(&new).ok()?);
    Some(new)
}

/// Usage is read from a plain JSON answer of bounded size.
fn usage_tap(ctx: &Context, headers: &HeaderMap) -> Option<Tap> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // By what came, not by the operation: `images/generations` may stream, or not.
    if !json || length.is_some_and(|n| n > USAGE_CAP) {
        return None;
    }
    Some(Tap {
        wire: ctx.wire,
        buf: Vec::with_capacity(length.unwrap_or(1024)),
        overflow: false,
    })
}

/// A JSON answer's bytes, kept to read its usage at the end.
struct Tap {
    wire: Wire,
    buf: Vec<u8>,
    overflow: bool,
}

impl Tap {
    fn observe(&mut self, chunk: &Bytes) {
        if self.overflow {
            return;
        }
        if self.buf.len() + chunk.len() > USAGE_CAP {
            self.overflow = true;
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(chunk);
        }
    }

    /// The usage the whole answer reports, if any, and the model it names.
    fn read(&self) -> Option<(Usage, Option<String>)> {
        if self.overflow {
            return None;
        }
        let (api, found) = match self.wire {
            // Images and audio count `input_tokens`/`output_tokens` (as Responses does);
            // the rest `prompt_tokens`/`completion_tokens` (as Chat). Both at the top level.
            Wire::Openai => {
                let found = Found::read(Api::Chat, &self.buf)?;
                let counts_input = found
                    .usage
                    .as_ref()
                    .is_some_and(|u| u.contains_key("input_tokens"));
                (
                    if counts_input {
                        Api::Responses
                    } else {
                        Api::Chat
                    },
                    found,
                )
            }
            Wire::Anthropic => (Api::Messages, Found::read(Api::Messages, &self.buf)?),
            Wire::Gemini => (Api::Gemini, Found::read(Api::Gemini, &self.buf)?),
        };
        let model = found.model.clone();
        let usage = Usage::from_found(api, found);
        (usage.raw.is_some() || usage.input.is_some()).then_some((usage, model))
    }
}

/// The end of the request, whenever the body ends or is dropped.
struct Tail {
    /// Record the time to the first chunk.
    first_byte: bool,
    state: Arc<State>,
    outcome: Option<Outcome>,
    _slot: Option<Slot>,
    tap: Option<Tap>,
    chosen: Chosen,
}

impl Drop for Tail {
    fn drop(&mut self) {
        let Some(mut outcome) = self.outcome.take() else {
            return;
        };
        if let Some((usage, named)) = self.tap.as_ref().and_then(Tap::read) {
            let provider = &self.chosen.provider;
            outcome.spent = Some(Spent {
                provider: provider.name.clone(),
                pricing: provider.pricing.clone(),
                // Priced by the answer's model when the request named none.
                model: self
                    .chosen
                    .model
                    .clone()
                    .or(named)
                    .unwrap_or_else(|| "-".to_owned()),
                usage,
            });
        }
        finish(&self.state, outcome);
    }
}

/// The upstream body as the client's, chunk by chunk, each within `idle`.
fn stream(upstream: reqwest::Response, tail: Tail, idle: Duration) -> Body {
    let chunks = upstream.bytes_stream();
    let s = futures_util::stream::unfold(Some((chunks, tail)), move |state| async move {
        let (mut chunks, mut tail) = state?;
        match tokio::time::timeout(idle, chunks.next()).await {
            Ok(Some(Ok(chunk))) => {
                if std::mem::take(&mut tail.first_byte)
                    && let Some(outcome) = tail.outcome.as_mut()
                {
                    outcome.first_byte("passthrough");
                }
                if let Some(tap) = tail.tap.as_mut() {
                    tap.observe(&chunk);
                }
                Some((Ok(chunk), Some((chunks, tail))))
            }
            Ok(None) => None,
            Ok(Some(Err(e))) => {
                let message = tail.chosen.provider.redact(&e.to_string());
                tail.tap = None;
                Some((Err(std::io::Error::other(message)), None))
            }
            Err(_) => {
                tail.tap = None;
                Some((Err(std::io::Error::other("the upstream went silent")), None))
            }
        }
    });
    Body::from_stream(s)
}
