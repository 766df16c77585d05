//! The differ on small synthetic spec pairs: each change kind, and its classification.

use super::{Change, diff, markdown, text};
use crate::regen::summary::ApiSummary;
use crate::regen::{lower, passes};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The summary regen would commit for `schemas` (every named schema reached by the groups given
/// in its `x-groups`, default `chat`).
fn summary(schemas: Value) -> ApiSummary {
    let mut schemas = schemas.as_object().cloned().expect("object");
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, schema) in schemas.iter_mut() {
        let groups = match schema.as_object_mut().and_then(|o| o.remove("x-groups")) {
            Some(Value::Array(gs)) => gs
                .iter()
                .filter_map(|g| g.as_str().map(str::to_owned))
                .collect(),
            _ => BTreeSet::from(["chat".to_owned()]),
        };
        reach.insert(name.clone(), groups);
    }
    passes::run_all(&mut schemas);
    ApiSummary::of("demo/openapi.json", "00", &lower::lower(&schemas, &reach))
}

/// `(breaking, item, what)` of every change between the two specs, all groups.
fn changes(old: Value, new: Value) -> Vec<(bool, String, String)> {
    let report = diff("aigw-demo", Some(&summary(old)), &summary(new), &["chat"]);
    let mut all: Vec<&Change> = Vec::new();
    for ch in report.groups.iter().flat_map(|g| &g.changes) {
        if !all.contains(&ch) {
            all.push(ch);
        }
    }
    all.into_iter()
        .map(|c| (c.breaking, c.item.clone(), c.what.clone()))
        .collect()
}

fn c(breaking: bool, item: &str, what: &str) -> (bool, String, String) {
    (breaking, item.to_owned(), what.to_owned())
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

#[test]
fn identical_specs_have_no_changes() {
    let spec = json!({"A": object(json!({"x": {"type": "string"}}), &["x"])});
    assert!(changes(spec.clone(), spec).is_empty());
}

#[test]
fn types_added_and_removed() {
    let one = || object(json!({"x": {"type": "string"}}), &[]);
    let old = json!({"A": one(), "Gone": one()});
    let new = json!({"A": one(), "Fresh": one()});
    assert_eq!(
        changes(old, new),
        vec![
            c(true, "Gone", "struct removed"),
            c(false, "Fresh", "struct added")
        ]
    );
}

#[test]
fn fields_added_removed_retyped() {
    let old = json!({"A": object(json!({"keep": {"type": "string"}, "gone": {"type": "string"}, "n": {"type": "string"}}), &[])});
    let new = json!({"A": object(json!({
        "keep": {"type": "string"},
        "n": {"type": "integer"},
        "opt": {"type": "boolean"},
        "req": {"type": "array", "items": {"type": "string"}}
    }), &["req"])});
    assert_eq!(
        changes(old, new),
        vec![
            c(true, "A.gone", "field removed (was `String`)"),
            c(true, "A.n", "field type changed: `String` → `Number`"),
            c(true, "A.req", "required field added (`Vec<String>`)"),
            c(false, "A.opt", "optional field added (`bool`)"),
        ]
    );
}

#[test]
fn optional_and_required() {
    let fields = json!({"a": {"type": "string"}, "b": {"type": "string"}});
    let old = json!({"A": object(fields.clone(), &["a"])});
    let new = json!({"A": object(fields, &["b"])});
    assert_eq!(
        changes(old, new),
        vec![
            c(true, "A.b", "field now required"),
            c(false, "A.a", "field now optional"),
        ]
    );
}

#[test]
fn enum_values_added_and_removed() {
    let old = json!({"E": {"type": "string", "enum": ["a", "b"]}});
    let new = json!({"E": {"type": "string", "enum": ["a", "c"]}});
    assert_eq!(
        changes(old, new),
        vec![
            c(true, "E", "enum value `b` removed"),
            c(false, "E", "enum value `c` added"),
        ]
    );
}

#[test]
fn union_variants_added_and_removed() {
    let variant = |tag: &str| json!({"type": "object", "properties": {"type": {"type": "string", "enum": [tag]}, "x": {"type": "string"}}, "required": ["type"]});
    let union = |names: &[&str]| json!({"oneOf": names.iter().map(|n| json!({"$ref": format!("#/components/schemas/{n}")})).collect::<Vec<_>>()});
    let old = json!({"U": union(&["Cat", "Dog"]), "Cat": variant("cat"), "Dog": variant("dog")});
    let new = json!({"U": union(&["Cat", "Eel"]), "Cat": variant("cat"), "Eel": variant("eel")});
    let found = changes(old, new);
    assert!(
        found.contains(&c(true, "U::Dog", "union variant removed (`Dog`)")),
        "{found:?}"
    );
    assert!(
        found.contains(&c(false, "U::Eel", "union variant added (`Eel`)")),
        "{found:?}"
    );
    assert!(
        found.contains(&c(true, "Dog", "struct removed")),
        "{found:?}"
    );
    assert!(
        found.contains(&c(false, "Eel", "struct added")),
        "{found:?}"
    );
}

#[test]
fn kind_and_alias_changes_are_breaking() {
    let old = json!({"K": {"type": "string", "enum": ["a"]}, "L": {"type": "array", "items": {"type": "string"}}});
    let new = json!({"K": object(json!({"a": {"type": "string"}}), &[]), "L": {"type": "array", "items": {"type": "integer"}}});
    let found = changes(old, new);
    assert!(
        found.contains(&c(true, "K", "changed from tag to struct")),
        "{found:?}"
    );
    assert!(
        found.contains(&c(
            true,
            "L",
            "alias changed: `Vec<String>` → `Vec<Number>`"
        )),
        "{found:?}"
    );
}

#[test]
fn changes_are_reported_per_feature_and_counted_once_per_crate() {
    let old = json!({"A": object(json!({"x": {"type": "string"}}), &[])});
    let mut shared = object(
        json!({"x": {"type": "string"}, "y": {"type": "string"}}),
        &[],
    );
    shared["x-groups"] = json!(["chat", "responses"]);
    let new = json!({"A": shared});
    let report = diff(
        "aigw-demo",
        Some(&summary(old)),
        &summary(new),
        &["chat", "responses"],
    );
    let groups: Vec<(&str, usize)> = report
        .groups
        .iter()
        .map(|g| (g.group.as_str(), g.changes.len()))
        .collect();
    // For `chat` a field was added; for `responses` the type is new.
    assert_eq!(groups, vec![("chat", 1), ("responses", 1)]);
    assert_eq!(
        report.groups[1].changes[0].what,
        "now used by this feature too (was in: chat)"
    );
    assert_eq!(report.counts(), (0, 2));

    let md = markdown(std::slice::from_ref(&report));
    assert!(md.contains("## aigw-demo"), "{md}");
    assert!(md.contains("**0 breaking, 2 compatible**"), "{md}");
    assert!(
        md.contains("### feature `chat`: 0 breaking, 1 compatible"),
        "{md}"
    );
    assert!(
        md.contains("- `A.y`: optional field added (`String`)"),
        "{md}"
    );
    let txt = text(std::slice::from_ref(&report));
    assert!(
        txt.contains("report: aigw-demo (spec 00 → 00): 0 breaking, 2 compatible"),
        "{txt}"
    );
}

#[test]
fn without_a_previous_summary_there_is_a_baseline_only() {
    let new = summary(json!({"A": object(json!({}), &[])}));
    let report = diff("aigw-demo", None, &new, &["chat"]);
    assert!(report.groups.is_empty());
    assert!(text(&[report]).contains("no previous api-summary.json"));
}

#[test]
fn moves_between_features_and_the_always_built_group() {
    let one = |groups: Value| {
        let mut o = object(json!({"x": {"type": "string"}}), &[]);
        o["x-groups"] = groups;
        o
    };
    let old = json!({"Moved": one(json!(["chat"])), "Err": one(json!(["error"]))});
    let new = json!({"Moved": one(json!(["responses"])), "Err": one(json!(["error", "chat"]))});
    let report = diff(
        "aigw-demo",
        Some(&summary(old)),
        &summary(new),
        &["error", "chat", "responses"],
    );
    let found: Vec<(&str, &str, &str)> = report
        .groups
        .iter()
        .flat_map(|g| {
            g.changes
                .iter()
                .map(|c| (g.group.as_str(), c.item.as_str(), c.what.as_str()))
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "chat",
                "Moved",
                "no longer used by this feature (still in: responses)"
            ),
            (
                "responses",
                "Moved",
                "now used by this feature too (was in: chat)"
            ),
        ]
    );
    assert!(report.groups[0].changes[0].breaking);
}
