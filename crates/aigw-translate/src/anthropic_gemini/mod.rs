//! Anthropic Messages ↔ Gemini generateContent: requests, responses and streams.
//!
//! Conventions of this pair (each also stated where it applies):
//! - A Gemini request carries its model in the URL (`models/{model}:generateContent`), so
//!   [`gemini_to_messages`] takes it as a parameter, and [`messages_to_gemini`] leaves the
//!   Anthropic `model` (and `stream`, which picks the endpoint) to the caller.
//! - Tool call ids travel both ways (`functionCall.id` / `functionResponse.id`). When Gemini
//!   sent none, ids are made up deterministically: `toolu_<content>_<part>` in a request
//!   (a `functionResponse` without id answers the earliest unanswered call of that name), and
//!   `toolu_<responseId>_<n>` in a response or stream (`n` counts the function calls).
//! - Opaque reasoning never crosses: Anthropic thinking signatures are dropped toward Gemini,
//!   Gemini `thoughtSignature`s toward Anthropic, both reported. Thought *text* is carried
//!   (a Gemini `thought: true` part ↔ an Anthropic thinking block with an empty signature).

mod common;
mod request;
mod response;
mod stream;

pub use request::{gemini_to_messages, messages_to_gemini};
pub use response::{gemini_response_to_message, message_to_gemini_response};
pub use stream::{GeminiToMessagesStream, MessagesToGeminiStream};
