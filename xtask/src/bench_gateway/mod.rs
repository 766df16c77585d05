//! `cargo xtask bench-gateway`: what the gateway adds over calling the upstream directly, on
//! loopback. The gateway (`aigw`) and the mock upstream (`aigw-mock`) are built in release
//! mode and run as child processes — xtask never links them — and an open-loop load generator
//! here sends OpenAI Chat requests to the mock directly and through the gateway (passthrough
//! to an OpenAI upstream, and translated to an Anthropic one), plain and streamed. A second
//! part holds many streams open through the gateway at once and samples its memory.
//!
//! Output: markdown tables on stdout and in `target/bench-gateway.md`; the children's stderr
//! and the gateway configurations go to `target/bench-gateway/`.

mod load;
mod procs;
mod report;

use anyhow::{Context, Result, bail};
use load::{OpenLoop, Progress, Summary, Target};
use procs::{Proc, ProcSample};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub const USAGE: &str = "\
usage: cargo xtask bench-gateway [--duration SECS] [--rates R1,R2,...] [--latency-ms MS]
                                 [--event-delay-ms MS] [--streams N] [--hold-secs SECS]
                                 [--warmup SECS] [--corpus DIR] [--quick] [--no-build]
  --duration SECS      measured time of each scenario at each rate (default 10)
  --rates LIST         arrival rates in requests per second (default 500,2000); `none`
                       runs only the held-open streams (memory)
  --latency-ms MS      the mock's delay before every response head (default 20)
  --event-delay-ms MS  the mock's delay between stream events (default 2)
  --streams N          streams held open at once through the gateway (default 1000)
  --hold-secs SECS     how long each of those streams lasts (default 6; sets the slow
                       mock's event delay)
  --warmup SECS        unmeasured warm-up before each run (default: 20% of the duration,
                       between 0.5 and 2 s)
  --corpus DIR         the recorded exchanges the mock replays (default $AIGW_CORPUS, a
                       relative path being relative to the workspace root, else
                       ../shared/corpus/dev)
  --quick              a smoke check: 2 s, 200 rps, 100 streams held 3 s
  --no-build           use the binaries in target/release as they are
Writes target/bench-gateway.md; children's logs in target/bench-gateway/.";

/// The benchmark's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub duration: Duration,
    pub warmup: Duration,
    pub rates: Vec<f64>,
    pub latency_ms: u64,
    pub event_delay_ms: u64,
    pub streams: usize,
    pub hold: Duration,
    pub corpus: PathBuf,
    pub build: bool,
    pub quick: bool,
}

fn parse(args: &[String], root: &Path) -> Result<Settings> {
    let quick = args.iter().any(|a| a == "--quick");
    let mut duration = if quick { 2.0 } else { 10.0 };
    let mut rates = if quick {
        vec![200.0]
    } else {
        vec![500.0, 2000.0]
    };
    let mut latency_ms = 20;
    let mut event_delay_ms = 2;
    let mut streams = if quick { 100 } else { 1000 };
    let mut hold = if quick { 3.0 } else { 6.0 };
    let mut warmup = None;
    let mut corpus = None;
    let mut build = true;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        let number = |v: &String| -> Result<f64> {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .with_context(|| format!("{flag}: {v:?} is not a positive number"))
        };
        match flag.as_str() {
            "--quick" => {}
            "--no-build" => build = false,
            "--duration" => duration = number(value()?)?,
            "--warmup" => warmup = Some(value()?.parse::<f64>().context("--warmup")?),
            "--hold-secs" => hold = number(value()?)?,
            "--rates" => {
                let list = value()?;
                rates = if list == "none" {
                    Vec::new()
                } else {
                    list.split(',')
                        .map(|r| number(&r.trim().to_owned()))
                        .collect::<Result<_>>()?
                };
            }
            "--latency-ms" => latency_ms = value()?.parse().context("--latency-ms")?,
            "--event-delay-ms" => event_delay_ms = value()?.parse().context("--event-delay-ms")?,
            "--streams" => streams = value()?.parse().context("--streams")?,
            "--corpus" => corpus = Some(PathBuf::from(value()?)),
            other => bail!("unknown flag {other}\n\n{USAGE}"),
        }
    }
    let warmup = warmup.unwrap_or_else(|| {
        if quick {
            0.5
        } else {
            (duration * 0.2).clamp(0.5, 2.0)
        }
    });
    let corpus = match corpus {
        Some(dir) => dir,
        None => match std::env::var_os("AIGW_CORPUS") {
            Some(dir) => root.join(dir),
            None => root.join("../shared/corpus/dev"),
        },
    };
    if !corpus.is_dir() {
        bail!(
            "corpus directory {} not found: pass --corpus DIR or set AIGW_CORPUS (the mock \
             replays the recorded exchanges there)",
            corpus.display()
        );
    }
    let corpus = std::path::absolute(&corpus)?;
    Ok(Settings {
        duration: Duration::from_secs_f64(duration),
        warmup: Duration::from_secs_f64(warmup.max(0.0)),
        rates,
        latency_ms,
        event_delay_ms,
        streams,
        hold: Duration::from_secs_f64(hold),
        corpus,
        build,
        quick,
    })
}

/// How a scenario reaches the mock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Direct,
    /// Through aigw, Chat client to an OpenAI upstream.
    Passthrough,
    /// Through aigw, Chat client to an Anthropic upstream (translated both ways).
    Cross,
}

#[derive(Debug)]
pub struct Scenario {
    pub id: usize,
    pub name: &'static str,
    pub route: Route,
    pub stream: bool,
}

pub const SCENARIOS: [Scenario; 6] = [
    Scenario {
        id: 1,
        name: "direct → mock (chat)",
        route: Route::Direct,
        stream: false,
    },
    Scenario {
        id: 2,
        name: "aigw passthrough (chat → openai)",
        route: Route::Passthrough,
        stream: false,
    },
    Scenario {
        id: 3,
        name: "aigw cross-protocol (chat → anthropic)",
        route: Route::Cross,
        stream: false,
    },
    Scenario {
        id: 4,
        name: "direct → mock (chat, stream)",
        route: Route::Direct,
        stream: true,
    },
    Scenario {
        id: 5,
        name: "aigw passthrough (chat → openai, stream)",
        route: Route::Passthrough,
        stream: true,
    },
    Scenario {
        id: 6,
        name: "aigw cross-protocol (chat → anthropic, stream)",
        route: Route::Cross,
        stream: true,
    },
];

impl Scenario {
    fn target(&self, mock: &str, gateway: &str) -> Target {
        match self.route {
            Route::Direct => Target::chat(mock, "gpt-4o-mini", self.stream),
            Route::Passthrough => Target::chat(gateway, "bench-openai", self.stream),
            Route::Cross => Target::chat(gateway, "bench-anthropic", self.stream),
        }
    }
}

/// One scenario at one rate.
#[derive(Debug)]
pub struct Row {
    pub scenario: &'static Scenario,
    pub rate: f64,
    pub summary: Summary,
    /// The gateway after the run.
    pub gateway: ProcSample,
    /// CPU time per request sent (warm-up included), µs: load generator, mock, gateway.
    pub cpu_us: [f64; 3],
    pub late: usize,
    pub max_lag: Duration,
    /// Connections the kernel dropped from a full accept queue during the run.
    pub overflows: u64,
}

/// What one request of each scenario got, before the runs.
#[derive(Debug)]
pub struct Probe {
    pub what: String,
    pub bytes: usize,
    pub events: Option<usize>,
    /// `x-mock-exchange` (direct) or `x-aigw-route` + `x-aigw-adjustments` (gateway).
    pub note: String,
    pub trailing_comment: bool,
}

/// The streams-held-open run through one fresh gateway.
#[derive(Debug)]
pub struct MemRow {
    pub mode: String,
    pub streams: usize,
    pub peak_open: usize,
    pub summary: Summary,
    pub idle_kb: u64,
    /// Highest sampled VmRSS.
    pub peak_rss_kb: u64,
    /// Highest sampled VmRSS while every stream was open (0: never all open at once).
    pub all_open_rss_kb: u64,
    pub hwm_kb: u64,
    /// VmRSS a second after the last stream ended.
    pub after_kb: u64,
    pub threads: u64,
    pub samples: usize,
    /// Connections the kernel dropped from a full accept queue during the run.
    pub overflows: u64,
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Results {
    pub settings: Settings,
    pub probes: Vec<Probe>,
    pub rows: Vec<Row>,
    pub mem: Vec<MemRow>,
    pub slow_delay_ms: u64,
    pub stream_events: usize,
    pub gateway_idle: ProcSample,
    pub nofile: u64,
    pub log_level: String,
    /// Building the release binaries (0 with `--no-build`).
    pub build_time: Duration,
    /// The whole benchmark, build included.
    pub elapsed: Duration,
}

pub fn run(args: &[String], root: &Path) -> Result<()> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let settings = parse(args, root)?;
    if cfg!(debug_assertions) && std::env::var_os(REEXEC).is_none() {
        return reexec_release(args, root);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let result = runtime.block_on(async {
        tokio::select! {
            result = bench(settings, root) => result,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    // The children are gone with `bench`'s future; don't wait for a scheduler thread.
    runtime.shutdown_timeout(Duration::from_secs(1));
    let markdown = result?;
    print!("{markdown}");
    Ok(())
}

/// Set in the release build's environment: no second re-exec.
const REEXEC: &str = "AIGW_BENCH_GATEWAY_RELEASE";

/// `cargo xtask` is a debug build, whose HTTP client costs several times the CPU of a release
/// build — CPU the gateway and the mock compete for on a small machine. So the benchmark runs
/// as `cargo run --release -p xtask -- bench-gateway ARGS`.
fn reexec_release(args: &[String], root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("bench-gateway: running the load generator as a release build of xtask");
    let status = Command::new(cargo)
        .args([
            "run",
            "--release",
            "--quiet",
            "-p",
            "xtask",
            "--",
            "bench-gateway",
        ])
        .args(args)
        .env(REEXEC, "1")
        .current_dir(root)
        .status()
        .context("running cargo run --release -p xtask")?;
    if !status.success() {
        bail!("the release build of bench-gateway failed ({status})");
    }
    Ok(())
}

/// The open-file limit raised to the hard limit (the children inherit it).
fn raise_nofile(needed: u64) -> u64 {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    if limit < needed {
        eprintln!(
            "warning: the open-file limit is {limit}, below the ~{needed} this run needs; raise \
             it (`ulimit -n {needed}`) or expect connection errors"
        );
    }
    limit
}

fn build(root: &Path) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building: cargo build --release -p aigw-gateway -p aigw-mock");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-p",
            "aigw-gateway",
            "-p",
            "aigw-mock",
        ])
        .current_dir(root)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p aigw-gateway -p aigw-mock failed ({status})");
    }
    Ok(())
}

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Loopback only: no proxy may see the children's requests.
fn no_proxy(command: &mut Command) {
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

fn start_mock(bin: &Path, s: &Settings, event_delay_ms: u64, log: &Path) -> Result<Proc> {
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

fn start_gateway(bin: &Path, mock_url: &str, dir: &Path, name: &str) -> Result<Proc> {
    let config = format!(
        r#"# Written by `cargo xtask bench-gateway`: two providers on the loopback mock.
[server]
listen = "127.0.0.1:0"
shutdown_grace_secs = 1

[limits]
max_concurrency = 100000

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
"#
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))?;
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .env("AIGW_BENCH_OPENAI_KEY", "sk-bench-not-a-key")
        .env("AIGW_BENCH_ANTHROPIC_KEY", "sk-ant-bench-not-a-key");
    no_proxy(&mut command);
    Proc::start(
        "aigw",
        command,
        "aigw listening on ",
        &dir.join(format!("{name}.log")),
    )
}

/// One request, checked; what it got.
async fn probe(what: &str, target: &Target) -> Result<Probe> {
    let client = load::client()?;
    let response = target
        .request(&client)
        .send()
        .await
        .with_context(|| format!("probe {what}: sending to {}", target.url))?;
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let note = match header("x-mock-exchange") {
        Some(exchange) => format!("exchange `{exchange}`"),
        None => format!(
            "route `{}`, adjustments `{}`",
            header("x-aigw-route").unwrap_or_default(),
            header("x-aigw-adjustments").unwrap_or_default()
        ),
    };
    let body = response.bytes().await.context("probe: reading the body")?;
    if !status.is_success() {
        bail!(
            "probe {what}: status {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    if let Err(e) = target.check(&body) {
        bail!("probe {what}: {e}");
    }
    let trailing_comment = target.stream && {
        let text = String::from_utf8_lossy(&body);
        let last_line = text
            .trim_end()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        last_line.starts_with(':')
    };
    Ok(Probe {
        what: what.to_owned(),
        bytes: body.len(),
        events: target.stream.then(|| load::count_events(&body)),
        note,
        trailing_comment,
    })
}

async fn bench(s: Settings, root: &Path) -> Result<String> {
    let began = Instant::now();
    let nofile = raise_nofile(3 * s.streams as u64 + 4096);
    if s.build {
        build(root)?;
    }
    let build_time = began.elapsed();
    let target = target_dir(root);
    let bin = |name: &str| -> Result<PathBuf> {
        let path = target.join("release").join(name);
        if !path.is_file() {
            bail!("{} is missing (run without --no-build)", path.display());
        }
        Ok(path)
    };
    let (aigw, mock_bin) = (bin("aigw")?, bin("aigw-mock")?);
    let dir = target.join("bench-gateway");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ticks = procs::clock_ticks() as f64;

    let mut mock = start_mock(&mock_bin, &s, s.event_delay_ms, &dir.join("mock.log"))?;
    let mut gateway = start_gateway(&aigw, &mock.url, &dir, "aigw")?;
    eprintln!(
        "mock {} (pid {}), gateway {} (pid {})",
        mock.url,
        mock.pid(),
        gateway.url,
        gateway.pid()
    );

    // One request per scenario first: every path works before anything is measured.
    let mut probes = Vec::new();
    for scenario in &SCENARIOS {
        let target = scenario.target(&mock.url, &gateway.url);
        probes.push(probe(scenario.name, &target).await?);
    }
    let anthropic_stream = probe(
        "direct → mock (messages, stream)",
        &Target::messages(&mock.url, "claude-sonnet-4-5", true),
    )
    .await?;
    // What the upstream sends (the direct probes), which the slow mock paces.
    let stream_events = SCENARIOS
        .iter()
        .zip(&probes)
        .filter(|(sc, _)| sc.route == Route::Direct)
        .filter_map(|(_, p)| p.events)
        .chain(anthropic_stream.events)
        .min()
        .unwrap_or(2);
    probes.push(anthropic_stream);
    let gateway_idle = gateway.sample()?;

    let mut rows = Vec::new();
    for &rate in &s.rates {
        for scenario in &SCENARIOS {
            let target = Arc::new(scenario.target(&mock.url, &gateway.url));
            let cfg = OpenLoop {
                rate,
                warmup: s.warmup,
                duration: s.duration,
                timeout: Duration::from_secs(10),
            };
            eprintln!(
                "run: {} at {rate} rps for {:.1}+{:.1} s",
                scenario.name,
                s.warmup.as_secs_f64(),
                s.duration.as_secs_f64()
            );
            let overflows = procs::listen_overflows();
            let before = [ProcSample::of("self")?, mock.sample()?, gateway.sample()?];
            let result = load::open_loop(load::client()?, target, cfg).await?;
            let after = [ProcSample::of("self")?, mock.sample()?, gateway.sample()?];
            mock.ensure_running()?;
            gateway.ensure_running()?;
            let sent = result.total_sent.max(1) as f64;
            let cpu_us = std::array::from_fn(|i| {
                after[i].cpu_ticks.saturating_sub(before[i].cpu_ticks) as f64 / ticks * 1e6 / sent
            });
            let summary = Summary::of(&result.samples);
            eprintln!(
                "     {} sent, {} errors, p50 {} ms, p99 {} ms; gateway VmRSS {} kB",
                summary.sent,
                summary.errors,
                report::ms(summary.latency.pct(50.0)),
                report::ms(summary.latency.pct(99.0)),
                after[2].rss_kb
            );
            rows.push(Row {
                scenario,
                rate,
                summary,
                gateway: after[2],
                cpu_us,
                late: result.late,
                max_lag: result.max_lag,
                overflows: procs::listen_overflows().saturating_sub(overflows),
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    drop(gateway);
    drop(mock);

    // Streams held open: a slow mock, a fresh gateway per mode (so VmHWM is this run's).
    let gaps = stream_events.saturating_sub(1).max(1) as f64;
    let slow_delay_ms = (s.hold.as_secs_f64() * 1000.0 / gaps).ceil() as u64;
    let slow = start_mock(&mock_bin, &s, slow_delay_ms, &dir.join("mock-slow.log"))?;
    let mut mem = Vec::new();
    for (mode, route) in [
        ("passthrough (chat → openai)", Route::Passthrough),
        ("cross-protocol (chat → anthropic)", Route::Cross),
    ] {
        let name = match route {
            Route::Cross => "aigw-streams-cross",
            _ => "aigw-streams-passthrough",
        };
        let mut gw = start_gateway(&aigw, &slow.url, &dir, name)?;
        let scenario = SCENARIOS
            .iter()
            .find(|sc| sc.route == route && sc.stream)
            .context("no stream scenario")?;
        let target = Arc::new(scenario.target(&slow.url, &gw.url));
        // Twice through the same gateway: what the second round adds is memory the first
        // one left behind (retained or leaked).
        for round in 1..=2 {
            eprintln!(
                "streams: {} {mode} streams at once (round {round}), {slow_delay_ms} ms between \
                 events",
                s.streams
            );
            let label = format!("{mode}, round {round}");
            let row = hold_streams(label, target.clone(), s.streams, s.hold, &gw).await?;
            gw.ensure_running()?;
            eprintln!(
                "     {} open at once, {} errors, peak VmRSS {} kB, VmHWM {} kB",
                row.peak_open, row.summary.errors, row.peak_rss_kb, row.hwm_kb
            );
            mem.push(row);
        }
    }
    drop(slow);

    let results = Results {
        settings: s,
        probes,
        rows,
        mem,
        slow_delay_ms,
        stream_events,
        gateway_idle,
        nofile,
        log_level: std::env::var("AIGW_LOG").unwrap_or_else(|_| "info (default)".into()),
        build_time,
        elapsed: began.elapsed(),
    };
    let markdown = report::markdown(&results, root);
    let out = target.join("bench-gateway.md");
    std::fs::write(&out, &markdown).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(markdown)
}

/// Starts `n` streams through `gw`, evenly over `hold / 6` (all at once, a cold process's
/// accept queue overflows and a share of the clients retry their SYN a second later), and
/// samples the gateway's memory while they are open.
async fn hold_streams(
    mode: String,
    target: Arc<Target>,
    n: usize,
    hold: Duration,
    gw: &Proc,
) -> Result<MemRow> {
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle = gw.sample()?;
    let client = load::client()?;
    let progress = Arc::new(Progress::default());
    let timeout = hold * 3 + Duration::from_secs(30);
    let ramp = hold / 6;
    let overflows = procs::listen_overflows();
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (client, target, progress) = (client.clone(), target.clone(), progress.clone());
            let at = start + ramp.mul_f64(i as f64 / n as f64);
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                load::send(&client, &target, at, timeout, Some(&progress)).await
            })
        })
        .collect();
    let (mut peak_rss, mut all_open_rss, mut threads, mut count) = (0, 0, 0, 0);
    while progress.done.load(Ordering::SeqCst) < n && start.elapsed() < timeout + hold {
        let now = gw.sample()?;
        count += 1;
        peak_rss = peak_rss.max(now.rss_kb);
        threads = threads.max(now.threads);
        if progress.open.load(Ordering::SeqCst) == n {
            all_open_rss = all_open_rss.max(now.rss_kb);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut samples = Vec::with_capacity(n);
    for task in tasks {
        samples.push(task.await?);
    }
    let hwm = gw.sample()?.hwm_kb;
    let overflows = procs::listen_overflows().saturating_sub(overflows);
    drop(client);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = gw.sample()?.rss_kb;
    Ok(MemRow {
        mode,
        streams: n,
        peak_open: progress.peak_open.load(Ordering::SeqCst),
        summary: Summary::of(&samples),
        idle_kb: idle.rss_kb,
        peak_rss_kb: peak_rss,
        all_open_rss_kb: all_open_rss,
        hwm_kb: hwm,
        after_kb: after,
        threads,
        samples: count,
        overflows,
    })
}
