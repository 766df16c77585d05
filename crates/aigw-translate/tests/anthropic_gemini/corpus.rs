//! Recorded corpus: requests, responses, streams.

use super::*;

#[test]
fn recorded_messages_requests_to_gemini() {
    let Some(cases) = cases("anthropic", "messages") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = Json::from_json_value(&exchange["request"]) else {
            continue;
        };
        let result =
            messages_to_gemini(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "messages_to_gemini/request",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 200, "{translated}");
}

#[test]
fn recorded_gemini_requests_to_messages() {
    let mut translated = 0;
    for api in ["generateContent", "streamGenerateContent"] {
        let Some(cases) = cases("gemini", api) else {
            return;
        };
        for (name, exchange) in cases {
            let Ok(request) = Json::from_json_value(&exchange["request"]) else {
                continue;
            };
            let result = gemini_to_messages(&request, &model_of(&exchange), &opts())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            snapshot(
                &format!("gemini_to_messages/request/{api}"),
                &name,
                &document(&result.value, &result.losses),
            );
            translated += 1;
        }
    }
    assert!(translated > 200, "{translated}");
}

#[test]
fn recorded_anthropic_responses_to_gemini() {
    let Some(cases) = cases("anthropic", "messages") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Ok(message) = aigw_anthropic::Message::from_json_value(&exchange["response"]) else {
            continue;
        };
        let result =
            message_to_gemini_response(&message, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "messages_to_gemini/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 150, "{translated}");
}

#[test]
fn recorded_gemini_responses_to_messages() {
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
        let result = gemini_response_to_message(&response, &model_of(&exchange), &opts())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "gemini_to_messages/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 150, "{translated}");
}

/// Gemini parts as compared between a stream and its whole response: adjacent text parts of
/// the same kind (thought or not) joined, empty text parts left out.
fn joined_parts(parts: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for part in parts.as_array().into_iter().flatten() {
        let is_text = part.get("text").is_some();
        if is_text && part["text"] == "" {
            continue;
        }
        if let Some(last) = out.last_mut()
            && is_text
            && last.get("text").is_some()
            && last.get("thought") == part.get("thought")
        {
            let joined = format!(
                "{}{}",
                last["text"].as_str().unwrap_or_default(),
                part["text"].as_str().unwrap_or_default()
            );
            last["text"] = json!(joined);
            continue;
        }
        out.push(part.clone());
    }
    out
}

/// What a Gemini response and its streamed twin must agree on: candidate 0's parts (joined
/// as above) and finish reason, the usage, the model version and the response id.
fn gemini_essentials(response: &Value) -> Value {
    let candidate = &response["candidates"][0];
    json!({
        "parts": joined_parts(&candidate["content"]["parts"]),
        "finishReason": candidate["finishReason"],
        "usageMetadata": response["usageMetadata"],
        "modelVersion": response["modelVersion"],
        "responseId": response["responseId"],
    })
}

/// What an Anthropic message and its streamed twin must agree on: id, model, every content
/// block (text, thinking, tool_use with id, name and input), stop reason and stop sequence,
/// and the whole usage.
fn message_essentials(message: &Value) -> Value {
    json!({
        "id": message["id"], "model": message["model"], "content": message["content"],
        "stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"], "usage": message["usage"],
    })
}

/// Every recorded Anthropic stream becomes Gemini chunks, and accumulating those chunks
/// (gemini `ResponseAccumulator`) gives what translating the accumulated message
/// (`MessageAccumulator` → `message_to_gemini_response`) gives, on [`gemini_essentials`].
#[test]
fn recorded_anthropic_streams_to_gemini_chunks() {
    let Some(cases) = cases("anthropic", "messages") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        let events: Vec<MessageStreamEvent> = sse_events(sse)
            .iter()
            .map(|e| message_event(e).expect("typed"))
            .collect();
        let mut translator = MessagesToGeminiStream::new(&opts());
        let chunks = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&chunks, translator.losses());
        doc["events"] = json!(chunks.len());
        snapshot("messages_to_gemini/stream", &name, &doc);
        // Usage only on the last chunk, which has the finish reason.
        let last = json_of(chunks.last().expect("chunks"));
        assert!(last["usageMetadata"].is_object(), "{name}");
        assert!(last["candidates"][0]["finishReason"].is_string(), "{name}");
        assert!(
            chunks[..chunks.len() - 1]
                .iter()
                .all(|c| json_of(c).get("usageMetadata").is_none()),
            "{name}"
        );
        let mut gemini = ResponseAccumulator::default();
        for chunk in &chunks {
            gemini.push(chunk);
        }
        let mut message = MessageAccumulator::default();
        for event in &events {
            message.push(event).expect("folds");
        }
        let direct = message_to_gemini_response(&message.finish().expect("message"), &opts())
            .expect("translated");
        assert_eq!(
            gemini_essentials(&json_of(&gemini.finish().expect("response"))),
            gemini_essentials(&json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    assert!(translated > 20, "{translated}");
}

/// Every recorded Gemini stream (SSE or JSON array) becomes Anthropic's exact event
/// sequence, and accumulating it (`MessageAccumulator`) gives what translating the
/// accumulated response (gemini `ResponseAccumulator` → `gemini_response_to_message`)
/// gives, on [`message_essentials`].
#[test]
fn recorded_gemini_streams_to_anthropic_events() {
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
        let mut translator = GeminiToMessagesStream::new(&model, &opts());
        let events = translator
            .translate_all(&chunks)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&events, translator.losses());
        doc["events"] = json!(events.len());
        snapshot("gemini_to_messages/stream", &name, &doc);
        let values: Vec<Value> = events.iter().map(json_of).collect();
        assert_anthropic_sequence(&name, &values);
        let mut message = MessageAccumulator::default();
        for event in &events {
            message
                .push(event)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let mut gemini = ResponseAccumulator::default();
        for chunk in &chunks {
            gemini.push(chunk);
        }
        let direct =
            gemini_response_to_message(&gemini.finish().expect("response"), &model, &opts())
                .expect("translated");
        assert_eq!(
            message_essentials(&json_of(&message.finish().expect("message"))),
            message_essentials(&json_of(&direct.value)),
            "{name}"
        );
        translated += 1;
    }
    assert!(translated > 15, "{translated}");
}
