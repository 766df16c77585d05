//! Typed parse + serialize vs `serde_json::Value` on real corpus bodies, and the union
//! dispatch of `ResponseStreamEvent` (tag dispatch) vs serde's `#[serde(untagged)]` over the
//! same variant types.
//!
//! Reads the recorded corpus from `AIGW_CORPUS` (default `../shared/corpus/dev` beside the
//! workspace); without it, prints a notice and measures nothing.

use aigw_openai as o;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn corpus() -> Option<PathBuf> {
    // A relative AIGW_CORPUS is relative to the workspace root (tests run in their crate).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::var_os("AIGW_CORPUS")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("../shared/corpus/dev"));
    dir.is_dir().then_some(dir)
}

fn exchange(dir: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The JSON `data:` payloads of a recorded stream (without `[DONE]`).
fn stream_payloads(exchange: &Value) -> Vec<String> {
    let sse = exchange["sse"].as_str().unwrap_or_default();
    let frames = aigw_sse::Decoder::decode_all(sse.as_bytes(), aigw_sse::Limits::default())
        .expect("recorded stream");
    frames
        .into_iter()
        .filter_map(|frame| match frame {
            aigw_sse::Frame::Event(event) if event.data != "[DONE]" => Some(event.data),
            _ => None,
        })
        .collect()
}

fn typed_round_trip<T: DeserializeOwned + Serialize>(text: &str) -> String {
    let typed: T = aigw_wire::from_str(text).expect("typed parse");
    serde_json::to_string(&typed).expect("typed serialize")
}

/// A generated object, parsed in place as the providers' `Json` entry points do.
fn object_round_trip<T: aigw_wire::object::Object + Serialize>(text: &str) -> String {
    let typed: T = aigw_wire::object::from_str(text).expect("typed parse");
    serde_json::to_string(&typed).expect("typed serialize")
}

fn value_round_trip(text: &str) -> String {
    let value: Value = serde_json::from_str(text).expect("value parse");
    serde_json::to_string(&value).expect("value serialize")
}

/// `(bench name, corpus file, typed round-trip)`.
type Case = (&'static str, &'static str, fn(&str) -> String);

fn bench_bodies(c: &mut Criterion, dir: &Path) {
    let cases: [Case; 3] = [
        (
            "chat_response",
            "openai/chat.completions/0076-test-openai-moderation-block-policy-0.json",
            object_round_trip::<o::CreateChatCompletionResponse>,
        ),
        (
            "responses_response",
            "openai/responses/0257-test-openai-hosted-tool-search-stateless-continuation-0.json",
            object_round_trip::<o::Response>,
        ),
        (
            "responses_request",
            "openai/responses/0257-test-openai-hosted-tool-search-stateless-continuation-0.json",
            object_round_trip::<o::CreateResponse>,
        ),
    ];
    let mut group = c.benchmark_group("roundtrip");
    for (name, file, typed) in cases {
        let ex = exchange(dir, file);
        let body = if name.ends_with("request") {
            &ex["request"]
        } else {
            &ex["response"]
        };
        let text = body.to_string();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("typed", name), &text, |b, t| {
            b.iter(|| typed(black_box(t)))
        });
        group.bench_with_input(BenchmarkId::new("value", name), &text, |b, t| {
            b.iter(|| value_round_trip(black_box(t)))
        });
    }
    let streams: [Case; 2] = [
        (
            "responses_stream",
            "openai/responses/0163-test-openai-responses-phase-streamed-on-part-start-1.json",
            typed_round_trip::<o::ResponseStreamEvent>,
        ),
        (
            "chat_stream",
            "openai/chat.completions/0131-test-prefect-agent-run-stream-0.json",
            object_round_trip::<o::CreateChatCompletionStreamResponse>,
        ),
    ];
    for (name, file, typed) in streams {
        let events = stream_payloads(&exchange(dir, file));
        group.throughput(Throughput::Elements(events.len() as u64));
        group.bench_with_input(BenchmarkId::new("typed", name), &events, |b, evs| {
            b.iter(|| evs.iter().map(|e| typed(black_box(e)).len()).sum::<usize>())
        });
        group.bench_with_input(BenchmarkId::new("value", name), &events, |b, evs| {
            b.iter(|| {
                evs.iter()
                    .map(|e| value_round_trip(black_box(e)).len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

/// The same variant types as `ResponseStreamEvent`, parsed the way serde's `untagged` does it:
/// buffer, then try each variant in order.
macro_rules! untagged_event {
    ($($ty:ident),* $(,)?) => {
        #[derive(Debug, Deserialize, Serialize)]
        #[serde(untagged)]
        #[allow(clippy::large_enum_variant, dead_code)]
        enum UntaggedEvent { $($ty(o::$ty),)* Unknown(Value) }
    };
}

untagged_event!(
    ResponseAudioDeltaEvent,
    ResponseAudioDoneEvent,
    ResponseAudioTranscriptDeltaEvent,
    ResponseAudioTranscriptDoneEvent,
    ResponseCodeInterpreterCallCodeDeltaEvent,
    ResponseCodeInterpreterCallCodeDoneEvent,
    ResponseCodeInterpreterCallCompletedEvent,
    ResponseCodeInterpreterCallInProgressEvent,
    ResponseCodeInterpreterCallInterpretingEvent,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseErrorEvent,
    ResponseFileSearchCallCompletedEvent,
    ResponseFileSearchCallInProgressEvent,
    ResponseFileSearchCallSearchingEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseShellCallCommandAddedStreamingEvent,
    ResponseShellCallCommandDeltaStreamingEvent,
    ResponseShellCallCommandDoneStreamingEvent,
    ResponseShellCallOutputContentDeltaStreamingEvent,
    ResponseShellCallOutputContentDoneStreamingEvent,
    ResponseInProgressEvent,
    ResponseFailedEvent,
    ResponseIncompleteEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseReasoningSummaryPartAddedEvent,
    ResponseReasoningSummaryPartDoneEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
    ResponseReasoningTextDeltaEvent,
    ResponseReasoningTextDoneEvent,
    ResponseRefusalDeltaEvent,
    ResponseRefusalDoneEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseWebSearchCallCompletedEvent,
    ResponseWebSearchCallInProgressEvent,
    ResponseWebSearchCallSearchingEvent,
    ResponseImageGenCallCompletedEvent,
    ResponseImageGenCallGeneratingEvent,
    ResponseImageGenCallInProgressEvent,
    ResponseImageGenCallPartialImageEvent,
    ResponseMCPCallArgumentsDeltaEvent,
    ResponseMCPCallArgumentsDoneEvent,
    ResponseMCPCallCompletedEvent,
    ResponseMCPCallFailedEvent,
    ResponseMCPCallInProgressEvent,
    ResponseMCPListToolsCompletedEvent,
    ResponseMCPListToolsFailedEvent,
    ResponseMCPListToolsInProgressEvent,
    ResponseOutputTextAnnotationAddedEvent,
    ResponseQueuedEvent,
    ResponseCustomToolCallInputDeltaEvent,
    ResponseCustomToolCallInputDoneEvent,
);

fn bench_dispatch(c: &mut Criterion, dir: &Path) {
    let events = stream_payloads(&exchange(
        dir,
        "openai/responses/0179-test-openai-responses-thinking-part-iter-0.json",
    ));
    // Both strategies must agree, or the comparison means nothing.
    for e in &events {
        let tagged: o::ResponseStreamEvent = serde_json::from_str(e).expect("tagged");
        let untagged: UntaggedEvent = serde_json::from_str(e).expect("untagged");
        assert!(
            !matches!(tagged, o::ResponseStreamEvent::Unknown(_)),
            "unknown event in the bench stream"
        );
        assert_eq!(
            serde_json::to_value(&tagged).expect("ser"),
            serde_json::to_value(&untagged).expect("ser")
        );
    }
    let mut group = c.benchmark_group("dispatch_responses_stream_event");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("tag_dispatch", |b| {
        b.iter(|| {
            for e in &events {
                black_box(
                    serde_json::from_str::<o::ResponseStreamEvent>(black_box(e)).expect("tagged"),
                );
            }
        })
    });
    group.bench_function("untagged", |b| {
        b.iter(|| {
            for e in &events {
                black_box(serde_json::from_str::<UntaggedEvent>(black_box(e)).expect("untagged"));
            }
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let Some(dir) = corpus() else {
        eprintln!("SKIPPED wire_roundtrip benches: no corpus (set AIGW_CORPUS)");
        return;
    };
    bench_bodies(c, &dir);
    bench_dispatch(c, &dir);
}

criterion_group! {
    name = wire;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(wire);
