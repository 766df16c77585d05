//! The lossless guarantees on the Anthropic and Gemini types, on typed values.

use aigw_anthropic as a;
use aigw_gemini as g;
use aigw_wire::{Maybe, Unknown, unknowns};
use serde_json::{Value, json};

fn reparse<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> (T, Value) {
    let typed: T = serde_json::from_str(text).expect("parses");
    let back = serde_json::to_value(&typed).expect("serializes");
    assert_eq!(
        back,
        serde_json::from_str::<Value>(text).expect("json"),
        "round-trip changed {text}"
    );
    (typed, back)
}

#[test]
fn anthropic_signatures_are_opaque_and_exact() {
    let (block, _): (a::ContentBlock, _) =
        reparse(r#"{"type":"thinking","thinking":"t","signature":"EqQB+/=="}"#);
    let a::ContentBlock::Thinking(thinking) = block else {
        panic!("thinking expected")
    };
    assert_eq!(thinking.signature, Maybe::Present("EqQB+/==".to_owned()));
    let (block, _): (a::ContentBlock, _) = reparse(r#"{"type":"redacted_thinking","data":"EmwK"}"#);
    assert!(matches!(block, a::ContentBlock::RedactedThinking(_)));
}

#[test]
fn anthropic_stream_events_include_ping_error_and_unknown() {
    let (ping, _): (a::MessageStreamEvent, _) = reparse(r#"{"type":"ping"}"#);
    assert!(matches!(ping, a::MessageStreamEvent::Ping(_)));
    let (delta, _): (a::MessageStreamEvent, _) = reparse(
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"Eq=="}}"#,
    );
    assert!(matches!(delta, a::MessageStreamEvent::ContentBlockDelta(_)));
    let (future, _): (a::MessageStreamEvent, _) = reparse(r#"{"type":"message_future","x":[1.0]}"#);
    assert!(matches!(future, a::MessageStreamEvent::Unknown(_)));
}

#[test]
fn anthropic_beta_blocks_and_fields_survive() {
    let text = r#"{"role":"assistant","content":[{"type":"compaction","content":"summary"},{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"1h"}}],"context_management":{"applied_edits":[]}}"#;
    let (message, _): (a::InputMessage, _) = reparse(text);
    let found: Vec<String> = unknowns(&message).into_iter().map(|(p, _)| p).collect();
    assert_eq!(found, ["/content/0", "/context_management"]);
}

#[test]
fn gemini_int64_keeps_string_or_number() {
    let (schema, _): (g::Schema, _) = reparse(r#"{"type":"ARRAY","maxItems":"3","minItems":1}"#);
    assert!(
        matches!(schema.max_items, Maybe::Present(ref v) if serde_json::to_value(v).ok() == Some(json!("3")))
    );
    assert!(
        matches!(schema.min_items, Maybe::Present(ref v) if serde_json::to_value(v).ok() == Some(json!(1)))
    );
}

#[test]
fn gemini_enums_are_open_and_snake_case_keys_stay_verbatim() {
    let (schema, _): (g::Schema, _) =
        reparse(r#"{"type":"object","properties":{"n":{"type":"INTEGER"}}}"#);
    assert!(matches!(
        unknowns(&schema)[0].1,
        Unknown::EnumValue("object")
    ));
    let (part, back): (g::Part, _) =
        reparse(r#"{"function_call":{"name":"f","args":{}},"thoughtSignature":"s"}"#);
    assert_eq!(part.function_call, Maybe::Absent);
    assert_eq!(back["function_call"], json!({"name": "f", "args": {}}));
    assert_eq!(part.thought_signature, Maybe::Present("s".to_owned()));
}

#[test]
fn gemini_tools_may_be_a_single_object() {
    let (request, _): (g::GenerateContentRequest, _) =
        reparse(r#"{"contents":[],"tools":{"function_declarations":[{"name":"f"}]}}"#);
    assert!(matches!(request.tools, Maybe::Present(_)));
}
