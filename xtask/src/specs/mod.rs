//! `cargo xtask specs`: fill `specs/vendor/` with the pinned upstream specs, verified by sha256;
//! `--update` moves one pin ([`update`]).

pub mod update;

use crate::project_root;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the spec files come from.
pub enum Source {
    /// A local directory laid out like `specs/vendor/` (e.g. `../shared/specs`).
    Dir(PathBuf),
    /// The pinned URLs.
    Download,
}

/// One entry of `specs/sources.toml`.
#[derive(Debug, Deserialize)]
pub struct SpecSource {
    pub name: String,
    pub file: String,
    pub url: String,
    pub sha256: String,
}

#[derive(Deserialize)]
struct SourcesFile {
    spec: Vec<SpecSource>,
}

/// Reads `specs/sources.toml`.
pub fn load_sources() -> Result<Vec<SpecSource>> {
    let path = project_root().join("specs/sources.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file: SourcesFile =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(file.spec)
}

/// The directory holding the vendored specs.
pub fn vendor_dir() -> PathBuf {
    project_root().join("specs/vendor")
}

/// Hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks `bytes` against the pinned hash of `spec`; the error names file, expected and actual.
pub fn verify(spec: &SpecSource, origin: &Path, bytes: &[u8]) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual != spec.sha256 {
        bail!(
            "sha256 mismatch for {} (spec `{}`, from {}):\n  expected {}\n  actual   {}",
            spec.file,
            spec.name,
            origin.display(),
            spec.sha256,
            actual
        );
    }
    Ok(())
}

/// Reads a vendored spec and verifies its hash. The error says how to fetch it when missing.
pub fn read_vendored(name: &str) -> Result<(SpecSource, Vec<u8>)> {
    let spec = load_sources()?
        .into_iter()
        .find(|s| s.name == name)
        .with_context(|| format!("no spec named `{name}` in specs/sources.toml"))?;
    let path = vendor_dir().join(&spec.file);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "reading {}: run `cargo xtask specs --from ../shared/specs` (or `cargo xtask specs` to download) first",
            path.display()
        )
    })?;
    verify(&spec, &path, &bytes)?;
    Ok((spec, bytes))
}

pub fn run(source: &Source) -> Result<()> {
    let sources = load_sources()?;
    let vendor = vendor_dir();
    for spec in &sources {
        let (origin, bytes) = match source {
            Source::Dir(dir) => {
                let path = dir.join(&spec.file);
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                (path, bytes)
            }
            Source::Download => (PathBuf::from(&spec.url), download(&spec.url)?),
        };
        verify(spec, &origin, &bytes)?;
        let target = vendor.join(&spec.file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        // Write to a temporary name and rename, so an interrupted run never leaves a truncated
        // spec that a later run would read.
        let partial = target.with_extension("partial");
        std::fs::write(&partial, &bytes)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &target)
            .with_context(|| format!("renaming to {}", target.display()))?;
        println!(
            "specs: {:<10} {} ({} bytes, sha256 ok)",
            spec.name,
            spec.file,
            bytes.len()
        );
    }
    println!("specs: {} files in {}", sources.len(), vendor.display());
    Ok(())
}

/// Downloads with `curl`: one request per spec does not justify compiling an HTTP+TLS stack
/// into every fresh checkout of xtask.
fn download(url: &str) -> Result<Vec<u8>> {
    let output = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--max-time",
            "120",
            url,
        ])
        .output()
        .context("running curl (needed by `cargo xtask specs` without --from)")?;
    if !output.status.success() {
        bail!(
            "downloading {url} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}
