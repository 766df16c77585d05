//! The stream event union (`stream_events.rs`): `ping` and `error` events dispatch by tag and
//! serialize back to what came.
#![cfg(feature = "messages")]

use aigw_anthropic::MessageStreamEvent;

#[test]
fn ping_and_error_dispatch_from_the_event_union() {
    let ping: MessageStreamEvent = serde_json::from_str(r#"{"type": "ping"}"#).expect("ping");
    assert!(matches!(ping, MessageStreamEvent::Ping(_)));
    let text = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let error: MessageStreamEvent = serde_json::from_str(text).expect("error");
    let MessageStreamEvent::Error(event) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(
        event.error.as_ref(),
        Some(aigw_anthropic::ErrorResponseError::OverloadedError(_))
    ));
    let back = serde_json::to_value(&error).expect("ser");
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(text).expect("json")
    );
}
