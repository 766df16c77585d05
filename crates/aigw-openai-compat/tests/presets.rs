//! Each preset strips, maps and reports exactly what it should; the Mistral preset matches
//! Mistral's OpenAPI spec field by field.

use aigw_openai_compat::{
    Action, Adjustment, MISTRAL_CHAT_PARAMS, Params, Preset, Quirks, adjust_chat,
};
use serde_json::{Value, json};

/// A request using everything the presets treat specially.
fn everything() -> Value {
    json!({
        "model": "m",
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "Thanks"}
            ]}
        ],
        "max_completion_tokens": 100,
        "seed": 7,
        "logprobs": true,
        "top_logprobs": 2,
        "n": 2,
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        "tool_choice": "required",
        "parallel_tool_calls": false,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        "stream_options": {"include_usage": true},
        "store": true,
        "logit_bias": {"50256": -100},
        "x_vendor_flag": 1
    })
}

/// The adjustments as compact `action pointer` lines (+ target), in order.
fn summary(preset: Preset) -> (Value, Vec<String>) {
    let provider = preset.provider();
    let mut body = everything();
    let adjustments = adjust_chat(provider.name, &provider.quirks, &mut body);
    for adjustment in adjustments.iter() {
        assert!(adjustment.reason.starts_with(provider.name), "{adjustment}");
    }
    let lines = adjustments.iter().map(line).collect();
    (body, lines)
}

fn line(a: &Adjustment) -> String {
    match &a.action {
        Action::Stripped => format!("strip {}", a.pointer),
        Action::RemovedDefault => format!("default {}", a.pointer),
        Action::Renamed { to } => format!("rename {} {to}", a.pointer),
        Action::Mapped { to } => format!("map {} {to}", a.pointer),
        Action::Approximated { to } => format!("approx {} {to}", a.pointer),
    }
}

/// Every key of the original request is either still there (same value, unless mapped) or
/// accounted for by an adjustment: nothing disappears unreported.
fn assert_nothing_silent(preset: Preset) {
    let provider = preset.provider();
    let original = everything();
    let mut body = original.clone();
    let adjustments = adjust_chat(provider.name, &provider.quirks, &mut body);
    for (key, value) in original.as_object().expect("object") {
        let pointer = format!("/{key}");
        let reported = adjustments
            .iter()
            .any(|a| a.pointer == pointer || a.pointer.starts_with(&format!("{pointer}/")));
        assert!(
            reported || body.get(key) == Some(value),
            "{preset:?}: {key} changed without a report"
        );
    }
}

#[test]
fn every_preset_reports_everything_it_changes() {
    for preset in Preset::ALL {
        assert_nothing_silent(preset);
        assert_eq!(Preset::from_name(preset.name()), Some(preset));
    }
    // OpenAI's own quirks change nothing.
    let mut body = everything();
    assert!(adjust_chat("openai", &Quirks::default(), &mut body).is_empty());
    assert_eq!(body, everything());
}

#[test]
fn mistral_follows_its_spec() {
    let (body, lines) = summary(Preset::Mistral);
    assert_eq!(
        lines,
        [
            "strip /stream_options",
            "rename /max_completion_tokens max_tokens",
            "rename /seed random_seed",
            "strip /logprobs",
            "strip /top_logprobs",
            "map /messages/0/role \"system\"",
            "strip /store",
            "strip /logit_bias",
            "strip /x_vendor_flag",
        ]
    );
    assert_eq!(body["max_tokens"], 100);
    assert_eq!(body["random_seed"], 7);
    assert_eq!(body["n"], 2);
    assert_eq!(body["tool_choice"], "required");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(
        body["messages"][1]["content"].as_array().map(Vec::len),
        Some(3),
        "vision kept"
    );
}

#[test]
fn deepseek_approximates_json_schema_and_drops_images() {
    let (body, lines) = summary(Preset::DeepSeek);
    assert_eq!(
        lines,
        [
            "rename /max_completion_tokens max_tokens",
            "strip /seed",
            "strip /n",
            "strip /parallel_tool_calls",
            "approx /response_format {\"type\":\"json_object\"}",
            "map /messages/0/role \"system\"",
            "strip /messages/1/content/1",
            "strip /store",
            "strip /logit_bias",
        ]
    );
    assert_eq!(
        body["messages"][1]["content"],
        json!([{"type": "text", "text": "What is this?"}, {"type": "text", "text": "Thanks"}])
    );
    assert_eq!(body["logprobs"], true);
    assert_eq!(
        body["x_vendor_flag"], 1,
        "unknown fields pass to providers without an exact list"
    );
}

#[test]
fn perplexity_has_no_tools_and_strips_them_all() {
    let (body, lines) = summary(Preset::Perplexity);
    assert_eq!(
        lines,
        [
            "strip /stream_options",
            "rename /max_completion_tokens max_tokens",
            "strip /seed",
            "strip /logprobs",
            "strip /top_logprobs",
            "strip /n",
            "strip /tools",
            "strip /tool_choice",
            "strip /parallel_tool_calls",
            "map /messages/0/role \"system\"",
            "strip /store",
            "strip /logit_bias",
        ]
    );
    assert_eq!(body["response_format"]["type"], "json_schema");
}

#[test]
fn the_other_presets_strip_what_they_document() {
    let expect: [(Preset, &[&str]); 7] = [
        (
            Preset::Groq,
            &[
                "strip /logprobs",
                "strip /top_logprobs",
                "strip /n",
                "map /messages/0/role \"system\"",
                "strip /store",
                "strip /logit_bias",
            ],
        ),
        (
            Preset::Together,
            &[
                "strip /stream_options",
                "rename /max_completion_tokens max_tokens",
                "strip /parallel_tool_calls",
                "map /messages/0/role \"system\"",
                "strip /store",
            ],
        ),
        (Preset::Vllm, &["strip /store"]),
        (
            Preset::Fireworks,
            &[
                "strip /stream_options",
                "rename /max_completion_tokens max_tokens",
                "strip /parallel_tool_calls",
                "map /messages/0/role \"system\"",
                "strip /store",
            ],
        ),
        (
            Preset::LmStudio,
            &[
                "rename /max_completion_tokens max_tokens",
                "strip /logprobs",
                "strip /top_logprobs",
                "strip /n",
                "strip /parallel_tool_calls",
                "map /messages/0/role \"system\"",
                "strip /store",
            ],
        ),
        (
            Preset::OpenRouter,
            &[
                "strip /n",
                "map /messages/0/role \"system\"",
                "strip /store",
            ],
        ),
        (
            Preset::Ollama,
            &[
                "rename /max_completion_tokens max_tokens",
                "strip /logprobs",
                "strip /top_logprobs",
                "strip /n",
                "strip /tool_choice",
                "strip /parallel_tool_calls",
                "map /messages/0/role \"system\"",
                "strip /store",
                "strip /logit_bias",
            ],
        ),
    ];
    for (preset, lines) in expect {
        assert_eq!(summary(preset).1, lines, "{preset:?}");
    }
}

#[test]
fn restating_a_default_is_not_a_loss() {
    let provider = Preset::Ollama.provider();
    let mut body = json!({"model": "m", "messages": [], "n": 1, "logprobs": false, "tool_choice": "auto", "parallel_tool_calls": true, "max_completion_tokens": 5});
    let adjustments = adjust_chat(provider.name, &provider.quirks, &mut body);
    assert_eq!(adjustments.0.len(), 4, "{adjustments}");
    assert_eq!(adjustments.losses().count(), 0, "{adjustments}");
    // `n: 1` is sent as given: it is what a one-choice provider accepts.
    assert_eq!(
        body,
        json!({"model": "m", "messages": [], "n": 1, "max_tokens": 5})
    );
}

/// A provider with one choice only gets `n: 1` as sent (Groq: "n must equal 1"; 52 recorded
/// 200s carry it); only `n` > 1 is stripped, as a loss.
#[test]
fn one_choice_providers_keep_n_1_and_lose_more() {
    for preset in Preset::ALL {
        let provider = preset.provider();
        if provider.quirks.supports_n {
            continue;
        }
        let mut body = json!({"model": "m", "messages": [], "n": 1});
        let before = body.clone();
        assert!(adjust_chat(provider.name, &provider.quirks, &mut body).is_empty());
        assert_eq!(body, before, "{preset:?}");
        let mut body = json!({"model": "m", "messages": [], "n": 3});
        let adjustments = adjust_chat(provider.name, &provider.quirks, &mut body);
        assert_eq!(
            adjustments.iter().map(line).collect::<Vec<_>>(),
            ["strip /n"],
            "{preset:?}"
        );
        assert_eq!(adjustments.losses().count(), 1);
        assert!(body.get("n").is_none());
    }
}

/// Groq takes its own `service_tier` values; OpenRouter takes `max_completion_tokens` under
/// that name (both recorded answered with 200).
#[test]
fn recorded_parameters_pass_unchanged() {
    let groq = Preset::Groq.provider();
    let mut body = json!({"model": "m", "messages": [], "n": 1, "service_tier": "on_demand"});
    assert!(adjust_chat(groq.name, &groq.quirks, &mut body).is_empty());
    assert_eq!(body["service_tier"], "on_demand");
    let openrouter = Preset::OpenRouter.provider();
    let mut body = json!({"model": "m", "messages": [], "max_completion_tokens": 100});
    assert!(adjust_chat(openrouter.name, &openrouter.quirks, &mut body).is_empty());
    assert_eq!(body["max_completion_tokens"], 100);
    for preset in [Preset::DeepSeek, Preset::OpenRouter] {
        assert!(
            preset.provider().quirks.supports_responses_api,
            "{preset:?}"
        );
    }
}

#[test]
fn both_token_limits_keep_the_providers_own() {
    let provider = Preset::Mistral.provider();
    let mut body =
        json!({"model": "m", "messages": [], "max_tokens": 10, "max_completion_tokens": 20});
    let adjustments = adjust_chat(provider.name, &provider.quirks, &mut body);
    assert_eq!(
        body,
        json!({"model": "m", "messages": [], "max_tokens": 10})
    );
    assert_eq!(
        adjustments.iter().map(line).collect::<Vec<_>>(),
        ["strip /max_completion_tokens"]
    );
}

/// `MISTRAL_CHAT_PARAMS` is exactly the property list of the spec's `ChatCompletionRequest`
/// (the pinned spec, filled by `cargo xtask specs`; a missing spec skips with a notice).
#[test]
fn the_mistral_parameter_list_is_the_specs() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs/vendor/mistral/openapi.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!(
            "SKIPPED: {} missing; run `cargo xtask specs --from ../shared/specs`",
            path.display()
        );
        return;
    };
    let spec: Value = serde_norway::from_str(&text).expect("the Mistral spec is YAML");
    let properties = spec["components"]["schemas"]["ChatCompletionRequest"]["properties"]
        .as_object()
        .expect("ChatCompletionRequest");
    let mut in_spec: Vec<&str> = properties.keys().map(String::as_str).collect();
    let mut ours = MISTRAL_CHAT_PARAMS.to_vec();
    in_spec.sort_unstable();
    ours.sort_unstable();
    assert_eq!(ours, in_spec);
    assert!(
        matches!(Preset::Mistral.provider().quirks.params, Params::Only(list) if list == MISTRAL_CHAT_PARAMS)
    );
    // The flags agree with the spec: no logprobs, no stream_options, no developer role.
    let roles: Vec<&str> = spec["components"]["schemas"]["ChatCompletionRequest"]["properties"]["messages"]["items"]["discriminator"]["mapping"]
        .as_object()
        .expect("role mapping")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        !roles.contains(&"developer") && roles.contains(&"system"),
        "{roles:?}"
    );
    let quirks = Preset::Mistral.provider().quirks;
    assert!(
        !quirks.supports_developer_role
            && !quirks.supports_logprobs
            && !quirks.supports_stream_usage
    );
    assert!(
        !in_spec.contains(&"logprobs")
            && !in_spec.contains(&"stream_options")
            && in_spec.contains(&"random_seed")
    );
}

/// The README's presets × quirks table is the one the code describes.
#[test]
fn the_readme_table_is_the_code() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .expect("README");
    let table = aigw_openai_compat::quirks_table();
    assert!(
        readme.contains(&table),
        "README.md's presets table is stale; replace it with:\n{table}"
    );
}
