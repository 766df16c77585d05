//! Error bodies between the three shapes: the type each protocol uses for a status, what is
//! reported when a body carries more than the common shape keeps, and the bodies a gateway
//! writes for its own errors.

use aigw_translate::Options;
use aigw_translate::errors::{
    Shape, anthropic_to_gemini, anthropic_to_openai, body_for_status, gemini_to_anthropic,
    gemini_to_openai, openai_to_anthropic, openai_to_gemini,
};
use serde_json::{Value, json};

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("a valid error body")
}

fn json_of<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serializable")
}

#[test]
fn a_gemini_deadline_is_a_timeout_everywhere() {
    let gemini = json!({"error": {"code": 504, "message": "Deadline expired", "status": "DEADLINE_EXCEEDED"}});
    let to_anthropic = gemini_to_anthropic(504, &gemini, &Options::default()).expect("translates");
    assert_eq!(to_anthropic.status, 504);
    assert_eq!(
        json_of(&to_anthropic.body.value),
        json!({"type": "error", "error": {"type": "timeout_error", "message": "Deadline expired"}})
    );
    let to_openai = gemini_to_openai(504, &gemini, &Options::default()).expect("translates");
    assert_eq!(to_openai.status, 504);
    assert_eq!(
        json_of(&to_openai.body.value)["error"]["type"],
        "server_error"
    );
    assert!(
        to_openai.body.losses.is_empty(),
        "{:?}",
        to_openai.body.losses
    );
}

#[test]
fn an_anthropic_timeout_is_a_gemini_deadline_and_overloaded_stays_unavailable() {
    let timeout =
        parse(json!({"type": "error", "error": {"type": "timeout_error", "message": "slow"}}));
    let t = anthropic_to_gemini(504, &timeout, &Options::default()).expect("translates");
    assert_eq!(t.status, 504);
    assert_eq!(
        json_of(&t.body.value),
        json!({"error": {"code": 504, "message": "slow", "status": "DEADLINE_EXCEEDED"}})
    );
    let overloaded =
        parse(json!({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}));
    let t = anthropic_to_gemini(529, &overloaded, &Options::default()).expect("translates");
    assert_eq!(t.status, 503);
    assert_eq!(json_of(&t.body.value)["error"]["status"], "UNAVAILABLE");
}

#[test]
fn openai_types_follow_the_status_and_extra_fields_are_reported() {
    let openai = parse(json!({"error": {
        "message": "Rate limit reached", "type": "requests", "param": null,
        "code": "rate_limit_exceeded"
    }}));
    let t = openai_to_anthropic(429, &openai, &Options::default()).expect("translates");
    assert_eq!(t.status, 429);
    assert_eq!(
        json_of(&t.body.value),
        json!({"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limit reached"}})
    );
    let pointers: Vec<&str> = t.body.losses.iter().map(|l| l.pointer.as_str()).collect();
    assert!(pointers.contains(&"/error/code"), "{pointers:?}");
    let strict = Options {
        strict: true,
        ..Options::default()
    };
    assert!(openai_to_anthropic(429, &openai, &strict).is_err());
}

#[test]
fn a_gemini_body_wrapped_in_an_array_is_read() {
    let gemini =
        json!([{"error": {"code": 404, "message": "no such model", "status": "NOT_FOUND"}}]);
    let t = gemini_to_anthropic(404, &gemini, &Options::default()).expect("translates");
    assert_eq!(t.status, 404);
    assert_eq!(json_of(&t.body.value)["error"]["type"], "not_found_error");
    let openai = parse(
        json!({"error": {"message": "m", "type": "invalid_request_error", "param": null, "code": null}}),
    );
    let back = openai_to_gemini(404, &openai, &Options::default()).expect("translates");
    assert_eq!(json_of(&back.body.value)["error"]["status"], "NOT_FOUND");
    let anthropic = parse(
        json!({"type": "error", "error": {"type": "authentication_error", "message": "bad key"}}),
    );
    let to_openai = anthropic_to_openai(401, &anthropic, &Options::default()).expect("translates");
    assert_eq!(
        json_of(&to_openai.body.value)["error"]["type"],
        "authentication_error"
    );
}

#[test]
fn a_gateways_own_errors_use_each_protocols_type_for_the_status() {
    // (status, OpenAI type, Anthropic type, Gemini status)
    let table = [
        (
            400,
            "invalid_request_error",
            "invalid_request_error",
            "INVALID_ARGUMENT",
        ),
        (
            401,
            "authentication_error",
            "authentication_error",
            "UNAUTHENTICATED",
        ),
        (
            403,
            "permission_error",
            "permission_error",
            "PERMISSION_DENIED",
        ),
        (404, "invalid_request_error", "not_found_error", "NOT_FOUND"),
        (
            413,
            "invalid_request_error",
            "request_too_large",
            "INVALID_ARGUMENT",
        ),
        (
            429,
            "rate_limit_error",
            "rate_limit_error",
            "RESOURCE_EXHAUSTED",
        ),
        (500, "server_error", "api_error", "INTERNAL"),
        (502, "server_error", "api_error", "INTERNAL"),
        (503, "server_error", "overloaded_error", "UNAVAILABLE"),
        (504, "server_error", "timeout_error", "DEADLINE_EXCEEDED"),
    ];
    for (status, openai, anthropic, gemini) in table {
        assert_eq!(
            body_for_status(Shape::Openai, status, "m"),
            json!({"error": {"message": "m", "type": openai, "param": null, "code": null}}),
            "{status}"
        );
        assert_eq!(
            body_for_status(Shape::Anthropic, status, "m"),
            json!({"type": "error", "error": {"type": anthropic, "message": "m"}}),
            "{status}"
        );
        // Gemini's numeric code is the status sent, not the kind's usual one.
        assert_eq!(
            body_for_status(Shape::Gemini, status, "m"),
            json!({"error": {"code": status, "message": "m", "status": gemini}}),
            "{status}"
        );
    }
}
