//! `cargo xtask`: the project's build tasks (see `cargo xtask help`).
//!
//! xtask deliberately does not depend on the generated crates: it must build when generated
//! code is broken, or `regen` could never repair it.

mod bench_gateway;
mod codegen;
mod conformance;
mod record;
mod regen;
mod specs;

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

const HELP: &str = "\
cargo xtask <task>

tasks:
  specs [--from DIR]    fill specs/vendor/ from DIR (offline) or from the pinned URLs,
                        verifying each file's sha256 against specs/sources.toml
  specs --update NAME [--url URL | --file PATH [--url URL]]
                        move one pin: fetch the source's `follow` URL (or URL, or copy
                        PATH), check it parses, vendor it, rewrite url + sha256 in
                        specs/sources.toml; then `regen` reports what changed
  regen [--check]       regenerate the provider crates' wire types from specs/vendor/ and
                        report API changes against the previous generation (breaking /
                        compatible, per crate and feature; also target/regen-report.md);
                        --check compares instead of writing and fails if anything differs
  versions              check each generated crate's version against its API changes
                        since the version was set (breaking → minor, compatible → patch
                        before 1.0; CONTRIBUTING.md) and its CHANGELOG.md entry
  conformance [ARGS]    run the corpus conformance harness
                        (--corpus DIR [--provider P] [--api A] [--verbose])
  record ARGS           send a request file to a provider (key from env) and write the
                        exchange to fixtures/recorded/ in the corpus format, secrets removed
                        (`cargo xtask record --help`)
  bench-gateway [ARGS]  benchmark what the gateway adds over calling the upstream directly
                        (release builds of aigw and aigw-mock, open-loop load on loopback);
                        writes target/bench-gateway.md (`cargo xtask bench-gateway --help`)
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
        "specs" if rest.first().is_some_and(|a| a == "--update") => specs::update::run(&rest[1..]),
        "specs" => specs::run(&parse_specs_args(&rest)?),
        "regen" => {
            let check = match rest.as_slice() {
                [] => false,
                [flag] if flag == "--check" => true,
                _ => bail!("usage: cargo xtask regen [--check]"),
            };
            regen::run(check)
        }
        "versions" => regen::versions::run(&rest),
        "conformance" => conformance::run(&rest),
        "record" if rest.iter().any(|a| a == "--help" || a == "-h") => {
            println!("{}", record::USAGE);
            Ok(())
        }
        "record" => record::run(&rest, &project_root()),
        "bench-gateway" => bench_gateway::run(&rest, &project_root()),
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
        _ => bail!(
            "usage: cargo xtask specs [--from DIR]\n{}",
            specs::update::USAGE
        ),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
