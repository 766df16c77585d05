//! The Gemini client (cargo feature `client`): `generateContent` (plain and streaming),
//! `countTokens`, `embedContent` / `batchEmbedContents`, models, and a raw escape hatch for
//! endpoints not typed here. Transport, retries, timeouts and errors: [`aigw_http`].
//!
//! The key is sent only as the `x-goog-api-key` header, never as a `key=` query parameter
//! (URLs end up in logs and proxies). Model names are accepted bare (`gemini-2.0-flash`) or
//! as resource names (`models/gemini-2.0-flash`, `tunedModels/my-model`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = aigw_gemini::client::Client::from_env()?; // GEMINI_API_KEY
//! let request = serde_json::from_value(serde_json::json!({
//!     "contents": [{"role": "user", "parts": [{"text": "Say hi"}]}]
//! }))?;
//! let response = client.generate_content("gemini-2.0-flash", &request).await?;
//! println!("{}", serde_json::to_string_pretty(&response)?);
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

/// A failed Gemini request; the error body type is `ErrorResponse`
/// (`{"error": {code, message, status, details}}`).
pub type Error = aigw_http::Error<crate::ErrorResponse>;

/// Typed `streamGenerateContent` chunks, each a [`crate::GenerateContentResponse`]; the stream
/// just ends (no terminal event). Fold them with [`crate::stream::ResponseAccumulator`].
#[cfg(feature = "generate")]
pub type ContentStream =
    aigw_http::EventStream<crate::GenerateContentResponse, crate::ErrorResponse>;

pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com/v1beta";
pub const API_KEY_VAR: &str = "GEMINI_API_KEY";
/// Read when [`API_KEY_VAR`] is not set (the name Google's own SDKs also accept).
pub const FALLBACK_API_KEY_VAR: &str = "GOOGLE_API_KEY";
pub const BASE_URL_VAR: &str = "GEMINI_BASE_URL";

/// The header carrying the key.
const KEY_HEADER: &str = "x-goog-api-key";

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

    /// The API root (default [`DEFAULT_BASE_URL`]; `…/v1` for the stable API, or a proxy).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = url.into();
        self
    }

    /// `x-goog-api-key: <key>` (never a `key=` query parameter).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.auth = Auth::Header {
            name: HeaderName::from_static(KEY_HEADER),
            key: key.into(),
        };
        self
    }

    /// Any credential style (e.g. `Auth::Bearer` with an OAuth token, or none behind a proxy
    /// that adds the key).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// A header sent with every request (not for secrets: use [`ClientBuilder::api_key`] or
    /// [`ClientBuilder::auth`]).
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

    /// The provider name in errors and traces (default `gemini`).
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
        })
    }
}

/// A Gemini API (Generative Language API) client. Cheap to clone; clones share connections.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    auth: Auth,
}

#[cfg(any(feature = "generate", feature = "count_tokens", feature = "embeddings"))]
fn encode<T: serde::Serialize>(
    provider: &'static str,
    api: &'static str,
    body: &T,
) -> Result<Value, Error> {
    aigw_http::encode(provider, api, body)
}

/// A model's resource path (`/models/{id}` or `/tunedModels/{id}`, the id escaped) and its
/// name for traces, from `gemini-2.0-flash`, `models/gemini-2.0-flash` or
/// `tunedModels/my-model`. Anything else (an empty id, `.` or `..`, another `/`, a `:` that
/// would name a different method) is refused.
#[cfg(any(
    feature = "generate",
    feature = "count_tokens",
    feature = "embeddings",
    feature = "models"
))]
fn model_resource(model: &str) -> Result<(String, String), String> {
    let (collection, id) = if let Some(id) = model.strip_prefix("models/") {
        ("models", id)
    } else if let Some(id) = model.strip_prefix("tunedModels/") {
        ("tunedModels", id)
    } else {
        ("models", model)
    };
    if id.is_empty() || id == "." || id == ".." || id.contains(['/', ':']) {
        return Err(format!(
            "invalid model name {model:?}: expected `gemini-2.0-flash`, \
             `models/gemini-2.0-flash` or `tunedModels/my-model`"
        ));
    }
    let traced = match collection {
        "models" => id.to_owned(),
        _ => format!("{collection}/{id}"),
    };
    Ok((format!("/{collection}/{}", segment(id)), traced))
}

impl Client {
    /// A client for generativelanguage.googleapis.com with this key.
    pub fn new(key: impl Into<SecretString>) -> Result<Self, BuildError> {
        Client::builder().api_key(key).build()
    }

    /// A client from `GEMINI_API_KEY` (else `GOOGLE_API_KEY`) and `GEMINI_BASE_URL`, if set.
    pub fn from_env() -> Result<Self, BuildError> {
        let key = aigw_http::key_from_env(API_KEY_VAR)
            .or_else(|_| aigw_http::key_from_env(FALLBACK_API_KEY_VAR))
            .map_err(|_| MissingKey {
                var: format!("{API_KEY_VAR} (or {FALLBACK_API_KEY_VAR})"),
            })?;
        let mut builder = Client::builder().api_key(key);
        if let Ok(url) = std::env::var(BASE_URL_VAR)
            && !url.trim().is_empty()
        {
            builder = builder.base_url(url.trim());
        }
        builder.build()
    }

    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            provider: "gemini",
            config: HttpConfig::new(DEFAULT_BASE_URL),
            auth: Auth::None,
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

    /// A call to `{model resource}{suffix}` (`:generateContent`, or `""` for the model
    /// itself), named after the model in traces.
    #[cfg(any(
        feature = "generate",
        feature = "count_tokens",
        feature = "embeddings",
        feature = "models"
    ))]
    fn model_call(
        &self,
        api: &'static str,
        method: Method,
        model: &str,
        suffix: &str,
        body: Option<&Value>,
    ) -> Result<Call, Error> {
        let (path, traced) = model_resource(model).map_err(|reason| Error::Request {
            provider: self.provider(),
            api,
            reason,
        })?;
        let mut call = self.call(api, method, format!("{path}{suffix}"), body)?;
        call.model = Some(traced);
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

    /// Raw escape hatch for streams: POSTs `body` to `path` (with `alt=sse`) and returns the
    /// SSE frames.
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

    /// POSTs a JSON body whose answer is an event stream. Adds the query parameter `alt=sse`
    /// (without it Gemini streams one JSON array) unless `path` already sets `alt`.
    pub async fn post_stream(
        &self,
        api: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<FrameStream<crate::ErrorResponse>, Error> {
        let mut call = self.call(api, Method::POST, path.to_owned(), Some(body))?;
        let has_alt = path
            .split_once('?')
            .is_some_and(|(_, query)| query.split('&').any(|p| p.starts_with("alt=")));
        if !has_alt {
            call = call.query("alt", "sse");
        }
        self.transport.send_stream(&call).await
    }

    /// `POST /models/{model}:generateContent`.
    #[cfg(feature = "generate")]
    pub async fn generate_content(
        &self,
        model: &str,
        request: &crate::GenerateContentRequest,
    ) -> Result<crate::GenerateContentResponse, Error> {
        const API: &str = "generateContent";
        let body = encode(self.provider(), API, request)?;
        let call = self.model_call(API, Method::POST, model, ":generateContent", Some(&body))?;
        self.send_json(&call).await
    }

    /// `POST /models/{model}:streamGenerateContent?alt=sse`: the response in chunks, as they
    /// are generated.
    #[cfg(feature = "generate")]
    pub async fn stream_generate_content(
        &self,
        model: &str,
        request: &crate::GenerateContentRequest,
    ) -> Result<ContentStream, Error> {
        const API: &str = "streamGenerateContent";
        let body = encode(self.provider(), API, request)?;
        let call = self
            .model_call(
                API,
                Method::POST,
                model,
                ":streamGenerateContent",
                Some(&body),
            )?
            .query("alt", "sse");
        let frames = self.transport.send_stream(&call).await?;
        Ok(frames.typed(content_shape()))
    }

    /// `POST /models/{model}:countTokens`.
    #[cfg(feature = "count_tokens")]
    pub async fn count_tokens(
        &self,
        model: &str,
        request: &crate::CountTokensRequest,
    ) -> Result<crate::CountTokensResponse, Error> {
        const API: &str = "countTokens";
        let body = encode(self.provider(), API, request)?;
        let call = self.model_call(API, Method::POST, model, ":countTokens", Some(&body))?;
        self.send_json(&call).await
    }

    /// `POST /models/{model}:embedContent`.
    #[cfg(feature = "embeddings")]
    pub async fn embed_content(
        &self,
        model: &str,
        request: &crate::EmbedContentRequest,
    ) -> Result<crate::EmbedContentResponse, Error> {
        const API: &str = "embedContent";
        let body = encode(self.provider(), API, request)?;
        let call = self.model_call(API, Method::POST, model, ":embedContent", Some(&body))?;
        self.send_json(&call).await
    }

    /// `POST /models/{model}:batchEmbedContents`.
    #[cfg(feature = "embeddings")]
    pub async fn batch_embed_contents(
        &self,
        model: &str,
        request: &crate::BatchEmbedContentsRequest,
    ) -> Result<crate::BatchEmbedContentsResponse, Error> {
        const API: &str = "batchEmbedContents";
        let body = encode(self.provider(), API, request)?;
        let call = self.model_call(API, Method::POST, model, ":batchEmbedContents", Some(&body))?;
        self.send_json(&call).await
    }

    /// `GET /models` (the first page; see [`Client::models_page`]).
    #[cfg(feature = "models")]
    pub async fn models(&self) -> Result<crate::ListModelsResponse, Error> {
        self.models_page(None, None).await
    }

    /// `GET /models?pageSize=…&pageToken=…`: `page_token` is the previous page's
    /// `nextPageToken`.
    #[cfg(feature = "models")]
    pub async fn models_page(
        &self,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<crate::ListModelsResponse, Error> {
        let mut call = self.call("models", Method::GET, "/models".to_owned(), None)?;
        if let Some(size) = page_size {
            call = call.query("pageSize", size.to_string());
        }
        if let Some(token) = page_token {
            call = call.query("pageToken", token);
        }
        self.send_json(&call).await
    }

    /// `GET /models/{model}` (or `/tunedModels/{model}`).
    #[cfg(feature = "models")]
    pub async fn model(&self, model: &str) -> Result<crate::Model, Error> {
        let call = self.model_call("models", Method::GET, model, "", None)?;
        self.send_json(&call).await
    }
}

/// How a `streamGenerateContent` stream (`alt=sse`) is typed and ends: every event is a
/// [`crate::GenerateContentResponse`] chunk, and the stream just ends (the last chunk carries
/// the `finishReason`).
#[cfg(feature = "generate")]
pub fn content_shape() -> aigw_http::StreamShape<crate::GenerateContentResponse> {
    aigw_http::StreamShape {
        parse: |event| crate::stream::chunk(event).map_err(Into::into),
        is_terminal: |_| false,
        terminal: None,
        sentinel: None,
    }
}

#[cfg(all(test, any(feature = "generate", feature = "models")))]
mod tests {
    use super::model_resource;

    #[test]
    fn model_names_become_escaped_resource_paths() {
        let ok = |name: &str| model_resource(name).expect(name);
        assert_eq!(
            ok("gemini-2.0-flash"),
            ("/models/gemini-2.0-flash".into(), "gemini-2.0-flash".into())
        );
        assert_eq!(ok("models/gemini-2.0-flash"), ok("gemini-2.0-flash"));
        assert_eq!(
            ok("tunedModels/my-model"),
            (
                "/tunedModels/my-model".into(),
                "tunedModels/my-model".into()
            )
        );
        assert_eq!(ok("my model?#").0, "/models/my%20model%3F%23");
        for bad in [
            "",
            "models/",
            "tunedModels/",
            "a/b",
            "models/a/b",
            "publishers/google/models/x",
            "..",
            "models/..",
            ".",
            "x:countTokens",
        ] {
            assert!(model_resource(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
