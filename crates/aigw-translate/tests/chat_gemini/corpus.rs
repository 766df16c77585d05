//! Every recorded case.

use super::*;

#[test]
fn recorded_chat_requests_to_gemini() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = CreateChatCompletionRequest::from_json_value(&exchange["request"]) else {
            continue;
        };
        let result = chat_to_gemini(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "chat_to_gemini/request",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 100, "{translated}");
}

#[test]
fn recorded_gemini_requests_to_chat() {
    let mut translated = 0;
    for api in ["generateContent", "streamGenerateContent"] {
        let Some(cases) = cases("gemini", api) else {
            return;
        };
        for (name, exchange) in cases {
            let Ok(request) =
                aigw_gemini::GenerateContentRequest::from_json_value(&exchange["request"])
            else {
                continue;
            };
            let result = gemini_to_chat(&request, &model_of(&exchange), &opts())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            snapshot(
                &format!("gemini_to_chat/request/{api}"),
                &name,
                &document(&result.value, &result.losses),
            );
            translated += 1;
        }
    }
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_gemini_responses_to_chat() {
    let Some(cases) = cases("gemini", "generateContent") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Ok(response) = GenerateContentResponse::from_json_value(&exchange["response"]) else {
            continue;
        };
        let result = gemini_response_to_chat(&response, &model_of(&exchange), &opts())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "gemini_to_chat/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_chat_responses_to_gemini() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Ok(response) = CreateChatCompletionResponse::from_json_value(&exchange["response"])
        else {
            continue;
        };
        let result =
            chat_response_to_gemini(&response, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "chat_to_gemini/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 80, "{translated}");
}

/// `value` without the fields a stream and its accumulated twin need not share: the
/// top-level `id`/`responseId` and `created`.
fn without_ids(mut value: Value) -> Value {
    if let Some(map) = value.as_object_mut() {
        for key in ["id", "responseId", "created"] {
            map.shift_remove(key);
        }
    }
    value
}

/// Every recorded Gemini stream becomes a Chat chunk stream (snapshot of the chunks), and:
/// accumulating the translated chunks (`ChatAccumulator`) gives exactly the Chat completion
/// that `gemini_response_to_chat` makes of the accumulated Gemini stream
/// (`ResponseAccumulator`) — the whole completion JSON is compared (model, choices with
/// index, message role/content/refusal/tool calls with ids and arguments/tagged reasoning
/// blocks, logprobs, finish reason; usage and service tier), except the top-level `id` and
/// `created`.
#[test]
fn recorded_gemini_streams_to_chat_chunks() {
    let Some(cases) = cases("gemini", "streamGenerateContent") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Some(chunks) = gemini_chunks(&exchange) else {
            continue;
        };
        let model = model_of(&exchange);
        let mut translator = GeminiToChatStream::new(&model, &opts(), true);
        let out = translator
            .translate_all(&chunks)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&out, translator.losses());
        doc["events"] = json!(out.len());
        snapshot("gemini_to_chat/stream", &name, &doc);

        let first = out[0].to_json();
        assert_eq!(first["choices"][0]["delta"]["role"], "assistant", "{name}");
        assert!(matches!(out.last(), Some(ChatStreamEvent::Done)), "{name}");
        let usage = out[out.len() - 2].to_json();
        assert_eq!(usage["choices"], json!([]), "{name}: the usage chunk");

        let mut chat = ChatAccumulator::default();
        for event in &out {
            chat.push(event).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let mut gemini = ResponseAccumulator::default();
        for chunk in &chunks {
            gemini.push(chunk);
        }
        let direct = gemini_response_to_chat(&gemini.finish().expect("merged"), &model, &opts())
            .expect("translated");
        assert_eq!(
            without_ids(json_of(&chat.finish().expect("completion"))),
            without_ids(json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    assert!(translated > 15, "{translated}");
}

/// Every recorded OpenAI Chat stream becomes a Gemini chunk stream (snapshot), and:
/// accumulating the translated chunks (`ResponseAccumulator`) gives exactly the Gemini
/// response that `chat_response_to_gemini` makes of the accumulated Chat stream
/// (`ChatAccumulator`) — the whole response JSON is compared (candidates with index, content
/// role and parts — text, thoughts, function calls with ids and arguments — finish reason,
/// logprobs; usage metadata and model version), except `responseId`.
#[test]
fn recorded_chat_streams_to_gemini_chunks() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<ChatStreamEvent> = sse_events(sse)
            .iter()
            .map(|e| ChatStreamEvent::from_sse(e).expect("typed"))
            .collect();
        let mut translator = ChatToGeminiStream::new(&opts());
        let out = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&out, translator.losses());
        doc["events"] = json!(out.len());
        snapshot("chat_to_gemini/stream", &name, &doc);

        let last = json_of(out.last().expect("chunks"));
        assert!(
            last["usageMetadata"].is_object(),
            "{name}: usage on the last chunk"
        );
        assert!(
            out[..out.len() - 1]
                .iter()
                .all(|c| json_of(c).get("usageMetadata").is_none()),
            "{name}: usage only on the last chunk"
        );

        let mut gemini = ResponseAccumulator::default();
        for chunk in &out {
            gemini.push(chunk);
        }
        let mut chat = ChatAccumulator::default();
        for event in &events {
            chat.push(event).expect("folds");
        }
        let direct = chat_response_to_gemini(&chat.finish().expect("completion"), &opts())
            .expect("translated");
        assert_eq!(
            without_ids(json_of(&gemini.finish().expect("merged"))),
            without_ids(json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    assert!(translated > 15, "{translated}");
}
