//! A compact summary of a crate's generated API, committed as
//! `crates/<crate>/src/generated/api-summary.json`: what the change report
//! ([`super::report`]) compares the next generation with.
//!
//! It holds what users of the crates see — type names and kinds, the API groups (cargo
//! features) reaching each type, fields by wire name with their Rust type and whether the spec
//! requires them, enum values, union variants — and nothing the report ignores (docs, union
//! dispatch tables), so a documentation-only spec change leaves it as it is.

use super::ir::{Def, Ty, TypeDef};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The file name, next to the generated modules.
pub const FILE: &str = "api-summary.json";

/// A crate's generated API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiSummary {
    /// The vendored spec file it was generated from.
    pub spec: String,
    pub sha256: String,
    /// Rust type name → what it is.
    pub types: BTreeMap<String, TypeSummary>,
}

/// One generated type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TypeSummary {
    /// `struct`, `enum` (open string enum), `tag` (single-value tag), `union` or `alias`.
    pub kind: String,
    /// API groups (cargo features) reaching it.
    pub groups: BTreeSet<String>,
    /// Struct fields: wire name → Rust type (every field is a `Maybe<that type>`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Struct fields the spec requires, by wire name.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub required: BTreeSet<String>,
    /// Enum values (one for a tag).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub values: BTreeSet<String>,
    /// Union variants: Rust variant name → Rust type.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, String>,
    /// A union's discriminator property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// An alias's target type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// The Rust type as the user of the crate sees it.
pub fn ty_name(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::Number => "Number".into(),
        Ty::Any => "Value".into(),
        Ty::Object => "Map<String, Value>".into(),
        Ty::Vec(inner) => format!("Vec<{}>", ty_name(inner)),
        Ty::Map(inner) => format!("BTreeMap<String, {}>", ty_name(inner)),
        Ty::Named(n) => n.clone(),
        Ty::Boxed(n) => format!("Box<{n}>"),
    }
}

impl TypeSummary {
    pub fn of(t: &TypeDef) -> Self {
        let mut s = TypeSummary {
            groups: t.groups.clone(),
            ..TypeSummary::default()
        };
        match &t.def {
            Def::Struct { fields } => {
                s.kind = "struct".into();
                for f in fields {
                    s.fields.insert(f.wire.clone(), ty_name(&f.ty));
                    if f.required {
                        s.required.insert(f.wire.clone());
                    }
                }
            }
            Def::OpenEnum { values } => {
                s.kind = "enum".into();
                s.values = values.iter().map(|(_, wire)| wire.clone()).collect();
            }
            Def::TagEnum { value, .. } => {
                s.kind = "tag".into();
                s.values.insert(value.clone());
            }
            Def::Union { tag, variants } => {
                s.kind = "union".into();
                s.tag = tag.clone();
                s.variants = variants
                    .iter()
                    .map(|v| (v.name.clone(), ty_name(&v.ty)))
                    .collect();
            }
            Def::Alias(ty) => {
                s.kind = "alias".into();
                s.alias = Some(ty_name(ty));
            }
        }
        s
    }
}

impl ApiSummary {
    pub fn of(spec: &str, sha256: &str, types: &[TypeDef]) -> Self {
        ApiSummary {
            spec: spec.to_owned(),
            sha256: sha256.to_owned(),
            types: types
                .iter()
                .map(|t| (t.name.clone(), TypeSummary::of(t)))
                .collect(),
        }
    }

    /// JSON with one type per line, so that a commit's diff of the file reads like the report.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\n");
        let _ = writeln!(out, "  \"spec\": {},", json_string(&self.spec));
        let _ = writeln!(out, "  \"sha256\": {},", json_string(&self.sha256));
        out.push_str("  \"types\": {");
        for (i, (name, t)) in self.types.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let body = serde_json::to_string(t).unwrap_or_default();
            let _ = write!(out, "{sep}\n    {}: {body}", json_string(name));
        }
        out.push_str("\n  }\n}\n");
        out
    }

    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).context("parsing an API summary")
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regen::ir::Field;

    #[test]
    fn round_trips_through_its_json() {
        let types = vec![TypeDef {
            name: "A".into(),
            origin: "A".into(),
            doc: None,
            def: Def::Struct {
                fields: vec![Field {
                    wire: "b".into(),
                    rust: "b".into(),
                    ty: Ty::Vec(Box::new(Ty::Boxed("A".into()))),
                    doc: None,
                    required: true,
                }],
            },
            groups: ["g".to_owned()].into(),
        }];
        let summary = ApiSummary::of("x/openapi.json", "00", &types);
        let json = summary.to_json();
        assert!(
            json.contains(r#""A": {"kind":"struct","groups":["g"],"fields":{"b":"Vec<Box<A>>"},"required":["b"]}"#),
            "{json}"
        );
        assert_eq!(ApiSummary::from_json(&json).expect("parses"), summary);
    }
}
