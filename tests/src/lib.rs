//! Helpers shared by the workspace-level tests (the tests themselves are this package's test
//! targets: `corpus_conformance.rs`, `fixtures_lossless.rs`, `lossless_guarantees.rs`).

use aigw_wire::{Unknown, Unknowns, unknowns};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;
use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The recorded corpus: `AIGW_CORPUS`, else `../shared/corpus/dev` beside the workspace.
pub fn corpus_dir() -> PathBuf {
    // A relative AIGW_CORPUS is relative to the workspace root (tests run in their package).
    match std::env::var_os("AIGW_CORPUS") {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("../shared/corpus/dev"),
    }
}

/// The corpus directory, or `None` after printing a skip notice naming `test` (a missing
/// corpus never passes silently).
pub fn corpus_or_skip(test: &str) -> Option<PathBuf> {
    let corpus = corpus_dir();
    if corpus.is_dir() {
        return Some(corpus);
    }
    eprintln!(
        "SKIPPED {test}: no corpus at {} (set AIGW_CORPUS to the recorded exchanges)",
        corpus.display()
    );
    None
}

/// The result of round-tripping a payload through a typed value.
#[derive(Debug)]
pub struct RoundTrip {
    /// The typed value serialized back.
    pub back: Value,
    /// `pointer: what` for every part outside the typed fields.
    pub unknowns: Vec<String>,
    /// The typed value's `Debug` output without the absent fields.
    pub typed: String,
}

/// Parses `text` as `T`, serializes it back and lists its unknown parts.
pub fn round_trip<T>(text: &str) -> Result<RoundTrip, serde_json::Error>
where
    T: DeserializeOwned + Serialize + Unknowns + Debug,
{
    let typed: T = aigw_wire::from_str(text)?;
    let back = serde_json::to_value(&typed)?;
    let unknowns = unknowns(&typed)
        .into_iter()
        .map(|(pointer, unknown)| match unknown {
            Unknown::Field(v) => format!("{pointer}: field {v}"),
            Unknown::Variant(v) => format!("{pointer}: unknown variant {v}"),
            Unknown::EnumValue(v) => format!("{pointer}: enum value {v:?}"),
            Unknown::Mistyped(v) => format!("{pointer}: mistyped value {v}"),
        })
        .collect();
    let typed = format!("{typed:#?}")
        .lines()
        .filter(|line| !line.trim_end().ends_with(": Absent,"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(RoundTrip {
        back,
        unknowns,
        typed,
    })
}
