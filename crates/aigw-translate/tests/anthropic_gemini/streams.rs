//! Streams, one test per semantic.

use super::*;

fn events(values: Vec<Value>) -> Vec<MessageStreamEvent> {
    values.into_iter().map(from).collect()
}

#[test]
fn anthropic_stream_buffers_tool_input_and_ends_with_usage() {
    let input = events(vec![
        json!({"type": "message_start", "message": {"id": "msg_9", "type": "message", "role": "assistant", "model": "claude", "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 12, "output_tokens": 1}}}),
        json!({"type": "ping"}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me check."}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_x", "name": "weather", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"city\": "}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "\"Paris\"}"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 20}}),
        json!({"type": "message_stop"}),
    ]);
    let mut translator = MessagesToGeminiStream::new(&opts());
    let chunks: Vec<Value> = translator
        .translate_all(&input)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    assert_eq!(chunks.len(), 3);
    assert_eq!(
        chunks[0]["candidates"][0]["content"]["parts"],
        json!([{"text": "Let me check."}])
    );
    assert_eq!(
        chunks[1]["candidates"][0]["content"]["parts"],
        json!([{"functionCall": {"id": "toolu_x", "name": "weather", "args": {"city": "Paris"}}}])
    );
    assert_eq!(chunks[2]["candidates"][0]["finishReason"], "STOP");
    assert_eq!(
        chunks[2]["usageMetadata"],
        json!({"promptTokenCount": 12, "candidatesTokenCount": 20, "totalTokenCount": 32})
    );
    assert_eq!(chunks[2]["responseId"], "9");
    assert!(translator.losses().is_empty(), "{}", translator.losses());
}

#[test]
fn anthropic_error_event_becomes_a_terminal_gemini_error_chunk() {
    let input = events(vec![
        json!({"type": "message_start", "message": {"id": "msg_9", "type": "message", "role": "assistant", "model": "claude", "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 1, "output_tokens": 1}}}),
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        json!({"type": "message_stop"}),
    ]);
    let mut translator = MessagesToGeminiStream::new(&opts());
    let chunks: Vec<Value> = translator
        .translate_all(&input)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    assert_eq!(
        chunks,
        [json!({"error": {"code": 503, "message": "Overloaded", "status": "UNAVAILABLE"}})]
    );
}

#[test]
fn gemini_stream_error_chunk_becomes_an_anthropic_error_event() {
    let chunks: Vec<GenerateContentResponse> = vec![
        from(
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}}], "responseId": "r"}),
        ),
        from(json!({"error": {"code": 429, "message": "Quota", "status": "RESOURCE_EXHAUSTED"}})),
    ];
    let mut translator = GeminiToMessagesStream::new("claude", &opts());
    let out: Vec<Value> = translator
        .translate_all(&chunks)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    let kinds: Vec<&str> = out
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        kinds,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "error"
        ]
    );
    assert_eq!(
        out[3],
        json!({"type": "error", "error": {"type": "rate_limit_error", "message": "Quota"}})
    );
}

#[test]
fn gemini_stream_without_finish_reason_is_closed_and_reported() {
    let chunks: Vec<GenerateContentResponse> = vec![
        from(
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel", "thought": true}]}}], "responseId": "r"}),
        ),
        from(
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]}}], "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 2}}),
        ),
    ];
    let mut translator = GeminiToMessagesStream::new("", &opts());
    let out: Vec<Value> = translator
        .translate_all(&chunks)
        .expect("translated")
        .iter()
        .map(json_of)
        .collect();
    assert_anthropic_sequence("partial", &out);
    assert_eq!(
        out[1]["content_block"],
        json!({"type": "thinking", "thinking": "", "signature": ""})
    );
    assert_eq!(
        out.last().map(|e| e["type"].clone()),
        Some(json!("message_stop"))
    );
    assert_eq!(out[out.len() - 2]["delta"]["stop_reason"], "end_turn");
    assert_eq!(
        pointers(translator.losses()),
        [("/2".to_owned(), LossKind::Defaulted)]
    );
}
