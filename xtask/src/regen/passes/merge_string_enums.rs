//! A union whose variants are all strings (`oneOf: [{enum: [..]}, {type: string}]`, the
//! spec's way of saying "one of these, or any string") becomes one string enum. When a plain
//! string variant was part of it, the enum is marked `x-aigw-open`, so that even a
//! single-value enum stays open (it is not a discriminator tag).

use serde_json::Value;

fn is_string_schema(v: &Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    let typed_string = obj.get("type").and_then(Value::as_str) == Some("string");
    let enum_of_strings = obj
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|e| e.iter().all(Value::is_string));
    (typed_string || enum_of_strings)
        && !obj.contains_key("$ref")
        && !obj.contains_key("oneOf")
        && !obj.contains_key("anyOf")
}

pub fn run(schemas: &mut super::Schemas) {
    super::rewrite_all(schemas, |schema| {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(list)) = obj.get(key) else {
                continue;
            };
            if list.len() < 2 || !list.iter().all(is_string_schema) {
                continue;
            }
            let mut values: Vec<Value> = Vec::new();
            let mut open = false;
            for variant in list {
                match variant.get("enum").and_then(Value::as_array) {
                    Some(e) => {
                        for v in e {
                            if !values.contains(v) {
                                values.push(v.clone());
                            }
                        }
                    }
                    None => open = true,
                }
            }
            obj.remove(key);
            obj.insert("type".into(), Value::String("string".into()));
            if !values.is_empty() {
                obj.insert("enum".into(), Value::Array(values));
                if open {
                    obj.insert("x-aigw-open".into(), Value::Bool(true));
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn enum_or_string_becomes_one_open_enum() {
        let out = super::super::run_one(
            super::run,
            json!({"anyOf": [{"type": "string"}, {"type": "string", "enum": ["auto"]}]}),
        );
        assert_eq!(
            out,
            json!({"type": "string", "enum": ["auto"], "x-aigw-open": true})
        );
    }

    #[test]
    fn unions_with_objects_are_left_alone() {
        let before = json!({"oneOf": [{"type": "string"}, {"type": "object"}]});
        assert_eq!(super::super::run_one(super::run, before.clone()), before);
    }
}
