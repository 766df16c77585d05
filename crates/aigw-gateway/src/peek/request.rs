//! What the gateway reads of a request body before it forwards it: the model, whether it
//! streams, the output budget the client set, whether a Chat stream asks for usage.

use super::{Object, Pick, lenient};
use serde::de::{IgnoredAny, MapAccess};

/// The members of a request body the gateway acts on; the rest stays in the raw bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    /// `model`, when it is a string.
    pub model: Option<String>,
    /// `stream`, when it is a boolean.
    pub stream: Option<bool>,
    /// Chat's `max_completion_tokens`.
    pub max_completion_tokens: Option<u64>,
    /// Chat's (older) and Anthropic's `max_tokens`.
    pub max_tokens: Option<u64>,
    /// Responses' `max_output_tokens`.
    pub max_output_tokens: Option<u64>,
    /// Gemini's `generationConfig.maxOutputTokens`.
    pub max_output_tokens_gemini: Option<u64>,
    /// Chat's `stream_options.include_usage`.
    pub include_usage: Option<bool>,
}

/// Why a body is not a request.
#[derive(Debug, PartialEq, Eq)]
pub enum NotARequest {
    /// Not JSON text (with serde_json's message).
    Syntax(String),
    /// JSON, but not an object.
    NotAnObject,
}

impl Head {
    /// The head of `body`, which must be a JSON object (the whole of it is checked).
    pub fn read(body: &[u8]) -> Result<Head, NotARequest> {
        let text = std::str::from_utf8(body).map_err(|e| NotARequest::Syntax(e.to_string()))?;
        match serde_json::from_str::<Object<Head>>(text) {
            Ok(Object(Some(head))) => Ok(head),
            Ok(Object(None)) => Err(NotARequest::NotAnObject),
            Err(e) => Err(NotARequest::Syntax(e.to_string())),
        }
    }
}

impl<'de> Pick<'de> for Head {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "model" => self.model = lenient(map)?,
            "stream" => self.stream = lenient(map)?,
            "max_completion_tokens" => self.max_completion_tokens = lenient(map)?,
            "max_tokens" => self.max_tokens = lenient(map)?,
            "max_output_tokens" => self.max_output_tokens = lenient(map)?,
            "generationConfig" => {
                self.max_output_tokens_gemini = map
                    .next_value::<Object<GenerationConfig>>()?
                    .0
                    .and_then(|g| g.0);
            }
            "stream_options" => {
                self.include_usage = map
                    .next_value::<Object<StreamOptions>>()?
                    .0
                    .and_then(|s| s.0);
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct GenerationConfig(Option<u64>);

impl<'de> Pick<'de> for GenerationConfig {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "maxOutputTokens" {
            self.0 = lenient(map)?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct StreamOptions(Option<bool>);

impl<'de> Pick<'de> for StreamOptions {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "include_usage" {
            self.0 = lenient(map)?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The head as the gateway read it from a full `Value` before.
    fn from_value(v: &Value) -> Head {
        let u = |p: &str| v.pointer(p).and_then(Value::as_u64);
        Head {
            model: v.get("model").and_then(Value::as_str).map(str::to_owned),
            stream: v.get("stream").and_then(Value::as_bool),
            max_completion_tokens: u("/max_completion_tokens"),
            max_tokens: u("/max_tokens"),
            max_output_tokens: u("/max_output_tokens"),
            max_output_tokens_gemini: u("/generationConfig/maxOutputTokens"),
            include_usage: v
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool),
        }
    }

    #[test]
    fn reads_what_a_value_would_give() {
        let bodies = [
            r#"{"model":"gpt-4o","stream":true,"max_tokens":10,"stream_options":{"include_usage":true}}"#,
            r#"{"model":"a\"b\u00e9","max_completion_tokens":7,"messages":[{"role":"user","content":[1,2.5e3,{"x":null}]}]}"#,
            r#"{"model":5,"stream":"yes","max_tokens":-1,"max_output_tokens":1.5}"#,
            r#"{"generationConfig":{"temperature":0.1,"maxOutputTokens":99},"contents":[]}"#,
            r#"{"generationConfig":[1],"stream_options":null,"max_tokens":18446744073709551615}"#,
            r#"{"model":"first","model":"last","stream":false,"stream":true}"#,
            r#"{"\u006dodel":"escaped key","max_output_tokens":123456789012345678901234567890}"#,
            r#"  {}  "#,
        ];
        for body in bodies {
            let value: Value = serde_json::from_str(body).expect("test body parses");
            assert_eq!(
                Head::read(body.as_bytes()),
                Ok(from_value(&value)),
                "{body}"
            );
        }
    }

    #[test]
    fn refuses_what_a_value_parse_refuses() {
        for body in [
            &b"{\"model\":\"x\""[..],
            b"{\"model\":\"x\"} trailing",
            b"{\"a\":[1,}",
            b"{\"a\":\"\xff\"}",
            b"",
            b"{\"a\":01}",
        ] {
            assert!(
                matches!(Head::read(body), Err(NotARequest::Syntax(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
            assert!(serde_json::from_slice::<Value>(body).is_err());
        }
        for body in ["[1,2]", "\"model\"", "3", "null", "true"] {
            assert_eq!(
                Head::read(body.as_bytes()),
                Err(NotARequest::NotAnObject),
                "{body}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        // serde_json skips an ignored value with a loop, not recursion: a body nested deeper
        // than its parser's limit of 128 is read (and forwarded); only a tree of it (a
        // translation, a compat preset) is refused, with serde_json's error.
        let deep = format!(
            "{{\"model\":\"m\",\"a\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let head = Head::read(deep.as_bytes()).expect("an object");
        assert_eq!(head.model.as_deref(), Some("m"));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
    }
}
