//! Short reads on the main response (also each stream chunk), written by hand beside the
//! generated types: `text()`, `tool_calls()`, `usage()`; and `Content::user` / `Content::model`
//! to build turns. They only borrow or fill fields; the values keep every field as received.

#![cfg(feature = "generate")]

use crate::{Content, FunctionCall, GenerateContentResponse, Part, UsageMetadata};

impl GenerateContentResponse {
    fn first_parts(&self) -> impl Iterator<Item = &Part> {
        self.candidates
            .get()
            .and_then(|candidates| candidates.first())
            .and_then(|candidate| candidate.content.get())
            .and_then(|content| content.parts.get())
            .into_iter()
            .flatten()
    }

    /// The text of the first candidate's parts, joined (thought summaries left out). On a
    /// stream chunk: the text the chunk adds.
    pub fn text(&self) -> String {
        self.first_parts()
            .filter(|part| part.thought.get() != Some(&true))
            .filter_map(|part| part.text.as_str())
            .collect()
    }

    /// The first candidate's function calls (`name`, `args`).
    pub fn tool_calls(&self) -> impl Iterator<Item = &FunctionCall> {
        self.first_parts()
            .filter_map(|part| part.function_call.get())
    }

    /// The token counts.
    pub fn usage(&self) -> Option<&UsageMetadata> {
        self.usage_metadata.get()
    }
}

impl Content {
    /// A `user` turn of text.
    pub fn user(text: impl Into<String>) -> Self {
        Content::default()
            .with_role("user")
            .with_parts([Part::default().with_text(text)])
    }

    /// A `model` turn of text.
    pub fn model(text: impl Into<String>) -> Self {
        Content::default()
            .with_role("model")
            .with_parts([Part::default().with_text(text)])
    }
}
