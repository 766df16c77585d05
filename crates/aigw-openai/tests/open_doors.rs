//! Values the spec does not list parse and come back unchanged ("no closed doors"): the two
//! failures seen with fresh traffic, as hand-written fixtures in `fixtures/openai/`.

use aigw_openai::{
    ChatCompletionResponseMessageAnnotationsItemType, CreateChatCompletionResponse, ErrorCode,
    ErrorResponse,
};
use aigw_wire::{Maybe, Unknown, unknowns};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const NUMERIC_CODE: &str = include_str!("../../../fixtures/openai/error-numeric-code.json");
const UNKNOWN_ANNOTATION: &str =
    include_str!("../../../fixtures/openai/unknown-annotation-chat-response.json");

/// The fixture's `body` as sent (compact text), its typed parse, and the typed value written
/// back, which must be the same JSON: `Value` equality compares numbers by their text
/// (`arbitrary_precision`) and ignores key order.
fn round_trip<T: DeserializeOwned + Serialize>(fixture: &str) -> (String, T) {
    let fixture: Value = serde_json::from_str(fixture).expect("fixture is JSON");
    let text = fixture["body"].to_string();
    let typed: T = serde_json::from_str(&text).expect("the body parses");
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
