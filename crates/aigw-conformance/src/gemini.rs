//! Which generated `aigw-gemini` types each recorded Gemini API maps to.

use super::{ApiTypes, round_trip};
use aigw_gemini as g;

pub fn api_types(api: &str) -> Option<ApiTypes> {
    let error = round_trip::<g::ErrorResponse>;
    Some(match api {
        "generateContent" => ApiTypes {
            request: Some(round_trip::<g::GenerateContentRequest>),
            response: Some(round_trip::<g::GenerateContentResponse>),
            event: Some(round_trip::<g::GenerateContentResponse>),
            error,
        },
        // Without `?alt=sse` the body is one JSON array of chunks.
        "streamGenerateContent" => ApiTypes {
            request: Some(round_trip::<g::GenerateContentRequest>),
            response: Some(round_trip::<Vec<g::GenerateContentResponse>>),
            event: Some(round_trip::<g::GenerateContentResponse>),
            error,
        },
        "countTokens" => ApiTypes {
            request: Some(round_trip::<g::CountTokensRequest>),
            response: Some(round_trip::<g::CountTokensResponse>),
            event: None,
            error,
        },
        "embedContent" => ApiTypes {
            request: Some(round_trip::<g::EmbedContentRequest>),
            response: Some(round_trip::<g::EmbedContentResponse>),
            event: None,
            error,
        },
        "batchEmbedContents" => ApiTypes {
            request: Some(round_trip::<g::BatchEmbedContentsRequest>),
            response: Some(round_trip::<g::BatchEmbedContentsResponse>),
            event: None,
            error,
        },
        "models" => ApiTypes {
            request: None,
            response: Some(round_trip::<g::ListModelsResponse>),
            event: None,
            error,
        },
        _ => return None,
    })
}
