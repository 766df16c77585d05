//! Anthropic Messages ↔ Gemini generateContent.
