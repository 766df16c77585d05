//! OpenAI-compatible providers on `aigw-openai`'s wire types: a provider is a base URL, an
//! auth style and [`Quirks`]; [`Preset`]s cover Groq, Together, vLLM, Fireworks, Perplexity,
//! LM Studio, Mistral, DeepSeek, OpenRouter and Ollama.
//!
//! Before a request is sent, what the provider does not take is stripped or mapped
//! ([`adjust_chat`]) and every change is reported as an [`Adjustment`] returned with the
//! response; a strict client refuses to send a request that would lose anything.
//!
//! ```
//! use aigw_openai_compat::{Action, Preset, adjust_chat};
//!
//! let mistral = Preset::Mistral.provider();
//! let mut body = serde_json::json!({
//!     "model": "mistral-small-latest",
//!     "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
//!     "max_completion_tokens": 64,
//!     "seed": 7,
//!     "logprobs": true
//! });
//! let adjustments = adjust_chat(mistral.name, &mistral.quirks, &mut body);
//! assert_eq!(body["max_tokens"], 64);
//! assert_eq!(body["random_seed"], 7);
//! assert_eq!(body["messages"][0]["role"], "system");
//! assert!(body.get("logprobs").is_none());
//! assert_eq!(adjustments.losses().count(), 1); // logprobs: the rest keeps its meaning
//! assert!(matches!(adjustments.0[0].action, Action::Renamed { .. }));
//! ```

mod adjust;
#[cfg(feature = "client")]
mod client;
mod presets;
mod quirks;

pub use adjust::{Action, Adjustment, Adjustments, adjust_chat};
#[cfg(feature = "client")]
pub use client::{Adjusted, BuildError, CompatClient, CompatClientBuilder, CompatError};
pub use presets::{MISTRAL_CHAT_PARAMS, Preset, Provider, quirks_table};
pub use quirks::{MaxTokensField, Params, Quirks};
