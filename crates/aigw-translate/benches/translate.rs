//! Translating one typical request (Chat → Messages: system prompt, a few turns, a tool
//! call and its result, tools) and one typical stream event (an Anthropic text delta → a
//! Chat chunk).

use aigw_translate::chat_anthropic::{MessagesToChatStream, chat_to_messages};
use aigw_translate::{Options, StreamTranslator};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;

fn benches(c: &mut Criterion) {
    let request: aigw_openai::CreateChatCompletionRequest = serde_json::from_value(json!({
        "model": "claude-sonnet-4-5", "max_completion_tokens": 1024, "temperature": 0.7, "stream": true,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. Answer briefly and use tools when needed."},
            {"role": "user", "content": "What is the weather in Paris, and should I bring an umbrella?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"unit\":\"celsius\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 14, \"conditions\": \"light rain\", \"precipitation_probability\": 0.8}"},
            {"role": "assistant", "content": "It is 14°C with light rain in Paris; an umbrella is a good idea."},
            {"role": "user", "content": "And tomorrow?"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}],
        "tool_choice": "auto"
    }))
    .expect("request");
    let opts = Options::default();
    c.bench_function("chat_to_messages_request", |b| {
        b.iter(|| chat_to_messages(black_box(&request), &opts).expect("translates"))
    });

    let event: aigw_anthropic::MessageStreamEvent = serde_json::from_value(json!({
        "type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "It will rain tomorrow morning, "}
    }))
    .expect("event");
    let start: aigw_anthropic::MessageStreamEvent = serde_json::from_value(json!({"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": 120, "output_tokens": 1}}}))
    .expect("start");
    let mut translator = MessagesToChatStream::new(&opts, true);
    translator.push(&start).expect("start");
    c.bench_function("messages_to_chat_text_delta_event", |b| {
        b.iter(|| translator.push(black_box(&event)).expect("translates"))
    });
}

criterion_group! {
    name = translate;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(translate);
