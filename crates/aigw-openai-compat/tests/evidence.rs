//! Presets from evidence: every OpenAI-compatible request in the recorded corpus that its
//! provider answered with 200 goes out exactly as recorded under that vendor's preset — no
//! field stripped, renamed, mapped or removed as a default, and a Responses request is not
//! translated to Chat (the preset says the vendor serves `/responses`). A quirk may only
//! change what a recording (a 4xx) or the provider's published documentation shows it
//! rejects; a recorded 200 that a preset would change is a wrong quirk.
//!
//! Vendors without a preset (Cerebras, Hugging Face, Z.ai) are checked under the quirks the
//! gateway gives `openai-compat` without a preset (OpenAI's own).
//!
//! The corpus is read from `AIGW_CORPUS` (relative to the workspace root); without it the
//! test prints `SKIPPED` and returns.

use aigw_openai_compat::{Preset, Quirks, adjust_chat};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("AIGW_CORPUS").map(PathBuf::from)?;
    let dir = if dir.is_relative() {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir)
    } else {
        dir
    };
    dir.is_dir().then_some(dir)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// What the gateway would change in `request` (an `api` call to `vendor`), one line per
/// change; empty when it goes out unchanged.
fn changes(vendor: &str, api: &str, request: &Value) -> Vec<String> {
    let (name, quirks) = match Preset::from_name(vendor) {
        Some(preset) => {
            let provider = preset.provider();
            (provider.name, provider.quirks)
        }
        None => ("openai-compat", Quirks::default()),
    };
    match api {
        "chat.completions" => {
            let mut sent = request.clone();
            let adjustments = adjust_chat(name, &quirks, &mut sent);
            let mut lines: Vec<String> = adjustments.iter().map(ToString::to_string).collect();
            // Byte for byte, key order included.
            let (before, after) = (request.to_string(), sent.to_string());
            if lines.is_empty() && before != after {
                lines.push("the body changed without an adjustment".to_owned());
            }
            lines
        }
        "responses" if !quirks.supports_responses_api => {
            vec![format!(
                "{name}: supports_responses_api is false, so the request is translated to Chat"
            )]
        }
        "responses" => Vec::new(),
        other => vec![format!("no check for api {other}")],
    }
}

#[test]
fn every_recorded_200_is_sent_unchanged_by_its_preset() {
    let Some(dir) = corpus() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED every_recorded_200_is_sent_unchanged_by_its_preset: AIGW_CORPUS is not set to the recorded corpus"
        );
        return;
    };
    let mut files = Vec::new();
    json_files(&dir.join("openai-compat"), &mut files);
    files.sort();
    assert!(
        !files.is_empty(),
        "no openai-compat exchanges under {}",
        dir.display()
    );

    let mut total = 0usize;
    let mut unchanged = 0usize;
    // vendor → (checked, unchanged)
    let mut per_vendor: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut apis: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable exchange");
        let exchange: Value = serde_json::from_str(&text).expect("exchange is JSON");
        let request = &exchange["request"];
        // Only requests the provider accepted; a `GET /models` has no body to change.
        if exchange["status"].as_u64() != Some(200) || !request.is_object() {
            continue;
        }
        let vendor = exchange["vendor"].as_str().expect("vendor").to_owned();
        let api = exchange["api"].as_str().expect("api").to_owned();
        total += 1;
        *apis.entry(api.clone()).or_default() += 1;
        let entry = per_vendor.entry(vendor.clone()).or_default();
        entry.0 += 1;
        let lines = changes(&vendor, &api, request);
        if lines.is_empty() {
            unchanged += 1;
            entry.1 += 1;
        } else {
            let name = file
                .strip_prefix(&dir)
                .unwrap_or(file)
                .display()
                .to_string();
            failures.push(format!("{name} ({vendor}): {}", lines.join("; ")));
        }
    }

    for (vendor, (checked, same)) in &per_vendor {
        let preset = if Preset::from_name(vendor).is_some() {
            "preset"
        } else {
            "no preset: OpenAI's quirks"
        };
        eprintln!("  {vendor} ({preset}): {same} of {checked} unchanged");
    }
    eprintln!("{unchanged} recorded exchanges sent unchanged of {total}");

    // The corpus has what this test is about: Chat and Responses requests of the vendors
    // whose presets the recordings decide.
    assert!(total > 0, "no recorded 200 with a request body");
    assert!(
        apis.get("responses").copied().unwrap_or(0) > 0,
        "no Responses recordings: {apis:?}"
    );
    for vendor in ["groq", "deepseek", "openrouter", "mistral"] {
        assert!(
            per_vendor.get(vendor).is_some_and(|(n, _)| *n > 0),
            "no recorded 200 for {vendor}"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {total} recorded requests would be changed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(unchanged, total);
}

/// The vendors recorded answering `POST /responses` are exactly the presets that say they
/// serve it among the recorded ones; a preset without a Responses recording keeps its
/// documented flag.
#[test]
fn supports_responses_api_follows_the_recordings() {
    let Some(dir) = corpus() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED supports_responses_api_follows_the_recordings: AIGW_CORPUS is not set to the recorded corpus"
        );
        return;
    };
    let mut files = Vec::new();
    json_files(&dir.join("openai-compat").join("responses"), &mut files);
    let mut vendors: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let exchange: Value =
                serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
            (exchange["status"].as_u64() == Some(200))
                .then(|| exchange["vendor"].as_str().map(str::to_owned))
                .flatten()
        })
        .collect();
    vendors.sort();
    vendors.dedup();
    assert!(!vendors.is_empty(), "no recorded Responses exchanges");
    for vendor in &vendors {
        if let Some(preset) = Preset::from_name(vendor) {
            assert!(
                preset.provider().quirks.supports_responses_api,
                "{vendor} answers /responses with 200 in the corpus"
            );
        }
    }
    eprintln!(
        "vendors recorded serving /responses: {}",
        vendors.join(", ")
    );
}
