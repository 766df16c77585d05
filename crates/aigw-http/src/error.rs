//! What can go wrong with a request, typed, with everything needed to act on it.

use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;

/// Which wait ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Connecting.
    Connect,
    /// The whole attempt (a plain request) or the wait for the headers (a stream).
    Request,
    /// Silence between two chunks of a stream.
    Idle,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::Request => "the response",
            TimeoutPhase::Idle => "the next stream chunk",
        })
    }
}

/// A provider's error body: parsed into the client's error type when it has that shape, and
/// always the raw text.
#[derive(Clone, Debug)]
pub struct ErrorBody<E> {
    pub parsed: Option<Box<E>>,
    pub raw: String,
}

impl<E: serde::de::DeserializeOwned> ErrorBody<E> {
    pub fn new(raw: &[u8]) -> Self {
        ErrorBody {
            parsed: serde_json::from_slice(raw).ok().map(Box::new),
            raw: String::from_utf8_lossy(raw).into_owned(),
        }
    }
}

impl<E> ErrorBody<E> {
    /// The human message of the body, wherever the provider puts it (`error.message`,
    /// `message`, or the first element of a JSON array of those), else the raw text.
    pub fn message(&self) -> String {
        fn find(value: &serde_json::Value) -> Option<&str> {
            match value {
                serde_json::Value::Array(items) => items.first().and_then(find),
                serde_json::Value::Object(map) => map
                    .get("error")
                    .and_then(find)
                    .or_else(|| map.get("message").and_then(serde_json::Value::as_str)),
                serde_json::Value::String(s) => Some(s),
                _ => None,
            }
        }
        let parsed: Option<serde_json::Value> = serde_json::from_str(&self.raw).ok();
        match parsed.as_ref().and_then(find) {
            Some(message) => message.to_owned(),
            None => {
                let raw = self.raw.trim();
                match raw.char_indices().nth(300) {
                    Some((cut, _)) => format!("{}…", &raw[..cut]),
                    None => raw.to_owned(),
                }
            }
        }
    }
}

impl<E> fmt::Display for ErrorBody<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

fn show_request_id(id: &Option<String>) -> String {
    id.as_deref()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// A failed request. `E` is the provider's error body type. No variant holds a key: keys live
/// only in sensitive header values, which neither this type nor reqwest's errors print.
#[derive(Debug, thiserror::Error)]
pub enum Error<E> {
    /// The provider answered with a non-success status (after any retries).
    #[error("{provider} {api}: HTTP {status}{}: {body}", show_request_id(.request_id))]
    Api {
        provider: &'static str,
        api: &'static str,
        status: StatusCode,
        body: ErrorBody<E>,
        request_id: Option<String>,
        attempts: u32,
    },
    #[error("{provider} {api}: timed out after {after:?} waiting for {phase}")]
    Timeout {
        provider: &'static str,
        api: &'static str,
        phase: TimeoutPhase,
        after: Duration,
    },
    /// No connection could be made, or it broke before a response (after any retries).
    #[error("{provider} {api}: connection failed after {attempts} attempt(s): {source}")]
    Connect {
        provider: &'static str,
        api: &'static str,
        attempts: u32,
        source: reqwest::Error,
    },
    /// The connection failed while the body was being read (a stream cut mid-way included).
    #[error("{provider} {api}: the response body broke off: {source}")]
    Body {
        provider: &'static str,
        api: &'static str,
        source: reqwest::Error,
    },
    /// A success status with a body that is not the expected JSON.
    #[error("{provider} {api}: HTTP {status} body is not the expected JSON{}: {source}; body: {body}", show_request_id(.request_id))]
    Decode {
        provider: &'static str,
        api: &'static str,
        status: StatusCode,
        request_id: Option<String>,
        source: serde_json::Error,
        /// The start of the body (at most 1,000 characters).
        body: String,
    },
    /// The stream is not a valid event stream (or exceeded the decoder's limits).
    #[error("{provider} {api}: invalid event stream: {source}")]
    Sse {
        provider: &'static str,
        api: &'static str,
        source: Box<aigw_sse::SseError>,
    },
    /// An event's data is not the provider's event type.
    #[error("{provider} {api}: stream event: {source}")]
    Event {
        provider: &'static str,
        api: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The connection closed cleanly but before the stream's terminal event.
    #[error("{provider} {api}: the stream ended before {expected}")]
    Incomplete {
        provider: &'static str,
        api: &'static str,
        expected: &'static str,
    },
    /// The request could not be built (body serialization, header value, URL).
    #[error("{provider} {api}: invalid request: {reason}")]
    Request {
        provider: &'static str,
        api: &'static str,
        reason: String,
    },
}

impl<E> Error<E> {
    /// The HTTP status, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The provider's request id, when the response had one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } | Error::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }
}

impl<E: serde::de::DeserializeOwned> Error<E> {
    /// The same error with every occurrence of `secret` in the response body replaced by
    /// `[REDACTED]` (some providers echo the key they rejected).
    pub fn redact(self, secret: &str) -> Self {
        const MARK: &str = "[REDACTED]";
        if secret.is_empty() {
            return self;
        }
        match self {
            Error::Api {
                provider,
                api,
                status,
                body,
                request_id,
                attempts,
            } if body.raw.contains(secret) => Error::Api {
                provider,
                api,
                status,
                body: ErrorBody::new(body.raw.replace(secret, MARK).as_bytes()),
                request_id,
                attempts,
            },
            Error::Decode {
                provider,
                api,
                status,
                request_id,
                source,
                body,
            } if body.contains(secret) => Error::Decode {
                provider,
                api,
                status,
                request_id,
                source,
                body: body.replace(secret, MARK),
            },
            other => other,
        }
    }
}

pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(1000) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}
