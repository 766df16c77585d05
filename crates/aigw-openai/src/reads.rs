//! Short reads on the main responses and stream events, written by hand beside the generated
//! types: `text()`, `tool_calls()`, `usage()`. They only borrow; the values keep every field as
//! received.

#[cfg(feature = "chat")]
mod chat {
    use crate::stream::ChatStreamEvent;
    use crate::{
        ChatCompletionMessageToolCall, ChatCompletionMessageToolCallChunk,
        ChatCompletionMessageToolCallsItem, ChatCompletionResponseMessageContent,
        ChatCompletionStreamResponseDeltaContent, CompletionUsage, CreateChatCompletionResponse,
        CreateChatCompletionStreamResponse,
    };

    impl CreateChatCompletionResponse {
        /// The first choice's text (`choices[0].message.content` when it is a string).
        pub fn text(&self) -> Option<&str> {
            let message = self.choices.get()?.first()?.message.get()?;
            match message.content.get()? {
                ChatCompletionResponseMessageContent::String(text) => Some(text),
                _ => None,
            }
        }

        /// The first choice's function tool calls (custom tool calls are left out; read
        /// `choices[0].message.tool_calls` for them).
        pub fn tool_calls(&self) -> impl Iterator<Item = &ChatCompletionMessageToolCall> {
            self.choices
                .get()
                .and_then(|choices| choices.first())
                .and_then(|choice| choice.message.get())
                .and_then(|message| message.tool_calls.get())
                .into_iter()
                .flatten()
                .filter_map(|call| match call {
                    ChatCompletionMessageToolCallsItem::Function(call) => Some(call),
                    _ => None,
                })
        }

        /// The token counts, when the response has them.
        pub fn usage(&self) -> Option<&CompletionUsage> {
            self.usage.get()
        }
    }

    impl ChatCompletionMessageToolCall {
        /// The function's name.
        pub fn name(&self) -> Option<&str> {
            self.function.get()?.name.as_str()
        }

        /// The function's arguments: JSON text as the model wrote it (parse it with
        /// `serde_json::from_str` into your own type).
        pub fn arguments(&self) -> Option<&str> {
            self.function.get()?.arguments.as_str()
        }
    }

    impl CreateChatCompletionStreamResponse {
        /// The text this chunk adds to the first choice (`choices[0].delta.content`).
        pub fn text(&self) -> Option<&str> {
            let delta = self.choices.get()?.first()?.delta.get()?;
            match delta.content.get()? {
                ChatCompletionStreamResponseDeltaContent::String(text) => Some(text),
                _ => None,
            }
        }

        /// The tool-call fragments this chunk adds to the first choice (each names the call
        /// by `index`; `ChatAccumulator` joins them).
        pub fn tool_calls(&self) -> &[ChatCompletionMessageToolCallChunk] {
            self.choices
                .get()
                .and_then(|choices| choices.first())
                .and_then(|choice| choice.delta.get())
                .and_then(|delta| delta.tool_calls.get())
                .map_or(&[], Vec::as_slice)
        }

        /// The token counts (the last chunk, with `stream_options.include_usage`).
        pub fn usage(&self) -> Option<&CompletionUsage> {
            self.usage.get()
        }
    }

    impl ChatStreamEvent {
        /// The text a chunk adds; `None` for other events.
        pub fn text(&self) -> Option<&str> {
            match self {
                ChatStreamEvent::Chunk(chunk) => chunk.text(),
                _ => None,
            }
        }

        /// The token counts, on the chunk that carries them.
        pub fn usage(&self) -> Option<&CompletionUsage> {
            match self {
                ChatStreamEvent::Chunk(chunk) => chunk.usage(),
                _ => None,
            }
        }
    }
}

#[cfg(feature = "responses")]
mod responses {
    use crate::{
        FunctionToolCall, OutputItem, OutputMessageContent, Response, ResponseStreamEvent,
        ResponseUsage,
    };

    impl Response {
        /// The text of every output message, joined (what the SDKs call `output_text`).
        pub fn text(&self) -> String {
            let mut text = String::new();
            for item in self.output.get().into_iter().flatten() {
                if let OutputItem::Message(message) = item {
                    for part in message.content.get().into_iter().flatten() {
                        if let OutputMessageContent::OutputText(part) = part {
                            text.push_str(part.text.as_str().unwrap_or_default());
                        }
                    }
                }
            }
            text
        }

        /// The function calls among the output items.
        pub fn tool_calls(&self) -> impl Iterator<Item = &FunctionToolCall> {
            self.output
                .get()
                .into_iter()
                .flatten()
                .filter_map(|item| match item {
                    OutputItem::FunctionCall(call) => Some(&**call),
                    _ => None,
                })
        }

        /// The token counts, when the response has them.
        pub fn usage(&self) -> Option<&ResponseUsage> {
            self.usage.get()
        }
    }

    impl ResponseStreamEvent {
        /// The text a `response.output_text.delta` event adds; `None` for other events.
        pub fn text(&self) -> Option<&str> {
            match self {
                ResponseStreamEvent::ResponseOutputTextDelta(event) => event.delta.as_str(),
                _ => None,
            }
        }

        /// The final response, on `response.completed`.
        pub fn completed(&self) -> Option<&Response> {
            match self {
                ResponseStreamEvent::ResponseCompleted(event) => event.response.get(),
                _ => None,
            }
        }

        /// The token counts, on `response.completed`.
        pub fn usage(&self) -> Option<&ResponseUsage> {
            self.completed()?.usage()
        }
    }
}
