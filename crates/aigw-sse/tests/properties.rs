//! Properties over the recorded corpus and over arbitrary bytes:
//! - every recorded stream decodes to the same frames however it is chunked (every byte a
//!   chunk, and random chunkings);
//! - re-encoding decoded frames and decoding again gives the same frames;
//! - arbitrary bytes in arbitrary chunks never panic and decode the same way however chunked.
//!
//! The "fuzz target" is the last property: a proptest over arbitrary bytes rather than
//! cargo-fuzz, which needs a nightly toolchain this project's CI does not have.

use aigw_sse::{Decoder, Frame, Limits, SseError, encode};
use proptest::prelude::*;

mod common {
    pub mod corpus;
}

/// `(file name, stream bytes)` of every recorded stream.
type Streams = Vec<(String, Vec<u8>)>;

/// The corpus streams, read once per test binary.
fn corpus_streams() -> Option<&'static [(String, Vec<u8>)]> {
    static STREAMS: std::sync::OnceLock<Option<Streams>> = std::sync::OnceLock::new();
    STREAMS.get_or_init(read_corpus_streams).as_deref()
}

fn read_corpus_streams() -> Option<Streams> {
    common::corpus::recorded_streams("corpus properties")
}

/// Decodes `bytes` cut at `cuts` (sorted positions), collecting frames and the first error.
fn decode_chunked(bytes: &[u8], cuts: &[usize], limits: Limits) -> (Vec<Frame>, Option<SseError>) {
    let mut decoder = Decoder::new(limits);
    let mut frames = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.clamp(start, bytes.len());
        if let Err(e) = decoder.feed(&bytes[start..cut], &mut frames) {
            return (frames, Some(e));
        }
        start = cut;
    }
    let error = decoder.finish(&mut frames).err();
    (frames, error)
}

#[test]
fn every_recorded_stream_decodes_the_same_byte_by_byte_and_re_encodes() {
    let Some(streams) = corpus_streams() else {
        return;
    };
    assert!(!streams.is_empty(), "the corpus has no SSE streams");
    let mut events = 0;
    for (name, bytes) in streams {
        let whole =
            Decoder::decode_all(bytes, Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let every_byte: Vec<usize> = (1..bytes.len()).collect();
        let (chunked, error) = decode_chunked(bytes, &every_byte, Limits::default());
        assert_eq!(error, None, "{name}");
        assert_eq!(chunked, whole, "{name}: byte-by-byte decoding differs");
        let again =
            Decoder::decode_all(encode(&whole).as_bytes(), Limits::default()).expect("re-encoded");
        assert_eq!(again, whole, "{name}: decode(encode(frames)) differs");
        events += whole
            .iter()
            .filter(|f| matches!(f, Frame::Event(_)))
            .count();
    }
    println!(
        "{} recorded streams, {events} events: identical byte by byte and after re-encoding",
        streams.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn recorded_streams_decode_the_same_in_random_chunks(seed in any::<u64>(), cuts in proptest::collection::vec(any::<usize>(), 0..64)) {
        let Some(streams) = corpus_streams() else { return Ok(()) };
        let (name, bytes) = &streams[(seed % streams.len() as u64) as usize];
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let whole = Decoder::decode_all(bytes, Limits::default()).expect("valid");
        let (chunked, error) = decode_chunked(bytes, &cuts, Limits::default());
        prop_assert_eq!(error, None, "{}", name);
        prop_assert_eq!(chunked, whole, "{}", name);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_chunking_does_not_matter(
        bytes in proptest::collection::vec(prop_oneof![
            4 => any::<u8>(),
            2 => Just(b'\n'), 2 => Just(b'\r'), 2 => Just(b':'), 1 => Just(b' '),
            1 => Just(0xEF), 1 => Just(0xBB), 1 => Just(0xBF),
        ], 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..32),
        small in any::<bool>(),
    ) {
        let limits = if small { Limits { max_line: 16, max_event: 24 } } else { Limits::default() };
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let (whole, whole_error) = decode_chunked(&bytes, &[], limits);
        let (chunked, chunked_error) = decode_chunked(&bytes, &cuts, limits);
        prop_assert_eq!(&chunked, &whole);
        prop_assert_eq!(chunked_error, whole_error);
        // What decodes without error re-encodes to the same frames.
        if let (frames, None) = (whole, decode_chunked(&bytes, &[], limits).1) {
            let again = Decoder::decode_all(encode(&frames).as_bytes(), Limits::default()).expect("re-encoded");
            prop_assert_eq!(again, frames);
        }
    }
}
