//! What the gateway reads of a request body before it forwards it: the model, whether it
//! streams, the output budget the client set, whether a Chat stream asks for usage.

use super::{Name, Object, Pick, lenient, member_of};
use serde::de::{IgnoredAny, MapAccess};
use serde_json::value::RawValue;
use std::ops::Range;

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
    /// Where the `model` member's value is in the body (byte offsets), when it appears once.
    pub model_at: Option<Range<usize>>,
    /// How often a `model` member appears (a body that repeats it is rewritten whole).
    models: u8,
    /// The address of `model`'s value text while reading (made into `model_at`).
    model_text: Option<(usize, usize)>,
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
            Ok(Object(Some(mut head))) => {
                let base = text.as_ptr() as usize;
                head.model_at = match (head.models, head.model_text.take()) {
                    (1, Some((at, len))) => Some(at - base..at - base + len),
                    _ => None,
                };
                Ok(head)
            }
            Ok(Object(None)) => Err(NotARequest::NotAnObject),
            Err(e) => Err(NotARequest::Syntax(e.to_string())),
        }
    }
}

impl Head {
    /// `body` (the one this head was read from) with the model named `model`: the `model`
    /// member's value replaced in place, every other byte as it came. `None` when the body
    /// does not name its model exactly once (then it is rewritten whole).
    pub fn with_model(&self, body: &[u8], model: &str) -> Option<Vec<u8>> {
        let at = self.model_at.clone()?;
        let name = serde_json::to_string(model).ok()?;
        let mut out = Vec::with_capacity(body.len() - at.len() + name.len());
        out.extend_from_slice(body.get(..at.start)?);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body.get(at.end..)?);
        Some(out)
    }
}

impl<'de> Pick<'de> for Head {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "model" => {
                // Borrowed from the input (a `&RawValue` is its exact text): its address
                // gives the value's place in the body, for a rewrite that keeps the rest.
                let raw = map.next_value::<&'de RawValue>()?;
                let text = raw.get();
                self.model = serde_json::from_str(text).ok();
                self.models = self.models.saturating_add(1);
                self.model_text = Some((text.as_ptr() as usize, text.len()));
            }
            "stream" => self.stream = lenient(map)?,
            "max_completion_tokens" => self.max_completion_tokens = lenient(map)?,
            "max_tokens" => self.max_tokens = lenient(map)?,
            "max_output_tokens" => self.max_output_tokens = lenient(map)?,
            "generationConfig" => {
                self.max_output_tokens_gemini = member_of::<MaxOutputTokens, _, _>(map)?;
            }
            "stream_options" => self.include_usage = member_of::<IncludeUsage, _, _>(map)?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Gemini's `generationConfig.maxOutputTokens`.
struct MaxOutputTokens;
impl Name for MaxOutputTokens {
    const NAME: &'static str = "maxOutputTokens";
}

/// Chat's `stream_options.include_usage`.
struct IncludeUsage;
impl Name for IncludeUsage {
    const NAME: &'static str = "include_usage";
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
            ..Head::default()
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
            let mut head = Head::read(body.as_bytes()).expect("an object");
            head.model_at = None;
            head.models = 0;
            assert_eq!(head, from_value(&value), "{body}");
        }
    }

    #[test]
    fn the_model_is_renamed_in_place_and_nothing_else_changes() {
        let cases = [
            (
                r#"{"model":"a","messages":[{"content":"x  y"}],"n":1.50}"#,
                r#"{"model":"gpt-4o-mini","messages":[{"content":"x  y"}],"n":1.50}"#,
            ),
            (
                "{ \"stream\" : true ,\n \"model\" :\t\"b\\u0041\" }",
                "{ \"stream\" : true ,\n \"model\" :\t\"gpt-4o-mini\" }",
            ),
            (r#"{"model":null}"#, r#"{"model":"gpt-4o-mini"}"#),
            (
                r#"{"model":{"x":[1]},"m":2}"#,
                r#"{"model":"gpt-4o-mini","m":2}"#,
            ),
        ];
        for (body, renamed) in cases {
            let head = Head::read(body.as_bytes()).expect("an object");
            let out = head
                .with_model(body.as_bytes(), "gpt-4o-mini")
                .expect("renamed");
            assert_eq!(String::from_utf8_lossy(&out), renamed);
            let mut value: Value = serde_json::from_str(body).expect("parses");
            value["model"] = Value::String("gpt-4o-mini".into());
            assert_eq!(serde_json::from_slice::<Value>(&out).ok(), Some(value));
        }
        let quoted = Head::read(br#"{"model":"a"}"#).expect("an object");
        let out = quoted
            .with_model(br#"{"model":"a"}"#, "we\"ird\n")
            .expect("renamed");
        assert_eq!(out, br#"{"model":"we\"ird\n"}"#);
        for body in [r#"{"model":"a","model":"b"}"#, r#"{"messages":[]}"#] {
            let head = Head::read(body.as_bytes()).expect("an object");
            assert_eq!(head.with_model(body.as_bytes(), "m"), None, "{body}");
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
