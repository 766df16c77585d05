//! Cross-protocol translation between OpenAI Chat Completions, OpenAI Responses, Anthropic
//! Messages and Gemini generateContent: requests (client → upstream), responses and error
//! bodies (upstream → client), and streams (stateful, emitting the client protocol's exact
//! event sequence). Pure: no I/O.
//!
//! Every translation returns a [`Translated`] value with a [`LossReport`]: each source field
//! that was dropped, approximated or defaulted, by JSON pointer, with the reason. Fields a
//! translation does not know — a vendor's extension, a parameter newer than this code — are
//! reported as dropped, never lost silently; [`Options::strict`] turns any loss into an error.
//! Opaque reasoning (thinking signatures, encrypted reasoning) is tagged with the provider it
//! came from and only ever sent back to it ([`reasoning`]).

pub mod anthropic_gemini;
pub mod chat_anthropic;
pub mod chat_gemini;
mod convert;
mod ctx;
pub mod errors;
mod loss;
pub mod reasoning;
pub mod responses;
mod stream;

pub use loss::{Loss, LossKind, LossReport, Options, TranslateError, Translated};
pub use stream::StreamTranslator;
