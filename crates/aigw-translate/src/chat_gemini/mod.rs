//! OpenAI Chat Completions ↔ Gemini generateContent.

mod request;
mod response;
mod stream;

pub use request::{chat_to_gemini, gemini_to_chat};
pub use response::{chat_response_to_gemini, gemini_response_to_chat};
pub use stream::{ChatToGeminiStream, GeminiToChatStream};
