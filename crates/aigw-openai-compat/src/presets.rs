//! Presets for the common OpenAI-compatible providers.
//!
//! The flags come from each provider's public API documentation (Mistral's from its OpenAPI
//! spec, checked field by field by a test against the pinned copy); deployments differ
//! (model families, server versions), so every flag can be changed on the returned
//! [`Provider`].

use crate::quirks::{MaxTokensField, Params, Quirks};

/// An OpenAI-compatible provider: where it is, how it authenticates, what it accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// Used in errors, traces and adjustment reasons.
    pub name: &'static str,
    pub base_url: String,
    /// The environment variable holding the key.
    pub key_var: &'static str,
    /// A local server that needs no key (a key is still sent if one is given).
    pub key_optional: bool,
    pub quirks: Quirks,
}

/// The presets. `Preset::ALL` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Preset {
    Groq,
    Together,
    Vllm,
    Fireworks,
    Perplexity,
    LmStudio,
    Mistral,
    DeepSeek,
    OpenRouter,
    Ollama,
}

/// The top-level parameters of Mistral's `ChatCompletionRequest` (specs/sources.toml
/// `mistral`); `tests/presets.rs` checks this list against the spec.
pub const MISTRAL_CHAT_PARAMS: &[&str] = &[
    "model",
    "temperature",
    "top_p",
    "max_tokens",
    "stream",
    "stop",
    "random_seed",
    "metadata",
    "messages",
    "response_format",
    "tools",
    "tool_choice",
    "presence_penalty",
    "frequency_penalty",
    "n",
    "prediction",
    "parallel_tool_calls",
    "prompt_mode",
    "reasoning_effort",
    "guardrails",
    "prompt_cache_key",
    "safe_prompt",
];

/// OpenAI parameters that only OpenAI's platform implements (storage, billing tiers, audio
/// output, its own web search), stripped for providers documented not to take them.
const OPENAI_PLATFORM_ONLY: &[&str] = &[
    "store",
    "service_tier",
    "modalities",
    "audio",
    "prediction",
    "web_search_options",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "verbosity",
];

impl Preset {
    pub const ALL: [Preset; 10] = [
        Preset::Groq,
        Preset::Together,
        Preset::Vllm,
        Preset::Fireworks,
        Preset::Perplexity,
        Preset::LmStudio,
        Preset::Mistral,
        Preset::DeepSeek,
        Preset::OpenRouter,
        Preset::Ollama,
    ];

    /// The preset's name, as used in configuration (`groq`, `lmstudio`, …).
    pub fn name(self) -> &'static str {
        self.provider().name
    }

    /// The preset named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// The provider with its documented defaults.
    pub fn provider(self) -> Provider {
        let base = Quirks::default();
        let (name, base_url, key_var, key_optional, quirks) = match self {
            // Groq's OpenAI-compatibility page: `logprobs`, `logit_bias`, `top_logprobs` are
            // rejected (400), `n` must be 1 (`n: 1` itself is sent: 52 recorded 200s carry
            // it). `service_tier` is Groq's own parameter (`on_demand`, `flex`, …; recorded
            // 200s: openai-compat/chat.completions/0232-…, 0235-…), so it is not stripped.
            // `tests/evidence.rs` checks every recorded request goes through unchanged.
            Preset::Groq => (
                "groq",
                "https://api.groq.com/openai/v1",
                "GROQ_API_KEY",
                false,
                Quirks {
                    supports_logprobs: false,
                    supports_n: false,
                    supports_developer_role: false,
                    params: Params::AllExcept(&[
                        "logit_bias",
                        "store",
                        "modalities",
                        "audio",
                        "prediction",
                        "web_search_options",
                    ]),
                    ..base
                },
            ),
            Preset::Together => (
                "together",
                "https://api.together.xyz/v1",
                "TOGETHER_API_KEY",
                false,
                Quirks {
                    supports_responses_api: false,
                    supports_stream_usage: false,
                    supports_parallel_tool_calls: false,
                    supports_developer_role: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    params: Params::AllExcept(OPENAI_PLATFORM_ONLY),
                    ..base
                },
            ),
            // vLLM's OpenAI server implements nearly all of the API; no key unless started
            // with `--api-key`.
            Preset::Vllm => (
                "vllm",
                "http://localhost:8000/v1",
                "VLLM_API_KEY",
                true,
                Quirks {
                    params: Params::AllExcept(&[
                        "store",
                        "service_tier",
                        "audio",
                        "modalities",
                        "web_search_options",
                    ]),
                    ..base
                },
            ),
            Preset::Fireworks => (
                "fireworks",
                "https://api.fireworks.ai/inference/v1",
                "FIREWORKS_API_KEY",
                false,
                Quirks {
                    supports_responses_api: false,
                    supports_stream_usage: false,
                    supports_parallel_tool_calls: false,
                    supports_developer_role: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    params: Params::AllExcept(OPENAI_PLATFORM_ONLY),
                    ..base
                },
            ),
            // Perplexity's Sonar models: no tool calling, no logprobs, one choice.
            Preset::Perplexity => (
                "perplexity",
                "https://api.perplexity.ai",
                "PERPLEXITY_API_KEY",
                false,
                Quirks {
                    supports_responses_api: false,
                    supports_stream_usage: false,
                    supports_tools: false,
                    supports_tool_choice: false,
                    supports_parallel_tool_calls: false,
                    supports_json_object: false,
                    supports_logprobs: false,
                    supports_developer_role: false,
                    supports_n: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    seed_field: None,
                    params: Params::AllExcept(&[
                        "logit_bias",
                        "store",
                        "service_tier",
                        "modalities",
                        "audio",
                        "prediction",
                        "metadata",
                        "user",
                        "web_search_options",
                    ]),
                    ..base
                },
            ),
            Preset::LmStudio => (
                "lmstudio",
                "http://localhost:1234/v1",
                "LM_STUDIO_API_KEY",
                true,
                Quirks {
                    supports_responses_api: false,
                    supports_parallel_tool_calls: false,
                    supports_logprobs: false,
                    supports_developer_role: false,
                    supports_n: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    params: Params::AllExcept(OPENAI_PLATFORM_ONLY),
                    ..base
                },
            ),
            // From Mistral's OpenAPI spec: roles system/user/assistant/tool, `random_seed`,
            // `max_tokens`, no logprobs, no stream_options; the parameter list is exact.
            Preset::Mistral => (
                "mistral",
                "https://api.mistral.ai/v1",
                "MISTRAL_API_KEY",
                false,
                Quirks {
                    supports_responses_api: false,
                    supports_stream_usage: false,
                    supports_logprobs: false,
                    supports_developer_role: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    seed_field: Some("random_seed"),
                    params: Params::Only(MISTRAL_CHAT_PARAMS),
                    ..base
                },
            ),
            // DeepSeek: JSON mode but no json_schema, no images, one choice. It serves
            // `POST /responses` itself (recorded 200s: openai-compat/responses/0002-… to
            // 0015-…, three of them streamed), so Responses clients get passthrough.
            Preset::DeepSeek => (
                "deepseek",
                "https://api.deepseek.com/v1",
                "DEEPSEEK_API_KEY",
                false,
                Quirks {
                    supports_parallel_tool_calls: false,
                    supports_vision: false,
                    supports_json_schema: false,
                    supports_developer_role: false,
                    supports_n: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    seed_field: None,
                    params: Params::AllExcept(&[
                        "logit_bias",
                        "store",
                        "service_tier",
                        "modalities",
                        "audio",
                        "prediction",
                        "metadata",
                        "web_search_options",
                    ]),
                    ..base
                },
            ),
            // OpenRouter normalizes across upstreams; it does not fan out `n`. It takes
            // `max_completion_tokens` as sent (recorded 200s: openai-compat/chat.completions/
            // 0195-… to 0209-…) and serves `POST /responses` itself (recorded 200:
            // openai-compat/responses/0017-…).
            Preset::OpenRouter => (
                "openrouter",
                "https://openrouter.ai/api/v1",
                "OPENROUTER_API_KEY",
                false,
                Quirks {
                    supports_developer_role: false,
                    supports_n: false,
                    params: Params::AllExcept(&[
                        "store",
                        "service_tier",
                        "modalities",
                        "audio",
                        "prediction",
                    ]),
                    ..base
                },
            ),
            // Ollama's /v1 layer: no tool_choice, no logprobs, one choice; no key.
            Preset::Ollama => (
                "ollama",
                "http://localhost:11434/v1",
                "OLLAMA_API_KEY",
                true,
                Quirks {
                    supports_responses_api: false,
                    supports_tool_choice: false,
                    supports_parallel_tool_calls: false,
                    supports_logprobs: false,
                    supports_developer_role: false,
                    supports_n: false,
                    max_tokens_field: MaxTokensField::MaxTokens,
                    params: Params::AllExcept(&[
                        "logit_bias",
                        "store",
                        "service_tier",
                        "modalities",
                        "audio",
                        "prediction",
                        "metadata",
                        "user",
                        "web_search_options",
                    ]),
                    ..base
                },
            ),
        };
        Provider {
            name,
            base_url: base_url.to_owned(),
            key_var,
            key_optional,
            quirks,
        }
    }
}

/// The presets × quirks table (markdown), as the README shows it; a test keeps the two equal.
pub fn quirks_table() -> String {
    let mark = |b: bool| if b { "✓" } else { "–" };
    let mut table = String::from(
        "| preset | base URL | key | responses | stream usage | tools | tool_choice | parallel tools | vision | token limit | json_schema | json_object | logprobs | developer role | n>1 | seed | parameters |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for preset in Preset::ALL {
        let p = preset.provider();
        let q = &p.quirks;
        let key = if p.key_optional {
            format!("`{}` (optional)", p.key_var)
        } else {
            format!("`{}`", p.key_var)
        };
        let limit = match q.max_tokens_field {
            MaxTokensField::MaxCompletionTokens => "`max_completion_tokens`",
            MaxTokensField::MaxTokens => "`max_tokens`",
        };
        let params = match q.params {
            Params::Only(list) => format!("only the spec's {}", list.len()),
            Params::AllExcept(list) => format!("all but {}", list.join(", ")),
        };
        table.push_str(&format!(
            "| {} | {} | {key} | {} | {} | {} | {} | {} | {} | {limit} | {} | {} | {} | {} | {} | {} | {params} |\n",
            p.name,
            p.base_url,
            mark(q.supports_responses_api),
            mark(q.supports_stream_usage),
            mark(q.supports_tools),
            mark(q.supports_tool_choice),
            mark(q.supports_parallel_tool_calls),
            mark(q.supports_vision),
            mark(q.supports_json_schema),
            mark(q.supports_json_object),
            mark(q.supports_logprobs),
            mark(q.supports_developer_role),
            mark(q.supports_n),
            q.seed_field.map_or("–".to_owned(), |s| format!("`{s}`")),
        ));
    }
    table
}
