//! The incremental decoder (WHATWG HTML § 9.2.6 "Interpreting an event stream").

use memchr::memchr2;

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field, if the event had one (the standard's default type is `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The `id:` field of this event's block, if it had one (ignored when it contains NUL).
    pub id: Option<String>,
    /// The last event ID in effect when this event was dispatched.
    pub last_event_id: String,
    /// The `retry:` field of this event's block, if it had a valid one (milliseconds).
    pub retry: Option<u64>,
}

/// What the decoder yields, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Event(Event),
    /// A comment line (`:` and what follows, without the colon), e.g. a keep-alive.
    Comment(String),
}

/// Bounds on what one peer can make the decoder hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, in bytes, without its line end.
    pub max_line: usize,
    /// Largest event (data + event name + id), in bytes.
    pub max_event: usize,
}

impl Default for Limits {
    /// 1 MiB lines, 16 MiB events: far above any recorded provider event (the largest in the
    /// corpus is a Responses `response.completed` with an inline image, ~240 KB).
    fn default() -> Self {
        Limits {
            max_line: 1 << 20,
            max_event: 16 << 20,
        }
    }
}

/// Why decoding stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("SSE line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("SSE event larger than {limit} bytes")]
    EventTooLarge { limit: usize },
    /// The stream ended inside an event (no blank line after it). The standard discards such
    /// data; it is reported here with what was received so far, so nothing is lost silently.
    #[error("stream ended inside an unterminated event ({} bytes of data)", partial.data.len())]
    Unterminated { partial: Event },
}

/// The decoder state. Feed it bytes in any chunking; it returns whole frames.
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    line: Vec<u8>,
    /// The previous chunk ended in CR: an LF at the start of the next one belongs to it.
    after_cr: bool,
    /// Bytes of a possible BOM still to check at the start of the stream.
    bom_checked: usize,
    at_start: bool,
    event_type: Option<String>,
    data: String,
    has_data: bool,
    id: Option<String>,
    retry: Option<u64>,
    last_event_id: String,
    /// The current block has seen any field (for reporting unterminated events).
    in_event: bool,
    failed: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Decoder {
    pub fn new(limits: Limits) -> Self {
        Decoder {
            limits,
            line: Vec::new(),
            after_cr: false,
            bom_checked: 0,
            at_start: true,
            event_type: None,
            data: String::new(),
            has_data: false,
            id: None,
            retry: None,
            last_event_id: String::new(),
            in_event: false,
            failed: false,
        }
    }

    /// Decodes `chunk`, appending complete frames to `out`. After an error the decoder stays
    /// failed (its input position is no longer meaningful).
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<Frame>) -> Result<(), SseError> {
        if self.failed {
            return Ok(());
        }
        if self.at_start {
            // A leading U+FEFF is not part of the stream, and may arrive split across chunks.
            while self.bom_checked < BOM.len() {
                let Some((&byte, rest)) = chunk.split_first() else {
                    return Ok(());
                };
                if byte != BOM[self.bom_checked] {
                    // Not a BOM: replay what matched so far as ordinary bytes.
                    let matched = self.bom_checked;
                    self.bom_checked = BOM.len();
                    self.at_start = false;
                    if matched > 0 {
                        self.feed_lines(&BOM[..matched], out)?;
                    }
                    break;
                }
                self.bom_checked += 1;
                chunk = rest;
            }
            self.at_start = false;
        }
        self.feed_lines(chunk, out)
    }

    fn feed_lines(&mut self, mut chunk: &[u8], out: &mut Vec<Frame>) -> Result<(), SseError> {
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while let Some(end) = memchr2(b'\n', b'\r', chunk) {
            let complete = if self.line.is_empty() {
                self.check_line(end)?;
                self.process_line(&chunk[..end], out)
            } else {
                self.check_line(self.line.len() + end)?;
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&chunk[..end]);
                let result = self.process_line(&line, out);
                line.clear();
                self.line = line;
                result
            };
            complete?;
            if chunk[end] == b'\r' {
                match chunk.get(end + 1) {
                    Some(b'\n') => chunk = &chunk[end + 2..],
                    Some(_) => chunk = &chunk[end + 1..],
                    None => {
                        self.after_cr = true;
                        chunk = &[];
                    }
                }
            } else {
                chunk = &chunk[end + 1..];
            }
        }
        self.check_line(self.line.len() + chunk.len())?;
        self.line.extend_from_slice(chunk);
        Ok(())
    }

    fn check_line(&mut self, len: usize) -> Result<(), SseError> {
        if len > self.limits.max_line {
            self.failed = true;
            return Err(SseError::LineTooLong {
                limit: self.limits.max_line,
            });
        }
        Ok(())
    }

    fn process_line(&mut self, raw: &[u8], out: &mut Vec<Frame>) -> Result<(), SseError> {
        if raw.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        // The stream is UTF-8; invalid sequences decode to U+FFFD, as the standard says.
        // Lines end at ASCII CR/LF, so a complete line never splits a character.
        // simdutf8 validates with SIMD; `from_utf8_lossy` goes byte by byte (it was half of
        // the decoder's time), so it only runs on invalid input.
        let line = match simdutf8::basic::from_utf8(raw) {
            Ok(line) => std::borrow::Cow::Borrowed(line),
            Err(_) => String::from_utf8_lossy(raw),
        };
        if let Some(comment) = line.strip_prefix(':') {
            out.push(Frame::Comment(comment.to_owned()));
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line.as_bytes()) {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (&*line, ""),
        };
        match field {
            "event" => {
                self.event_type = Some(value.to_owned());
                self.in_event = true;
            }
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
                self.in_event = true;
            }
            "id" => {
                if !value.contains('\0') {
                    self.id = Some(value.to_owned());
                    self.last_event_id = value.to_owned();
                }
                self.in_event = true;
            }
            "retry" => {
                if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    self.retry = value.parse().ok();
                }
                self.in_event = true;
            }
            // Other fields are ignored, as the standard says.
            _ => {}
        }
        let size = self.data.len()
            + self.event_type.as_ref().map_or(0, String::len)
            + self.id.as_ref().map_or(0, String::len);
        if size > self.limits.max_event {
            self.failed = true;
            return Err(SseError::EventTooLarge {
                limit: self.limits.max_event,
            });
        }
        Ok(())
    }

    /// A blank line: dispatch the event if it has data; reset the block either way.
    fn dispatch(&mut self, out: &mut Vec<Frame>) {
        let event = self.event_type.take();
        let id = self.id.take();
        let retry = self.retry.take();
        self.in_event = false;
        if !self.has_data {
            // "If the data buffer is an empty string, set the event type buffer to the empty
            // string and return": no event. A `retry`/`id`-only block still updated state.
            self.data.clear();
            return;
        }
        self.has_data = false;
        out.push(Frame::Event(Event {
            event,
            data: std::mem::take(&mut self.data),
            id,
            last_event_id: self.last_event_id.clone(),
            retry,
        }));
    }

    /// Whether everything fed so far was whole frames: no partial line, no event being built.
    /// A proxy forwarding the bytes it decodes can cut the stream here without splitting an
    /// event.
    pub fn at_boundary(&self) -> bool {
        self.line.is_empty() && !self.in_event && !self.has_data
    }

    /// Ends the stream. A last line without its line end is processed (a comment is complete
    /// in itself); an event still being built is reported as [`SseError::Unterminated`], not
    /// dropped.
    pub fn finish(&mut self, out: &mut Vec<Frame>) -> Result<(), SseError> {
        if self.failed {
            return Ok(());
        }
        self.after_cr = false;
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.process_line(&line, out)?;
        }
        if self.in_event || self.has_data {
            let partial = Event {
                event: self.event_type.take(),
                data: std::mem::take(&mut self.data),
                id: self.id.take(),
                last_event_id: self.last_event_id.clone(),
                retry: self.retry.take(),
            };
            self.in_event = false;
            self.has_data = false;
            return Err(SseError::Unterminated { partial });
        }
        Ok(())
    }

    /// Decodes a complete stream at once (frames, or the first error).
    pub fn decode_all(bytes: &[u8], limits: Limits) -> Result<Vec<Frame>, SseError> {
        let mut decoder = Decoder::new(limits);
        let mut frames = Vec::new();
        decoder.feed(bytes, &mut frames)?;
        decoder.finish(&mut frames)?;
        Ok(frames)
    }
}
