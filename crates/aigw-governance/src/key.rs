//! A virtual key: who may call, which models, within which limits, until when.

use crate::budget::Budget;
use serde::{Deserialize, Serialize};

/// Per-key limits; `None` is no limit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyLimits {
    /// Requests in any rolling minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm: Option<u64>,
    /// Input + output tokens in any rolling minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpm: Option<u64>,
    /// Requests (open streams included) at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u64>,
}

impl KeyLimits {
    pub fn is_unlimited(&self) -> bool {
        self.rpm.is_none() && self.tpm.is_none() && self.max_concurrency.is_none()
    }

    /// Names the first limit that is zero (a limit of 0 would refuse everything: omit it for
    /// none).
    pub fn validate(&self) -> Result<(), String> {
        for (name, value) in [
            ("limits.rpm", self.rpm),
            ("limits.tpm", self.tpm),
            ("limits.max_concurrency", self.max_concurrency),
        ] {
            if value == Some(0) {
                return Err(format!("{name}: must be at least 1 (omit it for no limit)"));
            }
        }
        Ok(())
    }
}

/// Who a key belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// Where a key is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    /// Created by the admin API or `aigw keys create`; kept in the store.
    Store,
    /// `[[keys]]` or `server.client_key_env` in the configuration file.
    Config,
}

/// A virtual key as the gateway knows it. Holds the secret's hash, never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualKey {
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// `sk-aigw-…` + the secret's last four characters.
    pub secret_hint: String,
    /// Route names, model names and `provider/model` patterns (a trailing `*` matches any
    /// rest); empty: every model.
    pub models: Vec<String>,
    pub limits: KeyLimits,
    /// A spend cap per period.
    pub budget: Option<Budget>,
    /// Unix milliseconds.
    pub expires_at: Option<i64>,
    pub metadata: KeyMetadata,
    pub created_at: i64,
    pub updated_at: i64,
    pub revoked_at: Option<i64>,
    pub source: KeySource,
}

/// Why a known key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unusable {
    Revoked,
    Expired,
}

impl VirtualKey {
    /// Whether the key may be used at `now` (Unix milliseconds).
    pub fn usable_at(&self, now: i64) -> Result<(), Unusable> {
        if self.revoked_at.is_some_and(|t| t <= now) {
            return Err(Unusable::Revoked);
        }
        if self.expires_at.is_some_and(|t| t <= now) {
            return Err(Unusable::Expired);
        }
        Ok(())
    }

    /// Whether the key may send a request for `requested` (the model name the client sent)
    /// to `target` (`provider/model`).
    pub fn allows(&self, requested: &str, target: &str) -> bool {
        self.models.is_empty()
            || self
                .models
                .iter()
                .any(|p| pattern_matches(p, requested) || pattern_matches(p, target))
    }

    /// `active`, `revoked` or `expired` at `now`.
    pub fn status(&self, now: i64) -> &'static str {
        match self.usable_at(now) {
            Ok(()) => "active",
            Err(Unusable::Revoked) => "revoked",
            Err(Unusable::Expired) => "expired",
        }
    }
}

/// `pattern` is a name, or a prefix followed by `*`.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Checks a model pattern list.
pub fn validate_models(models: &[String]) -> Result<(), String> {
    for (i, m) in models.iter().enumerate() {
        if m.trim().is_empty() {
            return Err(format!("models[{i}]: must not be empty"));
        }
        if m.trim_end_matches('*').contains('*') {
            return Err(format!(
                "models[{i}]: {m:?}: `*` may only end a pattern (e.g. `openai/*`, `gpt-4o*`)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(models: &[&str]) -> VirtualKey {
        VirtualKey {
            id: "key_1".into(),
            name: "k".into(),
            secret_hash: String::new(),
            secret_hint: String::new(),
            models: models.iter().map(|m| m.to_string()).collect(),
            limits: KeyLimits::default(),
            budget: None,
            expires_at: Some(2_000),
            metadata: KeyMetadata::default(),
            created_at: 0,
            updated_at: 0,
            revoked_at: None,
            source: KeySource::Store,
        }
    }

    #[test]
    fn allow_lists_match_route_names_and_targets() {
        assert!(key(&[]).allows("anything", "openai/gpt-4o"));
        let k = key(&["fast", "anthropic/*", "gpt-4o*"]);
        assert!(k.allows("fast", "gemini/gemini-2.5-flash"));
        assert!(k.allows("sonnet", "anthropic/claude-sonnet-4-5"));
        assert!(k.allows("gpt-4o-mini", "openai/gpt-4o-mini"));
        assert!(!k.allows("sonnet", "openai/gpt-4o"));
        assert!(!k.allows("fast2", "groq/llama"));
    }

    #[test]
    fn revoked_and_expired_keys_are_unusable() {
        let mut k = key(&[]);
        assert_eq!(k.usable_at(1_999), Ok(()));
        assert_eq!(k.usable_at(2_000), Err(Unusable::Expired));
        k.revoked_at = Some(1_000);
        assert_eq!(k.usable_at(1_500), Err(Unusable::Revoked));
        assert_eq!(k.status(1_500), "revoked");
    }

    #[test]
    fn bad_patterns_and_zero_limits_are_named() {
        assert!(validate_models(&["a*b".into()]).is_err_and(|e| e.contains("models[0]")));
        assert!(
            validate_models(&["ok".into(), " ".into()]).is_err_and(|e| e.contains("models[1]"))
        );
        let zero = KeyLimits {
            tpm: Some(0),
            ..KeyLimits::default()
        };
        assert!(zero.validate().is_err_and(|e| e.contains("limits.tpm")));
    }
}
