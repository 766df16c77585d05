//! `cargo xtask regen`: specs → normalization passes → IR → Rust, for each provider crate.
//!
//! One pipeline, several front ends: a front end ([`openai`]) knows where its spec keeps the
//! schemas, which paths make up each API group, and which documented deviations of real
//! traffic from the spec to apply; the passes, lowering and emitter are shared.
//!
//! The emitter is our own rather than typify's: every guarantee the wire types make (tri-state
//! fields, `extra` on every object, open enums, exact numbers, tag dispatch with a catch-all)
//! would otherwise be a rewrite of typify's output, and typify 0.8 drops explicit `null`s and
//! empty arrays, parses numbers as `f64`, and only knows untagged trial-and-error unions
//! (`shared/notes/codegen-findings.md`).

mod anthropic;
mod boxing;
mod conveniences;
mod discovery;
mod doors;
mod emit;
mod gemini;
mod ir;
mod lower;
mod names;
mod openai;
mod operations;
mod passes;
mod pipeline;
mod report;
mod schema;
mod summary;
pub mod versions;

use crate::codegen::Output;
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub fn run(check: bool) -> Result<()> {
    let mut output = Output::new(check);
    let mut reports = Vec::new();
    for api in [&openai::API, &anthropic::API, &gemini::API] {
        let generated = pipeline::generate(api)?;
        let dir = generated_dir(api.crate_dir);
        let previous = previous_summary(&dir.join(summary::FILE))?;
        let groups: Vec<&str> = api.groups.iter().map(|g| g.name).collect();
        reports.push(report::diff(
            crate_name(api.crate_dir),
            previous.as_ref(),
            &generated.summary,
            &groups,
        ));
        let mut files = generated.files;
        files.push((summary::FILE.to_owned(), generated.summary.to_json()));
        write_crate(&mut output, &dir, files)?;
    }
    print!("{}", report::text(&reports));
    if !check {
        let path = crate::project_root().join("target/regen-report.md");
        std::fs::create_dir_all(path.parent().unwrap_or(&path))?;
        std::fs::write(&path, report::markdown(&reports))
            .with_context(|| format!("writing {}", path.display()))?;
        println!("report: written to {}", path.display());
    }
    output.finish()
}

/// The front end for a spec name of `specs/sources.toml`, if regen generates code from it.
pub fn front_end(spec: &str) -> Option<&'static pipeline::ApiSpec> {
    [&openai::API, &anthropic::API, &gemini::API]
        .into_iter()
        .find(|api| api.spec == spec)
}

/// Runs the pipeline up to the IR on a spec regen has not vendored yet (`specs --update`):
/// the number of types it would generate, or why it cannot.
pub fn check_spec(api: &pipeline::ApiSpec, spec: &serde_json::Value) -> Result<usize> {
    Ok(pipeline::build_ir(api, spec)?.len())
}

fn generated_dir(crate_dir: &str) -> PathBuf {
    crate::project_root().join(crate_dir).join("src/generated")
}

fn crate_name(crate_dir: &str) -> &str {
    crate_dir.rsplit('/').next().unwrap_or(crate_dir)
}

/// The summary committed with the previous generation; `None` when there is none yet.
fn previous_summary(path: &Path) -> Result<Option<summary::ApiSummary>> {
    match std::fs::read_to_string(path) {
        Ok(text) => summary::ApiSummary::from_json(&text)
            .map(Some)
            .with_context(|| format!("{} (delete it to start a new baseline)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_crate(output: &mut Output, dir: &Path, files: Vec<(String, String)>) -> Result<()> {
    let mut produced = BTreeSet::new();
    for (name, text) in files {
        let path = dir.join(&name);
        output.ensure(&path, &text)?;
        produced.insert(path);
    }
    output.remove_others(dir, &produced)
}

#[cfg(test)]
mod tests {
    /// Closed constructs [`doors::closed_constructs`] may leave, each with why it is right.
    /// Empty: every one found is opened by `doors::open_doors`. Add `"Type: …"` prefixes
    /// here only with a comment saying why a value the spec does not list must fail there.
    const CLOSED_ALLOWED: &[&str] = &[];

    /// No closed doors: in the IR of every vendored spec, no single-value tag rejects other
    /// values outside a union dispatching on it, and no error code rejects numbers. Also
    /// prints (stderr) how many lowering opened, per spec.
    #[test]
    fn generated_types_have_no_closed_doors() {
        use super::{anthropic, doors, gemini, openai, pipeline};
        use std::io::Write as _;
        let vendor = crate::specs::vendor_dir();
        let mut stderr = std::io::stderr();
        if !vendor.join("openai/openapi.json").exists() {
            let _ = writeln!(
                stderr,
                "SKIPPED generated_types_have_no_closed_doors: no specs in {} (run `cargo xtask specs --from ../shared/specs`)",
                vendor.display()
            );
            return;
        }
        let mut left = Vec::new();
        for api in [&openai::API, &anthropic::API, &gemini::API] {
            let (_, bytes) = crate::specs::read_vendored(api.spec).expect("vendored spec");
            let spec: serde_json::Value = serde_json::from_slice(&bytes).expect("spec is JSON");
            let (types, opened) = pipeline::build_ir_opening_doors(api, &spec).expect("IR");
            let _ = writeln!(stderr, "{}: {} closed doors opened", api.spec, opened.len());
            for closed in doors::closed_constructs(&types) {
                if !CLOSED_ALLOWED.iter().any(|a| closed.starts_with(a)) {
                    left.push(format!("{}: {closed}", api.spec));
                }
            }
        }
        assert!(
            left.is_empty(),
            "closed constructs left:\n{}",
            left.join("\n")
        );
    }

    /// rust-analyzer style: `cargo test -p xtask` fails when the committed generated code is not
    /// what the generator makes of the pinned specs.
    #[test]
    fn generated_code_is_up_to_date() {
        let vendor = crate::specs::vendor_dir();
        if !vendor.join("openai/openapi.json").exists() {
            eprintln!(
                "SKIPPED generated_code_is_up_to_date: no specs in {} (run `cargo xtask specs --from ../shared/specs`)",
                vendor.display()
            );
            return;
        }
        if let Err(e) = super::run(true) {
            panic!("{e:#}");
        }
    }
}
