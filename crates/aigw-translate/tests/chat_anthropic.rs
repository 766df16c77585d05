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
    let Some(cases) = cases("openai", "chat.completions") else { return };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = serde_json::from_value(exchange["request"].clone()) else { continue };
        let result = chat_to_messages(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot("chat_to_messages/request", &name, &document(&result.value, &result.losses));
        translated += 1;
    }
    assert!(translated > 100, "{translated}");
}

#[test]
fn recorded_messages_requests_to_chat() {
    let Some(cases) = cases("anthropic", "messages") else { return };
    let mut translated = 0;
    for (name, exchange) in cases {
        let Ok(request) = serde_json::from_value(exchange["request"].clone()) else { continue };
        let result = messages_to_chat(&request, &opts()).unwrap_or_else(|e| panic!("{name}: {e}"));
        snapshot("messages_to_chat/request", &name, &document(&result.value, &result.losses));
        translated += 1;
    }
    assert!(translated > 100, "{translated}");
}

#[test]
fn max_tokens_is_defaulted_and_reported_and_strict_refuses() {
    let request = serde_json::from_value(json!({"model": "claude", "messages": [{"role": "user", "content": "Hi"}]})).expect("request");
    let result = chat_to_messages(&request, &opts()).expect("translated");
    assert_eq!(serde_json::to_value(&result.value).expect("json")["max_tokens"], 4096);
    assert_eq!(result.losses.0[0].kind, LossKind::Defaulted);
    let strict = Options { strict: true, ..opts() };
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
