//! No input makes a translation panic: arbitrary shapes under the keys the translations read.

use super::*;
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "text",
    "thought",
    "thoughtSignature",
    "functionCall",
    "functionResponse",
    "inlineData",
    "fileData",
    "name",
    "args",
    "id",
    "response",
    "mimeType",
    "data",
    "role",
    "parts",
    "content",
    "type",
    "tool_calls",
    "function",
    "arguments",
    "image_url",
    "url",
    "index",
    "finishReason",
    "finish_reason",
    "delta",
    "message",
    "logprobs",
    "logprobsResult",
    "chosenCandidates",
    "usage",
    "usageMetadata",
    "aigw_reasoning",
    "block",
    "provider",
    "on",
    "reasoning_content",
    "tool_call_id",
    "file",
    "file_data",
    "input_audio",
    "refusal",
];

fn shape() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..40).prop_map(Value::from),
        prop_oneof![
            Just("".to_owned()),
            Just("{}".to_owned()),
            Just("data:image/png;base64,AAAA".to_owned()),
            Just("user".to_owned()),
            Just("model".to_owned()),
            Just("function".to_owned()),
            "[a-z_]{0,8}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(KEYS), inner), 0..5).prop_map(
                |pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            ),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn translations_never_panic(a in shape(), b in shape(), c in shape()) {
        let options = opts();
        if let Ok(request) = CreateChatCompletionRequest::from_json_value(&json!({"model": "m", "messages": [a, b, c]})
        ) {
            let _ = chat_to_gemini(&request, &options);
        }
        if let Ok(request) = aigw_gemini::GenerateContentRequest::from_json_value(&json!({"contents": [a, b, c]})
        ) {
            let _ = gemini_to_chat(&request, "m", &options);
        }
        let chunks: Vec<GenerateContentResponse> = [&a, &b, &c]
            .into_iter()
            .filter_map(|v| Json::from_json_value(&json!({"candidates": [v], "usageMetadata": c})).ok())
            .collect();
        for chunk in &chunks {
            let _ = gemini_response_to_chat(chunk, "m", &options);
        }
        let _ = GeminiToChatStream::new("m", &options, true).translate_all(&chunks);
        let completions: Vec<CreateChatCompletionResponse> = [&a, &b, &c]
            .into_iter()
            .filter_map(|v| Json::from_json_value(&json!({"id": "x", "choices": [v], "usage": c})).ok())
            .collect();
        for completion in &completions {
            let _ = chat_response_to_gemini(completion, &options);
        }
        let events: Vec<ChatStreamEvent> = [&a, &b, &c]
            .into_iter()
            .filter_map(|v| Json::from_json_value(&json!({"id": "x", "choices": [v]})).ok())
            .map(|chunk| ChatStreamEvent::Chunk(Box::new(chunk)))
            .collect();
        let _ = ChatToGeminiStream::new(&options).translate_all(&events);
    }
}
