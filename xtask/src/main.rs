//! `cargo xtask`: the project's build tasks (see `cargo xtask help`).
//!
//! xtask deliberately does not depend on the generated crates: it must build when generated
//! code is broken, or `regen` could never repair it.

mod codegen;
mod conformance;
mod regen;
mod specs;

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

const HELP: &str = "\
cargo xtask <task>

tasks:
  specs [--from DIR]    fill specs/vendor/ from DIR (offline) or from the pinned URLs,
                        verifying each file's sha256 against specs/sources.toml
  regen [--check]       regenerate the provider crates' wire types from specs/vendor/;
                        --check compares instead of writing and fails if anything differs
  conformance [ARGS]    run the corpus conformance harness
                        (--corpus DIR [--provider P] [--api A] [--verbose])
";

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the context chain on one line, without anyhow's backtrace.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_else(|| "help".to_owned());
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "specs" => specs::run(&parse_specs_args(&rest)?),
        "regen" => {
            let check = match rest.as_slice() {
                [] => false,
                [flag] if flag == "--check" => true,
                _ => bail!("usage: cargo xtask regen [--check]"),
            };
            regen::run(check)
        }
        "conformance" => conformance::run(&rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{HELP}"),
    }
}

fn parse_specs_args(rest: &[String]) -> Result<specs::Source> {
    match rest {
        [] => Ok(specs::Source::Download),
        [flag, dir] if flag == "--from" => Ok(specs::Source::Dir(PathBuf::from(dir))),
        _ => bail!("usage: cargo xtask specs [--from DIR]"),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
