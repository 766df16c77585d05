//! The peer gateways started on the mock: LiteLLM's proxy (one worker, a config routing
//! `gpt-4o-mini` to the mock as an OpenAI provider, no master key, no database) and Portkey's
//! gateway (headless; the provider and the mock's URL in each request's headers).

use super::super::gateways::no_proxy;
use super::super::load::Target;
use super::super::procs::Proc;
use anyhow::{Context, Result};
use reqwest::header::HeaderValue;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The model every path asks for (the mock answers any model with its default exchange).
pub const MODEL: &str = "gpt-4o-mini";
/// The LiteLLM proxy's master key (it refuses to start without one), which its clients
/// present.
pub const LITELLM_KEY: &str = "sk-bench-5f0c2a9e4b7d41c3a8e6f1d2b9c07a35";
/// LiteLLM imports a lot before it listens.
const START: Duration = Duration::from_secs(180);

/// A free loopback port (bound and released: a peer binds it next).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn listening(port: u16) -> impl FnMut() -> bool {
    move || {
        std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(200),
        )
        .is_ok()
    }
}

pub fn litellm(bin: &Path, mock: &str, dir: &Path) -> Result<Proc> {
    let port = free_port()?;
    let config = format!(
        r#"# Written by `cargo xtask bench-gateway --peers`: the mock as an OpenAI provider.
model_list:
  - model_name: {MODEL}
    litellm_params:
      model: openai/{MODEL}
      api_base: {mock}/v1
      api_key: sk-bench-not-a-key
litellm_settings:
  telemetry: false
  set_verbose: false
general_settings:
  master_key: {LITELLM_KEY}
"#
    );
    let path = dir.join("litellm.yaml");
    std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))?;
    // Through the venv's interpreter rather than the script's `#!` line, which names the
    // absolute path the venv was created at (a moved target directory breaks it).
    let mut command = Command::new(bin.with_file_name("python3"));
    command
        .arg(bin)
        .arg("--config")
        .arg(&path)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .env("LITELLM_LOG", "ERROR")
        .env("LITELLM_TELEMETRY", "False")
        .env("DISABLE_SCHEMA_UPDATE", "true");
    no_proxy(&mut command);
    Proc::start_polling(
        "litellm",
        command,
        &format!("http://127.0.0.1:{port}"),
        &dir.join("litellm.log"),
        START,
        listening(port),
    )
}

pub fn portkey(script: &Path, dir: &Path) -> Result<Proc> {
    let port = free_port()?;
    let mut command = Command::new("node");
    command
        .arg(script)
        .arg(format!("--port={port}"))
        .arg("--headless")
        .env("NODE_ENV", "production");
    no_proxy(&mut command);
    Proc::start_polling(
        "portkey",
        command,
        &format!("http://127.0.0.1:{port}"),
        &dir.join("portkey.log"),
        START,
        listening(port),
    )
}

/// Portkey's request for `mock`: the provider and the mock's URL as headers.
pub fn portkey_target(url: &str, mock: &str, stream: bool) -> Target {
    let mut target = Target::chat(url, MODEL, stream, "sk-bench-not-a-key");
    target
        .headers
        .insert("x-portkey-provider", HeaderValue::from_static("openai"));
    if let Ok(host) = HeaderValue::from_str(&format!("{mock}/v1")) {
        target.headers.insert("x-portkey-custom-host", host);
    }
    target
}
