//! Every fixture in `fixtures/<provider>/` round-trips exactly through its generated type, and
//! its snapshot shows which parts ended outside the typed fields plus the typed parse. When a
//! spec update makes a field typed, its line leaves the "outside the spec" list in the snapshot.

use aigw_anthropic as a;
use aigw_gemini as g;
use aigw_openai as o;
use aigw_workspace_tests::{RoundTrip, round_trip};
use serde_json::Value;
use std::path::Path;

fn parse_as(provider: &str, type_name: &str, text: &str) -> Result<RoundTrip, serde_json::Error> {
    match (provider, type_name) {
        ("anthropic", "Message") => round_trip::<a::Message>(text),
        ("anthropic", "CreateMessageParams") => round_trip::<a::CreateMessageParams>(text),
        ("anthropic", "Vec<MessageStreamEvent>") => round_trip::<Vec<a::MessageStreamEvent>>(text),
        ("anthropic", "ErrorResponse") => round_trip::<a::ErrorResponse>(text),
        ("gemini", "GenerateContentRequest") => round_trip::<g::GenerateContentRequest>(text),
        ("gemini", "GenerateContentResponse") => round_trip::<g::GenerateContentResponse>(text),
        ("gemini", "ErrorResponse") => round_trip::<g::ErrorResponse>(text),
        ("openai", _) => parse_openai(type_name, text),
        _ => panic!("fixture names {provider} type `{type_name}`, which this test does not map"),
    }
}

fn parse_openai(type_name: &str, text: &str) -> Result<RoundTrip, serde_json::Error> {
    match type_name {
        "CreateChatCompletionRequest" => round_trip::<o::CreateChatCompletionRequest>(text),
        "CreateChatCompletionResponse" => round_trip::<o::CreateChatCompletionResponse>(text),
        "Vec<CreateChatCompletionStreamResponse>" => {
            round_trip::<Vec<o::CreateChatCompletionStreamResponse>>(text)
        }
        "Response" => round_trip::<o::Response>(text),
        "Vec<ResponseStreamEvent>" => round_trip::<Vec<o::ResponseStreamEvent>>(text),
        "Vec<CreateEmbeddingResponse>" => round_trip::<Vec<o::CreateEmbeddingResponse>>(text),
        "ErrorResponse" => round_trip::<o::ErrorResponse>(text),
        other => panic!("fixture names type `{other}`, which this test does not map"),
    }
}

/// Round-trips one fixture file and returns its snapshot text.
fn check_fixture(provider: &str, path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let fixture: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let type_name = fixture["type"].as_str().expect("fixture names its type");
    let body = &fixture["body"];
    aigw_wire::union::take_fallbacks();
    let result = parse_as(provider, type_name, &body.to_string())
        .unwrap_or_else(|e| panic!("{}: does not parse as {type_name}: {e}", path.display()));
    // `Value` equality ignores key order but compares numbers by their text
    // (`arbitrary_precision`), so `1.0` vs `1` or a lost key is a failure.
    assert_eq!(
        &result.back,
        body,
        "{} changed in a round-trip",
        path.display()
    );
    let fallbacks = aigw_wire::union::take_fallbacks();
    assert!(
        fallbacks
            .iter()
            .all(|f| matches!(f.kind, aigw_wire::union::FallbackKind::UnknownTag(_))),
        "{}: {fallbacks:?}",
        path.display()
    );
    let description = fixture["description"].as_str().unwrap_or_default();
    let mut snapshot = format!("{description}\n\noutside the spec:\n");
    if result.unknowns.is_empty() {
        snapshot.push_str("  (nothing)\n");
    }
    for line in &result.unknowns {
        snapshot.push_str(&format!("  {line}\n"));
    }
    snapshot.push_str(&format!("\ntyped ({type_name}):\n{}\n", result.typed));
    snapshot
}

#[test]
fn openai_fixtures_round_trip_exactly() {
    insta::glob!("../fixtures/openai", "*.json", |path| {
        insta::assert_snapshot!(check_fixture("openai", path));
    });
}

#[test]
fn anthropic_fixtures_round_trip_exactly() {
    insta::glob!("../fixtures/anthropic", "*.json", |path| {
        insta::assert_snapshot!(check_fixture("anthropic", path));
    });
}

#[test]
fn gemini_fixtures_round_trip_exactly() {
    insta::glob!("../fixtures/gemini", "*.json", |path| {
        insta::assert_snapshot!(check_fixture("gemini", path));
    });
}
