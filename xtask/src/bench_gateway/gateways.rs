//! The child processes: the mock upstream and the gateways (one per key configuration).

use super::procs::Proc;
use super::scenarios::{BENCH_LIMITS, BENCH_SECRET, BENCH_SECRET_ENV, Keys, Scenario};
use super::settings::Settings;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Loopback only: no proxy may see the children's requests.
pub fn no_proxy(command: &mut Command) {
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(var);
    }
    command.env("NO_PROXY", "127.0.0.1,localhost");
}

pub fn start_mock(bin: &Path, s: &Settings, event_delay_ms: u64, log: &Path) -> Result<Proc> {
    let mut command = Command::new(bin);
    command
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--corpus")
        .arg(&s.corpus)
        .arg("--latency-ms")
        .arg(s.latency_ms.to_string())
        .arg("--event-delay-ms")
        .arg(event_delay_ms.to_string());
    no_proxy(&mut command);
    Proc::start("aigw-mock", command, "aigw-mock listening on ", log)
}

/// The `[limits] counters` of a gateway with keys, and the bench key's id (unique per run:
/// counters in a shared Redis outlive the run).
#[derive(Clone, Debug)]
pub struct KeyGate {
    pub counters: String,
    pub key_id: String,
}

/// A gateway on `mock_url` with its key store in `dir` (a fresh SQLite file, never the
/// default `./aigw.db`); with `keys`, its clients must present the bench key.
pub fn start_gateway(
    bin: &Path,
    mock_url: &str,
    dir: &Path,
    name: &str,
    keys: Option<&KeyGate>,
) -> Result<Proc> {
    start_gateway_with(bin, mock_url, dir, name, keys, "")
}

/// [`start_gateway`] with `extra` appended to its configuration file (e.g. `[telemetry]`).
pub fn start_gateway_with(
    bin: &Path,
    mock_url: &str,
    dir: &Path,
    name: &str,
    keys: Option<&KeyGate>,
    extra: &str,
) -> Result<Proc> {
    let db = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", db.display()));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
        }
    }
    let (counters, key) = match keys {
        None => (String::new(), String::new()),
        Some(gate) => {
            let (rpm, tpm, concurrency) = BENCH_LIMITS;
            (
                format!("counters = \"{}\"\n", gate.counters),
                format!(
                    r#"
# The client's key: limits far above what any run sends (a 401 or 429 is a setup error).
[[keys]]
id = "{}"
name = "bench"
secret_env = "{BENCH_SECRET_ENV}"
limits = {{ rpm = {rpm}, tpm = {tpm}, max_concurrency = {concurrency} }}
"#,
                    gate.key_id
                ),
            )
        }
    };
    let config = format!(
        r#"# Written by `cargo xtask bench-gateway`: providers on the loopback mock.
[server]
listen = "127.0.0.1:0"
shutdown_grace_secs = 1

[limits]
max_concurrency = 100000
{counters}
[store]
url = "sqlite://{db}"

[providers.mock-openai]
kind = "openai"
base_url = "{mock_url}/v1"
key_env = "AIGW_BENCH_OPENAI_KEY"

[providers.mock-anthropic]
kind = "anthropic"
base_url = "{mock_url}/v1"
key_env = "AIGW_BENCH_ANTHROPIC_KEY"

[[routes]]
model = "bench-openai"
targets = ["mock-openai/gpt-4o-mini"]

[[routes]]
model = "bench-anthropic"
targets = ["mock-anthropic/claude-sonnet-4-5"]

# A second OpenAI provider on the same mock: the two members of a least-latency group.
[providers.mock-openai-b]
kind = "openai"
base_url = "{mock_url}/v1"
key_env = "AIGW_BENCH_OPENAI_KEY"

[[routes]]
model = "bench-group"
targets = [{{ strategy = "least-latency", members = ["mock-openai/gpt-4o-mini", "mock-openai-b/gpt-4o-mini"] }}]
{key}
{extra}"#,
        db = db.display()
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))?;
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("AIGW_BENCH_OPENAI_KEY", "sk-bench-not-a-key")
        .env("AIGW_BENCH_ANTHROPIC_KEY", "sk-ant-bench-not-a-key")
        .env(BENCH_SECRET_ENV, BENCH_SECRET);
    no_proxy(&mut command);
    Proc::start(
        "aigw",
        command,
        "aigw listening on ",
        &dir.join(format!("{name}.log")),
    )
}

/// The gateways of the rate runs, one per [`Keys`] configuration.
pub struct Gateways {
    pub off: Proc,
    pub memory: Proc,
    pub redis: Option<Proc>,
}

impl Gateways {
    pub fn get(&self, keys: Keys) -> Option<&Proc> {
        match keys {
            Keys::Off => Some(&self.off),
            Keys::Memory => Some(&self.memory),
            Keys::Redis => self.redis.as_ref(),
        }
    }

    /// The gateway serving `scenario` (a direct one: the gateway without keys, idle).
    pub fn of(&self, scenario: &Scenario) -> Result<&Proc> {
        self.get(scenario.keys)
            .with_context(|| format!("no gateway for {}", scenario.name))
    }

    pub fn ensure_running(&mut self) -> Result<()> {
        self.off.ensure_running()?;
        self.memory.ensure_running()?;
        if let Some(redis) = &mut self.redis {
            redis.ensure_running()?;
        }
        Ok(())
    }
}
