//! `cargo xtask conformance`: runs the harness crate (`aigw-conformance`), which links the
//! generated types. It is a separate crate so that xtask builds even when they do not.

use anyhow::{Context, Result, bail};
use std::process::Command;

pub fn run(args: &[String]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .current_dir(crate::project_root())
        .args([
            "run",
            "--quiet",
            "--package",
            "aigw-conformance",
            "--all-features",
            "--",
        ])
        .args(args)
        .status()
        .context("running the conformance harness")?;
    match status.code() {
        Some(0) => Ok(()),
        // The harness already printed its report; pass its verdict on unchanged.
        Some(code) => std::process::exit(code),
        None => bail!("the conformance harness was killed ({status})"),
    }
}
