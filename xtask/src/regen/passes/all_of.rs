//! Flattens `allOf` into one object schema (properties and `required` merged, later members
//! winning), resolving `$ref` members. `allOf: [{$ref: X}]` alone stays a reference to `X`,
//! so the named type is reused rather than copied.

use super::Schemas;
use crate::regen::schema::ref_name;
use serde_json::{Map, Value};

const DOC_KEYS: &[&str] = &["description", "title", "deprecated"];

pub fn run(schemas: &mut Schemas) {
    let snapshot = schemas.clone();
    super::rewrite_all(schemas, |schema| flatten(schema, &snapshot, 0));
}

fn flatten(schema: &mut Value, all: &Schemas, depth: usize) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let Some(Value::Array(members)) = obj.remove("allOf") else {
        return;
    };

    let structural = obj.keys().any(|k| !DOC_KEYS.contains(&k.as_str()));
    if members.len() == 1 && !structural {
        if let Value::Object(member) = &members[0] {
            for (k, v) in member {
                if !(DOC_KEYS.contains(&k.as_str()) && obj.contains_key(k)) {
                    obj.insert(k.clone(), v.clone());
                }
            }
        }
        return;
    }

    let mut merged = Map::new();
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let own = Value::Object(obj.clone());
    for member in members.iter().chain(std::iter::once(&own)) {
        let mut resolved = resolve(member, all, depth);
        flatten(&mut resolved, all, depth + 1);
        let Value::Object(member) = resolved else {
            continue;
        };
        for (k, v) in member {
            match k.as_str() {
                "properties" => {
                    if let Value::Object(props) = v {
                        for (name, prop) in props {
                            properties.insert(name, prop);
                        }
                    }
                }
                "required" => {
                    for r in v.as_array().into_iter().flatten() {
                        if !required.contains(r) {
                            required.push(r.clone());
                        }
                    }
                }
                // Documentation of the members describes the members, not the merged type.
                "description" | "title" => {}
                _ => {
                    merged.insert(k, v);
                }
            }
        }
    }
    for key in DOC_KEYS {
        if let Some(v) = obj.get(*key) {
            merged.insert((*key).to_owned(), v.clone());
        }
    }
    merged.insert("type".into(), Value::String("object".into()));
    merged.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        merged.insert("required".into(), Value::Array(required));
    }
    *obj = merged;
}

fn resolve(member: &Value, all: &Schemas, depth: usize) -> Value {
    if depth < 16
        && let Some(name) = ref_name(member)
        && let Some(target) = all.get(name)
    {
        return resolve(target, all, depth + 1);
    }
    member.clone()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn merges_members_and_refs() {
        let out = super::super::run_one(
            super::run,
            json!({
                "Base": {"type": "object", "properties": {"model": {"type": "string"}}, "required": ["model"]},
                "Req": {"description": "r", "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
                ]}
            }),
        );
        assert_eq!(
            out["Req"],
            json!({"description": "r", "type": "object",
                   "properties": {"model": {"type": "string"}, "n": {"type": "integer"}},
                   "required": ["model", "n"]})
        );
    }

    #[test]
    fn single_ref_stays_a_ref() {
        let out = super::super::run_one(
            super::run,
            json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/X"}]}),
        );
        assert_eq!(
            out,
            json!({"description": "d", "$ref": "#/components/schemas/X"})
        );
    }
}
