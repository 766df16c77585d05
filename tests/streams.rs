//! Recorded and hand-written event streams, end to end: bytes → `aigw-sse` frames → typed
//! provider events → accumulated final object.
//!
//! Corpus: every SSE exchange decodes into typed events with no event the types reject, and
//! accumulates without error; where a Responses stream carries its final response, the output
//! rebuilt from the deltas equals it. Fixtures (`fixtures/streams/*.sse`): the accumulated
//! objects are insta snapshots.

use aigw_conformance::{Options, run};
use aigw_sse::{Decoder, Frame, Limits};
use aigw_workspace_tests::corpus_or_skip;
use serde_json::Value;
use std::collections::BTreeMap;

/// What one stream gave.
#[derive(Debug, Default)]
struct Folded {
    events: usize,
    /// Events the typed layer kept as `Unknown` (new event types).
    unknown: usize,
    accumulated: Value,
    /// For Responses streams with a terminal event: (rebuilt output, terminal output).
    outputs: Option<(Value, Value)>,
    /// The stream ended with the provider's error event.
    upstream_error: bool,
}

fn data_events(sse: &str) -> Result<Vec<aigw_sse::Event>, String> {
    let frames =
        Decoder::decode_all(sse.as_bytes(), Limits::default()).map_err(|e| e.to_string())?;
    Ok(frames
        .into_iter()
        .filter_map(|f| match f {
            Frame::Event(e) => Some(e),
            Frame::Comment(_) => None,
        })
        .collect())
}

/// Output items without what OpenAI only finalizes in `response.completed`: reasoning
/// `encrypted_content` is re-encrypted there, and `mcp_list_tools` items get their `tools`
/// backfilled there. Everything else rebuilt from the deltas must match exactly.
fn without_completion_only_fields(mut output: Value) -> Value {
    for item in output.as_array_mut().into_iter().flatten() {
        if let Some(item) = item.as_object_mut() {
            item.remove("encrypted_content");
            if item.get("type").and_then(Value::as_str) == Some("mcp_list_tools") {
                item.remove("tools");
            }
        }
    }
    output
}

fn fold(provider: &str, api: &str, sse: &str) -> Result<Folded, String> {
    let events = data_events(sse)?;
    let mut folded = Folded {
        events: events.len(),
        ..Folded::default()
    };
    let err = |e: &dyn std::fmt::Display| e.to_string();
    match (provider, api) {
        ("openai" | "openai-compat", "chat.completions") => {
            use aigw_openai::stream::{ChatAccumulator, ChatStreamEvent};
            let mut acc = ChatAccumulator::default();
            for event in &events {
                match acc.push(&ChatStreamEvent::from_sse(event).map_err(|e| err(&e))?) {
                    // A mid-stream error body ends the stream: the expected outcome, typed.
                    Err(aigw_openai::stream::StreamError::Upstream(error)) => {
                        folded.accumulated = error;
                        folded.upstream_error = true;
                        return Ok(folded);
                    }
                    other => other.map_err(|e| err(&e))?,
                }
            }
            folded.accumulated =
                serde_json::to_value(acc.finish().map_err(|e| err(&e))?).map_err(|e| err(&e))?;
        }
        ("openai" | "openai-compat", "responses") => {
            use aigw_openai::stream::{ResponsesAccumulator, responses_event};
            let mut acc = ResponsesAccumulator::default();
            let mut terminal = None;
            for event in &events {
                let typed = responses_event(event).map_err(|e| err(&e))?;
                if let aigw_openai::ResponseStreamEvent::Unknown(_) = typed {
                    folded.unknown += 1;
                }
                if let aigw_openai::ResponseStreamEvent::ResponseCompleted(done) = &typed {
                    terminal = serde_json::to_value(&done.response).ok();
                }
                acc.push(&typed).map_err(|e| err(&e))?;
            }
            let rebuilt = without_completion_only_fields(acc.output().clone());
            folded.accumulated =
                serde_json::to_value(acc.finish().map_err(|e| err(&e))?).map_err(|e| err(&e))?;
            folded.outputs =
                terminal.map(|t| (rebuilt, without_completion_only_fields(t["output"].clone())));
        }
        ("anthropic", "messages") => {
            use aigw_anthropic::stream::{MessageAccumulator, message_event};
            let mut acc = MessageAccumulator::default();
            for event in &events {
                let typed = message_event(event).map_err(|e| err(&e))?;
                if let aigw_anthropic::MessageStreamEvent::Unknown(_) = typed {
                    folded.unknown += 1;
                }
                acc.push(&typed).map_err(|e| err(&e))?;
            }
            folded.accumulated =
                serde_json::to_value(acc.finish().map_err(|e| err(&e))?).map_err(|e| err(&e))?;
        }
        ("gemini", "streamGenerateContent" | "generateContent") => {
            use aigw_gemini::stream::{ResponseAccumulator, chunk};
            let mut acc = ResponseAccumulator::default();
            for event in &events {
                acc.push(&chunk(event).map_err(|e| err(&e))?);
            }
            folded.accumulated =
                serde_json::to_value(acc.finish().map_err(|e| err(&e))?).map_err(|e| err(&e))?;
        }
        other => return Err(format!("no typed stream for {other:?}")),
    }
    Ok(folded)
}

#[test]
fn every_recorded_stream_types_and_accumulates() {
    let Some(corpus) = corpus_or_skip("stream corpus test") else {
        return;
    };
    // The harness lists the exchanges; the stream text is read from each file.
    let report = run(&Options {
        corpus: corpus.clone(),
        provider: None,
        api: None,
    })
    .expect("harness");
    let mut per_provider: BTreeMap<String, [usize; 5]> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &report.cases {
        let exchange: Value = serde_json::from_str(
            &std::fs::read_to_string(corpus.join(&case.file)).expect("readable"),
        )
        .expect("json");
        let Some(sse) = exchange["sse"].as_str() else {
            continue;
        };
        match fold(&case.provider, &case.api, sse) {
            Ok(folded) => {
                let row = per_provider.entry(case.provider.clone()).or_default();
                row[0] += 1;
                row[1] += folded.events;
                row[2] += folded.unknown;
                row[4] += usize::from(folded.upstream_error);
                if let Some((rebuilt, terminal)) = folded.outputs {
                    row[3] += 1;
                    if let Some((pointer, what)) =
                        aigw_conformance::json_diff::first_difference(&terminal, &rebuilt)
                    {
                        failures.push(format!(
                            "{}: output rebuilt from deltas differs from response.completed at {pointer}: {what}",
                            case.file.display()
                        ));
                    }
                }
            }
            Err(e) => failures.push(format!("{}: {e}", case.file.display())),
        }
    }
    for (provider, [streams, events, unknown, compared, errors]) in &per_provider {
        println!(
            "{provider:<14} {streams:>3} streams, {events:>5} events, {unknown} kept as unknown, \
             {compared} compared with their final object, {errors} ended by an error event"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        per_provider.len(),
        4,
        "streams of every provider: {per_provider:?}"
    );
}

/// `value` with every object's keys in sorted order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[test]
fn fixture_streams_accumulate_to_snapshots() {
    insta::glob!("../fixtures/streams", "*.sse", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let (provider, api) = match name {
            n if n.starts_with("openai-chat") => ("openai", "chat.completions"),
            n if n.starts_with("openai-responses") => ("openai", "responses"),
            n if n.starts_with("anthropic") => ("anthropic", "messages"),
            n if n.starts_with("gemini") => ("gemini", "streamGenerateContent"),
            other => panic!("fixture {other}: name does not say its provider"),
        };
        let sse = std::fs::read_to_string(path).expect("readable");
        let folded = fold(provider, api, &sse).unwrap_or_else(|e| panic!("{name}: {e}"));
        // serde_json writes it (insta's own JSON writer does not know exact numbers), keys sorted.
        let text = serde_json::to_string_pretty(&sorted(folded.accumulated)).expect("serializes");
        insta::assert_snapshot!(text);
    });
}
