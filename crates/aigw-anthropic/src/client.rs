//! The Anthropic client (cargo feature `client`): Messages (plain and streaming), token
//! counting, models, and a raw escape hatch for endpoints not typed here. Transport, retries,
//! timeouts and errors: [`aigw_http`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = aigw_anthropic::client::Client::from_env()?; // ANTHROPIC_API_KEY
//! let request = serde_json::from_value(serde_json::json!({
//!     "model": "claude-sonnet-4-5",
//!     "max_tokens": 256,
//!     "messages": [{"role": "user", "content": "Say hi"}]
//! }))?;
//! let message = client.messages(&request).await?;
//! println!("{}", serde_json::to_string_pretty(&message)?);
//! # Ok(()) }
//! ```

use aigw_http::header::{HeaderName, HeaderValue};
use aigw_http::{
    Auth, Call, FrameStream, HttpConfig, Method, RawResponse, RetryPolicy, Timeouts, Transport,
};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use aigw_http::{MissingKey, segment};

/// A failed Anthropic request; the error body type is the spec's `ErrorResponse`.
pub type Error = aigw_http::Error<crate::ErrorResponse>;

/// Typed Messages stream events, ending with `message_stop` (or a mid-stream `error` event).
#[cfg(feature = "messages")]
pub type MessageStream = aigw_http::EventStream<crate::MessageStreamEvent, crate::ErrorResponse>;

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com/v1";
/// The `anthropic-version` sent unless [`ClientBuilder::version`] says otherwise.
pub const DEFAULT_VERSION: &str = "2023-06-01";
pub const API_KEY_VAR: &str = "ANTHROPIC_API_KEY";
pub const BASE_URL_VAR: &str = "ANTHROPIC_BASE_URL";

const VERSION_HEADER: &str = "anthropic-version";
const BETA_HEADER: &str = "anthropic-beta";

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    MissingKey(#[from] MissingKey),
    #[error("invalid header {name}: {reason}")]
    Header { name: String, reason: String },
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Configures a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    provider: &'static str,
    config: HttpConfig,
    auth: Auth,
    version: String,
    betas: Vec<String>,
    /// The first header that was not valid (reported by `build`).
    bad_header: Option<String>,
}

impl ClientBuilder {
    fn header_value(&mut self, name: &str, value: &str) -> Option<(HeaderName, HeaderValue)> {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => Some((name, value)),
            _ => {
                self.bad_header.get_or_insert_with(|| name.to_owned());
                None
            }
        }
    }

    /// The API root (default [`DEFAULT_BASE_URL`]); proxies and compatible gateways.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into();
        self
    }

    /// `x-api-key: <key>`.
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.auth = Auth::Header {
            name: HeaderName::from_static("x-api-key"),
            key: key.into(),
        };
        self
    }

    /// Any credential style (e.g. `Authorization: Bearer` for a gateway, or none for a local
    /// server).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// `anthropic-version` (default [`DEFAULT_VERSION`]). Set when the client is built, so it
    /// wins over a [`ClientBuilder::header`] of the same name.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// A beta feature (`anthropic-beta`); call once per beta, they are sent comma-joined in
    /// one header (duplicates once), which wins over a [`ClientBuilder::header`] of that name.
    pub fn beta(mut self, beta: &str) -> Self {
        let beta = beta.trim();
        if !beta.is_empty() && !self.betas.iter().any(|b| b == beta) {
            self.betas.push(beta.to_owned());
        }
        self
    }

    /// A header sent with every request (not for secrets: use [`ClientBuilder::auth`]).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Some((name, value)) = self.header_value(name, value) {
            self.config.headers.insert(name, value);
        }
        self
    }

    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.config.timeouts = timeouts;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// The provider name in errors and traces (default `anthropic`; compatible providers use
    /// their own).
    pub fn provider_name(mut self, provider: &'static str) -> Self {
        self.provider = provider;
        self
    }

    pub fn build(mut self) -> Result<Client, BuildError> {
        let version = std::mem::take(&mut self.version);
        if let Some((name, value)) = self.header_value(VERSION_HEADER, &version) {
            self.config.headers.insert(name, value);
        }
        if !self.betas.is_empty() {
            let betas = self.betas.join(",");
            if let Some((name, value)) = self.header_value(BETA_HEADER, &betas) {
                self.config.headers.insert(name, value);
            }
        }
        if let Some(name) = self.bad_header {
            return Err(BuildError::Header {
                name,
                reason: "not a valid HTTP header name or value".to_owned(),
            });
        }
        Ok(Client {
            transport: Transport::new(self.provider, self.config)?,
            auth: self.auth,
        })
    }
}

/// An Anthropic (or Anthropic-compatible) API client. Cheap to clone; clones share
/// connections.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    auth: Auth,
}

#[cfg(any(feature = "messages", feature = "count_tokens"))]
fn encode<T: serde::Serialize>(
    provider: &'static str,
    api: &'static str,
    body: &T,
) -> Result<Value, Error> {
    aigw_http::encode(provider, api, body)
}

impl Client {
    /// A client for api.anthropic.com with this key.
    pub fn new(key: impl Into<SecretString>) -> Result<Self, BuildError> {
        Client::builder().api_key(key).build()
    }

    /// A client from `ANTHROPIC_API_KEY` (and `ANTHROPIC_BASE_URL`, if set).
    pub fn from_env() -> Result<Self, BuildError> {
        let mut builder = Client::builder().api_key(aigw_http::key_from_env(API_KEY_VAR)?);
        if let Ok(url) = std::env::var(BASE_URL_VAR)
            && !url.trim().is_empty()
        {
            builder = builder.base_url(url.trim());
        }
        builder.build()
    }

    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            provider: "anthropic",
            config: HttpConfig::new(DEFAULT_BASE_URL),
            auth: Auth::None,
            version: DEFAULT_VERSION.to_owned(),
            betas: Vec::new(),
            bad_header: None,
        }
    }

    /// The provider name used in errors and traces.
    pub fn provider(&self) -> &'static str {
        self.transport.provider()
    }

    fn call(
        &self,
        api: &'static str,
        method: Method,
        path: String,
        body: Option<&Value>,
    ) -> Result<Call, Error> {
        Call::json(self.provider(), api, method, path, body, &self.auth)
    }

    async fn send(&self, call: &Call) -> Result<RawResponse, Error> {
        self.transport.send(call).await
    }

    async fn send_json<T: DeserializeOwned>(&self, call: &Call) -> Result<T, Error> {
        self.transport.send_json(call).await
    }

    /// Raw escape hatch: any method and path (relative to the base URL), JSON in, the response
    /// as received (success statuses only; others are [`Error::Api`]).
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<RawResponse, Error> {
        let call = self.call("raw", method, path.to_owned(), body)?;
        self.send(&call).await
    }

    /// Raw escape hatch for streams: POSTs `body` to `path` and returns the SSE frames.
    pub async fn raw_stream(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<FrameStream<crate::ErrorResponse>, Error> {
        self.post_stream("raw", path, body).await
    }

    /// POSTs a JSON body and parses the answer as `T`.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        api: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<T, Error> {
        let call = self.call(api, Method::POST, path.to_owned(), Some(body))?;
        self.send_json(&call).await
    }

    /// POSTs a JSON body whose answer is an event stream.
    pub async fn post_stream(
        &self,
        api: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<FrameStream<crate::ErrorResponse>, Error> {
        let call = self.call(api, Method::POST, path.to_owned(), Some(body))?;
        self.transport.send_stream(&call).await
    }

    #[cfg(feature = "models")]
    async fn get_json<T: DeserializeOwned>(
        &self,
        api: &'static str,
        path: String,
    ) -> Result<T, Error> {
        let call = self.call(api, Method::GET, path, None)?;
        self.send_json(&call).await
    }

    /// A plain (non-streaming) body: `stream: true` would get an event stream back.
    #[cfg(feature = "messages")]
    fn plain_body<T: serde::Serialize>(
        &self,
        api: &'static str,
        request: &T,
        hint: &str,
    ) -> Result<Value, Error> {
        let body = encode(self.provider(), api, request)?;
        if body.get("stream").and_then(Value::as_bool) == Some(true) {
            return Err(Error::Request {
                provider: self.provider(),
                api,
                reason: format!("the request has `stream: true`: use {hint}"),
            });
        }
        Ok(body)
    }

    /// `POST /messages`.
    #[cfg(feature = "messages")]
    pub async fn messages(
        &self,
        request: &crate::CreateMessageParams,
    ) -> Result<crate::Message, Error> {
        let body = self.plain_body("messages", request, "messages_stream")?;
        self.post_json("messages", "/messages", &body).await
    }

    /// `POST /messages` with `stream: true`.
    #[cfg(feature = "messages")]
    pub async fn messages_stream(
        &self,
        request: &crate::CreateMessageParams,
    ) -> Result<MessageStream, Error> {
        let mut body = encode(self.provider(), "messages", request)?;
        if let Some(object) = body.as_object_mut() {
            object.insert("stream".to_owned(), Value::Bool(true));
        }
        let frames = self.post_stream("messages", "/messages", &body).await?;
        Ok(frames.typed(message_shape()))
    }

    /// `POST /messages/count_tokens`.
    #[cfg(feature = "count_tokens")]
    pub async fn count_tokens(
        &self,
        request: &crate::CountMessageTokensParams,
    ) -> Result<crate::CountMessageTokensResponse, Error> {
        let body = encode(self.provider(), "messages.count_tokens", request)?;
        self.post_json("messages.count_tokens", "/messages/count_tokens", &body)
            .await
    }

    /// `GET /models` (the first page; page with [`Client::raw`] and `?after_id=`).
    #[cfg(feature = "models")]
    pub async fn models(&self) -> Result<crate::ListResponseModelInfo, Error> {
        self.get_json("models", "/models".to_owned()).await
    }

    /// `GET /models/{model_id}` (an id or an alias).
    #[cfg(feature = "models")]
    pub async fn model(&self, id: &str) -> Result<crate::ModelInfo, Error> {
        self.get_json("models", format!("/models/{}", segment(id)))
            .await
    }
}

/// How a Messages stream is typed and ends (`message_stop`, or an `error` event).
#[cfg(feature = "messages")]
pub fn message_shape() -> aigw_http::StreamShape<crate::MessageStreamEvent> {
    use crate::MessageStreamEvent as E;
    aigw_http::StreamShape {
        parse: |event| crate::stream::message_event(event).map_err(Into::into),
        is_terminal: |event| matches!(event, E::MessageStop(_) | E::Error(_)),
        terminal: Some("message_stop"),
        sentinel: None,
    }
}
