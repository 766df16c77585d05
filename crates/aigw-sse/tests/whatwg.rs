//! The parsing rules of WHATWG HTML § 9.2.6, one test each.

use aigw_sse::{Decoder, Event, Frame, Limits, SseError, encode};

fn decode(bytes: &[u8]) -> Vec<Frame> {
    Decoder::decode_all(bytes, Limits::default()).expect("valid stream")
}

fn event(data: &str) -> Frame {
    Frame::Event(Event {
        data: data.into(),
        ..Event::default()
    })
}

fn events(bytes: &[u8]) -> Vec<Event> {
    decode(bytes)
        .into_iter()
        .filter_map(|f| match f {
            Frame::Event(e) => Some(e),
            Frame::Comment(_) => None,
        })
        .collect()
}

#[test]
fn lf_cr_and_crlf_line_ends_also_mixed() {
    let expected = vec![event("a"), event("b"), event("c")];
    assert_eq!(decode(b"data: a\n\ndata: b\r\rdata: c\r\n\r\n"), expected);
    assert_eq!(decode(b"data: a\r\n\ndata: b\n\r\ndata: c\r\r"), expected);
}

#[test]
fn cr_at_the_end_of_a_chunk_and_lf_at_the_start_of_the_next_are_one_line_end() {
    let mut decoder = Decoder::new(Limits::default());
    let mut frames = Vec::new();
    decoder.feed(b"data: a\r", &mut frames).expect("feed");
    decoder.feed(b"\n\r", &mut frames).expect("feed");
    decoder
        .feed(b"\ndata: b\r\n\r\n", &mut frames)
        .expect("feed");
    decoder.finish(&mut frames).expect("finish");
    // Had the LF been a second line end, `a` would have been dispatched with an empty event
    // in between; and `\r` + `\n` across chunks is one blank line, not two.
    assert_eq!(frames, vec![event("a"), event("b")]);
}

#[test]
fn a_leading_bom_is_skipped_once_even_split() {
    let mut decoder = Decoder::new(Limits::default());
    let mut frames = Vec::new();
    decoder.feed(b"\xEF", &mut frames).expect("feed");
    decoder
        .feed(b"\xBB\xBFdata: x\n\n", &mut frames)
        .expect("feed");
    assert_eq!(frames, vec![event("x")]);
    // A second BOM is content: the field name becomes "\u{feff}data", which is ignored.
    assert_eq!(decode(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"), vec![]);
    // Bytes that only start like a BOM are kept.
    assert_eq!(events(b"\xEFdata: x\n\ndata: y\n\n")[0].data, "y");
}

#[test]
fn comments_are_frames_and_do_not_end_events() {
    assert_eq!(
        decode(b": hi\ndata: a\n:\ndata: b\n\n"),
        vec![
            Frame::Comment(" hi".into()),
            Frame::Comment(String::new()),
            event("a\nb")
        ]
    );
}

#[test]
fn event_name_data_lines_and_one_leading_space() {
    let got = events(b"event: add\ndata:  two spaces\ndata:none\ndata\n\n");
    assert_eq!(got[0].event.as_deref(), Some("add"));
    // Only the first space after the colon is removed; a field with no colon has an empty
    // value; multi-line data joins with \n.
    assert_eq!(got[0].data, " two spaces\nnone\n");
}

#[test]
fn empty_data_dispatches_but_no_data_does_not() {
    assert_eq!(decode(b"data\n\n"), vec![event("")]);
    assert_eq!(decode(b"data:\n\n"), vec![event("")]);
    // No data field: nothing is dispatched and the event name does not leak into the next.
    let got = events(b"event: ignored\n\ndata: x\n\n");
    assert_eq!(
        got,
        vec![Event {
            data: "x".into(),
            ..Event::default()
        }]
    );
}

#[test]
fn id_sets_the_last_event_id_unless_it_contains_nul() {
    let got = events(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n");
    assert_eq!(got[0].id.as_deref(), Some("1"));
    assert_eq!(got[1].id, None);
    assert_eq!(got[1].last_event_id, "1");
    assert_eq!(got[2].last_event_id, "1", "an id with NUL is ignored");
    assert_eq!(got[3].last_event_id, "", "an empty id resets it");
}

#[test]
fn retry_takes_only_ascii_digits() {
    let got = events(b"retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\n");
    assert_eq!(got[0].retry, Some(1500));
    assert_eq!(got[1].retry, None);
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(decode(b"foo: bar\ndata: a\n\n"), vec![event("a")]);
}

#[test]
fn an_unterminated_last_event_is_reported_not_dropped() {
    let err = Decoder::decode_all(b"data: a\n\ndata: partial", Limits::default())
        .expect_err("unterminated");
    let SseError::Unterminated { partial } = err else {
        panic!("{err:?}")
    };
    assert_eq!(partial.data, "partial");
    // A last line that is a comment is complete without its line end.
    assert_eq!(
        decode(b"data: a\n\n: bye"),
        vec![event("a"), Frame::Comment(" bye".into())]
    );
}

#[test]
fn limits_bound_memory_with_typed_errors() {
    let limits = Limits {
        max_line: 8,
        max_event: 10,
    };
    let long_line = Decoder::decode_all(b"data: 0123456789\n\n", limits).expect_err("line");
    assert_eq!(long_line, SseError::LineTooLong { limit: 8 });
    // A line without an end grows no further than the limit, whatever the chunking.
    let mut decoder = Decoder::new(limits);
    let mut frames = Vec::new();
    assert!(decoder.feed(b"data: 01", &mut frames).is_ok());
    assert_eq!(
        decoder.feed(b"2", &mut frames),
        Err(SseError::LineTooLong { limit: 8 })
    );
    let big_event =
        Decoder::decode_all(b"data:12\ndata:34\ndata:56\ndata:78\n\n", limits).expect_err("event");
    assert_eq!(big_event, SseError::EventTooLarge { limit: 10 });
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    assert_eq!(decode(b"data: a\xFFb\n\n"), vec![event("a\u{FFFD}b")]);
}

#[test]
fn encoding_decoded_frames_gives_the_same_frames() {
    let input: &[u8] =
        b": ka\r\nevent: e\r\nid: 7\r\nretry: 10\r\ndata:  x\r\ndata: y\r\n\r\ndata\n\n";
    let frames = decode(input);
    assert_eq!(decode(encode(&frames).as_bytes()), frames);
    // Data with line ends of any kind is split into data lines, never into a blank line.
    let tricky = vec![event("a\r\nb\rc")];
    let Frame::Event(e) = &decode(encode(&tricky).as_bytes())[0] else {
        panic!("event")
    };
    assert_eq!(e.data, "a\nb\nc");
}

#[test]
fn the_stream_adapter_yields_frames_then_errors() {
    use futures::StreamExt;
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
        vec![Ok("data: a\n".into()), Ok("\ndata: b".into())];
    let stream = aigw_sse::SseStream::new(futures::stream::iter(chunks), Limits::default());
    let got: Vec<_> = futures::executor::block_on(stream.collect());
    assert!(matches!(&got[0], Ok(Frame::Event(e)) if e.data == "a"));
    assert!(matches!(
        &got[1],
        Err(aigw_sse::SseStreamError::Sse(SseError::Unterminated { .. }))
    ));
    assert_eq!(got.len(), 2);
    let failing: Vec<Result<bytes::Bytes, std::io::Error>> =
        vec![Err(std::io::Error::other("reset"))];
    let got: Vec<_> = futures::executor::block_on(
        aigw_sse::SseStream::new(futures::stream::iter(failing), Limits::default()).collect(),
    );
    assert!(matches!(
        &got[..],
        [Err(aigw_sse::SseStreamError::Transport(_))]
    ));
}
