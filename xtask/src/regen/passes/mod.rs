//! Normalization passes: each rewrites the schemas toward the few shapes the lowering step
//! understands. They run in the order of [`run_all`]; each has a before/after test.

mod all_of;
mod const_enum;
mod drop_null;
mod merge_string_enums;
mod recursive_ref;
mod single_variant;
mod strip_annotations;
mod type_array;

use serde_json::{Map, Value};

/// Named schemas, in spec order.
pub type Schemas = Map<String, Value>;

/// A pass over all named schemas.
pub struct Pass {
    pub name: &'static str,
    pub run: fn(&mut Schemas),
}

/// The pipeline, in order.
pub const PASSES: &[Pass] = &[
    Pass {
        name: "recursive_ref",
        run: recursive_ref::run,
    },
    Pass {
        name: "strip_annotations",
        run: strip_annotations::run,
    },
    Pass {
        name: "const_enum",
        run: const_enum::run,
    },
    Pass {
        name: "type_array",
        run: type_array::run,
    },
    Pass {
        name: "drop_null",
        run: drop_null::run,
    },
    Pass {
        name: "all_of",
        run: all_of::run,
    },
    Pass {
        name: "merge_string_enums",
        run: merge_string_enums::run,
    },
    Pass {
        name: "single_variant",
        run: single_variant::run,
    },
];

/// Runs every pass over `schemas`.
pub fn run_all(schemas: &mut Schemas) {
    for pass in PASSES {
        (pass.run)(schemas);
    }
}

/// The pass names, in order (for progress output).
pub fn names() -> Vec<&'static str> {
    PASSES.iter().map(|p| p.name).collect()
}

/// Applies a per-schema rewrite to every schema and subschema.
fn rewrite_all(schemas: &mut Schemas, mut f: impl FnMut(&mut Value)) {
    for (_, schema) in schemas.iter_mut() {
        super::schema::walk_mut(schema, &mut f);
    }
}

#[cfg(test)]
pub(crate) fn run_one(pass: fn(&mut Schemas), before: Value) -> Value {
    let mut schemas = Schemas::new();
    match before {
        Value::Object(map) if map.keys().all(|k| k.starts_with(char::is_uppercase)) => {
            schemas = map;
        }
        other => {
            schemas.insert("T".into(), other);
        }
    }
    pass(&mut schemas);
    if schemas.len() == 1
        && let Some(t) = schemas.get("T")
    {
        return t.clone();
    }
    Value::Object(schemas)
}
