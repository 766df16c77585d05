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
mod discovery;
mod emit;
mod gemini;
mod ir;
mod lower;
mod names;
mod openai;
mod passes;
mod pipeline;
mod schema;

use crate::codegen::Output;
use anyhow::Result;
use std::collections::BTreeSet;
use std::path::PathBuf;

pub fn run(check: bool) -> Result<()> {
    let mut output = Output::new(check);
    for api in [&openai::API, &anthropic::API, &gemini::API] {
        let files = pipeline::generate(api)?;
        write_crate(&mut output, api.crate_dir, files)?;
    }
    output.finish()
}

fn write_crate(output: &mut Output, crate_dir: &str, files: Vec<(String, String)>) -> Result<()> {
    let dir: PathBuf = crate::project_root().join(crate_dir).join("src/generated");
    let mut produced = BTreeSet::new();
    for (name, text) in files {
        let path = dir.join(&name);
        output.ensure(&path, &text)?;
        produced.insert(path);
    }
    output.remove_others(&dir, &produced)
}

#[cfg(test)]
mod tests {
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
