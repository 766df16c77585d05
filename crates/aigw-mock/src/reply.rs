//! Building responses: JSON bodies, paced event streams, and the body faults (`cut`, `stall`).

use crate::Fault;
use crate::family::Family;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::Stream;
use std::time::Duration;
use tokio::sync::watch;

/// The pause between the last chunk sent and a `cut`, so that the chunks reach the socket.
const CUT_FLUSH_GRACE: Duration = Duration::from_millis(20);

/// How a body ends once its chunks are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    /// Normally.
    Complete,
    /// With a body error: the connection is aborted mid-body.
    Cut,
    /// Never: the connection stays open and silent (until the server shuts down).
    Stall,
}

/// Waits until the server shuts down.
pub(crate) async fn shutdown_signal(mut shutdown: watch::Receiver<bool>) {
    // An error means the sender is gone, which is a shutdown too.
    let _ = shutdown.wait_for(|down| *down).await;
}

/// The pieces of one response the handlers fill in.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) chunks: Vec<Bytes>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON body sent in one piece.
    pub(crate) fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Reply {
            status,
            content_type: "application/json",
            chunks: vec![body.into()],
            headers: Vec::new(),
        }
    }

    /// An event stream, one chunk per event.
    pub(crate) fn sse(status: u16, events: Vec<Bytes>) -> Self {
        Reply {
            status,
            content_type: "text/event-stream",
            chunks: events,
            headers: vec![("cache-control", "no-cache".to_owned())],
        }
    }

    /// The provider's error body for `status`; `429` adds `retry-after: 0`.
    pub(crate) fn error(family: Family, status: u16, message: &str) -> Self {
        let mut reply = Reply::json(status, family.error_body(status, message));
        if status == 429 {
            reply.headers.push(("retry-after", "0".to_owned()));
        }
        reply
    }

    /// Sets `retry-after` (seconds).
    pub(crate) fn retry_after(mut self, secs: u64) -> Self {
        self.headers.retain(|(name, _)| *name != "retry-after");
        self.headers.push(("retry-after", secs.to_string()));
        self
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The response: with `cut:N` / `stall:N` only the first `N` events (bytes of a JSON
    /// body) are sent before the fault; events after the first are paced by `event_delay`.
    pub(crate) fn into_response(
        self,
        fault: Option<Fault>,
        event_delay: Duration,
        shutdown: watch::Receiver<bool>,
    ) -> Response {
        let is_json = self.content_type == "application/json";
        let (chunks, ending) = match fault {
            Some(Fault::Cut(n)) => (truncate(self.chunks, n, is_json), Ending::Cut),
            Some(Fault::Stall(n)) => (truncate(self.chunks, n, is_json), Ending::Stall),
            _ => (self.chunks, Ending::Complete),
        };
        let body = match (ending, chunks.as_slice()) {
            (Ending::Complete, [single]) => Body::from(single.clone()),
            _ => Body::from_stream(paced(chunks, event_delay, ending, shutdown)),
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.append(name, value);
            }
        }
        response
    }
}

/// The first `n` events, or for a JSON body (one chunk) its first `n` bytes.
fn truncate(mut chunks: Vec<Bytes>, n: usize, is_json: bool) -> Vec<Bytes> {
    if is_json {
        let body: Bytes = chunks.concat().into();
        let prefix = body.slice(..n.min(body.len()));
        return if prefix.is_empty() {
            Vec::new()
        } else {
            vec![prefix]
        };
    }
    chunks.truncate(n);
    chunks
}

/// State of a [`paced`] stream.
struct Pacer {
    chunks: std::vec::IntoIter<Bytes>,
    sent: usize,
    delay: Duration,
    ending: Option<Ending>,
    shutdown: watch::Receiver<bool>,
}

/// The chunks, `delay` apart, then the `ending`.
fn paced(
    chunks: Vec<Bytes>,
    delay: Duration,
    ending: Ending,
    shutdown: watch::Receiver<bool>,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let pacer = Pacer {
        chunks: chunks.into_iter(),
        sent: 0,
        delay,
        ending: Some(ending),
        shutdown,
    };
    futures_util::stream::unfold(pacer, |mut pacer| async move {
        if let Some(chunk) = pacer.chunks.next() {
            if pacer.sent > 0 && !pacer.delay.is_zero() {
                tokio::time::sleep(pacer.delay).await;
            }
            pacer.sent += 1;
            return Some((Ok(chunk), pacer));
        }
        let error = match pacer.ending.take()? {
            Ending::Complete => return None,
            Ending::Cut => {
                // hyper drops what it has buffered but not yet written when a body fails;
                // pausing first lets it flush the chunks sent so far.
                tokio::time::sleep(CUT_FLUSH_GRACE).await;
                "aigw-mock: stream cut (fault cut)"
            }
            Ending::Stall => {
                shutdown_signal(pacer.shutdown.clone()).await;
                "aigw-mock: server shut down during a stalled stream"
            }
        };
        Some((Err(std::io::Error::other(error)), pacer))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn truncates_events_and_json_bytes() {
        let events = vec![Bytes::from("a\n\n"), Bytes::from("b\n\n")];
        assert_eq!(
            truncate(events.clone(), 1, false),
            vec![Bytes::from("a\n\n")]
        );
        assert_eq!(truncate(events, 5, false).len(), 2);
        let json = vec![Bytes::from("{\"x\":1}")];
        assert_eq!(truncate(json.clone(), 3, true), vec![Bytes::from("{\"x")]);
        assert!(truncate(json, 0, true).is_empty());
    }
}
