//! The body of a streamed response: the upstream's SSE bytes forwarded as they came
//! (passthrough) or translated event by event, ending in the client protocol's error event if
//! the upstream fails midway. Dropping the body (the client went away) drops the upstream
//! response, which closes its connection: the upstream request is cancelled with it.

use crate::convert::Pipe;
use crate::protocol::{Api, stream_error_event};
use crate::state::State;
use crate::usage::Usage;
use aigw_sse::{Decoder, Frame, Limits};
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use futures_util::stream::BoxStream;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
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
    pub framing: Framing,
    /// `None`: passthrough.
    pub pipe: Option<Box<dyn Pipe>>,
    pub started: Instant,
    pub permit: Option<crate::state::Slot>,
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
    usage: Usage,
    terminal_seen: bool,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    done: bool,
    first_byte_sent: bool,
    /// Whether the upstream body is not SSE (Gemini's JSON-array form, passthrough only).
    raw: bool,
}

impl ClientStream {
    pub fn new(ctx: StreamContext, upstream: Upstream, first: Bytes, raw: bool) -> Self {
        let idle = ctx.state.limits.idle_timeout;
        ClientStream {
            ctx,
            upstream,
            first: Some(first),
            decoder: Decoder::new(Limits::default()),
            pending: BytesMut::new(),
            events_out: 0,
            usage: Usage::default(),
            terminal_seen: false,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            done: false,
            first_byte_sent: false,
            raw,
        }
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
        if Usage::may_carry(api, &event.data)
            && let Ok(value) = serde_json::from_str::<serde_json::Value>(&event.data)
        {
            self.usage.merge(Usage::of(api, &value));
        }
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
        } else if !self.pending.is_empty() {
            // Passthrough: what came after the last event (a trailing comment line), as
            // bytes.
            return Ok(Some(self.pending.split().freeze()));
        }
        Ok((!out.is_empty()).then(|| Bytes::from(out)))
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

    fn finished(&mut self) {
        self.done = true;
        let state = &self.ctx.state;
        state
            .metrics
            .tokens(&self.ctx.provider, self.usage.input, self.usage.output);
        self.ctx.permit = None;
    }

    fn sent(&mut self, bytes: Bytes) -> Poll<Option<Result<Bytes, std::io::Error>>> {
        if !self.first_byte_sent {
            self.first_byte_sent = true;
            self.ctx
                .state
                .metrics
                .first_byte(self.ctx.client.name(), self.ctx.started);
        }
        Poll::Ready(Some(Ok(bytes)))
    }
}

/// Whether `event` is the last one `api` sends on success (or its error event).
fn terminal(api: Api, event: &aigw_sse::Event) -> bool {
    match api {
        Api::Chat => event.data == "[DONE]",
        Api::Responses => matches!(
            event.event.as_deref(),
            Some("response.completed" | "response.failed" | "response.incomplete" | "error")
        ),
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
                            this.finished();
                            return match last {
                                Some(bytes) => this.sent(bytes),
                                None => Poll::Ready(None),
                            };
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
                    this.finished();
                    return this.sent(bytes);
                }
            }
        }
    }
}
