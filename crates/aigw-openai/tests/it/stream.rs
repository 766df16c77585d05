//! The stream folds (`stream.rs`) over hand-written chunks: text, logprobs, refusals and the
//! final usage; a mid-stream error body.
#![cfg(feature = "chat")]

use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use serde_json::{Value, json};

fn event(data: &str) -> aigw_sse::Event {
    aigw_sse::Event {
        data: data.into(),
        ..aigw_sse::Event::default()
    }
}

#[test]
fn chat_chunks_fold_text_logprobs_refusal_and_final_usage() {
    let chunks = [
        r#"{"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"logprobs":{"content":[{"token":"Hel","logprob":-0.10}]}}],"usage":null}"#,
        r#"{"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo","reasoning_content":"r"},"logprobs":{"content":[{"token":"lo","logprob":-0.2}]}}]}"#,
        r#"{"id":"c","created":1,"model":"m","choices":[{"index":1,"delta":{"refusal":"No."},"finish_reason":"stop"}]}"#,
        r#"{"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":null}"#,
        r#"{"id":"c","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
        "[DONE]",
    ];
    let mut acc = ChatAccumulator::default();
    for chunk in chunks {
        acc.push(&ChatStreamEvent::from_sse(&event(chunk)).expect("typed"))
            .expect("folds");
    }
    let done = serde_json::to_value(acc.finish().expect("finishes")).expect("json");
    let first = &done["choices"][0];
    assert_eq!(first["message"]["content"], json!("Hello"));
    assert_eq!(first["message"]["reasoning_content"], json!("r"));
    assert_eq!(first["finish_reason"], json!("length"));
    assert_eq!(
        first["logprobs"]["content"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        first["logprobs"]["content"][0]["logprob"].to_string(),
        "-0.10"
    );
    assert_eq!(done["choices"][1]["message"]["refusal"], json!("No."));
    assert_eq!(done["usage"]["total_tokens"], json!(5));
    assert_eq!(done["object"], Value::from("chat.completion"));
}

#[test]
fn a_mid_stream_error_body_is_typed_and_ends_the_fold() {
    let error = ChatStreamEvent::from_sse(&event(
        r#"{"error":{"message":"overloaded","type":"server_error"}}"#,
    ));
    assert!(matches!(error, Ok(ChatStreamEvent::Error(_))));
    let mut acc = ChatAccumulator::default();
    assert!(acc.push(&error.expect("typed")).is_err());
    assert!(ChatStreamEvent::from_sse(&event("{not json")).is_err());
}
