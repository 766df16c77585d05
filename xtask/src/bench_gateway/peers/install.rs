//! The peer gateways, installed at pinned versions into a cache under `target/bench-peers/`
//! (LiteLLM's proxy from PyPI into a virtualenv, Portkey's gateway from npm), once: a marker
//! file says an installation finished.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// LiteLLM proxy, the version of `shared/notes/peer-baseline.md`.
pub const LITELLM_VERSION: &str = "1.108.7";
/// `@portkey-ai/gateway`, the version of `shared/notes/peer-baseline.md`.
pub const PORTKEY_VERSION: &str = "1.15.2";

fn has(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(mut command: Command, what: &str, log: &Path) -> Result<()> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    eprintln!("peers: {what} (log: {})", log.display());
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone()?))
        .stderr(Stdio::from(out))
        .status()
        .with_context(|| format!("{what}: cannot run {}", command.get_program().display()))?;
    if !status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        bail!(
            "{what} failed ({status}); the end of {}:\n{}",
            log.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    Ok(())
}

/// The `litellm` executable of the cached virtualenv, installed if need be.
pub fn litellm(cache: &Path) -> Result<PathBuf> {
    let dir = cache.join(format!("litellm-{LITELLM_VERSION}"));
    let bin = dir.join("venv/bin/litellm");
    if dir.join(".installed").is_file() && bin.is_file() {
        return Ok(bin);
    }
    if !has("python3", "--version") {
        bail!(
            "--peers litellm needs python3 (3.9 or later, with the venv module) on PATH to \
             install the LiteLLM proxy {LITELLM_VERSION} from PyPI; install it (Debian: `apt-get \
             install python3 python3-venv`) or leave litellm out of --peers"
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut venv = Command::new("python3");
    venv.args(["-m", "venv"]).arg(dir.join("venv"));
    run(
        venv,
        "creating the LiteLLM virtualenv",
        &dir.join("venv.log"),
    )?;
    let mut pip = Command::new(dir.join("venv/bin/pip"));
    pip.args(["install", "--disable-pip-version-check", "--quiet"])
        .arg(format!("litellm[proxy]=={LITELLM_VERSION}"));
    run(
        pip,
        &format!("pip install litellm[proxy]=={LITELLM_VERSION} (a few minutes the first time)"),
        &dir.join("install.log"),
    )?;
    std::fs::write(dir.join(".installed"), LITELLM_VERSION)?;
    Ok(bin)
}

/// Portkey's `start-server.js` in the cached npm prefix, installed if need be.
pub fn portkey(cache: &Path) -> Result<PathBuf> {
    let dir = cache.join(format!("portkey-{PORTKEY_VERSION}"));
    let script = dir.join("node_modules/@portkey-ai/gateway/build/start-server.js");
    if dir.join(".installed").is_file() && script.is_file() {
        return Ok(script);
    }
    if !has("node", "--version") || !has("npm", "--version") {
        bail!(
            "--peers portkey needs node (18 or later) and npm on PATH to install \
             @portkey-ai/gateway@{PORTKEY_VERSION}; install them (Debian: `apt-get install nodejs \
             npm`) or leave portkey out of --peers"
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut npm = Command::new("npm");
    npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(format!("@portkey-ai/gateway@{PORTKEY_VERSION}"));
    run(
        npm,
        &format!("npm install @portkey-ai/gateway@{PORTKEY_VERSION}"),
        &dir.join("install.log"),
    )?;
    std::fs::write(dir.join(".installed"), PORTKEY_VERSION)?;
    Ok(script)
}
