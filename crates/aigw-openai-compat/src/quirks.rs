//! What an OpenAI-compatible provider accepts, as flags a request is checked against.

/// Which field carries the output token limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxTokensField {
    /// `max_completion_tokens` (OpenAI's current name; `max_tokens` is left as sent).
    MaxCompletionTokens,
    /// `max_tokens`: `max_completion_tokens` is renamed to it.
    MaxTokens,
}

/// Which top-level request parameters the provider takes, beyond what the flags decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Params {
    /// Exactly these (from the provider's own API spec); anything else is stripped.
    Only(&'static [&'static str]),
    /// Everything but these.
    AllExcept(&'static [&'static str]),
}

/// The capabilities of an OpenAI-compatible provider. Start from a [`crate::Preset`] and
/// change what your deployment differs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quirks {
    /// `POST /responses` exists.
    pub supports_responses_api: bool,
    /// `stream: true` works.
    pub supports_streaming: bool,
    /// `stream_options: {"include_usage": true}` is accepted (else stripped).
    pub supports_stream_usage: bool,
    /// `tools` are accepted (else `tools`, `tool_choice`, `parallel_tool_calls` are stripped).
    pub supports_tools: bool,
    /// `tool_choice` is accepted.
    pub supports_tool_choice: bool,
    /// `parallel_tool_calls` is accepted.
    pub supports_parallel_tool_calls: bool,
    /// Image content parts (`image_url`) are accepted.
    pub supports_vision: bool,
    pub max_tokens_field: MaxTokensField,
    /// `response_format: {"type": "json_schema"}` (else approximated by `json_object`, or
    /// stripped when that is unsupported too).
    pub supports_json_schema: bool,
    /// `response_format: {"type": "json_object"}`.
    pub supports_json_object: bool,
    /// `logprobs` / `top_logprobs`.
    pub supports_logprobs: bool,
    /// The `developer` role (else mapped to `system`).
    pub supports_developer_role: bool,
    /// `n` > 1 (`n: 1` is always sent as given).
    pub supports_n: bool,
    /// The name of the sampling seed parameter (`seed`, or Mistral's `random_seed`); `None`
    /// when there is none.
    pub seed_field: Option<&'static str>,
    pub params: Params,
}

impl Default for Quirks {
    /// OpenAI itself: everything supported.
    fn default() -> Self {
        Quirks {
            supports_responses_api: true,
            supports_streaming: true,
            supports_stream_usage: true,
            supports_tools: true,
            supports_tool_choice: true,
            supports_parallel_tool_calls: true,
            supports_vision: true,
            max_tokens_field: MaxTokensField::MaxCompletionTokens,
            supports_json_schema: true,
            supports_json_object: true,
            supports_logprobs: true,
            supports_developer_role: true,
            supports_n: true,
            seed_field: Some("seed"),
            params: Params::AllExcept(&[]),
        }
    }
}
