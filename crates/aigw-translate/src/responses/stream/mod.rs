//! Stream translation: Chat Completions chunks ↔ Responses events ([`from_chat`]: Chat chunks
//! as Responses events; [`from_responses`]: Responses events as Chat chunks).
//!
//! Loss pointers are `/<n>/…`: `n` is the position of the upstream event in the stream.

mod from_chat;
mod from_responses;

pub use from_chat::ChatToResponsesStream;
pub use from_responses::ResponsesToChatStream;
