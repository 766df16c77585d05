//! The corpus conformance harness: every recorded exchange of a provider with generated types
//! must round-trip through them — request, response or error body, and every SSE `data:`
//! payload — to an equal JSON value (numbers compared by their exact text).
//!
//! Used by `cargo xtask conformance` (through this crate's binary) and by the workspace test
//! `tests/corpus_conformance.rs`.

mod anthropic;
mod gemini;
pub mod json_diff;
mod openai;

use aigw_wire::union::{FallbackKind, take_fallbacks};
use aigw_wire::{Unknown, Unknowns};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Errors that stop the harness before any exchange is checked.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("corpus directory {0} does not exist (set AIGW_CORPUS or pass --corpus)")]
    MissingCorpus(PathBuf),
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub corpus: PathBuf,
    pub provider: Option<String>,
    pub api: Option<String>,
}

/// Round-trips one JSON text through a typed value.
pub type Checker = fn(&str) -> Result<Checked, String>;

/// What one round-trip gave back.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The re-serialized value.
    pub back: Value,
    /// The JSON pointers of values kept as `Maybe::Mistyped` (of a type the spec does not
    /// give their field: the spec and the traffic disagree there).
    pub mistyped: Vec<String>,
}

/// Parses `text` as `T` (with the lenient fallback, as the gateway does) and serializes it
/// back.
pub fn round_trip<T: DeserializeOwned + Serialize + Unknowns>(
    text: &str,
) -> Result<Checked, String> {
    let typed: T = aigw_wire::from_str(text).map_err(|e| format!("does not parse: {e}"))?;
    let mistyped = aigw_wire::unknowns(&typed)
        .into_iter()
        .filter(|(_, unknown)| matches!(unknown, Unknown::Mistyped(_)))
        .map(|(pointer, _)| pointer)
        .collect();
    let back = serde_json::to_value(&typed).map_err(|e| format!("does not serialize: {e}"))?;
    Ok(Checked { back, mistyped })
}

/// The typed checkers of one API.
#[derive(Debug, Clone, Copy)]
pub struct ApiTypes {
    pub request: Option<Checker>,
    pub response: Option<Checker>,
    pub event: Option<Checker>,
    pub error: Checker,
}

/// The outcome of one exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything round-tripped. `payloads` JSON documents were checked; `unknown` lists the
    /// union values whose tag the spec does not list (`Union: tag`) and the values of a type
    /// the spec does not give their field (`mistyped response /pointer`), all kept verbatim.
    Passed {
        payloads: usize,
        unknown: Vec<String>,
    },
    Failed(Vec<String>),
    Skipped(String),
}

/// One exchange's result.
#[derive(Debug, Clone)]
pub struct Case {
    pub file: PathBuf,
    pub provider: String,
    pub api: String,
    pub outcome: Outcome,
}

/// All results of a run.
#[derive(Debug, Default)]
pub struct Report {
    pub cases: Vec<Case>,
}

impl Report {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Passed { .. }))
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// `N passed, M failed` (plus `, K skipped` when some were): the harness's last line.
    pub fn summary(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed(), self.failed());
        if self.skipped() > 0 {
            let _ = write!(line, ", {} skipped", self.skipped());
        }
        line
    }

    /// Failures (with `verbose`, also the unknown tags and mistyped values kept per
    /// exchange), the per-API table,
    /// and the summary line last.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        if verbose {
            for case in &self.cases {
                if let Outcome::Passed { unknown, .. } = &case.outcome
                    && !unknown.is_empty()
                {
                    let _ = writeln!(
                        out,
                        "note {}: kept unknown {}",
                        case.file.display(),
                        unknown.join(", ")
                    );
                }
            }
        }
        for case in &self.cases {
            if let Outcome::Failed(problems) = &case.outcome {
                let _ = writeln!(out, "FAIL {}", case.file.display());
                for p in problems.iter().take(5) {
                    let _ = writeln!(out, "     {p}");
                }
                if problems.len() > 5 {
                    let _ = writeln!(out, "     … and {} more", problems.len() - 5);
                }
            }
        }
        let mut table: BTreeMap<(&str, &str), [usize; 5]> = BTreeMap::new();
        for case in &self.cases {
            let row = table.entry((&case.provider, &case.api)).or_default();
            match &case.outcome {
                Outcome::Passed { payloads, unknown } => {
                    row[0] += 1;
                    row[3] += payloads;
                    row[4] += unknown.len();
                }
                Outcome::Failed(_) => row[1] += 1,
                Outcome::Skipped(_) => row[2] += 1,
            }
        }
        let _ = writeln!(
            out,
            "\n{:<14} {:<24} {:>7} {:>7} {:>8} {:>9} {:>13}",
            "provider", "api", "passed", "failed", "skipped", "payloads", "kept unknown"
        );
        for ((provider, api), [p, f, s, n, u]) in &table {
            let _ = writeln!(
                out,
                "{provider:<14} {api:<24} {p:>7} {f:>7} {s:>8} {n:>9} {u:>13}"
            );
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }
}

/// The typed checkers for a provider's API, or `None` when that provider has no generated
/// types yet (its exchanges are skipped).
pub fn api_types(provider: &str, api: &str) -> Option<ApiTypes> {
    match provider {
        "openai" | "openai-compat" => openai::api_types(api),
        "anthropic" => anthropic::api_types(api),
        "gemini" => gemini::api_types(api),
        _ => None,
    }
}

/// Runs the harness over the corpus.
pub fn run(options: &Options) -> Result<Report, HarnessError> {
    if !options.corpus.is_dir() {
        return Err(HarnessError::MissingCorpus(options.corpus.clone()));
    }
    let mut files = Vec::new();
    collect_files(&options.corpus, &mut files)?;
    files.sort();
    let mut report = Report::default();
    for path in files {
        let file = path
            .strip_prefix(&options.corpus)
            .unwrap_or(&path)
            .to_path_buf();
        let text = std::fs::read_to_string(&path).map_err(|source| HarnessError::Io {
            path: path.clone(),
            source,
        })?;
        let exchange: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                report.cases.push(Case {
                    file,
                    provider: "?".into(),
                    api: "?".into(),
                    outcome: Outcome::Failed(vec![format!("exchange file is not JSON: {e}")]),
                });
                continue;
            }
        };
        let field = |name: &str| {
            exchange
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        };
        let (provider, api) = (field("provider"), field("api"));
        if options.provider.as_ref().is_some_and(|p| *p != provider)
            || options.api.as_ref().is_some_and(|a| *a != api)
        {
            continue;
        }
        let outcome = match api_types(&provider, &api) {
            None => Outcome::Skipped(format!("no generated types for {provider} {api} yet")),
            Some(types) => check_exchange(&exchange, &types),
        };
        report.cases.push(Case {
            file,
            provider,
            api,
            outcome,
        });
    }
    Ok(report)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), HarnessError> {
    let entries = std::fs::read_dir(dir).map_err(|source| HarnessError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| HarnessError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Checks one JSON document with `checker`; returns problems (empty when it round-trips).
fn check_payload(
    label: &str,
    original: &Value,
    checker: Checker,
    unknown: &mut Vec<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    take_fallbacks();
    let text = original.to_string();
    match checker(&text) {
        Err(e) => problems.push(format!("{label}: {e}")),
        Ok(Checked { back, mistyped }) => {
            if let Some((pointer, what)) = json_diff::first_difference(original, &back) {
                problems.push(format!("{label}: at {pointer}: {what}"));
            }
            for pointer in mistyped {
                let note = format!("mistyped {label} {pointer}");
                if !unknown.contains(&note) {
                    unknown.push(note);
                }
            }
        }
    }
    for fallback in take_fallbacks() {
        match fallback.kind {
            FallbackKind::UnknownTag(tag) => {
                let note = format!("{}: {tag}", fallback.union);
                if !unknown.contains(&note) {
                    unknown.push(note);
                }
            }
            FallbackKind::NoCandidate => problems.push(format!(
                "{label}: a {} value matches none of its variants",
                fallback.union
            )),
            FallbackKind::ParseFailed(e) => problems.push(format!(
                "{label}: a {} variant was chosen but did not parse: {e}",
                fallback.union
            )),
        }
    }
    problems
}

fn check_exchange(exchange: &Value, types: &ApiTypes) -> Outcome {
    let mut problems = Vec::new();
    let mut payloads = 0;
    let mut unknown = Vec::new();
    let status = exchange
        .get("status")
        .and_then(Value::as_u64)
        .unwrap_or(200);

    if let (Some(request), Some(checker)) = (
        exchange.get("request").filter(|r| !r.is_null()),
        types.request,
    ) {
        payloads += 1;
        problems.extend(check_payload("request", request, checker, &mut unknown));
    }
    if let Some(response) = exchange.get("response").filter(|r| !r.is_null()) {
        let checker = if status >= 400 {
            Some(types.error)
        } else {
            types.response
        };
        match checker {
            Some(checker) => {
                payloads += 1;
                problems.extend(check_payload("response", response, checker, &mut unknown));
            }
            None => problems.push("response: no typed response for this API".into()),
        }
    }
    if let Some(stream) = exchange.get("sse").and_then(Value::as_str) {
        let events =
            match aigw_sse::Decoder::decode_all(stream.as_bytes(), aigw_sse::Limits::default()) {
                Ok(frames) => frames,
                Err(e) => {
                    problems.push(format!("sse: {e}"));
                    Vec::new()
                }
            };
        let events = events.iter().filter_map(|frame| match frame {
            aigw_sse::Frame::Event(event) => Some(event),
            aigw_sse::Frame::Comment(_) => None,
        });
        for (i, event) in events.enumerate() {
            if event.data == "[DONE]" {
                continue;
            }
            let label = format!("sse event {i}");
            let payload: Value = match serde_json::from_str(&event.data) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{label}: data is not JSON: {e}"));
                    continue;
                }
            };
            // A mid-stream error is sent as the API's error body.
            let is_error_body = event.event.as_deref() == Some("error")
                || (payload.get("error").is_some()
                    && payload.get("type").is_none()
                    && payload.get("object").is_none());
            let checker = if is_error_body {
                Some(types.error)
            } else {
                types.event
            };
            match checker {
                Some(checker) => {
                    payloads += 1;
                    problems.extend(check_payload(&label, &payload, checker, &mut unknown));
                }
                None => problems.push(format!("{label}: no typed stream event for this API")),
            }
        }
    }
    if problems.is_empty() {
        Outcome::Passed { payloads, unknown }
    } else {
        Outcome::Failed(problems)
    }
}
