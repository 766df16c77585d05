//! The protocols clients speak to the gateway, and the gateway's own errors in each one's
//! shape (errors never reach a client in another protocol's format).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

/// The error-body family of a client protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wire {
    Openai,
    Anthropic,
    Gemini,
}

impl Wire {
    pub fn name(self) -> &'static str {
        match self {
            Wire::Openai => "openai",
            Wire::Anthropic => "anthropic",
            Wire::Gemini => "gemini",
        }
    }
}

/// A generation API, as the client speaks it or as an upstream is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Api {
    /// OpenAI Chat Completions (also every OpenAI-compatible provider).
    Chat,
    /// OpenAI Responses.
    Responses,
    /// Anthropic Messages.
    Messages,
    /// Gemini generateContent / streamGenerateContent.
    Gemini,
}

impl Api {
    pub fn wire(self) -> Wire {
        match self {
            Api::Chat | Api::Responses => Wire::Openai,
            Api::Messages => Wire::Anthropic,
            Api::Gemini => Wire::Gemini,
        }
    }

    /// The label used in metrics and logs.
    pub fn name(self) -> &'static str {
        match self {
            Api::Chat => "chat",
            Api::Responses => "responses",
            Api::Messages => "messages",
            Api::Gemini => "gemini",
        }
    }
}

/// An error the gateway itself answers with (bad request, auth, no route, upstream
/// unreachable, strict refusal, …), written in the client protocol's error shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayError {
    pub status: StatusCode,
    pub message: String,
    /// OpenAI's `code` (`model_not_found`, `invalid_api_key`, …), where one fits.
    pub code: Option<&'static str>,
    /// Answered before the request body was read: the connection closes after it (the
    /// client must not send its next request on it), and says so.
    pub close: bool,
    /// Headers the answer carries (`retry-after`, `x-ratelimit-*` on a 429).
    pub headers: Option<Box<HeaderMap>>,
    /// The error's own type where the status's is too general (`budget_exceeded`): OpenAI's
    /// and Anthropic's `error.type`, Gemini's `ErrorInfo` reason.
    pub kind: Option<&'static str>,
}

impl GatewayError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        GatewayError {
            status,
            message: message.into(),
            code: None,
            close: false,
            headers: None,
            kind: None,
        }
    }

    /// Marks an answer sent before the request body was read.
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// The headers the answer carries, to add to.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers.get_or_insert_with(Box::default)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        GatewayError::new(StatusCode::BAD_REQUEST, message)
    }

    /// The body in `wire`'s shape.
    pub fn body(&self, wire: Wire) -> Value {
        let mut body = error_body(wire, self.status, &self.message, self.code);
        if let Some(kind) = self.kind {
            match wire {
                Wire::Openai | Wire::Anthropic => body["error"]["type"] = kind.into(),
                Wire::Gemini => {
                    body["error"]["details"] = json!([{
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": kind.to_ascii_uppercase(),
                        "domain": "aigw",
                    }]);
                }
            }
        }
        body
    }

    /// Sets the error's own type.
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = Some(kind);
        self
    }

    pub fn into_response(self, wire: Wire) -> Response {
        let body = self.body(wire);
        let mut response = json_response(self.status, &body);
        if let Some(headers) = self.headers {
            response.headers_mut().extend(*headers);
        }
        if self.close {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// An error body of `wire` for `status`.
pub fn error_body(wire: Wire, status: StatusCode, message: &str, code: Option<&str>) -> Value {
    use aigw_translate::errors::{Shape, body_for_status};
    let shape = match wire {
        Wire::Openai => Shape::Openai,
        Wire::Anthropic => Shape::Anthropic,
        Wire::Gemini => Shape::Gemini,
    };
    let mut body = body_for_status(shape, status.as_u16(), message);
    if let (Wire::Openai, Some(code)) = (wire, code) {
        body["error"]["code"] = code.into();
    }
    body
}

/// The stream event a client of `api` expects when its stream fails after it started:
/// OpenAI Chat `data: {"error": …}`, Responses `event: error` (a `ResponseErrorEvent`),
/// Anthropic `event: error`, Gemini `data: {"error": …}`. `sequence` is the Responses
/// `sequence_number` it would have.
pub fn stream_error_event(api: Api, message: &str, sequence: u64) -> aigw_sse::Event {
    let status = StatusCode::BAD_GATEWAY;
    let (event, data) = match api {
        Api::Chat => (None, error_body(Wire::Openai, status, message, None)),
        Api::Responses => (
            Some("error"),
            json!({"type": "error", "code": "server_error", "message": message, "param": null,
                   "sequence_number": sequence}),
        ),
        Api::Messages => (
            Some("error"),
            error_body(
                Wire::Anthropic,
                StatusCode::INTERNAL_SERVER_ERROR,
                message,
                None,
            ),
        ),
        Api::Gemini => (None, error_body(Wire::Gemini, status, message, None)),
    };
    aigw_sse::Event {
        event: event.map(str::to_owned),
        data: data.to_string(),
        ..Default::default()
    }
}

/// A JSON response with `body`.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = Bytes::from(body.to_string());
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}
