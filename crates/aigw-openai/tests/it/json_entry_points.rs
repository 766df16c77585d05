//! The non-generic entry points (`aigw_wire::Json`, the `json` feature) parse and write exactly
//! what the generic functions do: for objects and unions, through a `Value` as from text, with
//! the lenient fallback, and boxed.
#![cfg(all(feature = "json", feature = "chat", feature = "responses"))]

use aigw_openai::{CreateChatCompletionStreamResponse, ResponseStreamEvent};
use aigw_wire::{Json, Maybe};
use serde_json::Value;

/// Every way in agrees with `aigw_wire::from_slice`, and every way out with `serde_json`.
fn agrees<T>(text: &str) -> T
where
    T: Json + serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let generic: T = aigw_wire::from_slice(text.as_bytes()).expect("parses");
    let value: Value = serde_json::from_str(text).expect("JSON");
    assert_eq!(T::from_json(text.as_bytes()).expect("from_json"), generic);
    assert_eq!(
        T::from_json_value(&value).expect("from_json_value"),
        generic
    );
    let boxed = <Box<T>>::from_json_value(&value).expect("boxed");
    assert_eq!(*boxed, generic);
    assert_eq!(
        generic.to_json().expect("to_json"),
        serde_json::to_vec(&generic).expect("to_vec")
    );
    assert_eq!(boxed.to_json_value().expect("to_json_value"), value);
    assert_eq!(
        String::from_utf8(generic.to_json().expect("to_json")).expect("UTF-8"),
        text,
        "written back as it came (known fields in the spec's order)"
    );
    generic
}

#[test]
fn a_union_through_its_entry_points() {
    let event: ResponseStreamEvent = agrees(
        r#"{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi","sequence_number":4}"#,
    );
    assert!(
        !matches!(event, ResponseStreamEvent::Unknown(_)),
        "{event:?}"
    );
    // A type the spec does not list is kept whole, not refused.
    let event: ResponseStreamEvent =
        agrees(r#"{"type":"response.something_new","sequence_number":5,"x":[1.50]}"#);
    assert!(
        matches!(event, ResponseStreamEvent::Unknown(_)),
        "{event:?}"
    );
}

#[test]
fn an_object_with_a_mistyped_field_falls_back_leniently_from_a_value_too() {
    let chunk: CreateChatCompletionStreamResponse = agrees(
        r#"{"id":"c1","choices":[],"created":"soon","model":"m","object":"chat.completion.chunk"}"#,
    );
    assert_eq!(
        chunk.created,
        Maybe::Mistyped(Box::new(Value::from("soon")))
    );
}

#[test]
fn what_is_not_json_of_the_type_is_an_error_from_each_entry_point() {
    let e = CreateChatCompletionStreamResponse::from_json(b"[1]").expect_err("not an object");
    assert!(e.to_string().contains("object"), "{e}");
    assert!(CreateChatCompletionStreamResponse::from_json_value(&Value::from(1)).is_err());
    assert!(ResponseStreamEvent::from_json(b"{\"type\":").is_err());
}
