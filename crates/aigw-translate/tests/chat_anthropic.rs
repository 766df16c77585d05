//! OpenAI Chat ↔ Anthropic Messages on every recorded request, response and stream, as insta
//! snapshots (translation + loss report), plus the semantics one test each.

mod common;

use aigw_translate::chat_anthropic::{chat_to_messages, messages_to_chat};
use aigw_translate::{LossKind, Options};
use common::{cases, document, snapshot};
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
        let Ok(request) = serde_json::from_value(exchange["request"].clone()) else {
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
        let Ok(request) = serde_json::from_value(exchange["request"].clone()) else {
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
    let request = serde_json::from_value(
        json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}]}),
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
    let request = serde_json::from_value(json!({"model": "m", "max_tokens": 5, "x_vendor": 1, "messages": [{"role": "user", "content": "Hi", "x_part": true}]})).expect("request");
    let result = chat_to_messages(&request, &opts()).expect("translated");
    let pointers: Vec<&str> = result.losses.iter().map(|l| l.pointer.as_str()).collect();
    assert_eq!(pointers, ["/messages/0/x_part", "/x_vendor"]);
    let _: Value = serde_json::to_value(&result.value).expect("json");
}

use aigw_anthropic::stream::{MessageAccumulator, message_event};
use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
use aigw_sse::{Decoder, Frame, Limits};
use aigw_translate::StreamTranslator;
use aigw_translate::chat_anthropic::{
    ChatToMessagesStream, MessagesToChatStream, chat_response_to_message, message_to_chat_response,
};

fn sse_events(text: &str) -> Vec<aigw_sse::Event> {
    Decoder::decode_all(text.as_bytes(), Limits::default())
        .expect("recorded SSE decodes")
        .into_iter()
        .filter_map(|f| match f {
            Frame::Event(e) => Some(e),
            Frame::Comment(_) => None,
        })
        .collect()
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializes")
}

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
        let Ok(message) =
            serde_json::from_value::<aigw_anthropic::Message>(exchange["response"].clone())
        else {
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
        let Ok(response) = serde_json::from_value::<aigw_openai::CreateChatCompletionResponse>(
            exchange["response"].clone(),
        ) else {
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
        let mut doc = document(&chunks, translator.losses());
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
            let mut doc = document(&out, translator.losses());
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
