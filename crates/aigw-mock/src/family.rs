//! The three wire families the mock speaks, and what differs between them outside the
//! recorded bodies: the error body shape and the request-id header.

use serde_json::{Value, json};

/// A provider wire family. `openai-compat` exchanges speak the OpenAI family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    OpenAi,
    Anthropic,
    Gemini,
}

impl Family {
    /// The header carrying a request id, if the provider sends one.
    pub(crate) fn request_id_header(self) -> Option<&'static str> {
        match self {
            Family::OpenAi => Some("x-request-id"),
            Family::Anthropic => Some("request-id"),
            Family::Gemini => None,
        }
    }

    /// The provider's error body for `status`, serialized.
    pub(crate) fn error_body(self, status: u16, message: &str) -> Vec<u8> {
        let body = match self {
            Family::OpenAi => {
                let (kind, code) = openai_error_kind(status);
                json!({"error": {"message": message, "type": kind, "param": Value::Null, "code": code}})
            }
            Family::Anthropic => {
                json!({"type": "error", "error": {"type": anthropic_error_kind(status), "message": message}})
            }
            Family::Gemini => {
                json!({"error": {"code": status, "message": message, "status": gemini_status(status)}})
            }
        };
        body.to_string().into_bytes()
    }
}

/// OpenAI's `type` and `code` for a status, as the API sends them.
fn openai_error_kind(status: u16) -> (&'static str, Value) {
    match status {
        401 => ("invalid_request_error", json!("invalid_api_key")),
        403 => (
            "invalid_request_error",
            json!("unsupported_country_region_territory"),
        ),
        404 => ("invalid_request_error", json!("model_not_found")),
        429 => ("requests", json!("rate_limit_exceeded")),
        500..=599 => ("server_error", Value::Null),
        _ => ("invalid_request_error", Value::Null),
    }
}

/// Anthropic's `error.type` for a status.
fn anthropic_error_kind(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// Google's canonical status name for an HTTP status.
fn gemini_status(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status < 500 => "FAILED_PRECONDITION",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(bytes: Vec<u8>) -> Value {
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn error_shapes() {
        let openai = parse(Family::OpenAi.error_body(429, "slow down"));
        assert_eq!(openai["error"]["message"], "slow down");
        assert_eq!(openai["error"]["code"], "rate_limit_exceeded");
        assert!(openai["error"]["param"].is_null());

        let anthropic = parse(Family::Anthropic.error_body(529, "busy"));
        assert_eq!(anthropic["type"], "error");
        assert_eq!(anthropic["error"]["type"], "overloaded_error");

        let gemini = parse(Family::Gemini.error_body(503, "later"));
        assert_eq!(gemini["error"]["code"], 503);
        assert_eq!(gemini["error"]["status"], "UNAVAILABLE");
    }
}
