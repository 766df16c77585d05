//! OpenAI Chat Completions ↔ Gemini generateContent.
