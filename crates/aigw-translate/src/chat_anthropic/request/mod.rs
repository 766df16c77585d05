//! Chat Completions request ↔ Messages request: [`from_chat`] makes a Messages request of a
//! Chat one, [`from_messages`] a Chat request of a Messages one.

mod from_chat;
mod from_messages;

pub use from_chat::chat_to_messages;
pub(super) use from_chat::tool_call_to_use;
pub use from_messages::messages_to_chat;
pub(super) use from_messages::tool_use_to_call;
