//! Whether the gateway takes a request at all: a slot under the concurrency limit, a body
//! within the size limit that is a JSON object.

use crate::peek::{Head, NotARequest};
use crate::protocol::GatewayError;
use crate::state::{Slot, State};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;

/// A slot under the concurrency limit, or 503 at once.
pub fn slot(state: &State) -> Result<Slot, GatewayError> {
    state.slot().ok_or_else(|| {
        GatewayError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the gateway is at its limit of {} concurrent requests",
                state.limits.max_concurrency
            ),
        )
        .closing()
    })
}

/// A request body as the client sent it, checked to be a JSON object, and the members the
/// gateway acts on.
#[derive(Debug)]
pub struct JsonBody {
    pub raw: Bytes,
    pub head: Head,
}

/// Reads the body within the size limit and checks that it is a JSON object (read whole,
/// though only its [`Head`] is kept: a forwarded body is never built into a tree).
pub async fn json_body(
    state: &State,
    headers: &HeaderMap,
    body: Body,
) -> Result<JsonBody, GatewayError> {
    let raw = read_body(state, headers, body).await?;
    let head = Head::read(&raw).map_err(|e| match e {
        NotARequest::Syntax(e) => {
            GatewayError::bad_request(format!("the request body is not valid JSON: {e}"))
        }
        NotARequest::NotAnObject => {
            GatewayError::bad_request("the request body must be a JSON object")
        }
    })?;
    Ok(JsonBody { raw, head })
}

/// Reads the body within the size limit.
async fn read_body(state: &State, headers: &HeaderMap, body: Body) -> Result<Bytes, GatewayError> {
    let limit = state.limits.max_body_bytes;
    let too_large = || {
        GatewayError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than the gateway's limit of {limit} bytes"),
        )
        .closing()
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let length_limit = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if length_limit {
            too_large()
        } else {
            GatewayError::bad_request(format!("cannot read the request body: {e}"))
        }
    })
}
