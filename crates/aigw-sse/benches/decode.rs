//! Decoder throughput on a large realistic stream (every recorded SSE stream of the corpus,
//! concatenated and repeated to ~8 MB) against a plain `memchr` line split of the same bytes,
//! in 16 KiB chunks as a socket delivers them.

use aigw_sse::{Decoder, Frame, Limits};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

#[path = "../tests/common/corpus.rs"]
mod corpus;

/// Every recorded stream, concatenated and repeated to ~8 MB.
fn corpus_streams() -> Option<Vec<u8>> {
    let streams = corpus::recorded_streams("decode benches")?;
    let one: Vec<u8> = streams.into_iter().flat_map(|(_, bytes)| bytes).collect();
    let mut all = one.clone();
    while !one.is_empty() && all.len() < 8 << 20 {
        all.extend_from_slice(&one);
    }
    Some(all)
}

fn benches(c: &mut Criterion) {
    let Some(stream) = corpus_streams() else {
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
    group.bench_function("memchr2_split_utf8_validate", |b| {
        b.iter(|| {
            // The work the standard itself requires of any decoder: CR and LF both end lines,
            // and every line is UTF-8 decoded. No fields, no events, no allocation.
            let bytes = black_box(&stream[..]);
            let mut start = 0;
            let mut valid = 0usize;
            for end in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                valid += usize::from(simdutf8::basic::from_utf8(&bytes[start..end]).is_ok());
                start = end + 1;
            }
            valid
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
