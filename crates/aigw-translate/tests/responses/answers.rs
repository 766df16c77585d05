//! Responses and streams, one test each; unknown fields, strict mode and bad shapes.

use super::*;

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
