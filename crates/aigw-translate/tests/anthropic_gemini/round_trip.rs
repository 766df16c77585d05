//! Round trip on the lossless subset (proptest).

use super::*;
use proptest::prelude::*;

fn params() -> impl Strategy<Value = Value> {
    (
        "[a-z][a-z0-9-]{0,15}",
        proptest::option::of("[ -~]{1,30}"),
        proptest::collection::vec("[ -~]{1,30}", 1..6),
        1u64..200_000,
        proptest::option::of(0u32..=100),
        proptest::option::of(0u32..=100),
        proptest::option::of(1u64..500),
        proptest::option::of(proptest::collection::vec("[a-zA-Z#]{1,8}", 1..5)),
    )
        .prop_map(|(model, system, turns, max_tokens, temperature, top_p, top_k, stop)| {
            let messages: Vec<Value> = turns
                .into_iter()
                .enumerate()
                .map(|(i, text)| json!({"role": if i % 2 == 0 { "user" } else { "assistant" }, "content": text}))
                .collect();
            let mut request = json!({"model": model, "messages": messages, "max_tokens": max_tokens});
            if let Some(system) = system {
                request["system"] = json!(system);
            }
            if let Some(t) = temperature {
                request["temperature"] = json!(f64::from(t) / 100.0);
            }
            if let Some(p) = top_p {
                request["top_p"] = json!(f64::from(p) / 100.0);
            }
            if let Some(k) = top_k {
                request["top_k"] = json!(k);
            }
            if let Some(stop) = stop {
                request["stop_sequences"] = json!(stop);
            }
            request
        })
}

proptest! {
    #[test]
    fn messages_to_gemini_and_back_is_identity(request in params()) {
        let original: aigw_anthropic::CreateMessageParams = from(request.clone());
        let gemini = messages_to_gemini(&original, &opts()).expect("to gemini");
        prop_assert!(gemini.losses.is_empty(), "{}", gemini.losses);
        let model = request["model"].as_str().unwrap_or_default();
        let back = gemini_to_messages(&gemini.value, model, &opts()).expect("back");
        prop_assert!(back.losses.is_empty(), "{}", back.losses);
        prop_assert_eq!(json_of(&back.value), json_of(&original));
    }
}
