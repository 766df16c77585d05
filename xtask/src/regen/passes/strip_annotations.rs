//! Drops keywords that carry no type information (`example(s)`, `default`, `x-*` vendor
//! extensions, validation bounds), so later passes compare schemas by shape only.
//! `description`, `title` and `deprecated` stay: they become doc comments.

const DROP: &[&str] = &[
    "example",
    "examples",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "min_items",
    "max_items",
    "pattern",
    "maxProperties",
    "minProperties",
    "format",
    "optional",
];

pub fn run(schemas: &mut super::Schemas) {
    super::rewrite_all(schemas, |schema| {
        if let Some(obj) = schema.as_object_mut() {
            obj.retain(|k, _| !k.starts_with("x-") && !DROP.contains(&k.as_str()));
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn keeps_shape_and_docs_only() {
        let out = super::super::run_one(
            super::run,
            json!({"type": "integer", "minimum": 0, "default": 1, "x-oaiMeta": {}, "description": "n",
                   "properties": {"default": {"type": "string", "example": "x"}}}),
        );
        // A *property* called `default` is kept; the `default` keyword is not.
        assert_eq!(
            out,
            json!({"type": "integer", "description": "n", "properties": {"default": {"type": "string"}}})
        );
    }
}
