//! OpenAI Responses ↔ Chat Completions on every recorded request, response and stream, as
//! insta snapshots (translation + loss report); the stream property (accumulating a
//! translated stream gives what translating the accumulated stream gives); the semantics one
//! test each; and a round-trip property on the subset both carry exactly.

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

// ---------------------------------------------------------------------------------------
// Recorded corpus
// ---------------------------------------------------------------------------------------

#[test]
fn recorded_responses_requests_to_chat() {
    let mut translated = 0;
    for (provider, name, exchange) in recorded("responses") {
        let Ok(request) = CreateResponse::from_json_value(&exchange["request"]) else {
            continue;
        };
        if exchange["request"].is_null() {
            continue;
        }
        let result = responses_to_chat(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            &format!("responses_to_chat/request/{provider}"),
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    println!("responses requests → chat: {translated}");
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_chat_requests_to_responses() {
    let mut translated = 0;
    for (provider, name, exchange) in recorded("chat.completions") {
        if exchange["request"].is_null() {
            continue;
        }
        let Ok(request) = CreateChatCompletionRequest::from_json_value(&exchange["request"]) else {
            continue;
        };
        let result = chat_to_responses(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            &format!("chat_to_responses/request/{provider}"),
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    println!("chat requests → responses: {translated}");
    assert!(translated > 250, "{translated}");
}

#[test]
fn recorded_responses_responses_to_chat() {
    let mut translated = 0;
    for (provider, name, exchange) in recorded("responses") {
        if exchange["status"] != 200 || exchange["response"]["object"] != "response" {
            continue;
        }
        let response: Response =
            Json::from_json_value(&exchange["response"]).expect("typed response");
        let result = responses_response_to_chat(&response, &opts())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            &format!("responses_to_chat/response/{provider}"),
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    println!("responses responses → chat: {translated}");
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_chat_responses_to_responses() {
    let mut translated = 0;
    for (provider, name, exchange) in recorded("chat.completions") {
        if exchange["status"] != 200 || exchange["response"]["object"] != "chat.completion" {
            continue;
        }
        let response: CreateChatCompletionResponse =
            Json::from_json_value(&exchange["response"]).expect("typed completion");
        let result = chat_response_to_responses(&response, &opts())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            &format!("chat_to_responses/response/{provider}"),
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    println!("chat responses → responses: {translated}");
    assert!(translated > 200, "{translated}");
}

/// A Chat completion without what only one side of the stream property has: `null` fields
/// (a whole message says `"refusal": null`, accumulated chunks leave it out) and `object`.
fn chat_comparable(completion: &Value) -> Value {
    let mut completion = completion.clone();
    if let Some(map) = completion.as_object_mut() {
        map.remove("object");
        map.retain(|_, v| !v.is_null());
    }
    for choice in completion["choices"].as_array_mut().into_iter().flatten() {
        if let Some(message) = choice["message"].as_object_mut() {
            message.retain(|_, v| !v.is_null());
        }
        if let Some(logprobs) = choice["logprobs"].as_object_mut() {
            logprobs.retain(|_, v| !v.is_null());
        }
    }
    completion
}

/// Every recorded Responses stream becomes a Chat chunk stream that starts with the role,
/// ends with the finish chunk, the usage chunk and `[DONE]`; and the chunks accumulate to
/// what translating the accumulated response gives.
///
/// Compared: the whole completion (id, created, model, usage, and per choice the message —
/// text, refusal, tool calls with ids, names and argument text, annotations,
/// `reasoning_content`, `aigw_reasoning` — the logprobs and the finish reason), except for
/// `null` fields and `object` (see [`chat_comparable`]).
#[test]
fn recorded_responses_streams_to_chat_chunks() {
    let mut translated = 0;
    for (provider, name, exchange) in recorded("responses") {
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<ResponseStreamEvent> = sse_events(sse)
            .iter()
            .map(|e| responses_event(e).expect("typed"))
            .collect();
        let mut translator = ResponsesToChatStream::new(&opts(), true);
        let chunks = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&chunks, translator.losses());
        doc["events"] = json!(chunks.len());
        snapshot(&format!("responses_to_chat/stream/{provider}"), &name, &doc);
        let mut upstream = ResponsesAccumulator::default();
        let folded = events.iter().try_for_each(|e| upstream.push(e));
        if folded.is_err() {
            // A stream that ends in an error event ends in a Chat error body.
            assert!(
                matches!(chunks.last(), Some(ChatStreamEvent::Error(_))),
                "{name}"
            );
            translated += 1;
            continue;
        }
        let first = chunks[0].to_json();
        assert_eq!(first["choices"][0]["delta"]["role"], "assistant", "{name}");
        assert!(
            matches!(chunks.last(), Some(ChatStreamEvent::Done)),
            "{name}"
        );
        let usage = chunks[chunks.len() - 2].to_json();
        assert_eq!(usage["choices"], json!([]), "{name}: the usage chunk");
        let finish = chunks[chunks.len() - 3].to_json();
        assert!(
            finish["choices"][0]["finish_reason"].is_string(),
            "{name}: the finish chunk"
        );
        let mut chat = ChatAccumulator::default();
        for chunk in &chunks {
            chat.push(chunk).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let direct = responses_response_to_chat(&upstream.finish().expect("response"), &opts())
            .expect("translated");
        assert_eq!(
            chat_comparable(&json_of(&chat.finish().expect("completion"))),
            chat_comparable(&json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    println!("responses streams → chat: {translated}");
    assert!(translated > 20, "{translated}");
}

/// The Responses event sequence rules: `response.created`, `response.in_progress`, then
/// items (each `output_item.added` … `output_item.done`, content parts and function call
/// arguments inside their item), a terminal event last; sequence numbers 0, 1, 2, …
fn assert_responses_sequence(name: &str, events: &[Value]) {
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?"))
        .collect();
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["sequence_number"], json!(i), "{name}: sequence");
    }
    if kinds.last() == Some(&"error") {
        return;
    }
    assert_eq!(
        kinds[..2],
        ["response.created", "response.in_progress"],
        "{name}"
    );
    assert!(
        matches!(
            kinds.last(),
            Some(&"response.completed" | &"response.incomplete")
        ),
        "{name}: {kinds:?}"
    );
    let mut open: Vec<u64> = Vec::new();
    let mut parts: Vec<(u64, u64)> = Vec::new();
    for event in &events[2..events.len() - 1] {
        let index = event["output_index"].as_u64().expect("output_index");
        match event["type"].as_str().unwrap_or("?") {
            "response.output_item.added" => open.push(index),
            "response.output_item.done" => {
                assert!(open.contains(&index), "{name}: done before added");
                assert!(
                    !parts.iter().any(|(i, _)| *i == index),
                    "{name}: item done with a part open"
                );
                open.retain(|i| *i != index);
            }
            "response.content_part.added" => parts.push((
                index,
                event["content_index"].as_u64().expect("content_index"),
            )),
            "response.content_part.done" => {
                let part = (
                    index,
                    event["content_index"].as_u64().expect("content_index"),
                );
                assert!(parts.contains(&part), "{name}: part done before added");
                parts.retain(|p| *p != part);
            }
            _ => {
                assert!(open.contains(&index), "{name}: event outside its item");
                if event.get("content_index").is_some() {
                    let part = (
                        index,
                        event["content_index"].as_u64().expect("content_index"),
                    );
                    assert!(parts.contains(&part), "{name}: delta outside its part");
                }
            }
        }
    }
    assert!(open.is_empty(), "{name}: items left open");
}

/// Every recorded Chat stream becomes the exact Responses event sequence, and the events
/// accumulate to what translating the accumulated completion gives.
///
/// Compared: id, model, created_at, status, incomplete_details, usage and the whole output
/// (every item with its id, status, content parts — text, annotations, logprobs, refusal —
/// function calls with call ids, names and argument text, reasoning items). The id and
/// `created` are the first chunk's on both sides.
#[test]
fn recorded_chat_streams_to_responses_events() {
    let mut translated = 0;
    for (provider, name, exchange) in recorded("chat.completions") {
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<ChatStreamEvent> = sse_events(sse)
            .iter()
            .map(|e| ChatStreamEvent::from_sse(e).expect("typed"))
            .collect();
        let mut translator = ChatToResponsesStream::new(&opts());
        let out = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&out, translator.losses());
        doc["events"] = json!(out.len());
        snapshot(&format!("chat_to_responses/stream/{provider}"), &name, &doc);
        let values: Vec<Value> = out.iter().map(json_of).collect();
        assert_responses_sequence(&name, &values);
        let mut chat = ChatAccumulator::default();
        if events.iter().try_for_each(|e| chat.push(e)).is_err() {
            assert_eq!(
                values.last().map(|e| &e["type"]),
                Some(&json!("error")),
                "{name}"
            );
            translated += 1;
            continue;
        }
        let mut responses = ResponsesAccumulator::default();
        for event in &out {
            responses
                .push(event)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        // The Responses stream announces its response (id, created_at) with the first chunk:
        // where later chunks say otherwise (a few providers change the id mid-stream), the
        // first chunk's values are the ones compared.
        let mut completion = chat.finish().expect("completion");
        if let Some(ChatStreamEvent::Chunk(first)) = events.first() {
            completion.id = first.id.clone();
            completion.created = first.created.clone();
        }
        let direct = chat_response_to_responses(&completion, &opts()).expect("translated");
        let essentials = |response: &Value| {
            json!({
                "id": response["id"], "model": response["model"], "created_at": response["created_at"],
                "status": response["status"], "incomplete_details": response["incomplete_details"],
                "usage": response["usage"], "output": response["output"]
            })
        };
        assert_eq!(
            essentials(&json_of(&responses.finish().expect("response"))),
            essentials(&json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    println!("chat streams → responses: {translated}");
    assert!(translated > 20, "{translated}");
}

// ---------------------------------------------------------------------------------------
// Composition through Chat (Anthropic and Gemini upstreams), on the recorded streams
// ---------------------------------------------------------------------------------------

/// Every recorded Anthropic stream, through Chat, is the exact Responses event sequence.
#[test]
fn recorded_anthropic_streams_to_responses_events() {
    let Some(cases) = cases("anthropic", "messages") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<_> = sse_events(sse)
            .iter()
            .map(|e| aigw_anthropic::stream::message_event(e).expect("typed"))
            .collect();
        let mut translator = messages_to_responses_stream(&opts());
        let out = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let values: Vec<Value> = out.iter().map(json_of).collect();
        assert_responses_sequence(&name, &values);
        for loss in translator.losses().iter() {
            // Second-hop losses are marked, first-hop ones point into the Anthropic events.
            assert!(
                loss.pointer.starts_with(VIA_CHAT) || loss.pointer.starts_with('/'),
                "{name}: {loss}"
            );
        }
        translated += 1;
    }
    println!("anthropic streams → responses: {translated}");
    assert!(translated > 20, "{translated}");
}

/// Every recorded Gemini stream (SSE or a JSON array), through Chat, is the exact Responses
/// event sequence.
#[test]
fn recorded_gemini_streams_to_responses_events() {
    let Some(cases) = cases("gemini", "streamGenerateContent") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let chunks: Vec<aigw_gemini::GenerateContentResponse> =
            if let Some(sse) = exchange["sse"].as_str() {
                sse_events(sse)
                    .iter()
                    .map(|e| aigw_gemini::stream::chunk(e).expect("typed chunk"))
                    .collect()
            } else if let Value::Array(items) = &exchange["response"] {
                items
                    .iter()
                    .map(|item| Json::from_json_value(item).expect("typed chunk"))
                    .collect()
            } else {
                continue;
            };
        let mut translator = gemini_to_responses_stream("gemini", &opts());
        let out = translator
            .translate_all(&chunks)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let values: Vec<Value> = out.iter().map(json_of).collect();
        assert_responses_sequence(&name, &values);
        translated += 1;
    }
    println!("gemini streams → responses: {translated}");
    assert!(translated > 10, "{translated}");
}

// ---------------------------------------------------------------------------------------
// Semantics, one test each
// ---------------------------------------------------------------------------------------

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

#[test]
fn instructions_system_and_developer_prompts_map_both_ways() {
    let request = responses_request(json!({
        "model": "gpt-5", "instructions": "Be brief.",
        "input": [
            {"role": "developer", "content": "Use tools."},
            {"type": "message", "role": "system", "content": [{"type": "input_text", "text": "No jokes."}]},
            {"role": "user", "content": "Hi"}
        ]
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    assert_eq!(
        translated_json(&chat)["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use tools."},
            {"role": "system", "content": "No jokes."},
            {"role": "user", "content": "Hi"}
        ])
    );
    // Back: the leading system string is the instructions, the rest stay input messages.
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    let back = translated_json(&back);
    assert_eq!(back["instructions"], "Be brief.");
    assert_eq!(
        back["input"],
        json!([
            {"role": "developer", "content": "Use tools."},
            {"role": "system", "content": "No jokes."},
            {"role": "user", "content": "Hi"}
        ])
    );
    // A plain string input is one user message.
    let simple = responses_to_chat(
        &responses_request(json!({"model": "m", "input": "Hello"})),
        &opts(),
    )
    .expect("translated");
    assert_eq!(
        translated_json(&simple)["messages"],
        json!([{"role": "user", "content": "Hello"}])
    );
}

#[test]
fn multi_turn_tool_calls_keep_ids_and_group_parallel_calls() {
    let request = responses_request(json!({
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "Checking both.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "24C"}]},
            {"role": "assistant", "content": "Paris 18C, Rome 24C."}
        ]
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    let messages = translated_json(&chat)["messages"].clone();
    assert_eq!(
        messages,
        json!([
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Checking both.", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "24C"}]},
            {"role": "assistant", "content": "Paris 18C, Rome 24C."}
        ])
    );
    // Back to Responses: one item per call, outputs by call id.
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        translated_json(&back)["input"],
        json!([
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Checking both."},
            {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "call_id": "call_2", "name": "weather", "arguments": "{\"city\":\"Rome\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "24C"}]},
            {"role": "assistant", "content": "Paris 18C, Rome 24C."}
        ])
    );
}

#[test]
fn tool_choice_modes_and_tools_map_both_ways() {
    for mode in ["none", "auto", "required"] {
        let chat = responses_to_chat(
            &responses_request(json!({"model": "m", "input": "x", "tool_choice": mode})),
            &opts(),
        )
        .expect("translated");
        assert_eq!(translated_json(&chat)["tool_choice"], mode);
        let back = chat_to_responses(&chat.value, &opts()).expect("back");
        assert_eq!(translated_json(&back)["tool_choice"], mode);
    }
    let request = responses_request(json!({
        "model": "m", "input": "x", "parallel_tool_calls": false,
        "tools": [
            {"type": "function", "name": "weather", "description": "Weather.", "parameters": {"type": "object", "properties": {}}, "strict": true},
            {"type": "function", "name": "loose", "parameters": {"type": "object", "properties": {}}},
            {"type": "web_search"}
        ],
        "tool_choice": {"type": "function", "name": "weather"}
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    let value = translated_json(&chat);
    assert_eq!(
        value["tools"],
        json!([
            {"type": "function", "function": {"name": "weather", "description": "Weather.", "parameters": {"type": "object", "properties": {}}, "strict": true}},
            {"type": "function", "function": {"name": "loose", "parameters": {"type": "object", "properties": {}}}}
        ])
    );
    assert_eq!(
        value["tool_choice"],
        json!({"type": "function", "function": {"name": "weather"}})
    );
    assert_eq!(value["parallel_tool_calls"], false);
    assert_eq!(
        chat.losses
            .iter()
            .map(|l| (l.pointer.as_str(), l.kind))
            .collect::<Vec<_>>(),
        [
            ("/tools/1", LossKind::Approximated),
            ("/tools/2", LossKind::Dropped)
        ]
    );
    let back = translated_json(&chat_to_responses(&chat.value, &opts()).expect("back"));
    assert_eq!(
        back["tool_choice"],
        json!({"type": "function", "name": "weather"})
    );
    assert_eq!(
        back["tools"][1],
        json!({"type": "function", "name": "loose", "parameters": {"type": "object", "properties": {}}, "strict": false})
    );
    // Allowed tools.
    let allowed = chat_request(
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
        "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "weather"}}]}}}),
    );
    let responses = chat_to_responses(&allowed, &opts()).expect("translated");
    assert_eq!(
        translated_json(&responses)["tool_choice"],
        json!({"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "weather"}]})
    );
    let again = responses_to_chat(&responses.value, &opts()).expect("back");
    assert_eq!(
        translated_json(&again)["tool_choice"],
        translated_json(&Translated {
            value: allowed,
            losses: Default::default()
        })["tool_choice"]
    );
}

#[test]
fn images_and_files_map_and_file_ids_are_reported() {
    let request = responses_request(json!({
        "model": "m",
        "input": [{"role": "user", "content": [
            {"type": "input_text", "text": "Compare."},
            {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "high"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"},
            {"type": "input_image", "file_id": "file-123", "detail": "auto"},
            {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"}
        ]}]
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert_eq!(
        translated_json(&chat)["messages"][0]["content"],
        json!([
            {"type": "text", "text": "Compare."},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"}}
        ])
    );
    assert_eq!(pointers(&chat), ["/input/0/content/3"]);
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        translated_json(&back)["input"][0]["content"],
        json!([
            {"type": "input_text", "text": "Compare."},
            {"type": "input_image", "image_url": "https://example.com/a.png", "detail": "high"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"},
            {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"}
        ])
    );
    // Chat audio has no Responses input: reported, and the emptied message left out.
    let audio = chat_request(json!({"model": "m", "messages": [
        {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}]}
    ]}));
    let responses = chat_to_responses(&audio, &opts()).expect("translated");
    assert_eq!(translated_json(&responses)["input"], json!([]));
    assert_eq!(pointers(&responses), ["/messages/0/content/0"]);
}

#[test]
fn structured_output_maps_both_ways() {
    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": false});
    let request = responses_request(json!({
        "model": "m", "input": "x",
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": true}, "verbosity": "low"}
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    let value = translated_json(&chat);
    assert_eq!(
        value["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": true}})
    );
    assert_eq!(value["verbosity"], "low");
    let back = chat_to_responses(&chat.value, &opts()).expect("back");
    assert!(back.losses.is_empty(), "{}", back.losses);
    assert_eq!(
        translated_json(&back)["text"],
        json!({"format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": true}, "verbosity": "low"})
    );
    let json_mode = chat_request(
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_object"}}),
    );
    assert_eq!(
        translated_json(&chat_to_responses(&json_mode, &opts()).expect("translated"))["text"],
        json!({"format": {"type": "json_object"}})
    );
}

#[test]
fn sampling_limits_reasoning_effort_and_logprobs() {
    let request = responses_request(json!({
        "model": "o4-mini", "input": "x", "temperature": 0.5, "top_p": 0.9,
        "max_output_tokens": 300, "reasoning": {"effort": "high", "summary": "auto"},
        "include": ["message.output_text.logprobs"], "top_logprobs": 3
    }));
    let chat = responses_to_chat(&request, &opts()).expect("translated");
    let value = translated_json(&chat);
    assert_eq!(value["temperature"], 0.5);
    assert_eq!(value["top_p"], 0.9);
    assert_eq!(value["max_completion_tokens"], 300);
    assert_eq!(value["reasoning_effort"], "high");
    assert_eq!(value["logprobs"], true);
    assert_eq!(value["top_logprobs"], 3);
    assert_eq!(pointers(&chat), ["/reasoning/summary"]);
    // Back: a reasoning request toward a stateless Responses call asks for encrypted reasoning.
    let back = translated_json(&chat_to_responses(&chat.value, &opts()).expect("back"));
    assert_eq!(back["reasoning"], json!({"effort": "high"}));
    assert_eq!(back["max_output_tokens"], 300);
    assert_eq!(back["store"], false);
    assert_eq!(
        back["include"],
        json!([
            "message.output_text.logprobs",
            "reasoning.encrypted_content"
        ])
    );
    // The legacy max_tokens is the limit when max_completion_tokens is absent.
    let legacy = chat_request(
        json!({"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(
        translated_json(&chat_to_responses(&legacy, &opts()).expect("translated"))["max_output_tokens"],
        50
    );
}

#[test]
fn stop_sequences_n_and_penalties_are_reported_toward_responses() {
    let request = chat_request(json!({
        "model": "m", "messages": [{"role": "user", "content": "x"}],
        "stop": ["END"], "n": 2, "seed": 7, "frequency_penalty": 0.5, "presence_penalty": 0.1
    }));
    let result = chat_to_responses(&request, &opts()).expect("translated");
    assert_eq!(
        pointers(&result),
        [
            "/n",
            "/stop",
            "/seed",
            "/frequency_penalty",
            "/presence_penalty"
        ]
    );
    assert!(result.losses.iter().all(|l| l.kind == LossKind::Dropped));
}

#[test]
fn stateful_parameters_and_built_in_items_are_reported_toward_chat() {
    let request = responses_request(json!({
        "model": "m", "previous_response_id": "resp_1", "store": true, "background": true,
        "conversation": "conv_1", "truncation": "auto", "include": ["reasoning.encrypted_content"],
        "input": [
            {"type": "item_reference", "id": "msg_0"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "q"}},
            {"role": "user", "content": "And now?"}
        ]
    }));
    let result = responses_to_chat(&request, &opts()).expect("translated");
    assert_eq!(
        translated_json(&result)["messages"],
        json!([{"role": "user", "content": "And now?"}])
    );
    assert_eq!(
        pointers(&result),
        [
            "/input/0",
            "/input/1",
            "/include/0",
            "/store",
            "/background",
            "/truncation",
            "/previous_response_id",
            "/conversation"
        ]
    );
    // What needs no state is not a loss.
    let stateless = responses_request(
        json!({"model": "m", "input": "x", "store": false, "background": false, "truncation": "disabled"}),
    );
    assert!(
        responses_to_chat(&stateless, &opts())
            .expect("translated")
            .losses
            .is_empty()
    );
}

#[test]
fn finish_reasons_statuses_and_usage_map_both_ways() {
    let usage = json!({"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
        "prompt_tokens_details": {"cached_tokens": 60}, "completion_tokens_details": {"reasoning_tokens": 30}});
    for (finish, status, reason) in [
        ("stop", "completed", Value::Null),
        ("tool_calls", "completed", Value::Null),
        (
            "length",
            "incomplete",
            json!({"reason": "max_output_tokens"}),
        ),
        (
            "content_filter",
            "incomplete",
            json!({"reason": "content_filter"}),
        ),
    ] {
        let mut message = json!({"role": "assistant", "content": "Hi"});
        if finish == "tool_calls" {
            message = json!({"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]});
        }
        let completion = completion_of(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 7, "model": "gpt",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}],
            "usage": usage
        }));
        let response = chat_response_to_responses(&completion, &opts()).expect("translated");
        assert!(response.losses.is_empty(), "{}", response.losses);
        let value = translated_json(&response);
        assert_eq!(value["status"], status, "{finish}");
        assert_eq!(value["incomplete_details"], reason, "{finish}");
        assert_eq!(
            value["usage"],
            json!({"input_tokens": 100, "input_tokens_details": {"cached_tokens": 60},
                   "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 30}, "total_tokens": 140})
        );
        assert_eq!(value["created_at"], 7);
        // And back.
        let chat = responses_response_to_chat(&response.value, &opts()).expect("back");
        assert!(chat.losses.is_empty(), "{}", chat.losses);
        let chat = translated_json(&chat);
        assert_eq!(chat["choices"][0]["finish_reason"], finish);
        assert_eq!(chat["usage"], usage);
        assert_eq!(
            chat["choices"][0]["message"]["content"],
            completion_content(&message)
        );
    }
    // A response still running has no finish reason yet.
    let queued = response_of(
        json!({"id": "resp_1", "object": "response", "created_at": 1, "status": "queued", "model": "m", "output": []}),
    );
    let chat = responses_response_to_chat(&queued, &opts()).expect("translated");
    assert_eq!(
        translated_json(&chat)["choices"][0]["finish_reason"],
        Value::Null
    );
    assert_eq!(chat.losses.0[0].kind, LossKind::Approximated);
}

fn completion_content(message: &Value) -> Value {
    message["content"].clone()
}

/// Canary: OpenAI reasoning goes to a Chat client tagged and comes back to OpenAI whole;
/// another provider's tagged reasoning never reaches OpenAI.
#[test]
fn reasoning_items_travel_tagged_and_only_back_to_openai() {
    let response = response_of(json!({
        "id": "resp_1", "object": "response", "created_at": 1, "status": "completed", "model": "o4",
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Thinking A."}, {"type": "summary_text", "text": "Thinking B."}], "encrypted_content": "ENC-OPENAI"},
            {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": "42", "annotations": []}]}
        ],
        "usage": {"input_tokens": 5, "output_tokens": 9, "total_tokens": 14, "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 7}}
    }));
    let chat = responses_response_to_chat(&response, &opts()).expect("translated");
    assert!(chat.losses.is_empty(), "{}", chat.losses);
    let message = translated_json(&chat)["choices"][0]["message"].clone();
    assert_eq!(message["reasoning_content"], "Thinking A.\n\nThinking B.");
    assert_eq!(message["aigw_reasoning"][0]["provider"], "openai");
    assert_eq!(
        message["aigw_reasoning"][0]["block"]["encrypted_content"],
        "ENC-OPENAI"
    );
    // The Chat client sends it back, with some Anthropic reasoning too: OpenAI gets its own.
    let mut assistant = message.clone();
    assistant["aigw_reasoning"]
        .as_array_mut()
        .expect("array")
        .push(json!({"provider": "anthropic", "block": {"type": "thinking", "thinking": "t", "signature": "SIG-ANTHROPIC"}}));
    let next = chat_request(json!({"model": "o4", "messages": [
        {"role": "user", "content": "Q"}, assistant, {"role": "user", "content": "Why?"}
    ]}));
    let request = chat_to_responses(&next, &opts()).expect("translated");
    let value = translated_json(&request);
    assert_eq!(
        value["input"][1],
        json!({"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Thinking A."}, {"type": "summary_text", "text": "Thinking B."}], "encrypted_content": "ENC-OPENAI"})
    );
    assert_eq!(
        value["input"][2],
        json!({"role": "assistant", "content": "42"})
    );
    assert_eq!(value["include"], json!(["reasoning.encrypted_content"]));
    assert!(!value.to_string().contains("SIG-ANTHROPIC"));
    assert_eq!(pointers(&request), ["/messages/1/aigw_reasoning/1"]);
}

/// Anthropic thinking reaches a Responses client as a wrapped reasoning item, and its next
/// request gives the signed block back to Anthropic (through Chat both ways).
#[test]
fn foreign_reasoning_is_wrapped_for_responses_clients_and_unwrapped() {
    let message: aigw_anthropic::Message = Json::from_json_value(&json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
        "content": [
            {"type": "thinking", "thinking": "Let me think.", "signature": "SIG-ANTHROPIC"},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}}
        ],
        "stop_reason": "tool_use", "stop_sequence": null, "usage": {"input_tokens": 10, "output_tokens": 5}
    }))
    .expect("message");
    let response = message_to_responses(&message, &opts()).expect("translated");
    assert!(response.losses.is_empty(), "{}", response.losses);
    let output = translated_json(&response)["output"].clone();
    assert_eq!(output[0]["type"], "reasoning");
    let wrapped = output[0]["encrypted_content"].as_str().expect("wrapped");
    assert!(wrapped.starts_with("aigw.reasoning.v1:"), "{wrapped}");
    assert_eq!(output[1]["type"], "function_call");
    assert_eq!(output[1]["call_id"], "toolu_1");
    // The Responses client echoes the output and adds the tool result.
    let mut input = vec![json!({"role": "user", "content": "Weather in Paris?"})];
    input.extend(output.as_array().expect("items").iter().cloned());
    input.push(json!({"type": "function_call_output", "call_id": "toolu_1", "output": "18C"}));
    let next =
        responses_request(json!({"model": "claude", "max_output_tokens": 100, "input": input}));
    let to_anthropic = responses_to_messages(&next, &opts()).expect("translated");
    assert!(to_anthropic.losses.is_empty(), "{}", to_anthropic.losses);
    let assistant = translated_json(&to_anthropic)["messages"][1].clone();
    assert_eq!(
        assistant["content"][0],
        json!({"type": "thinking", "thinking": "Let me think.", "signature": "SIG-ANTHROPIC"})
    );
    assert_eq!(assistant["content"][1]["type"], "tool_use");
    // Toward OpenAI, a wrapped item is another provider's: it is not sent.
    let chat = responses_to_chat(&next, &opts()).expect("translated");
    let to_openai = chat_to_responses(&chat.value, &opts()).expect("translated");
    assert!(
        !translated_json(&to_openai)
            .to_string()
            .contains("SIG-ANTHROPIC")
    );
    assert_eq!(pointers(&to_openai), ["/messages/1/aigw_reasoning/0"]);
}

#[test]
fn composed_losses_keep_first_hop_pointers_and_mark_the_second_hop() {
    let request = responses_request(json!({
        "model": "claude", "previous_response_id": "resp_1",
        "input": "Hi", "include": ["message.output_text.logprobs"]
    }));
    let result = responses_to_messages(&request, &opts()).expect("translated");
    let losses: Vec<(&str, LossKind)> = result
        .losses
        .iter()
        .map(|l| (l.pointer.as_str(), l.kind))
        .collect();
    assert_eq!(
        losses,
        [
            ("/previous_response_id", LossKind::Dropped),
            ("(via chat)/max_completion_tokens", LossKind::Defaulted),
            ("(via chat)/logprobs", LossKind::Dropped)
        ]
    );
    let strict = Options {
        strict: true,
        ..opts()
    };
    assert!(responses_to_messages(&request, &strict).is_err());
    // Gemini the same way.
    let gemini = responses_to_gemini(
        &responses_request(json!({"model": "gemini-2.5-flash", "instructions": "Be brief.", "input": "Hi", "max_output_tokens": 10})),
        &opts(),
    )
    .expect("translated");
    assert!(gemini.losses.is_empty(), "{}", gemini.losses);
    let value = translated_json(&gemini);
    assert_eq!(value["systemInstruction"]["parts"][0]["text"], "Be brief.");
    assert_eq!(value["generationConfig"]["maxOutputTokens"], 10);
    let response: aigw_gemini::GenerateContentResponse = Json::from_json_value(&json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Hello!"}]}, "finishReason": "MAX_TOKENS", "index": 0}],
        "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 10, "thoughtsTokenCount": 3, "totalTokenCount": 17},
        "modelVersion": "gemini-2.5-flash", "responseId": "r1"
    }))
    .expect("gemini response");
    let responses =
        gemini_response_to_responses(&response, "gemini-2.5-flash", &opts()).expect("translated");
    let value = translated_json(&responses);
    assert_eq!(value["status"], "incomplete");
    assert_eq!(
        value["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(value["output"][0]["content"][0]["text"], "Hello!");
    assert_eq!(value["usage"]["input_tokens"], 4);
}

fn chunk(delta: Value, finish: Value) -> ChatStreamEvent {
    ChatStreamEvent::Chunk(Box::new(
        Json::from_json_value(
            &json!({"id": "c1", "object": "chat.completion.chunk", "created": 3, "model": "gpt",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
        )
        .expect("chunk"),
    ))
}

#[test]
fn a_chat_stream_becomes_the_exact_responses_sequence() {
    let events = vec![
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        chunk(json!({"content": "Let me "}), Value::Null),
        chunk(json!({"content": "check."}), Value::Null),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "weather", "arguments": ""}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 1, "id": "call_2", "type": "function", "function": {"name": "time", "arguments": "{}"}}]}),
            Value::Null,
        ),
        chunk(json!({}), json!("tool_calls")),
        ChatStreamEvent::Chunk(Box::new(
            Json::from_json_value(&json!({"id": "c1", "object": "chat.completion.chunk", "created": 3, "model": "gpt", "choices": [],
                "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13, "prompt_tokens_details": {"cached_tokens": 2}}}))
            .expect("usage chunk"),
        )),
        ChatStreamEvent::Done,
    ];
    let mut translator = ChatToResponsesStream::new(&opts());
    let out: Vec<Value> = translator
        .translate_all(&events)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    assert!(translator.losses().is_empty(), "{}", translator.losses());
    let kinds: Vec<&str> = out
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        kinds,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    for (i, event) in out.iter().enumerate() {
        assert_eq!(event["sequence_number"], json!(i));
    }
    assert_eq!(out[6]["text"], "Let me check.");
    assert_eq!(out[12]["arguments"], "{\"city\":\"Paris\"}");
    let completed = &out[18]["response"];
    assert_eq!(completed["status"], "completed");
    assert_eq!(
        completed["usage"]["input_tokens_details"]["cached_tokens"],
        2
    );
    assert_eq!(completed["output"][1]["call_id"], "call_1");
    assert_eq!(completed["output"][2]["name"], "time");
    // A length stop ends in response.incomplete.
    let mut translator = ChatToResponsesStream::new(&opts());
    let out = translator
        .translate_all(&[
            chunk(json!({"content": "Hel"}), json!("length")),
            ChatStreamEvent::Done,
        ])
        .expect("translated");
    let last = json_of(out.last().expect("terminal"));
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(
        last["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
}

fn event(value: Value) -> ResponseStreamEvent {
    Json::from_json_value(&value).expect("event")
}

#[test]
fn a_responses_stream_becomes_chat_chunks() {
    let response = json!({"id": "resp_1", "object": "response", "created_at": 5, "status": "in_progress", "model": "gpt-5", "output": []});
    let mut done = response.clone();
    done["status"] = json!("completed");
    done["usage"] = json!({"input_tokens": 3, "output_tokens": 8, "total_tokens": 11, "input_tokens_details": {"cached_tokens": 1}, "output_tokens_details": {"reasoning_tokens": 4}});
    let events = vec![
        event(json!({"type": "response.created", "sequence_number": 0, "response": response})),
        event(
            json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        ),
        event(
            json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 2, "output_index": 0, "item_id": "rs_1", "summary_index": 0, "delta": "Hmm."}),
        ),
        event(
            json!({"type": "response.output_item.done", "sequence_number": 3, "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Hmm."}], "encrypted_content": "ENC"}}),
        ),
        event(
            json!({"type": "response.output_item.added", "sequence_number": 4, "output_index": 1, "item": {"type": "message", "id": "msg_1", "status": "in_progress", "role": "assistant", "content": []}}),
        ),
        event(
            json!({"type": "response.output_text.delta", "sequence_number": 5, "output_index": 1, "item_id": "msg_1", "content_index": 0, "delta": "Hi", "logprobs": []}),
        ),
        event(
            json!({"type": "response.output_item.added", "sequence_number": 6, "output_index": 2, "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": ""}}),
        ),
        event(
            json!({"type": "response.function_call_arguments.delta", "sequence_number": 7, "output_index": 2, "item_id": "fc_1", "delta": "{}"}),
        ),
        event(json!({"type": "response.completed", "sequence_number": 8, "response": done})),
    ];
    let mut translator = ResponsesToChatStream::new(&opts(), true);
    let out = translator.translate_all(&events).expect("translated");
    assert!(translator.losses().is_empty(), "{}", translator.losses());
    let deltas: Vec<Value> = out
        .iter()
        .filter_map(|e| match e {
            ChatStreamEvent::Chunk(chunk) => Some(json_of(chunk)),
            _ => None,
        })
        .map(|c| json!({"delta": c["choices"][0]["delta"], "finish": c["choices"][0]["finish_reason"], "usage": c["usage"]}))
        .collect();
    assert_eq!(
        deltas,
        [
            json!({"delta": {"role": "assistant"}, "finish": null, "usage": null}),
            json!({"delta": {"reasoning_content": "Hmm."}, "finish": null, "usage": null}),
            json!({"delta": {"aigw_reasoning": [{"provider": "openai", "block": {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Hmm."}], "encrypted_content": "ENC"}}]}, "finish": null, "usage": null}),
            json!({"delta": {"content": "Hi"}, "finish": null, "usage": null}),
            json!({"delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}]}, "finish": null, "usage": null}),
            json!({"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}, "finish": null, "usage": null}),
            json!({"delta": {}, "finish": "tool_calls", "usage": null}),
            json!({"delta": null, "finish": null, "usage": {"prompt_tokens": 3, "completion_tokens": 8, "total_tokens": 11,
                   "prompt_tokens_details": {"cached_tokens": 1}, "completion_tokens_details": {"reasoning_tokens": 4}}}),
        ]
    );
    assert!(matches!(out.last(), Some(ChatStreamEvent::Done)));
    // Without include_usage there is no usage chunk.
    let mut quiet = ResponsesToChatStream::new(&opts(), false);
    let out = quiet.translate_all(&events).expect("translated");
    assert_eq!(out.len(), 8);
    // A failed response ends in a Chat error body.
    let mut failed = response.clone();
    failed["status"] = json!("failed");
    failed["error"] = json!({"code": "server_error", "message": "boom"});
    let mut translator = ResponsesToChatStream::new(&opts(), true);
    let out = translator
        .translate_all(&[event(
            json!({"type": "response.failed", "sequence_number": 0, "response": failed}),
        )])
        .expect("translated");
    assert!(matches!(out.as_slice(), [ChatStreamEvent::Error(_)]));
}

#[test]
fn unknown_fields_are_reported_and_strict_refuses() {
    let request = responses_request(
        json!({"model": "m", "x_vendor": 1, "input": [{"role": "user", "content": "Hi", "x_item": true}]}),
    );
    let result = responses_to_chat(&request, &opts()).expect("translated");
    assert_eq!(pointers(&result), ["/input/0/x_item", "/x_vendor"]);
    let strict = Options {
        strict: true,
        ..opts()
    };
    assert!(responses_to_chat(&request, &strict).is_err());
    let chat = chat_request(
        json!({"model": "m", "x_vendor": 1, "messages": [{"role": "user", "content": "Hi", "x_part": true}]}),
    );
    let result = chat_to_responses(&chat, &opts()).expect("translated");
    assert_eq!(pointers(&result), ["/messages/0/x_part", "/x_vendor"]);
    assert!(chat_to_responses(&chat, &strict).is_err());
    // Bad shapes are errors, not panics.
    let bad = responses_request(json!({"model": "m", "input": [42]}));
    assert!(responses_to_chat(&bad, &opts()).is_err());
}

mod roundtrip {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 .,!?]{0,40}"
    }

    fn role() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("user"),
            Just("assistant"),
            Just("system"),
            Just("developer")
        ]
    }

    prop_compose! {
        /// A Chat request in the subset both protocols carry exactly: text turns of every
        /// role (a leading system string becomes `instructions`), sampling and the limit.
        fn lossless_chat()(turns in proptest::collection::vec((role(), text()), 1..8),
                           temperature in proptest::option::of(0u8..=20), top_p in proptest::option::of(1u8..=10),
                           max in proptest::option::of(1u32..100_000)) -> Value {
            let messages: Vec<Value> = turns.into_iter().map(|(role, text)| json!({"role": role, "content": text})).collect();
            let mut request = json!({"model": "m", "messages": messages});
            if let Some(t) = temperature { request["temperature"] = json!(f64::from(t) / 10.0); }
            if let Some(p) = top_p { request["top_p"] = json!(f64::from(p) / 10.0); }
            if let Some(max) = max { request["max_completion_tokens"] = json!(max); }
            request
        }
    }

    proptest! {
        #[test]
        fn chat_to_responses_and_back_is_the_identity(request in lossless_chat()) {
            let there = chat_to_responses(&chat_request(request.clone()), &opts()).expect("there");
            prop_assert!(there.losses.is_empty(), "{}", there.losses);
            let back = responses_to_chat(&there.value, &opts()).expect("back");
            prop_assert!(back.losses.is_empty(), "{}", back.losses);
            prop_assert_eq!(translated_json(&back), request);
        }

        #[test]
        fn responses_to_chat_and_back_is_the_identity(request in lossless_chat()) {
            // The same subset, starting from the Responses side.
            let responses = translated_json(&chat_to_responses(&chat_request(request), &opts()).expect("responses"));
            let there = responses_to_chat(&responses_request(responses.clone()), &opts()).expect("there");
            prop_assert!(there.losses.is_empty(), "{}", there.losses);
            let back = chat_to_responses(&there.value, &opts()).expect("back");
            prop_assert!(back.losses.is_empty(), "{}", back.losses);
            prop_assert_eq!(translated_json(&back), responses);
        }
    }
}

#[test]
fn logprobs_map_both_ways() {
    let tokens = json!([{"token": "Hi", "logprob": -0.25, "bytes": [72, 105], "top_logprobs": [{"token": "Hi", "logprob": -0.25, "bytes": [72, 105]}]}]);
    let completion = completion_of(json!({
        "id": "c1", "object": "chat.completion", "created": 1, "model": "gpt",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop",
                     "logprobs": {"content": tokens, "refusal": null}}]
    }));
    let response = chat_response_to_responses(&completion, &opts()).expect("translated");
    assert!(response.losses.is_empty(), "{}", response.losses);
    assert_eq!(
        translated_json(&response)["output"][0]["content"][0]["logprobs"],
        tokens
    );
    let back = responses_response_to_chat(&response.value, &opts()).expect("back");
    assert_eq!(
        translated_json(&back)["choices"][0]["logprobs"],
        json!({"content": tokens, "refusal": null})
    );
}

/// The other direction of the compositions: Anthropic and Gemini clients on a Responses-only
/// upstream. Every recorded request and response translates; every recorded Responses stream
/// becomes an Anthropic event stream that starts with `message_start` and ends with
/// `message_stop` (or an error event); second-hop losses carry the `(via chat)` prefix.
#[test]
fn anthropic_and_gemini_clients_on_a_responses_upstream() {
    use aigw_translate::responses::{
        gemini_to_responses, messages_to_responses, response_to_gemini, response_to_message,
        responses_to_messages_stream,
    };
    let mut counts = [0usize; 5];
    if let Some(cases) = cases("anthropic", "messages") {
        for (name, exchange) in cases {
            let Ok(request) =
                aigw_anthropic::CreateMessageParams::from_json_value(&exchange["request"])
            else {
                continue;
            };
            let result =
                messages_to_responses(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
            for loss in result.losses.iter() {
                assert!(
                    loss.pointer.starts_with('/') || loss.pointer.starts_with("(via chat)/"),
                    "{name}: {loss}"
                );
            }
            counts[0] += 1;
        }
    }
    if let Some(cases) = cases("gemini", "generateContent") {
        for (name, exchange) in cases {
            let Ok(request) =
                aigw_gemini::GenerateContentRequest::from_json_value(&exchange["request"])
            else {
                continue;
            };
            let result = gemini_to_responses(&request, "gemini-2.5-flash", &opts())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                translated_json(&result)["model"],
                "gemini-2.5-flash",
                "{name}"
            );
            counts[1] += 1;
        }
    }
    for (_, name, exchange) in recorded("responses") {
        if exchange["status"] == 200
            && let Ok(response) = Response::from_json_value(&exchange["response"])
        {
            response_to_message(&response, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
            response_to_gemini(&response, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
            counts[2] += 1;
        }
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<_> = sse_events(sse)
            .iter()
            .map(|e| aigw_openai::stream::responses_event(e).expect("typed"))
            .collect();
        let out = responses_to_messages_stream(&opts())
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let kinds: Vec<String> = out
            .iter()
            .map(|e| json_of(e)["type"].as_str().unwrap_or("?").to_owned())
            .collect();
        assert_eq!(
            kinds.first().map(String::as_str),
            Some("message_start"),
            "{name}: {kinds:?}"
        );
        assert!(
            matches!(
                kinds.last().map(String::as_str),
                Some("message_stop" | "error")
            ),
            "{name}: {kinds:?}"
        );
        counts[3] += 1;
    }
    counts[4] = counts.iter().sum();
    assert!(
        counts[0] > 100 && counts[1] > 100 && counts[2] > 100 && counts[3] > 10,
        "{counts:?}"
    );
}
