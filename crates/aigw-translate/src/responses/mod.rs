//! OpenAI Responses ↔ Chat Completions, and Responses ↔ Anthropic / Gemini composed through Chat.
//!
//! Conventions of this pair (each also stated where it applies):
//!
//! - **Requests.** `instructions` ↔ a leading `system` message (a string); input message items
//!   (roles user / assistant / system / developer) ↔ Chat messages; consecutive
//!   `function_call` items (and the assistant message and reasoning before them) ↔ one
//!   assistant message with several `tool_calls` (`call_id` ↔ `id`); `function_call_output`
//!   ↔ `tool` messages; flat function tools ↔ nested ones; `text.format` ↔
//!   `response_format`; `reasoning.effort` ↔ `reasoning_effort`; `max_output_tokens` ↔
//!   `max_completion_tokens`; `include: ["message.output_text.logprobs"]` ↔ `logprobs: true`.
//!   A Chat upstream keeps no state: `previous_response_id`, `conversation`, `store: true`,
//!   `background`, `truncation: "auto"`, built-in tools and their items are dropped and
//!   reported. Toward Responses the request is stateless as a Chat request is (`store:
//!   false` unless Chat asked to store), with encrypted reasoning included whenever
//!   reasoning is in play. Function tools without `strict` are strict in Responses and not
//!   in Chat: Chat → Responses says `strict: false`, Responses → Chat reports the difference.
//! - **Item ids and statuses.** The `id` and `status` of message and call items are OpenAI's
//!   handles on stored items; no Chat message can hold them and neither a Chat upstream nor a
//!   Chat client can use them, so they are not carried and not reported (reasoning items keep
//!   theirs: they travel whole). `call_id`s are always kept.
//! - **Reasoning.** A Responses reasoning item travels whole in a Chat assistant message's
//!   `aigw_reasoning`, tagged `openai` ([`crate::reasoning`]), and is only ever sent back to
//!   OpenAI; its readable text (summaries, reasoning text) is also `reasoning_content`. An
//!   item with plain reasoning text and nothing opaque (OpenAI-compatible servers) is just
//!   `reasoning_content`. Toward a Responses client, another provider's tagged entry (an
//!   Anthropic thinking block, …) becomes a reasoning item whose `encrypted_content` is
//!   `aigw.reasoning.v1:` followed by the entry as JSON: the client echoes it back, and the
//!   next request unwraps it for that provider; it is never sent to OpenAI. A Chat upstream
//!   must strip `aigw_reasoning` from requests, as it must for a Chat client's own requests.
//! - **Responses.** Chat `finish_reason` ↔ `status` (`length` ↔ `incomplete` with reason
//!   `max_output_tokens`, `content_filter` ↔ `incomplete` with reason `content_filter`);
//!   usage `prompt_tokens` / `completion_tokens` / `cached_tokens` / `reasoning_tokens` ↔
//!   `input_tokens` / `output_tokens` / `input_tokens_details.cached_tokens` /
//!   `output_tokens_details.reasoning_tokens`. A `Response` echoes its request (`tools`,
//!   `temperature`, …): toward Chat those echoes are not reported (the client sent them);
//!   toward Responses they are left out (the caller, which has the request, may add them).
//!   Output items made from a Chat completion get the ids `msg_<id>_<n>` / `rs_<id>_<n>`
//!   (`n` the output index) and `fc_<call id>`, in the non-streaming and streaming
//!   translations alike.
//! - **Streams.** [`ChatToResponsesStream`] emits the Responses event sequence
//!   (`response.created`, `response.in_progress`, per item `output_item.added`, content
//!   parts and deltas or function call arguments, `output_item.done`, then
//!   `response.completed` / `response.incomplete` with the usage; `sequence_number` from 0);
//!   [`ResponsesToChatStream`] emits Chat chunks (the role chunk, text,
//!   refusal, reasoning and tool call deltas by index, the finish chunk, the usage chunk when
//!   asked for, `[DONE]`). Loss pointers in streams are `/<n>/…`, `n` the upstream event's
//!   position.
//! - **Composition.** Responses ↔ Anthropic and Responses ↔ Gemini go through Chat
//!   ([`responses_to_messages`], [`message_to_responses`], [`responses_to_gemini`],
//!   [`gemini_response_to_responses`], [`messages_to_responses_stream`],
//!   [`gemini_to_responses_stream`]). Losses of the first hop keep their pointers (into the
//!   original source); losses of the second hop point into the intermediate Chat document,
//!   prefixed with [`VIA_CHAT`] (`(via chat)/messages/1/…`), so a reader can tell which hop
//!   lost what. Strict mode refuses when either hop loses anything.

mod common;
mod compose;
mod request;
mod response;
mod stream;

pub use compose::{
    Composed, GeminiToResponsesStream, MessagesToResponsesStream, VIA_CHAT,
    gemini_response_to_responses, gemini_to_responses_stream, message_to_responses,
    messages_to_responses_stream, responses_to_gemini, responses_to_messages,
};
pub use compose::{
    ResponsesToMessagesStream, gemini_to_responses, messages_to_responses, response_to_gemini,
    response_to_message, responses_to_messages_stream,
};
pub use request::{chat_to_responses, responses_to_chat};
pub use response::{chat_response_to_responses, responses_response_to_chat};
pub use stream::{ChatToResponsesStream, ResponsesToChatStream};
