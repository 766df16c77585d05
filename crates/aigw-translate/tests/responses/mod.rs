//! OpenAI Responses ↔ Chat Completions: every recorded request, response and stream as insta
//! snapshots (translation + loss report) and the stream property (accumulating a translated
//! stream gives what translating the accumulated stream gives) in [`corpus`]; the semantics,
//! one test each, in [`requests`] and [`answers`] (responses and streams); and a round-trip
//! property on the subset both carry exactly in [`round_trip`].

use crate::common;

use aigw_wire::Json;

use aigw_openai::stream::{
    ChatAccumulator, ChatStreamEvent, ResponsesAccumulator, responses_event,
};
use aigw_openai::{
    CreateChatCompletionRequest, CreateChatCompletionResponse, CreateResponse, Response,
    ResponseStreamEvent,
};
use aigw_translate::responses::{
    ChatToResponsesStream, ResponsesToChatStream, chat_response_to_responses, chat_to_responses,
    responses_response_to_chat, responses_to_chat,
};
use aigw_translate::{LossKind, Options, StreamTranslator, Translated};
use common::{
    Event, cases, document, json_of, snapshot, sse_events, stream_document, translated_json,
};
use serde_json::{Value, json};

const PROVIDERS: [&str; 2] = ["openai", "openai-compat"];

fn opts() -> Options {
    Options::default()
}

/// The successful recorded exchanges of `api` from both OpenAI providers.
fn recorded(api: &str) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for provider in PROVIDERS {
        if let Some(cases) = cases(provider, api) {
            out.extend(
                cases
                    .into_iter()
                    .map(|(name, exchange)| (provider.to_owned(), name, exchange)),
            );
        }
    }
    out
}

fn pointers<T>(result: &Translated<T>) -> Vec<&str> {
    result.losses.iter().map(|l| l.pointer.as_str()).collect()
}

use aigw_translate::responses::{
    VIA_CHAT, gemini_response_to_responses, gemini_to_responses_stream, message_to_responses,
    messages_to_responses_stream, responses_to_gemini, responses_to_messages,
};

fn responses_request(value: Value) -> CreateResponse {
    Json::from_json_value(&value).expect("responses request")
}

fn chat_request(value: Value) -> CreateChatCompletionRequest {
    Json::from_json_value(&value).expect("chat request")
}

fn response_of(value: Value) -> Response {
    Json::from_json_value(&value).expect("response")
}

fn completion_of(value: Value) -> CreateChatCompletionResponse {
    Json::from_json_value(&value).expect("completion")
}

mod answers;
mod corpus;
mod requests;
mod round_trip;
