//! What a translation could not carry over, and the result type every translation returns.

use serde::Serialize;
use std::fmt;

/// How a source field fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossKind {
    /// Not carried over at all.
    Dropped,
    /// Carried over with a weaker or different meaning (a clamped temperature, an effort
    /// level from a token budget, a merged usage count).
    Approximated,
    /// The target required a value the source did not have; a default was filled in.
    Defaulted,
}

/// One loss, at a JSON pointer into the source document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Loss {
    pub pointer: String,
    pub kind: LossKind,
    pub reason: String,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            LossKind::Dropped => "dropped",
            LossKind::Approximated => "approximated",
            LossKind::Defaulted => "defaulted",
        };
        write!(f, "{kind} {}: {}", self.pointer, self.reason)
    }
}

/// Every loss of one translation, in source order of discovery.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LossReport(pub Vec<Loss>);

impl LossReport {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Loss> {
        self.0.iter()
    }

    /// Appends `other`, its pointers prefixed with `prefix` (for composed translations and
    /// nested documents).
    pub fn extend_prefixed(&mut self, prefix: &str, other: LossReport) {
        self.0.extend(other.0.into_iter().map(|loss| Loss {
            pointer: format!("{prefix}{}", loss.pointer),
            ..loss
        }));
    }

    /// A one-line summary, e.g. for a response header: `2 dropped (/logprobs, /seed), 1 defaulted (/max_tokens)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (kind, name) in [
            (LossKind::Dropped, "dropped"),
            (LossKind::Approximated, "approximated"),
            (LossKind::Defaulted, "defaulted"),
        ] {
            let pointers: Vec<&str> = self
                .0
                .iter()
                .filter(|l| l.kind == kind)
                .map(|l| l.pointer.as_str())
                .collect();
            if !pointers.is_empty() {
                parts.push(format!(
                    "{} {name} ({})",
                    pointers.len(),
                    pointers.join(", ")
                ));
            }
        }
        parts.join(", ")
    }
}

impl fmt::Display for LossReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, loss) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{loss}")?;
        }
        Ok(())
    }
}

/// A translated value and what it lost.
#[derive(Clone, Debug, PartialEq)]
pub struct Translated<T> {
    pub value: T,
    pub losses: LossReport,
}

/// How to translate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Refuse ([`TranslateError::Strict`]) any translation that loses anything.
    pub strict: bool,
    /// `max_tokens` for targets that require it (Anthropic) when the source has none;
    /// reported as [`LossKind::Defaulted`].
    pub default_max_tokens: u64,
    /// The `created` timestamp (Unix seconds) of objects made for OpenAI clients.
    pub created: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            default_max_tokens: 4096,
            created: 0,
        }
    }
}

/// Why a translation gave no result.
#[derive(Debug, thiserror::Error)]
pub enum TranslateError {
    /// Strict mode, and the translation loses something.
    #[error("strict translation refused: {losses}")]
    Strict { losses: LossReport },
    /// The source is not what its protocol requires at this pointer (e.g. no `messages`).
    #[error("{pointer}: {problem}")]
    Source { pointer: String, problem: String },
    /// The translated JSON does not fit the target's wire type (a bug in a translation).
    #[error("the translation does not fit the target type: {0}")]
    Target(serde_json::Error),
}
