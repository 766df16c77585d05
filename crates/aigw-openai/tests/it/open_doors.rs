//! Values the spec does not list parse and come back unchanged ("no closed doors"): the two
//! failures seen with fresh traffic, as hand-written fixtures in `fixtures/openai/`.

use aigw_openai::{
    ChatCompletionResponseMessageAnnotationsItemType, CreateChatCompletionResponse, ErrorCode,
    ErrorResponse, OutputItem, Response,
};
use aigw_wire::{Maybe, Unknown, unknowns};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const NUMERIC_CODE: &str = include_str!("../../../../fixtures/openai/error-numeric-code.json");
const UNKNOWN_ANNOTATION: &str =
    include_str!("../../../../fixtures/openai/unknown-annotation-chat-response.json");
const MISTYPED_FIELD: &str =
    include_str!("../../../../fixtures/openai/mistyped-field-response.json");

/// The fixture's `body` as sent (compact text), its typed parse (with the lenient fallback, as
/// the gateway parses), and the typed value written
/// back, which must be the same JSON: `Value` equality compares numbers by their text
/// (`arbitrary_precision`) and ignores key order.
fn round_trip<T: DeserializeOwned + Serialize>(fixture: &str) -> (String, T) {
    let fixture: Value = serde_json::from_str(fixture).expect("fixture is JSON");
    let text = fixture["body"].to_string();
    let typed: T = aigw_wire::from_str(&text).expect("the body parses");
    let back = serde_json::to_value(&typed).expect("serializes");
    assert_eq!(back, fixture["body"], "changed in a round-trip");
    (text, typed)
}

#[test]
fn numeric_error_code_is_kept_exactly() {
    let (text, parsed) = round_trip::<ErrorResponse>(NUMERIC_CODE);
    let error = parsed.error.as_ref().expect("error");
    let Maybe::Present(ErrorCode::Number(code)) = &error.code else {
        panic!("code should be a number: {:?}", error.code);
    };
    assert_eq!(code.to_string(), "429");
    assert!(
        serde_json::to_string(&parsed)
            .expect("ser")
            .contains(r#""code":429"#)
    );
    assert!(text.contains(r#""code":429"#));
    // A number is one of the two forms the types know: nothing is reported as unknown.
    assert!(unknowns(&parsed).is_empty(), "{:?}", unknowns(&parsed));
}

#[test]
fn string_error_code_still_parses_as_a_string() {
    let parsed: ErrorResponse = serde_json::from_str(
        r#"{"error":{"message":"m","type":"invalid_request_error","param":null,"code":"invalid_value"}}"#,
    )
    .expect("parses");
    assert_eq!(
        parsed.error.as_ref().expect("error").code,
        Maybe::Present(ErrorCode::String("invalid_value".into()))
    );
}

#[test]
fn unknown_annotation_type_is_kept() {
    let (_, parsed) = round_trip::<CreateChatCompletionResponse>(UNKNOWN_ANNOTATION);
    let choices = parsed.choices.as_ref().expect("choices");
    let message = choices[0].message.as_ref().expect("message");
    let annotations = message.annotations.as_ref().expect("annotations");
    assert_eq!(
        annotations[0].r#type,
        Maybe::Present(ChatCompletionResponseMessageAnnotationsItemType::UrlCitation)
    );
    assert_eq!(
        annotations[1].r#type,
        Maybe::Present(ChatCompletionResponseMessageAnnotationsItemType::Other(
            "file_citation".into()
        ))
    );
    // The new annotation's tag and its body are reported as outside the spec.
    let found = unknowns(&parsed);
    let at = "/choices/0/message/annotations/1";
    assert!(
        found.contains(&(format!("{at}/type"), Unknown::EnumValue("file_citation"))),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(p, u)| p == &format!("{at}/file_citation") && matches!(u, Unknown::Field(_))),
        "{found:?}"
    );
}

#[test]
fn a_field_whose_type_changed_keeps_its_item_typed() {
    // Inside a union: the item is still the variant its tag names (not `Unknown`), and only
    // the one value its type does not fit is kept aside.
    let (_, parsed) = round_trip::<Response>(MISTYPED_FIELD);
    let output = parsed.output.as_ref().expect("output");
    let OutputItem::McpCall(call) = &output[0] else {
        panic!("the mcp_call item should stay typed: {:?}", output[0]);
    };
    assert_eq!(call.name, Maybe::Present("search_events".into()));
    assert_eq!(call.output, Maybe::Present("2 events".into()));
    assert!(call.arguments.is_mistyped(), "{:?}", call.arguments);
    let found = unknowns(&parsed);
    assert!(
        found
            .iter()
            .any(|(p, u)| p == "/output/0/arguments"
                && matches!(u, Unknown::Mistyped(Value::Object(_)))),
        "{found:?}"
    );
}

#[test]
fn a_mistyped_field_outside_unions_needs_the_fallback_parse() {
    let text =
        r#"{"id":"resp_1","object":"response","usage":{"input_tokens":"12","output_tokens":5}}"#;
    // The strict parse refuses the string where the spec says integer ...
    assert!(serde_json::from_str::<Response>(text).is_err());
    // ... the fallback keeps it, exactly, and types everything else.
    let parsed: Response = aigw_wire::from_str(text).expect("fallback parses");
    let usage = parsed.usage.as_ref().expect("usage");
    assert_eq!(
        usage.input_tokens,
        Maybe::Mistyped(Box::new(Value::String("12".into())))
    );
    assert!(usage.output_tokens.is_present());
    assert_eq!(serde_json::to_string(&parsed).expect("ser"), text);
    assert_eq!(
        unknowns(&parsed),
        vec![(
            "/usage/input_tokens".to_owned(),
            Unknown::Mistyped(&Value::String("12".into()))
        )]
    );
}
