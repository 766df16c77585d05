//! Anthropic Messages ↔ Gemini generateContent: every recorded request, response and stream
//! as insta snapshots (translation + loss report) and the stream property in [`corpus`]; one
//! test per semantic in [`semantics`] and [`streams`]; and a round-trip property on the
//! lossless subset in [`round_trip`].

use crate::common;

use aigw_wire::Json;

use aigw_anthropic::MessageStreamEvent;
use aigw_anthropic::stream::{MessageAccumulator, message_event};
use aigw_gemini::GenerateContentResponse;
use aigw_gemini::stream::ResponseAccumulator;
use aigw_translate::anthropic_gemini::{
    GeminiToMessagesStream, MessagesToGeminiStream, gemini_response_to_message, gemini_to_messages,
    message_to_gemini_response, messages_to_gemini,
};
use aigw_translate::{LossKind, LossReport, Options, StreamTranslator};
use common::{cases, document, json_of, snapshot, sse_events, stream_document};
use serde_json::{Value, json};

fn opts() -> Options {
    Options::default()
}

fn from<T: Json>(value: Value) -> T {
    Json::from_json_value(&value).expect("typed")
}

/// The model of a recorded Gemini exchange, from its URL path.
fn model_of(exchange: &Value) -> String {
    let path = exchange["path"].as_str().unwrap_or_default();
    path.split("/models/")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or("gemini")
        .to_owned()
}

/// The chunks of a recorded Gemini stream: SSE (`?alt=sse`) or one JSON array.
fn gemini_chunks(exchange: &Value) -> Option<Vec<GenerateContentResponse>> {
    if let Some(sse) = exchange["sse"].as_str() {
        return Some(
            sse_events(sse)
                .iter()
                .map(|e| aigw_gemini::stream::chunk(e).expect("typed chunk"))
                .collect(),
        );
    }
    match &exchange["response"] {
        Value::Array(items) => Some(items.iter().map(|item| from(item.clone())).collect()),
        _ => None,
    }
}

fn pointers(losses: &LossReport) -> Vec<(String, LossKind)> {
    losses.iter().map(|l| (l.pointer.clone(), l.kind)).collect()
}

fn has(losses: &LossReport, pointer: &str, kind: LossKind) -> bool {
    losses
        .iter()
        .any(|l| l.pointer == pointer && l.kind == kind)
}

/// The order Anthropic streams in: message_start, then blocks (start, deltas, stop) one at a
/// time with consecutive indexes, then message_delta and message_stop.
fn assert_anthropic_sequence(name: &str, events: &[Value]) {
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(kinds.first(), Some(&"message_start"), "{name}");
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["message_delta", "message_stop"],
        "{name}"
    );
    let mut open: Option<u64> = None;
    let mut next = 0;
    for event in &events[1..events.len() - 2] {
        let index = event["index"].as_u64();
        match event["type"].as_str() {
            Some("content_block_start") => {
                assert_eq!(open, None, "{name}: a block starts inside another");
                assert_eq!(index, Some(next), "{name}: block indexes are consecutive");
                open = index;
                next += 1;
            }
            Some("content_block_delta") => {
                assert_eq!(index, open, "{name}: a delta outside its block")
            }
            Some("content_block_stop") => {
                assert_eq!(index, open, "{name}: a stop outside its block");
                open = None;
            }
            other => panic!("{name}: unexpected {other:?} between the message start and delta"),
        }
    }
    assert_eq!(open, None, "{name}: a block left open");
}

mod corpus;
mod round_trip;
mod semantics;
mod streams;
