//! Decoding a byte stream (`Stream<Item = Result<Bytes, E>>`, e.g. a reqwest body or, through
//! `tokio_util::io::ReaderStream`, any `AsyncRead`) into frames.

use crate::decoder::{Decoder, Frame, Limits, SseError};
use bytes::Bytes;
use futures_core::Stream;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Why a decoded stream stopped.
#[derive(Debug, thiserror::Error)]
pub enum SseStreamError<E> {
    /// The byte stream failed.
    #[error("transport: {0}")]
    Transport(E),
    /// The bytes were not a valid event stream within the limits.
    #[error(transparent)]
    Sse(#[from] SseError),
}

/// Frames decoded from a byte stream. Yields every frame decoded before an error, then the
/// error, then ends.
#[derive(Debug)]
pub struct SseStream<S> {
    inner: S,
    decoder: Decoder,
    queue: VecDeque<Frame>,
    error: Option<SseError>,
    done: bool,
}

impl<S> SseStream<S> {
    pub fn new(inner: S, limits: Limits) -> Self {
        SseStream {
            inner,
            decoder: Decoder::new(limits),
            queue: VecDeque::new(),
            error: None,
            done: false,
        }
    }

    fn absorb(&mut self, result: Result<(), SseError>, frames: Vec<Frame>) {
        self.queue.extend(frames);
        if let Err(e) = result {
            self.error = Some(e);
            self.done = true;
        }
    }
}

impl<S, E> Stream for SseStream<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Frame, SseStreamError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(frame) = this.queue.pop_front() {
                return Poll::Ready(Some(Ok(frame)));
            }
            if let Some(error) = this.error.take() {
                return Poll::Ready(Some(Err(SseStreamError::Sse(error))));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    let mut frames = Vec::new();
                    let result = this.decoder.feed(&chunk, &mut frames);
                    this.absorb(result, frames);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(SseStreamError::Transport(e))));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    let mut frames = Vec::new();
                    let result = this.decoder.finish(&mut frames);
                    this.absorb(result, frames);
                }
            }
        }
    }
}
