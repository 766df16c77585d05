//! A union with one variant left (often after `drop_null`) is that variant; with none left it
//! is "any value".

use serde_json::Value;

pub fn run(schemas: &mut super::Schemas) {
    super::rewrite_all(schemas, |schema| {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        for key in ["oneOf", "anyOf"] {
            let Some(Value::Array(list)) = obj.get(key) else {
                continue;
            };
            match list.len() {
                0 => {
                    obj.remove(key);
                }
                1 => {
                    let Some(Value::Array(mut list)) = obj.remove(key) else {
                        continue;
                    };
                    if let Some(Value::Object(only)) = list.pop() {
                        for (k, v) in only {
                            // The outer description documents the use site; keep it.
                            if !(matches!(k.as_str(), "description" | "title")
                                && obj.contains_key(&k))
                            {
                                obj.insert(k, v);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn one_variant_is_inlined_keeping_the_outer_doc() {
        let out = super::super::run_one(
            super::run,
            json!({"description": "outer", "anyOf": [{"$ref": "#/components/schemas/X", "description": "inner"}]}),
        );
        assert_eq!(
            out,
            json!({"description": "outer", "$ref": "#/components/schemas/X"})
        );
    }
}
