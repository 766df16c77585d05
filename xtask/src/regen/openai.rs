//! The OpenAI front end: API groups (cargo features) by path, and the deviations of real
//! traffic from the spec that the types must accept.

use super::emit::{self, Provenance};
use super::ir::{Def, TypeDef};
use super::passes::{self, Schemas};
use super::schema::refs;
use super::{FrontEnd, lower};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

pub const FRONT_END: FrontEnd = FrontEnd {
    spec: "openai",
    crate_dir: "crates/aigw-openai",
    doc_link_base: "https://platform.openai.com",
};

/// An API group: a cargo feature of `aigw-openai`, and the operations it covers.
struct Group {
    name: &'static str,
    operations: &'static [(&'static str, &'static str)],
    /// Schemas to include beyond those reachable from the operations.
    roots: &'static [&'static str],
}

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

/// A documented deviation of real traffic from the spec: the subschema at `pointer` inside
/// the named schema is replaced by `rewrite(original)`.
struct Overlay {
    schema: &'static str,
    pointer: &'static str,
    rewrite: fn(&Value) -> Value,
    /// The evidence (`shared/notes/spec-vs-traffic.md`).
    why: &'static str,
}

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

fn apply_overlays(schemas: &mut Schemas) -> Result<()> {
    for overlay in OVERLAYS {
        let slot = schemas
            .get_mut(overlay.schema)
            .and_then(|s| s.pointer_mut(overlay.pointer))
            .with_context(|| {
                format!(
                    "overlay for `{}`: {}{} is not in the spec any more",
                    overlay.why, overlay.schema, overlay.pointer
                )
            })?;
        *slot = (overlay.rewrite)(slot);
    }
    Ok(())
}

/// Schemas referenced by an operation's request body and responses.
fn operation_refs(spec: &Value, method: &str, path: &str) -> Result<Vec<String>> {
    let op = spec
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(|p| p.get(method))
        .with_context(|| format!("operation {} {path} not in the spec", method.to_uppercase()))?;
    let mut found = Vec::new();
    if let Some(body) = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(|c| c.get("application/json"))
    {
        refs(body, &mut found);
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for response in responses.values() {
            let response = match response.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| spec.pointer(&format!("/components/responses/{name}")))
                    .unwrap_or(response),
                None => response,
            };
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media, body) in content {
                    if media == "application/json" || media == "text/event-stream" {
                        refs(body, &mut found);
                    }
                }
            }
        }
    }
    Ok(found)
}

/// Schema name → groups that reach it.
fn reachability(spec: &Value, schemas: &Schemas) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for group in GROUPS {
        let mut stack: Vec<String> = group.roots.iter().map(|r| (*r).to_owned()).collect();
        for (method, path) in group.operations {
            stack.extend(operation_refs(spec, method, path)?);
        }
        while let Some(name) = stack.pop() {
            let entry = reach.entry(name.clone()).or_default();
            if !entry.insert(group.name.to_owned()) {
                continue;
            }
            if let Some(schema) = schemas.get(&name) {
                refs(schema, &mut stack);
            } else {
                bail!(
                    "group {}: schema `{name}` is referenced but not defined",
                    group.name
                );
            }
        }
    }
    Ok(reach)
}

/// Runs the pipeline for OpenAI; returns formatted files for `src/generated/`.
pub fn generate() -> Result<Vec<(String, String)>> {
    let (source, bytes) = crate::specs::read_vendored(FRONT_END.spec)?;
    let spec: Value = serde_json::from_slice(&bytes).context("parsing the OpenAI spec")?;
    let mut schemas: Schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .context("the OpenAI spec has no components.schemas")?;
    println!(
        "openai: {} schemas; passes: {}",
        schemas.len(),
        passes::names().join(", ")
    );
    passes::run_all(&mut schemas);
    apply_overlays(&mut schemas)?;
    // Overlays are written in spec terms; normalize what they introduced too.
    passes::run_all(&mut schemas);

    let reach = reachability(&spec, &schemas)?;
    let types = lower::lower(&schemas, &reach);
    report(&types);
    let prov = Provenance {
        spec_file: &source.file,
        spec_sha256: &source.sha256,
        doc_link_base: FRONT_END.doc_link_base,
    };
    emit::render(&types, &prov)
        .into_iter()
        .map(|(name, text)| {
            Ok((
                name.clone(),
                emit::rustfmt(&text).with_context(|| format!("formatting {name}"))?,
            ))
        })
        .collect()
}

fn report(types: &[TypeDef]) {
    let mut per_group: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for t in types {
        let slot = match t.def {
            Def::Struct { .. } => 0,
            Def::Union { .. } => 1,
            Def::OpenEnum { .. } | Def::TagEnum { .. } => 2,
            Def::Alias(_) => 3,
        };
        for g in &t.groups {
            per_group.entry(g.as_str()).or_default()[slot] += 1;
        }
    }
    for group in GROUPS {
        let [s, u, e, a] = per_group.get(group.name).copied().unwrap_or_default();
        println!(
            "openai: {:<12} {:>4} types ({s} structs, {u} unions, {e} enums, {a} aliases)",
            group.name,
            s + u + e + a
        );
    }
    println!("openai: {} types in total", types.len());
}
