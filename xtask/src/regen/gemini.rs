//! The Gemini front end (a Google API discovery document, converted by [`super::discovery`]):
//! API groups by method, the error envelope and the `MediaResolution` schema the document
//! lacks, and the deviations of real traffic from it.

use super::operations::Table;
use super::pipeline::{ApiSpec, Format, Group, Overlay};
use serde_json::{Value, json};

pub const API: ApiSpec = ApiSpec {
    spec: "gemini",
    format: Format::Discovery,
    crate_dir: "crates/aigw-gemini",
    doc_link_base: "https://ai.google.dev",
    groups: GROUPS,
    overlays: OVERLAYS,
    additions,
    hand_written: &[],
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
        name: "generate",
        operations: &[
            ("", "models.generateContent"),
            ("", "models.streamGenerateContent"),
        ],
        roots: &[],
    },
    Group {
        name: "count_tokens",
        operations: &[("", "models.countTokens")],
        roots: &[],
    },
    Group {
        name: "embeddings",
        operations: &[
            ("", "models.embedContent"),
            ("", "models.batchEmbedContents"),
        ],
        roots: &[],
    },
    Group {
        name: "models",
        operations: &[("", "models.list"), ("", "models.get")],
        roots: &[],
    },
];

/// Schemas the document lacks (in JSON Schema terms, after conversion).
fn additions() -> Vec<(&'static str, Value)> {
    vec![
        (
            "ErrorResponse",
            json!({
                "type": "object",
                "description": "The error body: `{\"error\": {code, message, status, details}}` (the discovery document describes no error body).",
                "properties": {"error": {"$ref": "#/components/schemas/ErrorStatus"}},
                "required": ["error"]
            }),
        ),
        (
            "ErrorStatus",
            json!({
                "type": "object",
                "description": "`google.rpc.Status` as the error envelope carries it, with the `status` name the document's `Status` lacks.",
                "properties": {
                    "code": {"type": "integer", "description": "The HTTP status code."},
                    "message": {"type": "string", "description": "A developer-facing error message."},
                    "status": {"type": "string", "description": "The canonical code name, e.g. `INVALID_ARGUMENT`, `NOT_FOUND`."},
                    "details": {"type": "array", "items": {"type": "object"}, "description": "Typed error details, each with an `@type`."}
                }
            }),
        ),
        (
            "MediaResolution",
            json!({"description": "Referenced by `Part.mediaResolution` but not defined by the discovery document; kept as any JSON value."}),
        ),
    ]
}

const OVERLAYS: &[Overlay] = &[Overlay {
    schema: "GenerateContentRequest",
    pointer: "/properties/tools",
    rewrite: |original| {
        let doc = original
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        json!({
            "description": format!("{doc}\n\naigw: the API also accepts a single `Tool` object here, and clients send one."),
            "oneOf": [original, {"$ref": "#/components/schemas/Tool"}]
        })
    },
    why: "`tools` sent as a single object is accepted by the API (2 exchanges)",
}];
