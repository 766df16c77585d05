//! `TryFrom` for every translation that needs nothing but its source (those from Gemini
//! take the model from the URL and stay functions). `Translated<Target>::try_from(&source)`
//! uses [`Options::default`] — lenient: the losses come back in the result; call the
//! function with `Options { strict: true, .. }` to refuse them instead.

use crate::loss::{Options, TranslateError, Translated};

macro_rules! try_from {
    ($($source:ty => $target:ty: $function:path;)*) => {$(
        impl TryFrom<&$source> for Translated<$target> {
            type Error = TranslateError;

            fn try_from(source: &$source) -> Result<Self, TranslateError> {
                $function(source, &Options::default())
            }
        }
    )*};
}

try_from! {
    aigw_openai::CreateChatCompletionRequest => aigw_anthropic::CreateMessageParams: crate::chat_anthropic::chat_to_messages;
    aigw_anthropic::CreateMessageParams => aigw_openai::CreateChatCompletionRequest: crate::chat_anthropic::messages_to_chat;
    aigw_anthropic::Message => aigw_openai::CreateChatCompletionResponse: crate::chat_anthropic::message_to_chat_response;
    aigw_openai::CreateChatCompletionResponse => aigw_anthropic::Message: crate::chat_anthropic::chat_response_to_message;
    aigw_openai::CreateChatCompletionRequest => aigw_gemini::GenerateContentRequest: crate::chat_gemini::chat_to_gemini;
    aigw_openai::CreateChatCompletionResponse => aigw_gemini::GenerateContentResponse: crate::chat_gemini::chat_response_to_gemini;
    aigw_anthropic::CreateMessageParams => aigw_gemini::GenerateContentRequest: crate::anthropic_gemini::messages_to_gemini;
    aigw_anthropic::Message => aigw_gemini::GenerateContentResponse: crate::anthropic_gemini::message_to_gemini_response;
    aigw_openai::CreateResponse => aigw_openai::CreateChatCompletionRequest: crate::responses::responses_to_chat;
    aigw_openai::CreateChatCompletionRequest => aigw_openai::CreateResponse: crate::responses::chat_to_responses;
    aigw_openai::CreateChatCompletionResponse => aigw_openai::Response: crate::responses::chat_response_to_responses;
    aigw_openai::Response => aigw_openai::CreateChatCompletionResponse: crate::responses::responses_response_to_chat;
    aigw_openai::CreateResponse => aigw_anthropic::CreateMessageParams: crate::responses::responses_to_messages;
    aigw_anthropic::Message => aigw_openai::Response: crate::responses::message_to_responses;
    aigw_anthropic::CreateMessageParams => aigw_openai::CreateResponse: crate::responses::messages_to_responses;
    aigw_openai::Response => aigw_anthropic::Message: crate::responses::response_to_message;
    aigw_openai::CreateResponse => aigw_gemini::GenerateContentRequest: crate::responses::responses_to_gemini;
    aigw_openai::Response => aigw_gemini::GenerateContentResponse: crate::responses::response_to_gemini;
}
