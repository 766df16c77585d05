//! The HTTP transport shared by aigw's provider clients (`aigw-openai`, `aigw-anthropic`,
//! `aigw-gemini` behind their `client` feature). It knows no provider: a client describes a
//! [`Call`] (method, path, headers, JSON body) and gets back a [`RawResponse`] or a
//! [`FrameStream`] of server-sent events, with
//!
//! - timeouts for connecting, for the whole exchange (until the headers, for a stream) and for
//!   the gap between two chunks of a stream ([`Timeouts`]);
//! - retries with exponential backoff and full jitter on 408, 409, 429, 5xx and connection
//!   errors, honouring `retry-after-ms` and `Retry-After` ([`RetryPolicy`]); a stream is never
//!   retried once its first byte arrived, and a timed-out request is not retried (it may have
//!   been processed);
//! - typed errors ([`Error`]) carrying the status, the provider's error body parsed into the
//!   client's type with the raw text kept, and the request id;
//! - a `tracing` span per request (`provider`, `api`, `model`, `status`, `attempts`,
//!   `latency_ms`). Keys never reach it: they are only in [`secret_header`] values, marked
//!   sensitive.

mod auth;
mod call;
mod config;
mod error;
mod frames;
mod retry;
mod transport;

#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{Auth, MissingKey, key_from_env};
pub use call::{Call, RawResponse, encode, secret_header, segment};
pub use config::{HttpConfig, RetryPolicy, Timeouts};
pub use error::{Error, ErrorBody, TimeoutPhase};
pub use frames::{EventStream, FrameStream, StreamShape};
pub use retry::{backoff, retry_after};
pub use transport::Transport;

pub use aigw_sse::{Event, Frame};
pub use reqwest::{Method, StatusCode, header};
pub use secrecy::{ExposeSecret, SecretString};
