//! Round trip of the lossless subset (proptest).

use super::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 .,!?]{1,40}"
}

prop_compose! {
    /// Text user/assistant turns (any order) after an optional system prompt, and the
    /// sampling parameters both protocols have.
    fn lossless_request()(
        system in proptest::option::of(text()),
        turns in proptest::collection::vec((any::<bool>(), text()), 1..6),
        temperature in proptest::option::of(0u32..=200),
        top_p in proptest::option::of(1u32..=100),
        max in proptest::option::of(1u32..=65536),
        stop in proptest::option::of(proptest::collection::vec(text(), 1..=4)),
    ) -> Value {
        let mut messages = Vec::new();
        if let Some(system) = system {
            messages.push(json!({"role": "system", "content": system}));
        }
        for (user, text) in turns {
            messages.push(json!({"role": if user { "user" } else { "assistant" }, "content": text}));
        }
        let mut request = json!({"model": "gemini-2.5-flash", "messages": messages});
        if let Some(t) = temperature {
            request["temperature"] = json!(f64::from(t) / 100.0);
        }
        if let Some(p) = top_p {
            request["top_p"] = json!(f64::from(p) / 100.0);
        }
        if let Some(max) = max {
            request["max_completion_tokens"] = json!(max);
        }
        if let Some(stop) = stop {
            request["stop"] = json!(stop);
        }
        request
    }
}

proptest! {
    #[test]
    fn chat_to_gemini_to_chat_is_the_identity(value in lossless_request()) {
        let original = request(value);
        let there = chat_to_gemini(&original, &opts()).expect("to Gemini");
        prop_assert!(there.losses.is_empty(), "to Gemini: {}", there.losses);
        let back = gemini_to_chat(&there.value, "gemini-2.5-flash", &opts()).expect("to Chat");
        prop_assert!(back.losses.is_empty(), "to Chat: {}", back.losses);
        prop_assert_eq!(json_of(&back.value), json_of(&original));
    }
}
