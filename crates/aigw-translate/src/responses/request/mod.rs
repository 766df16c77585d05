//! Responses request ↔ Chat Completions request: [`from_responses`] makes a Chat request of a
//! Responses one, [`from_chat`] a Responses request of a Chat one.

mod from_chat;
mod from_responses;

pub use from_chat::chat_to_responses;
pub use from_responses::responses_to_chat;

/// Request fields with the same name and meaning on both sides.
const SHARED: &[&str] = &[
    "metadata",
    "temperature",
    "top_p",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "prompt_cache_options",
    "service_tier",
    "parallel_tool_calls",
    "moderation",
];

/// The `include` value that asks Responses for output text logprobs (Chat `logprobs: true`).
const LOGPROBS: &str = "message.output_text.logprobs";
/// The `include` value that asks Responses for encrypted reasoning.
const ENCRYPTED_REASONING: &str = "reasoning.encrypted_content";
