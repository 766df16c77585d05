//! `cargo xtask bench-gateway --peers litellm,portkey`: aigw beside the gateways a user would
//! otherwise run, in one run on one machine. The same open-loop scenarios (plain and streamed
//! OpenAI Chat passthrough; the mock keeps its head latency) go to the mock directly, through
//! aigw (traces off, and on — exporting to a local sink), and through each peer, one after
//! the other on the same mock; each row has the added latency (the path's percentile minus
//! the direct one's at the same rate), errors, the achieved rate (a peer that cannot keep up
//! is shown saturated, not dropped), the gateway's CPU per request and peak RSS, the ratio of
//! a peer's added p99 to aigw's, and whether the client got what the upstream sent.
//!
//! A manual command: it installs the peers from PyPI and npm (`install.rs`), which CI must
//! not depend on.

mod fidelity;
mod install;
mod launch;
mod report;
mod sink;

use super::gateways::{start_gateway, start_gateway_with, start_mock};
use super::load::{self, OpenLoop, Summary, Target};
use super::procs::{self, Proc, ProcSample};
use super::{Settings, build, raise_nofile, target_dir};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The peers `--peers` knows.
pub const KNOWN: [&str; 2] = ["litellm", "portkey"];

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Direct,
    Aigw,
    /// aigw exporting a trace of every request.
    AigwTraced,
    Peer(String),
}

impl Via {
    pub fn label(&self) -> String {
        match self {
            Via::Direct => "direct → mock".into(),
            Via::Aigw => "aigw".into(),
            Via::AigwTraced => "aigw, traces on".into(),
            Via::Peer(name) => match name.as_str() {
                "litellm" => format!("LiteLLM {}", install::LITELLM_VERSION),
                "portkey" => format!("Portkey {}", install::PORTKEY_VERSION),
                other => other.to_owned(),
            },
        }
    }
}

/// One path, scenario and rate.
#[derive(Debug)]
pub struct PeerRow {
    pub path: Via,
    pub stream: bool,
    pub rate: f64,
    pub summary: Summary,
    /// Checked answers per second over the measured part (sending to the last answer).
    pub achieved: f64,
    /// The gateway's CPU per request sent, µs (none for direct).
    pub cpu_us: Option<f64>,
    /// The gateway's peak RSS so far, kB.
    pub hwm_kb: Option<u64>,
}

/// Everything the peer report shows.
#[derive(Debug)]
pub struct PeerResults {
    pub settings: Settings,
    pub rows: Vec<PeerRow>,
    /// (path, stream) → what the client got compared with direct.
    pub fidelity: Vec<(Via, bool, String)>,
    pub idle_kb: Vec<(Via, u64)>,
    pub elapsed: Duration,
    pub machine: String,
}

/// A gateway under test: its process and how to address it.
struct Gateway {
    path: Via,
    /// None: the mock itself.
    proc: Option<Proc>,
    /// A peer's installed entry point, to start it again (see [`settle`]).
    peer: Option<PathBuf>,
}

impl Gateway {
    fn target(&self, mock: &str, stream: bool) -> Target {
        let url = self.proc.as_ref().map_or(mock, |p| p.url.as_str());
        match &self.path {
            Via::Direct => Target::chat(mock, launch::MODEL, stream, "sk-bench-not-a-key"),
            Via::Aigw | Via::AigwTraced => Target::chat(url, "bench-openai", stream, "unused"),
            Via::Peer(name) if name == "portkey" => launch::portkey_target(url, mock, stream),
            Via::Peer(_) => Target::chat(url, launch::MODEL, stream, launch::LITELLM_KEY),
        }
    }

    /// The process and its descendants (a peer may fork workers); none for the mock.
    fn sample(&self) -> Result<Option<ProcSample>> {
        self.proc.as_ref().map(|p| tree_sample(p.pid())).transpose()
    }
}

/// CPU and memory of `pid` and its descendants, summed.
fn tree_sample(pid: u32) -> Result<ProcSample> {
    let mut total = ProcSample::of(&pid.to_string())?;
    for child in children(pid) {
        if let Ok(s) = tree_sample(child) {
            total.rss_kb += s.rss_kb;
            total.hwm_kb += s.hwm_kb;
            total.threads += s.threads;
            total.cpu_ticks += s.cpu_ticks;
        }
    }
    Ok(total)
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for task in tasks.flatten() {
        let text = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        out.extend(
            text.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores ({cpu}), load average at the start {}",
        load.join(" ")
    )
}

pub async fn bench(s: Settings, root: &Path) -> Result<String> {
    let began = Instant::now();
    let machine = machine();
    raise_nofile(20000);
    let target = target_dir(root);
    let cache = target.join("bench-peers");
    std::fs::create_dir_all(&cache)?;
    // The peers first: a missing Python or Node is said before anything is built or run.
    let mut installed: Vec<(String, PathBuf)> = Vec::new();
    for peer in &s.peers {
        let path = match peer.as_str() {
            "litellm" => install::litellm(&cache)?,
            "portkey" => install::portkey(&cache)?,
            other => bail!("unknown peer {other}"),
        };
        installed.push((peer.clone(), path));
    }
    if s.build {
        build(root)?;
    }
    let bin = |name: &str| -> Result<PathBuf> {
        let path = target.join("release").join(name);
        if !path.is_file() {
            bail!("{} is missing (run without --no-build)", path.display());
        }
        Ok(path)
    };
    let (aigw, mock_bin) = (bin("aigw")?, bin("aigw-mock")?);
    let dir = target.join("bench-peers/run");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ticks = procs::clock_ticks() as f64;

    let mut mock = start_mock(&mock_bin, &s, s.event_delay_ms, &dir.join("mock.log"))?;
    let sink = sink::start().await?;
    let mut gateways = vec![Gateway {
        path: Via::Aigw,
        proc: Some(start_gateway(&aigw, &mock.url, &dir, "aigw", None)?),
        peer: None,
    }];
    match start_gateway_with(
        &aigw,
        &mock.url,
        &dir,
        "aigw-traced",
        None,
        &format!("[telemetry]\notlp_endpoint = \"{sink}\"\n"),
    ) {
        Ok(proc) => gateways.push(Gateway {
            path: Via::AigwTraced,
            proc: Some(proc),
            peer: None,
        }),
        // An `aigw` built before `[telemetry]` (with --no-build): the rest still runs.
        Err(e) => eprintln!("peers: no traced aigw ({e:#}); its rows are left out"),
    }
    for (peer, path) in &installed {
        eprintln!("peers: starting {peer}");
        gateways.push(Gateway {
            path: Via::Peer(peer.clone()),
            proc: Some(launch_peer(peer, path, &mock.url, &dir)?),
            peer: Some(path.clone()),
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kb = gateways
        .iter()
        .map(|g| Ok((g.path.clone(), g.sample()?.map_or(0, |s| s.rss_kb))))
        .collect::<Result<Vec<_>>>()?;

    // Fidelity, and that every path answers, before anything is measured.
    let direct = Gateway {
        path: Via::Direct,
        proc: None,
        peer: None,
    };
    let mut fidelity = Vec::new();
    for stream in [false, true] {
        let reference = fidelity::fetch(&direct.target(&mock.url, stream)).await?;
        for gw in &gateways {
            let what = match fidelity::fetch(&gw.target(&mock.url, stream)).await {
                Ok(body) => fidelity::compare(&reference, &body, stream),
                Err(e) => format!("no answer: {e:#}"),
            };
            eprintln!(
                "fidelity: {} {}: {what}",
                gw.path.label(),
                if stream { "stream" } else { "plain" }
            );
            fidelity.push((gw.path.clone(), stream, what));
        }
    }

    let mut rows = Vec::new();
    for &rate in &s.rates {
        for stream in [false, true] {
            rows.push(run_one(&s, &direct, &mock, rate, stream, ticks).await?);
            mock.ensure_running()?;
            for gw in &mut gateways {
                let row = run_one(&s, gw, &mock, rate, stream, ticks).await?;
                rows.push(row);
                mock.ensure_running()?;
                // A saturated gateway may still work through its backlog after the clients
                // gave up: the next path is measured once it is idle, and a peer still busy
                // after 30 s is started again, so that its backlog does not run beside the
                // next rows (its peak RSS then starts again too).
                if !settle(gw, ticks).await?
                    && let (Via::Peer(name), Some(path)) = (&gw.path, &gw.peer)
                {
                    eprintln!("     starting {name} again");
                    // Dropped first (its process group killed), so the new one does not
                    // start beside the old one's backlog.
                    gw.proc = None;
                    gw.proc = Some(launch_peer(name, path, &mock.url, &dir)?);
                    // Its start-up work (LiteLLM's imports and checks) is not the next row's.
                    settle(gw, ticks).await?;
                }
            }
        }
    }
    drop(gateways);
    drop(direct);
    drop(mock);
    let results = PeerResults {
        settings: s,
        rows,
        fidelity,
        idle_kb,
        elapsed: began.elapsed(),
        machine,
    };
    let markdown = report::markdown(&results);
    let out = target.join("bench-peers.md");
    std::fs::write(&out, &markdown).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(markdown)
}

fn launch_peer(name: &str, path: &Path, mock: &str, dir: &Path) -> Result<Proc> {
    match name {
        "litellm" => launch::litellm(path, mock, dir),
        _ => launch::portkey(path, dir),
    }
}

/// Waits (up to 30 s) until `gw` uses under a tenth of a core; false if it never did.
async fn settle(gw: &Gateway, ticks: f64) -> Result<bool> {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let Some(before) = gw.sample()? else {
            return Ok(true);
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = gw.sample()?.unwrap_or(before);
        let busy = after.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / ticks / 0.5;
        if busy < 0.1 || Instant::now() > until {
            if busy >= 0.1 {
                eprintln!(
                    "     {} still busy ({:.0}% of a core) after 30 s",
                    gw.path.label(),
                    busy * 100.0
                );
            }
            return Ok(busy < 0.1);
        }
    }
}

async fn run_one(
    s: &Settings,
    gw: &Gateway,
    mock: &Proc,
    rate: f64,
    stream: bool,
    ticks: f64,
) -> Result<PeerRow> {
    let target = Arc::new(gw.target(&mock.url, stream));
    let cfg = OpenLoop {
        rate,
        warmup: s.warmup,
        duration: s.duration,
        timeout: Duration::from_secs(10),
    };
    eprintln!(
        "run: {} {} at {rate} rps for {:.1}+{:.1} s",
        gw.path.label(),
        if stream { "stream" } else { "plain" },
        s.warmup.as_secs_f64(),
        s.duration.as_secs_f64()
    );
    let before = gw.sample()?;
    let started = Instant::now();
    let result = load::open_loop(load::client()?, target, cfg).await?;
    let wall = started.elapsed();
    let after = gw.sample()?;
    let summary = Summary::of(&result.samples);
    let ok = summary.sent - summary.errors;
    let measured = wall.saturating_sub(s.warmup).as_secs_f64().max(1e-3);
    let achieved = (ok as f64 / measured).min(rate);
    let sent = result.total_sent.max(1) as f64;
    let cpu_us = match (before, after) {
        (Some(b), Some(a)) => {
            Some(a.cpu_ticks.saturating_sub(b.cpu_ticks) as f64 / ticks * 1e6 / sent)
        }
        _ => None,
    };
    eprintln!(
        "     {} sent, {} errors, achieved {achieved:.0} rps, p50 {} ms, p99 {} ms",
        summary.sent,
        summary.errors,
        super::report::ms(summary.latency.pct(50.0)),
        super::report::ms(summary.latency.pct(99.0)),
    );
    Ok(PeerRow {
        path: gw.path.clone(),
        stream,
        rate,
        summary,
        achieved,
        cpu_us,
        hwm_kb: after.map(|a| a.hwm_kb),
    })
}
