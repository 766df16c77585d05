//! A response body read as server-sent events, with an idle timeout, and the typed layer
//! over it.

use crate::error::{Error, TimeoutPhase};
use aigw_sse::{Event, Frame, Limits, SseStream, SseStreamError};
use bytes::Bytes;
use futures_core::Stream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

type Body = Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>;

/// Why the body stopped.
#[derive(Debug)]
enum BodyFailure {
    Transport(reqwest::Error),
    Idle(Duration),
}

/// The body's chunks, or [`BodyFailure::Idle`] when none comes within `idle`.
struct IdleBody {
    body: Body,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Stream for IdleBody {
    type Item = Result<Bytes, BodyFailure>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.body.as_mut().poll_next(cx) {
            Poll::Ready(item) => {
                let next = tokio::time::Instant::now() + self.idle;
                self.sleep.as_mut().reset(next);
                Poll::Ready(item.map(|chunk| chunk.map_err(BodyFailure::Transport)))
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(BodyFailure::Idle(self.idle)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// The frames of an event-stream response, in order; then at most one error; then the end.
pub struct FrameStream<E> {
    provider: &'static str,
    api: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    span: tracing::Span,
    frames: SseStream<IdleBody>,
    _error: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for FrameStream<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameStream")
            .field("provider", &self.provider)
            .field("api", &self.api)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl<E> FrameStream<E> {
    /// Frames of any byte stream (a response body, or a test's chunks).
    pub fn new(
        provider: &'static str,
        api: &'static str,
        body: impl Stream<Item = Result<Bytes, reqwest::Error>> + Send + 'static,
        idle: Duration,
        limits: Limits,
    ) -> Self {
        let body = IdleBody {
            body: Box::pin(body),
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
        };
        FrameStream {
            provider,
            api,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            span: tracing::Span::none(),
            frames: SseStream::new(body, limits),
            _error: PhantomData,
        }
    }

    pub(crate) fn with_headers(
        mut self,
        status: StatusCode,
        headers: HeaderMap,
        span: tracing::Span,
    ) -> Self {
        self.status = status;
        self.headers = headers;
        self.span = span;
        self
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers (request id, rate limits, …).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Types the events with `shape`.
    pub fn typed<T>(self, shape: StreamShape<T>) -> EventStream<T, E> {
        EventStream {
            frames: self,
            shape,
            ended: false,
        }
    }
}

impl<E> Stream for FrameStream<E> {
    type Item = Result<Frame, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (provider, api) = (self.provider, self.api);
        let polled = Pin::new(&mut self.frames).poll_next(cx);
        Poll::Ready(match polled {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => None,
            Poll::Ready(Some(Ok(frame))) => Some(Ok(frame)),
            Poll::Ready(Some(Err(error))) => {
                let error = match error {
                    SseStreamError::Sse(source) => Error::Sse {
                        provider,
                        api,
                        source: Box::new(source),
                    },
                    SseStreamError::Transport(BodyFailure::Transport(source)) => Error::Body {
                        provider,
                        api,
                        source,
                    },
                    SseStreamError::Transport(BodyFailure::Idle(after)) => Error::Timeout {
                        provider,
                        api,
                        phase: TimeoutPhase::Idle,
                        after,
                    },
                };
                self.span
                    .in_scope(|| tracing::warn!(%error, "stream failed"));
                Some(Err(error))
            }
        })
    }
}

/// How a provider's stream is typed and how it ends.
#[derive(Debug)]
pub struct StreamShape<T> {
    /// Types one event.
    pub parse: fn(&Event) -> Result<T, Box<dyn std::error::Error + Send + Sync>>,
    /// Whether this event ends the stream (nothing after it is read).
    pub is_terminal: fn(&T) -> bool,
    /// The terminal event a complete stream ends with (`None`: the stream just ends). A
    /// stream that closes without it yields [`Error::Incomplete`] naming this.
    pub terminal: Option<&'static str>,
    /// An event `data` that ends the stream without being one of its events: the Chat-style
    /// `[DONE]` line some OpenAI-compatible vendors also send at the end of a Responses
    /// stream. The stream ends there, as after its terminal event; the sentinel is noted in
    /// the trace, not yielded and not an error (`None`: no such line).
    pub sentinel: Option<&'static str>,
}

/// Typed events of a stream: each event parsed, comments (keep-alives) skipped, ended by
/// the terminal event, an error, or an [`Error::Incomplete`] if it closed too early.
pub struct EventStream<T, E> {
    frames: FrameStream<E>,
    shape: StreamShape<T>,
    ended: bool,
}

impl<T, E> std::fmt::Debug for EventStream<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("frames", &self.frames)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<T, E> EventStream<T, E> {
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.frames.headers()
    }
}

impl<T, E> Stream for EventStream<T, E> {
    type Item = Result<T, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is Unpin (the frames' futures are boxed).
        let this = self.get_mut();
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            let next = match Pin::new(&mut this.frames).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(next) => next,
            };
            let item = match next {
                Some(Ok(Frame::Comment(_))) => continue,
                Some(Ok(Frame::Event(event)))
                    if this.shape.sentinel.is_some_and(|s| s == event.data) =>
                {
                    this.ended = true;
                    this.frames.span.in_scope(|| {
                        tracing::debug!(
                            provider = this.frames.provider,
                            api = this.frames.api,
                            sentinel = %event.data,
                            "the stream ended with a sentinel line"
                        );
                    });
                    return Poll::Ready(None);
                }
                Some(Ok(Frame::Event(event))) => match (this.shape.parse)(&event) {
                    Ok(typed) => {
                        this.ended = (this.shape.is_terminal)(&typed);
                        Ok(typed)
                    }
                    Err(source) => {
                        this.ended = true;
                        Err(Error::Event {
                            provider: this.frames.provider,
                            api: this.frames.api,
                            source,
                        })
                    }
                },
                Some(Err(error)) => {
                    this.ended = true;
                    Err(error)
                }
                None => {
                    this.ended = true;
                    match this.shape.terminal {
                        Some(expected) => Err(Error::Incomplete {
                            provider: this.frames.provider,
                            api: this.frames.api,
                            expected,
                        }),
                        None => return Poll::Ready(None),
                    }
                }
            };
            return Poll::Ready(Some(item));
        }
    }
}
