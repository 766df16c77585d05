//! `type: [A, B]` (JSON Schema 2020 / OpenAPI 3.1) → one `type` plus `nullable`, or a `oneOf`
//! of single-typed schemas when several non-null types remain.

use serde_json::{Map, Value};

/// Keywords that belong to one `type` when a multi-type schema is split.
fn belongs_to(key: &str, ty: &str) -> bool {
    match key {
        "properties" | "additionalProperties" | "required" => ty == "object",
        "items" | "prefixItems" => ty == "array",
        "enum" => ty == "string",
        _ => true,
    }
}

pub fn run(schemas: &mut super::Schemas) {
    super::rewrite_all(schemas, |schema| {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let Some(Value::Array(types)) = obj.get("type").cloned() else {
            return;
        };
        let mut non_null: Vec<String> = Vec::new();
        let mut nullable = false;
        for t in types.iter().filter_map(Value::as_str) {
            if t == "null" {
                nullable = true
            } else {
                non_null.push(t.to_owned())
            }
        }
        obj.remove("type");
        if nullable {
            obj.insert("nullable".into(), Value::Bool(true));
        }
        match non_null.as_slice() {
            [] => {}
            [one] => {
                obj.insert("type".into(), Value::String(one.clone()));
            }
            many => {
                let mut variants = Vec::new();
                for ty in many {
                    let mut variant = Map::new();
                    variant.insert("type".into(), Value::String(ty.clone()));
                    for (k, v) in obj.iter() {
                        if !matches!(
                            k.as_str(),
                            "description" | "title" | "nullable" | "deprecated"
                        ) && belongs_to(k, ty)
                        {
                            variant.insert(k.clone(), v.clone());
                        }
                    }
                    variants.push(Value::Object(variant));
                }
                obj.retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "description" | "title" | "nullable" | "deprecated"
                    )
                });
                obj.insert("oneOf".into(), Value::Array(variants));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn nullable_single_type() {
        let out = super::super::run_one(super::run, json!({"type": ["string", "null"]}));
        assert_eq!(out, json!({"nullable": true, "type": "string"}));
    }

    #[test]
    fn several_types_become_a_union() {
        let out = super::super::run_one(
            super::run,
            json!({"type": ["string", "array"], "items": {"type": "integer"}, "description": "d"}),
        );
        assert_eq!(
            out,
            json!({"description": "d", "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}]})
        );
    }
}
