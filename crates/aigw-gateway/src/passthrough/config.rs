//! `[passthrough]`: the provider each client protocol's model-less requests go to, and the
//! body limit of each path class.

use crate::config::ProviderKind;
use crate::protocol::Wire;
use crate::upstream::Provider;
use aigw_wire::operations::BodyKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `[passthrough]` in the file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PassthroughConfig {
    /// The provider OpenAI clients' requests without a model go to (files, batches, vector
    /// stores, uploads, multipart audio); default: the only provider of kind `openai`.
    #[serde(default)]
    pub openai: Option<String>,
    /// The same for Anthropic clients (message batches, files); default: the only
    /// `anthropic` provider.
    #[serde(default)]
    pub anthropic: Option<String>,
    /// The same for Gemini clients (files, cached contents, batches); default: the only
    /// `gemini` provider.
    #[serde(default)]
    pub gemini: Option<String>,
    /// The largest upload (a multipart or raw-bytes body), in bytes; default 512 MiB.
    #[serde(default)]
    pub max_upload_bytes: Option<u64>,
    /// The largest JSON (or empty) body, in bytes; default `limits.max_body_bytes`.
    #[serde(default)]
    pub max_json_bytes: Option<u64>,
}

/// The passthrough's settings, checked.
#[derive(Clone, Debug)]
pub struct Settings {
    defaults: BTreeMap<&'static str, Arc<Provider>>,
    pub max_upload_bytes: u64,
    pub max_json_bytes: u64,
    /// Gemini upload ids handed out.
    pub uploads: super::uploads::Uploads,
}

const DEFAULT_UPLOAD: u64 = 512 << 20;

/// Whether a provider of `kind` serves `wire`'s own paths (Azure's differ: `/openai/…`).
pub fn serves(kind: ProviderKind, wire: Wire) -> bool {
    matches!(
        (wire, kind),
        (
            Wire::Openai,
            ProviderKind::Openai | ProviderKind::OpenaiCompat
        ) | (Wire::Anthropic, ProviderKind::Anthropic)
            | (Wire::Gemini, ProviderKind::Gemini)
    )
}

impl Settings {
    pub fn new(
        config: &PassthroughConfig,
        max_body_bytes: usize,
        providers: &BTreeMap<String, Arc<Provider>>,
    ) -> Result<Settings, String> {
        let mut defaults = BTreeMap::new();
        for (wire, named) in [
            (Wire::Openai, &config.openai),
            (Wire::Anthropic, &config.anthropic),
            (Wire::Gemini, &config.gemini),
        ] {
            let provider = match named {
                Some(name) => {
                    let provider = providers.get(name).ok_or_else(|| {
                        format!("passthrough.{}: no provider named {name:?}", wire.name())
                    })?;
                    if !serves(provider.kind, wire) {
                        return Err(format!(
                            "passthrough.{}: provider {name:?} does not speak the {} API's paths",
                            wire.name(),
                            wire.name()
                        ));
                    }
                    Some(provider.clone())
                }
                None => {
                    // The only provider of the protocol's own kind (not an OpenAI-compatible
                    // one: those serve some of OpenAI's paths at most).
                    let mut own = providers.values().filter(|p| match wire {
                        Wire::Openai => p.kind == ProviderKind::Openai,
                        _ => serves(p.kind, wire),
                    });
                    match (own.next(), own.next()) {
                        (Some(only), None) => Some(only.clone()),
                        _ => None,
                    }
                }
            };
            if let Some(provider) = provider {
                defaults.insert(wire.name(), provider);
            }
        }
        let max_upload_bytes = config.max_upload_bytes.unwrap_or(DEFAULT_UPLOAD);
        let max_json_bytes = config.max_json_bytes.unwrap_or(max_body_bytes as u64);
        if max_upload_bytes == 0 || max_json_bytes == 0 {
            return Err("passthrough.max_upload_bytes and max_json_bytes must be positive".into());
        }
        Ok(Settings {
            defaults,
            max_upload_bytes,
            max_json_bytes,
            uploads: super::uploads::Uploads::default(),
        })
    }

    /// The default provider of `wire`'s model-less requests.
    pub fn default_for(&self, wire: Wire) -> Option<&Arc<Provider>> {
        self.defaults.get(wire.name())
    }

    /// The body limit of a path class.
    pub fn limit(&self, body: BodyKind) -> u64 {
        if body.is_upload() {
            self.max_upload_bytes
        } else {
            self.max_json_bytes
        }
    }
}
