//! The shared pipeline every front end feeds: named schemas → passes → overlays → reachability
//! per API group → IR → Rust files.

use super::emit::{self, Provenance};
use super::ir::{Def, TypeDef};
use super::lower;
use super::passes::{self, Schemas};
use super::schema::refs;
use super::summary::ApiSummary;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An API group: a cargo feature of the provider crate, and what it covers.
pub struct Group {
    pub name: &'static str,
    /// Operations, in the front end's terms (`("post", "/v1/messages")` for OpenAPI,
    /// `("", "models.generateContent")` for a discovery document).
    pub operations: &'static [(&'static str, &'static str)],
    /// Schemas to include beyond those reachable from the operations.
    pub roots: &'static [&'static str],
}

/// A documented deviation of real traffic from the spec: the subschema at `pointer` inside the
/// named schema is replaced by `rewrite(original)`.
pub struct Overlay {
    pub schema: &'static str,
    pub pointer: &'static str,
    pub rewrite: fn(&Value) -> Value,
    /// The evidence (`shared/notes/spec-vs-traffic.md`).
    pub why: &'static str,
}

/// How a spec file is laid out.
pub enum Format {
    /// OpenAPI 3.x: `components.schemas`, operations under `paths`.
    OpenApi,
    /// A Google API discovery document: `schemas`, methods under `resources`.
    Discovery,
}

/// Everything a front end declares.
pub struct ApiSpec {
    /// Spec name in `specs/sources.toml`; also the progress prefix.
    pub spec: &'static str,
    pub format: Format,
    /// The crate the code goes to, relative to the workspace root.
    pub crate_dir: &'static str,
    /// Prefix for site-relative documentation links.
    pub doc_link_base: &'static str,
    pub groups: &'static [Group],
    pub overlays: &'static [Overlay],
    /// Schemas added to the spec's (in spec terms), e.g. stubs for what it references but lacks.
    pub additions: fn() -> Vec<(&'static str, Value)>,
    /// Types written by hand in the crate, `(type, module)`: described by a stub in
    /// `additions` so that generated unions can dispatch to them, re-exported by the generated
    /// `mod.rs`, but not generated.
    pub hand_written: &'static [(&'static str, &'static str)],
    /// The operations table the gateway's passthrough serves ([`super::operations`]).
    pub table: super::operations::Table,
}

fn apply_overlays(api: &ApiSpec, schemas: &mut Schemas) -> Result<()> {
    for overlay in api.overlays {
        let slot = schemas
            .get_mut(overlay.schema)
            .and_then(|s| s.pointer_mut(overlay.pointer))
            .with_context(|| {
                format!(
                    "{}: overlay for `{}`: {}{} is not in the spec any more",
                    api.spec, overlay.why, overlay.schema, overlay.pointer
                )
            })?;
        *slot = (overlay.rewrite)(slot);
    }
    Ok(())
}

/// Schemas referenced by an operation's request body and responses.
fn openapi_operation_refs(spec: &Value, method: &str, path: &str) -> Result<Vec<String>> {
    let op = spec
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(|p| p.get(method))
        .with_context(|| format!("operation {} {path} not in the spec", method.to_uppercase()))?;
    let mut found = Vec::new();
    if let Some(body) = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(|c| c.get("application/json"))
    {
        refs(body, &mut found);
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for response in responses.values() {
            let response = match response.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .strip_prefix("#/components/responses/")
                    .and_then(|name| spec.pointer(&format!("/components/responses/{name}")))
                    .unwrap_or(response),
                None => response,
            };
            if let Some(content) = response.get("content").and_then(Value::as_object) {
                for (media, body) in content {
                    if media == "application/json" || media == "text/event-stream" {
                        refs(body, &mut found);
                    }
                }
            }
        }
    }
    Ok(found)
}

/// Schemas referenced by a discovery method (`models.generateContent`).
fn discovery_method_refs(doc: &Value, method: &str) -> Result<Vec<String>> {
    let (resource, name) = method
        .rsplit_once('.')
        .with_context(|| format!("method `{method}` needs a resource"))?;
    let mut node = doc;
    for part in resource.split('.') {
        node = node
            .get("resources")
            .and_then(|r| r.get(part))
            .with_context(|| format!("no resource `{part}`"))?;
    }
    let m = node
        .get("methods")
        .and_then(|m| m.get(name))
        .with_context(|| format!("method {method} not in the document"))?;
    let mut found = Vec::new();
    for key in ["request", "response"] {
        if let Some(r) = m
            .get(key)
            .and_then(|r| r.get("$ref"))
            .and_then(Value::as_str)
        {
            found.push(r.to_owned());
        }
    }
    Ok(found)
}

/// Schema name → groups that reach it.
fn reachability(
    api: &ApiSpec,
    spec: &Value,
    schemas: &Schemas,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for group in api.groups {
        let mut stack: Vec<String> = group.roots.iter().map(|r| (*r).to_owned()).collect();
        for (method, path) in group.operations {
            stack.extend(match api.format {
                Format::OpenApi => openapi_operation_refs(spec, method, path)?,
                Format::Discovery => discovery_method_refs(spec, path)?,
            });
        }
        while let Some(name) = stack.pop() {
            let entry = reach.entry(name.clone()).or_default();
            if !entry.insert(group.name.to_owned()) {
                continue;
            }
            match schemas.get(&name) {
                Some(schema) => refs(schema, &mut stack),
                None => bail!(
                    "{}: group {}: schema `{name}` is referenced but not defined",
                    api.spec,
                    group.name
                ),
            }
        }
    }
    Ok(reach)
}

/// The spec's named schemas, in JSON Schema terms.
fn schemas_of(api: &ApiSpec, spec: &Value) -> Result<Schemas> {
    match api.format {
        Format::OpenApi => spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .with_context(|| format!("{}: the spec has no components.schemas", api.spec)),
        Format::Discovery => super::discovery::to_json_schema(spec),
    }
}

/// The pipeline up to the IR: the spec's schemas, normalized, with the front end's additions
/// and overlays, lowered for every type some API group reaches (hand-written types left out).
pub fn build_ir(api: &ApiSpec, spec: &Value) -> Result<Vec<TypeDef>> {
    Ok(build_ir_opening_doors(api, spec)?.0)
}

/// [`build_ir`], also returning the closed doors lowering opened
/// ([`doors::closed_constructs`]).
pub fn build_ir_opening_doors(api: &ApiSpec, spec: &Value) -> Result<(Vec<TypeDef>, Vec<String>)> {
    let mut schemas = schemas_of(api, spec)?;
    for (name, schema) in (api.additions)() {
        schemas.insert(name.to_owned(), schema);
    }
    passes::run_all(&mut schemas);
    apply_overlays(api, &mut schemas)?;
    // Overlays are written in spec terms; normalize what they introduced too.
    passes::run_all(&mut schemas);

    let reach = reachability(api, spec, &schemas)?;
    let (mut types, opened) = lower::lower_opening_doors(&schemas, &reach);
    types.retain(|t| !api.hand_written.iter().any(|(name, _)| *name == t.origin));
    Ok((types, opened))
}

/// What one front end produces: formatted files for `src/generated/` and the API summary the
/// change report compares.
pub struct Generated {
    pub files: Vec<(String, String)>,
    pub summary: ApiSummary,
}

/// Runs the pipeline on the vendored spec.
pub fn generate(api: &ApiSpec) -> Result<Generated> {
    let (source, bytes) = crate::specs::read_vendored(api.spec)?;
    let spec: Value =
        serde_json::from_slice(&bytes).with_context(|| format!("parsing the {} spec", api.spec))?;
    println!(
        "{}: {} schemas; passes: {}",
        api.spec,
        schemas_of(api, &spec)?.len(),
        passes::names().join(", ")
    );
    let (types, opened) = build_ir_opening_doors(api, &spec)?;
    report(api, &types);
    println!(
        "{}: {} closed doors opened (a value the spec does not list would fail to parse)",
        api.spec,
        opened.len()
    );
    let prov = Provenance {
        spec_file: &source.file,
        spec_sha256: &source.sha256,
        doc_link_base: api.doc_link_base,
        hand_written: api.hand_written,
    };
    let files = emit::render(&types, &prov)
        .into_iter()
        .map(|(name, text)| {
            Ok((
                name.clone(),
                emit::rustfmt(&text).with_context(|| format!("formatting {name}"))?,
            ))
        })
        .collect::<Result<_>>()?;
    let mut files: Vec<(String, String)> = files;
    let rows = super::operations::rows(api, &spec)?;
    println!(
        "{}: {} operations in the passthrough table",
        api.spec,
        rows.len()
    );
    let table = super::operations::render(api, &rows, &source.file, &source.sha256);
    files.push((
        super::operations::FILE.to_owned(),
        emit::rustfmt(&table).context("formatting the operations table")?,
    ));
    // The table is always built (no cargo feature): `pub mod operations` in `mod.rs`.
    if let Some((_, mod_rs)) = files.iter_mut().find(|(name, _)| name == "mod.rs") {
        mod_rs.push_str("pub mod operations;\n");
    }
    Ok(Generated {
        files,
        summary: ApiSummary::of(&source.file, &source.sha256, &types),
    })
}

fn report(api: &ApiSpec, types: &[TypeDef]) {
    let mut per_group: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for t in types {
        let slot = match t.def {
            Def::Struct { .. } => 0,
            Def::Union { .. } => 1,
            Def::OpenEnum { .. } | Def::TagEnum { .. } => 2,
            Def::Alias(_) => 3,
        };
        for g in &t.groups {
            per_group.entry(g.as_str()).or_default()[slot] += 1;
        }
    }
    for group in api.groups {
        let [s, u, e, a] = per_group.get(group.name).copied().unwrap_or_default();
        println!(
            "{}: {:<14} {:>4} types ({s} structs, {u} unions, {e} enums, {a} aliases)",
            api.spec,
            group.name,
            s + u + e + a
        );
    }
    println!("{}: {} types in total", api.spec, types.len());
}
