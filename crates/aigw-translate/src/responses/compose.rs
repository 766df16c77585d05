//! Responses ↔ Anthropic Messages and Responses ↔ Gemini, composed through Chat: the
//! Responses side is translated to (or from) Chat here, the other side by
//! [`crate::chat_anthropic`] or [`crate::chat_gemini`].
//!
//! Loss reports compose by one rule: losses of the first hop keep their pointers (into the
//! original source); losses of the second hop point into the intermediate Chat document and
//! are prefixed with [`VIA_CHAT`], e.g. `(via chat)/messages/1/reasoning_content`. Strict
//! mode refuses when either hop loses anything.

use super::request::responses_to_chat;
use super::response::chat_response_to_responses;
use super::stream::ChatToResponsesStream;
use crate::chat_anthropic::{MessagesToChatStream, chat_to_messages, message_to_chat_response};
use crate::chat_gemini::{GeminiToChatStream, chat_to_gemini, gemini_response_to_chat};
use crate::loss::{LossReport, Options, TranslateError, Translated};
use crate::stream::StreamTranslator;
use aigw_anthropic::{CreateMessageParams, Message};
use aigw_gemini::{GenerateContentRequest, GenerateContentResponse};
use aigw_openai::{CreateResponse, Response};

/// The pointer prefix of a loss in the second hop of a composed translation.
pub const VIA_CHAT: &str = "(via chat)";

/// Both hops run lenient; the composed report decides strictness.
fn lenient(opts: &Options) -> Options {
    Options {
        strict: false,
        ..opts.clone()
    }
}

fn compose<T>(
    opts: &Options,
    first: LossReport,
    second: Translated<T>,
) -> Result<Translated<T>, TranslateError> {
    let mut losses = first;
    losses.extend_prefixed(VIA_CHAT, second.losses);
    if opts.strict && !losses.is_empty() {
        return Err(TranslateError::Strict { losses });
    }
    Ok(Translated {
        value: second.value,
        losses,
    })
}

/// Responses → Messages (an OpenAI Responses client, an Anthropic upstream), through Chat.
pub fn responses_to_messages(
    request: &CreateResponse,
    opts: &Options,
) -> Result<Translated<CreateMessageParams>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = responses_to_chat(request, &opts_lenient)?;
    let messages = chat_to_messages(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, messages)
}

/// An Anthropic `Message` as a `Response` (an OpenAI Responses client, an Anthropic
/// upstream), through Chat. Thinking blocks become reasoning items that carry them wrapped,
/// so that the client's next request gives them back to Anthropic.
pub fn message_to_responses(
    message: &Message,
    opts: &Options,
) -> Result<Translated<Response>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = message_to_chat_response(message, &opts_lenient)?;
    let response = chat_response_to_responses(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, response)
}

/// Responses → generateContent (an OpenAI Responses client, a Gemini upstream), through
/// Chat. As for Chat, the model is the caller's to route on (Gemini takes it in the URL).
pub fn responses_to_gemini(
    request: &CreateResponse,
    opts: &Options,
) -> Result<Translated<GenerateContentRequest>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = responses_to_chat(request, &opts_lenient)?;
    let gemini = chat_to_gemini(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, gemini)
}

/// A Gemini response as a `Response` (an OpenAI Responses client, a Gemini upstream),
/// through Chat; `model` is the requested one (used when Gemini names no `modelVersion`).
pub fn gemini_response_to_responses(
    response: &GenerateContentResponse,
    model: &str,
    opts: &Options,
) -> Result<Translated<Response>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = gemini_response_to_chat(response, model, &opts_lenient)?;
    let responses = chat_response_to_responses(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, responses)
}

/// Two stream translations in a row, the first's output feeding the second. Losses of the
/// second hop are prefixed with [`VIA_CHAT`]; their `/<n>` is the position of the
/// intermediate Chat event.
#[derive(Debug)]
pub struct Composed<A, B> {
    first: A,
    second: B,
    losses: LossReport,
    /// How many losses of each hop are in `losses` already.
    taken: (usize, usize),
}

impl<A, B> Composed<A, B> {
    pub fn new(first: A, second: B) -> Self {
        Composed {
            first,
            second,
            losses: LossReport::default(),
            taken: (0, 0),
        }
    }
}

impl<A, B> Composed<A, B>
where
    A: StreamTranslator,
    B: StreamTranslator<In = A::Out>,
{
    /// Appends the losses the hops found since the last call.
    fn collect(&mut self) {
        let first = &self.first.losses().0;
        self.losses
            .0
            .extend(first[self.taken.0.min(first.len())..].iter().cloned());
        self.taken.0 = first.len();
        let second = &self.second.losses().0;
        let new = LossReport(second[self.taken.1.min(second.len())..].to_vec());
        self.taken.1 = second.len();
        self.losses.extend_prefixed(VIA_CHAT, new);
    }

    fn feed(&mut self, middle: Vec<A::Out>) -> Result<Vec<B::Out>, TranslateError> {
        let mut out = Vec::new();
        for event in &middle {
            out.extend(self.second.push(event)?);
        }
        Ok(out)
    }
}

impl<A, B> StreamTranslator for Composed<A, B>
where
    A: StreamTranslator,
    B: StreamTranslator<In = A::Out>,
{
    type In = A::In;
    type Out = B::Out;

    fn push(&mut self, event: &A::In) -> Result<Vec<B::Out>, TranslateError> {
        let middle = self.first.push(event);
        let out = middle.and_then(|middle| self.feed(middle));
        self.collect();
        out
    }

    fn finish(&mut self) -> Result<Vec<B::Out>, TranslateError> {
        let middle = self.first.finish();
        let out = middle.and_then(|middle| {
            let mut out = self.feed(middle)?;
            out.extend(self.second.finish()?);
            Ok(out)
        });
        self.collect();
        out
    }

    fn losses(&self) -> &LossReport {
        &self.losses
    }
}

/// Anthropic Messages events → Responses events (an OpenAI Responses client, an Anthropic
/// upstream), through Chat chunks.
pub type MessagesToResponsesStream = Composed<MessagesToChatStream, ChatToResponsesStream>;

/// The Anthropic → Responses stream translation. The Chat hop always asks for usage
/// (`response.completed` carries it).
pub fn messages_to_responses_stream(opts: &Options) -> MessagesToResponsesStream {
    Composed::new(
        MessagesToChatStream::new(opts, true),
        ChatToResponsesStream::new(opts),
    )
}

/// Gemini `GenerateContentResponse` chunks → Responses events (an OpenAI Responses client, a
/// Gemini upstream), through Chat chunks.
pub type GeminiToResponsesStream = Composed<GeminiToChatStream, ChatToResponsesStream>;

/// The Gemini → Responses stream translation; `model` is the requested one.
pub fn gemini_to_responses_stream(model: &str, opts: &Options) -> GeminiToResponsesStream {
    Composed::new(
        GeminiToChatStream::new(model, opts, true),
        ChatToResponsesStream::new(opts),
    )
}

/// Messages → Responses (an Anthropic client, an upstream that speaks only Responses),
/// through Chat.
pub fn messages_to_responses(
    request: &CreateMessageParams,
    opts: &Options,
) -> Result<Translated<CreateResponse>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = crate::chat_anthropic::messages_to_chat(request, &opts_lenient)?;
    let responses = super::request::chat_to_responses(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, responses)
}

/// A `Response` as an Anthropic `Message` (an Anthropic client, a Responses upstream),
/// through Chat.
pub fn response_to_message(
    response: &Response,
    opts: &Options,
) -> Result<Translated<Message>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = super::response::responses_response_to_chat(response, &opts_lenient)?;
    let message = crate::chat_anthropic::chat_response_to_message(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, message)
}

/// Responses events → Anthropic events (an Anthropic client, a Responses upstream), through
/// Chat chunks.
pub type ResponsesToMessagesStream =
    Composed<super::stream::ResponsesToChatStream, crate::chat_anthropic::ChatToMessagesStream>;

/// The Responses → Anthropic stream translation.
pub fn responses_to_messages_stream(opts: &Options) -> ResponsesToMessagesStream {
    Composed::new(
        super::stream::ResponsesToChatStream::new(opts, true),
        crate::chat_anthropic::ChatToMessagesStream::new(opts),
    )
}

/// generateContent → Responses (a Gemini client, a Responses upstream), through Chat;
/// `model` is the one in the client's URL.
pub fn gemini_to_responses(
    request: &GenerateContentRequest,
    model: &str,
    opts: &Options,
) -> Result<Translated<CreateResponse>, TranslateError> {
    let opts_lenient = lenient(opts);
    let mut chat = crate::chat_gemini::gemini_to_chat(request, model, &opts_lenient)?;
    chat.value.model = aigw_openai::Maybe::Present(
        serde_json::from_value(serde_json::json!(model)).map_err(TranslateError::Target)?,
    );
    let responses = super::request::chat_to_responses(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, responses)
}

/// A `Response` as a Gemini `GenerateContentResponse` (a Gemini client, a Responses
/// upstream), through Chat.
pub fn response_to_gemini(
    response: &Response,
    opts: &Options,
) -> Result<Translated<GenerateContentResponse>, TranslateError> {
    let opts_lenient = lenient(opts);
    let chat = super::response::responses_response_to_chat(response, &opts_lenient)?;
    let gemini = crate::chat_gemini::chat_response_to_gemini(&chat.value, &opts_lenient)?;
    compose(opts, chat.losses, gemini)
}
