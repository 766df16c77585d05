//! Shared by the corpus snapshot tests: reading recorded exchanges and making snapshots
//! readable (sorted keys, long strings shortened).
#![allow(dead_code)]

use aigw_translate::LossReport;
use aigw_wire::Json;
use serde_json::{Map, Value, json};
use std::path::PathBuf;

/// Recorded exchanges of `provider`/`api` (`AIGW_CORPUS`, else `../shared/corpus/dev`), as
/// `(file stem, exchange)`, sorted; `None` after a printed notice when there is no corpus.
pub fn cases(provider: &str, api: &str) -> Option<Vec<(String, Value)>> {
    // A relative AIGW_CORPUS is relative to the workspace root (tests run in their crate).
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = match std::env::var_os("AIGW_CORPUS") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("../shared/corpus/dev"),
    };
    let dir = root.join(provider).join(api);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("SKIPPED: no corpus at {} (set AIGW_CORPUS)", dir.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Some(
        files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("readable corpus file");
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("case")
                    .to_owned();
                (
                    stem,
                    serde_json::from_str(&text).expect("corpus file is JSON"),
                )
            })
            .collect(),
    )
}

/// Sorted keys, and strings over 200 characters (base64 images, long prompts) shortened to
/// their start and length, so that reviewers can read the snapshots.
pub fn readable(value: &Value) -> Value {
    match value {
        Value::String(s) if s.chars().count() > 200 => {
            let start: String = s.chars().take(80).collect();
            Value::String(format!("{start}… ({} chars)", s.chars().count()))
        }
        Value::Array(items) => Value::Array(items.iter().map(readable).collect()),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut sorted = Map::new();
            for key in keys {
                sorted.insert(key.clone(), readable(&map[key]));
            }
            Value::Object(sorted)
        }
        other => other.clone(),
    }
}

/// The snapshot document of one translation.
pub fn document(translated: &impl Json, losses: &LossReport) -> Value {
    snapshot_document(&translated.to_json_value().expect("serializes"), losses)
}

/// The snapshot document of a translated stream.
pub fn stream_document<E: Event>(events: &[E], losses: &LossReport) -> Value {
    snapshot_document(&events.iter().map(Event::to_json).collect(), losses)
}

fn snapshot_document(translated: &Value, losses: &LossReport) -> Value {
    json!({ "translated": readable(translated), "losses": losses })
}

/// A stream event as JSON (its SSE `data`), through the wire types' compiled entry points.
pub trait Event {
    fn to_json(&self) -> Value;
}

/// The event types whose `Json` is their own.
macro_rules! event_through_json {
    ($($ty:ty),*) => {$(
        impl Event for $ty {
            fn to_json(&self) -> Value {
                self.to_json_value().expect("serializes")
            }
        }
    )*};
}

event_through_json!(
    aigw_anthropic::MessageStreamEvent,
    aigw_openai::ResponseStreamEvent,
    aigw_gemini::GenerateContentResponse
);

/// As its `Serialize` writes it: the chunk or the error body, `[DONE]` as that string.
impl Event for aigw_openai::stream::ChatStreamEvent {
    fn to_json(&self) -> Value {
        use aigw_openai::stream::ChatStreamEvent;
        match self {
            ChatStreamEvent::Chunk(chunk) => chunk.to_json_value().expect("serializes"),
            ChatStreamEvent::Error(error) => serde_json::to_value(error).expect("serializes"),
            ChatStreamEvent::Done => Value::from("[DONE]"),
        }
    }
}

/// Asserts one snapshot per case under `snapshots/<group>/`.
pub fn snapshot(group: &str, name: &str, document: &Value) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(format!("../snapshots/{group}"));
    settings.set_prepend_module_to_snapshot(false);
    // As JSON text: insta's own serializer would show arbitrary-precision numbers as structs.
    let text = serde_json::to_string_pretty(document).expect("serializes");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The events of a recorded SSE text (comments left out).
pub fn sse_events(text: &str) -> Vec<aigw_sse::Event> {
    aigw_sse::Decoder::decode_all(text.as_bytes(), aigw_sse::Limits::default())
        .expect("recorded SSE decodes")
        .into_iter()
        .filter_map(|f| match f {
            aigw_sse::Frame::Event(e) => Some(e),
            aigw_sse::Frame::Comment(_) => None,
        })
        .collect()
}

/// Through the type's compiled entry point ([`Json`]): a generic `serde_json::to_value` would
/// compile the type's whole serializer into this test binary again.
pub fn json_of<T: Json>(value: &T) -> Value {
    value.to_json_value().expect("serializes")
}

pub fn translated_json<T: Json>(result: &aigw_translate::Translated<T>) -> Value {
    json_of(&result.value)
}
