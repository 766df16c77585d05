//! One test per lossless guarantee of the generated OpenAI types, on typed values (the fixture
//! snapshots show the same guarantees on whole payloads).

use aigw_openai as o;
use aigw_wire::union::{FallbackKind, take_fallbacks};
use aigw_wire::{Maybe, Unknown, unknowns};
use serde_json::{Value, json};

/// Parses `text` as `T` and serializes it back to a `Value`. Values compare objects without
/// regard to key order (struct fields serialize in spec order) and numbers by their exact text
/// (`arbitrary_precision`), so `1.0` vs `1` is a difference.
fn reparse<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> (T, Value) {
    let typed: T = serde_json::from_str(text).expect("parses");
    let back = serde_json::to_value(&typed).expect("serializes");
    (typed, back)
}

fn canonical(text: &str) -> Value {
    serde_json::from_str::<Value>(text).expect("json")
}

#[test]
fn unknown_fields_survive_in_extra_at_every_level() {
    let text = r#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi","reasoning_content":"r"},"native_finish_reason":"STOP"}],"usage":{"total_tokens":1,"queue_time":0.1},"x_groq":{"id":"req"}}"#;
    let (typed, back): (o::CreateChatCompletionResponse, _) = reparse(text);
    assert_eq!(typed.extra["x_groq"], json!({"id": "req"}));
    let choice = &typed.choices.as_ref().expect("choices")[0];
    assert_eq!(choice.extra["native_finish_reason"], json!("STOP"));
    let message = choice.message.as_ref().expect("message");
    assert_eq!(message.extra["reasoning_content"], json!("r"));
    let pointers: Vec<String> = unknowns(&typed).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        pointers,
        [
            "/choices/0/message/reasoning_content",
            "/choices/0/native_finish_reason",
            "/usage/queue_time",
            "/x_groq"
        ]
    );
    assert_eq!(back, canonical(text));
}

#[test]
fn string_enums_are_open_and_only_union_tags_are_closed() {
    let (typed, back): (o::CreateChatCompletionResponse, _) =
        reparse(r#"{"service_tier":"on_demand","object":"chat.completion"}"#);
    assert_eq!(
        typed.service_tier,
        Maybe::Present(o::ServiceTier::Other("on_demand".into()))
    );
    assert_eq!(
        back,
        canonical(r#"{"service_tier":"on_demand","object":"chat.completion"}"#)
    );
    assert!(matches!(
        unknowns(&typed)[0].1,
        Unknown::EnumValue("on_demand")
    ));
    let known: o::ServiceTier = serde_json::from_str(r#""flex""#).expect("known value");
    assert_eq!(known, o::ServiceTier::Flex);

    // A single-value tag no union dispatches on is open too (no closed doors): an `object`
    // other than `chat.completion` is kept as `Other`.
    let (typed, back): (o::CreateChatCompletionResponse, _) = reparse(r#"{"object":"list"}"#);
    assert_eq!(
        typed.object,
        Maybe::Present(o::CreateChatCompletionResponseObject::Other("list".into()))
    );
    assert_eq!(back, canonical(r#"{"object":"list"}"#));
    // A tag that only unions use stays closed: that is how they dispatch (a value of another
    // tag ends in the union's `Unknown`).
    let wrong = serde_json::from_str::<o::ChatCompletionToolType>(r#""custom""#);
    assert!(
        wrong
            .expect_err("closed tag")
            .to_string()
            .contains("function")
    );
}

#[test]
fn absent_null_and_empty_stay_distinct() {
    for text in [
        r#"{"model":"m"}"#,
        r#"{"model":"m","tools":null}"#,
        r#"{"model":"m","tools":[]}"#,
        r#"{"model":"m","metadata":{}}"#,
    ] {
        let (_typed, back): (o::CreateChatCompletionRequest, _) = reparse(text);
        assert_eq!(back, canonical(text));
    }
    let (typed, _): (o::CreateChatCompletionRequest, _) = reparse(r#"{"tools":null}"#);
    assert_eq!(typed.tools, Maybe::Null);
    assert_eq!(typed.model, Maybe::Absent);
    let (typed, _): (o::CreateChatCompletionRequest, _) = reparse(r#"{"tools":[]}"#);
    assert_eq!(typed.tools, Maybe::Present(vec![]));
}

#[test]
fn numbers_keep_their_exact_text() {
    // (serde_json writes an exponent marker `E` as `e`; everything else is kept as written.)
    let text = r#"{"temperature":1.0,"top_p":1,"frequency_penalty":0.10,"presence_penalty":-0.0,"seed":123456789012345678901234567890,"logit_bias":{"1":2.5e-3},"x":1e+400}"#;
    let (typed, back): (o::CreateChatCompletionRequest, _) = reparse(text);
    assert_eq!(
        typed
            .temperature
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("1.0")
    );
    assert_eq!(
        typed.top_p.as_ref().map(ToString::to_string).as_deref(),
        Some("1")
    );
    assert_eq!(back, canonical(text));
    assert_eq!(back["frequency_penalty"].to_string(), "0.10");
    assert_eq!(back["seed"].to_string(), "123456789012345678901234567890");
    assert_ne!(
        canonical(r#"{"a":1}"#),
        canonical(r#"{"a":1.0}"#),
        "numbers compare by text"
    );
    // Through `serde_json::Value` too (as a gateway holding a `Value` would).
    let value: Value = serde_json::from_str(text).expect("json");
    let typed: o::CreateChatCompletionRequest =
        serde_json::from_value(value.clone()).expect("from_value");
    assert_eq!(serde_json::to_value(&typed).expect("to_value"), value);
}

#[test]
fn discriminated_unions_dispatch_on_their_tag() {
    let (event, _): (o::ResponseStreamEvent, _) =
        reparse(r#"{"type":"response.output_text.delta","delta":"Hi","obfuscation":"abc"}"#);
    let o::ResponseStreamEvent::ResponseOutputTextDelta(delta) = &event else {
        panic!("wrong variant: {event:?}")
    };
    assert_eq!(delta.delta, Maybe::Present("Hi".to_owned()));
    assert_eq!(delta.extra["obfuscation"], json!("abc"));

    let (message, _): (o::ChatCompletionRequestMessage, _) =
        reparse(r#"{"role":"tool","tool_call_id":"c","content":"x"}"#);
    assert!(matches!(message, o::ChatCompletionRequestMessage::Tool(_)));
}

#[test]
fn every_union_has_a_raw_catch_all() {
    take_fallbacks();
    let text = r#"{"type":"response.future_event","sequence_number":1,"data":[1,2.50]}"#;
    let (event, back): (o::ResponseStreamEvent, _) = reparse(text);
    assert_eq!(
        event,
        o::ResponseStreamEvent::Unknown(serde_json::from_str(text).expect("json"))
    );
    assert_eq!(back, canonical(text));
    let log = take_fallbacks();
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].kind,
        FallbackKind::UnknownTag("response.future_event".into())
    );
}

#[test]
fn a_known_tag_is_parsed_as_its_variant_only() {
    // The tag names the variant, so no other variant is tried: a value that does not fit it is
    // an error that says where, not a silent guess.
    let text = r#"{"type":"response.output_text.delta","delta":{"not":"a string"}}"#;
    let err =
        serde_json::from_str::<o::ResponseStreamEvent>(text).expect_err("delta must be a string");
    assert_eq!(
        err.to_string(),
        "invalid type: map, expected a string at line 1 column 45"
    );
}

#[test]
fn untagged_unions_dispatch_on_json_kind() {
    let (content, _): (o::ChatCompletionRequestUserMessageContent, _) = reparse(r#""plain""#);
    assert_eq!(
        content,
        o::ChatCompletionRequestUserMessageContent::String("plain".into())
    );
    let (content, _): (o::ChatCompletionRequestUserMessageContent, _) =
        reparse(r#"[{"type":"text","text":"t"}]"#);
    assert!(
        matches!(content, o::ChatCompletionRequestUserMessageContent::Array(parts) if parts.len() == 1)
    );
    let (content, back): (o::ChatCompletionRequestUserMessageContent, _) = reparse("42");
    assert!(matches!(
        content,
        o::ChatCompletionRequestUserMessageContent::Unknown(_)
    ));
    assert_eq!(back, json!(42));
}
