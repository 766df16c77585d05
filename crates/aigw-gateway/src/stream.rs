//! The body of a streamed response: the upstream's SSE bytes forwarded as they came
//! (passthrough) or translated event by event, ending in the client protocol's error event if
//! the upstream fails midway. Dropping the body (the client went away) drops the upstream
//! response, which closes its connection: the upstream request is cancelled with it. However
//! the stream ends — finished, failed or dropped — its request is recorded once, by
//! `pipeline::finish`.

use crate::convert::Pipe;
use crate::pipeline::{Outcome, Spent, finish};
use crate::protocol::{Api, stream_error_event};
use crate::state::{Slot, State};
use crate::usage::{StreamUsage, Usage};
use aigw_sse::{Decoder, Frame, Limits};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use futures_util::stream::BoxStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// How the client wants the events written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// `text/event-stream`.
    Sse,
    /// Gemini's `streamGenerateContent` without `alt=sse`: one JSON array, a chunk per
    /// element.
    JsonArray,
}

/// What the stream needs to know about its request.
pub struct StreamContext {
    pub state: Arc<State>,
    pub client: Api,
    pub upstream: Api,
    pub provider: String,
    /// The name the provider's prices are listed under.
    pub pricing: String,
    /// The model the target was sent.
    pub model: String,
    pub framing: Framing,
    /// `None`: passthrough.
    pub pipe: Option<Box<dyn Pipe>>,
    /// The client asked for the cost in a closing SSE comment (`x-aigw-cost: true`).
    pub want_cost: bool,
}

/// The upstream's body: chunks, or the error that ended it.
pub type Upstream = BoxStream<'static, Result<Bytes, String>>;

/// The client's body.
pub struct ClientStream {
    ctx: StreamContext,
    upstream: Upstream,
    /// The first chunk, read before the response was committed (so a failure there could
    /// still fall back).
    first: Option<Bytes>,
    decoder: Decoder,
    /// Passthrough bytes not yet at an event boundary.
    pending: BytesMut,
    /// Upstream events before JSON-array framing / Responses sequence numbers.
    events_out: u64,
    usage: StreamUsage,
    terminal_seen: bool,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    done: bool,
    /// The request, recorded when the stream ends (taken then: recorded once).
    outcome: Option<Outcome>,
    /// The request's concurrency slot, held until the stream ends.
    slot: Option<Slot>,
    /// Whether the upstream body is not SSE (Gemini's JSON-array form, passthrough only).
    raw: bool,
}

impl ClientStream {
    pub fn new(ctx: StreamContext, upstream: Upstream, first: Bytes, raw: bool) -> Self {
        let idle = ctx.state.limits.idle_timeout;
        let usage = StreamUsage::new(ctx.upstream);
        ClientStream {
            ctx,
            upstream,
            first: Some(first),
            decoder: Decoder::new(Limits::default()),
            pending: BytesMut::new(),
            events_out: 0,
            usage,
            terminal_seen: false,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            done: false,
            outcome: None,
            slot: None,
            raw,
        }
    }

    /// The stream that ends `outcome`'s request, holding its `slot` until then.
    pub fn ends_with(mut self, outcome: Outcome, slot: Slot) -> Self {
        self.outcome = Some(outcome);
        self.slot = Some(slot);
        self
    }

    fn write_event(&mut self, event: &aigw_sse::Event, out: &mut String) {
        match self.ctx.framing {
            Framing::Sse => aigw_sse::encode_event(event, out),
            Framing::JsonArray => {
                out.push_str(if self.events_out == 0 { "[" } else { ",\r\n" });
                out.push_str(&event.data);
            }
        }
        self.events_out += 1;
    }

    /// Handles one upstream chunk; returns the bytes for the client.
    fn chunk(&mut self, chunk: &[u8]) -> Result<Option<Bytes>, String> {
        if self.raw {
            return Ok(Some(Bytes::copy_from_slice(chunk)));
        }
        let mut frames = Vec::new();
        let malformed = |e| format!("the upstream's event stream is malformed: {e}");
        // Passthrough forwards bytes only up to the last point between two events, so that a
        // failure later never leaves the client half an event: feed line by line to find it.
        let mut boundary = None;
        if self.ctx.pipe.is_none() {
            let mut start = 0;
            for end in memchr::memchr2_iter(b'\n', b'\r', chunk).map(|i| i + 1) {
                self.decoder
                    .feed(&chunk[start..end], &mut frames)
                    .map_err(malformed)?;
                start = end;
                if self.decoder.at_boundary() {
                    boundary = Some(end);
                }
            }
            self.decoder
                .feed(&chunk[start..], &mut frames)
                .map_err(malformed)?;
        } else {
            self.decoder.feed(chunk, &mut frames).map_err(malformed)?;
        }
        let mut out = String::new();
        for frame in frames {
            let Frame::Event(event) = frame else { continue };
            self.observe(&event);
            if self.sentinel(&event) {
                // Passthrough forwards its bytes as they came; a translation has nothing
                // to make of it.
                continue;
            }
            if let Some(pipe) = self.ctx.pipe.as_mut() {
                let translated = pipe.push(&event)?;
                for event in &translated {
                    self.write_event(event, &mut out);
                }
            } else {
                self.events_out += 1;
            }
        }
        if self.ctx.pipe.is_some() {
            return Ok((!out.is_empty()).then(|| Bytes::from(out)));
        }
        // Passthrough: the bytes as they came, up to the last boundary.
        let held = self.pending.len();
        self.pending.extend_from_slice(chunk);
        match boundary {
            Some(at) => Ok(Some(self.pending.split_to(held + at).freeze())),
            None => Ok(None),
        }
    }

    /// Usage and the terminal event, from the upstream's event.
    fn observe(&mut self, event: &aigw_sse::Event) {
        let api = self.ctx.upstream;
        if terminal(api, event) {
            self.terminal_seen = true;
        }
        if let Some(trace) = self.outcome.as_mut().and_then(|o| o.trace.as_mut()) {
            trace.facts.event(api, &event.data);
        }
        if Usage::may_carry(api, &event.data) {
            self.usage.observe(event.data.as_bytes());
        }
    }

    /// Whether `event` is a Chat-style `data: [DONE]` line in a Responses stream: some
    /// OpenAI-compatible vendors end their Responses stream with one. It is the end of the
    /// stream (see [`terminal`]), noted, not an event to translate and not an error.
    fn sentinel(&self, event: &aigw_sse::Event) -> bool {
        let done = self.ctx.upstream == Api::Responses && aigw_openai::stream::is_done(event);
        if done {
            tracing::debug!(
                provider = %self.ctx.provider,
                "the upstream's Responses stream ended with a Chat-style [DONE] line"
            );
        }
        done
    }

    /// The upstream ended: what the client still gets.
    fn end(&mut self) -> Result<Option<Bytes>, String> {
        if self.raw {
            return Ok(None);
        }
        let mut frames = Vec::new();
        self.decoder
            .finish(&mut frames)
            .map_err(|e| format!("the upstream's event stream ended inside an event: {e}"))?;
        let mut out = String::new();
        for frame in frames {
            if let Frame::Event(event) = frame {
                self.observe(&event);
                if self.sentinel(&event) {
                    continue;
                }
                if let Some(pipe) = self.ctx.pipe.as_mut() {
                    let translated = pipe.push(&event)?;
                    for event in &translated {
                        self.write_event(event, &mut out);
                    }
                }
            }
        }
        if !self.terminal_seen && self.ctx.upstream != Api::Gemini {
            return Err("the upstream's stream ended before its last event".into());
        }
        if let Some(pipe) = self.ctx.pipe.as_mut() {
            let last = pipe.finish()?;
            let losses = pipe.losses().clone();
            for event in &last {
                self.write_event(event, &mut out);
            }
            if !losses.is_empty() {
                self.ctx
                    .state
                    .metrics
                    .losses(self.ctx.client.name(), &losses);
                if let Some(outcome) = self.outcome.as_mut() {
                    outcome
                        .losses
                        .extend_prefixed(crate::pipeline::RESPONSE, losses.clone());
                }
                // Not in the stream itself: a comment line breaks clients that read every
                // line as data (google-genai). Logged and counted instead.
                tracing::info!(
                    provider = %self.ctx.provider,
                    adjustments = %losses.summary(),
                    "the stream's translation lost fields"
                );
            }
            if self.ctx.framing == Framing::JsonArray {
                out.push_str(if self.events_out == 0 { "[]" } else { "]" });
            }
        }
        let mut bytes = BytesMut::new();
        if self.ctx.pipe.is_none() {
            // Passthrough: what came after the last event (a trailing comment line), as
            // bytes.
            bytes = self.pending.split();
        }
        bytes.extend_from_slice(out.as_bytes());
        if self.ctx.want_cost && self.ctx.framing == Framing::Sse {
            // Asked for: a comment line, which SSE clients skip.
            let cost = crate::pipeline::cost_of(&self.ctx.state, &self.spent(), self.started_ms());
            let text = cost.map_or_else(|| "unknown".to_owned(), |c| c.to_usd_string());
            bytes.extend_from_slice(format!(": x-aigw-cost {text}\n\n").as_bytes());
        }
        Ok((!bytes.is_empty()).then(|| bytes.freeze()))
    }

    /// What the upstream reported using so far, and where.
    fn spent(&self) -> Spent {
        Spent {
            provider: self.ctx.provider.clone(),
            pricing: self.ctx.pricing.clone(),
            model: self.ctx.model.clone(),
            usage: self.usage.usage(),
        }
    }

    fn started_ms(&self) -> i64 {
        self.outcome
            .as_ref()
            .map_or_else(aigw_governance::manage::now_ms, |o| o.started_ms)
    }

    /// The client protocol's error event for a failure midway.
    fn fail(&mut self, message: &str) -> Bytes {
        tracing::warn!(provider = %self.ctx.provider, error = %message, "upstream stream failed");
        let event = stream_error_event(self.ctx.client, message, self.events_out);
        let mut out = String::new();
        self.write_event(&event, &mut out);
        if self.ctx.framing == Framing::JsonArray {
            out.push(']');
        }
        Bytes::from(out)
    }

    /// The stream is over (or dropped): its request is recorded with the usage read so far,
    /// and its slot freed. Only the first call does anything.
    fn finished(&mut self) {
        self.done = true;
        self.slot = None;
        let spent = self.spent();
        if let Some(mut outcome) = self.outcome.take() {
            outcome.spent = Some(spent);
            finish(&self.ctx.state, outcome);
        }
    }

    fn sent(&mut self, bytes: Bytes) -> Poll<Option<Result<Bytes, std::io::Error>>> {
        if let Some(outcome) = self.outcome.as_mut() {
            outcome.first_byte(self.ctx.client.name());
        }
        Poll::Ready(Some(Ok(bytes)))
    }
}

/// Whether `event` is the last one `api` sends on success (or its error event).
fn terminal(api: Api, event: &aigw_sse::Event) -> bool {
    match api {
        Api::Chat => event.data == "[DONE]",
        // Or a Chat-style `[DONE]`, which some OpenAI-compatible vendors end it with.
        Api::Responses => {
            matches!(
                event.event.as_deref(),
                Some("response.completed" | "response.failed" | "response.incomplete" | "error")
            ) || aigw_openai::stream::is_done(event)
        }
        Api::Messages => matches!(event.event.as_deref(), Some("message_stop" | "error")),
        Api::Gemini => true,
    }
}

impl Stream for ClientStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            let step = if let Some(first) = this.first.take() {
                this.chunk(&first)
            } else {
                match this.upstream.as_mut().poll_next(cx) {
                    Poll::Ready(Some(Ok(chunk))) => {
                        let deadline = tokio::time::Instant::now() + this.idle;
                        this.timer.as_mut().reset(deadline);
                        this.chunk(&chunk)
                    }
                    Poll::Ready(Some(Err(e))) => {
                        Err(format!("the upstream connection failed: {e}"))
                    }
                    Poll::Ready(None) => match this.end() {
                        Ok(last) => {
                            let poll = match last {
                                Some(bytes) => this.sent(bytes),
                                None => Poll::Ready(None),
                            };
                            this.finished();
                            return poll;
                        }
                        Err(e) => Err(e),
                    },
                    Poll::Pending if this.timer.as_mut().poll(cx).is_ready() => Err(format!(
                        "the upstream sent nothing for {} ms",
                        this.idle.as_millis()
                    )),
                    Poll::Pending => return Poll::Pending,
                }
            };
            match step {
                Ok(Some(bytes)) => return this.sent(bytes),
                Ok(None) => continue,
                Err(e) => {
                    let bytes = this.fail(&e);
                    let poll = this.sent(bytes);
                    this.finished();
                    return poll;
                }
            }
        }
    }
}

impl Drop for ClientStream {
    /// A client that went away ends the request too.
    fn drop(&mut self) {
        self.finished();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use futures_util::StreamExt;
    use std::time::Instant;

    /// A Chat passthrough stream whose first event carries usage.
    fn stream(state: &Arc<State>) -> ClientStream {
        let ctx = StreamContext {
            state: state.clone(),
            client: Api::Chat,
            upstream: Api::Chat,
            provider: "p".into(),
            pricing: "openai".into(),
            model: "m".into(),
            framing: Framing::Sse,
            pipe: None,
            want_cost: false,
        };
        let first = Bytes::from_static(
            b"data: {\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5}}\n\n",
        );
        let rest = futures_util::stream::iter([Ok(Bytes::from_static(b"data: [DONE]\n\n"))]);
        let slot = state.slot().expect("a free slot");
        ClientStream::new(ctx, rest.boxed(), first, false)
            .ends_with(Outcome::new("chat", Instant::now()), slot)
    }

    /// A Responses stream ending with a Chat-style `data: [DONE]` (hand-written fixture).
    const DONE_FIXTURE: &str =
        include_str!("../../aigw-openai/tests/fixtures/responses-stream-done.sse");

    /// What the client of `client` reads when a Responses upstream sends `body`.
    async fn responses_upstream(client: Api, body: &str) -> String {
        let state = Arc::new(State::new(&Config::default(), |_| None).expect("a state"));
        let pipe = crate::convert::stream_pipe(
            Api::Responses,
            client,
            "m",
            true,
            &aigw_translate::Options::default(),
        );
        let ctx = StreamContext {
            state: state.clone(),
            client,
            upstream: Api::Responses,
            provider: "deepseek".into(),
            pricing: "deepseek".into(),
            model: "m".into(),
            framing: Framing::Sse,
            pipe,
            want_cost: false,
        };
        // Two chunks, split inside an event.
        let (a, b) = body.split_at(body.len() / 2);
        let rest = futures_util::stream::iter([Ok(Bytes::from(b.to_owned()))]);
        let slot = state.slot().expect("a free slot");
        let stream = ClientStream::new(ctx, rest.boxed(), Bytes::from(a.to_owned()), false)
            .ends_with(Outcome::new(client.name(), Instant::now()), slot);
        let chunks: Vec<_> = stream.collect().await;
        let bytes: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.expect("no transport error").to_vec())
            .collect();
        String::from_utf8(bytes).expect("UTF-8")
    }

    /// Passthrough forwards the vendor's stream byte for byte, `[DONE]` included, and adds
    /// no error event — also when `[DONE]` stands in for `response.completed`.
    #[tokio::test]
    async fn a_responses_stream_may_end_with_done() {
        assert!(DONE_FIXTURE.ends_with("data: [DONE]\n\n"));
        assert_eq!(
            responses_upstream(Api::Responses, DONE_FIXTURE).await,
            DONE_FIXTURE
        );
        let without_completed: String = DONE_FIXTURE
            .split_inclusive("\n\n")
            .filter(|e| !e.starts_with("event: response.completed\n"))
            .collect();
        assert_eq!(
            responses_upstream(Api::Responses, &without_completed).await,
            without_completed
        );
        // Translated, `[DONE]` is not an event to translate: the Chat client gets the text
        // and its own `[DONE]`, no error.
        let chat = responses_upstream(Api::Chat, DONE_FIXTURE).await;
        assert!(!chat.contains("\"error\""), "{chat}");
        assert!(chat.contains("Paris"), "{chat}");
        assert_eq!(chat.matches("data: [DONE]").count(), 1, "{chat}");
        assert!(chat.ends_with("data: [DONE]\n\n"), "{chat}");
    }

    #[tokio::test]
    async fn a_stream_records_its_request_once_however_it_ends() {
        let state = Arc::new(State::new(&Config::default(), |_| None).expect("a state"));
        // A client that goes away after the first event.
        let mut left = stream(&state);
        assert!(left.next().await.is_some());
        drop(left);
        // One that reads to the end (and then drops the stream).
        let read: Vec<_> = stream(&state).collect().await;
        assert_eq!(read.len(), 2);
        let metrics = state.metrics.encode();
        for needle in [
            "aigw_requests_total{api=\"chat\",status=\"200\"} 2",
            "aigw_tokens_total{provider=\"p\",direction=\"in\"} 6",
            "aigw_tokens_total{provider=\"p\",direction=\"out\"} 10",
            "aigw_time_to_first_byte_seconds_count{api=\"chat\"} 2",
            "aigw_in_flight 0",
        ] {
            assert!(metrics.contains(needle), "no {needle} in\n{metrics}");
        }
    }
}
