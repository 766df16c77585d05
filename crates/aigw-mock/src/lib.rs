//! A loopback mock of the OpenAI, Anthropic and Gemini HTTP APIs that replays real recorded
//! exchanges from the corpus (`<corpus>/<provider>/<api>/<NNNN>-<slug>.json`, see the
//! corpus's `FORMAT.md`), for the gateway's integration tests, SDK tests and benchmarks.
//!
//! Base URLs: `{url}/v1` for OpenAI-style APIs and Anthropic, `{url}/v1beta` for Gemini,
//! `{url}` as an Azure OpenAI endpoint (`/openai/deployments/{deployment}/…?api-version=`,
//! replaying the OpenAI exchanges; see `azure.rs`).
//!
//! Which exchange a request gets, in order:
//! 1. the request header `x-mock-exchange: <file stem>` (e.g. `0012-tool-call`);
//! 2. a model `replay:<file stem>` (body `model`, or Gemini's path model);
//! 3. the default for the endpoint: a status-200 exchange of the same stream form, with a
//!    tool call if the request has a non-empty `tools` array, else with plain text and no
//!    tool call, preferring the fewest exotic features, then the first file name.
//!
//! A stem of digits only (`0012`) also finds the one file named `0012-*`. The recorded form
//! wins: an exchange recorded as a stream is replayed as a stream whatever the request said.
//!
//! Faults (`status:CODE`, `retry-after:N`, `cut:N`, `stall:N`, `hang`) come from
//! [`MockConfig::fault`], [`MockServer::set_fault`], by the upstream key presented
//! ([`MockServer::set_key_fault`]) or, per request, the `x-mock-fault` header (`none`
//! clears). The latency changes at runtime with [`MockServer::set_latency`] or
//! `PUT /mock/latency/{ms}`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), aigw_mock::MockError> {
//! use aigw_mock::{MockConfig, MockServer};
//! let Some(corpus) = aigw_mock::corpus_dir() else { return Ok(()) };
//! let server = MockServer::start(MockConfig::new(corpus)).await?;
//! let openai_base = format!("{}/v1", server.url());
//! # let _ = openai_base;
//! # Ok(()) }
//! ```

mod azure;
mod control;
mod corpus;
mod error;
mod family;
mod fault;
mod handlers;
mod passthrough;
mod reply;
mod server;
mod synth;

pub use error::MockError;
pub use fault::{FAULT_HEADER, Fault};
pub use handlers::{EXCHANGE_HEADER, PROVIDER_HEADER, REPLAY_PREFIX};
pub use passthrough::{DOWNLOAD_LEN, pattern};
pub use server::{MockServer, Recorded};

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a [`MockServer`] behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockConfig {
    /// The corpus directory (the one holding `openai/`, `anthropic/`, ...).
    pub corpus: PathBuf,
    /// Delay before the response head of every API request.
    pub latency: Duration,
    /// Delay between the events of a stream.
    pub event_delay: Duration,
    /// Fault applied to every API request (a request's `x-mock-fault` header overrides it).
    pub fault: Option<Fault>,
    /// Replay `openai-compat` instead of `openai` exchanges on OpenAI-style endpoints the
    /// `openai-compat` corpus covers (chat completions, responses, models); per request,
    /// `x-mock-provider: openai-compat` / `openai` decides.
    pub compat: bool,
}

impl MockConfig {
    /// Replays `corpus` with no delays, no fault, `openai` exchanges.
    pub fn new(corpus: impl Into<PathBuf>) -> Self {
        MockConfig {
            corpus: corpus.into(),
            latency: Duration::ZERO,
            event_delay: Duration::ZERO,
            fault: None,
            compat: false,
        }
    }
}

/// The corpus directory from `AIGW_CORPUS`, a relative path resolved against the workspace
/// root; `None` if the variable is unset or the directory does not exist.
pub fn corpus_dir() -> Option<PathBuf> {
    let value = std::env::var_os("AIGW_CORPUS")?;
    let path = PathBuf::from(value);
    let path = if path.is_relative() {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    } else {
        path
    };
    path.is_dir().then_some(path)
}

/// Reads one recorded exchange, the whole file as stored (`provider`, `request`, `status`,
/// `response`, `sse`, ...), so tests know what the mock sends for it: the body is
/// `serde_json::to_vec(&exchange["response"])`, or the `sse` text for a stream.
pub fn exchange(
    corpus: &Path,
    provider: &str,
    api: &str,
    stem: &str,
) -> Result<serde_json::Value, MockError> {
    corpus::read_exchange(corpus, provider, api, stem)
}
