//! What the gateway reads of an answer it forwards as bytes: the usage object (where the
//! answer's protocol puts it) and the model.

use super::{Name, Object, Pick, lenient, member_of};
use crate::protocol::Api;
use serde::de::{IgnoredAny, MapAccess};
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// The usage object and the model of a JSON answer or stream event.
#[derive(Debug, Default, PartialEq)]
pub struct Found {
    /// The usage object, where the protocol puts it (`None`: absent, or not an object).
    pub usage: Option<Map<String, Value>>,
    /// The top-level `model`, when it is a string.
    pub model: Option<String>,
}

impl Found {
    /// What `json` (an answer or one event's data, of `api`) reports; `None` when it is not a
    /// JSON object.
    pub fn read(api: Api, json: &[u8]) -> Option<Found> {
        let text = std::str::from_utf8(json).ok()?;
        let (usage, nested, model) = match api {
            Api::Chat => Top::<Chat>::read(text)?,
            Api::Responses => Top::<Responses>::read(text)?,
            Api::Messages => Top::<Messages>::read(text)?,
            Api::Gemini => Top::<Gemini>::read(text)?,
        };
        // As `Value` lookups would: a usage member inside the nested object (a Responses
        // event's `response`, an Anthropic `message`) is the usage, even when it is not an
        // object; only without one does the top-level member count.
        let usage = match nested {
            Some(usage) => usage,
            None => usage.unwrap_or(Value::Null),
        };
        Some(Found {
            usage: match usage {
                Value::Object(map) => Some(map),
                _ => None,
            },
            model,
        })
    }
}

/// Where a protocol puts usage.
trait Place {
    /// The top-level usage member.
    const USAGE: &'static str;
    /// The object whose own `usage` member comes first, if any.
    const NESTED: Option<&'static str>;
}

struct Chat;
impl Place for Chat {
    const USAGE: &'static str = "usage";
    const NESTED: Option<&'static str> = None;
}

struct Responses;
impl Place for Responses {
    const USAGE: &'static str = "usage";
    const NESTED: Option<&'static str> = Some("response");
}

struct Messages;
impl Place for Messages {
    const USAGE: &'static str = "usage";
    const NESTED: Option<&'static str> = Some("message");
}

struct Gemini;
impl Place for Gemini {
    const USAGE: &'static str = "usageMetadata";
    const NESTED: Option<&'static str> = None;
}

struct Top<P> {
    usage: Option<Value>,
    nested: Option<Value>,
    model: Option<String>,
    place: PhantomData<P>,
}

impl<P> Default for Top<P> {
    fn default() -> Self {
        Top {
            usage: None,
            nested: None,
            model: None,
            place: PhantomData,
        }
    }
}

impl<P: Place> Top<P> {
    /// The top-level usage, the nested one and the model of `text`, if it is an object.
    fn read(text: &str) -> Option<(Option<Value>, Option<Value>, Option<String>)> {
        let top = serde_json::from_str::<Object<Top<P>>>(text).ok()?.0?;
        Some((top.usage, top.nested, top.model))
    }
}

impl<'de, P: Place> Pick<'de> for Top<P> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == P::USAGE {
            self.usage = Some(map.next_value()?);
        } else if Some(key) == P::NESTED {
            self.nested = member_of::<Usage, Value, _>(map)?;
        } else if key == "model" {
            self.model = lenient(map)?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// The `usage` member of the nested object.
struct Usage;
impl Name for Usage {
    const NAME: &'static str = "usage";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usage object as the gateway found it in a full `Value` before.
    fn from_value(api: Api, value: &Value) -> Option<Map<String, Value>> {
        let found = match api {
            Api::Chat => value.get("usage"),
            Api::Responses => value
                .get("response")
                .and_then(|r| r.get("usage"))
                .or_else(|| value.get("usage")),
            Api::Messages => value
                .get("message")
                .and_then(|m| m.get("usage"))
                .or_else(|| value.get("usage")),
            Api::Gemini => value.get("usageMetadata"),
        };
        found?.as_object().cloned()
    }

    #[test]
    fn finds_what_a_value_lookup_finds() {
        let bodies = [
            r#"{"id":"x","model":"gpt-4o","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":3,"completion_tokens":4.0,"prompt_tokens_details":{"cached_tokens":1}}}"#,
            r#"{"type":"response.completed","response":{"id":"r","usage":{"input_tokens":5,"output_tokens":6}},"usage":{"input_tokens":1}}"#,
            r#"{"type":"response.created","response":{"id":"r","usage":null},"usage":{"input_tokens":1}}"#,
            r#"{"response":"text","usage":{"input_tokens":2}}"#,
            r#"{"type":"message_start","message":{"model":"claude","usage":{"input_tokens":10,"cache_read_input_tokens":2}}}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":12}}"#,
            r#"{"candidates":[{"content":{"parts":[{"text":"x"}]}}],"usageMetadata":{"promptTokenCount":4,"promptTokensDetails":[{"modality":"TEXT","tokenCount":4}]},"modelVersion":"g"}"#,
            r#"{"usage":[1,2],"model":7}"#,
            r#"{"usage":{"a":1},"usage":{"b":2}}"#,
            r#"{"choices":[],"usage":null}"#,
            r#"{}"#,
        ];
        for body in bodies {
            let value: Value = serde_json::from_str(body).expect("test body parses");
            for api in [Api::Chat, Api::Responses, Api::Messages, Api::Gemini] {
                let found = Found::read(api, body.as_bytes()).expect("an object");
                assert_eq!(found.usage, from_value(api, &value), "{api:?} {body}");
                assert_eq!(
                    found.model.as_deref(),
                    value.get("model").and_then(Value::as_str),
                    "{body}"
                );
            }
        }
    }

    #[test]
    fn numbers_keep_their_text() {
        let body = r#"{"usage":{"prompt_tokens":1.0e1,"x":12345678901234567890123,"y":0.10}}"#;
        let found = Found::read(Api::Chat, body.as_bytes()).expect("an object");
        let usage = Value::Object(found.usage.expect("usage"));
        let value: Value = serde_json::from_str(body).expect("test body parses");
        assert_eq!(usage.to_string(), value["usage"].to_string());
        assert!(usage.to_string().contains("12345678901234567890123"));
    }

    #[test]
    fn non_objects_and_bad_json_find_nothing() {
        for body in [
            &b"[1]"[..],
            b"null",
            b"\"usage\"",
            b"{\"usage\":",
            b"{\"a\":\"\xff\"}",
        ] {
            assert_eq!(
                Found::read(Api::Chat, body),
                None,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
