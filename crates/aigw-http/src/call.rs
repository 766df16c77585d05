//! One request as a client describes it, and the response as it came.

use crate::error::{Error, snippet};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};

/// A header carrying a secret, built at the last moment and marked sensitive (hyper and
/// reqwest then never print it). `prefix` is e.g. `"Bearer "`.
pub fn secret_header(prefix: &str, secret: &SecretString) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::try_from(format!("{prefix}{}", secret.expose_secret()))
        // The message must not echo the key.
        .map_err(|_| "the API key contains characters not allowed in an HTTP header".to_owned())?;
    value.set_sensitive(true);
    Ok(value)
}

/// `text` as one URL path segment (ids and model names may hold `/`, `?`, `#`, spaces):
/// everything but RFC 3986 unreserved characters and `:` is percent-encoded.
pub fn segment(text: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b':');
    percent_encoding::utf8_percent_encode(text, KEEP).to_string()
}

/// One request: what to send where, and what to call it in traces and errors.
#[derive(Clone, Debug)]
pub struct Call {
    /// The API, for traces and errors (`chat.completions`, `messages`, …).
    pub api: &'static str,
    /// The model, when the request names one (traces only).
    pub model: Option<String>,
    pub method: Method,
    /// Appended to the base URL (starts with `/`).
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Per-call headers (no secrets: those go in `auth`).
    pub headers: HeaderMap,
    /// The credential: its header is built when the request is sent, and the key is
    /// redacted from any error body that quotes it before the error is logged or returned.
    pub auth: crate::Auth,
    /// A JSON body.
    pub body: Option<Bytes>,
}

impl Call {
    pub fn new(api: &'static str, method: Method, path: impl Into<String>) -> Self {
        Call {
            api,
            model: None,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            auth: crate::Auth::None,
            body: None,
        }
    }

    pub fn get(api: &'static str, path: impl Into<String>) -> Self {
        Call::new(api, Method::GET, path)
    }

    pub fn post(api: &'static str, path: impl Into<String>, body: impl Into<Bytes>) -> Self {
        let mut call = Call::new(api, Method::POST, path);
        call.body = Some(body.into());
        call
    }

    pub fn model(mut self, model: Option<impl Into<String>>) -> Self {
        self.model = model.map(Into::into);
        self
    }

    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A call with a JSON body (its `model`, if any, named in traces) and a credential: what
    /// every provider client builds.
    pub fn json<E>(
        provider: &'static str,
        api: &'static str,
        method: Method,
        path: String,
        body: Option<&serde_json::Value>,
        auth: &crate::Auth,
    ) -> Result<Self, Error<E>> {
        let mut call = Call::new(api, method, path);
        if let Some(body) = body {
            call.model = body
                .get("model")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            call.body = Some(
                serde_json::to_vec(body)
                    .map_err(|e| encode_error(provider, api, &e))?
                    .into(),
            );
        }
        call.auth = auth.clone();
        Ok(call)
    }
}

fn encode_error<E>(
    provider: &'static str,
    api: &'static str,
    error: &serde_json::Error,
) -> Error<E> {
    Error::Request {
        provider,
        api,
        reason: format!("the body does not serialize: {error}"),
    }
}

/// A typed request body as JSON (so a client can adjust it before sending).
pub fn encode<T: serde::Serialize, E>(
    provider: &'static str,
    api: &'static str,
    body: &T,
) -> Result<serde_json::Value, Error<E>> {
    serde_json::to_value(body).map_err(|e| encode_error(provider, api, &e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn segments_encode_what_would_change_the_path() {
        assert_eq!(super::segment("resp_123-a.b~c"), "resp_123-a.b~c");
        assert_eq!(super::segment("ft:gpt-4o:org::x"), "ft:gpt-4o:org::x");
        assert_eq!(
            super::segment("meta-llama/Llama 3?#"),
            "meta-llama%2FLlama%203%3F%23"
        );
    }
}

/// A success response, body read.
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub provider: &'static str,
    pub api: &'static str,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub request_id: Option<String>,
    pub body: Bytes,
}

impl RawResponse {
    /// The body as `T`, or [`Error::Decode`] with the start of the body.
    pub fn json<T: serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            provider: self.provider,
            api: self.api,
            status: self.status,
            request_id: self.request_id.clone(),
            source,
            body: snippet(&self.body),
        })
    }
}
