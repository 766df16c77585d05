//! Typed SSE events for Messages and the accumulator that folds them into the `Message` the
//! non-streaming API returns (text, tool input JSON deltas, thinking + signature deltas,
//! citations, usage from `message_delta`).

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
    #[error("content block {index}: its input JSON does not parse: {source}")]
    ToolInput {
        index: usize,
        source: serde_json::Error,
    },
    #[error("the stream has no message_start event")]
    NoMessage,
}

/// Types one SSE event (`ping`, `error` and unknown types included: the last as
/// `MessageStreamEvent::Unknown`).
pub fn message_event(event: &Event) -> Result<crate::MessageStreamEvent, StreamError> {
    aigw_wire::from_str(&event.data).map_err(|source| StreamError::Json {
        event: event.event.clone(),
        source,
    })
}

fn append_str(target: &mut Value, piece: &str) {
    match target {
        Value::String(s) => s.push_str(piece),
        other => *other = Value::String(piece.to_owned()),
    }
}

/// Folds Messages stream events into a `Message`. Deltas of kinds it does not know are kept
/// in [`MessageAccumulator::unfolded`], never dropped silently.
#[derive(Debug, Default)]
pub struct MessageAccumulator {
    message: Option<Map<String, Value>>,
    blocks: Vec<Value>,
    partial_json: std::collections::BTreeMap<usize, String>,
    unfolded: Vec<Value>,
}

impl MessageAccumulator {
    pub fn push(&mut self, event: &crate::MessageStreamEvent) -> Result<(), StreamError> {
        use crate::MessageStreamEvent as E;
        match event {
            E::Ping(_) | E::MessageStop(_) => {}
            E::Error(e) => return Err(StreamError::Upstream(json(e))),
            E::MessageStart(start) => {
                let Value::Object(mut message) = json(&start.message) else {
                    return Ok(());
                };
                if let Some(Value::Array(content)) = message.remove("content") {
                    self.blocks = content;
                }
                self.message = Some(message);
            }
            E::ContentBlockStart(start) => {
                let index = start
                    .index
                    .as_ref()
                    .and_then(serde_json::Number::as_u64)
                    .unwrap_or(0) as usize;
                if self.blocks.len() <= index {
                    self.blocks.resize(index + 1, Value::Null);
                }
                self.blocks[index] = json(&start.content_block);
            }
            E::ContentBlockDelta(delta) => {
                let index = delta
                    .index
                    .as_ref()
                    .and_then(serde_json::Number::as_u64)
                    .unwrap_or(0) as usize;
                let delta_json = json(&delta.delta);
                self.fold_delta(index, delta_json);
            }
            E::ContentBlockStop(stop) => {
                let index = stop
                    .index
                    .as_ref()
                    .and_then(serde_json::Number::as_u64)
                    .unwrap_or(0) as usize;
                if let Some(partial) = self.partial_json.remove(&index) {
                    let input: Value = if partial.trim().is_empty() {
                        Value::Object(Map::new())
                    } else {
                        serde_json::from_str(&partial)
                            .map_err(|source| StreamError::ToolInput { index, source })?
                    };
                    if let Some(block) = self.blocks.get_mut(index).and_then(Value::as_object_mut) {
                        block.insert("input".into(), input);
                    }
                }
            }
            E::MessageDelta(delta) => {
                let message = self.message.get_or_insert_with(Map::new);
                if let Value::Object(fields) = json(&delta.delta) {
                    message.extend(fields);
                }
                if let Value::Object(usage) = json(&delta.usage) {
                    let slot = message
                        .entry("usage")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(slot) = slot {
                        // `message_delta` usage is cumulative: its counts replace the start's.
                        slot.extend(usage.into_iter().filter(|(_, v)| !v.is_null()));
                    }
                }
            }
            E::Unknown(value) => self.unfolded.push(value.clone()),
        }
        Ok(())
    }

    fn fold_delta(&mut self, index: usize, delta: Value) {
        let kind = delta
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let text = |key: &str| {
            delta
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        if kind == "input_json_delta" {
            self.partial_json
                .entry(index)
                .or_default()
                .push_str(&text("partial_json"));
            return;
        }
        let Some(block) = self.blocks.get_mut(index).and_then(Value::as_object_mut) else {
            self.unfolded.push(delta);
            return;
        };
        match kind.as_str() {
            "text_delta" => append_str(block.entry("text").or_insert(Value::Null), &text("text")),
            "thinking_delta" => append_str(
                block.entry("thinking").or_insert(Value::Null),
                &text("thinking"),
            ),
            // The signature arrives whole, once, at the end of the thinking block.
            "signature_delta" => {
                block.insert("signature".into(), Value::String(text("signature")));
            }
            "citations_delta" => {
                let citations = block.entry("citations").or_insert(Value::Null);
                if !citations.is_array() {
                    *citations = Value::Array(Vec::new());
                }
                if let (Value::Array(list), Some(citation)) = (citations, delta.get("citation")) {
                    list.push(citation.clone());
                }
            }
            _ => self.unfolded.push(delta),
        }
    }

    /// Deltas and events of kinds this accumulator does not fold, in arrival order.
    pub fn unfolded(&self) -> &[Value] {
        &self.unfolded
    }

    /// The accumulated message.
    pub fn finish(self) -> Result<crate::Message, StreamError> {
        let mut message = self.message.ok_or(StreamError::NoMessage)?;
        message.insert("content".into(), Value::Array(self.blocks));
        aigw_wire::from_value(&Value::Object(message)).map_err(|source| StreamError::Json {
            event: None,
            source,
        })
    }
}

/// The JSON of a generated value (generated types always serialize).
fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_default()
}
