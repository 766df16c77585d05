//! Error bodies between the three shapes, with the HTTP status each protocol would use.
//!
//! OpenAI `{"error": {"message", "type", "param", "code"}}`, Anthropic
//! `{"type": "error", "error": {"type", "message"}}`, Gemini
//! `{"error": {"code", "message", "status", "details"}}`.

use crate::ctx::{Ctx, object, take, take_str, to_json};
use crate::loss::{Options, TranslateError, Translated};
use serde_json::{Map, Value, json};

/// The kinds all three protocols distinguish, by HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invalid,
    Auth,
    Permission,
    NotFound,
    TooLarge,
    RateLimit,
    Server,
    Overloaded,
    Timeout,
}

impl Kind {
    fn from_status(status: u16) -> Kind {
        match status {
            401 => Kind::Auth,
            403 => Kind::Permission,
            404 => Kind::NotFound,
            413 => Kind::TooLarge,
            429 => Kind::RateLimit,
            503 | 529 => Kind::Overloaded,
            504 => Kind::Timeout,
            500.. => Kind::Server,
            _ => Kind::Invalid,
        }
    }

    fn from_anthropic(kind: &str) -> Option<Kind> {
        Some(match kind {
            "invalid_request_error" => Kind::Invalid,
            "authentication_error" => Kind::Auth,
            "permission_error" => Kind::Permission,
            "not_found_error" => Kind::NotFound,
            "request_too_large" => Kind::TooLarge,
            "rate_limit_error" => Kind::RateLimit,
            "api_error" => Kind::Server,
            "overloaded_error" => Kind::Overloaded,
            "timeout_error" => Kind::Timeout,
            _ => return None,
        })
    }

    fn from_gemini(status: &str) -> Option<Kind> {
        Some(match status {
            "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => Kind::Invalid,
            "UNAUTHENTICATED" => Kind::Auth,
            "PERMISSION_DENIED" => Kind::Permission,
            "NOT_FOUND" => Kind::NotFound,
            "RESOURCE_EXHAUSTED" => Kind::RateLimit,
            "INTERNAL" | "UNKNOWN" | "DATA_LOSS" => Kind::Server,
            "UNAVAILABLE" => Kind::Overloaded,
            "DEADLINE_EXCEEDED" => Kind::Timeout,
            _ => return None,
        })
    }

    fn status(self) -> u16 {
        match self {
            Kind::Invalid => 400,
            Kind::Auth => 401,
            Kind::Permission => 403,
            Kind::NotFound => 404,
            Kind::TooLarge => 413,
            Kind::RateLimit => 429,
            Kind::Server => 500,
            Kind::Overloaded => 503,
            Kind::Timeout => 504,
        }
    }

    fn openai(self) -> &'static str {
        match self {
            Kind::Invalid | Kind::NotFound | Kind::TooLarge => "invalid_request_error",
            Kind::Auth => "authentication_error",
            Kind::Permission => "permission_error",
            Kind::RateLimit => "rate_limit_error",
            Kind::Server | Kind::Overloaded | Kind::Timeout => "server_error",
        }
    }

    fn anthropic(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid_request_error",
            Kind::Auth => "authentication_error",
            Kind::Permission => "permission_error",
            Kind::NotFound => "not_found_error",
            Kind::TooLarge => "request_too_large",
            Kind::RateLimit => "rate_limit_error",
            Kind::Server => "api_error",
            Kind::Overloaded => "overloaded_error",
            Kind::Timeout => "timeout_error",
        }
    }

    fn gemini(self) -> &'static str {
        match self {
            Kind::Invalid | Kind::TooLarge => "INVALID_ARGUMENT",
            Kind::Auth => "UNAUTHENTICATED",
            Kind::Permission => "PERMISSION_DENIED",
            Kind::NotFound => "NOT_FOUND",
            Kind::RateLimit => "RESOURCE_EXHAUSTED",
            Kind::Server => "INTERNAL",
            Kind::Overloaded => "UNAVAILABLE",
            Kind::Timeout => "DEADLINE_EXCEEDED",
        }
    }
}

/// A translated error body and the status to send it with.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorTranslation<T> {
    pub status: u16,
    pub body: Translated<T>,
}

/// What every error body has.
struct Parsed {
    kind: Kind,
    message: String,
}

/// Reads an error body of `protocol` (`openai`, `anthropic`, `gemini`), reporting what the
/// common shape does not keep. A Gemini body may come wrapped in a one-element array.
fn parse(
    ctx: &mut Ctx<'_>,
    protocol: &str,
    status: u16,
    body: Value,
) -> Result<Parsed, TranslateError> {
    let body = match body {
        Value::Array(mut items) if protocol == "gemini" && items.len() == 1 => items.remove(0),
        other => other,
    };
    let mut body = object(body, "")?;
    let mut error = match take(&mut body, "error") {
        Some(Value::Object(error)) => error,
        Some(Value::String(message)) => {
            ctx.rest("", body);
            return Ok(Parsed {
                kind: Kind::from_status(status),
                message,
            });
        }
        _ => Map::new(),
    };
    if protocol == "anthropic" {
        take(&mut body, "type");
    }
    let message = take_str(&mut error, "message").unwrap_or_default();
    let by_status = Kind::from_status(status);
    let kind = match protocol {
        "anthropic" => take_str(&mut error, "type").and_then(|t| Kind::from_anthropic(&t)),
        "gemini" => {
            take(&mut error, "code");
            take_str(&mut error, "status").and_then(|s| Kind::from_gemini(&s))
        }
        _ => {
            // OpenAI's `type` is free-form; the status decides.
            take(&mut error, "type");
            None
        }
    }
    .unwrap_or(by_status);
    ctx.rest("/error", error);
    ctx.rest("", body);
    Ok(Parsed { kind, message })
}

/// The three error shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Openai,
    Anthropic,
    Gemini,
}

impl Shape {
    fn of(protocol: &str) -> Shape {
        match protocol {
            "openai" => Shape::Openai,
            "anthropic" => Shape::Anthropic,
            _ => Shape::Gemini,
        }
    }
}

/// The error body `shape`'s own API sends with `status`: for errors that come from no
/// upstream (a gateway's own: auth, limits, routing). The error type follows the status
/// as in the translations above; Gemini's `code` is `status` itself.
pub fn body_for_status(shape: Shape, status: u16, message: &str) -> Value {
    let kind = Kind::from_status(status);
    write(shape, kind, status, message)
}

/// `code` is Gemini's numeric `code` (the HTTP status it goes with).
fn write(shape: Shape, kind: Kind, code: u16, message: &str) -> Value {
    match shape {
        Shape::Openai => {
            json!({"error": {"message": message, "type": kind.openai(), "param": null, "code": null}})
        }
        Shape::Anthropic => {
            json!({"type": "error", "error": {"type": kind.anthropic(), "message": message}})
        }
        Shape::Gemini => {
            json!({"error": {"code": code, "message": message, "status": kind.gemini()}})
        }
    }
}

fn translate<S: aigw_wire::Json, T: aigw_wire::Json>(
    from: &str,
    to: &'static str,
    target: &'static str,
    status: u16,
    body: &S,
    opts: &Options,
) -> Result<ErrorTranslation<T>, TranslateError> {
    let mut ctx = Ctx::new(opts, target);
    let parsed = parse(&mut ctx, from, status, to_json(body)?)?;
    let value = write(
        Shape::of(to),
        parsed.kind,
        parsed.kind.status(),
        &parsed.message,
    );
    Ok(ErrorTranslation {
        status: parsed.kind.status(),
        body: ctx.finish(value)?,
    })
}

macro_rules! error_fn {
    ($(#[$doc:meta])* $name:ident, $from:literal, $src:ty, $to:literal, $target:literal, $dst:ty) => {
        $(#[$doc])*
        pub fn $name(status: u16, body: &$src, opts: &Options) -> Result<ErrorTranslation<$dst>, TranslateError> {
            translate($from, $to, $target, status, body, opts)
        }
    };
}

error_fn!(
    /// An Anthropic error for an OpenAI client.
    anthropic_to_openai, "anthropic", aigw_anthropic::ErrorResponse, "openai", "OpenAI errors", aigw_openai::ErrorResponse
);
error_fn!(
    /// A Gemini error for an OpenAI client.
    gemini_to_openai, "gemini", Value, "openai", "OpenAI errors", aigw_openai::ErrorResponse
);
error_fn!(
    /// An OpenAI error for an Anthropic client.
    openai_to_anthropic, "openai", aigw_openai::ErrorResponse, "anthropic", "Anthropic errors", aigw_anthropic::ErrorResponse
);
error_fn!(
    /// A Gemini error for an Anthropic client.
    gemini_to_anthropic, "gemini", Value, "anthropic", "Anthropic errors", aigw_anthropic::ErrorResponse
);
error_fn!(
    /// An OpenAI error for a Gemini client.
    openai_to_gemini, "openai", aigw_openai::ErrorResponse, "gemini", "Gemini errors", aigw_gemini::ErrorResponse
);
error_fn!(
    /// An Anthropic error for a Gemini client.
    anthropic_to_gemini, "anthropic", aigw_anthropic::ErrorResponse, "gemini", "Gemini errors", aigw_gemini::ErrorResponse
);
