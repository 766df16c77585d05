//! OpenAI Chat ↔ Anthropic Messages on every recorded request, response and stream, as insta
//! snapshots (translation + loss report), plus the semantics one test each.

use crate::common;

use aigw_wire::Json;

use aigw_translate::chat_anthropic::{chat_to_messages, messages_to_chat};
use aigw_translate::{LossKind, Options};
use common::{
    Event, cases, document, json_of, snapshot, sse_events, stream_document, translated_json,
};
use serde_json::{Value, json};

fn opts() -> Options {
    Options::default()
}

#[test]
fn recorded_chat_requests_to_messages() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = Json::from_json_value(&exchange["request"]) else {
            continue;
        };
        let result = chat_to_messages(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "chat_to_messages/request",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 100, "{translated}");
}

#[test]
fn recorded_messages_requests_to_chat() {
    let Some(cases) = cases("anthropic", "messages") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = Json::from_json_value(&exchange["request"]) else {
            continue;
        };
        let result = messages_to_chat(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "messages_to_chat/request",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 100, "{translated}");
}

#[test]
fn max_tokens_is_defaulted_and_reported_and_strict_refuses() {
    let request = Json::from_json_value(
        &json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}]}),
    )
    .expect("request");
    let result = chat_to_messages(&request, &opts()).expect("translated");
    assert_eq!(
        serde_json::to_value(&result.value).expect("json")["max_tokens"],
        4096
    );
    assert_eq!(result.losses.0[0].kind, LossKind::Defaulted);
    let strict = Options {
        strict: true,
        ..opts()
    };
    assert!(chat_to_messages(&request, &strict).is_err());
}

#[test]
fn unknown_fields_are_reported_not_dropped() {
    let request = Json::from_json_value(&json!({"model": "m", "max_tokens": 5, "x_vendor": 1, "messages": [{"role": "user", "content": "Hi", "x_part": true}]})).expect("request");
    let result = chat_to_messages(&request, &opts()).expect("translated");
    let pointers: Vec<&str> = result.losses.iter().map(|l| l.pointer.as_str()).collect();
    assert_eq!(pointers, ["/messages/0/x_part", "/x_vendor"]);
    let _: Value = serde_json::to_value(&result.value).expect("json");
}

use aigw_anthropic::stream::{MessageAccumulator, message_event};
use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use aigw_translate::StreamTranslator;
use aigw_translate::chat_anthropic::{
    ChatToMessagesStream, MessagesToChatStream, chat_response_to_message, message_to_chat_response,
};

/// What a Chat completion and its streamed twin must agree on: per choice the message text,
/// tool calls (ids, names, arguments), tagged reasoning and finish reason; and the usage.
fn chat_essentials(completion: &Value) -> Value {
    let choices: Vec<Value> = completion["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let m = &c["message"];
            let content = match &m["content"] {
                Value::String(s) if s.is_empty() => Value::Null,
                other => other.clone(),
            };
            // Arguments compare as JSON: a stream carries the upstream's text, a whole message
            // the re-serialized input.
            let calls: Vec<Value> = m["tool_calls"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|call| {
                    let arguments = call["function"]["arguments"].as_str().and_then(|a| serde_json::from_str::<Value>(a).ok());
                    json!({"id": call["id"], "name": call["function"]["name"], "arguments": arguments})
                })
                .collect();
            json!({"content": content, "tool_calls": calls, "reasoning": m["aigw_reasoning"], "finish_reason": c["finish_reason"]})
        })
        .collect();
    json!({"choices": choices, "usage": completion["usage"]})
}

/// The same for an Anthropic message: content blocks, stop reason, output token usage.
fn message_essentials(message: &Value) -> Value {
    json!({"content": message["content"], "stop_reason": message["stop_reason"], "output_tokens": message["usage"]["output_tokens"]})
}

#[test]
fn recorded_anthropic_responses_to_chat() {
    let Some(cases) = cases("anthropic", "messages") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(message) = aigw_anthropic::Message::from_json_value(&exchange["response"]) else {
            continue;
        };
        if exchange["status"] != 200 {
            continue;
        }
        let result =
            message_to_chat_response(&message, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "messages_to_chat/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 50, "{translated}");
}

#[test]
fn recorded_chat_responses_to_messages() {
    let Some(cases) = cases("openai", "chat.completions") else {
        return;
    };
    let mut translated = 0;
    for (name, exchange) in cases {
        if exchange["status"] != 200 {
            continue;
        }
        let Ok(response) =
            aigw_openai::CreateChatCompletionResponse::from_json_value(&exchange["response"])
        else {
            continue;
        };
        let result =
            chat_response_to_message(&response, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot(
            "chat_to_messages/response",
            &name,
            &document(&result.value, &result.losses),
        );
        translated += 1;
    }
    assert!(translated > 50, "{translated}");
}

/// Every recorded Anthropic stream becomes a Chat chunk stream, and accumulating that stream
/// gives what translating the accumulated message gives.
#[test]
fn recorded_anthropic_streams_to_chat_chunks() {
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
            .map(|e| message_event(e).expect("typed"))
            .collect();
        let mut translator = MessagesToChatStream::new(&opts(), true);
        let chunks = translator
            .translate_all(&events)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut doc = stream_document(&chunks, translator.losses());
        doc["events"] = json!(chunks.len());
        snapshot("messages_to_chat/stream", &name, &doc);
        let mut chat = ChatAccumulator::default();
        for chunk in &chunks {
            chat.push(chunk).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let mut message = MessageAccumulator::default();
        for event in &events {
            message.push(event).expect("folds");
        }
        let direct = message_to_chat_response(&message.finish().expect("message"), &opts())
            .expect("translated");
        assert_eq!(
            chat_essentials(&json_of(&chat.finish().expect("completion"))),
            chat_essentials(&json_of(&direct.value)),
            "{name}"
        );
        assert!(
            matches!(chunks.last(), Some(ChatStreamEvent::Done)),
            "{name}: ends with [DONE]"
        );
        translated += 1;
    }
    assert!(translated > 20, "{translated}");
}

/// Every recorded Chat stream becomes an Anthropic event stream with the exact sequence, and
/// accumulating it gives what translating the accumulated completion gives.
#[test]
fn recorded_chat_streams_to_anthropic_events() {
    let mut translated = 0;
    for provider in ["openai", "openai-compat"] {
        let Some(cases) = cases(provider, "chat.completions") else {
            return;
        };
        for (name, exchange) in cases {
            let Some(sse) = exchange["sse"].as_str() else {
                continue;
            };
            let events: Vec<_> = sse_events(sse)
                .iter()
                .map(|e| ChatStreamEvent::from_sse(e).expect("typed"))
                .collect();
            let mut translator = ChatToMessagesStream::new(&opts());
            let out = translator
                .translate_all(&events)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut doc = stream_document(&out, translator.losses());
            doc["events"] = json!(out.len());
            snapshot(&format!("chat_to_messages/stream/{provider}"), &name, &doc);
            let kinds: Vec<String> = out
                .iter()
                .map(|e| json_of(e)["type"].as_str().unwrap_or("?").to_owned())
                .collect();
            assert_eq!(
                kinds.first().map(String::as_str),
                Some("message_start"),
                "{name}"
            );
            if kinds.last().map(String::as_str) == Some("error") {
                // A mid-stream error ends the stream in Anthropic's error event.
                assert!(
                    matches!(events.last(), Some(ChatStreamEvent::Error(_))),
                    "{name}"
                );
                translated += 1;
                continue;
            }
            assert_eq!(
                kinds[kinds.len().saturating_sub(2)..],
                ["message_delta", "message_stop"],
                "{name}"
            );
            let mut message = MessageAccumulator::default();
            for event in &out {
                message
                    .push(event)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            let mut chat = ChatAccumulator::default();
            for event in &events {
                chat.push(event).expect("folds");
            }
            let direct = chat_response_to_message(&chat.finish().expect("completion"), &opts())
                .expect("translated");
            assert_eq!(
                message_essentials(&json_of(&message.finish().expect("message"))),
                message_essentials(&json_of(&direct.value)),
                "{name}"
            );
            translated += 1;
        }
    }
    assert!(translated > 20, "{translated}");
}

fn chat_request(value: Value) -> aigw_openai::CreateChatCompletionRequest {
    Json::from_json_value(&value).expect("chat request")
}

fn messages_request(value: Value) -> aigw_anthropic::CreateMessageParams {
    Json::from_json_value(&value).expect("messages request")
}

#[test]
fn system_prompts_tools_and_tool_results_map_both_ways() {
    let chat = chat_request(json!({
        "model": "m", "max_tokens": 100,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use tools."},
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Rome\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
            {"role": "tool", "tool_call_id": "call_2", "content": "24C"}
        ],
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
        "tool_choice": {"type": "function", "function": {"name": "weather"}},
        "parallel_tool_calls": false
    }));
    let result = chat_to_messages(&chat, &opts()).expect("translated");
    assert!(result.losses.is_empty(), "{}", result.losses);
    let anthropic = translated_json(&result);
    assert_eq!(
        anthropic["system"],
        json!([{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Use tools."}])
    );
    assert_eq!(
        anthropic["messages"][1]["content"][1],
        json!({"type": "tool_use", "id": "call_2", "name": "weather", "input": {"city": "Rome"}})
    );
    // Both tool results in one user turn, in order.
    assert_eq!(
        anthropic["messages"][2],
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
            {"type": "tool_result", "tool_use_id": "call_2", "content": "24C"}
        ]})
    );
    assert_eq!(
        anthropic["tool_choice"],
        json!({"type": "tool", "name": "weather", "disable_parallel_tool_use": true})
    );
    // And back: the same conversation for a Chat upstream.
    let back = messages_to_chat(&messages_request(anthropic), &opts()).expect("back");
    let back = translated_json(&back);
    assert_eq!(
        back["messages"][0]["content"],
        json!([{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Use tools."}])
    );
    assert_eq!(
        back["messages"][2]["tool_calls"][1]["function"],
        json!({"name": "weather", "arguments": "{\"city\":\"Rome\"}"})
    );
    assert_eq!(
        back["messages"][3],
        json!({"role": "tool", "tool_call_id": "call_1", "content": "18C"})
    );
    assert_eq!(
        back["messages"][4],
        json!({"role": "tool", "tool_call_id": "call_2", "content": "24C"})
    );
    assert_eq!(
        back["tool_choice"],
        json!({"type": "function", "function": {"name": "weather"}})
    );
    assert_eq!(back["parallel_tool_calls"], false);
    for (chat_choice, anthropic_choice) in [("none", "none"), ("auto", "auto"), ("required", "any")]
    {
        let request = chat_request(
            json!({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "x"}], "tool_choice": chat_choice}),
        );
        assert_eq!(
            translated_json(&chat_to_messages(&request, &opts()).expect("ok"))["tool_choice"]["type"],
            anthropic_choice
        );
    }
}

#[test]
fn images_documents_structured_output_and_sampling() {
    let chat = chat_request(json!({
        "model": "m", "max_completion_tokens": 50, "temperature": 1.5, "top_p": 0.9, "stop": "END", "n": 2,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Compare", "cache_control": {"type": "ephemeral"}},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}}
        ]}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object", "properties": {"x": {"type": "integer"}}}}},
        "logprobs": true
    }));
    let result = chat_to_messages(&chat, &opts()).expect("translated");
    let out = translated_json(&result);
    let content = &out["messages"][0]["content"];
    assert_eq!(
        content[0],
        json!({"type": "text", "text": "Compare", "cache_control": {"type": "ephemeral"}}),
        "cache_control carried"
    );
    assert_eq!(
        content[1]["source"],
        json!({"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="})
    );
    assert_eq!(
        content[2]["source"],
        json!({"type": "url", "url": "https://example.com/cat.jpg"})
    );
    assert_eq!(content[3]["type"], "document");
    assert_eq!(out["temperature"], 1.0);
    assert_eq!(out["stop_sequences"], json!(["END"]));
    assert_eq!(
        out["output_config"]["format"]["schema"]["properties"]["x"]["type"],
        "integer"
    );
    let losses: Vec<(String, LossKind)> = result
        .losses
        .iter()
        .map(|l| (l.pointer.clone(), l.kind))
        .collect();
    assert_eq!(
        losses,
        [
            (
                "/messages/0/content/2/image_url/detail".to_owned(),
                LossKind::Dropped
            ),
            ("/temperature".to_owned(), LossKind::Approximated),
            ("/n".to_owned(), LossKind::Dropped),
            (
                "/response_format/json_schema/name".to_owned(),
                LossKind::Dropped
            ),
            ("/logprobs".to_owned(), LossKind::Dropped),
        ]
    );
    // Going the other way, cache breakpoints are reported: OpenAI has no equivalent.
    let anthropic = messages_request(
        json!({"model": "m", "max_tokens": 5, "system": [{"type": "text", "text": "S", "cache_control": {"type": "ephemeral"}}], "messages": [{"role": "user", "content": "x"}]}),
    );
    let back = messages_to_chat(&anthropic, &opts()).expect("back");
    assert_eq!(back.losses.0[0].pointer, "/system/0/cache_control");
    assert_eq!(
        translated_json(&back)["messages"][0],
        json!({"role": "system", "content": "S"})
    );
}

/// Canary: a thinking signature goes back to Anthropic only; another provider's opaque
/// reasoning never reaches Anthropic; Anthropic thinking never reaches an OpenAI upstream.
#[test]
fn thinking_signatures_never_cross_providers() {
    let message: aigw_anthropic::Message = Json::from_json_value(&json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
        "content": [{"type": "thinking", "thinking": "Let me think.", "signature": "SIG-ANTHROPIC"}, {"type": "text", "text": "42"}],
        "stop_reason": "end_turn", "stop_sequence": null, "usage": {"input_tokens": 10, "output_tokens": 5}
    }))
    .expect("message");
    let chat = translated_json(&message_to_chat_response(&message, &opts()).expect("translated"));
    let assistant = chat["choices"][0]["message"].clone();
    assert_eq!(assistant["aigw_reasoning"][0]["provider"], "anthropic");
    // The client sends the conversation back: to Anthropic, the signed block is restored.
    let mut assistant_turn = assistant.clone();
    assistant_turn["aigw_reasoning"].as_array_mut().expect("array").push(json!({"provider": "gemini", "block": {"thought": true, "thoughtSignature": "SIG-GEMINI"}}));
    let next = chat_request(
        json!({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "Q"}, assistant_turn, {"role": "user", "content": "Why?"}]}),
    );
    let to_anthropic = chat_to_messages(&next, &opts()).expect("translated");
    let text = translated_json(&to_anthropic).to_string();
    assert!(
        text.contains("SIG-ANTHROPIC") && !text.contains("SIG-GEMINI"),
        "{text}"
    );
    assert_eq!(
        to_anthropic.losses.0[0].pointer,
        "/messages/1/aigw_reasoning/1"
    );
    // An Anthropic client's history toward an OpenAI upstream: the thinking block is dropped.
    let history = messages_request(json!({"model": "m", "max_tokens": 9, "messages": [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": "SIG-ANTHROPIC"}, {"type": "text", "text": "42"}]},
        {"role": "user", "content": "Why?"}
    ]}));
    let to_openai = messages_to_chat(&history, &opts()).expect("translated");
    assert!(
        !translated_json(&to_openai)
            .to_string()
            .contains("SIG-ANTHROPIC")
    );
    assert_eq!(to_openai.losses.0[0].pointer, "/messages/1/content/0");
}

fn chunk(delta: Value, finish: Value, usage: Value) -> ChatStreamEvent {
    let mut chunk = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    if !usage.is_null() {
        chunk["choices"] = json!([]);
        chunk["usage"] = usage;
    }
    ChatStreamEvent::Chunk(Box::new(Json::from_json_value(&chunk).expect("chunk")))
}

/// Canary: tool call argument fragments of parallel calls are reassembled per call, in order,
/// and the usage of the last chunk reaches the Anthropic `message_delta`.
#[test]
fn streamed_tool_fragments_reassemble_in_order_and_usage_arrives() {
    let events = vec![
        chunk(
            json!({"role": "assistant", "content": null}),
            Value::Null,
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{\"q\":"}}]}),
            Value::Null,
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"pa"}}]}),
            Value::Null,
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}}]}),
            Value::Null,
            Value::Null,
        ),
        chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": "ris\"}"}}]}),
            Value::Null,
            Value::Null,
        ),
        chunk(json!({}), json!("tool_calls"), Value::Null),
        chunk(
            json!({}),
            Value::Null,
            json!({"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}),
        ),
        ChatStreamEvent::Done,
    ];
    let mut translator = ChatToMessagesStream::new(&opts());
    let out = translator.translate_all(&events).expect("translated");
    let mut message = MessageAccumulator::default();
    for event in &out {
        message.push(event).expect("folds");
    }
    let message = json_of(&message.finish().expect("message"));
    assert_eq!(
        message["content"][0],
        json!({"type": "tool_use", "id": "call_a", "name": "f", "input": {"q": "paris"}})
    );
    assert_eq!(
        message["content"][1],
        json!({"type": "tool_use", "id": "call_b", "name": "g", "input": {}})
    );
    assert_eq!(message["stop_reason"], "tool_use");
    assert_eq!(message["usage"]["output_tokens"], 3);
    assert_eq!(message["usage"]["input_tokens"], 7);

    // The other way: the last chunk before [DONE] carries the usage.
    let anthropic = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    let events: Vec<_> = sse_events(anthropic)
        .iter()
        .map(|e| message_event(e).expect("typed"))
        .collect();
    let chunks = MessagesToChatStream::new(&opts(), true)
        .translate_all(&events)
        .expect("translated");
    let usage_chunk = chunks[chunks.len() - 2].to_json();
    assert_eq!(
        usage_chunk["usage"],
        json!({"prompt_tokens": 16, "completion_tokens": 9, "total_tokens": 25, "prompt_tokens_details": {"cached_tokens": 4}})
    );
    assert_eq!(usage_chunk["choices"], json!([]));
    assert!(matches!(chunks.last(), Some(ChatStreamEvent::Done)));
    // Without include_usage, no usage chunk (as OpenAI does).
    let plain = MessagesToChatStream::new(&opts(), false)
        .translate_all(&events)
        .expect("translated");
    assert_eq!(plain.len(), chunks.len() - 1);
}

#[test]
fn finish_reasons_and_usage_map_both_ways() {
    for (stop, finish) in [
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("stop_sequence", "stop"),
    ] {
        let message: aigw_anthropic::Message = Json::from_json_value(&json!({"id": "m", "type": "message", "role": "assistant", "model": "c", "content": [{"type": "text", "text": "x"}], "stop_reason": stop, "stop_sequence": null, "usage": {"input_tokens": 1, "output_tokens": 1}})).expect("message");
        assert_eq!(
            translated_json(&message_to_chat_response(&message, &opts()).expect("ok"))["choices"]
                [0]["finish_reason"],
            finish
        );
    }
    let completion: aigw_openai::CreateChatCompletionResponse = Json::from_json_value(&json!({
        "id": "c", "object": "chat.completion", "created": 1, "model": "gpt",
        "choices": [{"index": 0, "finish_reason": "length", "logprobs": null, "message": {"role": "assistant", "content": "x", "refusal": null}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120, "prompt_tokens_details": {"cached_tokens": 60}, "completion_tokens_details": {"reasoning_tokens": 12}}
    }))
    .expect("completion");
    let result = chat_response_to_message(&completion, &opts()).expect("ok");
    let message = translated_json(&result);
    assert_eq!(message["stop_reason"], "max_tokens");
    assert_eq!(
        message["usage"],
        json!({"input_tokens": 40, "output_tokens": 20, "cache_read_input_tokens": 60, "cache_creation_input_tokens": 0})
    );
    assert_eq!(
        result.losses.0[0].kind,
        LossKind::Approximated,
        "reasoning tokens folded into output_tokens"
    );
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 .,!?]{1,40}"
    }

    prop_compose! {
        /// A Chat request in the subset both protocols carry exactly: a system string,
        /// alternating user/assistant text turns, sampling and limits.
        fn lossless_chat()(system in proptest::option::of(text()), turns in proptest::collection::vec(text(), 1..6),
                           temperature in proptest::option::of(0u8..=10), top_p in proptest::option::of(1u8..=10),
                           max in 1u32..5000, stop in proptest::collection::vec(text(), 0..3), stream in any::<bool>()) -> Value {
            let mut messages = Vec::new();
            if let Some(system) = system {
                messages.push(json!({"role": "system", "content": system}));
            }
            for (i, turn) in turns.into_iter().enumerate() {
                messages.push(json!({"role": if i % 2 == 0 { "user" } else { "assistant" }, "content": turn}));
            }
            let mut request = json!({"model": "m", "messages": messages, "max_completion_tokens": max});
            if let Some(t) = temperature { request["temperature"] = json!(f64::from(t) / 10.0); }
            if let Some(p) = top_p { request["top_p"] = json!(f64::from(p) / 10.0); }
            if !stop.is_empty() { request["stop"] = json!(stop); }
            if stream { request["stream"] = json!(true); request["stream_options"] = json!({"include_usage": true}); }
            request
        }
    }

    proptest! {
        #[test]
        fn chat_to_messages_and_back_is_the_identity(request in lossless_chat()) {
            let there = chat_to_messages(&chat_request(request.clone()), &opts()).expect("there");
            prop_assert!(there.losses.is_empty(), "{}", there.losses);
            let back = messages_to_chat(&there.value, &opts()).expect("back");
            prop_assert!(back.losses.is_empty(), "{}", back.losses);
            prop_assert_eq!(translated_json(&back), request);
        }

        #[test]
        fn messages_to_chat_and_back_is_the_identity(request in lossless_chat()) {
            // The same subset, starting from Anthropic's side.
            let anthropic = translated_json(&chat_to_messages(&chat_request(request), &opts()).expect("anthropic"));
            let there = messages_to_chat(&messages_request(anthropic.clone()), &opts()).expect("there");
            prop_assert!(there.losses.is_empty(), "{}", there.losses);
            let back = chat_to_messages(&there.value, &opts()).expect("back");
            prop_assert!(back.losses.is_empty(), "{}", back.losses);
            prop_assert_eq!(translated_json(&back), anthropic);
        }
    }
}

#[test]
fn try_from_is_the_lenient_translation() {
    let request = chat_request(
        json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}], "seed": 3}),
    );
    let translated =
        aigw_translate::Translated::<aigw_anthropic::CreateMessageParams>::try_from(&request)
            .expect("translates");
    assert_eq!(
        translated,
        chat_to_messages(&request, &opts()).expect("same")
    );
    assert_eq!(translated.losses.len(), 2, "{}", translated.losses);
}

#[test]
fn content_parts_of_a_compatible_provider_become_text_blocks() {
    // Mistral answers with content parts: text parts are the answer, a thinking part cannot
    // become an Anthropic thinking block (no signature) and is reported.
    let response: aigw_openai::CreateChatCompletionResponse = Json::from_json_value(&json!({
        "id": "x", "object": "chat.completion", "created": 1, "model": "magistral",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": [
            {"type": "thinking", "thinking": [{"type": "text", "text": "2+2"}]},
            {"type": "text", "text": "4"}
        ]}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    }))
    .expect("response");
    let t = aigw_translate::chat_anthropic::chat_response_to_message(&response, &opts())
        .expect("translates");
    let message = serde_json::to_value(&t.value).expect("json");
    assert_eq!(message["content"], json!([{"type": "text", "text": "4"}]));
    let pointers: Vec<&str> = t.losses.iter().map(|l| l.pointer.as_str()).collect();
    assert_eq!(pointers, ["/choices/0/message/content/0"]);
}
