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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn usage_is_read_where_each_protocol_puts_it() {
        let cases = [
            (
                Api::Chat,
                json!({"usage": {"prompt_tokens": 3, "completion_tokens": 5}}),
                (Some(3), Some(5)),
            ),
            (
                Api::Responses,
                json!({"type": "response.completed", "response": {"usage": {"input_tokens": 4, "output_tokens": 6}}}),
                (Some(4), Some(6)),
            ),
            (
                Api::Messages,
                json!({"type": "message_start", "message": {"usage": {"input_tokens": 7, "output_tokens": 1}}}),
                (Some(7), Some(1)),
            ),
            (
                Api::Messages,
                json!({"type": "message_delta", "usage": {"output_tokens": 9}}),
                (None, Some(9)),
            ),
            (
                Api::Gemini,
                json!({"usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 8}}),
                (Some(2), Some(8)),
            ),
            (Api::Chat, json!({"usage": null}), (None, None)),
        ];
        for (api, value, (input, output)) in cases {
            assert_eq!(
                Usage::of(api, &value),
                Usage { input, output },
                "{api:?} {value}"
            );
        }
        // A stream: message_start's input, message_delta's final output.
        let mut usage = Usage::default();
        usage.merge(Usage {
            input: Some(7),
            output: Some(1),
        });
        usage.merge(Usage {
            input: None,
            output: Some(9),
        });
        assert_eq!(
            usage,
            Usage {
                input: Some(7),
                output: Some(9)
            }
        );
        assert!(Usage::may_carry(Api::Gemini, r#"{"usageMetadata":{}}"#));
        assert!(!Usage::may_carry(Api::Chat, r#"{"choices":[]}"#));
    }
}
