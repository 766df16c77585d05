//! Does the client get what the upstream sent? One request per path, its body compared with
//! the same request's answer from the mock directly: a plain answer byte for byte (and, when
//! not, which JSON fields differ); a stream event by event (the `data` of each, in order).

use super::super::load::{self, Target};
use anyhow::{Context, Result};
use serde_json::Value;

/// The body of one answer to `target`.
pub async fn fetch(target: &Target) -> Result<Vec<u8>> {
    let response = target
        .request(&load::client()?)
        .send()
        .await
        .with_context(|| format!("fidelity probe to {}", target.url))?;
    let status = response.status();
    let body = response.bytes().await?.to_vec();
    if status != reqwest::StatusCode::OK {
        anyhow::bail!(
            "fidelity probe to {}: status {status}: {}",
            target.url,
            String::from_utf8_lossy(&body)
        );
    }
    Ok(body)
}

/// The `data` of each event of an SSE body.
fn events(body: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(body)
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(|event| {
            event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|data| !data.is_empty())
        .collect()
}

/// JSON pointers where `a` and `b` differ (at most `max`).
fn differences(a: &Value, b: &Value, at: String, out: &mut Vec<String>, max: usize) {
    if out.len() >= max {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => differences(v, w, format!("{at}/{k}"), out, max),
                    None => out.push(format!("-{at}/{k}")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                if out.len() < max {
                    out.push(format!("+{at}/{k}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                differences(v, w, format!("{at}/{i}"), out, max);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("~{at}")),
    }
}

/// How `got` differs from `direct`: `identical`, or a short account.
pub fn compare(direct: &[u8], got: &[u8], stream: bool) -> String {
    if direct == got {
        return "byte-identical".into();
    }
    if !stream {
        let (Ok(a), Ok(b)) = (
            serde_json::from_slice::<Value>(direct),
            serde_json::from_slice::<Value>(got),
        ) else {
            return "differs (not JSON)".into();
        };
        let mut out = Vec::new();
        differences(&a, &b, String::new(), &mut out, 6);
        if out.is_empty() {
            return "same JSON, other bytes (key order or spacing)".into();
        }
        return format!("JSON differs: {}", out.join(" "));
    }
    let (a, b) = (events(direct), events(got));
    if a == b {
        return "same events, other framing".into();
    }
    let mut notes = Vec::new();
    if a.len() != b.len() {
        notes.push(format!("{} events, not {}", b.len(), a.len()));
    }
    let mut fields = Vec::new();
    for (x, y) in a.iter().zip(&b) {
        if x == y {
            continue;
        }
        match (
            serde_json::from_str::<Value>(x),
            serde_json::from_str::<Value>(y),
        ) {
            (Ok(x), Ok(y)) => {
                let mut out = Vec::new();
                differences(&x, &y, String::new(), &mut out, 6);
                for d in out {
                    if !fields.contains(&d) {
                        fields.push(d);
                    }
                }
            }
            _ => {
                let d = format!("~data {y:.40}");
                if !fields.contains(&d) {
                    fields.push(d);
                }
            }
        }
        if fields.len() >= 6 {
            break;
        }
    }
    if !fields.is_empty() {
        fields.truncate(6);
        notes.push(format!("events differ: {}", fields.join(" ")));
    }
    notes.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_named_by_pointer() {
        assert_eq!(compare(b"{\"a\":1}", b"{\"a\":1}", false), "byte-identical");
        assert_eq!(
            compare(b"{\"a\":1,\"b\":2}", b"{\"b\":2,\"a\":1}", false),
            "same JSON, other bytes (key order or spacing)"
        );
        assert_eq!(
            compare(
                b"{\"model\":\"x\",\"c\":[{\"d\":1}]}",
                b"{\"model\":\"y\",\"c\":[{\"d\":1,\"e\":{}}]}",
                false
            ),
            "JSON differs: ~/model +/c/0/e"
        );
        let direct = b"data: {\"created\":1}\n\ndata: [DONE]\n\n";
        let got = b"data: {\"created\":2}\n\ndata: {\"x\":1}\n\ndata: [DONE]\n\n";
        assert_eq!(
            compare(direct, got, true),
            "3 events, not 2; events differ: ~/created ~data {\"x\":1}"
        );
    }
}
