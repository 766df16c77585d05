//! Typed `streamGenerateContent` chunks (SSE with `?alt=sse`, or one JSON array) and the
//! accumulator that merges them into one `GenerateContentResponse`.

use aigw_sse::Event;
use serde_json::{Map, Value};

/// Why a chunk could not be typed or merged.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("event {event:?}: data is not a GenerateContentResponse: {source}")]
    Json {
        event: Option<String>,
        source: serde_json::Error,
    },
    #[error("the stream has no chunks")]
    Empty,
}

/// Types one SSE event.
pub fn chunk(event: &Event) -> Result<crate::GenerateContentResponse, StreamError> {
    aigw_wire::from_str(&event.data).map_err(|source| StreamError::Json {
        event: event.event.clone(),
        source,
    })
}

/// Merges chunks: per candidate `index`, consecutive text parts of the same kind (thought or
/// not, no signature in between) are joined and other parts appended; citation sources are
/// appended; everything else (finish reason, safety ratings, grounding, usage, model version)
/// is taken from the latest chunk that has it.
#[derive(Debug, Default)]
pub struct ResponseAccumulator {
    top: Map<String, Value>,
    candidates: std::collections::BTreeMap<u64, Map<String, Value>>,
    chunks: usize,
}

impl ResponseAccumulator {
    pub fn push(&mut self, chunk: &crate::GenerateContentResponse) {
        self.chunks += 1;
        let Ok(Value::Object(chunk)) = serde_json::to_value(chunk) else {
            return;
        };
        for (key, value) in chunk {
            if key != "candidates" {
                self.top.insert(key, value);
                continue;
            }
            for (position, candidate) in value.as_array().into_iter().flatten().enumerate() {
                let index = candidate
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(position as u64);
                let acc = self.candidates.entry(index).or_default();
                merge_candidate(acc, candidate);
            }
        }
    }

    /// The merged response.
    pub fn finish(self) -> Result<crate::GenerateContentResponse, StreamError> {
        if self.chunks == 0 {
            return Err(StreamError::Empty);
        }
        let mut out = Map::new();
        if !self.candidates.is_empty() {
            let candidates = self.candidates.into_values().map(Value::Object).collect();
            out.insert("candidates".into(), Value::Array(candidates));
        }
        out.extend(self.top);
        aigw_wire::from_value(&Value::Object(out)).map_err(|source| StreamError::Json {
            event: None,
            source,
        })
    }
}

fn merge_candidate(acc: &mut Map<String, Value>, candidate: &Value) {
    for (key, value) in candidate.as_object().into_iter().flatten() {
        match key.as_str() {
            "content" => {
                let content = acc
                    .entry("content")
                    .or_insert_with(|| Value::Object(Map::new()));
                let (Value::Object(content), Some(delta)) = (content, value.as_object()) else {
                    continue;
                };
                for (k, v) in delta {
                    if k == "parts" {
                        let parts = content
                            .entry("parts")
                            .or_insert_with(|| Value::Array(Vec::new()));
                        if let (Value::Array(parts), Some(new)) = (parts, v.as_array()) {
                            new.iter().for_each(|part| merge_part(parts, part));
                        }
                    } else {
                        content.insert(k.clone(), v.clone());
                    }
                }
            }
            "citationMetadata" => {
                let slot = acc
                    .entry("citationMetadata")
                    .or_insert_with(|| Value::Object(Map::new()));
                let sources = value.get("citationSources").and_then(Value::as_array);
                if let (Value::Object(slot), Some(sources)) = (slot, sources) {
                    let list = slot
                        .entry("citationSources")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(list) = list {
                        list.extend(sources.iter().cloned());
                    }
                }
            }
            _ => {
                acc.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Appends a part, joining it to the previous one when both are plain text of the same kind.
fn merge_part(parts: &mut Vec<Value>, part: &Value) {
    let text_only = |p: &Value| {
        p.as_object().is_some_and(|o| {
            o.contains_key("text") && o.keys().all(|k| k == "text" || k == "thought")
        })
    };
    if let Some(last) = parts.last_mut()
        && text_only(last)
        && text_only(part)
        && last.get("thought") == part.get("thought")
        && let (Some(Value::String(text)), Some(piece)) = (
            last.get_mut("text"),
            part.get("text").and_then(Value::as_str),
        )
    {
        text.push_str(piece);
        return;
    }
    parts.push(part.clone());
}
