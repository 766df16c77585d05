//! Messages request ↔ generateContent request: [`from_messages`] makes a Gemini request of a
//! Messages one, [`from_gemini`] a Messages request of a Gemini one.

mod from_gemini;
mod from_messages;

pub use from_gemini::gemini_to_messages;
pub use from_messages::messages_to_gemini;
