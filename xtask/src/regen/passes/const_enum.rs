//! `const: v` → `enum: [v]`, so single-value tags have one representation.

use serde_json::Value;

pub fn run(schemas: &mut super::Schemas) {
    super::rewrite_all(schemas, |schema| {
        if let Some(obj) = schema.as_object_mut()
            && let Some(value) = obj.remove("const")
        {
            if value.is_string() && !obj.contains_key("type") {
                obj.insert("type".into(), Value::String("string".into()));
            }
            obj.insert("enum".into(), Value::Array(vec![value]));
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn const_becomes_single_value_enum() {
        let out = super::super::run_one(super::run, json!({"const": "message"}));
        assert_eq!(out, json!({"type": "string", "enum": ["message"]}));
    }
}
