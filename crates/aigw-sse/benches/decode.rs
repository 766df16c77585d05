//! Decoder throughput on a large realistic stream (every recorded SSE stream of the corpus,
//! concatenated and repeated to ~8 MB) against a plain `memchr` line split of the same bytes,
//! in 16 KiB chunks as a socket delivers them.

use aigw_sse::{Decoder, Frame, Limits};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn corpus_streams() -> Option<Vec<u8>> {
    let dir = std::env::var_os("AIGW_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dev")
        });
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut all = Vec::new();
    for file in files {
        let exchange: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
        if let Some(sse) = exchange["sse"].as_str() {
            all.extend_from_slice(sse.as_bytes());
        }
    }
    let one = all.clone();
    while all.len() < 8 << 20 {
        all.extend_from_slice(&one);
    }
    Some(all)
}

fn benches(c: &mut Criterion) {
    let Some(stream) = corpus_streams() else {
        eprintln!("SKIPPED decode benches: no corpus (set AIGW_CORPUS)");
        return;
    };
    let mut group = c.benchmark_group("sse_decode");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("aigw_sse_decoder", |b| {
        b.iter(|| {
            let mut decoder = Decoder::new(Limits::default());
            let mut frames: Vec<Frame> = Vec::new();
            let mut events = 0usize;
            for chunk in stream.chunks(16 * 1024) {
                decoder
                    .feed(black_box(chunk), &mut frames)
                    .expect("valid stream");
                events += frames.len();
                frames.clear();
            }
            decoder.finish(&mut frames).expect("terminated");
            events
        })
    });
    group.bench_function("memchr_line_split", |b| {
        b.iter(|| {
            // The floor: find every line end and look at each line, nothing else.
            let bytes = black_box(&stream[..]);
            let mut start = 0;
            let mut total = 0usize;
            for end in memchr::memchr_iter(b'\n', bytes) {
                total += bytes[start..end].len();
                start = end + 1;
            }
            total
        })
    });
    group.finish();
}

criterion_group! {
    name = decode;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(decode);
