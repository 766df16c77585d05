//! Which generated `aigw-anthropic` types each recorded Anthropic API maps to.

use super::{ApiTypes, round_trip};
use aigw_anthropic as a;

pub fn api_types(api: &str) -> Option<ApiTypes> {
    let error = round_trip::<a::ErrorResponse>;
    Some(match api {
        "messages" => ApiTypes {
            request: Some(round_trip::<a::CreateMessageParams>),
            response: Some(round_trip::<a::Message>),
            event: Some(round_trip::<a::MessageStreamEvent>),
            error,
        },
        "count_tokens" => ApiTypes {
            request: Some(round_trip::<a::CountMessageTokensParams>),
            response: Some(round_trip::<a::CountMessageTokensResponse>),
            event: None,
            error,
        },
        "models" => ApiTypes {
            request: None,
            response: Some(round_trip::<a::ListResponseModelInfo>),
            event: None,
            error,
        },
        _ => return None,
    })
}
