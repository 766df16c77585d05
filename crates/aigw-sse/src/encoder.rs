//! Writing frames back out as an event stream.

use crate::decoder::{Event, Frame};

/// Splits text into lines at CRLF, CR or LF (a bare CR would end a line on the wire).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            Some(i) => {
                let skip = if text[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&text[i + skip..]);
                Some(&text[..i])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// A field value cannot contain a line end: it is cut at the first one.
fn single_line(value: &str) -> &str {
    lines(value).next().unwrap_or("")
}

/// Appends one event: `event:`, `id:`, `retry:`, one `data:` line per line of data, and the
/// blank line that dispatches it. Decoding the output gives the same [`Event`].
pub fn encode_event(event: &Event, out: &mut String) {
    if let Some(name) = &event.event {
        out.push_str("event: ");
        out.push_str(single_line(name));
        out.push('\n');
    }
    if let Some(id) = &event.id {
        out.push_str("id: ");
        out.push_str(single_line(id));
        out.push('\n');
    }
    if let Some(retry) = event.retry {
        out.push_str("retry: ");
        out.push_str(&retry.to_string());
        out.push('\n');
    }
    for line in lines(&event.data) {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
}

/// Appends a comment (a keep-alive, say): `:` and the text, one comment line per line.
pub fn encode_comment(text: &str, out: &mut String) {
    for line in lines(text) {
        out.push(':');
        out.push_str(line);
        out.push('\n');
    }
}

/// Encodes frames as an event stream.
pub fn encode(frames: &[Frame]) -> String {
    let mut out = String::new();
    for frame in frames {
        match frame {
            Frame::Event(event) => encode_event(event, &mut out),
            Frame::Comment(text) => encode_comment(text, &mut out),
        }
    }
    out
}
