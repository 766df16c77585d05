//! The API change report: what changed between the previous generation's [`ApiSummary`] and
//! this one, per crate and API group (cargo feature), each change classified **breaking** or
//! **compatible** for users of the crates.
//!
//! Classification:
//! - type removed (from a feature), field removed, a field's / alias's / variant's Rust type
//!   changed, a type's kind changed, a union's discriminator changed, enum value or union
//!   variant removed, a field becoming required, a new required field: **breaking** (code using
//!   it stops compiling, or requests built as before now lack what the spec requires);
//! - type added, new optional field, a field becoming optional (every field is already a
//!   `Maybe`), enum value added (enums are open: the value was `Other` before), union variant
//!   added (the value was the union's `Unknown` before): **compatible**.
//!
//! A type now reached by a feature that did not reach it before is compatible for that
//! feature; one no longer reached by a feature is breaking for it (the type is not compiled
//! with that feature alone any more). Types of the always-built `error` group are available
//! whatever the features, so moving into or out of it changes nothing for any feature.

use super::summary::{ApiSummary, TypeSummary};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One change to one type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub breaking: bool,
    /// The Rust type (and `.field` / `::Variant` where it applies).
    pub item: String,
    pub what: String,
}

/// What changed in one API group.
#[derive(Debug, Default)]
pub struct GroupReport {
    pub group: String,
    pub changes: Vec<Change>,
}

/// What changed in one crate.
#[derive(Debug)]
pub struct CrateReport {
    pub crate_name: String,
    /// `None`: there was no previous summary to compare with.
    pub from: Option<(String, String)>,
    pub to: (String, String),
    pub groups: Vec<GroupReport>,
}

impl CrateReport {
    /// Distinct changes over all groups (a type in several features counts once):
    /// `(breaking, compatible)`.
    pub fn counts(&self) -> (usize, usize) {
        let all: BTreeSet<&Change> = self.groups.iter().flat_map(|g| &g.changes).collect();
        let breaking = all.iter().filter(|c| c.breaking).count();
        (breaking, all.len() - breaking)
    }
}

fn counts(changes: &[Change]) -> (usize, usize) {
    let breaking = changes.iter().filter(|c| c.breaking).count();
    (breaking, changes.len() - breaking)
}

/// Compares two summaries. `groups` gives the order of the API groups (the front end's);
/// groups only the old summary knows are reported after them.
pub fn diff(
    crate_name: &str,
    old: Option<&ApiSummary>,
    new: &ApiSummary,
    groups: &[&str],
) -> CrateReport {
    let mut report = CrateReport {
        crate_name: crate_name.to_owned(),
        from: old.map(|o| (o.spec.clone(), o.sha256.clone())),
        to: (new.spec.clone(), new.sha256.clone()),
        groups: Vec::new(),
    };
    let Some(old) = old else { return report };
    let mut names: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
    let known: BTreeSet<&String> = old.types.values().flat_map(|t| &t.groups).collect();
    for g in known {
        if !names.contains(g) {
            names.push(g.clone());
        }
    }
    for group in names {
        let changes = diff_group(old, new, &group);
        if !changes.is_empty() {
            report.groups.push(GroupReport { group, changes });
        }
    }
    report
}

/// The changes one group's users see. Types of the always-built group are available whatever
/// features are on, so a type moving into or out of it is not added to or removed from the
/// features; a type only reached by other features now (or before) is reported as such.
fn diff_group(old: &ApiSummary, new: &ApiSummary, group: &str) -> Vec<Change> {
    let always = super::emit::ALWAYS;
    let members = |s: &ApiSummary| -> BTreeMap<String, TypeSummary> {
        s.types
            .iter()
            .filter(|(_, t)| {
                t.groups.contains(group) && (group == always || !t.groups.contains(always))
            })
            .map(|(n, t)| (n.clone(), t.clone()))
            .collect()
    };
    let (before, after) = (members(old), members(new));
    let mut changes = diff_types(&before, &after);
    changes.retain_mut(|ch| {
        // Only whole-type changes (the item is a type name) are about membership.
        let item = ch.item.clone();
        let elsewhere = |s: &ApiSummary| s.types.get(&item).map(|t| t.groups.clone());
        if before.contains_key(&ch.item) && !after.contains_key(&ch.item) {
            // Gone from this group: still built for it (always-built), or only for others?
            match elsewhere(new) {
                Some(gs) if gs.contains(always) => return false,
                Some(gs) => {
                    ch.what = format!("no longer used by this feature (still in: {})", join(&gs))
                }
                None => {}
            }
        } else if after.contains_key(&ch.item) && !before.contains_key(&ch.item) {
            match elsewhere(old) {
                Some(gs) if gs.contains(always) => return false,
                Some(gs) => {
                    ch.what = format!("now used by this feature too (was in: {})", join(&gs))
                }
                None => {}
            }
        }
        true
    });
    changes
}

fn join(groups: &BTreeSet<String>) -> String {
    groups.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// The changes between two sets of types (one API group's).
pub fn diff_types(
    old: &BTreeMap<String, TypeSummary>,
    new: &BTreeMap<String, TypeSummary>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for (name, t) in old {
        if !new.contains_key(name) {
            push(&mut out, true, name, format!("{} removed", t.kind));
        }
    }
    for (name, t) in new {
        match old.get(name) {
            None => push(&mut out, false, name, format!("{} added", t.kind)),
            Some(before) => diff_type(&mut out, name, before, t),
        }
    }
    out.sort_by_key(|c| (!c.breaking, c.item.clone(), c.what.clone()));
    out
}

fn push(out: &mut Vec<Change>, breaking: bool, item: &str, what: String) {
    out.push(Change {
        breaking,
        item: item.to_owned(),
        what,
    });
}

fn diff_type(out: &mut Vec<Change>, name: &str, old: &TypeSummary, new: &TypeSummary) {
    if old.kind == "tag" && new.kind == "enum" && old.values == new.values {
        // A tag opened (`doors::open_doors`): the value keeps its variant and name, the enum
        // gains `Other(String)` for values the spec does not list.
        push(
            out,
            false,
            name,
            "tag opened: now an open enum (other values kept in `Other`)".into(),
        );
        return;
    }
    if old.kind != new.kind {
        push(
            out,
            true,
            name,
            format!("changed from {} to {}", old.kind, new.kind),
        );
        return;
    }
    // Struct fields.
    for (wire, ty) in &old.fields {
        let item = format!("{name}.{wire}");
        match new.fields.get(wire) {
            None => push(out, true, &item, format!("field removed (was `{ty}`)")),
            Some(now) if now != ty => push(
                out,
                true,
                &item,
                format!("field type changed: `{ty}` → `{now}`"),
            ),
            Some(_) => match (old.required.contains(wire), new.required.contains(wire)) {
                (false, true) => push(out, true, &item, "field now required".into()),
                (true, false) => push(out, false, &item, "field now optional".into()),
                _ => {}
            },
        }
    }
    for (wire, ty) in &new.fields {
        if !old.fields.contains_key(wire) {
            let required = new.required.contains(wire);
            let what = if required {
                format!("required field added (`{ty}`)")
            } else {
                format!("optional field added (`{ty}`)")
            };
            push(out, required, &format!("{name}.{wire}"), what);
        }
    }
    // Enum values and tags.
    if new.kind == "tag" {
        if old.values != new.values {
            push(
                out,
                true,
                name,
                format!(
                    "tag value changed: {} → {}",
                    quoted(&old.values),
                    quoted(&new.values)
                ),
            );
        }
    } else {
        for v in old.values.difference(&new.values) {
            push(out, true, name, format!("enum value `{v}` removed"));
        }
        for v in new.values.difference(&old.values) {
            push(out, false, name, format!("enum value `{v}` added"));
        }
    }
    // Union variants.
    if old.tag != new.tag {
        push(
            out,
            true,
            name,
            format!(
                "union discriminator changed: {} → {}",
                old.tag.as_deref().unwrap_or("none"),
                new.tag.as_deref().unwrap_or("none")
            ),
        );
    }
    for (variant, ty) in &old.variants {
        let item = format!("{name}::{variant}");
        match new.variants.get(variant) {
            None => push(out, true, &item, format!("union variant removed (`{ty}`)")),
            Some(now) if now != ty => push(
                out,
                true,
                &item,
                format!("union variant type changed: `{ty}` → `{now}`"),
            ),
            Some(_) => {}
        }
    }
    for (variant, ty) in &new.variants {
        if !old.variants.contains_key(variant) {
            push(
                out,
                false,
                &format!("{name}::{variant}"),
                format!("union variant added (`{ty}`)"),
            );
        }
    }
    // Aliases.
    if old.alias != new.alias {
        push(
            out,
            true,
            name,
            format!(
                "alias changed: `{}` → `{}`",
                old.alias.as_deref().unwrap_or("?"),
                new.alias.as_deref().unwrap_or("?")
            ),
        );
    }
}

fn quoted(values: &BTreeSet<String>) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

fn group_label(group: &str) -> String {
    if group == super::emit::ALWAYS {
        format!("{group} (always built)")
    } else {
        format!("feature `{group}`")
    }
}

/// The report for the terminal.
pub fn text(reports: &[CrateReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let Some((_, from)) = &r.from else {
            let _ = writeln!(
                out,
                "report: {}: no previous {} to compare with (baseline written)",
                r.crate_name,
                super::summary::FILE
            );
            continue;
        };
        let (b, c) = r.counts();
        if b + c == 0 {
            let _ = writeln!(out, "report: {}: no API changes", r.crate_name);
            continue;
        }
        let _ = writeln!(
            out,
            "report: {} (spec {} → {}): {b} breaking, {c} compatible",
            r.crate_name,
            short(from),
            short(&r.to.1)
        );
        for g in &r.groups {
            let (gb, gc) = counts(&g.changes);
            let _ = writeln!(
                out,
                "  {}: {gb} breaking, {gc} compatible",
                group_label(&g.group)
            );
            for ch in &g.changes {
                let class = if ch.breaking {
                    "breaking  "
                } else {
                    "compatible"
                };
                let _ = writeln!(out, "    {class} {}: {}", ch.item, ch.what);
            }
        }
    }
    out
}

/// The report as markdown, ready for a changelog (`target/regen-report.md`).
pub fn markdown(reports: &[CrateReport]) -> String {
    let mut out = String::from("# API changes\n\n");
    out.push_str(
        "From `cargo xtask regen`: the generated wire types compared with the previous \
         generation (`src/generated/api-summary.json`). **Breaking**: code using the crates \
         may stop compiling, or requests built as before lack what the spec now requires. \
         **Compatible**: additions; enums and unions are open, so a new value used to arrive \
         as `Other` / `Unknown`.\n",
    );
    for r in reports {
        let _ = write!(out, "\n## {}\n\n", r.crate_name);
        let Some((spec, from)) = &r.from else {
            out.push_str("No previous summary to compare with; this generation is the baseline.\n");
            continue;
        };
        let (b, c) = r.counts();
        let _ = writeln!(
            out,
            "Spec `{spec}` `{}` → `{}`: **{b} breaking, {c} compatible**.",
            short(from),
            short(&r.to.1)
        );
        if b + c == 0 {
            out.push_str("\nNo API changes.\n");
        }
        for g in &r.groups {
            let (gb, gc) = counts(&g.changes);
            let _ = write!(
                out,
                "\n### {}: {gb} breaking, {gc} compatible\n",
                group_label(&g.group)
            );
            for (title, breaking) in [("Breaking", true), ("Compatible", false)] {
                let mut lines = g.changes.iter().filter(|ch| ch.breaking == breaking);
                let Some(first) = lines.next() else { continue };
                if !out.ends_with("\n\n") {
                    out.push('\n');
                }
                let _ = write!(out, "{title}:\n\n");
                for ch in std::iter::once(first).chain(lines) {
                    let _ = writeln!(out, "- `{}`: {}", ch.item, ch.what);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
