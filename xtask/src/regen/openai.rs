//! The OpenAI front end: API groups (cargo features) by path, and the deviations of real
//! traffic from the spec that the types must accept.

use super::operations::Table;
use super::pipeline::{ApiSpec, Format, Group, Overlay};
use serde_json::{Value, json};

pub const API: ApiSpec = ApiSpec {
    spec: "openai",
    format: Format::OpenApi,
    crate_dir: "crates/aigw-openai",
    doc_link_base: "https://platform.openai.com",
    groups: GROUPS,
    overlays: OVERLAYS,
    additions: Vec::new,
    hand_written: &[],
    table: Table {
        prefix: "/v1",
        excluded: &[
            (
                "/v1/organization/",
                "the organization admin API: an admin key's business, not a gateway client's",
            ),
            (
                "/v1/projects/",
                "project role administration: an admin key's business, not a gateway client's",
            ),
        ],
    },
};

const GROUPS: &[Group] = &[
    Group {
        name: "error",
        operations: &[],
        roots: &["ErrorResponse"],
    },
    Group {
        name: "chat",
        operations: &[("post", "/chat/completions")],
        roots: &[],
    },
    Group {
        name: "responses",
        operations: &[
            ("post", "/responses"),
            ("get", "/responses/{response_id}"),
            ("delete", "/responses/{response_id}"),
            ("post", "/responses/{response_id}/cancel"),
            ("get", "/responses/{response_id}/input_items"),
            ("post", "/responses/input_tokens"),
            ("post", "/responses/compact"),
        ],
        roots: &[],
    },
    Group {
        name: "embeddings",
        operations: &[("post", "/embeddings")],
        roots: &[],
    },
    Group {
        name: "models",
        operations: &[
            ("get", "/models"),
            ("get", "/models/{model}"),
            ("delete", "/models/{model}"),
        ],
        roots: &[],
    },
    Group {
        name: "completions",
        operations: &[("post", "/completions")],
        roots: &[],
    },
    Group {
        name: "moderations",
        operations: &[("post", "/moderations")],
        roots: &[],
    },
];

fn string_or_parts(original: &Value) -> Value {
    let doc = original
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    json!({
        "oneOf": [{"type": "string"}, {"type": "array", "items": {}}],
        "description": format!("{doc}\n\naigw: also an array of content parts, as Mistral sends (the spec lists only a string)."),
    })
}

/// Where recorded traffic leaves the spec, and how the types accept it.
const OVERLAYS: &[Overlay] = &[
    Overlay {
        schema: "Embedding",
        pointer: "/properties/embedding",
        rewrite: |original| {
            let doc = original
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim();
            json!({
                "oneOf": [{"type": "array", "items": {"type": "number"}}, {"type": "string"}],
                "description": format!("{doc}\n\naigw: a base64 string when the request asked for `encoding_format: \"base64\"` (the spec lists only the array)."),
            })
        },
        why: "embeddings arrive as base64 strings (3 of 3 captures with encoding_format=base64)",
    },
    Overlay {
        schema: "ChatCompletionResponseMessage",
        pointer: "/properties/content",
        rewrite: string_or_parts,
        why: "Mistral returns message.content as an array of parts",
    },
    Overlay {
        schema: "ChatCompletionStreamResponseDelta",
        pointer: "/properties/content",
        rewrite: string_or_parts,
        why: "Mistral streams delta.content as an array of parts",
    },
    Overlay {
        schema: "WebSearchActionSearch",
        pointer: "/properties/sources/items",
        rewrite: |original| {
            json!({
                "description": original.get("description").cloned().unwrap_or(Value::Null),
                "oneOf": [
                    original,
                    {
                        "type": "object",
                        "title": "Api",
                        "description": "aigw: a source of type `api` (e.g. `oai-weather`), seen in real streams but not in the spec.",
                        "properties": {"type": {"type": "string", "enum": ["api"]}, "name": {"type": "string"}},
                        "required": ["type"]
                    }
                ]
            })
        },
        why: "web search sources of type `api` with a `name` (spec: only `url`)",
    },
];
