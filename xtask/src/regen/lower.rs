//! Lowering normalized JSON Schemas to the IR ([`crate::regen::ir`]).

use super::boxing;
use super::doors::{closed_constructs, open_doors};
use super::ir::{Def, Field, Ty, TypeDef, Variant, defs_by_name, kind};
use super::names;
use super::passes::Schemas;
use super::schema::ref_name;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Names the generated code imports or uses unqualified; schemas with these names get a suffix.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Maybe",
    "Map",
    "Number",
    "Value",
    "String",
    "Vec",
    "Box",
    "Option",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Serialize",
    "Deserialize",
    "BTreeMap",
];

/// Discriminator properties tried, in order, when a union declares none.
const TAG_CANDIDATES: &[&str] = &["type", "object", "role", "event"];

/// Lowers the reachable named schemas. `reachable` maps schema name → API groups reaching it.
#[cfg(test)]
pub fn lower(schemas: &Schemas, reachable: &BTreeMap<String, BTreeSet<String>>) -> Vec<TypeDef> {
    lower_opening_doors(schemas, reachable).0
}

/// [`lower`], also returning the closed doors it opened ([`closed_constructs`] before
/// [`open_doors`], in [`super::doors`]).
pub fn lower_opening_doors(
    schemas: &Schemas,
    reachable: &BTreeMap<String, BTreeSet<String>>,
) -> (Vec<TypeDef>, Vec<String>) {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut rust_names = BTreeMap::new();
    for name in reachable.keys() {
        // Spec names are already PascalCase; only names with other characters are rewritten.
        let mut rust = if name.chars().all(|c| c.is_ascii_alphanumeric())
            && name.starts_with(|c: char| c.is_ascii_uppercase())
        {
            name.clone()
        } else {
            names::type_name(name)
        };
        if RESERVED_TYPE_NAMES.contains(&rust.as_str()) {
            rust.push_str("Schema");
        }
        let rust = names::unique(rust, &mut taken);
        rust_names.insert(name.clone(), rust);
    }
    let mut lowering = Lowering {
        rust_names,
        taken,
        types: Vec::new(),
        groups: BTreeSet::new(),
    };
    for (name, groups) in reachable {
        let Some(schema) = schemas.get(name) else {
            continue;
        };
        lowering.groups = groups.clone();
        let rust = lowering.rust_names[name].clone();
        let def = lowering.def_of(schema, &rust, name);
        lowering.push(rust, name.clone(), doc_of(schema), def);
    }
    let mut types = lowering.types;
    types.sort_by(|a, b| a.name.cmp(&b.name));
    analyze_unions(&mut types);
    boxing::box_recursion(&mut types);
    boxing::box_large_variants(&mut types);
    let opened = closed_constructs(&types);
    open_doors(&mut types);
    (types, opened)
}

struct Lowering {
    rust_names: BTreeMap<String, String>,
    taken: BTreeSet<String>,
    types: Vec<TypeDef>,
    groups: BTreeSet<String>,
}

fn doc_of(schema: &Value) -> Option<String> {
    let mut doc = schema
        .get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("")
        .to_owned();
    if schema.get("deprecated").and_then(Value::as_bool) == Some(true) {
        doc = if doc.is_empty() {
            "Deprecated.".into()
        } else {
            format!("Deprecated. {doc}")
        };
    }
    (!doc.is_empty()).then_some(doc)
}

fn union_members(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
}

fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    values
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn type_of(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

fn properties(schema: &Value) -> Option<&serde_json::Map<String, Value>> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .filter(|p| !p.is_empty())
}

impl Lowering {
    fn push(&mut self, name: String, origin: String, doc: Option<String>, def: Def) {
        self.types.push(TypeDef {
            name,
            origin,
            doc,
            def,
            groups: self.groups.clone(),
        });
    }

    /// Registers an inline schema as a new named type and returns a reference to it.
    fn inline(&mut self, schema: &Value, ctx: &str, origin: &str) -> Ty {
        let name = names::unique(ctx.to_owned(), &mut self.taken);
        let def = self.def_of(schema, &name, origin);
        self.push(name.clone(), origin.to_owned(), doc_of(schema), def);
        Ty::Named(name)
    }

    /// What a schema is when it gets a name of its own.
    fn def_of(&mut self, schema: &Value, rust: &str, origin: &str) -> Def {
        if ref_name(schema).is_some() {
            return Def::Alias(self.ty_of(schema, rust, origin));
        }
        if let Some(members) = union_members(schema) {
            return self.union(schema, members, rust, origin);
        }
        if let Some(values) = string_enum(schema) {
            let open = schema.get("x-aigw-open").and_then(Value::as_bool) == Some(true);
            if values.len() == 1 && !open {
                return Def::TagEnum {
                    variant: names::type_name(&values[0]),
                    value: values[0].clone(),
                };
            }
            let mut taken: BTreeSet<String> = ["Other".to_owned()].into();
            let values = values
                .into_iter()
                .map(|v| (names::unique(names::type_name(&v), &mut taken), v))
                .collect();
            return Def::OpenEnum { values };
        }
        if let Some(props) = properties(schema) {
            return self.structure(schema, props, rust, origin);
        }
        Def::Alias(self.ty_of(schema, rust, origin))
    }

    /// The type of a schema at a use site; inline enums, unions and objects get named types
    /// called `ctx`.
    fn ty_of(&mut self, schema: &Value, ctx: &str, origin: &str) -> Ty {
        if let Some(target) = ref_name(schema) {
            return match self.rust_names.get(target) {
                Some(rust) => Ty::Named(rust.clone()),
                None => {
                    eprintln!(
                        "warning: {origin}: $ref to undefined schema `{target}`, typed as any value"
                    );
                    Ty::Any
                }
            };
        }
        if union_members(schema).is_some()
            || string_enum(schema).is_some()
            || properties(schema).is_some()
        {
            return self.inline(schema, ctx, origin);
        }
        match type_of(schema) {
            Some("string") => Ty::String,
            Some("integer" | "number") => Ty::Number,
            Some("boolean") => Ty::Bool,
            Some("array") => match schema.get("items") {
                Some(items) if items.is_object() => Ty::Vec(Box::new(self.ty_of(
                    items,
                    &format!("{ctx}Item"),
                    &format!("{origin}[]"),
                ))),
                _ => Ty::Vec(Box::new(Ty::Any)),
            },
            Some("object") => match schema.get("additionalProperties") {
                Some(ap) if ap.as_object().is_some_and(|o| !o.is_empty()) => {
                    match self.ty_of(ap, &format!("{ctx}Value"), &format!("{origin}.*")) {
                        Ty::Any => Ty::Object,
                        value => Ty::Map(Box::new(value)),
                    }
                }
                _ => Ty::Object,
            },
            _ => Ty::Any,
        }
    }

    fn structure(
        &mut self,
        schema: &Value,
        props: &serde_json::Map<String, Value>,
        rust: &str,
        origin: &str,
    ) -> Def {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut taken: BTreeSet<String> = ["extra".to_owned()].into();
        let mut fields = Vec::new();
        for (wire, prop) in props {
            let ctx = format!("{rust}{}", names::type_name(wire));
            let ty = self.ty_of(prop, &ctx, &format!("{origin}.{wire}"));
            fields.push(Field {
                wire: wire.clone(),
                rust: names::unique(names::field_name(wire), &mut taken),
                ty,
                doc: doc_of(prop),
                required: required.contains(&wire.as_str()),
            });
        }
        Def::Struct { fields }
    }

    fn union(&mut self, schema: &Value, members: &[Value], rust: &str, origin: &str) -> Def {
        let mut variants = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let suffix = inline_variant_suffix(member).unwrap_or_else(|| format!("Variant{i}"));
            let ty = self.ty_of(member, &format!("{rust}{suffix}"), &format!("{origin}|{i}"));
            variants.push(Variant {
                name: String::new(),
                ty,
                doc: doc_of(member),
                kinds: 0,
                tags: Vec::new(),
                keys: Vec::new(),
                required: Vec::new(),
            });
        }
        let tag = schema
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Def::Union { tag, variants }
    }
}

/// A readable name suffix for an inline union member: its tag, its title, or its JSON kind.
fn inline_variant_suffix(member: &Value) -> Option<String> {
    if let Some(props) = properties(member) {
        for tag in TAG_CANDIDATES {
            if let Some(values) = props.get(*tag).and_then(string_enum)
                && values.len() == 1
            {
                return Some(names::type_name(&values[0]));
            }
        }
    }
    if let Some(title) = member.get("title").and_then(Value::as_str) {
        return Some(names::type_name(title));
    }
    match type_of(member) {
        Some(t @ ("string" | "array" | "object" | "boolean")) => Some(names::type_name(t)),
        Some("integer" | "number") => Some("Number".into()),
        _ => None,
    }
}

/// Everything about the generated types that needs the whole set: variant kinds, tags, keys
/// and names of every union.
pub fn analyze_unions(types: &mut [TypeDef]) {
    let index = defs_by_name(types);
    for t in types.iter_mut() {
        let Def::Union { tag, variants } = &mut t.def else {
            continue;
        };
        for v in variants.iter_mut() {
            v.kinds = kinds_of(&v.ty, &index, 0);
        }
        // An open string enum already takes any string: a plain `string` variant next to it
        // could never be chosen.
        let has_open_enum = variants.iter().any(
            |v| matches!(&v.ty, Ty::Named(n) if matches!(index.get(n), Some(Def::OpenEnum { .. }))),
        );
        if has_open_enum {
            variants.retain(|v| v.ty != Ty::String);
        }
        let mut seen = Vec::new();
        variants.retain(|v| {
            let new = !seen.contains(&v.ty);
            seen.push(v.ty.clone());
            new
        });

        if tag.is_none() {
            *tag = TAG_CANDIDATES
                .iter()
                .find(|candidate| {
                    variants
                        .iter()
                        .filter(|v| !tags_of(&v.ty, candidate, &index, 0).is_empty())
                        .count()
                        >= 2
                })
                .map(|c| (*c).to_owned());
        }
        for v in variants.iter_mut() {
            if let Some(tag) = tag.as_deref() {
                v.tags = tags_of(&v.ty, tag, &index, 0);
            }
            if v.kinds & kind::OBJECT != 0 {
                let (keys, required) = keys_of(&v.ty, &index, 0);
                v.keys = keys;
                v.required = required;
            }
        }
        let mut taken: BTreeSet<String> = ["Unknown".to_owned()].into();
        let unique_tag = |v: &Variant| -> Option<String> {
            match v.tags.as_slice() {
                [one] if variants.iter().filter(|o| o.tags.contains(one)).count() == 1 => {
                    Some(one.clone())
                }
                _ => None,
            }
        };
        let names: Vec<String> = variants
            .iter()
            .map(|v| {
                let base = match (unique_tag(v), &v.ty) {
                    (Some(tag), _) => names::type_name(&tag),
                    (None, Ty::Named(n) | Ty::Boxed(n)) => n.clone(),
                    (None, ty) => kind_word(ty).to_owned(),
                };
                names::unique(base, &mut taken)
            })
            .collect();
        for (v, name) in variants.iter_mut().zip(names) {
            v.name = name;
        }
    }
}

fn kind_word(ty: &Ty) -> &'static str {
    match ty {
        Ty::String => "String",
        Ty::Bool => "Bool",
        Ty::Number => "Number",
        Ty::Any => "Any",
        Ty::Object | Ty::Map(_) => "Object",
        Ty::Vec(_) => "Array",
        Ty::Named(_) | Ty::Boxed(_) => "Named",
    }
}

fn kinds_of(ty: &Ty, index: &BTreeMap<String, Def>, depth: usize) -> u8 {
    match ty {
        Ty::String => kind::STRING,
        Ty::Bool => kind::BOOL,
        Ty::Number => kind::NUMBER,
        Ty::Any => kind::ANY,
        Ty::Object | Ty::Map(_) => kind::OBJECT,
        Ty::Vec(_) => kind::ARRAY,
        Ty::Named(n) | Ty::Boxed(n) => match index.get(n) {
            _ if depth > 32 => kind::ANY,
            Some(Def::Struct { .. }) => kind::OBJECT,
            Some(Def::OpenEnum { .. } | Def::TagEnum { .. }) => kind::STRING,
            Some(Def::Union { variants, .. }) => variants
                .iter()
                .fold(0, |acc, v| acc | kinds_of(&v.ty, index, depth + 1)),
            Some(Def::Alias(inner)) => kinds_of(inner, index, depth + 1),
            None => kind::ANY,
        },
    }
}

fn tags_of(ty: &Ty, tag: &str, index: &BTreeMap<String, Def>, depth: usize) -> Vec<String> {
    let (Ty::Named(n) | Ty::Boxed(n)) = ty else {
        return Vec::new();
    };
    if depth > 32 {
        return Vec::new();
    }
    match index.get(n) {
        Some(Def::Struct { fields }) => {
            match fields.iter().find(|f| f.wire == tag).map(|f| &f.ty) {
                Some(Ty::Named(e)) => match index.get(e) {
                    Some(Def::TagEnum { value, .. }) => vec![value.clone()],
                    Some(Def::OpenEnum { values }) => {
                        values.iter().map(|(_, v)| v.clone()).collect()
                    }
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        }
        Some(Def::Union { variants, .. }) => {
            let mut all = Vec::new();
            for v in variants {
                // `index` is a snapshot taken before kinds were filled in: compute them.
                if kinds_of(&v.ty, index, depth + 1) & kind::OBJECT == 0 {
                    continue;
                }
                // Members without the tag do not make the union untagged: a tag value that
                // one of its members claims selects the union (which then dispatches itself).
                for t in tags_of(&v.ty, tag, index, depth + 1) {
                    if !all.contains(&t) {
                        all.push(t);
                    }
                }
            }
            all
        }
        Some(Def::Alias(inner)) => tags_of(inner, tag, index, depth + 1),
        _ => Vec::new(),
    }
}

fn keys_of(ty: &Ty, index: &BTreeMap<String, Def>, depth: usize) -> (Vec<String>, Vec<String>) {
    let (Ty::Named(n) | Ty::Boxed(n)) = ty else {
        return (Vec::new(), Vec::new());
    };
    if depth > 32 {
        return (Vec::new(), Vec::new());
    }
    match index.get(n) {
        Some(Def::Struct { fields }) => (
            fields.iter().map(|f| f.wire.clone()).collect(),
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.wire.clone())
                .collect(),
        ),
        Some(Def::Union { variants, .. }) => {
            let mut keys: Vec<String> = Vec::new();
            for v in variants {
                for k in keys_of(&v.ty, index, depth + 1).0 {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
            (keys, Vec::new())
        }
        Some(Def::Alias(inner)) => keys_of(inner, index, depth + 1),
        _ => (Vec::new(), Vec::new()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn lower_json(schemas: Value) -> Vec<TypeDef> {
        let Value::Object(schemas) = schemas else {
            panic!("object expected")
        };
        let reachable = schemas
            .keys()
            .map(|k| (k.clone(), BTreeSet::from(["g".to_owned()])))
            .collect();
        lower(&schemas, &reachable)
    }

    #[test]
    fn tagged_union_gets_tags_keys_and_names() {
        let types = lower_json(json!({
            "Text": {"type": "object", "properties": {"type": {"type": "string", "enum": ["text"]}, "text": {"type": "string"}}, "required": ["type"]},
            "Image": {"type": "object", "properties": {"type": {"type": "string", "enum": ["image_url"]}, "url": {"type": "string"}}},
            "Part": {"oneOf": [{"$ref": "#/components/schemas/Text"}, {"$ref": "#/components/schemas/Image"}, {"type": "string"}]}
        }));
        let part = types.iter().find(|t| t.name == "Part").expect("Part");
        let Def::Union { tag, variants } = &part.def else {
            panic!("union expected")
        };
        assert_eq!(tag.as_deref(), Some("type"));
        let names: Vec<_> = variants.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["Text", "ImageUrl", "String"]);
        assert_eq!(variants[0].keys, ["type", "text"]);
        assert_eq!(variants[0].required, ["type"]);
        assert_eq!(variants[2].kinds, kind::STRING);
    }

    #[test]
    fn unguarded_tags_are_opened_and_guarded_ones_stay_closed() {
        let schemas = json!({
            "Text": {"type": "object", "properties": {"type": {"type": "string", "enum": ["text"]}, "text": {"type": "string"}}},
            "Image": {"type": "object", "properties": {"type": {"type": "string", "enum": ["image"]}, "url": {"type": "string"}}},
            "Part": {"oneOf": [{"$ref": "#/components/schemas/Text"}, {"$ref": "#/components/schemas/Image"}]},
            "Message": {"type": "object", "properties": {
                "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}},
                "notes": {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string", "enum": ["note"]}}}}
            }}
        });
        let Value::Object(map) = schemas else {
            panic!("object expected")
        };
        let reachable = map
            .keys()
            .map(|k| (k.clone(), BTreeSet::from(["g".to_owned()])))
            .collect();
        let (types, opened) = lower_opening_doors(&map, &reachable);
        assert_eq!(opened.len(), 1, "{opened:?}");
        assert!(
            opened[0].starts_with("MessageNotesItemType: tag `note`"),
            "{opened:?}"
        );
        let def = |name: &str| &types.iter().find(|t| t.name == name).expect(name).def;
        // Only reached as variants of a union dispatching on `type`: an unknown tag is `Unknown`.
        assert!(matches!(def("TextType"), Def::TagEnum { .. }));
        assert!(matches!(def("MessageNotesItemType"), Def::OpenEnum { .. }));
        assert!(closed_constructs(&types).is_empty());
    }

    #[test]
    fn error_codes_take_numbers() {
        let types = lower_json(json!({
            "ApiError": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
            "Tool": {"type": "object", "properties": {"code": {"type": "string"}}}
        }));
        let Def::Struct { fields } = &types
            .iter()
            .find(|t| t.name == "ApiError")
            .expect("ApiError")
            .def
        else {
            panic!("struct expected")
        };
        assert_eq!(fields[0].ty, Ty::Named("ApiErrorCode".into()));
        let code = types
            .iter()
            .find(|t| t.name == "ApiErrorCode")
            .expect("code type");
        let Def::Union { variants, .. } = &code.def else {
            panic!("union expected")
        };
        let tys: Vec<_> = variants.iter().map(|v| (v.name.as_str(), &v.ty)).collect();
        assert_eq!(tys, [("String", &Ty::String), ("Number", &Ty::Number)]);
        // Source code in a `code` field of a non-error object stays a string.
        let Def::Struct { fields } = &types.iter().find(|t| t.name == "Tool").expect("Tool").def
        else {
            panic!("struct expected")
        };
        assert_eq!(fields[0].ty, Ty::String);
    }

    #[test]
    fn single_value_enums_are_tags_unless_open() {
        let types = lower_json(json!({
            "A": {"type": "string", "enum": ["x"]},
            "B": {"type": "string", "enum": ["x"], "x-aigw-open": true}
        }));
        assert!(matches!(types[0].def, Def::TagEnum { .. }));
        assert!(matches!(types[1].def, Def::OpenEnum { .. }));
    }
}
