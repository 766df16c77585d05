//! `$recursiveRef: "#"` (2019-09 recursion) → a plain `$ref` to the enclosing named schema.

use super::Schemas;
use serde_json::Value;

pub fn run(schemas: &mut Schemas) {
    for (name, schema) in schemas.iter_mut() {
        let target = format!("#/components/schemas/{name}");
        crate::regen::schema::walk_mut(schema, &mut |s| {
            if let Some(obj) = s.as_object_mut()
                && obj.get("$recursiveRef").and_then(Value::as_str) == Some("#")
            {
                obj.remove("$recursiveRef");
                obj.insert("$ref".into(), Value::String(target.clone()));
            }
        });
        if let Some(obj) = schema.as_object_mut() {
            obj.remove("$recursiveAnchor");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn points_at_the_enclosing_schema() {
        let out = super::super::run_one(
            super::run,
            json!({"Filter": {"$recursiveAnchor": true, "properties": {"f": {"items": {"$recursiveRef": "#"}}}}}),
        );
        assert_eq!(
            out,
            json!({"Filter": {"properties": {"f": {"items": {"$ref": "#/components/schemas/Filter"}}}}})
        );
    }
}
