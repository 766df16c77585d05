//! The gateway's configuration file (TOML), and the configuration built from the environment
//! when there is no file. `aigw.example.toml` at the repository root documents every key.

pub use crate::balance::config::{
    GroupConfig, HealthConfig, KeyConfig, KeyEnvConfig, MemberConfig, TargetConfig, WhenAllOpen,
};
use aigw_governance::OnStoreError;
use aigw_governance::config::{AdminConfig, StaticKeyConfig, StoreConfig};
use aigw_governance::key::KeyLimits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

/// The whole file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Upstream providers by the name routes use.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Model routes, tried in file order: the first whose `model`, `aliases` or `prefix`
    /// matches the requested model decides.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// Where virtual keys live (default: `sqlite://aigw.db`, created on first start).
    #[serde(default)]
    pub store: StoreConfig,
    /// The admin API.
    #[serde(default)]
    pub admin: AdminConfig,
    /// Virtual keys defined in the file (their secrets in the environment).
    #[serde(default)]
    pub keys: Vec<StaticKeyConfig>,
    /// Prices beyond (or instead of) the built-in table.
    #[serde(default)]
    pub pricing: PricingConfig,
    /// Circuit breakers, key cooldowns, the latency average (per replica).
    #[serde(default)]
    pub health: HealthConfig,
    /// OpenTelemetry traces (off unless an endpoint is set here or in the environment).
    #[serde(default)]
    pub telemetry: crate::telemetry::TelemetryConfig,
    /// The provider endpoints the gateway passes through (files, batches, images, audio, …).
    #[serde(default)]
    pub passthrough: crate::passthrough::PassthroughConfig,
}

/// `[pricing]`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PricingConfig {
    /// A price file in the built-in table's format (`crates/aigw-governance/prices.toml`):
    /// its entries win over the built-in ones for the same provider and model. `provider`
    /// may be a configured provider's name, its kind or its preset.
    #[serde(default)]
    pub file: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Names of environment variables each holding one gateway key clients must present (in
    /// their own protocol's way: `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or
    /// `?key=`). None: no client authentication, and the gateway refuses to listen anywhere
    /// but on loopback.
    #[serde(default)]
    pub client_key_env: Vec<String>,
    /// Refuse (400) every request whose translation would lose anything, as if each request
    /// carried `x-aigw-strict: true`.
    #[serde(default)]
    pub strict: bool,
    /// Seconds open streams get to finish after a shutdown signal.
    #[serde(default = "default_grace")]
    pub shutdown_grace_secs: u64,
    /// How many of the latest requests `GET /admin/requests` can show (kept in memory).
    #[serde(default = "default_recent")]
    pub recent_requests: usize,
}

fn default_recent() -> usize {
    1000
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_grace() -> u64 {
    30
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            client_key_env: Vec::new(),
            strict: false,
            shutdown_grace_secs: default_grace(),
            recent_requests: default_recent(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body accepted, in bytes (larger: 413 in the client's error format).
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    /// Connecting to an upstream.
    #[serde(default = "default_connect")]
    pub connect_timeout_ms: u64,
    /// Until an upstream's first byte (response headers and, for streams, the first chunk);
    /// for a plain request, until its whole body.
    #[serde(default = "default_request")]
    pub request_timeout_ms: u64,
    /// Longest silence between two chunks of an upstream stream.
    #[serde(default = "default_idle")]
    pub idle_timeout_ms: u64,
    /// Requests handled at once (more: 503 in the client's error format, at once).
    #[serde(default = "default_concurrency")]
    pub max_concurrency: usize,
    /// Where rate-limit counters live: `memory` (this process; exact for one replica) or
    /// `redis://host:port/db` (shared: exact across replicas).
    #[serde(default = "default_counters")]
    pub counters: String,
    /// When the counter store cannot be reached: `closed` (503) or `open` (serve unlimited,
    /// log, count).
    #[serde(default)]
    pub on_store_error: OnStoreError,
    /// Longest wait for the counter store before `on_store_error` applies.
    #[serde(default = "default_counters_timeout")]
    pub counters_timeout_ms: u64,
    /// How long a request holds a shared concurrency slot at most (a replica that dies
    /// cannot give it back).
    #[serde(default = "default_lease")]
    pub concurrency_lease_secs: u64,
    /// The output tokens reserved against a tokens-per-minute limit when the request does
    /// not set its own maximum.
    #[serde(default = "default_output_tokens")]
    pub default_output_tokens: u64,
}

impl LimitsConfig {
    /// `counters`, password redacted.
    pub fn counters_shown(&self) -> String {
        aigw_governance::store::redact_url(&self.counters)
    }
}

fn default_counters() -> String {
    "memory".into()
}
fn default_counters_timeout() -> u64 {
    250
}
fn default_lease() -> u64 {
    900
}
fn default_output_tokens() -> u64 {
    4096
}

fn default_body() -> usize {
    32 << 20
}
fn default_connect() -> u64 {
    5_000
}
fn default_request() -> u64 {
    600_000
}
fn default_idle() -> u64 {
    120_000
}
fn default_concurrency() -> usize {
    4096
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: default_body(),
            connect_timeout_ms: default_connect(),
            request_timeout_ms: default_request(),
            idle_timeout_ms: default_idle(),
            max_concurrency: default_concurrency(),
            counters: default_counters(),
            on_store_error: OnStoreError::default(),
            counters_timeout_ms: default_counters_timeout(),
            concurrency_lease_secs: default_lease(),
            default_output_tokens: default_output_tokens(),
        }
    }
}

/// Which API an upstream speaks.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Openai,
    Anthropic,
    Gemini,
    /// An OpenAI-compatible provider; `preset` names its quirks (and default URL and key).
    OpenaiCompat,
    /// Azure OpenAI: OpenAI's protocol, deployments in the path, `api-key`, `api-version`.
    Azure,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    /// For `openai-compat`: `groq`, `together`, `vllm`, `fireworks`, `perplexity`,
    /// `lmstudio`, `mistral`, `deepseek`, `openrouter`, `ollama`; none: OpenAI's own quirks.
    #[serde(default)]
    pub preset: Option<String>,
    /// Base URL including the version segment (`https://api.openai.com/v1`); default: the
    /// kind's or preset's. For `azure` (required there): the resource's endpoint,
    /// `https://NAME.openai.azure.com`, without `/openai`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The environment variable holding the key; default: the kind's or preset's
    /// (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `GROQ_API_KEY`, …). A list
    /// (`["KEY_A", { env = "KEY_B", weight = 2 }]`) spreads requests over several keys,
    /// each its own member for health.
    #[serde(default)]
    pub key_env: Option<KeyEnvConfig>,
    /// For `azure` (required there): the `api-version` query every call carries.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// A model route.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The model name clients send.
    #[serde(default)]
    pub model: Option<String>,
    /// Other names for the same route.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Matches every model name starting with this (e.g. `claude-`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// `provider/model` or groups (`{ strategy = "weighted", members = [{ to =
    /// "provider/model", weight = 3 }, …] }`), tried in order (the next on connect error,
    /// timeout, 429, 401/403 or 5xx, before anything was sent to the client); a group's
    /// members in the order its strategy picks. `provider/*` sends the requested name.
    pub targets: Vec<TargetConfig>,
    /// Limits for every request of this route, whoever sends it (counted like a key's).
    #[serde(default)]
    pub limits: Option<KeyLimits>,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads and parses `path` (not yet validated: see [`crate::state::State::new`]).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Parse { source, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                source,
            },
            other => other,
        })
    }

    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: "config".into(),
            source: Box::new(source),
        })
    }

    /// The configuration `aigw serve` uses without a file: one provider for each provider key
    /// variable that is set (`lookup` reads the environment), with routes for the well-known
    /// model name prefixes (`gpt-`, `o1`…, `claude-`, `gemini-`) and `provider/model` for
    /// everything else.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Config {
        let set = |var: &str| lookup(var).is_some_and(|v| !v.trim().is_empty());
        let mut config = Config::default();
        let mut add = |name: &str, kind, preset: Option<&str>, key_env: &str| {
            config.providers.insert(
                name.to_owned(),
                ProviderConfig {
                    kind,
                    preset: preset.map(str::to_owned),
                    base_url: None,
                    key_env: Some(KeyEnvConfig::from(key_env)),
                    api_version: None,
                },
            );
        };
        if set("OPENAI_API_KEY") {
            add("openai", ProviderKind::Openai, None, "OPENAI_API_KEY");
        }
        if set("ANTHROPIC_API_KEY") {
            add(
                "anthropic",
                ProviderKind::Anthropic,
                None,
                "ANTHROPIC_API_KEY",
            );
        }
        for var in ["GEMINI_API_KEY", "GOOGLE_API_KEY"] {
            if set(var) {
                add("gemini", ProviderKind::Gemini, None, var);
                break;
            }
        }
        for preset in aigw_openai_compat::Preset::ALL {
            let provider = preset.provider();
            if !provider.key_optional && set(provider.key_var) {
                add(
                    provider.name,
                    ProviderKind::OpenaiCompat,
                    Some(provider.name),
                    provider.key_var,
                );
            }
        }
        let prefixes: [(&str, &[&str]); 3] = [
            (
                "openai",
                &["gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-"],
            ),
            ("anthropic", &["claude-"]),
            ("gemini", &["gemini-", "gemma-"]),
        ];
        for (provider, names) in prefixes {
            if config.providers.contains_key(provider) {
                for prefix in names {
                    config.routes.push(RouteConfig {
                        model: None,
                        aliases: Vec::new(),
                        prefix: Some((*prefix).to_owned()),
                        targets: vec![TargetConfig::One(format!("{provider}/*"))],
                        limits: None,
                    });
                }
            }
        }
        config
    }
}
