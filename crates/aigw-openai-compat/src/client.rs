//! The client: `aigw-openai`'s, pointed at the provider, with every chat request fitted to
//! its quirks and the adjustments returned with the response.

use crate::adjust::{Adjustments, adjust_chat};
use crate::presets::{Preset, Provider};
use crate::quirks::Quirks;
use aigw_http::{Auth, MissingKey, RetryPolicy, Timeouts};
use aigw_openai::client::{ChatStream, Client, ResponsesStream};
use secrecy::SecretString;
use serde_json::Value;

/// A response, and what was changed in the request to get it.
#[derive(Debug)]
pub struct Adjusted<T> {
    pub value: T,
    pub adjustments: Adjustments,
}

/// Why a compatible-provider call failed.
#[derive(Debug, thiserror::Error)]
pub enum CompatError {
    /// The provider lacks a whole capability (streaming, the Responses API).
    #[error("{provider} does not support {feature}")]
    Unsupported {
        provider: &'static str,
        feature: &'static str,
    },
    /// Strict mode: the request would have lost something. Nothing was sent.
    #[error("{provider}: strict mode refuses a request that would lose: {}", losses(.adjustments))]
    Strict {
        provider: &'static str,
        adjustments: Adjustments,
    },
    #[error("{provider}: the request does not serialize: {source}")]
    Encode {
        provider: &'static str,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Http(#[from] aigw_openai::client::Error),
}

fn losses(adjustments: &Adjustments) -> String {
    let losses: Vec<String> = adjustments.losses().map(ToString::to_string).collect();
    losses.join("; ")
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{provider}: {source}")]
    MissingKey {
        provider: &'static str,
        source: MissingKey,
    },
    #[error(transparent)]
    Client(#[from] aigw_openai::client::BuildError),
}

/// Configures a [`CompatClient`].
#[derive(Clone, Debug)]
pub struct CompatClientBuilder {
    provider: Provider,
    key: Option<SecretString>,
    strict: bool,
    timeouts: Option<Timeouts>,
    retry: Option<RetryPolicy>,
}

impl CompatClientBuilder {
    pub fn key(mut self, key: impl Into<SecretString>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Overrides the preset's base URL (a self-hosted vLLM, a proxy, …).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.provider.base_url = url.into();
        self
    }

    pub fn quirks(mut self, quirks: Quirks) -> Self {
        self.provider.quirks = quirks;
        self
    }

    /// Refuse (with [`CompatError::Strict`]) any request that would lose a field or be
    /// approximated; renames and same-meaning mappings are still made.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = Some(timeouts);
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    pub fn build(self) -> Result<CompatClient, BuildError> {
        let provider = self.provider;
        let auth = match self.key {
            Some(key) => Auth::Bearer(key),
            None if provider.key_optional => Auth::None,
            None => {
                return Err(BuildError::MissingKey {
                    provider: provider.name,
                    source: MissingKey {
                        var: provider.key_var.to_owned(),
                    },
                });
            }
        };
        let mut client = Client::builder()
            .provider_name(provider.name)
            .base_url(provider.base_url.clone())
            .auth(auth);
        if let Some(timeouts) = self.timeouts {
            client = client.timeouts(timeouts);
        }
        if let Some(retry) = self.retry {
            client = client.retry(retry);
        }
        Ok(CompatClient {
            client: client.build()?,
            provider,
            strict: self.strict,
        })
    }
}

/// A client for one OpenAI-compatible provider.
#[derive(Clone, Debug)]
pub struct CompatClient {
    client: Client,
    provider: Provider,
    strict: bool,
}

impl CompatClient {
    pub fn builder(provider: Provider) -> CompatClientBuilder {
        CompatClientBuilder {
            provider,
            key: None,
            strict: false,
            timeouts: None,
            retry: None,
        }
    }

    /// A client for `preset` with its key from the preset's variable (`GROQ_API_KEY`, …;
    /// optional for local servers) and, if set, its base URL from `<NAME>_BASE_URL`
    /// (`VLLM_BASE_URL`, `OLLAMA_BASE_URL`, …).
    pub fn from_env(preset: Preset) -> Result<Self, BuildError> {
        let provider = preset.provider();
        let mut builder = CompatClient::builder(provider.clone());
        // A missing key is `build`'s to report (it knows whether the preset needs one).
        if let Ok(key) = aigw_http::key_from_env(provider.key_var) {
            builder = builder.key(key);
        }
        let url_var = format!("{}_BASE_URL", provider.key_var.trim_end_matches("_API_KEY"));
        if let Ok(url) = std::env::var(url_var)
            && !url.trim().is_empty()
        {
            builder = builder.base_url(url.trim());
        }
        builder.build()
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The underlying OpenAI client (raw escape hatch; no adjustments there).
    pub fn openai(&self) -> &Client {
        &self.client
    }

    /// The body that would be sent for `request`, and what was changed to get it. Errors
    /// when the provider cannot stream, or in strict mode when something would be lost.
    pub fn prepare_chat(
        &self,
        request: &aigw_openai::CreateChatCompletionRequest,
        stream: bool,
    ) -> Result<(Value, Adjustments), CompatError> {
        let name = self.provider.name;
        let quirks = &self.provider.quirks;
        if stream && !quirks.supports_streaming {
            return Err(CompatError::Unsupported {
                provider: name,
                feature: "streaming",
            });
        }
        let mut body = serde_json::to_value(request).map_err(|source| CompatError::Encode {
            provider: name,
            source,
        })?;
        if stream {
            if quirks.supports_stream_usage {
                aigw_openai::client::prepare_chat_stream(&mut body);
            } else if let Some(object) = body.as_object_mut() {
                object.insert("stream".to_owned(), Value::Bool(true));
            }
        }
        let adjustments = adjust_chat(name, quirks, &mut body);
        if self.strict && adjustments.losses().next().is_some() {
            return Err(CompatError::Strict {
                provider: name,
                adjustments,
            });
        }
        Ok((body, adjustments))
    }

    /// `POST /chat/completions`, fitted to the provider.
    pub async fn chat(
        &self,
        request: &aigw_openai::CreateChatCompletionRequest,
    ) -> Result<Adjusted<aigw_openai::CreateChatCompletionResponse>, CompatError> {
        if request.stream == aigw_openai::Maybe::Present(true) {
            return Err(CompatError::Http(aigw_openai::client::Error::Request {
                provider: self.provider.name,
                api: "chat.completions",
                reason: "the request has `stream: true`: use chat_stream".to_owned(),
            }));
        }
        let (body, adjustments) = self.prepare_chat(request, false)?;
        let value = self
            .client
            .post_json("chat.completions", "/chat/completions", &body)
            .await?;
        Ok(Adjusted { value, adjustments })
    }

    /// `POST /chat/completions` streaming, fitted to the provider (usage requested when the
    /// provider takes `stream_options`).
    pub async fn chat_stream(
        &self,
        request: &aigw_openai::CreateChatCompletionRequest,
    ) -> Result<Adjusted<ChatStream>, CompatError> {
        let (body, adjustments) = self.prepare_chat(request, true)?;
        let frames = self
            .client
            .post_stream("chat.completions", "/chat/completions", &body)
            .await?;
        Ok(Adjusted {
            value: frames.typed(aigw_openai::client::chat_shape()),
            adjustments,
        })
    }

    fn responses_api(&self) -> Result<(), CompatError> {
        if self.provider.quirks.supports_responses_api {
            Ok(())
        } else {
            Err(CompatError::Unsupported {
                provider: self.provider.name,
                feature: "the Responses API",
            })
        }
    }

    /// `POST /responses`, where the provider has it (sent as is).
    pub async fn responses(
        &self,
        request: &aigw_openai::CreateResponse,
    ) -> Result<Adjusted<aigw_openai::Response>, CompatError> {
        self.responses_api()?;
        Ok(Adjusted {
            value: self.client.responses(request).await?,
            adjustments: Adjustments::default(),
        })
    }

    /// `POST /responses` streaming, where the provider has it.
    pub async fn responses_stream(
        &self,
        request: &aigw_openai::CreateResponse,
    ) -> Result<Adjusted<ResponsesStream>, CompatError> {
        self.responses_api()?;
        Ok(Adjusted {
            value: self.client.responses_stream(request).await?,
            adjustments: Adjustments::default(),
        })
    }

    /// `POST /embeddings`.
    pub async fn embeddings(
        &self,
        request: &aigw_openai::CreateEmbeddingRequest,
    ) -> Result<aigw_openai::CreateEmbeddingResponse, CompatError> {
        Ok(self.client.embeddings(request).await?)
    }

    /// `GET /models`.
    pub async fn models(&self) -> Result<aigw_openai::ListModelsResponse, CompatError> {
        Ok(self.client.models().await?)
    }
}
