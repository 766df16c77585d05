//! Chat Completions request ↔ generateContent request: [`from_chat`] makes a Gemini request
//! of a Chat one, [`from_gemini`] a Chat request of a Gemini one.

mod from_chat;
mod from_gemini;

pub use from_chat::chat_to_gemini;
pub(super) use from_chat::{assistant_parts, call_part};
pub use from_gemini::gemini_to_chat;

/// The media type of an image URL, from its file extension.
fn image_type(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let (_, ext) = path.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "png" => Some("image/png"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        "heic" => Some("image/heic"),
        "heif" => Some("image/heif"),
        _ => None,
    }
}
