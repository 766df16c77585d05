//! Closed doors in the IR: places where a value the spec does not list would make parsing
//! fail — a single-value tag no union guards, an error `code` typed as a string — found
//! ([`closed_constructs`], also the test's walk) and opened ([`open_doors`]) after lowering.

use super::ir::{Def, Field, Ty, TypeDef, Variant, kind};
use super::names;
use std::collections::{BTreeMap, BTreeSet};

/// How a generated type is referred to by another one.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Use {
    /// Directly as the type of field `wire` of struct `owner`.
    Field { owner: String, wire: String },
    /// Directly as a variant of a union dispatching on `tag`.
    Variant { tag: Option<String> },
    /// As the target of an alias.
    Alias(String),
    /// Inside a `Vec` or a map.
    Item,
}

/// Every use of every type, by the used type's name.
fn uses(types: &[TypeDef]) -> BTreeMap<String, Vec<Use>> {
    let mut out: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    fn walk(ty: &Ty, direct: Use, out: &mut BTreeMap<String, Vec<Use>>) {
        match ty {
            Ty::Named(n) | Ty::Boxed(n) => out.entry(n.clone()).or_default().push(direct),
            Ty::Vec(inner) | Ty::Map(inner) => walk(inner, Use::Item, out),
            _ => {}
        }
    }
    for t in types {
        match &t.def {
            Def::Struct { fields } => {
                for f in fields {
                    let direct = Use::Field {
                        owner: t.name.clone(),
                        wire: f.wire.clone(),
                    };
                    walk(&f.ty, direct, &mut out);
                }
            }
            Def::Union { tag, variants } => {
                for v in variants {
                    walk(&v.ty, Use::Variant { tag: tag.clone() }, &mut out);
                }
            }
            Def::Alias(ty) => walk(ty, Use::Alias(t.name.clone()), &mut out),
            Def::OpenEnum { .. } | Def::TagEnum { .. } => {}
        }
    }
    out
}

/// Whether a value of type `name` whose property `wire` holds a tag the spec does not list
/// still parses: every place the type is used is a union dispatching on `wire` (an unknown
/// tag selects no variant and ends in the union's `Unknown`). A type used nowhere is a request
/// or response body, parsed on its own: not guarded.
fn guarded(name: &str, wire: &str, uses: &BTreeMap<String, Vec<Use>>, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let Some(list) = uses.get(name) else {
        return false;
    };
    list.iter().all(|u| match u {
        Use::Variant { tag } => tag.as_deref() == Some(wire),
        Use::Alias(alias) => guarded(alias, wire, uses, depth + 1),
        Use::Field { .. } | Use::Item => false,
    })
}

/// Whether a use of a single-value tag rejects other values somewhere a value can arrive.
fn closed_use(u: &Use, uses: &BTreeMap<String, Vec<Use>>, depth: usize) -> bool {
    match u {
        // A string that is not the tag goes to the union's next candidate or `Unknown`.
        Use::Variant { .. } => false,
        Use::Field { owner, wire } => !guarded(owner, wire, uses, 0),
        Use::Alias(alias) => {
            depth > 16
                || uses
                    .get(alias)
                    .is_some_and(|l| l.iter().any(|u| closed_use(u, uses, depth + 1)))
        }
        Use::Item => true,
    }
}

/// A `code` property of an error object typed as a string: OpenAI-compatible vendors send
/// numbers there (`"code": 429`).
fn is_error_code(owner: &str, origin: &str, f: &Field) -> bool {
    f.wire == "code"
        && f.ty == Ty::String
        && (owner.contains("Error") || origin.to_ascii_lowercase().contains("error"))
}

/// The places where a value the spec does not list makes parsing fail ("closed doors"), as
/// `type: why` lines: single-value tags that no union guards (see [`guarded`]) and error codes
/// typed as strings only. Every union has an `Unknown` variant, every object an `extra` map and
/// every enum of several values an `Other` variant by construction, so these are the rest.
pub fn closed_constructs(types: &[TypeDef]) -> Vec<String> {
    let uses = uses(types);
    let mut out = Vec::new();
    for t in types {
        match &t.def {
            Def::TagEnum { value, .. } => {
                let closed: Vec<String> = uses
                    .get(&t.name)
                    .into_iter()
                    .flatten()
                    .filter(|u| closed_use(u, &uses, 0))
                    .map(|u| match u {
                        Use::Field { owner, wire } => format!("{owner}.{wire}"),
                        Use::Alias(a) => format!("alias {a}"),
                        Use::Item => "an array or map item".into(),
                        Use::Variant { .. } => "a union".into(),
                    })
                    .collect();
                if !closed.is_empty() {
                    out.push(format!(
                        "{}: tag `{value}` rejects other values at {}",
                        t.name,
                        closed.join(", ")
                    ));
                }
            }
            Def::Struct { fields } => {
                for f in fields
                    .iter()
                    .filter(|f| is_error_code(&t.name, &t.origin, f))
                {
                    out.push(format!(
                        "{}.{}: error code typed as a string rejects numbers",
                        t.name, f.wire
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// Opens the closed doors [`closed_constructs`] finds: an unguarded single-value tag becomes an
/// open enum of that one value (same variant, plus `Other`), an error code a union of string
/// and number (the number kept exactly). Guarded tags stay closed: unions dispatch on them.
pub fn open_doors(types: &mut Vec<TypeDef>) {
    let uses = uses(types);
    let mut codes = Vec::new();
    for t in types.iter_mut() {
        match &mut t.def {
            Def::TagEnum { variant, value } => {
                let open = uses
                    .get(&t.name)
                    .into_iter()
                    .flatten()
                    .any(|u| closed_use(u, &uses, 0));
                if open {
                    let variant = if variant == "Other" {
                        "OtherValue".to_owned()
                    } else {
                        variant.clone()
                    };
                    t.def = Def::OpenEnum {
                        values: vec![(variant, value.clone())],
                    };
                }
            }
            Def::Struct { fields } => {
                for f in fields.iter_mut() {
                    if is_error_code(&t.name, &t.origin, f) {
                        let name = format!("{}Code", t.name);
                        f.ty = Ty::Named(name.clone());
                        codes.push((name, t.groups.clone(), format!("{}.code", t.origin)));
                    }
                }
            }
            _ => {}
        }
    }
    let mut taken: BTreeSet<String> = types.iter().map(|t| t.name.clone()).collect();
    for (name, groups, origin) in codes {
        // Struct names are unique and `…Code` ones are not spec names in practice; a clash
        // would be a second type with the same name, which `unique` rules out.
        let unique = names::unique(name.clone(), &mut taken);
        assert_eq!(
            unique, name,
            "error code type {name} clashes with a spec type"
        );
        let mut def = Def::Union {
            tag: None,
            variants: [
                (Ty::String, kind::STRING, "String"),
                (Ty::Number, kind::NUMBER, "Number"),
            ]
            .into_iter()
            .map(|(ty, kinds, name)| Variant {
                name: name.to_owned(),
                ty,
                doc: None,
                kinds,
                tags: Vec::new(),
                keys: Vec::new(),
                required: Vec::new(),
            })
            .collect(),
        };
        if let Def::Union { variants, .. } = &mut def {
            variants[1].doc = Some(
                "aigw: a number, as OpenAI-compatible vendors send (`\"code\": 429`); the spec lists only a string.".into(),
            );
        }
        let at = types.partition_point(|t| t.name < name);
        types.insert(
            at,
            TypeDef {
                name,
                origin,
                doc: Some("An error code: a string, or a number as some vendors send.".into()),
                def,
                groups,
            },
        );
    }
}
