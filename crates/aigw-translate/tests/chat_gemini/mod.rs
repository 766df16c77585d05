//! OpenAI Chat ↔ Gemini generateContent: every recorded request, response and stream as insta
//! snapshots (translation + loss report) and the stream property in [`corpus`]; the semantics,
//! one test each, in [`semantics`] and [`streams`]; a round-trip property for the lossless
//! subset in [`round_trip`]; and no panic on any shape in [`any_shape`].

use crate::common;

use aigw_wire::Json;

use aigw_gemini::GenerateContentResponse;
use aigw_gemini::stream::ResponseAccumulator;
use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use aigw_openai::{CreateChatCompletionRequest, CreateChatCompletionResponse};
use aigw_translate::chat_gemini::{
    ChatToGeminiStream, GeminiToChatStream, chat_response_to_gemini, chat_to_gemini,
    gemini_response_to_chat, gemini_to_chat,
};
use aigw_translate::{LossKind, LossReport, Options, StreamTranslator};
use common::{Event, cases, document, json_of, snapshot, sse_events, stream_document};
use serde_json::{Value, json};

fn opts() -> Options {
    Options {
        created: 1_700_000_000,
        ..Options::default()
    }
}

/// The model of a recorded Gemini exchange, from its path (`…/models/<model>:<method>`).
fn model_of(exchange: &Value) -> String {
    let path = exchange["path"].as_str().unwrap_or_default();
    let tail = path.rsplit("/models/").next().unwrap_or(path);
    tail.split(':').next().unwrap_or(tail).to_owned()
}

/// The chunks of a recorded Gemini stream: the SSE events (`?alt=sse`) or the elements of
/// the JSON array body.
fn gemini_chunks(exchange: &Value) -> Option<Vec<GenerateContentResponse>> {
    if let Some(sse) = exchange["sse"].as_str() {
        return Some(
            sse_events(sse)
                .iter()
                .map(|e| aigw_gemini::stream::chunk(e).expect("typed chunk"))
                .collect(),
        );
    }
    let items = exchange["response"].as_array()?;
    Some(
        items
            .iter()
            .map(|item| Json::from_json_value(item).expect("typed chunk"))
            .collect(),
    )
}

fn request(value: Value) -> CreateChatCompletionRequest {
    Json::from_json_value(&value).expect("a Chat request")
}

fn gemini_request(value: Value) -> aigw_gemini::GenerateContentRequest {
    Json::from_json_value(&value).expect("a Gemini request")
}

fn pointers(losses: &LossReport) -> Vec<(&str, LossKind)> {
    losses
        .iter()
        .map(|l| (l.pointer.as_str(), l.kind))
        .collect()
}

fn gemini_response(value: Value) -> GenerateContentResponse {
    Json::from_json_value(&value).expect("a Gemini response")
}

fn chat_response(value: Value) -> CreateChatCompletionResponse {
    Json::from_json_value(&value).expect("a Chat response")
}

mod any_shape;
mod corpus;
mod round_trip;
mod semantics;
mod streams;
