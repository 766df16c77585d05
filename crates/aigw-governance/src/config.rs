//! The governance parts of the configuration file: `[store]`, `[admin]`, `[[keys]]`.

use crate::budget::BudgetSpec;
use crate::key::{KeyLimits, KeyMetadata, KeySource, VirtualKey, validate_models};
use crate::manage::{now_ms, parse_time};
use crate::secret;
use secrecy::SecretString;
use serde::Deserialize;

/// `[store]`: where keys live.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://FILE` (created on first start) or `postgres://user:pass@host/db`.
    #[serde(default = "default_store_url")]
    pub url: String,
    /// How often each replica reads the keys changed elsewhere (revocations take effect
    /// within this).
    #[serde(default = "default_refresh")]
    pub key_refresh_ms: u64,
    /// How long keys in memory are still served while the store is unreachable; after that
    /// store keys get 503 until it answers again.
    #[serde(default = "default_stale")]
    pub stale_after_secs: u64,
    /// Spend-log records waiting to be written, at most (more are dropped and counted).
    #[serde(default = "default_spend_queue")]
    pub spend_queue: usize,
    /// Spend-log rows per write.
    #[serde(default = "default_spend_batch")]
    pub spend_batch: usize,
    /// A partial batch is written after this long (what a `kill -9` can lose at most).
    #[serde(default = "default_spend_flush")]
    pub spend_flush_ms: u64,
}

fn default_spend_queue() -> usize {
    65_536
}
fn default_spend_batch() -> usize {
    500
}
fn default_spend_flush() -> u64 {
    200
}

fn default_store_url() -> String {
    "sqlite://aigw.db".into()
}
fn default_refresh() -> u64 {
    250
}
fn default_stale() -> u64 {
    60
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: default_store_url(),
            key_refresh_ms: default_refresh(),
            stale_after_secs: default_stale(),
            spend_queue: default_spend_queue(),
            spend_batch: default_spend_batch(),
            spend_flush_ms: default_spend_flush(),
        }
    }
}

/// `[admin]`: the admin API (`/admin/…`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// The environment variable holding the admin key; unset or empty: the admin API is off.
    #[serde(default = "default_admin_env")]
    pub key_env: String,
}

fn default_admin_env() -> String {
    "AIGW_ADMIN_KEY".into()
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig {
            key_env: default_admin_env(),
        }
    }
}

/// A `[[keys]]` entry: a virtual key defined in the file, its secret in the environment.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StaticKeyConfig {
    /// Shown in logs and metrics; default `config:<name>`.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    /// The environment variable holding the secret.
    pub secret_env: String,
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub limits: KeyLimits,
    /// A spend cap: `{ max_usd = "25", period = "monthly", soft_usd = "20" }`.
    #[serde(default)]
    pub budget: Option<BudgetSpec>,
    /// RFC 3339 UTC.
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub metadata: KeyMetadata,
}

impl StaticKeyConfig {
    /// The key, with its secret read through `lookup`; errors name the entry.
    pub fn build(
        &self,
        index: usize,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<VirtualKey, String> {
        let at = format!("keys[{index}] ({:?})", self.name);
        let secret = lookup(&self.secret_env)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                format!(
                    "{at}: environment variable {} (secret_env) is not set",
                    self.secret_env
                )
            })?;
        validate_models(&self.models).map_err(|e| format!("{at}: {e}"))?;
        self.limits.validate().map_err(|e| format!("{at}: {e}"))?;
        let budget = self
            .budget
            .as_ref()
            .map(BudgetSpec::validate)
            .transpose()
            .map_err(|e| format!("{at}: {e}"))?;
        let expires_at = self
            .expires_at
            .as_deref()
            .map(|t| parse_time("expires_at", t))
            .transpose()
            .map_err(|e| format!("{at}: {e}"))?;
        let now = now_ms();
        let secret = SecretString::from(secret);
        Ok(VirtualKey {
            id: self
                .id
                .clone()
                .unwrap_or_else(|| format!("config:{}", self.name)),
            name: self.name.clone(),
            secret_hash: secret::hash(secrecy::ExposeSecret::expose_secret(&secret)),
            secret_hint: secret::hint(&secret),
            models: self.models.clone(),
            limits: self.limits.clone(),
            budget,
            expires_at,
            metadata: self.metadata.clone(),
            created_at: now,
            updated_at: now,
            revoked_at: None,
            source: KeySource::Config,
        })
    }
}

/// A key from `server.client_key_env` (no limits, every model).
pub fn env_key(var: &str, secret: &SecretString) -> VirtualKey {
    let now = now_ms();
    VirtualKey {
        id: format!("env:{var}"),
        name: var.to_owned(),
        secret_hash: secret::hash(secrecy::ExposeSecret::expose_secret(secret)),
        secret_hint: secret::hint(secret),
        models: Vec::new(),
        limits: KeyLimits::default(),
        budget: None,
        expires_at: None,
        metadata: KeyMetadata::default(),
        created_at: now,
        updated_at: now,
        revoked_at: None,
        source: KeySource::Config,
    }
}
