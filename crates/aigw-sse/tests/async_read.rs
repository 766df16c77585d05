//! Any `AsyncRead` decodes through `tokio_util::io::ReaderStream` + [`SseStream`], whatever
//! sizes the reads come in.

use aigw_sse::{Decoder, Frame, Limits, SseStream, SseStreamError};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

const STREAM: &[u8] = "\u{feff}event: a\r\ndata: caf\u{e9} \u{1f600}\r\rdata: x\ndata: y\n\n: ping\r\nid: 7\ndata: z\n\n".as_bytes();

#[tokio::test]
async fn an_async_reader_in_tiny_reads_gives_the_frames_of_the_whole_stream() {
    let expected = Decoder::decode_all(STREAM, Limits::default()).expect("valid");
    assert_eq!(expected.len(), 4, "{expected:?}");
    for pipe in [1, 2, 3, 5, 64] {
        // A pipe holding `pipe` bytes at a time, written byte by byte from another task.
        let (mut writer, reader) = tokio::io::duplex(pipe);
        let write = tokio::spawn(async move {
            for byte in STREAM {
                writer.write_all(&[*byte]).await.expect("write");
            }
        });
        let frames: Vec<Frame> =
            SseStream::new(ReaderStream::with_capacity(reader, pipe), Limits::default())
                .map(|f| f.expect("frame"))
                .collect()
                .await;
        write.await.expect("writer");
        assert_eq!(frames, expected, "pipe of {pipe} bytes");
    }
}

#[tokio::test]
async fn a_reader_closed_inside_an_event_reports_it() {
    let (mut writer, reader) = tokio::io::duplex(64);
    writer.write_all(b"data: partial").await.expect("write");
    drop(writer);
    let got: Vec<_> = SseStream::new(ReaderStream::new(reader), Limits::default())
        .collect()
        .await;
    assert!(
        matches!(&got[..], [Err(SseStreamError::Sse(aigw_sse::SseError::Unterminated { partial }))] if partial.data == "partial"),
        "{got:?}"
    );
}
