//! Who is calling: the key a client presents, in its protocol's way, checked against the
//! gateway's client keys.

use crate::protocol::{GatewayError, Wire};
use crate::state::State;
use axum::http::{HeaderMap, StatusCode, header};

/// Who made a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No client keys are configured (the gateway listens on loopback only): anyone.
    Anonymous,
    /// A client that presented one of the gateway's client keys.
    GatewayKey,
}

impl Caller {
    /// The label used in logs.
    pub fn name(self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::GatewayKey => "gateway-key",
        }
    }
}

/// The caller, or the client protocol's 401 when a key is required and the one presented
/// (if any) is not accepted.
pub fn authenticate(
    state: &State,
    wire: Wire,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Caller, GatewayError> {
    if !state.requires_key() {
        return Ok(Caller::Anonymous);
    }
    match presented_key(wire, headers, query) {
        Some(key) if state.key_accepted(key) => Ok(Caller::GatewayKey),
        Some(_) => Err(
            GatewayError::new(StatusCode::UNAUTHORIZED, "invalid gateway key")
                .code("invalid_api_key"),
        ),
        None => Err(GatewayError::new(
            StatusCode::UNAUTHORIZED,
            match wire {
                Wire::Openai => "missing gateway key: send `Authorization: Bearer <key>`",
                Wire::Anthropic => "missing gateway key: send `x-api-key: <key>`",
                Wire::Gemini => "missing gateway key: send `x-goog-api-key: <key>` or `?key=<key>`",
            },
        )
        .code("invalid_api_key")),
    }
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
        Wire::Openai => bearer(),
        Wire::Anthropic => named("x-api-key").or_else(bearer),
        Wire::Gemini => named("x-goog-api-key")
            .or_else(|| query?.split('&').find_map(|pair| pair.strip_prefix("key="))),
    }
}
