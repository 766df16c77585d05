//! Short paths for users of the generated types, generated from the spec next to each type:
//!
//! - `new(…)` on structs the spec gives a few required fields, taking those fields as
//!   arguments (`impl Into<…>`; lists as `impl IntoIterator`); a required field whose type has
//!   one value (a `type`/`role` tag) is filled in, not asked for;
//! - `with_<field>(…)` setters (builder style) on the main requests and the objects they are
//!   built from ([`BUILDERS`]);
//! - `From<variant type>` for unions, so a variant converts with `.into()` (a `String`
//!   variant also takes `&str`).
//!
//! None of it changes what parse → serialize gives back: they only fill fields as a struct
//! literal would (absent fields stay absent).

use super::emit::render_ty;
use super::ir::{Def, Field, Ty, TypeDef, Variant};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// Structs that get a `with_<field>` setter per field: the main requests and what they are
/// usually built from. A name no crate has is ignored.
const BUILDERS: &[&str] = &[
    // OpenAI
    "CreateChatCompletionRequest",
    "CreateResponse",
    "FunctionObject",
    "FunctionTool",
    "ChatCompletionStreamOptions",
    // Anthropic
    "CreateMessageParams",
    "Tool",
    "InputSchema",
    // Gemini
    "GenerateContentRequest",
    "GenerationConfig",
    "Content",
    "Part",
    "FunctionDeclaration",
];

/// A `new` constructor takes at most this many arguments; structs the spec gives more
/// required fields (mostly responses) are built with a struct literal.
const MAX_NEW_ARGS: usize = 4;

/// Every generated type by name, to see through aliases and find single-value types.
pub struct Index<'a>(HashMap<&'a str, &'a TypeDef>);

impl<'a> Index<'a> {
    pub fn new(types: &'a [TypeDef]) -> Self {
        Index(types.iter().map(|t| (t.name.as_str(), t)).collect())
    }

    /// The type an alias chain ends at.
    fn resolve<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        let mut ty = ty;
        let mut seen = 0;
        while let Ty::Named(n) = ty {
            match self.0.get(n.as_str()).map(|t| &t.def) {
                Some(Def::Alias(target)) if seen < 16 => {
                    ty = target;
                    seen += 1;
                }
                _ => break,
            }
        }
        ty
    }

    /// `Type::Variant` when the type has exactly one value (a tag, or an open enum of one).
    fn only_value(&self, ty: &Ty) -> Option<String> {
        let Ty::Named(n) = ty else { return None };
        match &self.0.get(n.as_str())?.def {
            Def::TagEnum { variant, .. } => Some(format!("{n}::{variant}")),
            Def::OpenEnum { values } if values.len() == 1 => Some(format!("{n}::{}", values[0].0)),
            _ => None,
        }
    }
}

/// Appends the conveniences of `t` (nothing for most types).
pub fn render(out: &mut String, t: &TypeDef, index: &Index<'_>) {
    match &t.def {
        Def::Struct { fields } => {
            let builder = BUILDERS.contains(&t.name.as_str());
            let constructor = constructor(t, fields, index);
            if constructor.is_none() && !builder {
                return;
            }
            let _ = writeln!(out, "impl {} {{", t.name);
            if let Some(constructor) = constructor {
                out.push_str(&constructor);
            }
            if builder {
                for f in fields {
                    setter(out, f, index);
                }
            }
            out.push_str("}\n\n");
        }
        Def::Union { variants, .. } => union_from(out, t, variants, index),
        _ => {}
    }
}

/// How an argument of type `ty` is taken and turned into the field's value.
fn argument(ty: &Ty, name: &str, index: &Index<'_>) -> (String, String) {
    match index.resolve(ty) {
        Ty::Vec(inner) => (
            format!("impl IntoIterator<Item = {}>", render_ty(inner)),
            format!("Maybe::Present({name}.into_iter().collect())"),
        ),
        Ty::Number => (
            "impl ::aigw_wire::IntoNumber".into(),
            format!("Maybe::from_number({name})"),
        ),
        _ => match ty {
            Ty::Boxed(n) => (
                format!("impl Into<{n}>"),
                format!("Maybe::Present(Box::new({name}.into()))"),
            ),
            _ => (
                format!("impl Into<{}>", render_ty(ty)),
                format!("Maybe::Present({name}.into())"),
            ),
        },
    }
}

fn constructor(t: &TypeDef, fields: &[Field], index: &Index<'_>) -> Option<String> {
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    let (filled, args): (Vec<&Field>, Vec<&Field>) = required
        .iter()
        .partition(|f| index.only_value(&f.ty).is_some());
    if required.is_empty() || args.len() > MAX_NEW_ARGS {
        return None;
    }
    let mut out = String::new();
    let names = |fs: &[&Field]| {
        fs.iter()
            .map(|f| format!("`{}`", f.wire))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(out, "    /// A `{}`", t.name);
    if !args.is_empty() {
        let _ = write!(out, " with the fields the spec requires: {}", names(&args));
    }
    if !filled.is_empty() {
        let _ = write!(
            out,
            "{}{} set to its only value",
            if args.is_empty() { " with " } else { "; " },
            names(&filled)
        );
    }
    out.push_str(". Every other field is absent.\n");
    let params: Vec<String> = args
        .iter()
        .map(|f| format!("{}: {}", f.rust, argument(&f.ty, &f.rust, index).0))
        .collect();
    let _ = writeln!(out, "    pub fn new({}) -> Self {{", params.join(", "));
    out.push_str("        Self {\n");
    for f in &required {
        let value = match index.only_value(&f.ty) {
            Some(only) => format!("Maybe::Present({only})"),
            None => argument(&f.ty, &f.rust, index).1,
        };
        let _ = writeln!(out, "            {}: {value},", f.rust);
    }
    out.push_str("            ..Default::default()\n        }\n    }\n");
    Some(out)
}

fn setter(out: &mut String, f: &Field, index: &Index<'_>) {
    let bare = f.rust.trim_start_matches("r#");
    let (param, value) = argument(&f.ty, "value", index);
    let _ = writeln!(
        out,
        "    /// Sets `{}` (builder style).\n    pub fn with_{bare}(mut self, value: {param}) -> Self {{\n        self.{} = {value};\n        self\n    }}",
        f.wire, f.rust
    );
}

/// `From<T>` for each variant whose type no other variant of the union has.
fn union_from(out: &mut String, t: &TypeDef, variants: &[Variant], index: &Index<'_>) {
    let key = |v: &Variant| {
        let ty = match &v.ty {
            Ty::Boxed(n) => Ty::Named(n.clone()),
            other => other.clone(),
        };
        render_ty(index.resolve(&ty))
    };
    let keys: Vec<String> = variants.iter().map(key).collect();
    let mut seen = BTreeSet::new();
    let duplicated: BTreeSet<&String> = keys.iter().filter(|k| !seen.insert(*k)).collect();
    let mut has_string = false;
    for (v, k) in variants.iter().zip(&keys) {
        // A free-form variant would take any value without dispatch: no `From` for it.
        if duplicated.contains(k) || matches!(index.resolve(&v.ty), Ty::Any | Ty::Object) {
            continue;
        }
        let (from, wrap) = match &v.ty {
            Ty::Boxed(n) => (n.clone(), "Box::new(value)"),
            other => (render_ty(other), "value"),
        };
        let _ = writeln!(
            out,
            "impl From<{from}> for {} {{\n    fn from(value: {from}) -> Self {{\n        Self::{}({wrap})\n    }}\n}}\n",
            t.name, v.name
        );
        if matches!(index.resolve(&v.ty), Ty::String) {
            has_string = true;
            let _ = writeln!(
                out,
                "impl From<&str> for {} {{\n    fn from(value: &str) -> Self {{\n        Self::{}(value.into())\n    }}\n}}\n",
                t.name, v.name
            );
        }
    }
    if !has_string {
        str_through_open_enums(out, t, variants, index);
    }
}

/// A union of open enums (model ids: `ModelIdsShared` | `ModelIdsResponsesResponsesOnlyModel`)
/// takes a string too: the first variant that lists the value gets it, else the first
/// variant keeps it as its `Other` (any of them serializes it the same).
fn str_through_open_enums(out: &mut String, t: &TypeDef, variants: &[Variant], index: &Index<'_>) {
    let enums: Vec<(&str, &str)> = variants
        .iter()
        .filter_map(|v| match &v.ty {
            Ty::Named(n) => match index.0.get(n.as_str()).map(|t| &t.def) {
                Some(Def::OpenEnum { .. }) => Some((v.name.as_str(), n.as_str())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let Some((first_variant, first_type)) = enums.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "impl From<&str> for {name} {{\n    fn from(value: &str) -> Self {{",
        name = t.name
    );
    for (variant, ty) in &enums {
        let _ = writeln!(
            out,
            "        let known = {ty}::from(value);\n        if !matches!(known, {ty}::Other(_)) {{\n            return Self::{variant}(known);\n        }}"
        );
    }
    let _ = writeln!(
        out,
        "        Self::{first_variant}({first_type}::from(value))\n    }}\n}}\n\nimpl From<String> for {name} {{\n    fn from(value: String) -> Self {{\n        Self::from(value.as_str())\n    }}\n}}\n",
        name = t.name
    );
}

/// `#[cfg_attr(docsrs, doc(cfg(…)))]` naming the cargo features a type is built with, so the
/// docs show it (nothing for the always-built group).
pub fn doc_cfg(groups: &BTreeSet<String>) -> String {
    if groups.contains(super::emit::ALWAYS) {
        return String::new();
    }
    let features: Vec<String> = groups
        .iter()
        .map(|g| format!("feature = \"{g}\""))
        .collect();
    if features.len() == 1 {
        format!("#[cfg_attr(docsrs, doc(cfg({})))]\n", features[0])
    } else {
        format!(
            "#[cfg_attr(docsrs, doc(cfg(any({}))))]\n",
            features.join(", ")
        )
    }
}
