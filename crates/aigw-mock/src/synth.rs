//! Bodies the corpus has no recording for, synthesized in each provider's shape: the model
//! lists.

use serde_json::{Value, json};

/// Model ids the synthesized OpenAI list names.
const OPENAI_MODELS: &[&str] = &[
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1-mini",
    "gpt-5-mini",
    "text-embedding-3-small",
];

/// Model ids the synthesized Anthropic list names.
const ANTHROPIC_MODELS: &[&str] = &["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"];

/// Model ids the synthesized Gemini list names.
const GEMINI_MODELS: &[&str] = &["gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001"];

/// `GET /v1/models` in OpenAI's list shape.
pub(crate) fn openai_models() -> Value {
    let data: Vec<Value> = OPENAI_MODELS
        .iter()
        .map(|id| json!({"id": id, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}))
        .collect();
    json!({"object": "list", "data": data})
}

/// `GET /v1/models` in Anthropic's list shape (requests carrying `anthropic-version`).
pub(crate) fn anthropic_models() -> Value {
    let data: Vec<Value> = ANTHROPIC_MODELS
        .iter()
        .map(|id| {
            json!({"type": "model", "id": id, "display_name": id, "created_at": "2025-01-01T00:00:00Z"})
        })
        .collect();
    json!({
        "data": data,
        "has_more": false,
        "first_id": ANTHROPIC_MODELS.first(),
        "last_id": ANTHROPIC_MODELS.last(),
    })
}

/// `GET /v1beta/models` in Gemini's list shape.
pub(crate) fn gemini_models() -> Value {
    let models: Vec<Value> = GEMINI_MODELS
        .iter()
        .map(|id| {
            let methods = if id.contains("embedding") {
                json!(["embedContent", "batchEmbedContents", "countTokens"])
            } else {
                json!(["generateContent", "streamGenerateContent", "countTokens"])
            };
            json!({"name": format!("models/{id}"), "displayName": id, "supportedGenerationMethods": methods})
        })
        .collect();
    json!({"models": models})
}
