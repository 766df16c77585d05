//! How a client proves who it is. Keys are `SecretString`s, exposed only while the header
//! value is built (and that value is marked sensitive).

use crate::call::secret_header;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName};
use secrecy::SecretString;

/// Where the key goes.
#[derive(Clone, Debug)]
pub enum Auth {
    /// No credentials (local servers: vLLM, LM Studio, Ollama).
    None,
    /// `Authorization: Bearer <key>` (OpenAI and most compatible providers).
    Bearer(SecretString),
    /// The key as the whole value of a header (`x-api-key`, `x-goog-api-key`, Azure's
    /// `api-key`).
    Header { name: HeaderName, key: SecretString },
}

impl Auth {
    /// The key, if any.
    pub fn key(&self) -> Option<&SecretString> {
        match self {
            Auth::None => None,
            Auth::Bearer(key) | Auth::Header { key, .. } => Some(key),
        }
    }

    /// `error` with the key redacted from any response body it quotes.
    pub fn redact<E: serde::de::DeserializeOwned>(
        &self,
        error: crate::Error<E>,
    ) -> crate::Error<E> {
        use secrecy::ExposeSecret;
        match self.key() {
            Some(key) => error.redact(key.expose_secret()),
            None => error,
        }
    }

    /// Adds the credential header to `headers`.
    pub fn apply(&self, headers: &mut HeaderMap) -> Result<(), String> {
        match self {
            Auth::None => {}
            Auth::Bearer(key) => {
                headers.insert(AUTHORIZATION, secret_header("Bearer ", key)?);
            }
            Auth::Header { name, key } => {
                headers.insert(name.clone(), secret_header("", key)?);
            }
        }
        Ok(())
    }
}

/// A key named by an environment variable was not there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {var} is not set (or empty): it should hold the API key")]
pub struct MissingKey {
    pub var: String,
}

/// The key in environment variable `var` (non-empty).
pub fn key_from_env(var: &str) -> Result<SecretString, MissingKey> {
    match std::env::var(var) {
        Ok(key) if !key.trim().is_empty() => Ok(SecretString::from(key.trim().to_owned())),
        _ => Err(MissingKey {
            var: var.to_owned(),
        }),
    }
}
