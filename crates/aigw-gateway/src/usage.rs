//! Token counts read from upstream bodies and stream events, for metrics. Read from the JSON
//! as it came (passthrough bodies are parsed alongside, never re-serialized).

use crate::protocol::Api;
use serde_json::Value;

/// Prompt and completion tokens, as far as known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub input: Option<u64>,
    pub output: Option<u64>,
}

impl Usage {
    /// Takes what `other` knows (later events carry the final counts).
    pub fn merge(&mut self, other: Usage) {
        self.input = other.input.or(self.input);
        self.output = other.output.or(self.output);
    }

    /// The usage in a response body or stream event of `api`.
    pub fn of(api: Api, value: &Value) -> Usage {
        let count = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64);
        match api {
            Api::Chat => match value.get("usage") {
                Some(u) => Usage {
                    input: count(u, "prompt_tokens"),
                    output: count(u, "completion_tokens"),
                },
                None => Usage::default(),
            },
            Api::Responses => {
                // A response body, or a stream event carrying one (`response.completed`).
                let response = value.get("response").unwrap_or(value);
                match response.get("usage") {
                    Some(u) => Usage {
                        input: count(u, "input_tokens"),
                        output: count(u, "output_tokens"),
                    },
                    None => Usage::default(),
                }
            }
            Api::Messages => {
                // A message, `message_start` (`message.usage`) or `message_delta` (`usage`).
                let message = value.get("message").unwrap_or(value);
                match message.get("usage") {
                    Some(u) => Usage {
                        input: count(u, "input_tokens"),
                        output: count(u, "output_tokens"),
                    },
                    None => Usage::default(),
                }
            }
            Api::Gemini => match value.get("usageMetadata") {
                Some(u) => Usage {
                    input: count(u, "promptTokenCount"),
                    output: count(u, "candidatesTokenCount"),
                },
                None => Usage::default(),
            },
        }
    }

    /// Whether an event's data may carry usage (a cheap test before parsing it).
    pub fn may_carry(api: Api, data: &str) -> bool {
        let needle: &[u8] = match api {
            Api::Gemini => b"usageMetadata",
            _ => b"usage",
        };
        memchr::memmem::find(data.as_bytes(), needle).is_some()
    }
}
