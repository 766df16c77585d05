//! What a client can tune about its transport.

use reqwest::header::HeaderMap;
use std::time::Duration;

/// Timeouts of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the connection (TCP + TLS).
    pub connect: Duration,
    /// One attempt of a plain request, headers and body; for a stream, until the headers.
    pub request: Duration,
    /// Longest silence between two chunks of a stream body.
    pub idle: Duration,
}

impl Default for Timeouts {
    /// 10 s to connect, 10 min per attempt (long generations are slow), 90 s of stream silence
    /// (providers send keep-alives far more often than that).
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(600),
            idle: Duration::from_secs(90),
        }
    }
}

/// When and how long to wait before trying again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, up to `max_backoff`, with full jitter.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, 0.5 s doubling to at most 8 s; a server's `Retry-After` up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// A client's transport settings.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Joined with each call's path (`https://api.openai.com/v1` + `/chat/completions`).
    pub base_url: String,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    /// Sent with every request (no secrets here: those go through [`crate::secret_header`]).
    pub headers: HeaderMap,
    pub user_agent: String,
}

impl HttpConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        HttpConfig {
            base_url: base_url.into(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            headers: HeaderMap::new(),
            user_agent: concat!("aigw/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}
