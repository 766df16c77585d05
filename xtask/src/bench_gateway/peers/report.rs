//! The peer run as markdown: one table per scenario, every path at every rate, the added
//! latency over direct at the same rate and the ratio of each peer's added p99 to aigw's.

use super::{PeerResults, PeerRow, Via};
use crate::bench_gateway::report::ms;
use std::fmt::Write;

/// Microseconds as milliseconds, signed (an added latency may come out below zero).
fn added(path: Option<u64>, direct: Option<u64>) -> Option<i64> {
    Some(path? as i64 - direct? as i64)
}

fn ms_signed(us: Option<i64>) -> String {
    match us {
        Some(us) => format!("{:.2}", us as f64 / 1000.0),
        None => "–".into(),
    }
}

/// Whether a row kept up: nearly the whole rate answered, under 1 % errors.
fn saturated(row: &PeerRow) -> bool {
    row.achieved < 0.95 * row.rate
        || row.summary.errors as f64 > 0.01 * row.summary.sent.max(1) as f64
}

pub fn markdown(r: &PeerResults) -> String {
    let s = &r.settings;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# aigw beside LiteLLM and Portkey (`cargo xtask bench-gateway --peers`)\n"
    );
    let _ = writeln!(
        out,
        "Machine: {}. Mock head latency {} ms, {} ms between stream events; open loop, {:.1} s \
         warm-up + {:.1} s measured per row, 10 s request timeout; all paths one after the \
         other on the same mock in one run ({:.0} s). Added = the path's percentile minus \
         direct's at the same rate. CPU = the gateway process (and its children) per request \
         sent; RSS = its peak (VmHWM) so far. `aigw, traces on` exports a span per request and \
         attempt to a local sink that accepts everything.\n",
        r.machine,
        s.latency_ms,
        s.event_delay_ms,
        s.warmup.as_secs_f64(),
        s.duration.as_secs_f64(),
        r.elapsed.as_secs_f64()
    );
    for stream in [false, true] {
        let _ = writeln!(
            out,
            "## {} Chat passthrough\n",
            if stream { "Streamed" } else { "Plain" }
        );
        let _ = writeln!(
            out,
            "| path | rate | achieved rps | errors | p50 | p99 | p99.9 | added p50 | added p99 | \
             added p99.9 | CPU ms/req | peak RSS MB | added p99 ÷ aigw's |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for &rate in &s.rates {
            let of = |via: &Via| {
                r.rows
                    .iter()
                    .find(|row| row.stream == stream && row.rate == rate && &row.path == via)
            };
            let Some(direct) = of(&Via::Direct) else {
                continue;
            };
            let pct = |row: &PeerRow, p: f64| row.summary.latency.pct(p);
            let aigw_p99 = of(&Via::Aigw).and_then(|a| added(pct(a, 99.0), pct(direct, 99.0)));
            for row in r
                .rows
                .iter()
                .filter(|row| row.stream == stream && row.rate == rate)
            {
                let add = |p: f64| added(pct(row, p), pct(direct, p));
                let ratio = match (&row.path, add(99.0), aigw_p99) {
                    (Via::Peer(_), Some(peer), Some(aigw)) if aigw > 0 => {
                        format!("{:.0}×", peer as f64 / aigw as f64)
                    }
                    (Via::Peer(_), Some(_), Some(_)) => "aigw's ≤ 0".into(),
                    _ => String::new(),
                };
                let achieved = if saturated(row) {
                    format!("**{:.0} (saturated)**", row.achieved)
                } else {
                    format!("{:.0}", row.achieved)
                };
                let errors = if row.summary.errors == 0 {
                    "0".to_owned()
                } else {
                    let kinds: Vec<String> = row
                        .summary
                        .error_kinds
                        .iter()
                        .map(|(k, n)| format!("{n} {k}"))
                        .collect();
                    kinds.join(", ")
                };
                let is_direct = row.path == Via::Direct;
                let _ = writeln!(
                    out,
                    "| {} | {rate:.0} | {achieved} | {errors} | {} | {} | {} | {} | {} | {} | {} | {} | {ratio} |",
                    row.path.label(),
                    ms(pct(row, 50.0)),
                    ms(pct(row, 99.0)),
                    ms(pct(row, 99.9)),
                    if is_direct {
                        "–".into()
                    } else {
                        ms_signed(add(50.0))
                    },
                    if is_direct {
                        "–".into()
                    } else {
                        ms_signed(add(99.0))
                    },
                    if is_direct {
                        "–".into()
                    } else {
                        ms_signed(add(99.9))
                    },
                    row.cpu_us
                        .map_or("–".into(), |us| format!("{:.3}", us / 1000.0)),
                    row.hwm_kb
                        .map_or("–".into(), |kb| format!("{:.0}", kb as f64 / 1024.0)),
                );
            }
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "## Fidelity: what the client got, compared with the same request sent directly\n"
    );
    let _ = writeln!(out, "| path | plain JSON | stream events |");
    let _ = writeln!(out, "|---|---|---|");
    let mut paths: Vec<&Via> = Vec::new();
    for (via, _, _) in &r.fidelity {
        if !paths.contains(&via) {
            paths.push(via);
        }
    }
    for via in paths {
        let of = |stream: bool| {
            r.fidelity
                .iter()
                .find(|(v, s, _)| v == via && *s == stream)
                .map_or("–".to_owned(), |(_, _, what)| what.replace('|', "\\|"))
        };
        let _ = writeln!(out, "| {} | {} | {} |", via.label(), of(false), of(true));
    }
    let _ = writeln!(out, "\nIdle RSS before the runs:");
    for (via, kb) in &r.idle_kb {
        let _ = writeln!(out, "- {}: {:.0} MB", via.label(), *kb as f64 / 1024.0);
    }
    out
}
