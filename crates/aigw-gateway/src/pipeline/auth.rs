//! Who is calling: the key a client presents, in its protocol's way (`Authorization:
//! Bearer` or Azure's `api-key`, `x-api-key`, `x-goog-api-key` or `?key=`), checked against the gateway's keys —
//! the configuration's and the store's (`aigw_governance`). Refusals are in the client's
//! shape: 401 for a missing, unknown, revoked or expired key; 503 when the key store has been
//! unreachable for longer than it may be trusted.

use crate::protocol::{GatewayError, Wire};
use crate::state::State;
use aigw_governance::{Caller, Denied};
use axum::http::{HeaderMap, StatusCode, header};

/// The caller, or the client protocol's refusal.
pub async fn authenticate(
    state: &State,
    wire: Wire,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Caller, GatewayError> {
    let presented = presented_key(wire, headers, query);
    let unauthorized = |message: &str| {
        GatewayError::new(StatusCode::UNAUTHORIZED, message).code("invalid_api_key")
    };
    state
        .governance
        .authenticate(presented)
        .await
        .map_err(|denied| match denied {
            Denied::Missing => unauthorized(match wire {
                Wire::Openai => "missing gateway key: send `Authorization: Bearer <key>`",
                Wire::Anthropic => "missing gateway key: send `x-api-key: <key>`",
                Wire::Gemini => "missing gateway key: send `x-goog-api-key: <key>` or `?key=<key>`",
            }),
            Denied::Unknown => unauthorized("invalid gateway key"),
            Denied::Revoked => unauthorized("this gateway key has been revoked"),
            Denied::Expired => unauthorized("this gateway key has expired"),
            Denied::Unavailable(why) => GatewayError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot check the gateway key: {why}"),
            ),
        })
}

/// The key a client presented, in its protocol's way.
fn presented_key<'a>(
    wire: Wire,
    headers: &'a HeaderMap,
    query: Option<&'a str>,
) -> Option<&'a str> {
    let bearer = || {
        headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
    };
    let named = |name: &str| headers.get(name)?.to_str().ok();
    match wire {
        // `api-key`: how Azure OpenAI clients (the SDKs' `AzureOpenAI`) send their key.
        Wire::Openai => bearer().or_else(|| named("api-key")),
        Wire::Anthropic => named("x-api-key").or_else(bearer),
        Wire::Gemini => named("x-goog-api-key")
            .or_else(|| query?.split('&').find_map(|pair| pair.strip_prefix("key="))),
    }
}
