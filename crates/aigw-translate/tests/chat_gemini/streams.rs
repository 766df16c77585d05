//! Streams, one test each.

use super::*;

fn chat_event(value: Value) -> ChatStreamEvent {
    ChatStreamEvent::Chunk(Box::new(Json::from_json_value(&value).expect("a chunk")))
}

#[test]
fn gemini_stream_sends_role_text_whole_tool_calls_finish_usage_and_done() {
    let chunks: Vec<GenerateContentResponse> = [
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Thinking", "thought": true}]}, "index": 0}], "responseId": "r"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}, "index": 0}], "responseId": "r"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"},
            {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "S"}]}, "index": 0}], "responseId": "r"}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP", "index": 0}],
               "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8}, "responseId": "r", "modelVersion": "gemini-x"}),
    ]
    .into_iter()
    .map(gemini_response)
    .collect();
    let mut translator = GeminiToChatStream::new("gemini", &opts(), true);
    let out: Vec<Value> = translator
        .translate_all(&chunks)
        .expect("translated")
        .iter()
        .map(Event::to_json)
        .collect();
    assert!(translator.losses().is_empty(), "{}", translator.losses());
    let deltas: Vec<Value> = out
        .iter()
        .map(|c| c["choices"][0]["delta"].clone())
        .collect();
    assert_eq!(deltas[0], json!({"role": "assistant", "refusal": null}));
    assert_eq!(
        deltas[1],
        json!({"content": "Hel", "aigw_reasoning": [{"provider": "gemini", "block": {"thought": true, "text": "Thinking"}}]})
    );
    assert_eq!(
        deltas[2]["tool_calls"],
        json!([{"index": 0, "id": "call_0", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}])
    );
    assert_eq!(deltas[2]["content"], "lo");
    assert_eq!(out[3]["choices"][0]["delta"], json!({"content": ""}));
    assert_eq!(out[4]["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(out[5]["choices"], json!([]));
    assert_eq!(out[5]["usage"]["total_tokens"], 8);
    assert_eq!(out[5]["model"], "gemini-x");
    assert_eq!(out[6], json!("[DONE]"));
    assert!(out[..6].iter().all(|c| c["id"] == "r"));

    // Without include_usage, no usage chunk.
    let mut translator = GeminiToChatStream::new("gemini", &opts(), false);
    let out = translator.translate_all(&chunks).expect("translated");
    assert_eq!(out.len(), 6);
    assert!(matches!(out.last(), Some(ChatStreamEvent::Done)));
}

#[test]
fn chat_stream_tool_call_fragments_become_whole_function_calls_in_order() {
    let head =
        json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-x"});
    let chunk = |choices: Value, usage: Value| {
        let mut c = head.clone();
        c["choices"] = choices;
        c["usage"] = usage;
        chat_event(c)
    };
    let delta = |delta: Value, finish: Value| json!([{"index": 0, "delta": delta, "finish_reason": finish}]);
    let events = vec![
        chunk(
            delta(
                json!({"role": "assistant", "content": "On it."}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "weather", "arguments": ""}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                // Some providers repeat the name in every fragment: it must not double.
                json!({"tool_calls": [{"index": 0, "function": {"name": "weather", "arguments": "{\"city\":"}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "time", "arguments": "{}"}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(
            delta(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
                Value::Null,
            ),
            Value::Null,
        ),
        chunk(delta(json!({}), json!("tool_calls")), Value::Null),
        chunk(
            json!([]),
            json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}),
        ),
        ChatStreamEvent::Done,
    ];
    let mut translator = ChatToGeminiStream::new(&opts());
    let out: Vec<Value> = translator
        .translate_all(&events)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    assert!(translator.losses().is_empty(), "{}", translator.losses());
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(
        out[0]["candidates"][0]["content"]["parts"],
        json!([{"text": "On it."}])
    );
    assert_eq!(
        out[1]["candidates"][0],
        json!({"content": {"role": "model", "parts": [
            {"functionCall": {"id": "call_a", "name": "weather", "args": {"city": "Paris"}}},
            {"functionCall": {"id": "call_b", "name": "time", "args": {}}}
        ]}, "finishReason": "STOP", "index": 0})
    );
    assert_eq!(
        out[1]["usageMetadata"],
        json!({"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15})
    );
    assert_eq!(out[1]["responseId"], "c1");
    assert_eq!(out[1]["modelVersion"], "gpt-x");
}

#[test]
fn strict_streams_refuse_at_the_first_loss() {
    let strict = Options {
        strict: true,
        ..opts()
    };
    let chunk = gemini_response(
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]},
        "finishReason": "STOP", "finishMessage": "done", "index": 0}]}),
    );
    let mut translator = GeminiToChatStream::new("m", &strict, true);
    assert!(translator.push(&chunk).is_err());
}
