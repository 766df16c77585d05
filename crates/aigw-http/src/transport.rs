//! Sending a [`Call`]: retries, timeouts, tracing.

use crate::call::{Call, RawResponse};
use crate::config::HttpConfig;
use crate::error::{Error, ErrorBody, TimeoutPhase};
use crate::frames::FrameStream;
use crate::retry::{backoff, delay, retryable};
use aigw_sse::Limits;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use std::sync::Arc;
use std::time::Instant;
use tokio::time::timeout_at;
use tracing::Instrument;

/// A provider's HTTP transport: one connection pool, its settings, its name for errors.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Transport {
    provider: &'static str,
    client: reqwest::Client,
    config: Arc<HttpConfig>,
    limits: Limits,
}

/// Headers that carry the provider's request id: OpenAI `x-request-id`, Anthropic
/// `request-id`, Google `x-goog-request-id` (not always sent).
const REQUEST_ID_HEADERS: [&str; 3] = ["x-request-id", "request-id", "x-goog-request-id"];

fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .map(str::to_owned)
}

/// A connection that failed or broke before any response: worth another attempt.
fn connection_error(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_request()
}

impl Transport {
    /// A transport for `provider` (`"openai"`, …, used in errors and traces).
    pub fn new(provider: &'static str, config: HttpConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .user_agent(config.user_agent.clone())
            .default_headers(config.headers.clone())
            .build()?;
        Ok(Transport {
            provider,
            client,
            config: Arc::new(config),
            limits: Limits::default(),
        })
    }

    pub fn provider(&self) -> &'static str {
        self.provider
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url.trim_end_matches('/'), path)
    }

    fn span(&self, call: &Call, stream: bool) -> tracing::Span {
        tracing::info_span!(
            "aigw.request",
            provider = self.provider,
            api = call.api,
            model = call.model.as_deref().unwrap_or(""),
            stream,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        )
    }

    fn request_error<E>(&self, call: &Call, reason: String) -> Error<E> {
        Error::Request {
            provider: self.provider,
            api: call.api,
            reason,
        }
    }

    /// Sends `call` until it gets a success status or retries run out; returns the response
    /// with its headers read, the attempt count, and the attempt's deadline.
    async fn start<E: serde::de::DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<(reqwest::Response, tokio::time::Instant), Error<E>> {
        let policy = self.config.retry;
        let timeouts = self.config.timeouts;
        let span = tracing::Span::current();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            let can_retry = attempt <= policy.max_retries;
            let deadline = tokio::time::Instant::now() + timeouts.request;
            let mut headers = call.headers.clone();
            call.auth
                .apply(&mut headers)
                .map_err(|reason| self.request_error(call, reason))?;
            let mut request = self
                .client
                .request(call.method.clone(), self.url(&call.path))
                .headers(headers);
            if !call.query.is_empty() {
                request = request.query(&call.query);
            }
            if let Some(body) = &call.body {
                request = request
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body.clone());
            }
            let response = match timeout_at(deadline, request.send()).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        provider: self.provider,
                        api: call.api,
                        phase: TimeoutPhase::Request,
                        after: timeouts.request,
                    });
                }
                Ok(Err(e)) if e.is_builder() => return Err(self.request_error(call, e.to_string())),
                Ok(Err(e)) if connection_error(&e) => {
                    if can_retry {
                        let wait = backoff(&policy, attempt - 1);
                        tracing::debug!(attempt, ?wait, error = %e, "connection failed, retrying");
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    if e.is_timeout() {
                        return Err(Error::Timeout {
                            provider: self.provider,
                            api: call.api,
                            phase: TimeoutPhase::Connect,
                            after: timeouts.connect,
                        });
                    }
                    return Err(Error::Connect {
                        provider: self.provider,
                        api: call.api,
                        attempts: attempt,
                        source: e,
                    });
                }
                Ok(Err(e)) => {
                    return Err(Error::Connect {
                        provider: self.provider,
                        api: call.api,
                        attempts: attempt,
                        source: e,
                    });
                }
                Ok(Ok(response)) => response,
            };
            let status = response.status();
            span.record("status", status.as_u16());
            if status.is_success() {
                return Ok((response, deadline));
            }
            let headers = response.headers().clone();
            // An error body that cannot be read in time is reported empty: the status says
            // enough to act on.
            let body = match timeout_at(deadline, response.bytes()).await {
                Ok(Ok(body)) => body,
                _ => bytes::Bytes::new(),
            };
            if retryable(status)
                && can_retry
                && let Some(wait) = delay(&policy, attempt - 1, Some(&headers))
            {
                tracing::debug!(attempt, %status, ?wait, "retryable status, retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(Error::Api {
                provider: self.provider,
                api: call.api,
                status,
                body: ErrorBody::new(&body),
                request_id: request_id(&headers),
                attempts: attempt,
            });
        }
    }

    /// Sends a plain request and reads the whole body.
    pub async fn send<E: serde::de::DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<RawResponse, Error<E>> {
        let span = self.span(call, false);
        let started = Instant::now();
        let result = async {
            let (response, deadline) = self.start(call).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = match timeout_at(deadline, response.bytes()).await {
                Err(_) => {
                    return Err(Error::Timeout {
                        provider: self.provider,
                        api: call.api,
                        phase: TimeoutPhase::Request,
                        after: self.config.timeouts.request,
                    });
                }
                Ok(Err(source)) => {
                    return Err(Error::Body {
                        provider: self.provider,
                        api: call.api,
                        source,
                    });
                }
                Ok(Ok(body)) => body,
            };
            Ok(RawResponse {
                provider: self.provider,
                api: call.api,
                status,
                request_id: request_id(&headers),
                headers,
                body,
            })
        }
        .instrument(span.clone())
        .await
        .map_err(|e| call.auth.redact(e));
        finish(&span, started, result.as_ref().err());
        result
    }

    /// Sends a plain request and parses the body as `T` (a decode error quotes the body: the
    /// key is redacted from it too).
    pub async fn send_json<T: serde::de::DeserializeOwned, E: serde::de::DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<T, Error<E>> {
        self.send(call)
            .await?
            .json()
            .map_err(|e| call.auth.redact(e))
    }

    /// Sends a request whose answer is an event stream; returns once the headers arrived
    /// (retrying until then, never after). The body is read as the stream is polled, each
    /// chunk within the idle timeout.
    pub async fn send_stream<E: serde::de::DeserializeOwned>(
        &self,
        call: &Call,
    ) -> Result<FrameStream<E>, Error<E>> {
        let span = self.span(call, true);
        let started = Instant::now();
        let result = self
            .start(call)
            .instrument(span.clone())
            .await
            .map_err(|e| call.auth.redact(e));
        finish(&span, started, result.as_ref().err());
        let (response, _) = result?;
        let headers = response.headers().clone();
        let status = response.status();
        Ok(FrameStream::new(
            self.provider,
            call.api,
            response.bytes_stream(),
            self.config.timeouts.idle,
            self.limits,
        )
        .with_headers(status, headers, span))
    }
}

/// Records the latency (to the whole body, or to the headers of a stream) and the outcome.
fn finish<E>(span: &tracing::Span, started: Instant, error: Option<&Error<E>>) {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("latency_ms", latency_ms);
    span.in_scope(|| match error {
        None => tracing::info!("request done"),
        Some(error) => tracing::warn!(%error, "request failed"),
    });
}
