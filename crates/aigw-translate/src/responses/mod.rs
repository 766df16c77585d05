//! OpenAI Responses ↔ Chat Completions, and Responses ↔ Anthropic / Gemini composed through Chat.
