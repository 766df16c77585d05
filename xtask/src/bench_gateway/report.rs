//! The benchmark's markdown report.

use super::{BENCH_LIMITS, Keys, REDIS_ENV, Results, Route, Row};
use std::fmt::Write;
use std::path::Path;

/// 64 MB, taken as 64 MiB (VmRSS is in kB = KiB).
const RSS_GOAL_KB: u64 = 64 * 1024;
/// 1 ms, µs.
const ADDED_GOAL_US: i64 = 1000;

/// µs as ms with two decimals.
pub fn ms(us: Option<u64>) -> String {
    us.map_or("–".into(), |us| format!("{:.2}", us as f64 / 1000.0))
}

/// A difference of two µs values as signed ms.
fn added(gateway: Option<u64>, direct: Option<u64>) -> String {
    match diff(gateway, direct) {
        Some(d) => format!("{:+.2}", d as f64 / 1000.0),
        None => "–".into(),
    }
}

fn diff(gateway: Option<u64>, direct: Option<u64>) -> Option<i64> {
    Some(gateway? as i64 - direct? as i64)
}

fn mib(kb: u64) -> String {
    if kb == 0 {
        "–".into()
    } else {
        format!("{:.1}", kb as f64 / 1024.0)
    }
}

fn rate(r: f64) -> String {
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

fn errors(row: &super::load::Summary) -> String {
    if row.errors == 0 {
        "0".into()
    } else {
        let kinds: Vec<String> = row
            .error_kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        format!("**{}** ({})", row.errors, kinds.join(", "))
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn git(root: &Path, args: &[&str]) -> String {
    std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The direct row of the same stream form at the same rate.
fn baseline<'a>(rows: &'a [Row], row: &Row) -> Option<&'a Row> {
    rows.iter().find(|r| {
        r.scenario.route == Route::Direct
            && r.scenario.stream == row.scenario.stream
            && r.rate == row.rate
    })
}

pub fn markdown(r: &Results, root: &Path) -> String {
    let s = &r.settings;
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown".to_owned(), |(_, m)| m.trim().to_owned());
    let mem_kb: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let kernel = read("/proc/sys/kernel/osrelease");
    let commit = git(root, &["rev-parse", "--short", "HEAD"]);
    let dirty = !git(root, &["status", "--porcelain"]).is_empty();

    let _ = writeln!(out, "# aigw gateway benchmark\n");
    let _ = writeln!(
        out,
        "- machine: {cores} cores (nproc), {model}, {:.1} GiB RAM, Linux {}",
        mem_kb as f64 / 1024.0 / 1024.0,
        kernel.trim()
    );
    let _ = writeln!(
        out,
        "- code: commit {commit}{}; release build",
        if dirty { " + uncommitted changes" } else { "" }
    );
    let _ = writeln!(
        out,
        "- mock upstream (`aigw-mock`): {} ms before each response head, {} ms between stream \
         events (the same for direct and gateway runs); corpus `{}`",
        s.latency_ms,
        s.event_delay_ms,
        s.corpus.display()
    );
    let _ = writeln!(
        out,
        "- load: open loop at a fixed arrival rate (requests start on schedule whatever the earlier \
         ones did; latency from each request's scheduled start); per run {:.1} s warm-up (not \
         measured) + {:.1} s measured; rates {} rps; HTTP/1.1 keep-alive pool, a fresh one per \
         run; 10 s timeout per request",
        s.warmup.as_secs_f64(),
        s.duration.as_secs_f64(),
        s.rates
            .iter()
            .map(|x| rate(*x))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (rpm, tpm, concurrency) = BENCH_LIMITS;
    let _ = writeln!(
        out,
        "- gateways: one per configuration, each with its own process and key store (a fresh \
         SQLite file in `target/bench-gateway/`): **no keys** (the client presents none); **key \
         + limits** — a `[[keys]]` virtual key the client presents as `Authorization: Bearer`, \
         limits rpm {rpm}, tpm {tpm}, max_concurrency {concurrency} (never reached: a 401 or \
         429 would be a setup error), counted in the gateway's process (`[limits] counters = \
         \"memory\"`) or in Redis (one Lua script round trip before the request goes upstream, \
         a second after the response)"
    );
    let shares = match &s.redis {
        Some((redis, from)) => {
            let _ = writeln!(
                out,
                "- Redis counters: {} (from {from}), Redis {}{}",
                redis.shown(),
                r.redis_version.as_deref().unwrap_or("version unknown"),
                if redis.is_loopback() {
                    ", on this machine"
                } else {
                    ", on another machine"
                }
            );
            if redis.is_loopback() {
                "the mock, the gateways and Redis"
            } else {
                "the mock and the gateways"
            }
        }
        None => {
            let _ = writeln!(
                out,
                "- Redis counters: **not measured** — no `{REDIS_ENV}` and no `--redis URL`, so \
                 the rows with Redis counters were skipped"
            );
            "the mock and the gateways"
        }
    };
    let _ = writeln!(
        out,
        "- the load generator, {shares} share the machine's {cores} cores; gateway log level \
         `{}` (AIGW_LOG), their stderr to `target/bench-gateway/`; open-file limit {}",
        r.log_level, r.nofile
    );
    let _ = writeln!(
        out,
        "- gateway idle before the runs: VmRSS {} MiB, {} threads",
        mib(r.gateway_idle.rss_kb),
        r.gateway_idle.threads
    );
    let _ = writeln!(
        out,
        "- time: {:.0} s in all, of which {:.0} s building aigw and aigw-mock{}; the load \
         generator is a release build\n",
        r.elapsed.as_secs_f64(),
        r.build_time.as_secs_f64(),
        if s.quick {
            " (`--quick` smoke settings)"
        } else {
            ""
        }
    );

    let _ = writeln!(out, "## What each scenario gets (one probe request)\n");
    let _ = writeln!(out, "| scenario | body bytes | SSE events | upstream |");
    let _ = writeln!(out, "|---|---:|---:|---|");
    for p in &r.probes {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}{} |",
            p.what,
            p.bytes,
            p.events.map_or("–".into(), |e| e.to_string()),
            p.note,
            if p.trailing_comment {
                "; the body ends with an SSE comment after the last event"
            } else {
                ""
            }
        );
    }

    let _ = writeln!(
        out,
        "\n## Non-streaming: latency, scheduled start → last body byte (ms)\n"
    );
    let _ = writeln!(
        out,
        "| # | scenario | rate | sent | errors | p50 | p99 | p99.9 | max | added p50 | added p99 | added p99.9 |"
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in r.rows.iter().filter(|row| !row.scenario.stream) {
        let l = &row.summary.latency;
        let base = baseline(&r.rows, row).filter(|_| row.scenario.route != Route::Direct);
        let b = |p: f64| base.and_then(|b| b.summary.latency.pct(p));
        let a = |p: f64| {
            if base.is_some() {
                added(l.pct(p), b(p))
            } else {
                "–".into()
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario.id,
            row.scenario.name,
            rate(row.rate),
            row.summary.sent,
            errors(&row.summary),
            ms(l.pct(50.0)),
            ms(l.pct(99.0)),
            ms(l.pct(99.9)),
            ms(l.max()),
            a(50.0),
            a(99.0),
            a(99.9)
        );
    }

    let _ = writeln!(
        out,
        "\n## Streaming: time to first byte (first body chunk) and total (ms)\n"
    );
    let _ = writeln!(
        out,
        "| # | scenario | rate | sent | errors | TTFB p50 | TTFB p99 | added TTFB p50 | added TTFB p99 | total p50 | total p99 | total p99.9 | added total p50 | added total p99 | added total p99.9 |"
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in r.rows.iter().filter(|row| row.scenario.stream) {
        let (t, l) = (&row.summary.ttfb, &row.summary.latency);
        let base = baseline(&r.rows, row).filter(|_| row.scenario.route != Route::Direct);
        let at = |p: f64| match base {
            Some(b) => added(t.pct(p), b.summary.ttfb.pct(p)),
            None => "–".into(),
        };
        let al = |p: f64| match base {
            Some(b) => added(l.pct(p), b.summary.latency.pct(p)),
            None => "–".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.scenario.id,
            row.scenario.name,
            rate(row.rate),
            row.summary.sent,
            errors(&row.summary),
            ms(t.pct(50.0)),
            ms(t.pct(99.0)),
            at(50.0),
            at(99.0),
            ms(l.pct(50.0)),
            ms(l.pct(99.0)),
            ms(l.pct(99.9)),
            al(50.0),
            al(99.0),
            al(99.9)
        );
    }
    let direct_id = |stream: bool| {
        r.scenarios
            .iter()
            .find(|sc| sc.route == Route::Direct && sc.stream == stream)
            .map_or("–".into(), |sc| sc.id.to_string())
    };
    let _ = writeln!(
        out,
        "\n\"added\" = gateway percentile − direct percentile at the same rate in the same run \
         (scenario {} for plain, {} for streams): a difference of percentiles, not a percentile \
         of per-request differences. Percentiles are nearest-rank over the successful requests; \
         errors are counted apart (any status but 200, connection errors, timeouts, a body \
         without `choices`, a stream whose last event is not `data: [DONE]`). The mock paces \
         events with tokio timers (1 ms resolution): a {} ms gap takes up to ~2 ms more, and how \
         much can change from one run to the next, so a stream's total can move by a few ms \
         between runs, direct ones included, whatever the gateway does; TTFB does not depend on \
         the pacing.",
        direct_id(false),
        direct_id(true),
        s.event_delay_ms
    );
    // The mock's pacing bounds a direct stream's total from below; far above it, something on
    // the way holds events back, and the stream totals measure that rather than the gateway.
    let direct_events = r
        .probes
        .iter()
        .find(|p| {
            p.scenario
                .is_some_and(|sc| sc.route == Route::Direct && sc.stream)
        })
        .and_then(|p| p.events);
    for row in r
        .rows
        .iter()
        .filter(|row| row.scenario.route == Route::Direct && row.scenario.stream)
    {
        let (Some(events), Some(p50)) = (direct_events, row.summary.latency.pct(50.0)) else {
            continue;
        };
        // tokio sleeps end on the next 1 ms tick: each gap takes up to 1 ms more.
        let paced_ms = s.latency_ms + events.saturating_sub(1) as u64 * (s.event_delay_ms + 1);
        let over_ms = p50 as f64 / 1000.0 - paced_ms as f64;
        if over_ms > 10.0 {
            let _ = writeln!(
                out,
                "\n**Note:** at {} rps the direct stream's total p50 ({}) is {over_ms:.0} ms above \
                 what the mock's pacing gives (~{paced_ms} ms for {events} events): events are \
                 held back on the way — the signature of Nagle's algorithm meeting delayed ACKs \
                 on a server socket without `TCP_NODELAY` (a keep-alive connection's second \
                 small write waits up to ~40 ms for the ACK of the first). The stream totals \
                 then measure that stall more than the gateway.",
                rate(row.rate),
                ms(Some(p50))
            );
        }
    }

    let _ = writeln!(out, "\n## CPU and gateway memory per run\n");
    let _ = writeln!(
        out,
        "| # | scenario | rate | CPU µs per request: load generator / mock / aigw | aigw ÷ mock CPU (goal) | of which kernel, µs: mock / aigw | aigw ÷ mock, user CPU only | Redis CPU µs per request | aigw VmRSS after (MiB) | aigw VmHWM (MiB) | starts >1 ms late | max start lag (ms) | accept-queue drops |"
    );
    let _ = writeln!(
        out,
        "|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in &r.rows {
        let user = |i: usize| row.cpu_us[i] - row.sys_us[i];
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} / {:.0} / {:.0} | {} | {:.0} / {:.0} | {} | {} | {} | {} | {} | {:.2} | {} |",
            row.scenario.id,
            row.scenario.name,
            rate(row.rate),
            row.cpu_us[0],
            row.cpu_us[1],
            row.cpu_us[2],
            cpu_ratio(row.scenario.route, row.cpu_us[2], row.cpu_us[1]),
            row.sys_us[1],
            row.sys_us[2],
            plain_ratio(row.scenario.route, user(2), user(1)),
            row.redis_cpu_us.map_or("–".into(), |us| format!("{us:.0}")),
            mib(row.gateway.rss_kb),
            mib(row.gateway.hwm_kb),
            row.late,
            row.max_lag.as_secs_f64() * 1000.0,
            row.overflows
        );
    }
    let _ = writeln!(
        out,
        "\nCPU time (user + system, from `/proc/PID/stat`) over the run including warm-up, divided \
         by the requests sent; the aigw figures are the row's gateway's (a direct row: the idle \
         gateway without keys). aigw ÷ mock: the gateway's CPU per request over the mock's in the \
         same row — the cost of the gateway's work beside that of a bare server answering the \
         same request; goal ≤ 1.5× passthrough, ≤ 2× cross-protocol (✓ / ✗). Kernel: the system \
         part of those figures (`stime`): syscalls and the loopback network stack, where a \
         proxy makes twice a server's socket calls per request (it is a server to the client \
         and a client to the upstream); user CPU only: the same ratio without it. Redis: `used_cpu_user + used_cpu_sys` from its `INFO cpu` \
         around the run (whatever else uses that Redis at the time counts too). VmHWM is the \
         gateway's peak since it started (one gateway per configuration serves every run of it \
         above). A start is late when the generator's scheduling thread wakes more than \
         1 ms after a request's slot (its latency still counts from the slot). Accept-queue drops: \
         the kernel's `ListenOverflows` over the run (machine-wide; a dropped client retries its \
         SYN after ~1 s)."
    );

    let _ = writeln!(
        out,
        "\n## {} streams held open at once through aigw\n",
        s.streams
    );
    let _ = writeln!(
        out,
        "A mock with {} ms between events ({} events per stream, so each stream lasts ~{:.1} s \
         after its {} ms head delay); a fresh gateway per upstream, each taking two rounds one \
         after the other; the streams of a round started evenly over \
         {:.1} s, the gateway's VmRSS sampled every 20 ms ({} samples in all). TTFB and \
         duration from each stream's start.\n",
        r.slow_delay_ms,
        r.stream_events,
        (r.stream_events.saturating_sub(1) as u64 * r.slow_delay_ms) as f64 / 1000.0,
        s.latency_ms,
        (s.hold / 6).as_secs_f64(),
        r.mem.iter().map(|m| m.samples).sum::<usize>()
    );
    let _ = writeln!(
        out,
        "| upstream | streams | most open at once | errors | idle VmRSS | peak VmRSS (sampled) | VmRSS with all open | VmHWM | VmRSS 1 s after | threads | TTFB p50 / p99 (ms) | duration p50 / p99 (ms) | accept-queue drops |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|---:|"
    );
    for m in &r.mem {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} MiB | {} MiB | {} MiB | {} MiB | {} MiB | {} | {} / {} | {} / {} | {} |",
            m.mode,
            m.streams,
            m.peak_open,
            errors(&m.summary),
            mib(m.idle_kb),
            mib(m.peak_rss_kb),
            mib(m.all_open_rss_kb),
            mib(m.hwm_kb),
            mib(m.after_kb),
            m.threads,
            ms(m.summary.ttfb.pct(50.0)),
            ms(m.summary.ttfb.pct(99.0)),
            ms(m.summary.latency.pct(50.0)),
            ms(m.summary.latency.pct(99.0)),
            m.overflows,
        );
    }

    let _ = writeln!(out, "\n## Goals\n");
    // p99 added < 1 ms at 2k rps: the plain gateway rows at 2000 rps, per configuration.
    let at_2k: Vec<&Row> = r
        .rows
        .iter()
        .filter(|row| row.rate == 2000.0 && row.scenario.route != Route::Direct)
        .collect();
    let cores_note = if cores == 2 {
        String::new()
    } else {
        format!(" (this machine has {cores} cores)")
    };
    let signed = |d: Option<i64>| d.map_or("–".into(), |d| format!("{:+.2}", d as f64 / 1000.0));
    if at_2k.is_empty() {
        let _ = writeln!(
            out,
            "- p99 added latency < 1 ms at 2,000 rps on 2 cores: **not measured** (2000 is not \
             among the rates){cores_note}"
        );
    }
    for keys in [Keys::Off, Keys::Memory, Keys::Redis] {
        let rows: Vec<&&Row> = at_2k
            .iter()
            .filter(|row| row.scenario.keys == keys)
            .collect();
        if at_2k.is_empty() {
            break;
        }
        if rows.is_empty() {
            let _ = writeln!(
                out,
                "- p99 added latency < 1 ms at 2,000 rps, {}: **not measured** (no Redis: \
                 `{REDIS_ENV}` or `--redis URL`)",
                keys.label()
            );
            continue;
        }
        let mut parts = Vec::new();
        let mut met = true;
        for row in rows.iter().filter(|row| !row.scenario.stream) {
            let d = baseline(&r.rows, row)
                .and_then(|b| diff(row.summary.latency.pct(99.0), b.summary.latency.pct(99.0)));
            met &= d.is_some_and(|d| d < ADDED_GOAL_US) && row.summary.errors == 0;
            parts.push(format!(
                "#{} {}: {} ms{}",
                row.scenario.id,
                row.scenario.name,
                signed(d),
                if row.summary.errors > 0 {
                    format!(", {} errors", row.summary.errors)
                } else {
                    String::new()
                }
            ));
        }
        let mut streams = Vec::new();
        for row in rows.iter().filter(|row| row.scenario.stream) {
            let b = baseline(&r.rows, row);
            let t = b.and_then(|b| diff(row.summary.ttfb.pct(99.0), b.summary.ttfb.pct(99.0)));
            let l =
                b.and_then(|b| diff(row.summary.latency.pct(99.0), b.summary.latency.pct(99.0)));
            streams.push(format!(
                "#{} TTFB {} ms, total {} ms",
                row.scenario.id,
                signed(t),
                signed(l)
            ));
        }
        let _ = writeln!(
            out,
            "- p99 added latency < 1 ms at 2,000 rps on 2 cores{cores_note}, {}: **{}** — plain \
             requests: {}. (Streams, for reference, p99 added: {}.)",
            keys.label(),
            if met { "met" } else { "not met" },
            parts.join("; "),
            streams.join("; ")
        );
    }
    // Every request through a gateway with keys got 200: the key and its limits let all through.
    let keyed: Vec<&Row> = r
        .rows
        .iter()
        .filter(|row| row.scenario.keys != Keys::Off)
        .collect();
    if !keyed.is_empty() {
        let measured: usize = keyed.iter().map(|row| row.summary.sent).sum();
        let warmup: usize = keyed.iter().map(|row| row.warmup_sent).sum();
        let mut refused = std::collections::BTreeMap::<String, usize>::new();
        for row in &keyed {
            for (kind, n) in row.summary.error_kinds.iter().chain(&row.warmup_failures) {
                *refused.entry(kind.clone()).or_default() += n;
            }
        }
        let _ = writeln!(
            out,
            "- every request through the gateways with keys answered 200 (a checked, complete \
             answer): **{}** — {measured} measured + {warmup} warm-up requests{}",
            if refused.is_empty() { "yes" } else { "no" },
            if refused.is_empty() {
                String::new()
            } else {
                format!(
                    "; not 200: {} (a 401 or 429 means the benchmark's key setup is wrong)",
                    refused
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
    let worst = r
        .mem
        .iter()
        .map(|m| m.hwm_kb.max(m.peak_rss_kb))
        .max()
        .unwrap_or(0);
    let all_open = r.mem.iter().all(|m| m.peak_open == m.streams);
    let clean = r.mem.iter().all(|m| m.summary.errors == 0);
    let verdict = if r.mem.is_empty() {
        "not measured".to_owned()
    } else if s.streams < 1000 {
        format!(
            "not measured at 1,000 (ran {} streams: {})",
            s.streams,
            if worst < RSS_GOAL_KB {
                "under 64 MiB"
            } else {
                "over 64 MiB"
            }
        )
    } else if !all_open {
        "not measured: the streams were never all open at once".to_owned()
    } else if worst < RSS_GOAL_KB && clean {
        "met".to_owned()
    } else if worst < RSS_GOAL_KB {
        "met for memory, but some streams failed".to_owned()
    } else {
        "not met".to_owned()
    };
    let first_rounds = r
        .mem
        .iter()
        .filter(|m| m.mode.ends_with("round 1"))
        .map(|m| m.hwm_kb.max(m.peak_rss_kb))
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "- gateway RSS < 64 MB (taken as 64 MiB) with 1,000 concurrent streams: **{verdict}** — \
         highest VmHWM / sampled VmRSS over both rounds: {} MiB (first rounds, on a fresh \
         gateway, only: {} MiB)",
        mib(worst),
        mib(first_rounds)
    );

    let failed: Vec<(String, &super::load::Summary)> = r
        .rows
        .iter()
        .map(|row| {
            (
                format!("#{} at {} rps", row.scenario.id, rate(row.rate)),
                &row.summary,
            )
        })
        .chain(
            r.mem
                .iter()
                .map(|m| (format!("{} streams {}", m.streams, m.mode), &m.summary)),
        )
        .filter(|(_, summary)| summary.errors > 0)
        .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\n## Errors\n");
        for (what, summary) in failed {
            let _ = writeln!(out, "- {what}: {}", summary.error_examples.join(" | "));
        }
    }
    out
}

/// The gateway's CPU per request over the mock's, against the goal for the scenario's route.
fn cpu_ratio(route: Route, aigw_us: f64, mock_us: f64) -> String {
    let goal = match route {
        Route::Direct => return "–".into(),
        Route::Passthrough | Route::Group => 1.5,
        Route::Cross => 2.0,
    };
    if mock_us <= 0.0 {
        return "–".into();
    }
    let ratio = aigw_us / mock_us;
    let mark = if ratio <= goal { "✓" } else { "✗" };
    format!("{ratio:.2}× (≤ {goal}× {mark})")
}

/// `aigw_us / mock_us` for a gateway row, without a goal.
fn plain_ratio(route: Route, aigw_us: f64, mock_us: f64) -> String {
    if route == Route::Direct || mock_us <= 0.0 {
        return "–".into();
    }
    format!("{:.2}×", aigw_us / mock_us)
}

#[cfg(test)]
mod tests {
    use super::{Route, cpu_ratio, plain_ratio};

    #[test]
    fn the_cpu_ratio_is_marked_against_its_routes_goal() {
        assert_eq!(
            cpu_ratio(Route::Passthrough, 150.0, 100.0),
            "1.50× (≤ 1.5× ✓)"
        );
        assert_eq!(cpu_ratio(Route::Group, 151.0, 100.0), "1.51× (≤ 1.5× ✗)");
        assert_eq!(cpu_ratio(Route::Cross, 250.0, 100.0), "2.50× (≤ 2× ✗)");
        assert_eq!(cpu_ratio(Route::Direct, 1.0, 1.0), "–");
        assert_eq!(cpu_ratio(Route::Cross, 1.0, 0.0), "–");
        assert_eq!(plain_ratio(Route::Cross, 90.0, 60.0), "1.50×");
        assert_eq!(plain_ratio(Route::Direct, 90.0, 60.0), "–");
        assert_eq!(plain_ratio(Route::Passthrough, 90.0, 0.0), "–");
    }
}
