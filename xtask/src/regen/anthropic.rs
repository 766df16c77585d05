//! The Anthropic front end (Stainless-hosted OpenAPI 3.1 spec): API groups by path, the stream
//! event union (defined by the spec but referenced by no path), and the `ping` / `error`
//! stream events the spec lacks, which are written by hand in `aigw-anthropic`.

use super::operations::Table;
use super::pipeline::{ApiSpec, Format, Group, Overlay};
use serde_json::{Value, json};

pub const API: ApiSpec = ApiSpec {
    spec: "anthropic",
    format: Format::OpenApi,
    crate_dir: "crates/aigw-anthropic",
    doc_link_base: "https://docs.anthropic.com",
    groups: GROUPS,
    overlays: OVERLAYS,
    additions,
    hand_written: &[
        ("MessagePingEvent", "stream_events"),
        ("MessageErrorEvent", "stream_events"),
    ],
    table: Table {
        prefix: "",
        excluded: &[],
    },
};

const GROUPS: &[Group] = &[
    Group {
        name: "error",
        operations: &[],
        roots: &["ErrorResponse"],
    },
    Group {
        name: "messages",
        operations: &[("post", "/v1/messages")],
        // The stream event union is not referenced from any path.
        roots: &["MessageStreamEvent"],
    },
    Group {
        name: "count_tokens",
        operations: &[("post", "/v1/messages/count_tokens")],
        roots: &[],
    },
    Group {
        name: "models",
        operations: &[("get", "/v1/models"), ("get", "/v1/models/{model_id}")],
        roots: &[],
    },
    Group {
        name: "batches",
        operations: &[
            ("post", "/v1/messages/batches"),
            ("get", "/v1/messages/batches"),
            ("get", "/v1/messages/batches/{message_batch_id}"),
            ("delete", "/v1/messages/batches/{message_batch_id}"),
            ("post", "/v1/messages/batches/{message_batch_id}/cancel"),
        ],
        // Results are JSON Lines of this type.
        roots: &["MessageBatchIndividualResponse"],
    },
];

/// Stubs (in spec terms) for the hand-written stream events, so that the event union knows
/// their tags and keys; their Rust types live in `aigw-anthropic/src/stream_events.rs`.
fn additions() -> Vec<(&'static str, Value)> {
    vec![
        (
            "MessagePingEvent",
            json!({"type": "object", "properties": {"type": {"type": "string", "enum": ["ping"]}}, "required": ["type"]}),
        ),
        (
            "MessageErrorEvent",
            json!({"type": "object", "properties": {
                "type": {"type": "string", "enum": ["error"]},
                "error": {"type": "object"}
            }, "required": ["type", "error"]}),
        ),
    ]
}

const OVERLAYS: &[Overlay] = &[Overlay {
    schema: "MessageStreamEvent",
    pointer: "/oneOf",
    rewrite: |original| {
        let mut variants = original.as_array().cloned().unwrap_or_default();
        variants.push(json!({"$ref": "#/components/schemas/MessagePingEvent"}));
        variants.push(json!({"$ref": "#/components/schemas/MessageErrorEvent"}));
        Value::Array(variants)
    },
    why: "`ping` arrives in 28 of 29 recorded streams and `error` is documented, but neither has a schema",
}];
