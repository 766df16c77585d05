//! Short reads on the main response and stream events, written by hand beside the generated
//! types: `text()`, `tool_calls()`, `usage()`. They only borrow; the values keep every field as
//! received.

#![cfg(feature = "messages")]

use crate::{
    ContentBlock, ContentBlockDeltaEventDelta, InputMessage, InputMessageRole, Message,
    MessageDeltaUsage, MessageStreamEvent, ResponseToolUseBlock, Usage,
};

impl Message {
    /// The text of every `text` content block, joined.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for block in self.content.get().into_iter().flatten() {
            if let ContentBlock::Text(block) = block {
                text.push_str(block.text.as_str().unwrap_or_default());
            }
        }
        text
    }

    /// The `tool_use` content blocks (`name`, `id`, `input`).
    pub fn tool_calls(&self) -> impl Iterator<Item = &ResponseToolUseBlock> {
        self.content
            .get()
            .into_iter()
            .flatten()
            .filter_map(|block| match block {
                ContentBlock::ToolUse(block) => Some(&**block),
                _ => None,
            })
    }

    /// The token counts.
    pub fn usage(&self) -> Option<&Usage> {
        self.usage.get()
    }
}

impl MessageStreamEvent {
    /// The text a `content_block_delta` with a `text_delta` adds; `None` for other events.
    pub fn text(&self) -> Option<&str> {
        match self {
            MessageStreamEvent::ContentBlockDelta(event) => match event.delta.get()? {
                ContentBlockDeltaEventDelta::TextDelta(delta) => delta.text.as_str(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The cumulative token counts a `message_delta` carries (the output tokens so far).
    pub fn usage(&self) -> Option<&MessageDeltaUsage> {
        match self {
            MessageStreamEvent::MessageDelta(event) => event.usage.get(),
            _ => None,
        }
    }
}

impl InputMessage {
    /// A `user` turn of text.
    pub fn user(text: impl Into<String>) -> Self {
        InputMessage::new(text.into(), InputMessageRole::User)
    }

    /// An `assistant` turn of text.
    pub fn assistant(text: impl Into<String>) -> Self {
        InputMessage::new(text.into(), InputMessageRole::Assistant)
    }
}
