//! Which generated `aigw-openai` types each recorded OpenAI(-compatible) API maps to.

use super::{ApiTypes, round_trip};
use aigw_openai as o;

pub fn api_types(api: &str) -> Option<ApiTypes> {
    let error = round_trip::<o::ErrorResponse>;
    Some(match api {
        "chat.completions" => ApiTypes {
            request: Some(round_trip::<o::CreateChatCompletionRequest>),
            response: Some(round_trip::<o::CreateChatCompletionResponse>),
            event: Some(round_trip::<o::CreateChatCompletionStreamResponse>),
            error,
        },
        "responses" => ApiTypes {
            request: Some(round_trip::<o::CreateResponse>),
            response: Some(round_trip::<o::Response>),
            event: Some(round_trip::<o::ResponseStreamEvent>),
            error,
        },
        "responses.compact" => ApiTypes {
            request: Some(round_trip::<o::CompactResponseMethodPublicBody>),
            response: Some(round_trip::<o::CompactResource>),
            event: None,
            error,
        },
        "responses.input_tokens" => ApiTypes {
            request: Some(round_trip::<o::TokenCountsBody>),
            response: Some(round_trip::<o::TokenCountsResource>),
            event: None,
            error,
        },
        "embeddings" => ApiTypes {
            request: Some(round_trip::<o::CreateEmbeddingRequest>),
            response: Some(round_trip::<o::CreateEmbeddingResponse>),
            event: None,
            error,
        },
        "models" => ApiTypes {
            request: None,
            response: Some(round_trip::<o::ListModelsResponse>),
            event: None,
            error,
        },
        "completions" => ApiTypes {
            request: Some(round_trip::<o::CreateCompletionRequest>),
            response: Some(round_trip::<o::CreateCompletionResponse>),
            event: Some(round_trip::<o::CreateCompletionResponse>),
            error,
        },
        "moderations" => ApiTypes {
            request: Some(round_trip::<o::CreateModerationRequest>),
            response: Some(round_trip::<o::CreateModerationResponse>),
            event: None,
            error,
        },
        _ => return None,
    })
}
