//! The lossless subset round-trips Responses → Chat → Responses (proptest).

use super::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .,!?]{0,40}"
}

fn role() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("user"),
        Just("assistant"),
        Just("system"),
        Just("developer")
    ]
}

prop_compose! {
    /// A Chat request in the subset both protocols carry exactly: text turns of every
    /// role (a leading system string becomes `instructions`), sampling and the limit.
    fn lossless_chat()(turns in proptest::collection::vec((role(), text()), 1..8),
                       temperature in proptest::option::of(0u8..=20), top_p in proptest::option::of(1u8..=10),
                       max in proptest::option::of(1u32..100_000)) -> Value {
        let messages: Vec<Value> = turns.into_iter().map(|(role, text)| json!({"role": role, "content": text})).collect();
        let mut request = json!({"model": "m", "messages": messages});
        if let Some(t) = temperature { request["temperature"] = json!(f64::from(t) / 10.0); }
        if let Some(p) = top_p { request["top_p"] = json!(f64::from(p) / 10.0); }
        if let Some(max) = max { request["max_completion_tokens"] = json!(max); }
        request
    }
}

proptest! {
    #[test]
    fn chat_to_responses_and_back_is_the_identity(request in lossless_chat()) {
        let there = chat_to_responses(&chat_request(request.clone()), &opts()).expect("there");
        prop_assert!(there.losses.is_empty(), "{}", there.losses);
        let back = responses_to_chat(&there.value, &opts()).expect("back");
        prop_assert!(back.losses.is_empty(), "{}", back.losses);
        prop_assert_eq!(translated_json(&back), request);
    }

    #[test]
    fn responses_to_chat_and_back_is_the_identity(request in lossless_chat()) {
        // The same subset, starting from the Responses side.
        let responses = translated_json(&chat_to_responses(&chat_request(request), &opts()).expect("responses"));
        let there = responses_to_chat(&responses_request(responses.clone()), &opts()).expect("there");
        prop_assert!(there.losses.is_empty(), "{}", there.losses);
        let back = chat_to_responses(&there.value, &opts()).expect("back");
        prop_assert!(back.losses.is_empty(), "{}", back.losses);
        prop_assert_eq!(translated_json(&back), responses);
    }
}
