//! Upstream providers as the gateway calls them: base URL, key, quirks, and the URL and
//! headers of each call.

use crate::balance::Key;
use crate::balance::config::KeyEnvConfig;
use crate::config::{ProviderConfig, ProviderKind};
use crate::protocol::Api;
use aigw_http::{Auth, SecretString, segment};
use aigw_openai_compat::{Preset, Quirks};
use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The `anthropic-version` sent when the client did not send one.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// One configured upstream.
#[derive(Debug)]
pub struct Provider {
    pub name: String,
    pub kind: ProviderKind,
    /// Without a trailing `/`.
    pub base_url: String,
    /// At least one (without a key: one that sends none); each its own balancing member.
    pub keys: Vec<Key>,
    /// For `openai-compat`: what the provider accepts (OpenAI's own for `openai`).
    pub quirks: Quirks,
    /// The name its prices are listed under: the kind (`openai`, `anthropic`, `gemini`) or
    /// the preset (`groq`, …); a configured `[pricing]` table may also list the provider's
    /// own name.
    pub pricing: String,
    /// For `azure`: the `api-version` query of every call (checked: URL-safe).
    api_version: Option<String>,
}

/// A call an upstream gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Generate {
        api: Api,
        stream: bool,
    },
    Embeddings,
    Models,
    /// Anthropic `messages/count_tokens` or Gemini `:countTokens`.
    CountTokens,
}

impl Provider {
    /// Builds a provider from its configuration; `lookup` reads the environment.
    pub fn new(
        name: &str,
        config: &ProviderConfig,
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Provider, String> {
        let preset = match (&config.kind, &config.preset) {
            (ProviderKind::OpenaiCompat, Some(preset)) => Some(
                Preset::from_name(preset)
                    .ok_or_else(|| {
                        let known: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                        format!(
                            "provider {name}: unknown preset {preset:?} (known: {})",
                            known.join(", ")
                        )
                    })?
                    .provider(),
            ),
            (ProviderKind::OpenaiCompat, None) => None,
            (_, Some(_)) => {
                return Err(format!(
                    "provider {name}: `preset` is only for kind = \"openai-compat\""
                ));
            }
            (_, None) => None,
        };
        let (default_url, default_key, key_optional) = match (&config.kind, &preset) {
            (ProviderKind::Openai, _) => (
                Some(aigw_openai::client::DEFAULT_BASE_URL),
                Some("OPENAI_API_KEY"),
                false,
            ),
            (ProviderKind::Anthropic, _) => (
                Some(aigw_anthropic::client::DEFAULT_BASE_URL),
                Some("ANTHROPIC_API_KEY"),
                false,
            ),
            (ProviderKind::Gemini, _) => (
                Some(aigw_gemini::client::DEFAULT_BASE_URL),
                Some("GEMINI_API_KEY"),
                false,
            ),
            (ProviderKind::OpenaiCompat, Some(p)) => {
                (Some(p.base_url.as_str()), Some(p.key_var), p.key_optional)
            }
            (ProviderKind::OpenaiCompat, None) => (None, None, true),
            (ProviderKind::Azure, _) => (None, Some("AZURE_OPENAI_API_KEY"), false),
        };
        let api_version = azure_api_version(name, config)?;
        let base_url = config
            .base_url
            .as_deref()
            .or(default_url)
            .ok_or_else(|| match config.kind {
                ProviderKind::Azure => format!(
                    "provider {name}: kind = \"azure\" needs `base_url` (https://NAME.openai.azure.com)"
                ),
                _ => format!("provider {name}: `base_url` is required without a preset"),
            })?
            .trim_end_matches('/')
            .to_owned();
        // Azure's endpoint is the resource's: `/openai` is part of every path written here.
        let base_url = match config.kind {
            ProviderKind::Azure => base_url.trim_end_matches("/openai").to_owned(),
            _ => base_url,
        };
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(format!(
                "provider {name}: base_url {base_url:?} is not an http(s) URL"
            ));
        }
        let keys = keys(name, config, default_key, key_optional, lookup)?;
        Ok(Provider {
            name: name.to_owned(),
            kind: config.kind,
            base_url,
            keys,
            pricing: match config.kind {
                // Azure bills OpenAI's models at OpenAI's list prices (found when the
                // deployment is named after its model; else `[pricing]` under the provider's name).
                ProviderKind::Openai | ProviderKind::Azure => "openai".to_owned(),
                ProviderKind::Anthropic => "anthropic".to_owned(),
                ProviderKind::Gemini => "gemini".to_owned(),
                ProviderKind::OpenaiCompat => {
                    config.preset.clone().unwrap_or_else(|| "openai".into())
                }
            },
            quirks: preset.map(|p| p.quirks).unwrap_or_default(),
            api_version,
        })
    }

    /// The API this provider is called with for a client of `client`.
    pub fn api_for(&self, client: Api) -> Api {
        match self.kind {
            ProviderKind::Anthropic => Api::Messages,
            ProviderKind::Gemini => Api::Gemini,
            ProviderKind::Openai | ProviderKind::Azure => match client {
                Api::Responses => Api::Responses,
                _ => Api::Chat,
            },
            ProviderKind::OpenaiCompat => match client {
                Api::Responses if self.quirks.supports_responses_api => Api::Responses,
                _ => Api::Chat,
            },
        }
    }

    /// Whether the provider has an OpenAI-style embeddings endpoint.
    pub fn speaks_openai(&self) -> bool {
        matches!(
            self.kind,
            ProviderKind::Openai | ProviderKind::OpenaiCompat | ProviderKind::Azure
        )
    }

    /// The URL of `call` for `model`.
    pub fn url(&self, call: Call, model: &str) -> String {
        let base = &self.base_url;
        if let (ProviderKind::Azure, Some(version)) = (self.kind, &self.api_version) {
            return azure_url(base, version, call, model);
        }
        match (self.kind, call) {
            (ProviderKind::Gemini, Call::Generate { stream: false, .. }) => {
                format!("{base}/models/{}:generateContent", segment(model))
            }
            (ProviderKind::Gemini, Call::Generate { stream: true, .. }) => {
                format!(
                    "{base}/models/{}:streamGenerateContent?alt=sse",
                    segment(model)
                )
            }
            (ProviderKind::Gemini, Call::CountTokens) => {
                format!("{base}/models/{}:countTokens", segment(model))
            }
            (ProviderKind::Gemini, Call::Embeddings) => {
                format!("{base}/models/{}:batchEmbedContents", segment(model))
            }
            (_, Call::Models) => format!("{base}/models"),
            (ProviderKind::Anthropic, Call::CountTokens) => format!("{base}/messages/count_tokens"),
            (
                _,
                Call::Generate {
                    api: Api::Messages, ..
                },
            ) => format!("{base}/messages"),
            (
                _,
                Call::Generate {
                    api: Api::Responses,
                    ..
                },
            ) => format!("{base}/responses"),
            (_, Call::Embeddings) => format!("{base}/embeddings"),
            _ => format!("{base}/chat/completions"),
        }
    }

    /// The headers of every call: key number `key`, the content type, and for Anthropic the version
    /// and beta flags (the client's own when it is an Anthropic client).
    pub fn headers(&self, key: usize, client_headers: &HeaderMap) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        if let Some(key) = self.keys.get(key) {
            key.auth.apply(&mut headers)?;
        }
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.kind == ProviderKind::Anthropic {
            let version = client_headers
                .get("anthropic-version")
                .cloned()
                .unwrap_or(HeaderValue::from_static(ANTHROPIC_VERSION));
            headers.insert("anthropic-version", version);
            if let Some(beta) = client_headers.get("anthropic-beta") {
                headers.insert("anthropic-beta", beta.clone());
            }
        }
        Ok(headers)
    }

    /// `text` with this provider's keys cut out (an upstream may echo one in an error).
    pub fn redact(&self, text: &str) -> String {
        use aigw_http::ExposeSecret;
        let mut text = text.to_owned();
        for key in self.keys.iter().filter_map(|k| k.auth.key()) {
            if !key.expose_secret().is_empty() {
                text = text.replace(key.expose_secret(), "[REDACTED]");
            }
        }
        text
    }
}

/// A provider's keys from `key_env` (one variable or a list; default: the kind's or preset's
/// variable), each read from the environment and sent the provider's way.
fn keys(
    name: &str,
    config: &ProviderConfig,
    default_key: Option<&str>,
    key_optional: bool,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<Key>, String> {
    let auth = |key: SecretString| match config.kind {
        ProviderKind::Anthropic => Auth::Header {
            name: HeaderName::from_static("x-api-key"),
            key,
        },
        ProviderKind::Gemini => Auth::Header {
            name: HeaderName::from_static("x-goog-api-key"),
            key,
        },
        // Azure's key header (never `Authorization`, which Azure reads as an Entra token).
        ProviderKind::Azure => Auth::Header {
            name: HeaderName::from_static("api-key"),
            key,
        },
        _ => Auth::Bearer(key),
    };
    let read = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
    let configured = match (&config.key_env, default_key) {
        (Some(KeyEnvConfig::Many(list)), _) => list.clone(),
        (Some(one), _) => one.keys(),
        (None, Some(var)) => KeyEnvConfig::from(var).keys(),
        (None, None) => Vec::new(),
    };
    if let Some(KeyEnvConfig::Many(list)) = &config.key_env {
        if list.is_empty() {
            return Err(format!(
                "providers.{name}.key_env: the list is empty (name at least one variable)"
            ));
        }
        let mut keys = Vec::new();
        for (i, k) in list.iter().enumerate() {
            let here = format!("providers.{name}.key_env[{i}]");
            if !(k.weight.is_finite() && k.weight > 0.0) {
                return Err(format!(
                    "{here}.weight: must be a number above 0, got {}",
                    k.weight
                ));
            }
            if list[..i].iter().any(|o| o.env == k.env) {
                return Err(format!("{here}: {} is listed twice", k.env));
            }
            let key = read(&k.env).ok_or_else(|| {
                format!(
                    "{here}: environment variable {} is not set (or empty): it should hold an API key",
                    k.env
                )
            })?;
            keys.push(Key::new(
                k.env.clone(),
                k.weight,
                auth(SecretString::from(key)),
            ));
        }
        return Ok(keys);
    }
    match configured.first() {
        Some(k) => match read(&k.env) {
            Some(key) => Ok(vec![Key::new(
                k.env.clone(),
                1.0,
                auth(SecretString::from(key)),
            )]),
            None if key_optional => Ok(vec![Key::new("-".into(), 1.0, Auth::None)]),
            None => Err(format!(
                "provider {name}: environment variable {} is not set (or empty): it should hold the API key",
                k.env
            )),
        },
        None if key_optional => Ok(vec![Key::new("-".into(), 1.0, Auth::None)]),
        None => Err(format!(
            "provider {name}: `key_env` is required (or a preset of a local server)"
        )),
    }
}

/// An Azure provider's `api-version`: required, and only for `azure`; URL-safe as written.
fn azure_api_version(name: &str, config: &ProviderConfig) -> Result<Option<String>, String> {
    match (config.kind, config.api_version.as_deref().map(str::trim)) {
        (ProviderKind::Azure, None | Some("")) => Err(format!(
            "provider {name}: kind = \"azure\" needs `api_version` (the `api-version` query \
             Azure OpenAI requires, e.g. \"2024-10-21\")"
        )),
        (ProviderKind::Azure, Some(version)) => {
            if version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
            {
                Ok(Some(version.to_owned()))
            } else {
                Err(format!(
                    "provider {name}: api_version {version:?} is not an API version \
                     (letters, digits, `-`, `.`, `_`)"
                ))
            }
        }
        (_, Some(_)) => Err(format!(
            "provider {name}: `api_version` is only for kind = \"azure\""
        )),
        (_, None) => Ok(None),
    }
}

/// Azure OpenAI's URLs: the model is the deployment. Chat and embeddings take it in the path
/// (`/openai/deployments/{deployment}/chat/completions?api-version=V`). Responses has no
/// deployment path: Azure documents it (learn.microsoft.com, "Azure OpenAI Responses API",
/// REST examples) as `POST {endpoint}/openai/responses?api-version=2025-03-01-preview` or
/// later, with the deployment's name as the body's `model` — which the body already carries:
/// the target's model is written into every upstream body. (Azure's newer v1 form,
/// `{endpoint}/openai/v1/responses`, takes the same body; the dated form is the one that goes
/// with a configured `api_version`.)
fn azure_url(base: &str, version: &str, call: Call, model: &str) -> String {
    let deployment = segment(model);
    let path = match call {
        Call::Generate {
            api: Api::Responses,
            ..
        } => "responses".to_owned(),
        Call::Embeddings => format!("deployments/{deployment}/embeddings"),
        Call::Models => "models".to_owned(),
        _ => format!("deployments/{deployment}/chat/completions"),
    };
    format!("{base}/openai/{path}?api-version={version}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vendors recorded serving `/responses` get Responses clients' requests passed through
    /// (same API, `{base}/responses`); the others translate to Chat.
    #[test]
    fn compat_presets_that_serve_responses_get_responses() {
        for (preset, api) in [
            ("deepseek", Api::Responses),
            ("openrouter", Api::Responses),
            ("groq", Api::Responses),
            ("mistral", Api::Chat),
            ("together", Api::Chat),
        ] {
            let config = ProviderConfig {
                kind: ProviderKind::OpenaiCompat,
                preset: Some(preset.into()),
                base_url: None,
                key_env: None,
                api_version: None,
            };
            let provider = Provider::new(preset, &config, &|_: &str| Some("k".into()))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(provider.api_for(Api::Responses), api, "{preset}");
            assert_eq!(provider.api_for(Api::Chat), Api::Chat, "{preset}");
        }
    }

    #[test]
    fn azure_urls_put_the_deployment_in_the_path_and_the_version_in_the_query() {
        let config = ProviderConfig {
            kind: ProviderKind::Azure,
            preset: None,
            base_url: Some("https://east.openai.azure.com/openai/".into()),
            key_env: Some("K".into()),
            api_version: Some("2024-10-21".into()),
        };
        let provider =
            Provider::new("east", &config, &|_: &str| Some("k".into())).unwrap_or_else(|e| {
                panic!("{e}");
            });
        let base = "https://east.openai.azure.com/openai";
        let chat = Call::Generate {
            api: Api::Chat,
            stream: true,
        };
        let responses = Call::Generate {
            api: Api::Responses,
            stream: false,
        };
        assert_eq!(
            provider.url(chat, "gpt 4o"),
            format!("{base}/deployments/gpt%204o/chat/completions?api-version=2024-10-21")
        );
        assert_eq!(
            provider.url(responses, "d"),
            format!("{base}/responses?api-version=2024-10-21")
        );
        assert_eq!(
            provider.url(Call::Embeddings, "emb"),
            format!("{base}/deployments/emb/embeddings?api-version=2024-10-21")
        );
        assert_eq!(provider.api_for(Api::Messages), Api::Chat);
        assert_eq!(provider.api_for(Api::Responses), Api::Responses);
        let mut headers = provider.headers(0, &HeaderMap::new()).unwrap_or_default();
        assert!(headers.remove("authorization").is_none());
        assert_eq!(
            headers.get("api-key").map(|v| v.as_bytes()),
            Some(&b"k"[..])
        );
    }
}
