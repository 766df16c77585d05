//! One target: the URL and headers, the request sent within the deadline, and enough of the
//! answer read to know whether the target answered — a plain body whole, a stream's first
//! chunk — or why it did not.

use super::Inbound;
use crate::balance::{Verdict, retry_after};
use crate::convert::{ConvertError, Prepared};
use crate::metrics::ProviderLabels;
use crate::protocol::Api;
use crate::route::Target;
use crate::state::State;
use crate::stream::{Framing, Upstream};
use crate::upstream::{Call, Provider};
use aigw_translate::Options;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::time::Instant as Deadline;

/// Why one target did not answer.
#[derive(Debug)]
pub enum Failure {
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
    /// Whether the next target may be tried: the request may succeed elsewhere (a refused
    /// key is the key's fault, not the request's).
    pub fn falls_back(&self) -> bool {
        match self {
            Failure::Status(status, ..) => {
                *status == StatusCode::TOO_MANY_REQUESTS
                    || refused(*status)
                    || status.is_server_error()
            }
            _ => true,
        }
    }

    /// What the failure says about the target's member (`took`: how long it took).
    pub fn verdict(&self, took: Duration) -> Verdict {
        match self {
            Failure::Connect(_) | Failure::Timeout | Failure::Body(_) => Verdict::Failed(took),
            Failure::Status(s, headers, _) if *s == StatusCode::TOO_MANY_REQUESTS => {
                Verdict::RateLimited(retry_after(headers, SystemTime::now()))
            }
            Failure::Status(s, ..) if refused(*s) => Verdict::Refused,
            Failure::Status(s, ..) if s.is_server_error() => Verdict::Failed(took),
            Failure::Status(..) => Verdict::Rejected,
            Failure::Skipped(_) => Verdict::Released,
        }
    }

    /// The upstream's status, when it answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Failure::Status(status, ..) => Some(*status),
            _ => None,
        }
    }

    pub fn reason(&self) -> &'static str {
        match self {
            Failure::Connect(_) => "connect",
            Failure::Timeout => "timeout",
            Failure::Status(s, ..) if *s == StatusCode::TOO_MANY_REQUESTS => "status_429",
            Failure::Status(s, ..) if refused(*s) => "key_refused",
            Failure::Status(..) => "status_5xx",
            Failure::Body(_) => "body",
            Failure::Skipped(_) => "skipped",
        }
    }
}

/// 401 and 403: the upstream refuses the key.
fn refused(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN
}

/// One target being tried with its prepared request.
pub struct Attempt<'a> {
    pub state: &'a Arc<State>,
    pub inbound: &'a Inbound,
    pub target: &'a Target,
    /// The API the target is called with.
    pub upstream: Api,
    pub prepared: Prepared,
    pub opts: &'a Options,
    /// `traceparent` (and `tracestate`) for the upstream, when tracing.
    pub trace_headers: Option<HeaderMap>,
}

/// A target's successful answer, as far as read.
pub struct Reply {
    pub status: StatusCode,
    /// The upstream's response headers.
    pub headers: HeaderMap,
    pub body: Received,
}

/// What was read of a successful answer.
pub enum Received {
    /// A plain answer's whole body.
    Whole(Bytes),
    /// A stream's first (non-empty) chunk and the rest.
    Stream {
        first: Bytes,
        rest: Upstream,
        /// Not SSE: Gemini's JSON-array form.
        raw: bool,
    },
}

impl Attempt<'_> {
    fn provider(&self) -> &Provider {
        &self.target.provider
    }

    /// Sends the request; the answer for the client to be made from, or why there is none.
    pub async fn send(&self) -> Result<Reply, Failure> {
        let provider = self.provider();
        let mut headers = provider
            .headers(self.target.key, &self.inbound.headers)
            .map_err(Failure::Connect)?;
        if let Some(trace) = &self.trace_headers {
            headers.extend(trace.clone());
        }
        let sent = Instant::now();
        let deadline = Deadline::now() + self.state.limits.request_timeout;
        let response = self.post(headers, deadline).await?;
        let status = response.status();
        let headers = response.headers().clone();
        if !status.is_success() {
            let body = read_refusal(response, deadline, provider).await;
            return Err(Failure::Status(status, headers, body));
        }
        let body = if self.inbound.stream {
            let raw = self.upstream == Api::Gemini && !is_event_stream(&headers);
            let (first, rest) = read_first_chunk(response, deadline, &self.target.provider).await?;
            Received::Stream { first, rest, raw }
        } else {
            Received::Whole(read_plain(response, deadline).await?)
        };
        self.state
            .metrics
            .upstream_latency
            .get_or_create(&ProviderLabels {
                provider: provider.name.clone(),
            })
            .observe(sent.elapsed().as_secs_f64());
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// The call this attempt makes.
    fn call(&self) -> Call {
        match self.inbound.op {
            super::Op::Generate => Call::Generate {
                api: self.upstream,
                stream: self.inbound.stream,
            },
            super::Op::Embeddings => Call::Embeddings,
            super::Op::CountTokens => Call::CountTokens,
        }
    }

    fn url(&self) -> String {
        let url = self.provider().url(self.call(), &self.target.model);
        if self.inbound.api == Api::Gemini
            && self.upstream == Api::Gemini
            && self.inbound.framing == Framing::JsonArray
        {
            // The client asked for the JSON-array form: so does the passthrough.
            return url.replace("?alt=sse", "");
        }
        url
    }

    /// Sends the request and waits for the response's head, until `deadline`.
    async fn post(
        &self,
        headers: HeaderMap,
        deadline: Deadline,
    ) -> Result<reqwest::Response, Failure> {
        let request = self
            .state
            .http
            .post(self.url())
            .headers(headers)
            .body(self.prepared.body.clone())
            .send();
        match tokio::time::timeout_at(deadline, request).await {
            Err(_) => Err(Failure::Timeout),
            Ok(Err(e)) if e.is_timeout() => Err(Failure::Timeout),
            Ok(Err(e)) => Err(Failure::Connect(self.provider().redact(&e.to_string()))),
            Ok(Ok(response)) => Ok(response),
        }
    }
}

/// An error answer's body (empty if it cannot be read in time), the key redacted.
async fn read_refusal(
    response: reqwest::Response,
    deadline: Deadline,
    provider: &Provider,
) -> Bytes {
    let body = match tokio::time::timeout_at(deadline, response.bytes()).await {
        Ok(Ok(body)) => body,
        _ => Bytes::new(),
    };
    Bytes::from(provider.redact(&String::from_utf8_lossy(&body)))
}

/// A plain answer's whole body, until `deadline`.
async fn read_plain(response: reqwest::Response, deadline: Deadline) -> Result<Bytes, Failure> {
    match tokio::time::timeout_at(deadline, response.bytes()).await {
        Err(_) => Err(Failure::Timeout),
        Ok(Err(e)) => Err(Failure::Body(e.to_string())),
        Ok(Ok(body)) => Ok(body),
    }
}

/// A stream's first non-empty chunk (until `deadline`), and the rest of it, errors redacted.
/// The first chunk decides whether the target answered.
async fn read_first_chunk(
    response: reqwest::Response,
    deadline: Deadline,
    provider: &Arc<Provider>,
) -> Result<(Bytes, Upstream), Failure> {
    let redacting = provider.clone();
    let mut body = response
        .bytes_stream()
        .map(move |chunk| chunk.map_err(|e| redacting.redact(&e.to_string())))
        .boxed();
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(None) => return Err(Failure::Body("the upstream stream was empty".into())),
            Ok(Some(Err(e))) => return Err(Failure::Body(e)),
            Ok(Some(Ok(chunk))) if chunk.is_empty() => continue,
            Ok(Some(Ok(chunk))) => return Ok((chunk, body)),
        }
    }
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(status(401).falls_back(), "a refused key: the next one");
        assert!(status(403).falls_back());
        assert!(!status(404).falls_back());
        assert!(Failure::Timeout.falls_back());
        assert!(Failure::Connect("refused".into()).falls_back());
    }
}
