//! `cargo xtask bench-gateway`: what the gateway adds over calling the upstream directly, on
//! loopback. The gateway (`aigw`) and the mock upstream (`aigw-mock`) are built in release
//! mode and run as child processes — xtask never links them — and an open-loop load generator
//! here sends OpenAI Chat requests to the mock directly and through the gateway (passthrough
//! to an OpenAI upstream, and translated to an Anthropic one), plain and streamed. The same
//! gateway scenarios run again through gateways whose client must present a virtual key with
//! limits (high enough never to refuse): once with in-process counters, once with Redis
//! counters (`AIGW_TEST_REDIS_URL` or `--redis URL`; without one those rows are skipped). A
//! second part holds many streams open through the gateway at once and samples its memory.
//!
//! Output: markdown tables on stdout and in `target/bench-gateway.md`; the children's stderr
//! and the gateway configurations go to `target/bench-gateway/`.

mod gateways;
mod load;
mod peers;
mod procs;
mod redis;
mod report;
mod scenarios;
mod settings;

use anyhow::{Context, Result, bail};
use gateways::{Gateways, KeyGate, start_gateway, start_mock};
use load::{OpenLoop, Progress, Summary, Target};
use procs::{Proc, ProcSample};
use redis::Redis;
pub use scenarios::{BENCH_LIMITS, Keys, Route, SCENARIOS, Scenario};
use settings::parse;
pub use settings::{REDIS_ENV, Settings, USAGE};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// One scenario at one rate.
#[derive(Debug)]
pub struct Row {
    pub scenario: &'static Scenario,
    pub rate: f64,
    pub summary: Summary,
    /// The gateway after the run.
    pub gateway: ProcSample,
    /// CPU time per request sent (warm-up included), µs: load generator, mock, gateway (the
    /// row's: each gateway configuration has its own process).
    pub cpu_us: [f64; 3],
    /// Of which system (kernel) CPU time, µs per request, in the same order.
    pub sys_us: [f64; 3],
    /// Redis's CPU time per request sent, µs (rows with Redis counters, when `INFO` answers).
    pub redis_cpu_us: Option<f64>,
    /// Requests sent during the warm-up (not measured).
    pub warmup_sent: usize,
    /// Warm-up requests that did not get a checked 200, by kind.
    pub warmup_failures: BTreeMap<String, usize>,
    pub late: usize,
    pub max_lag: Duration,
    /// Connections the kernel dropped from a full accept queue during the run.
    pub overflows: u64,
}

/// What one request of each scenario got, before the runs.
#[derive(Debug)]
pub struct Probe {
    /// The scenario probed (none: the extra Anthropic stream probe).
    pub scenario: Option<&'static Scenario>,
    pub what: String,
    pub bytes: usize,
    pub events: Option<usize>,
    /// `x-mock-exchange` (direct) or `x-aigw-route` + `x-aigw-adjustments` (gateway), and
    /// `x-ratelimit-limit-requests` (gateway with keys).
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
    /// The scenarios run (the Redis ones only with a Redis).
    pub scenarios: Vec<&'static Scenario>,
    /// `redis_version` of the Redis the Redis rows counted in.
    pub redis_version: Option<String>,
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
    let peers = !settings.peers.is_empty();
    let result = runtime.block_on(async {
        tokio::select! {
            result = peers::bench(settings.clone(), root), if peers => result,
            result = bench(settings, root), if !peers => result,
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
pub(crate) fn raise_nofile(needed: u64) -> u64 {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(0);
    if limit < needed {
        eprintln!(
            "warning: the open-file limit is {limit}, below the ~{needed} this run needs; raise \
             it (`ulimit -n {needed}`) or expect connection errors"
        );
    }
    limit
}

pub(crate) fn build(root: &Path) -> Result<()> {
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

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// One request, checked; what it got.
async fn probe(scenario: Option<&'static Scenario>, what: &str, target: &Target) -> Result<Probe> {
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
    let mut note = match header("x-mock-exchange") {
        Some(exchange) => format!("exchange `{exchange}`"),
        None => format!(
            "route `{}`, adjustments `{}`",
            header("x-aigw-route").unwrap_or_default(),
            header("x-aigw-adjustments").unwrap_or_default()
        ),
    };
    let limit = header("x-ratelimit-limit-requests");
    if scenario.is_some_and(|sc| sc.keys != Keys::Off) {
        let expected = BENCH_LIMITS.0.to_string();
        if limit.as_deref() != Some(expected.as_str()) {
            bail!(
                "probe {what}: x-ratelimit-limit-requests is {limit:?}, not the bench key's \
                 {expected}: the key's limits are not applied"
            );
        }
        note.push_str(&format!(
            ", x-ratelimit-limit-requests `{expected}`, -remaining-requests `{}`",
            header("x-ratelimit-remaining-requests").unwrap_or_default()
        ));
    }
    let body = response.bytes().await.context("probe: reading the body")?;
    if status != reqwest::StatusCode::OK {
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
        scenario,
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

    // Redis first: a URL that does not answer is an error, not rows full of 503s.
    let redis = s.redis.as_ref().map(|(redis, _)| redis);
    let redis_version = match redis {
        Some(redis) => {
            redis.ping().context(
                "the Redis for the Redis-counter runs does not answer (`bash tests/services.sh \
                 up`, then `eval \"$(bash tests/services.sh env)\"`; or pass --redis URL)",
            )?;
            redis.version()
        }
        None => {
            eprintln!(
                "bench-gateway: no {REDIS_ENV} and no --redis URL: the runs with Redis counters \
                 are skipped"
            );
            None
        }
    };
    let scenarios: Vec<&'static Scenario> = SCENARIOS
        .iter()
        .filter(|sc| sc.keys != Keys::Redis || redis.is_some())
        .collect();
    // A key id of this run's own: counters in a shared Redis outlive the run.
    let run_id = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let gate = |counters: &str| KeyGate {
        counters: counters.to_owned(),
        key_id: format!("bench-{run_id}"),
    };

    let mut mock = start_mock(&mock_bin, &s, s.event_delay_ms, &dir.join("mock.log"))?;
    let mut gateways = Gateways {
        off: start_gateway(&aigw, &mock.url, &dir, "aigw", None)?,
        memory: start_gateway(
            &aigw,
            &mock.url,
            &dir,
            "aigw-keys-memory",
            Some(&gate("memory")),
        )?,
        redis: match redis {
            Some(redis) => Some(start_gateway(
                &aigw,
                &mock.url,
                &dir,
                "aigw-keys-redis",
                Some(&gate(&redis.url)),
            )?),
            None => None,
        },
    };
    eprintln!(
        "mock {} (pid {}), gateways: {} (pid {}), with key + memory counters {} (pid {}){}",
        mock.url,
        mock.pid(),
        gateways.off.url,
        gateways.off.pid(),
        gateways.memory.url,
        gateways.memory.pid(),
        match (&gateways.redis, redis) {
            (Some(gw), Some(redis)) => format!(
                ", with key + Redis counters at {} {} (pid {})",
                redis.shown(),
                gw.url,
                gw.pid()
            ),
            _ => String::new(),
        }
    );

    // One request per scenario first: every path works before anything is measured.
    let mut probes = Vec::new();
    for &scenario in &scenarios {
        let target = scenario.target(&mock.url, &gateways.of(scenario)?.url);
        probes.push(probe(Some(scenario), scenario.name, &target).await?);
    }
    // The gateways with keys refuse a request without the bench key: keys are really on.
    for keys in [Keys::Memory, Keys::Redis] {
        let Some(gw) = gateways.get(keys) else {
            continue;
        };
        let target = Target::chat(&gw.url, "bench-openai", false, "sk-aigw-not-the-bench-key");
        let response = target.request(&load::client()?).send().await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            bail!(
                "the gateway with {} answered {} to a request without the bench key, not 401",
                keys.label(),
                response.status()
            );
        }
    }
    let anthropic_stream = probe(
        None,
        "direct → mock (messages, stream)",
        &Target::messages(&mock.url, "claude-sonnet-4-5", true),
    )
    .await?;
    // What the upstream sends (the direct probes), which the slow mock paces.
    let stream_events = probes
        .iter()
        .filter(|p| p.scenario.is_some_and(|sc| sc.route == Route::Direct))
        .filter_map(|p| p.events)
        .chain(anthropic_stream.events)
        .min()
        .unwrap_or(2);
    probes.push(anthropic_stream);
    let gateway_idle = gateways.off.sample()?;

    let mut rows = Vec::new();
    for &rate in &s.rates {
        for &scenario in &scenarios {
            let gateway = gateways.of(scenario)?;
            let target = Arc::new(scenario.target(&mock.url, &gateway.url));
            let cfg = OpenLoop {
                rate,
                warmup: s.warmup,
                duration: s.duration,
                timeout: Duration::from_secs(10),
            };
            eprintln!(
                "run: #{} {} at {rate} rps for {:.1}+{:.1} s",
                scenario.id,
                scenario.name,
                s.warmup.as_secs_f64(),
                s.duration.as_secs_f64()
            );
            let redis_cpu = || {
                redis
                    .filter(|_| scenario.keys == Keys::Redis)
                    .and_then(Redis::cpu_seconds)
            };
            let overflows = procs::listen_overflows();
            let redis_before = redis_cpu();
            let before = [ProcSample::of("self")?, mock.sample()?, gateway.sample()?];
            let result = load::open_loop(load::client()?, target, cfg).await?;
            let after = [ProcSample::of("self")?, mock.sample()?, gateway.sample()?];
            let redis_after = redis_cpu();
            mock.ensure_running()?;
            gateways.ensure_running()?;
            let sent = result.total_sent.max(1) as f64;
            let per_request = |ticks_of: fn(&ProcSample) -> u64| -> [f64; 3] {
                std::array::from_fn(|i| {
                    ticks_of(&after[i]).saturating_sub(ticks_of(&before[i])) as f64 / ticks * 1e6
                        / sent
                })
            };
            let cpu_us = per_request(|p| p.cpu_ticks);
            let sys_us = per_request(|p| p.sys_ticks);
            let redis_cpu_us = match (redis_before, redis_after) {
                (Some(b), Some(a)) => Some((a - b).max(0.0) * 1e6 / sent),
                _ => None,
            };
            let summary = Summary::of(&result.samples);
            eprintln!(
                "     {} sent, {} errors, p50 {} ms, p99 {} ms; gateway VmRSS {} kB",
                summary.sent,
                summary.errors,
                report::ms(summary.latency.pct(50.0)),
                report::ms(summary.latency.pct(99.0)),
                after[2].rss_kb
            );
            if scenario.keys != Keys::Off
                && (summary.errors > 0 || !result.warmup_failures.is_empty())
            {
                eprintln!(
                    "     WARNING: not every request got 200 through the gateway with {} \
                     (measured: {:?}, warm-up: {:?}); a 401 or 429 means the benchmark's key \
                     setup is wrong",
                    scenario.keys.label(),
                    summary.error_kinds,
                    result.warmup_failures
                );
            }
            rows.push(Row {
                scenario,
                rate,
                summary,
                gateway: after[2],
                cpu_us,
                sys_us,
                redis_cpu_us,
                warmup_sent: result.total_sent.saturating_sub(result.samples.len()),
                warmup_failures: result.warmup_failures,
                late: result.late,
                max_lag: result.max_lag,
                overflows: procs::listen_overflows().saturating_sub(overflows),
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    drop(gateways);
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
        let mut gw = start_gateway(&aigw, &slow.url, &dir, name, None)?;
        let scenario = SCENARIOS
            .iter()
            .find(|sc| sc.route == route && sc.stream && sc.keys == Keys::Off)
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
        scenarios,
        redis_version,
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
