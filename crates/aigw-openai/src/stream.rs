//! Typed SSE events for Chat Completions and Responses, and accumulators that fold a stream
//! into the object the non-streaming API returns.
//!
//! The accumulators work on the JSON of each typed event, so that fields the spec does not name
//! (a vendor's `reasoning_content`, `obfuscation`, …) accumulate like the named ones; the result
//! is parsed into the generated type at the end.

use aigw_sse::Event;
use serde_json::{Map, Value};

/// Why an event could not be typed or folded.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("event {event:?}: data is not the expected JSON: {source}")]
    Json {
        event: Option<String>,
        source: serde_json::Error,
    },
    #[error("the stream reported an error: {0}")]
    Upstream(Value),
    #[error("the stream has no {0}")]
    Missing(&'static str),
}

fn json_error(event: &Event) -> impl FnOnce(serde_json::Error) -> StreamError + '_ {
    move |source| StreamError::Json {
        event: event.event.clone(),
        source,
    }
}

/// One Chat Completions stream event.
#[cfg(feature = "chat")]
#[derive(Clone, Debug, PartialEq)]
pub enum ChatStreamEvent {
    Chunk(Box<crate::CreateChatCompletionStreamResponse>),
    /// An error body sent mid-stream (`{"error": {...}}`).
    Error(Box<crate::ErrorResponse>),
    /// The `[DONE]` sentinel.
    Done,
}

/// As its SSE `data`: the chunk or the error body as JSON, `[DONE]` as the string `"[DONE]"`.
#[cfg(feature = "chat")]
impl serde::Serialize for ChatStreamEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ChatStreamEvent::Chunk(chunk) => chunk.serialize(serializer),
            ChatStreamEvent::Error(error) => error.serialize(serializer),
            ChatStreamEvent::Done => serializer.serialize_str("[DONE]"),
        }
    }
}

#[cfg(feature = "chat")]
impl ChatStreamEvent {
    /// The SSE `data` line's payload for this event (`[DONE]` for the sentinel).
    pub fn sse_data(&self) -> Result<String, serde_json::Error> {
        match self {
            ChatStreamEvent::Done => Ok("[DONE]".to_owned()),
            other => serde_json::to_string(other),
        }
    }

    /// Types one SSE event.
    pub fn from_sse(event: &Event) -> Result<Self, StreamError> {
        if is_done(event) {
            return Ok(ChatStreamEvent::Done);
        }
        // Which body it is, from a scan that builds nothing; then one typed parse.
        #[derive(serde::Deserialize)]
        struct Probe {
            #[serde(default)]
            error: aigw_wire::Maybe<serde::de::IgnoredAny>,
            #[serde(default)]
            choices: aigw_wire::Maybe<serde::de::IgnoredAny>,
        }
        let probe: Probe = serde_json::from_str(&event.data).map_err(json_error(event))?;
        let data = &event.data;
        if event.event.as_deref() == Some("error")
            || (!probe.error.is_absent() && probe.choices.is_absent())
        {
            return aigw_wire::from_str(data)
                .map(ChatStreamEvent::Error)
                .map_err(json_error(event));
        }
        aigw_wire::from_str(data)
            .map(|c| ChatStreamEvent::Chunk(Box::new(c)))
            .map_err(json_error(event))
    }
}

/// The `data` of the Chat stream's closing line, `data: [DONE]`.
pub const DONE: &str = "[DONE]";

/// Whether `event` is the Chat-style `data: [DONE]` line. A Chat stream ends with it; some
/// OpenAI-compatible vendors end their Responses stream with one too, where it is the end
/// of the stream rather than an event (check this before [`responses_event`]).
pub fn is_done(event: &Event) -> bool {
    event.data == DONE
}

/// Types one Responses SSE event (an unknown `type` is kept as `ResponseStreamEvent::Unknown`).
/// A `[DONE]` line is not an event (see [`is_done`]).
#[cfg(feature = "responses")]
pub fn responses_event(event: &Event) -> Result<crate::ResponseStreamEvent, StreamError> {
    aigw_wire::from_str(&event.data).map_err(json_error(event))
}

fn append_str(target: &mut Value, piece: &str) {
    match target {
        Value::String(s) => s.push_str(piece),
        other => *other = Value::String(piece.to_owned()),
    }
}

/// Folds chat chunks into a `chat.completion`: text, refusal and reasoning fragments are
/// concatenated, tool call fragments assembled by `index`, logprobs appended, the usage of the
/// final chunk kept.
#[cfg(feature = "chat")]
#[derive(Debug, Default)]
pub struct ChatAccumulator {
    top: Map<String, Value>,
    choices: std::collections::BTreeMap<u64, Map<String, Value>>,
    tool_calls: std::collections::BTreeMap<(u64, u64), Map<String, Value>>,
    done: bool,
}

#[cfg(feature = "chat")]
impl ChatAccumulator {
    /// Text fields of a delta that arrive in fragments.
    const TEXT: &'static [&'static str] = &["content", "refusal", "reasoning_content", "reasoning"];

    pub fn push(&mut self, event: &ChatStreamEvent) -> Result<(), StreamError> {
        let chunk = match event {
            ChatStreamEvent::Done => {
                self.done = true;
                return Ok(());
            }
            ChatStreamEvent::Error(e) => {
                return Err(StreamError::Upstream(
                    serde_json::to_value(e).unwrap_or_default(),
                ));
            }
            ChatStreamEvent::Chunk(chunk) => chunk,
        };
        let Value::Object(chunk) =
            serde_json::to_value(chunk).map_err(|source| StreamError::Json {
                event: None,
                source,
            })?
        else {
            return Ok(());
        };
        for (key, value) in chunk {
            match key.as_str() {
                "choices" => {
                    for choice in value.as_array().into_iter().flatten() {
                        self.push_choice(choice);
                    }
                }
                "object" | "obfuscation" => {}
                // The usage chunk comes last; `usage: null` on earlier chunks does not erase it.
                "usage" if value.is_null() && self.top.contains_key("usage") => {}
                _ => {
                    self.top.insert(key, value);
                }
            }
        }
        Ok(())
    }

    fn push_choice(&mut self, choice: &Value) {
        let index = choice.get("index").and_then(Value::as_u64).unwrap_or(0);
        let acc = self.choices.entry(index).or_default();
        for (key, value) in choice.as_object().into_iter().flatten() {
            match key.as_str() {
                "delta" => {}
                // `content` and `refusal` token lists arrive in pieces: append them.
                "logprobs" => {
                    let Some(logprobs) = value.as_object() else {
                        continue;
                    };
                    let slot = acc.entry("logprobs").or_insert(Value::Null);
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    let Value::Object(slot) = slot else { continue };
                    for (kind, items) in logprobs {
                        let Some(items) = items.as_array() else {
                            continue;
                        };
                        match slot.entry(kind.clone()).or_insert(Value::Null) {
                            Value::Array(list) => list.extend(items.iter().cloned()),
                            other => *other = Value::Array(items.clone()),
                        }
                    }
                }
                "finish_reason" if value.is_null() && acc.contains_key("finish_reason") => {}
                _ => {
                    acc.insert(key.clone(), value.clone());
                }
            }
        }
        acc.entry("logprobs").or_insert(Value::Null);
        let message = acc
            .entry("message")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(delta) = choice.get("delta").and_then(Value::as_object) else {
            return;
        };
        let Value::Object(message) = message else {
            return;
        };
        for (key, value) in delta {
            if key == "tool_calls" {
                for call in value.as_array().into_iter().flatten() {
                    let call_index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                    let slot = self.tool_calls.entry((index, call_index)).or_default();
                    merge_tool_call(slot, call);
                }
                continue;
            }
            match (Self::TEXT.contains(&key.as_str()), value) {
                (true, Value::String(piece)) => {
                    append_str(message.entry(key.clone()).or_insert(Value::Null), piece)
                }
                (_, Value::Array(parts)) => match message.entry(key.clone()).or_insert(Value::Null)
                {
                    Value::Array(list) => list.extend(parts.iter().cloned()),
                    slot => *slot = value.clone(),
                },
                (_, Value::Null) => {
                    message.entry(key.clone()).or_insert(Value::Null);
                }
                _ => {
                    message.insert(key.clone(), value.clone());
                }
            }
        }
    }

    /// The accumulated response.
    pub fn finish(self) -> Result<crate::CreateChatCompletionResponse, StreamError> {
        if self.top.is_empty() && self.choices.is_empty() {
            return Err(StreamError::Missing("chunks"));
        }
        let mut out = Map::new();
        out.insert("object".into(), Value::String("chat.completion".into()));
        let mut choices = Vec::new();
        for (index, mut choice) in self.choices {
            let calls: Vec<Value> = self
                .tool_calls
                .range((index, 0)..=(index, u64::MAX))
                .map(|(_, call)| Value::Object(call.clone()))
                .collect();
            if let Some(Value::Object(message)) = choice.get_mut("message") {
                message.entry("content").or_insert(Value::Null);
                if !calls.is_empty() {
                    message.insert("tool_calls".into(), Value::Array(calls));
                }
            }
            choice.entry("finish_reason").or_insert(Value::Null);
            choice.insert("index".into(), Value::from(index));
            choices.push(Value::Object(choice));
        }
        out.extend(self.top);
        out.insert("choices".into(), Value::Array(choices));
        aigw_wire::from_value(&Value::Object(out)).map_err(|source| StreamError::Json {
            event: None,
            source,
        })
    }
}

#[cfg(feature = "chat")]
/// Tool call fragments: `id`, `type` and `function.name` arrive once, `function.arguments` in
/// pieces. The `index` used to assemble them is not part of the final object.
fn merge_tool_call(slot: &mut Map<String, Value>, call: &Value) {
    for (key, value) in call.as_object().into_iter().flatten() {
        match key.as_str() {
            "index" => {}
            "function" => {
                let function = slot
                    .entry("function")
                    .or_insert_with(|| Value::Object(Map::new()));
                let (Value::Object(function), Some(delta)) = (function, value.as_object()) else {
                    continue;
                };
                for (k, v) in delta {
                    match (k.as_str(), v) {
                        ("arguments", Value::String(piece)) => append_str(
                            function
                                .entry("arguments")
                                .or_insert(Value::String(String::new())),
                            piece,
                        ),
                        (_, Value::Null) => {}
                        _ => {
                            function.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            _ if value.is_null() => {}
            _ => {
                slot.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(feature = "responses")]
fn at_index(list: &mut Value, index: usize) -> &mut Value {
    if !list.is_array() {
        *list = Value::Array(Vec::new());
    }
    let Value::Array(items) = list else {
        unreachable!("made an array above")
    };
    if items.len() <= index {
        items.resize(index + 1, Value::Null);
    }
    &mut items[index]
}

/// Folds Responses stream events into a `Response`: the output is rebuilt from the item,
/// content part and delta events; the rest comes from `response.created` and, when the stream
/// has one, its terminal event (`response.completed` / `incomplete` / `failed`).
#[cfg(feature = "responses")]
#[derive(Debug, Default)]
pub struct ResponsesAccumulator {
    response: Option<Map<String, Value>>,
    terminal: Option<Map<String, Value>>,
    output: Value,
}

#[cfg(feature = "responses")]
impl ResponsesAccumulator {
    pub fn push(&mut self, event: &crate::ResponseStreamEvent) -> Result<(), StreamError> {
        let event = serde_json::to_value(event).map_err(|source| StreamError::Json {
            event: None,
            source,
        })?;
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let index = |key: &str| event.get(key).and_then(Value::as_u64).unwrap_or(0) as usize;
        let text = |key: &str| event.get(key).and_then(Value::as_str).unwrap_or_default();
        match kind {
            "response.created" | "response.in_progress" | "response.queued" => {
                self.response = event.get("response").and_then(Value::as_object).cloned();
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                self.terminal = event.get("response").and_then(Value::as_object).cloned();
            }
            "response.output_item.added" | "response.output_item.done" => {
                *at_index(&mut self.output, index("output_index")) =
                    event.get("item").cloned().unwrap_or_default();
            }
            "response.content_part.added" | "response.content_part.done" => {
                let item = at_index(&mut self.output, index("output_index"));
                if let Some(item) = item.as_object_mut() {
                    let parts = item.entry("content").or_insert(Value::Array(Vec::new()));
                    *at_index(parts, index("content_index")) =
                        event.get("part").cloned().unwrap_or_default();
                }
            }
            "response.reasoning_summary_part.added" | "response.reasoning_summary_part.done" => {
                let item = at_index(&mut self.output, index("output_index"));
                if let Some(item) = item.as_object_mut() {
                    let parts = item.entry("summary").or_insert(Value::Array(Vec::new()));
                    *at_index(parts, index("summary_index")) =
                        event.get("part").cloned().unwrap_or_default();
                }
            }
            "response.output_text.delta" | "response.refusal.delta" => {
                let field = if kind == "response.refusal.delta" {
                    "refusal"
                } else {
                    "text"
                };
                let item = at_index(&mut self.output, index("output_index"));
                if let Some(item) = item.as_object_mut() {
                    let parts = item.entry("content").or_insert(Value::Array(Vec::new()));
                    if let Some(part) = at_index(parts, index("content_index")).as_object_mut() {
                        append_str(part.entry(field).or_insert(Value::Null), text("delta"));
                    }
                }
            }
            "response.reasoning_summary_text.delta" => {
                let item = at_index(&mut self.output, index("output_index"));
                if let Some(item) = item.as_object_mut() {
                    let parts = item.entry("summary").or_insert(Value::Array(Vec::new()));
                    if let Some(part) = at_index(parts, index("summary_index")).as_object_mut() {
                        append_str(part.entry("text").or_insert(Value::Null), text("delta"));
                    }
                }
            }
            "response.function_call_arguments.delta" | "response.custom_tool_call_input.delta" => {
                let field = if kind.contains("custom") {
                    "input"
                } else {
                    "arguments"
                };
                if let Some(item) =
                    at_index(&mut self.output, index("output_index")).as_object_mut()
                {
                    append_str(item.entry(field).or_insert(Value::Null), text("delta"));
                }
            }
            "error" => return Err(StreamError::Upstream(event)),
            // Other events repeat state carried by the ones above (`*.done`), or carry none.
            _ => {}
        }
        Ok(())
    }

    /// The output items rebuilt from the events so far.
    pub fn output(&self) -> &Value {
        &self.output
    }

    /// The final response: the terminal event's (or else `response.created`'s) fields with the
    /// output rebuilt from the events.
    pub fn finish(self) -> Result<crate::Response, StreamError> {
        let mut response = self
            .terminal
            .or(self.response)
            .ok_or(StreamError::Missing("response.created event"))?;
        let output = match self.output {
            Value::Null => Value::Array(Vec::new()),
            output => output,
        };
        response.insert("output".into(), output);
        aigw_wire::from_value(&Value::Object(response)).map_err(|source| StreamError::Json {
            event: None,
            source,
        })
    }
}
