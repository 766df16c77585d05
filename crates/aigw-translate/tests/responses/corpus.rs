//! The recorded corpus, translated both ways, and composed through Chat.

use super::*;

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
