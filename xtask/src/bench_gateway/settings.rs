//! The command line of `cargo xtask bench-gateway`.

use super::redis::Redis;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo xtask bench-gateway [--duration SECS] [--rates R1,R2,...] [--latency-ms MS]
                                 [--event-delay-ms MS] [--streams N] [--hold-secs SECS]
                                 [--warmup SECS] [--corpus DIR] [--redis URL] [--quick]
                                 [--no-build] [--peers litellm,portkey]
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
  --redis URL          the Redis for the runs with Redis rate-limit counters (default
                       $AIGW_TEST_REDIS_URL, as `tests/services.sh env` sets it; neither:
                       those runs are skipped)
  --quick              a smoke check: 2 s, 200 rps, 100 streams held 3 s
  --no-build           use the binaries in target/release as they are
  --peers LIST         instead: the same open-loop scenarios (plain and streamed Chat
                       passthrough, the mock's head latency) against the mock directly,
                       aigw (traces off and on) and the peer gateways named (`litellm`,
                       `portkey`), one after the other in one run (default rates
                       100,500,2000); the peers are installed at pinned versions under
                       target/bench-peers/ (needs python3 with venv, node and npm, and
                       PyPI/npm the first time). A manual command, not run in CI.
                       Writes target/bench-peers.md
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
    /// The Redis of the runs with Redis counters, and where its URL came from.
    pub redis: Option<(Redis, &'static str)>,
    pub build: bool,
    pub quick: bool,
    /// `--peers`: the peer gateways to compare with (none: the usual benchmark).
    pub peers: Vec<String>,
}

pub fn parse(args: &[String], root: &Path) -> Result<Settings> {
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
    let mut redis = None;
    let mut build = true;
    let mut peers: Vec<String> = Vec::new();
    let mut rates_given = false;
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
            "--peers" => {
                for peer in value()?.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    if !super::peers::KNOWN.contains(&peer) {
                        bail!(
                            "--peers: unknown peer {peer:?} (known: {})",
                            super::peers::KNOWN.join(", ")
                        );
                    }
                    peers.push(peer.to_owned());
                }
            }
            "--rates" => {
                rates_given = true;
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
            "--redis" => redis = Some((value()?.clone(), "--redis")),
            other => bail!("unknown flag {other}\n\n{USAGE}"),
        }
    }
    if !peers.is_empty() && !rates_given {
        rates = vec![100.0, 500.0, 2000.0];
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
    let redis = redis.or_else(|| {
        std::env::var(REDIS_ENV)
            .ok()
            .filter(|url| !url.trim().is_empty())
            .map(|url| (url, REDIS_ENV))
    });
    let redis = match redis {
        Some((url, from)) => Some((Redis::parse(url.trim())?, from)),
        None => None,
    };
    Ok(Settings {
        duration: Duration::from_secs_f64(duration),
        warmup: Duration::from_secs_f64(warmup.max(0.0)),
        rates,
        latency_ms,
        event_delay_ms,
        streams,
        hold: Duration::from_secs_f64(hold),
        corpus,
        redis,
        build,
        quick,
        peers,
    })
}

/// Where the Redis URL comes from without `--redis` (`tests/services.sh env` sets it).
pub const REDIS_ENV: &str = "AIGW_TEST_REDIS_URL";
