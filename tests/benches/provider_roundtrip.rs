//! Typed parse + serialize vs `serde_json::Value` on real recorded bodies of the Anthropic and
//! Gemini types: a Messages response with thinking, server tool use and citations, a whole
//! Anthropic stream (thinking + signature deltas), and a Gemini generateContent response.
//! Reads `AIGW_CORPUS` (default `../shared/corpus/dev`); without it, prints a notice.

use aigw_anthropic as a;
use aigw_gemini as g;
use aigw_workspace_tests::corpus_dir;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn exchange(dir: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn typed<T: DeserializeOwned + Serialize>(text: &str) -> usize {
    let typed: T = serde_json::from_str(text).expect("typed parse");
    serde_json::to_string(&typed)
        .expect("typed serialize")
        .len()
}

fn value(text: &str) -> usize {
    let value: Value = serde_json::from_str(text).expect("value parse");
    serde_json::to_string(&value)
        .expect("value serialize")
        .len()
}

/// `(bench name, corpus file, typed round-trip)`.
type Case = (&'static str, &'static str, fn(&str) -> usize);

fn benches(c: &mut Criterion) {
    let dir = corpus_dir();
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED provider_roundtrip benches: no corpus at {} (set AIGW_CORPUS)",
            dir.display()
        );
        return;
    }
    let mut group = c.benchmark_group("roundtrip");
    let bodies: [Case; 2] = [
        (
            "anthropic_message",
            "anthropic/messages/0293-test-thinking-with-native-tool-wire-contract-anthropic-0.json",
            typed::<a::Message>,
        ),
        (
            "gemini_response",
            "gemini/generateContent/0179-test-multimodal-tool-return-matrix-tool-return-content-url-f-1.json",
            typed::<g::GenerateContentResponse>,
        ),
    ];
    for (name, file, typed) in bodies {
        let text = exchange(&dir, file)["response"].to_string();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("typed", name), &text, |b, t| {
            b.iter(|| typed(black_box(t)))
        });
        group.bench_with_input(BenchmarkId::new("value", name), &text, |b, t| {
            b.iter(|| value(black_box(t)))
        });
    }
    let stream = exchange(
        &dir,
        "anthropic/messages/0132-test-anthropic-model-thinking-part-stream-0.json",
    );
    let sse = stream["sse"].as_str().unwrap_or_default();
    let frames = aigw_sse::Decoder::decode_all(sse.as_bytes(), aigw_sse::Limits::default())
        .expect("recorded stream");
    let events: Vec<String> = frames
        .into_iter()
        .filter_map(|frame| match frame {
            aigw_sse::Frame::Event(event) => Some(event.data),
            aigw_sse::Frame::Comment(_) => None,
        })
        .collect();
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("typed", "anthropic_stream"),
        &events,
        |b, evs| {
            b.iter(|| {
                evs.iter()
                    .map(|e| typed::<a::MessageStreamEvent>(black_box(e)))
                    .sum::<usize>()
            })
        },
    );
    group.bench_with_input(
        BenchmarkId::new("value", "anthropic_stream"),
        &events,
        |b, evs| b.iter(|| evs.iter().map(|e| value(black_box(e))).sum::<usize>()),
    );
    group.finish();
}

criterion_group! {
    name = providers;
    config = Criterion::default().sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(providers);
