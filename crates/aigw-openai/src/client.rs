//! The OpenAI client (cargo feature `client`): Chat Completions (plain and streaming),
//! Responses (plain, streaming, retrieve, cancel), embeddings, models, and a raw escape hatch
//! for endpoints not typed here. Transport, retries, timeouts and errors: [`aigw_http`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = aigw_openai::client::Client::from_env()?; // OPENAI_API_KEY
//! let request = serde_json::from_value(serde_json::json!({
//!     "model": "gpt-4o-mini",
//!     "messages": [{"role": "user", "content": "Say hi"}]
//! }))?;
//! let completion = client.chat(&request).await?;
//! println!("{}", serde_json::to_string_pretty(&completion)?);
//! # Ok(()) }
//! ```

use aigw_http::header::{HeaderName, HeaderValue};
use aigw_http::{
    Auth, Call, FrameStream, HttpConfig, Method, RawResponse, RetryPolicy, Timeouts, Transport,
};
#[cfg(any(feature = "chat", feature = "responses"))]
use aigw_http::{EventStream, StreamShape};
use secrecy::SecretString;
#[cfg(any(feature = "chat", feature = "responses", feature = "embeddings"))]
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use aigw_http::{MissingKey, segment};

/// A failed OpenAI request; the error body type is the spec's `ErrorResponse`.
pub type Error = aigw_http::Error<crate::ErrorResponse>;

/// Typed Chat Completions stream events, ending with [`crate::stream::ChatStreamEvent::Done`]
/// (or a mid-stream error event).
#[cfg(feature = "chat")]
pub type ChatStream = EventStream<crate::stream::ChatStreamEvent, crate::ErrorResponse>;

/// Typed Responses stream events, ending with `response.completed`, `.failed`,
/// `.incomplete` or `error`.
#[cfg(feature = "responses")]
pub type ResponsesStream = EventStream<crate::ResponseStreamEvent, crate::ErrorResponse>;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const API_KEY_VAR: &str = "OPENAI_API_KEY";
pub const BASE_URL_VAR: &str = "OPENAI_BASE_URL";

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
    query: Vec<(String, String)>,
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

    /// The API root (default [`DEFAULT_BASE_URL`]); proxies and Azure-style deployments
    /// (`https://{resource}.openai.azure.com/openai/deployments/{deployment}` with
    /// [`ClientBuilder::auth`] `api-key` and [`ClientBuilder::query_param`] `api-version`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into();
        self
    }

    /// `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.auth = Auth::Bearer(key.into());
        self
    }

    /// Any credential style (e.g. Azure's `api-key` header, or none for a local server).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// `OpenAI-Organization`.
    pub fn organization(mut self, organization: &str) -> Self {
        if let Some((name, value)) = self.header_value("openai-organization", organization) {
            self.config.headers.insert(name, value);
        }
        self
    }

    /// `OpenAI-Project`.
    pub fn project(mut self, project: &str) -> Self {
        if let Some((name, value)) = self.header_value("openai-project", project) {
            self.config.headers.insert(name, value);
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

    /// A query parameter sent with every request (Azure's `api-version`).
    pub fn query_param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
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

    /// The provider name in errors and traces (default `openai`; compatible providers use
    /// their own).
    pub fn provider_name(mut self, provider: &'static str) -> Self {
        self.provider = provider;
        self
    }

    pub fn build(self) -> Result<Client, BuildError> {
        if let Some(name) = self.bad_header {
            return Err(BuildError::Header {
                name,
                reason: "not a valid HTTP header name or value".to_owned(),
            });
        }
        Ok(Client {
            transport: Transport::new(self.provider, self.config)?,
            auth: self.auth,
            query: self.query,
        })
    }
}

/// An OpenAI (or OpenAI-compatible) API client. Cheap to clone; clones share connections.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    auth: Auth,
    query: Vec<(String, String)>,
}

#[cfg(any(feature = "chat", feature = "responses", feature = "embeddings"))]
fn encode<T: Serialize>(
    provider: &'static str,
    api: &'static str,
    body: &T,
) -> Result<Value, Error> {
    aigw_http::encode(provider, api, body)
}

impl Client {
    /// A client for api.openai.com with this key.
    pub fn new(key: impl Into<SecretString>) -> Result<Self, BuildError> {
        Client::builder().api_key(key).build()
    }

    /// A client from `OPENAI_API_KEY` (and `OPENAI_BASE_URL`, if set).
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
            provider: "openai",
            config: HttpConfig::new(DEFAULT_BASE_URL),
            auth: Auth::None,
            query: Vec::new(),
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
        let mut call = Call::json(self.provider(), api, method, path, body, &self.auth)?;
        call.query.clone_from(&self.query);
        Ok(call)
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

    #[cfg(any(feature = "models", feature = "responses"))]
    async fn get_json<T: DeserializeOwned>(
        &self,
        api: &'static str,
        path: String,
    ) -> Result<T, Error> {
        let call = self.call(api, Method::GET, path, None)?;
        self.send_json(&call).await
    }

    /// A plain (non-streaming) body: `stream: true` would get an event stream back.
    #[cfg(any(feature = "chat", feature = "responses"))]
    fn plain_body<T: Serialize>(
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

    /// `POST /chat/completions`.
    #[cfg(feature = "chat")]
    pub async fn chat(
        &self,
        request: &crate::CreateChatCompletionRequest,
    ) -> Result<crate::CreateChatCompletionResponse, Error> {
        let body = self.plain_body("chat.completions", request, "chat_stream")?;
        self.post_json("chat.completions", "/chat/completions", &body)
            .await
    }

    /// `POST /chat/completions` with `stream: true`, and `stream_options.include_usage: true`
    /// unless the request sets `stream_options` itself (so the last chunk carries usage).
    #[cfg(feature = "chat")]
    pub async fn chat_stream(
        &self,
        request: &crate::CreateChatCompletionRequest,
    ) -> Result<ChatStream, Error> {
        let mut body = encode(self.provider(), "chat.completions", request)?;
        prepare_chat_stream(&mut body);
        let frames = self
            .post_stream("chat.completions", "/chat/completions", &body)
            .await?;
        Ok(frames.typed(chat_shape()))
    }

    /// `POST /responses`.
    #[cfg(feature = "responses")]
    pub async fn responses(
        &self,
        request: &crate::CreateResponse,
    ) -> Result<crate::Response, Error> {
        let body = self.plain_body("responses", request, "responses_stream")?;
        self.post_json("responses", "/responses", &body).await
    }

    /// `POST /responses` with `stream: true`.
    #[cfg(feature = "responses")]
    pub async fn responses_stream(
        &self,
        request: &crate::CreateResponse,
    ) -> Result<ResponsesStream, Error> {
        let mut body = encode(self.provider(), "responses", request)?;
        if let Some(object) = body.as_object_mut() {
            object.insert("stream".to_owned(), Value::Bool(true));
        }
        let frames = self.post_stream("responses", "/responses", &body).await?;
        Ok(frames.typed(responses_shape()))
    }

    /// `GET /responses/{id}`.
    #[cfg(feature = "responses")]
    pub async fn retrieve_response(&self, id: &str) -> Result<crate::Response, Error> {
        self.get_json("responses.retrieve", format!("/responses/{}", segment(id)))
            .await
    }

    /// `POST /responses/{id}/cancel` (background responses).
    #[cfg(feature = "responses")]
    pub async fn cancel_response(&self, id: &str) -> Result<crate::Response, Error> {
        let call = self.call(
            "responses.cancel",
            Method::POST,
            format!("/responses/{}/cancel", segment(id)),
            None,
        )?;
        self.send_json(&call).await
    }

    /// `POST /embeddings`.
    #[cfg(feature = "embeddings")]
    pub async fn embeddings(
        &self,
        request: &crate::CreateEmbeddingRequest,
    ) -> Result<crate::CreateEmbeddingResponse, Error> {
        let body = encode(self.provider(), "embeddings", request)?;
        self.post_json("embeddings", "/embeddings", &body).await
    }

    /// `GET /models`.
    #[cfg(feature = "models")]
    pub async fn models(&self) -> Result<crate::ListModelsResponse, Error> {
        self.get_json("models", "/models".to_owned()).await
    }

    /// `GET /models/{model}`.
    #[cfg(feature = "models")]
    pub async fn model(&self, model: &str) -> Result<crate::Model, Error> {
        self.get_json("models", format!("/models/{}", segment(model)))
            .await
    }
}

/// Sets `stream: true` and, unless present, `stream_options: {"include_usage": true}`.
#[cfg(feature = "chat")]
pub fn prepare_chat_stream(body: &mut Value) {
    if let Some(object) = body.as_object_mut() {
        object.insert("stream".to_owned(), Value::Bool(true));
        object
            .entry("stream_options")
            .or_insert_with(|| serde_json::json!({ "include_usage": true }));
    }
}

/// How a Chat Completions stream is typed and ends (`[DONE]`, or an error event).
#[cfg(feature = "chat")]
pub fn chat_shape() -> StreamShape<crate::stream::ChatStreamEvent> {
    use crate::stream::ChatStreamEvent;
    StreamShape {
        parse: |event| ChatStreamEvent::from_sse(event).map_err(Into::into),
        is_terminal: |event| matches!(event, ChatStreamEvent::Done | ChatStreamEvent::Error(_)),
        terminal: Some("data: [DONE]"),
        // `[DONE]` is the Chat stream's own terminal event.
        sentinel: None,
    }
}

/// How a Responses stream is typed and ends: at `response.completed`, `response.failed`,
/// `response.incomplete` or `error`; a Chat-style `data: [DONE]` (some OpenAI-compatible
/// vendors end their Responses stream with one) ends it too, noted, not an error.
#[cfg(feature = "responses")]
pub fn responses_shape() -> StreamShape<crate::ResponseStreamEvent> {
    use crate::ResponseStreamEvent as E;
    StreamShape {
        parse: |event| crate::stream::responses_event(event).map_err(Into::into),
        is_terminal: |event| {
            matches!(
                event,
                E::ResponseCompleted(_)
                    | E::ResponseFailed(_)
                    | E::ResponseIncomplete(_)
                    | E::Error(_)
            )
        },
        terminal: Some("response.completed, response.failed, response.incomplete or error"),
        sentinel: Some(crate::stream::DONE),
    }
}
