//! What the spans say about an answer beyond its usage: the model that answered, the
//! response's id and why it stopped, read from a plain body or from the stream's events.
//! A stream's events are only parsed when they can carry one of these (a substring check
//! first), and only while tracing is on.

use crate::protocol::Api;
use serde_json::Value;

/// The response's model, id and finish reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub model: Option<String>,
    pub id: Option<String>,
    pub finish_reasons: Vec<String>,
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

impl Facts {
    /// A plain response body of `api`.
    pub fn body(&mut self, api: Api, value: &Value) {
        match api {
            Api::Chat => {
                self.head(value.get("model"), value.get("id"));
                self.choices(value, "finish_reason");
            }
            Api::Responses => self.response(value),
            Api::Messages => {
                self.head(value.get("model"), value.get("id"));
                self.reason(value.get("stop_reason"));
            }
            Api::Gemini => {
                self.head(value.get("modelVersion"), value.get("responseId"));
                if let Some(list) = value.get("candidates").and_then(Value::as_array) {
                    for candidate in list {
                        self.reason(candidate.get("finishReason"));
                    }
                }
            }
        }
    }

    /// One event of a stream of `api` (its `data`).
    pub fn event(&mut self, api: Api, data: &str) {
        let wanted = match api {
            Api::Chat => {
                self.model.is_none()
                    || data.contains("\"finish_reason\":\"")
                    || data.contains("\"finish_reason\": \"")
            }
            Api::Responses => {
                data.contains("\"response\":")
                    && (self.model.is_none()
                        || data.contains("response.completed")
                        || data.contains("response.incomplete")
                        || data.contains("response.failed"))
            }
            Api::Messages => data.contains("message_start") || data.contains("stop_reason\""),
            Api::Gemini => self.model.is_none() || data.contains("finishReason"),
        };
        if !wanted {
            return;
        }
        let Ok(value) = serde_json::from_str::<Value>(data) else {
            return;
        };
        match api {
            Api::Chat => {
                self.head(value.get("model"), value.get("id"));
                self.choices(&value, "finish_reason");
            }
            Api::Responses => {
                let response = value.get("response").unwrap_or(&Value::Null);
                let done = matches!(
                    value.get("type").and_then(Value::as_str),
                    Some("response.completed" | "response.incomplete" | "response.failed")
                );
                self.head(response.get("model"), response.get("id"));
                if done {
                    self.response(response);
                }
            }
            Api::Messages => {
                if let Some(message) = value.get("message") {
                    self.head(message.get("model"), message.get("id"));
                }
                if let Some(delta) = value.get("delta") {
                    self.reason(delta.get("stop_reason"));
                }
            }
            Api::Gemini => self.body(Api::Gemini, &value),
        }
    }

    fn head(&mut self, model: Option<&Value>, id: Option<&Value>) {
        if self.model.is_none() {
            self.model = text(model);
        }
        if self.id.is_none() {
            self.id = text(id);
        }
    }

    fn reason(&mut self, reason: Option<&Value>) {
        if let Some(reason) = text(reason) {
            self.finish_reasons.push(reason);
        }
    }

    fn choices(&mut self, value: &Value, key: &str) {
        if let Some(list) = value.get("choices").and_then(Value::as_array) {
            for choice in list {
                self.reason(choice.get(key));
            }
        }
    }

    /// A Responses `response` object: its status says why it stopped (`incomplete`: the
    /// reason given).
    fn response(&mut self, response: &Value) {
        self.head(response.get("model"), response.get("id"));
        let reason = response
            .pointer("/incomplete_details/reason")
            .or_else(|| response.get("status"));
        self.reason(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_protocol_s_model_id_and_finish_reasons() {
        let mut f = Facts::default();
        f.body(
            Api::Chat,
            &json!({"id":"c1","model":"gpt-x","choices":[{"finish_reason":"stop"},{"finish_reason":"length"}]}),
        );
        assert_eq!(f.model.as_deref(), Some("gpt-x"));
        assert_eq!(f.id.as_deref(), Some("c1"));
        assert_eq!(f.finish_reasons, ["stop", "length"]);

        let mut f = Facts::default();
        f.event(
            Api::Messages,
            r#"{"type":"message_start","message":{"id":"m1","model":"claude-x"}}"#,
        );
        f.event(
            Api::Messages,
            r#"{"type":"content_block_delta","delta":{"text":"hi"}}"#,
        );
        f.event(
            Api::Messages,
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"}}"#,
        );
        assert_eq!(
            (
                f.model.as_deref(),
                f.id.as_deref(),
                f.finish_reasons.as_slice()
            ),
            (
                Some("claude-x"),
                Some("m1"),
                ["end_turn".to_owned()].as_slice()
            )
        );

        let mut f = Facts::default();
        f.event(
            Api::Chat,
            r#"{"id":"c2","model":"m","choices":[{"delta":{"content":"a"},"finish_reason":null}]}"#,
        );
        f.event(
            Api::Chat,
            r#"{"id":"c2","model":"m","choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
        );
        assert_eq!(f.finish_reasons, ["tool_calls"]);

        let mut f = Facts::default();
        f.event(
            Api::Gemini,
            r#"{"candidates":[{"content":{}}],"modelVersion":"gemini-x","responseId":"g1"}"#,
        );
        f.event(
            Api::Gemini,
            r#"{"candidates":[{"finishReason":"STOP"}],"modelVersion":"gemini-x"}"#,
        );
        assert_eq!(
            (f.model.as_deref(), f.finish_reasons.as_slice()),
            (Some("gemini-x"), ["STOP".to_owned()].as_slice())
        );

        let mut f = Facts::default();
        f.event(Api::Responses, r#"{"type":"response.created","response":{"id":"r1","model":"o-x","status":"in_progress"}}"#);
        f.event(Api::Responses, r#"{"type":"response.incomplete","response":{"id":"r1","model":"o-x","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}"#);
        assert_eq!(
            (f.model.as_deref(), f.finish_reasons.as_slice()),
            (Some("o-x"), ["max_output_tokens".to_owned()].as_slice())
        );
    }
}
