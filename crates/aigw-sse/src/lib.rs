//! Server-sent events, exactly as the WHATWG HTML standard parses them, incrementally and with
//! bounded memory; and the encoder that writes them back.
//!
//! ```
//! use aigw_sse::{Decoder, Frame, Limits};
//!
//! let mut decoder = Decoder::new(Limits::default());
//! let mut frames = Vec::new();
//! // Any chunking: here a CRLF and a UTF-8 character are split across chunks.
//! for chunk in [&b"event: delta\r"[..], b"\ndata: caf\xc3", b"\xa9\r\n\r\n: keep-alive\n"] {
//!     decoder.feed(chunk, &mut frames).unwrap();
//! }
//! decoder.finish(&mut frames).unwrap();
//! let Frame::Event(event) = &frames[0] else { panic!() };
//! assert_eq!(event.event.as_deref(), Some("delta"));
//! assert_eq!(event.data, "café");
//! assert_eq!(frames[1], Frame::Comment(" keep-alive".into()));
//! assert_eq!(aigw_sse::encode(&frames), "event: delta\ndata: café\n\n: keep-alive\n");
//! ```
//!
//! Written by hand rather than with `eventsource-stream` (0.2): that crate has no line or event
//! size limit (a peer that never sends a newline grows its buffer without bound), drops
//! comments (the gateway must forward keep-alives), and silently discards an unterminated last
//! event; this decoder does all three as the issue and the standard require.

mod decoder;
mod encoder;
mod stream;

pub use decoder::{Decoder, Event, Frame, Limits, SseError};
pub use encoder::{encode, encode_comment, encode_event};
pub use stream::{SseStream, SseStreamError};
