//! The Google API discovery front end: converts a discovery document's `schemas` to the JSON
//! Schema the pipeline takes.

use super::passes::Schemas;
use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

/// Converts every schema of the document.
pub fn to_json_schema(doc: &Value) -> Result<Schemas> {
    let schemas = doc
        .get("schemas")
        .and_then(Value::as_object)
        .context("the discovery document has no schemas")?;
    Ok(schemas
        .iter()
        .map(|(name, schema)| (name.clone(), convert(schema)))
        .collect())
}

/// One discovery schema → JSON Schema:
/// - `$ref: "Name"` → `$ref: "#/components/schemas/Name"`;
/// - `type: "any"` → no type (any value);
/// - `format: int64`/`uint64` strings → string **or** integer: the API sends these as JSON
///   strings in some places and clients send numbers in others, and both must round-trip as
///   received;
/// - `enum` (+ `enumDescriptions`) → an enum marked open (discovery enums grow without notice,
///   and clients send lower-case spellings such as `"object"`);
/// - `id`, `readOnly`, `enumDescriptions`, `enumDeprecated` are dropped.
fn convert(schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        match key.as_str() {
            "id" | "readOnly" | "enumDescriptions" | "enumDeprecated" => {}
            "$ref" => {
                if let Some(name) = value.as_str() {
                    out.insert(
                        "$ref".into(),
                        Value::String(format!("#/components/schemas/{name}")),
                    );
                }
            }
            "type" if value == "any" => {}
            "properties" => {
                let props: Map<String, Value> = value
                    .as_object()
                    .map(|p| p.iter().map(|(k, v)| (k.clone(), convert(v))).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(props));
            }
            "items" | "additionalProperties" => {
                out.insert(key.clone(), convert(value));
            }
            "enum" => {
                out.insert(key.clone(), value.clone());
                out.insert("x-aigw-open".into(), Value::Bool(true));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    let int64_string = out.get("type").and_then(Value::as_str) == Some("string")
        && matches!(
            out.get("format").and_then(Value::as_str),
            Some("int64" | "uint64")
        );
    if int64_string {
        let mut union = Map::new();
        if let Some(doc) = out.remove("description") {
            union.insert("description".into(), doc);
        }
        union.insert(
            "oneOf".into(),
            json!([{"type": "string"}, {"type": "integer"}]),
        );
        return Value::Object(union);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::convert;
    use serde_json::json;

    #[test]
    fn refs_any_enums_and_int64() {
        assert_eq!(
            convert(&json!({"id": "Part", "type": "object", "properties": {
                "data": {"$ref": "Blob", "description": "d"},
                "args": {"type": "object", "additionalProperties": {"type": "any"}},
                "mode": {"type": "string", "enum": ["A", "B"], "enumDescriptions": ["a", "b"]},
                "count": {"type": "string", "format": "int64", "description": "n"},
                "small": {"type": "integer", "format": "int32", "readOnly": true}
            }})),
            json!({"type": "object", "properties": {
                "data": {"$ref": "#/components/schemas/Blob", "description": "d"},
                "args": {"type": "object", "additionalProperties": {}},
                "mode": {"type": "string", "enum": ["A", "B"], "x-aigw-open": true},
                "count": {"description": "n", "oneOf": [{"type": "string"}, {"type": "integer"}]},
                "small": {"type": "integer", "format": "int32"}
            }})
        );
    }
}
