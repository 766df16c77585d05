//! `aigw-conformance --corpus DIR [--provider P] [--api A]`: prints failures, a per-API table
//! and, as its last line, `N passed, M failed` (`, K skipped`). Exit status 1 on failures,
//! 2 on usage or I/O errors.

use aigw_conformance::{Options, run};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: aigw-conformance --corpus DIR [--provider P] [--api A] [--verbose]";

fn parse_args() -> Result<(Options, bool), String> {
    let mut corpus = std::env::var_os("AIGW_CORPUS").map(PathBuf::from);
    let mut provider = None;
    let mut api = None;
    let mut verbose = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--corpus" => corpus = Some(PathBuf::from(value("--corpus")?)),
            "--provider" => provider = Some(value("--provider")?),
            "--api" => api = Some(value("--api")?),
            "--verbose" | "-v" => verbose = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let corpus =
        corpus.ok_or_else(|| format!("--corpus DIR (or AIGW_CORPUS) is required\n{USAGE}"))?;
    Ok((
        Options {
            corpus,
            provider,
            api,
        },
        verbose,
    ))
}

fn main() -> ExitCode {
    let (options, verbose) = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(report) => {
            print!("{}", report.render(verbose));
            if report.failed() > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
