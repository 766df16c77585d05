//! Removes nullability from types: `nullable: true`, `{type: "null"}` branches of unions and
//! `null` in `enum` lists. Every generated field is an `aigw_wire::Maybe` (absent / null /
//! value), because real traffic sends `null` for fields the spec calls non-nullable; the type
//! itself therefore never needs to say "or null".

use serde_json::Value;

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.len() == 1 && e[0].is_null())
}

pub fn run(schemas: &mut super::Schemas) {
    super::rewrite_all(schemas, |schema| {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        obj.remove("nullable");
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(list)) = obj.get_mut(key) {
                list.retain(|v| !is_null_schema(v));
            }
        }
        if let Some(Value::Array(values)) = obj.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn null_branches_and_values_go() {
        let out = super::super::run_one(
            super::run,
            json!({"anyOf": [{"type": "string", "enum": ["a", null]}, {"type": "null"}], "nullable": true}),
        );
        assert_eq!(out, json!({"anyOf": [{"type": "string", "enum": ["a"]}]}));
    }
}
