//! Walking JSON Schema values (as `serde_json::Value`) in the places where subschemas live.

use serde_json::Value;

/// Keywords whose value is one subschema.
const SINGLE: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
];
/// Keywords whose value is an array of subschemas.
const LISTS: &[&str] = &["oneOf", "anyOf", "allOf", "prefixItems"];

/// Calls `f` on every direct subschema of `schema` (not on `schema` itself).
pub fn for_each_child_mut(schema: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (_, sub) in props.iter_mut() {
            f(sub);
        }
    }
    for key in SINGLE {
        if let Some(sub) = obj.get_mut(*key)
            && sub.is_object()
        {
            f(sub);
        }
    }
    for key in LISTS {
        if let Some(Value::Array(list)) = obj.get_mut(*key) {
            for sub in list {
                f(sub);
            }
        }
    }
}

/// Calls `f` on `schema` and then, depth first, on every subschema below it (post-order:
/// children are rewritten before their parent sees them).
pub fn walk_mut(schema: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    for_each_child_mut(schema, &mut |child| walk_mut(child, f));
    f(schema);
}

/// The schema name a local `$ref` points at (`#/components/schemas/Name` → `Name`).
pub fn ref_name(schema: &Value) -> Option<&str> {
    schema.get("$ref")?.as_str()?.rsplit('/').next()
}

/// Every `$ref` name below `schema`, in order of appearance.
pub fn refs(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(obj) => {
            if let Some(name) = ref_name(schema) {
                out.push(name.to_owned());
            }
            for (key, value) in obj {
                // Skip values that are data, not schemas.
                if matches!(
                    key.as_str(),
                    "enum" | "const" | "default" | "example" | "examples"
                ) {
                    continue;
                }
                refs(value, out);
            }
        }
        Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}
