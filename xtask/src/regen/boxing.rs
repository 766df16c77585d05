//! Where the generated types hold a `Box`: references that close a cycle (a type must have a
//! finite size) and union variants over `BOX_VARIANT_ABOVE` bytes (a union is as large as its
//! largest variant, and every parse moves it through serde's `Result`s).

use super::ir::{Def, Ty, TypeDef, defs_by_name};
use std::collections::BTreeMap;

/// Boxes the direct (not behind `Vec`/map) references that close a cycle, so every type has a
/// finite size.
pub fn box_recursion(types: &mut [TypeDef]) {
    let index: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    let direct = |def: &Def| -> Vec<String> {
        let named = |ty: &Ty| match ty {
            Ty::Named(n) => Some(n.clone()),
            _ => None,
        };
        match def {
            Def::Struct { fields } => fields.iter().filter_map(|f| named(&f.ty)).collect(),
            Def::Union { variants, .. } => variants.iter().filter_map(|v| named(&v.ty)).collect(),
            Def::Alias(ty) => named(ty).into_iter().collect(),
            _ => Vec::new(),
        }
    };
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            direct(&t.def)
                .iter()
                .filter_map(|n| index.get(n).copied())
                .collect()
        })
        .collect();
    // `reaches[a]` contains b if b is reachable from a through direct edges.
    let reaches = |from: usize, to: usize| -> bool {
        let mut stack = vec![from];
        let mut seen = vec![false; edges.len()];
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if std::mem::replace(&mut seen[node], true) {
                continue;
            }
            stack.extend(edges[node].iter().copied());
        }
        false
    };
    let mut to_box: Vec<(usize, String)> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        for target in direct(&t.def) {
            if let Some(&j) = index.get(&target)
                && reaches(j, i)
            {
                to_box.push((i, target));
            }
        }
    }
    for (i, target) in to_box {
        let boxed = |ty: &mut Ty| {
            if *ty == Ty::Named(target.clone()) {
                *ty = Ty::Boxed(target.clone());
            }
        };
        match &mut types[i].def {
            Def::Struct { fields } => fields.iter_mut().for_each(|f| boxed(&mut f.ty)),
            Def::Union { variants, .. } => variants.iter_mut().for_each(|v| boxed(&mut v.ty)),
            Def::Alias(ty) => boxed(ty),
            _ => {}
        }
    }
}

/// Union variants whose estimated size exceeds this are boxed: a union is as large as its
/// largest variant and is moved on every return while deserializing (the Responses stream
/// event union was 1.9 KB with `response.completed` inline).
const BOX_VARIANT_ABOVE: usize = 256;

/// A rough `size_of` of a generated type (64-bit), enough to find the large ones. The sizes
/// are those of the runtime's types with serde_json's `preserve_order` and
/// `arbitrary_precision` (what the generated crates enable): a `Map` (an `IndexMap` and its
/// hasher) and a `Value` are 72 bytes, a `Number` keeps its text (24), and every struct holds
/// its unknown fields in a `Map`. Each field's `Maybe` discriminant is not counted (the
/// layout often hides it in a niche), so the estimate runs a little low: `FunctionTool` is
/// estimated at 296 bytes and measured at 336 (`size_of`, 64-bit).
fn estimate_size(ty: &Ty, index: &BTreeMap<String, Def>, depth: usize) -> usize {
    const MAP: usize = 72;
    match ty {
        Ty::Bool => 1,
        Ty::Boxed(_) => 8,
        Ty::String | Ty::Number | Ty::Vec(_) => 24,
        Ty::Map(_) | Ty::Object | Ty::Any => MAP,
        Ty::Named(n) => match index.get(n) {
            _ if depth > 16 => 8,
            Some(Def::Struct { fields }) => {
                let fields: usize = fields
                    .iter()
                    .map(|f| estimate_size(&f.ty, index, depth + 1))
                    .sum();
                (MAP + fields).next_multiple_of(8)
            }
            Some(Def::OpenEnum { .. }) => 24,
            Some(Def::TagEnum { .. }) => 1,
            Some(Def::Union { variants, .. }) => {
                8 + variants
                    .iter()
                    .map(|v| estimate_size(&v.ty, index, depth + 1))
                    .max()
                    .unwrap_or(MAP)
                    .max(MAP)
            }
            Some(Def::Alias(inner)) => estimate_size(inner, index, depth + 1),
            None => MAP,
        },
    }
}

pub fn box_large_variants(types: &mut [TypeDef]) {
    let index = defs_by_name(types);
    for t in types.iter_mut() {
        let Def::Union { variants, .. } = &mut t.def else {
            continue;
        };
        for v in variants.iter_mut() {
            if let Ty::Named(n) = &v.ty
                && estimate_size(&v.ty, &index, 0) > BOX_VARIANT_ABOVE
            {
                v.ty = Ty::Boxed(n.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regen::lower::tests::lower_json;
    use serde_json::json;

    #[test]
    fn direct_recursion_is_boxed_but_vec_recursion_is_not() {
        let types = lower_json(json!({
            "Node": {"type": "object", "properties": {
                "next": {"$ref": "#/components/schemas/Node"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            }}
        }));
        let Def::Struct { fields } = &types[0].def else {
            panic!("struct expected")
        };
        assert_eq!(fields[0].ty, Ty::Boxed("Node".into()));
        assert_eq!(fields[1].ty, Ty::Vec(Box::new(Ty::Named("Node".into()))));
    }

    fn variant_types(types: &[TypeDef], union: &str) -> Vec<Ty> {
        let Some(Def::Union { variants, .. }) =
            types.iter().find(|t| t.name == union).map(|t| &t.def)
        else {
            panic!("union {union} expected")
        };
        variants.iter().map(|v| v.ty.clone()).collect()
    }

    #[test]
    fn a_variant_is_boxed_by_its_real_size_free_form_objects_included() {
        // Three free-form objects and the unknown-field map are four `Map`s (72 bytes each with
        // `preserve_order`): 288 bytes, boxed. Four strings and the map are 168: inline.
        let object = json!({"type": "object"});
        let types = lower_json(json!({
            "Schemas": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["schemas"]},
                "input": object, "output": object, "state": object
            }},
            "Names": {"type": "object", "properties": {
                "type": {"type": "string", "enum": ["names"]},
                "a": {"type": "string"}, "b": {"type": "string"},
                "c": {"type": "string"}, "d": {"type": "string"}
            }},
            "Tool": {"oneOf": [
                {"$ref": "#/components/schemas/Schemas"},
                {"$ref": "#/components/schemas/Names"}
            ]}
        }));
        assert_eq!(
            variant_types(&types, "Tool"),
            [Ty::Boxed("Schemas".into()), Ty::Named("Names".into())]
        );
    }

    #[test]
    fn sizes_add_up_through_nested_types_and_unions() {
        let index = BTreeMap::from([
            (
                "Inner".to_owned(),
                Def::Union {
                    tag: None,
                    variants: Vec::new(),
                },
            ),
            ("Alias".to_owned(), Def::Alias(Ty::Any)),
        ]);
        // An empty union is at least a `Value` (its `Unknown`) and a discriminant.
        assert_eq!(estimate_size(&Ty::Named("Inner".into()), &index, 0), 80);
        assert_eq!(estimate_size(&Ty::Named("Alias".into()), &index, 0), 72);
        assert_eq!(estimate_size(&Ty::Boxed("Inner".into()), &index, 0), 8);
        assert_eq!(estimate_size(&Ty::Vec(Box::new(Ty::Any)), &index, 0), 24);
    }
}
