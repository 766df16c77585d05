//! Opaque reasoning (Anthropic thinking signatures and redacted thinking, OpenAI encrypted
//! reasoning, Gemini thought signatures) is tied to the provider that produced it. When a
//! client protocol has no place for it, it travels in an extension field tagged with its
//! provider, and is only ever sent back to that provider: translating it toward any other
//! provider drops it, and the drop is reported.

use serde_json::{Value, json};

/// The extension field on an OpenAI Chat assistant message:
/// `[{"provider": "anthropic", "block": {"type": "thinking", …}}, …]`.
pub const FIELD: &str = "aigw_reasoning";

/// Tags `block` with `provider`.
pub(crate) fn tag(provider: &str, block: Value) -> Value {
    json!({ "provider": provider, "block": block })
}

/// The blocks of `entries` that came from `provider`, and the pointers (relative to the
/// field) of those that did not.
pub(crate) fn untag(entries: Vec<Value>, provider: &str) -> (Vec<Value>, Vec<(usize, String)>) {
    let mut mine = Vec::new();
    let mut foreign = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let from = entry
            .get("provider")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        match entry {
            Value::Object(mut map) if from == provider => {
                if let Some(block) = map.shift_remove("block") {
                    mine.push(block);
                }
            }
            _ => foreign.push((i, from)),
        }
    }
    (mine, foreign)
}
