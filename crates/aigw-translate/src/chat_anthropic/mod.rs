//! OpenAI Chat Completions ↔ Anthropic Messages.

mod request;

pub use request::{chat_to_messages, messages_to_chat};
