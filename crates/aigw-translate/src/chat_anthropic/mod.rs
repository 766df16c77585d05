//! OpenAI Chat Completions ↔ Anthropic Messages: requests, responses and streams.

mod request;
mod response;
mod stream;

pub use request::{chat_to_messages, messages_to_chat};
pub use response::{chat_response_to_message, message_to_chat_response};
pub use stream::{ChatToMessagesStream, MessagesToChatStream};
